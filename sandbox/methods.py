"""Bot API methods about messages: send, edit, delete, documents, files, callbacks, actions."""

from __future__ import annotations

import json
import time
from typing import Any

from sandbox import errors as E
from sandbox.errors import ApiError, bad_request
from sandbox.markup import parse_reply_markup
from sandbox.models import JSON, Chat, FileRecord, Message
from sandbox.params import Params
from sandbox.state import SandboxState
from sandbox.telegram_html import HtmlParseError, ParsedText, parse_html, trim_text, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)


class Formatted:
    """Text (or caption) after parse_mode processing, with its source kept for display."""

    def __init__(self, parsed: ParsedText, source: str, parse_mode: str | None) -> None:
        self.text = parsed.text
        self.entities = parsed.entities
        self.source = source
        self.parse_mode = parse_mode


class MessageMethods:
    """Implementations of the message-related Bot API methods over a ``SandboxState``."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    # -- helpers --------------------------------------------------------------------------

    def format(
        self, params: Params, field: str, mode_field: str, entities_field: str, *, caption: bool
    ) -> Formatted:
        """Parse text/caption with its parse_mode and enforce Telegram's limits."""
        source = params.get_str(field) or ""
        mode = params.get_str(mode_field) or None
        mode_key = (mode or "").lower()
        if mode_key == "html":
            try:
                parsed = parse_html(source, strict_entities=self.state.config.strict_html_entities)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc.reason}") from None
        elif mode_key in ("markdown", "markdownv2"):
            parsed = ParsedText(source, [])
        elif mode_key == "":
            given = params.get_json(entities_field) or []
            parsed = ParsedText(source, [dict(e) for e in given if isinstance(e, dict)])
        else:
            raise bad_request("unsupported parse_mode")
        parsed = trim_text(parsed)
        if not caption and not parsed.text:
            raise bad_request(E.TEXT_EMPTY)
        if utf16_len(parsed.text) > (CAPTION_LIMIT if caption else TEXT_LIMIT):
            raise bad_request(E.CAPTION_TOO_LONG if caption else E.MESSAGE_TOO_LONG)
        return Formatted(parsed, source, mode)

    def chat(self, params: Params, *, check_blocked: bool = True) -> Chat:
        """Return the target chat of a request."""
        chat_id = params.raw("chat_id")
        if chat_id in (None, ""):
            raise bad_request(E.CHAT_ID_EMPTY)
        return self.state.chat_for_bot(chat_id, check_blocked=check_blocked)

    def reply_to(self, params: Params, chat: Chat) -> int | None:
        """Resolve ``reply_parameters`` / ``reply_to_message_id``."""
        reply = params.get_json("reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        allow_missing = bool(reply.get("allow_sending_without_reply")) if reply else False
        if message_id is None:
            message_id = params.get_int("reply_to_message_id")
            allow_missing = params.get_bool("allow_sending_without_reply")
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or target.deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    def apply_client_markup(self, chat: Chat, msg: Message, markup: JSON | None) -> None:
        """Update what the user's app shows for a reply keyboard / force reply."""
        if not markup:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
            chat.keyboard_hidden = False
        elif "remove_keyboard" in markup:
            chat.reply_keyboard = None
        elif "force_reply" in markup:
            chat.force_reply = msg.message_id

    def editable(self, params: Params) -> tuple[Chat, Message]:
        """Return the bot message an edit method targets."""
        if params.raw("inline_message_id") not in (None, ""):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.chat(params)
        message_id = params.get_int("message_id", E.MESSAGE_ID_MISSING)
        if message_id is None:
            raise bad_request(E.MESSAGE_ID_MISSING)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise bad_request(E.EDIT_NOT_FOUND)
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def commit_edit(self, chat: Chat, msg: Message, changes: dict[str, Any]) -> JSON:
        """Apply an edit (or raise "not modified") and return the edited message."""
        current = {key: getattr(msg, key) for key in changes if key not in ("source", "parse_mode")}
        if msg.inline_keyboard is None and "reply_markup" in current:
            current["reply_markup"] = None
        proposed = {key: changes[key] for key in current}
        if current == proposed:
            raise bad_request(E.NOT_MODIFIED)
        msg.history.append(msg.snapshot())
        for key, value in changes.items():
            setattr(msg, key, value)
        msg.edit_date = int(time.time())
        self.state.touch(chat, msg)
        return self.state.message_json(msg)

    # -- methods --------------------------------------------------------------------------

    async def send_message(self, params: Params) -> JSON:
        """sendMessage."""
        chat = self.chat(params)
        text = self.format(params, "text", "parse_mode", "entities", caption=False)
        markup = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self.reply_to(params, chat)
        self.state.check_rate(chat.user.id)
        msg = self.state.add_message(
            chat, from_bot=True, text=text.text, entities=text.entities, source=text.source,
            parse_mode=text.parse_mode, reply_markup=markup, reply_to=reply_to,
        )
        self.apply_client_markup(chat, msg, markup)
        return self.state.message_json(msg)

    async def send_document(self, params: Params, field: str = "document") -> JSON:
        """sendDocument (a new multipart upload, ``attach://`` or an existing file_id)."""
        chat = self.chat(params)
        record = self.document_input(params, field)
        caption = self.format(params, "caption", "parse_mode", "caption_entities", caption=True)
        markup = parse_reply_markup(params.raw("reply_markup"))
        reply_to = self.reply_to(params, chat)
        self.state.check_rate(chat.user.id)
        msg = self.state.add_message(
            chat, from_bot=True, document=record, caption=caption.text or None,
            caption_entities=caption.entities, source=caption.source or None,
            parse_mode=caption.parse_mode, reply_markup=markup, reply_to=reply_to,
        )
        self.apply_client_markup(chat, msg, markup)
        return self.state.message_json(msg)

    async def send_photo(self, params: Params) -> JSON:
        """sendPhoto (kept like a document here: the page and the test client show its file)."""
        return await self.send_document(params, field="photo")

    def document_input(self, params: Params, field: str = "document") -> FileRecord:
        """Resolve the ``document`` (or ``photo``) parameter to a stored file."""
        upload = params.get_file(field)
        ref = params.get_str(field)
        if upload is None and ref and ref.startswith("attach://"):
            upload = params.get_file(ref[len("attach://") :])
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            if len(upload.data) > self.state.config.max_upload_bytes:
                raise ApiError(413, "Request Entity Too Large")
            return self.state.add_file(upload.data, upload.filename, upload.content_type)
        if not ref:
            raise bad_request("there is no document in the request")
        record = self.state.files.get(ref)
        if record is None:
            if ref.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            raise bad_request("wrong file identifier/HTTP URL specified")
        return record

    async def edit_message_text(self, params: Params) -> JSON:
        """editMessageText."""
        chat, msg = self.editable(params)
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        text = self.format(params, "text", "parse_mode", "entities", caption=False)
        markup = self.inline_markup(params)
        return self.commit_edit(chat, msg, {
            "text": text.text, "entities": text.entities, "source": text.source,
            "parse_mode": text.parse_mode, "reply_markup": markup,
        })

    async def edit_message_caption(self, params: Params) -> JSON:
        """editMessageCaption."""
        chat, msg = self.editable(params)
        if msg.document is None:
            raise bad_request("there is no caption in the message to edit")
        caption = self.format(params, "caption", "parse_mode", "caption_entities", caption=True)
        markup = self.inline_markup(params)
        return self.commit_edit(chat, msg, {
            "caption": caption.text or None, "caption_entities": caption.entities,
            "source": caption.source or None, "parse_mode": caption.parse_mode,
            "reply_markup": markup,
        })

    async def edit_message_reply_markup(self, params: Params) -> JSON:
        """editMessageReplyMarkup."""
        chat, msg = self.editable(params)
        return self.commit_edit(chat, msg, {"reply_markup": self.inline_markup(params)})

    def inline_markup(self, params: Params) -> JSON | None:
        """Parse a reply_markup that must be an inline keyboard (edits)."""
        markup = parse_reply_markup(params.raw("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return markup

    async def delete_message(self, params: Params) -> bool:
        """deleteMessage."""
        chat = self.chat(params, check_blocked=False)
        message_id = params.get_int("message_id", E.MESSAGE_ID_MISSING)
        msg = chat.messages.get(message_id) if message_id is not None else None
        if msg is None or msg.deleted:
            raise bad_request(E.DELETE_NOT_FOUND)
        msg.deleted = True
        self.state.touch(chat, msg)
        return True

    async def delete_messages(self, params: Params) -> bool:
        """deleteMessages (missing ones are skipped, as Telegram does)."""
        chat = self.chat(params, check_blocked=False)
        ids = params.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message identifiers are not specified")
        for message_id in ids:
            msg = chat.messages.get(int(message_id))
            if msg is not None and not msg.deleted:
                msg.deleted = True
                self.state.touch(chat, msg)
        return True

    async def answer_callback_query(self, params: Params) -> bool:
        """answerCallbackQuery (each query can be answered once)."""
        query = self.state.callbacks.get(params.get_str("callback_query_id") or "")
        timeout = self.state.config.callback_query_timeout
        expired = (
            query is not None
            and timeout is not None
            and self.state.config.clock() - query.created > timeout
        )
        if query is None or query.answered or expired:
            raise bad_request(E.QUERY_TOO_OLD)
        text = params.get_str("text") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "id": query.id,
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
        }
        chat = self.state.chats[query.user_id]
        self.state.touch(chat)
        chat.toast = {**query.answer, "version": chat.version}
        return True

    async def get_file(self, params: Params) -> JSON:
        """getFile."""
        record = self.state.files.get(params.get_str("file_id") or "")
        if record is None:
            raise bad_request("invalid file_id")
        if record.file_size > self.state.config.max_download_bytes:
            raise bad_request("file is too big")
        return record.file_json()

    async def send_chat_action(self, params: Params) -> bool:
        """sendChatAction."""
        chat = self.chat(params)
        action = params.get_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.state.touch(chat)
        chat.action = {"action": action, "at": time.time(), "version": chat.version}
        return True

    async def get_chat(self, params: Params) -> JSON:
        """getChat for a private chat."""
        chat = self.chat(params, check_blocked=False)
        return {
            **chat.user.chat_json(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False,
                "unique_gifts": False, "premium_subscription": False,
            },
        }

    def table(self) -> dict[str, Any]:
        """Return method name (lower case) -> implementation."""
        return {
            "sendmessage": self.send_message,
            "senddocument": self.send_document,
            "sendphoto": self.send_photo,
            "editmessagetext": self.edit_message_text,
            "editmessagecaption": self.edit_message_caption,
            "editmessagereplymarkup": self.edit_message_reply_markup,
            "deletemessage": self.delete_message,
            "deletemessages": self.delete_messages,
            "answercallbackquery": self.answer_callback_query,
            "getfile": self.get_file,
            "sendchataction": self.send_chat_action,
            "getchat": self.get_chat,
        }


def dumps(data: Any) -> str:
    """Serialise JSON the way Telegram does (UTF-8, no ASCII escaping)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
