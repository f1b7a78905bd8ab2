"""Wire-level Bot API tests: a real PTB ``Bot`` against the sandbox, errors included."""

from __future__ import annotations

import json

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError

from sandbox.server import SandboxServer

USER = 42


@pytest.fixture
def user(sandbox_server: SandboxServer) -> int:
    """Register user 42 as seen by the sandbox (as if they had /start-ed the bot)."""
    sandbox_server.state.ensure_user(USER)
    return USER


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"按钮{i}", callback_data=d)] for i, d in enumerate(data)]
    )


async def test_get_me(bot: Bot, sandbox_server: SandboxServer) -> None:
    me = await bot.get_me()
    assert me.id == sandbox_server.config.bot_id
    assert me.is_bot and me.username == "contest_sandbox_bot"


async def test_wrong_token_is_unauthorized(sandbox_server: SandboxServer) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123:wrong", base_url=sandbox_server.bot_base_url):
            pass


async def test_unknown_method_is_404(
    sandbox_server: SandboxServer, http_session: aiohttp.ClientSession
) -> None:
    url = f"{sandbox_server.bot_base_url}{sandbox_server.token}/sendTelepathy"
    async with http_session.post(url, json={}) as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_send_message_html_with_inline_keyboard(bot: Bot, user: int, sandbox_server) -> None:
    sent = await bot.send_message(
        user, "<b>报名</b>成功！\n请选择：", parse_mode="HTML", reply_markup=keyboard("a", "b")
    )
    assert sent.text == "报名成功！\n请选择："
    assert sent.entities == (MessageEntity(MessageEntity.BOLD, 0, 2),)
    assert sent.text_html == "<b>报名</b>成功！\n请选择："
    assert sent.from_user.id == bot.id and sent.chat.id == user and sent.chat.type == "private"
    assert sent.reply_markup == keyboard("a", "b")
    stored = sandbox_server.state.chats[user].messages[sent.message_id]
    assert stored.source == "<b>报名</b>成功！\n请选择：" and stored.parse_mode == "HTML"


async def test_message_ids_increase_per_chat(bot: Bot, sandbox_server: SandboxServer) -> None:
    for user_id in (1, 2):
        sandbox_server.state.ensure_user(user_id)
    first = await bot.send_message(1, "a")
    second = await bot.send_message(1, "b")
    other = await bot.send_message(2, "c")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)


async def test_reply_keyboards_and_force_reply_are_accepted(
    bot: Bot, user: int, sandbox_server: SandboxServer
) -> None:
    markup = ReplyKeyboardMarkup([["是", "否"]], one_time_keyboard=True, resize_keyboard=True)
    sent = await bot.send_message(user, "确认？", reply_markup=markup)
    assert sent.reply_markup is None  # Telegram echoes inline keyboards only
    chat = sandbox_server.state.chats[user]
    assert chat.reply_keyboard is not None
    assert [[b["text"] for b in row] for row in chat.reply_keyboard["keyboard"]] == [["是", "否"]]
    await bot.send_message(user, "好的", reply_markup=ReplyKeyboardRemove())
    assert chat.reply_keyboard is None
    asked = await bot.send_message(
        user, "姓名？", reply_markup=ForceReply(input_field_placeholder="张三")
    )
    assert chat.force_reply == asked.message_id


async def test_edit_text_and_reply_markup(bot: Bot, user: int) -> None:
    sent = await bot.send_message(user, "原文", reply_markup=keyboard("x"))
    edited = await bot.edit_message_text(
        "<i>新文</i>", user, sent.message_id, parse_mode="HTML", reply_markup=keyboard("y")
    )
    assert edited.text == "新文" and edited.edit_date is not None
    assert edited.reply_markup == keyboard("y")
    markup_only = await bot.edit_message_reply_markup(user, sent.message_id, reply_markup=None)
    assert markup_only.reply_markup is None and markup_only.text == "新文"


async def test_delete_message(bot: Bot, user: int, sandbox_server: SandboxServer) -> None:
    sent = await bot.send_message(user, "临时")
    assert await bot.delete_message(user, sent.message_id) is True
    assert sandbox_server.state.chats[user].messages[sent.message_id].deleted
    with pytest.raises(BadRequest) as info:
        await bot.delete_message(user, sent.message_id)
    assert info.value.message == "Message to delete not found"
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", user, sent.message_id)


