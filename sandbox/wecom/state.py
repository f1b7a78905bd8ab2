"""The in-memory world of the 企业微信 sandbox: tokens, people's chats with the app, media.

The API methods raise ``WecomApiError`` with 企业微信's errcode and errmsg; the user actions
return the plaintext callback XML that ``server`` encrypts and posts to the bot. Waiting is
event-driven (``Notifier``): nothing here sleeps.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.config import TokenBucket
from sandbox.models import Notifier
from sandbox.wecom.config import WecomSandboxConfig

JSON = dict[str, Any]
TEXT_LIMIT = 2048
MAX_BUTTONS = 6
MEDIA_MIN_BYTES = 5


class WecomApiError(Exception):
    """An error answer of the API: errcode and errmsg (HTTP 200, as 企业微信 answers)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    def to_json(self) -> JSON:
        """Return the JSON body 企业微信 sends for this error."""
        more = f"https://open.work.weixin.qq.com/devtool/query?e={self.errcode}"
        return {"errcode": self.errcode,
                "errmsg": f"{self.errmsg}, hint: [sandbox], more info at {more}"}


class UserActionError(ValueError):
    """Something the 企业微信 app would not let a person do (Chinese message for the page)."""


@dataclass
class MediaRecord:
    """A temporary media file (uploaded by the bot or sent by a person)."""

    media_id: str
    media_type: str
    file_name: str
    content_type: str
    data: bytes


@dataclass
class ChatMessage:
    """One message in a person's chat with the app, as their app shows it."""

    id: int
    from_bot: bool
    kind: str  # text, markdown, template_card, file, image
    created: int
    version: int = 0
    text: str = ""
    card: JSON | None = None
    media_id: str = ""
    file_name: str = ""
    size: int = 0
    pressed_key: str = ""  # the button the person pressed last
    replaced_label: str = ""  # update_template_card's replace_name: buttons became this label
    response_codes: list[str] = field(default_factory=list)

    def to_json(self) -> JSON:
        """Return the view of this message the page and test client read."""
        return {
            "id": self.id, "from_bot": self.from_bot, "kind": self.kind,
            "created": self.created, "version": self.version, "text": self.text,
            "card": self.card, "media_id": self.media_id, "file_name": self.file_name,
            "size": self.size, "pressed_key": self.pressed_key,
            "replaced_label": self.replaced_label,
            "url": f"/sandbox/api/file/{self.media_id}" if self.media_id else None,
        }


@dataclass
class Chat:
    """A person's conversation with the app."""

    user_id: str
    messages: list[ChatMessage] = field(default_factory=list)
    version: int = 0
    notifier: Notifier = field(default_factory=Notifier)


