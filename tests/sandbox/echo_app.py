"""A tiny echo bot used to exercise the sandbox end to end."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

WELCOME_HTML = "<b>欢迎</b>，你好！"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with an inline button; echo the /start payload if any."""
    assert update.message is not None
    text = WELCOME_HTML
    if context.args:
        text += f"\n参数：<code>{' '.join(context.args)}</code>"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("点我", callback_data="hello")]])
    await update.message.reply_html(text, reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the callback and edit the message."""
    query = update.callback_query
    assert query is not None
    await query.answer("已收到")
    await query.edit_message_text(f"你按了：<i>{query.data}</i>", parse_mode="HTML")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the document and reply with its size."""
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    data = await (await document.get_file()).download_as_bytearray()
    await update.message.reply_text(f"收到文件 {document.file_name}，大小 {len(data)} 字节")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo plain text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def add_echo_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the echo bot's handlers."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