async def test_send_document_get_file_and_download(bot: Bot, user: int) -> None:
    payload = "申报书内容".encode() * 100
    sent = await bot.send_document(
        user, payload, filename="申报书.docx", caption="<b>请查收</b>", parse_mode="HTML"
    )
    document = sent.document
    assert document.file_name == "申报书.docx" and document.file_size == len(payload)
    assert document.mime_type.startswith("application/")
    assert sent.caption == "请查收" and sent.caption_entities[0].type == MessageEntity.BOLD
    file = await bot.get_file(document.file_id)
    assert file.file_size == len(payload)
    assert bytes(await file.download_as_bytearray()) == payload
    again = await bot.send_document(user, document.file_id)
    assert again.document.file_unique_id == document.file_unique_id
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_document(user, "no-such-file-id")
    with pytest.raises(BadRequest, match="^Message caption is too long$"):
        await bot.send_document(user, document.file_id, caption="字" * 1025)


async def test_commands_per_scope(
    bot: Bot, sandbox_server: SandboxServer, http_session: aiohttp.ClientSession
) -> None:
    for user_id in (42, 43):
        sandbox_server.state.ensure_user(user_id)
    default = [BotCommand("start", "开始"), BotCommand("help", "帮助")]
    private = [BotCommand("start", "开始报名")]
    personal = [BotCommand("admin", "管理")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(private, scope=BotCommandScopeAllPrivateChats())
    assert await bot.set_my_commands(personal, scope=BotCommandScopeChat(42), language_code="zh")
    assert await bot.get_my_commands() == tuple(default)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == tuple(private)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(42)) == ()
    assert await bot.get_my_commands(scope=BotCommandScopeChat(42), language_code="zh") == tuple(
        personal
    )

    async def visible(user_id: int) -> list[str]:
        url = f"{sandbox_server.url}/sandbox/api/commands"
        async with http_session.get(url, params={"user": user_id}) as response:
            return [c["command"] for c in (await response.json())["commands"]]

    assert await visible(42) == ["admin"]
    assert await visible(43) == ["start"]
    assert await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert await visible(43) == ["start", "help"]
    with pytest.raises(BadRequest, match="^Bot_command_invalid$"):
        await bot.set_my_commands([BotCommand("Start", "大写不行")])


async def test_message_too_long(bot: Bot, user: int) -> None:
    await bot.send_message(user, "字" * 4096)
    await bot.send_message(user, "<b>" + "字" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest) as info:
        await bot.send_message(user, "字" * 4097)
    assert info.value.message == "Message is too long"
    with pytest.raises(BadRequest, match="^Message is too long$"):
        await bot.send_message(user, "😀" * 2049)  # 4098 UTF-16 code units


async def test_empty_text(bot: Bot, user: int) -> None:
    with pytest.raises(BadRequest, match="^Message text is empty$"):
        await bot.send_message(user, "<b> </b>", parse_mode="HTML")


async def test_button_data_invalid(bot: Bot, user: int) -> None:
    await bot.send_message(user, "ok", reply_markup=keyboard("x" * 64))
    for data in ("x" * 65, "字" * 22, ""):
        with pytest.raises(BadRequest) as info:
            await bot.send_message(user, "bad", reply_markup=keyboard(data))
        assert info.value.message == "Button_data_invalid"


async def test_too_many_inline_buttons(bot: Bot, user: int) -> None:
    rows = [[InlineKeyboardButton(str(i), callback_data=str(i))] for i in range(101)]
    with pytest.raises(BadRequest, match="^Reply markup is too long$"):
        await bot.send_message(user, "太多", reply_markup=InlineKeyboardMarkup(rows))


async def test_cant_parse_entities(bot: Bot, user: int) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(user, "分数 < 60 <b>不及格", parse_mode="HTML")
    assert info.value.message == (
        'Can\'t parse entities: unsupported start tag "" at byte offset 7'
    )
    with pytest.raises(BadRequest, match="can't find end tag corresponding to start tag"):
        await bot.send_message(user, "<b>未闭合", parse_mode="HTML")