def cdata(value: str) -> str:
    """Return ``value`` as CDATA sections (a ``]]>`` inside is split across two)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class WecomState:
    """The whole simulated 企业微信 seen by one self-built app."""

    def __init__(self, config: WecomSandboxConfig) -> None:
        self.config = config
        self.version = 0
        self.epoch = 0
        self.next_id = 1
        self.next_msg_id = 7_000_000_000_000_000_001
        self.changes = Notifier()
        self.chats: dict[str, Chat] = {}
        self.reset()

    def reset(self) -> None:
        """Forget tokens, chats, media, cards and limits."""
        for chat in self.chats.values():
            chat.notifier.notify()
        self.epoch += 1
        self.version += 1
        self.tokens: dict[str, float] = {}
        self.chats = {}
        self.media: dict[str, MediaRecord] = {}
        self.cards: dict[str, tuple[str, int]] = {}  # response_code -> (user_id, message id)
        self.task_ids: set[str] = set()
        self.api_bucket: TokenBucket | None = None
        self.user_buckets: dict[str, TokenBucket] = {}
        self.calls: dict[str, int] = {}  # API path -> calls, for tests
        self.tokens_issued = 0
        self.changes.notify()

    # -- bookkeeping ----------------------------------------------------------------------

    def chat(self, user_id: str) -> Chat:
        """Return (creating) a person's chat."""
        chat = self.chats.get(user_id)
        if chat is None:
            chat = self.chats[user_id] = Chat(user_id)
        return chat

    def _add(self, user_id: str, message: ChatMessage) -> ChatMessage:
        chat = self.chat(user_id)
        self.next_id += 1
        message.id = self.next_id
        chat.messages.append(message)
        self._touch(chat, message)
        return message

    def _touch(self, chat: Chat, message: ChatMessage) -> None:
        self.version += 1
        chat.version = message.version = self.version
        chat.notifier.notify()
        self.changes.notify()

    def now(self) -> int:
        """Return the wall-clock time in whole seconds (CreateTime)."""
        return int(self.config.wall_clock())

    def sent_to(self, user_id: str) -> list[ChatMessage]:
        """Return what the app sent to a person, in order."""
        chat = self.chats.get(user_id)
        return [m for m in chat.messages if m.from_bot] if chat else []

    # -- API: token -----------------------------------------------------------------------

    def gettoken(self, corpid: str, corpsecret: str) -> JSON:
        """Issue an access_token (gettoken)."""
        if corpid != self.config.corp_id:
            raise WecomApiError(40013, "invalid corpid")
        if corpsecret != self.config.secret:
            raise WecomApiError(40001, "invalid credential")
        token = secrets.token_urlsafe(48)
        self.tokens[token] = self.config.clock() + self.config.token_ttl
        self.tokens_issued += 1
        return {"access_token": token, "expires_in": int(self.config.token_ttl)}

    def check_token(self, token: str | None) -> None:
        """Raise 41001, 40014 or 42001 unless ``token`` is a live access_token."""
        if not token:
            raise WecomApiError(41001, "access_token missing")
        expires = self.tokens.get(token)
        if expires is None:
            raise WecomApiError(40014, "invalid access_token")
        if self.config.clock() >= expires:
            raise WecomApiError(42001, "access_token expired")

    def expire_tokens(self) -> None:
        """Make every issued token expired now (the next call gets 42001)."""
        now = self.config.clock()
        for token in self.tokens:
            self.tokens[token] = now

    def revoke_tokens(self) -> None:
        """Forget every issued token (the next call gets 40014, as after a secret reset)."""
        self.tokens.clear()

    def check_rate(self, user_id: str | None = None) -> None:
        """Raise 45009 when the app (or the messages to one person) are over the limit."""
        config = self.config
        if config.api_rate is not None:
            if self.api_bucket is None:
                self.api_bucket = TokenBucket(config.api_rate, config.clock)
            if self.api_bucket.wait_time() > 0:
                raise WecomApiError(45009, "api freq out of limit")
            self.api_bucket.take()
        if user_id is not None and config.per_user_rate is not None:
            bucket = self.user_buckets.get(user_id)
            if bucket is None:
                bucket = self.user_buckets[user_id] = TokenBucket(config.per_user_rate,
                                                                  config.clock)
            if bucket.wait_time() > 0:
                raise WecomApiError(45009, "api freq out of limit")
            bucket.take()

    def check_user(self, user_id: str) -> None:
        """Raise 81013 when the person is outside the app's visible range."""
        visible = self.config.visible_users
        if not user_id or (visible is not None and user_id not in visible):
            raise WecomApiError(81013, "user & party & tag all invalid")

    # -- API: messages ----------------------------------------------------------------------

    def send(self, body: JSON) -> JSON:
        """Carry out message/send to one person."""
        if body.get("agentid") != self.config.agent_id:
            raise WecomApiError(40056, "invalid agentid")
        user_id = str(body.get("touser") or "")
        if "|" in user_id or user_id == "@all":
            raise WecomApiError(40058, "the sandbox sends to one person at a time")
        self.check_user(user_id)
        self.check_rate(user_id)
        msgtype = body.get("msgtype")
        content = body.get(msgtype) if isinstance(msgtype, str) else None
        if not isinstance(content, dict):
            raise WecomApiError(40008, "invalid message type")
        message = ChatMessage(0, True, msgtype, self.now())
        response_code = ""
        if msgtype in ("text", "markdown"):
            text = content.get("content")
            if not isinstance(text, str) or not text:
                raise WecomApiError(44004, "empty content")
            if len(text.encode()) > TEXT_LIMIT:
                raise WecomApiError(45002, "content size out of limit")
            message.text = text
        elif msgtype == "file":
            record = self.media.get(str(content.get("media_id") or ""))
            if record is None:
                raise WecomApiError(40007, "invalid media_id")
            message.media_id, message.file_name = record.media_id, record.file_name
            message.size = len(record.data)
        elif msgtype == "template_card":
            message.card = self._check_card(content)
            response_code = secrets.token_hex(16)
            message.response_codes.append(response_code)
        else:
            raise WecomApiError(40008, "invalid message type")
        self._add(user_id, message)
        if response_code:
            self.cards[response_code] = (user_id, message.id)
        self.next_msg_id += 1
        answer: JSON = {"invaliduser": "", "msgid": str(self.next_msg_id)}
        if response_code:
            answer["response_code"] = response_code
        return answer

    def _check_card(self, card: JSON) -> JSON:
        if card.get("card_type") != "button_interaction":
            raise WecomApiError(40058, "the sandbox shows button_interaction cards only")
        task_id = str(card.get("task_id") or "")
        if not task_id:
            raise WecomApiError(40058, "task_id missing")
        buttons = card.get("button_list")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
            raise WecomApiError(40058, "button_list must have 1 to 6 buttons")
        keys = [str(b.get("key") or "") for b in buttons if isinstance(b, dict)]
        if len(keys) != len(buttons) or not all(keys) or len(set(keys)) != len(keys):
            raise WecomApiError(42017, "invalid button key")
        if not (card.get("main_title") or {}).get("title") and not card.get("sub_title_text"):
            raise WecomApiError(40058, "main_title.title or sub_title_text required")
        return card

    def update_card(self, body: JSON) -> JSON:
        """Carry out message/update_template_card for one person."""
        if body.get("agentid") != self.config.agent_id:
            raise WecomApiError(40056, "invalid agentid")
        code = str(body.get("response_code") or "")
        target = self.cards.pop(code, None)
        if target is None:
            raise WecomApiError(40058, "invalid response_code")
        user_id, message_id = target
        userids = body.get("userids")
        if not isinstance(userids, list) or user_id not in userids:
            raise WecomApiError(81013, "user & party & tag all invalid")
        message = next(m for m in self.chat(user_id).messages if m.id == message_id)
        for other in message.response_codes:
            self.cards.pop(other, None)  # a card is updated once; its other codes die too
        message.response_codes.clear()
        if isinstance(body.get("template_card"), dict):
            message.card = self._check_card(body["template_card"])
            message.replaced_label = ""
        elif isinstance(body.get("button"), dict) and body["button"].get("replace_name"):
            message.replaced_label = str(body["button"]["replace_name"])
        else:
            raise WecomApiError(40058, "button.replace_name or template_card required")
        self._touch(self.chat(user_id), message)
        return {"invaliduser": []}

    # -- API: media -------------------------------------------------------------------------

    def upload(self, media_type: str, file_name: str, content_type: str, data: bytes) -> JSON:
        """Carry out media/upload."""
        if media_type not in ("file", "image", "voice", "video"):
            raise WecomApiError(40005, "invalid media type")
        if not data:
            raise WecomApiError(44001, "empty media data")
        if len(data) < MEDIA_MIN_BYTES:
            raise WecomApiError(40006, "invalid file size")
        if len(data) > self.config.max_file_bytes:
            raise WecomApiError(45001, "media size out of limit")
        record = self._store(media_type, file_name, content_type, data)
        return {"type": media_type, "media_id": record.media_id,
                "created_at": str(self.now())}

    def _store(self, media_type: str, file_name: str, content_type: str,
               data: bytes) -> MediaRecord:
        digest = hashlib.sha1(data).hexdigest()[:8]
        media_id = f"3{secrets.token_urlsafe(30)}{digest}"
        record = MediaRecord(media_id, media_type, file_name, content_type, data)
        self.media[media_id] = record
        return record

    def media_get(self, media_id: str) -> MediaRecord:
        """Carry out media/get."""
        record = self.media.get(media_id)
        if record is None:
            raise WecomApiError(40007, "invalid media_id")
        return record

    # -- the people's side ------------------------------------------------------------------

    def _envelope(self, user_id: str, created: int, body: str) -> str:
        return (
            f"<xml><ToUserName>{cdata(self.config.corp_id)}</ToUserName>"
            f"<FromUserName>{cdata(user_id)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime>{body}"
            f"<AgentID>{self.config.agent_id}</AgentID></xml>"
        )

    def _user_message(self, user_id: str, message: ChatMessage) -> ChatMessage:
        if not user_id or len(user_id) > 64:
            raise UserActionError("用户账号须为 1 到 64 个字符")
        self.check_user_visible(user_id)
        return self._add(user_id, message)

    def check_user_visible(self, user_id: str) -> None:
        """Refuse a person outside the visible range (their app does not show the app)."""
        visible = self.config.visible_users
        if visible is not None and user_id not in visible:
            raise UserActionError("该成员不在应用的可见范围内，看不到这个应用")

    def user_text(self, user_id: str, text: str) -> tuple[ChatMessage, str]:
        """Type a message as a person; return it and the plaintext callback XML."""
        if not text.strip():
            raise UserActionError("不能发送空白消息")
        message = self._user_message(user_id, ChatMessage(0, False, "text", self.now(),
                                                          text=text))
        self.next_msg_id += 1
        xml = self._envelope(
            user_id, message.created,
            f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(text)}</Content>"
            f"<MsgId>{self.next_msg_id}</MsgId>",
        )
        return message, xml

    def user_press(self, user_id: str, message_id: int, key: str) -> str:
        """Press a card button as a person; return the plaintext callback XML."""
        self.check_user_visible(user_id)
        chat = self.chats.get(user_id)
        message = next((m for m in chat.messages if m.id == message_id), None) if chat else None
        if message is None or message.card is None:
            raise UserActionError("找不到这张卡片")
        if message.replaced_label:
            raise UserActionError("这张卡片的按钮已不可点击")
        keys = [b.get("key") for b in message.card.get("button_list", [])]
        if key not in keys:
            raise UserActionError("卡片上没有这个按钮")
        response_code = secrets.token_hex(16)
        message.response_codes.append(response_code)
        self.cards[response_code] = (user_id, message.id)
        message.pressed_key = key
        self._touch(chat, message)  # type: ignore[arg-type]
        return self._envelope(
            user_id, self.now(),
            f"<MsgType>{cdata('event')}</MsgType><Event>{cdata('template_card_event')}</Event>"
            f"<EventKey>{cdata(key)}</EventKey>"
            f"<TaskId>{cdata(str(message.card.get('task_id')))}</TaskId>"
            f"<CardType>{cdata('button_interaction')}</CardType>"
            f"<ResponseCode>{cdata(response_code)}</ResponseCode>",
        )

    def user_upload(
        self, user_id: str, file_name: str, data: bytes, content_type: str
    ) -> tuple[ChatMessage, str]:
        """Send a file as a person; return it and the plaintext callback XML."""
        if not data:
            raise UserActionError("不能发送空文件")
        if len(data) > self.config.max_file_bytes:
            raise UserActionError("文件太大，企业微信应用消息最大 20MB")
        record = self._store("file", file_name, content_type, data)
        message = self._user_message(user_id, ChatMessage(
            0, False, "file", self.now(), media_id=record.media_id, file_name=file_name,
            size=len(data),
        ))
        self.next_msg_id += 1
        xml = self._envelope(
            user_id, message.created,
            f"<MsgType>{cdata('file')}</MsgType><MediaId>{cdata(record.media_id)}</MediaId>"
            f"<FileName>{cdata(file_name)}</FileName><MsgId>{self.next_msg_id}</MsgId>",
        )
        return message, xml

    def user_enter(self, user_id: str) -> str:
        """Open the app as a person; return the enter_agent callback XML."""
        self.check_user_visible(user_id)
        self.chat(user_id)
        return self._envelope(
            user_id, self.now(),
            f"<MsgType>{cdata('event')}</MsgType><Event>{cdata('enter_agent')}</Event>"
            f"<EventKey>{cdata('')}</EventKey>",
        )

    def chat_view(self, user_id: str, since: int) -> JSON:
        """Return a person's chat: messages changed after version ``since``."""
        chat = self.chats.get(user_id)
        messages = [m.to_json() for m in chat.messages if m.version > since] if chat else []
        return {
            "version": chat.version if chat else self.version, "epoch": self.epoch,
            "messages": messages, "user": user_id,
            "app": {"name": self.config.app_name, "agent_id": self.config.agent_id},
        }