async def test_edit_errors(bot: Bot, user: int, sandbox_server: SandboxServer) -> None:
    sent = await bot.send_message(
        user, "<b>同样</b>", parse_mode="HTML", reply_markup=keyboard("k")
    )
    with pytest.raises(BadRequest) as info:
        await bot.edit_message_text(
            "<strong>同样</strong>",
            user,
            sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("k"),
        )
    assert info.value.message == (
        "Message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", user, 999)
    sandbox_server.state.ensure_user(7)
    with pytest.raises(BadRequest, match="^Message to edit not found$"):
        await bot.edit_message_text("x", 7, sent.message_id + 5)


async def test_answer_callback_query_once(
    bot: Bot, user: int, sandbox_server: SandboxServer
) -> None:
    sent = await bot.send_message(user, "按钮", reply_markup=keyboard("go"))
    sandbox_server.sandbox.user_press(user, sent.message_id, "go")
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query.data == "go" and query.from_user.id == user
    assert query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="好的", show_alert=True)
    assert sandbox_server.state.chats[user].toast["text"] == "好的"
    for query_id in (query.id, "123"):
        with pytest.raises(BadRequest) as info:
            await bot.answer_callback_query(query_id)
        assert info.value.message == (
            "Query is too old and response timeout expired or query id is invalid"
        )


async def test_blocked_user_is_forbidden(
    bot: Bot, user: int, sandbox_server: SandboxServer
) -> None:
    sandbox_server.sandbox.user_block(user)
    with pytest.raises(Forbidden) as info:
        await bot.send_message(user, "还在吗？")
    assert info.value.message == "Forbidden: bot was blocked by the user"
    (update,) = await bot.get_updates(timeout=0)
    assert update.my_chat_member.new_chat_member.status == "kicked"
    sandbox_server.sandbox.user_send(user, "/start")  # writing to the bot again unblocks it
    assert (await bot.send_message(user, "欢迎回来")).text == "欢迎回来"


async def test_unknown_chat_not_found(bot: Bot) -> None:
    with pytest.raises(BadRequest) as info:
        await bot.send_message(987654, "你是谁")
    assert info.value.message == "Chat not found"


async def test_get_updates_offsets_and_command_entities(
    bot: Bot, sandbox_server: SandboxServer
) -> None:
    sandbox_server.sandbox.user_send(5, "/start ref_abc")
    sandbox_server.sandbox.user_send(5, "你好")
    first, second = await bot.get_updates(timeout=0)
    assert first.message.text == "/start ref_abc"
    assert first.message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 6),)
    assert first.message.from_user.first_name == "用户5"
    assert second.update_id == first.update_id + 1
    assert await bot.get_updates(offset=second.update_id, timeout=0) == (second,)
    assert await bot.get_updates(offset=second.update_id + 1, timeout=0) == ()


async def test_injected_failures(bot: Bot, user: int, sandbox_server: SandboxServer) -> None:
    sandbox_server.config.fail_next("sendMessage", 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user, "x")
    assert (await bot.send_message(user, "x")).text == "x"


async def test_params_as_query_json_form_and_multipart(
    sandbox_server: SandboxServer, http_session: aiohttp.ClientSession, user: int
) -> None:
    base = f"{sandbox_server.bot_base_url}{sandbox_server.token}"
    markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    async with http_session.get(f"{base}/sendMessage", params={"chat_id": user, "text": "q"}) as r:
        assert (await r.json())["result"]["text"] == "q"
    body = {"chat_id": user, "text": "<i>j</i>", "parse_mode": "HTML", "reply_markup": markup}
    async with http_session.post(f"{base}/sendMessage", json=body) as r:
        result = (await r.json())["result"]
        assert result["text"] == "j" and result["reply_markup"] == markup
    form = {"chat_id": str(user), "text": "f", "reply_markup": json.dumps(markup)}
    async with http_session.post(f"{base}/sendMessage", data=form) as r:
        assert (await r.json())["result"]["reply_markup"] == markup
    multipart = aiohttp.FormData()
    multipart.add_field("chat_id", str(user))
    multipart.add_field("reply_markup", json.dumps(markup))
    multipart.add_field("document", b"abc", filename="a.csv", content_type="text/csv")
    async with http_session.post(f"{base}/sendDocument", data=multipart) as r:
        result = (await r.json())["result"]
    assert result["document"]["mime_type"] == "text/csv" and result["reply_markup"] == markup
    async with http_session.post(f"{base}/sendMessage", json={"chat_id": user}) as r:
        assert r.status == 400
        assert (await r.json())["description"] == "Bad Request: message text is empty"
