"""The 企业微信 adapter: each callback event → a use case in ``handlers/`` → replies sent back.

The callback handler (``callback.py``) hands every new event here, one person's events in
order. A 企业微信 userid is an account of the ``wecom`` channel (its chat id is the userid
too). The routing mirrors the Telegram channel's:

- typed text: “开始”/“菜单” (or /start, /menu) → the welcome; a leading “？” (or after
  the ❓ button) → a question, answered from the contest, then the waiting form's field
  again; an invite code while no form waits → joining the unit; anything else → the
  waiting form's answer, or else a question.
- a card button (``template_card_event``): its key is the neutral action id
  (``handlers/actions.py``); the pressed card is updated once (its buttons become a label
  saying what was chosen), then the use case's replies follow as new messages.
- opening the app (``enter_agent``, ``subscribe``): the form that waits, asked again, or
  else the welcome.

- a file (``file`` media): a Word file for a case (``handlers.documents``), fetched with
  media/get only when the use case asks for it.

The organizer's console, /status, notices, results and invite codes go to the same use
cases as on Telegram (``organizer.py``; what an organizer types for a wait — a notice's
text, a list of cases, a unit's name — is taken by ``handlers.forms.take_text`` like any
stored wait's message); so does judging (``judging.py``: /judge, scoring with buttons or
a typed number, and an organizer's /judging); so do the team, the restricted words and their
evidence (the next message, a stored wait), the preview, the .docx export (a file message)
and import, /me and the colleague invite (its code, to be typed in the app: no link opens
it with a code). Ids this channel does not handle answer ``wecom/telegram_only.html`` with
the menu: never silence. Replies are rendered by
``messages`` and laid out by ``render.py``; joined replies (a preview's blocks) are sent as
one text, split where 企业微信 needs it.

Every route has one preamble (:func:`preamble`; ``responds`` for the routes answered with
new messages, ``preamble(send_pressed)`` for the buttons): load who is asking once, call
the use case, hand its answer to the sender. Only the wait's answer (``take_text``) goes
without it, since that use case loads the person in its own transaction.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from channels.wecom import api, judging, organizer
from channels.wecom.callback import InboundEvent, InboundKind
from channels.wecom.outbound import CHANNEL
from channels.wecom.render import pairs_of_rows, pressed_label
from channels.wecom.speaker import Speaker
from config.services import Services
from handlers import actions as ids
from handlers import browse, cases, compose, documents, forms, registration, team
from handlers.broadcasts import acknowledge_notice
from handlers.later import send_later
from handlers.menus import main_menu
from handlers.organizing import Answer
from handlers.registration import join_with_code
from handlers.replies import Reply, actions
from handlers.visits import Sender, Visit, respond, visit_of
from messages import render

log = logging.getLogger(__name__)

ENTRY_WORDS = frozenset({"开始", "菜单", "主菜单", "/start", "/menu", "start", "menu"})
QUESTION_MARKS = ("?", "？")
ASKING_LIMIT = 10_000

R = TypeVar("R")
Answered = Answer | Sequence[Reply]  # what a route answers: an organizer's answer, or replies
Route = Callable[["WecomAdapter", InboundEvent, Visit], Awaitable[R | None]]
Routed = Callable[["WecomAdapter", InboundEvent], Awaitable[bool]]
Send = Callable[["WecomAdapter", InboundEvent, Visit, R], Awaitable[None]]


def preamble(send: Send[R]) -> Callable[[Route[R]], Routed]:
    """Make the decorator of routes answered through ``send``: load who is asking once,
    call the route, hand what it answers to ``send``. The routed event returns False if the
    route answered nothing (None): nothing was sent, the event passes on to the next route.
    """

    def decorate(route: Route[R]) -> Routed:
        @functools.wraps(route)
        async def routed(self: WecomAdapter, event: InboundEvent) -> bool:
            return await respond(
                self.services, self.sender(event.user_id),
                functools.partial(route, self, event), functools.partial(send, self, event),
            )  # fmt: skip

        return routed

    return decorate


# The preamble of every route but the buttons': the answer sent as new messages.
responds = preamble(lambda adapter, _event, v, done: adapter.send_answer(v, done))


@dataclass
class Pressed:
    """What a button press answers: replies, and a short notice for the pressed card."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None
    toast_values: dict[str, object] = field(default_factory=dict)
    label: str = ""  # replaces the card's buttons instead of "已选择：…"


class WecomAdapter:
    """The consumer of 企业微信 events: parse, call the use case, render, send."""

    def __init__(self, services: Services, speaker: Speaker) -> None:
        self.services = services
        self.speaker = speaker
        # The next text of these people is a question (after ❓); a convenience, not work.
        self.asking: set[str] = set()

    async def __call__(self, event: InboundEvent) -> None:
        """Handle one event; a 企业微信 error while answering is logged, never raised."""
        try:
            await self.handle(event)
        except api.Unreachable:
            log.info("wecom reply not delivered: the person is outside the app's range")
        except api.WecomError as error:
            log.warning("wecom reply not sent: %s", error)

    def sender(self, user_id: str) -> Sender:
        """Return the neutral sender of a 企业微信 member."""
        return Sender(CHANNEL, user_id, user_id, "")

    async def visit(self, user_id: str) -> Visit:
        """Load (or create) the person behind a userid, reading the clock once."""
        return await visit_of(self.services, self.sender(user_id))

    async def handle(self, event: InboundEvent) -> None:
        """Route one event by its kind."""
        if event.kind is InboundKind.TEXT:
            await self.on_text(event)
        elif event.kind is InboundKind.BUTTON:
            await self.on_button(event)
        elif event.kind in (InboundKind.ENTER, InboundKind.SUBSCRIBE):
            await self.on_enter(event)
        elif event.kind is InboundKind.UNSUBSCRIBE:
            log.info("a wecom member left the app's visible range")
        elif event.kind is InboundKind.MEDIA and event.media_type == "file":
            await self.on_file(event)
        else:
            await self.unsupported(event)

    @responds
    async def unsupported(self, event: InboundEvent, v: Visit) -> Answered:
        """Say that this kind of message is not understood here, with the menu."""
        kind = "media" if event.kind is InboundKind.MEDIA else "other"
        return [self._with_menu(v, "wecom/unsupported_message.html", kind=kind)]

    # -- sending ----------------------------------------------------------------------------

    async def send(self, user_id: str, replies: Sequence[Reply]) -> None:
        """Send a use case's replies in order (a reply without a template is skipped); a
        run of joined replies (a preview's blocks) goes as one text, split where needed.

        Over 企业微信's frequency limit, the replies not yet sent go to the outbox, which
        sends them once the limit lifts (a reply cut in the middle is sent again whole).
        """
        index = 0
        while index < len(replies):
            item = replies[index]
            run = 1
            while item.joined and index + run < len(replies) and replies[index + run].joined:
                run += 1
            if not item.template or item.receipt:
                index += 1
                continue  # a receipt stands in for an edited prompt; 企业微信 cannot edit
            text = "\n\n".join(
                render(r.template, **{"channel": CHANNEL, **r.values})
                for r in replies[index : index + run]
            )
            document = None
            if item.attachment is not None and not item.attachment.ref:
                a = item.attachment
                document = (a.data, a.filename, a.mime)
            try:
                await self.speaker.say(
                    user_id, text, pairs_of_rows(item.actions), document=document
                )
            except api.RetryLater:
                later = await send_later(await self.visit(user_id), replies[index:])
                log.info("wecom frequency limit: %d replies handed to the outbox", later)
                return
            index += run

    async def send_answer(self, v: Visit, done: Answered) -> None:
        """Send a use case's answer; a broadcast's report comes when it ends."""
        if not isinstance(done, Answer):
            done = Answer(list(done))
        replies = list(done.replies)
        if not replies and done.toast:
            replies = [Reply(done.toast, done.toast_values)]
        await self.send(v.account.external_id if v.account else "", replies)
        if done.progress_of is not None:  # no message to edit here: the worker sends anew
            await compose.track_progress(v, broadcast_id=done.progress_of, message_id=None)

    def _with_menu(self, v: Visit, template: str, **values: object) -> Reply:
        return Reply(template, {"contest": v.services.contest, **values}, actions(main_menu(v)))

    def telegram_only(self, v: Visit) -> Reply:
        """Say that this step is for now only on Telegram, and show the menu."""
        return self._with_menu(v, "wecom/telegram_only.html")

    # -- typed text -------------------------------------------------------------------------

    async def on_text(self, event: InboundEvent) -> None:
        """Route typed text: the welcome, a command, a question, an invite code, or the
        answer to what the person's wait (a form, a notice's text …) asks."""
        text = event.text.strip()
        word = text.lower()
        asking = event.user_id in self.asking
        self.asking.discard(event.user_id)
        if word in ENTRY_WORDS:
            await self.welcome(event)
        elif word in organizer.COMMANDS or word in judging.COMMANDS:
            await self.command(event)
        elif text.startswith(QUESTION_MARKS) or asking:
            await self.question(event)
        elif browse.typed_code(text) is None or not await self.join(event):
            await self.take_text(event)

    @responds
    async def welcome(self, event: InboundEvent, v: Visit) -> Answered:
        """Greet with the menu."""
        return [browse.welcome(v)]

    @responds
    async def command(self, event: InboundEvent, v: Visit) -> Answered | None:
        """Answer a typed organizer or judging command."""
        text = event.text.strip()
        return await organizer.command(v, text) or await judging.command(v, text)

    @responds
    async def question(self, event: InboundEvent, v: Visit) -> Answered:
        """Answer a question from the contest, then ask the waiting form's field again."""
        question = event.text.strip().lstrip("?？ ").strip()
        if not question:
            return [Reply("questions/how_to_ask.html")]
        return [*await browse.questions(v, question), *await forms.reask(v)]

    @responds
    async def join(self, event: InboundEvent, v: Visit) -> Answered | None:
        """Join the unit with a typed invite code (None: a form waits, the code answers it)."""
        if await forms.waiting(v) is not None:
            return None
        return (await join_with_code(v, event.text.strip())).replies

    async def take_text(self, event: InboundEvent) -> None:
        """Hand the text to the person's wait, or else answer it as a question (the use
        case loads the person in its own transaction: no preamble)."""
        services = self.services
        taken = await forms.take_text(
            services, sender=self.sender(event.user_id), text=event.text,
            now=services.clock.now(),
        )  # fmt: skip
        done: Answered
        if taken.turn is not None:  # a form's answer, or a stored wait's (a code, a notice …)
            turn = taken.turn
            done = Answer(turn.replies, turn.toast, progress_of=turn.progress_of)
        elif taken.waiting is not None:  # a wait no use case takes on this channel
            done = [self.telegram_only(taken.visit)]
        else:
            done = await browse.questions(taken.visit, event.text.strip())
        await self.send_answer(taken.visit, done)

    # -- files ------------------------------------------------------------------------------

    @responds
    async def on_file(self, event: InboundEvent, v: Visit) -> Answered:
        """Hand a file to the document use case, which fetches it only if it will read it."""
        upload = documents.Upload(event.media_id, event.file_name)
        return (await documents.take_document(v, upload=upload, fetch=self.fetch)).replies

    async def fetch(self, media_id: str) -> bytes | None:
        """Download a file a member sent (media/get); None if 企业微信 does not give it."""
        try:
            return (await self.speaker.client.download_media(media_id)).data
        except api.WecomError as error:
            log.info("wecom file not downloaded: %s", error)
            return None

    # -- opening the app --------------------------------------------------------------------

    @responds
    async def on_enter(self, event: InboundEvent, v: Visit) -> Answered:
        """Ask the waiting form's field again, or greet with the menu."""
        return await forms.reask(v) or [browse.welcome(v)]

    @responds
    async def resume(self, event: InboundEvent, v: Visit) -> Answered:
        """Tell the person what is awaited now that their last message was applied but not
        answered (a crash): their form's current field, else the menu."""
        replies = await forms.reask(v)
        return [Reply("common/resumed.html"), *replies] if replies else [browse.welcome(v)]

    # -- buttons ----------------------------------------------------------------------------

    async def send_pressed(self, event: InboundEvent, _v: Visit, pressed: Pressed) -> None:
        """Mark the pressed card (its buttons become a label), then send the replies."""
        user_id = event.user_id
        toast = render(pressed.toast, **pressed.toast_values) if pressed.toast else ""
        label = (
            pressed.label
            or toast
            or render(
                "wecom/pressed.html", label=self.speaker.label_of(event.task_id, event.button_key)
            )
        )
        try:
            await self.speaker.mark_pressed(user_id, event.response_code, pressed_label(label))
        except api.BadRequest as error:  # e.g. the code was used: the card stays as it was
            log.info("wecom card not updated: %s", error)
        replies = pressed.replies
        if not replies and toast and not pressed.label:
            replies = [Reply(pressed.toast or "", pressed.toast_values)]
        await self.send(user_id, replies)

    @preamble(send_pressed)
    async def on_button(self, event: InboundEvent, v: Visit) -> Pressed:
        """Handle a card button: mark the card pressed, then send what the use case answers."""
        return await self.press(v, event.button_key)

    async def press(self, v: Visit, key: str) -> Pressed:
        """Call the use case a button's neutral id names."""
        parts = ids.split(key)
        command = parts[0]
        if command == ids.FORM:
            turn = await forms.press(
                v,
                progress_id=ids.number_at(parts, 1),
                op=ids.text_at(parts, 2),
                field_key=parts[3] if len(parts) > 3 and parts[3] else None,
                arg=ids.text_at(parts, 4),
            )
            return Pressed(list(turn.replies), turn.toast)
        if command == ids.ACK:
            done = await acknowledge_notice(v, broadcast_id=ids.number_at(parts, 1))
            marked = done.actions[0][0].text if done.actions and done.actions[0] else ""
            return Pressed([], done.toast, dict(done.values), label=marked)
        if command == "case":
            return await self._case(v, parts)
        organizing = await organizer.press(v, key) or await judging.press(v, key)
        if organizing is not None:
            if organizing.progress_of is not None:
                await compose.track_progress(
                    v, broadcast_id=organizing.progress_of, message_id=None
                )
            return Pressed(organizing.replies, organizing.toast, organizing.toast_values)
        if command == browse.QUESTION_TOPIC:
            return Pressed([browse.topic(v, ":".join(parts[1:]))])
        pages = {
            ids.MENU_MAIN: lambda: browse.welcome(v),
            ids.MENU_HELP: lambda: browse.help_page(v),
            ids.MENU_SCHEDULE: lambda: browse.schedule(v),
            # A t.me link cannot be opened here: the code (or the whole link) is typed.
            ids.REG_CODE: lambda: replace(browse.ask_code(v), template="wecom/ask_code.html"),
            ids.REG_CANCEL: lambda: Reply(
                "registration/code_cancelled.html", actions=actions(main_menu(v))
            ),
        }
        if key in pages:
            return Pressed([pages[key]()])
        if key == ids.MENU_ASK:
            if len(self.asking) < ASKING_LIMIT:
                self.asking.add(v.account.external_id if v.account else "")
            return Pressed([Reply("questions/how_to_ask.html")])
        if key == ids.MENU_PAUSE:
            return Pressed([await browse.pause(v)])
        if key == ids.MENU_TODO:
            return Pressed([await cases.todo(v)])
        if command == "rem" and key in (ids.REMINDERS_ON, ids.REMINDERS_OFF, ids.REMINDERS_MUTE):
            return Pressed([await browse.reminder_settings(v, parts[1])])
        if key == ids.MENU_CASES:
            outcome = await cases.case_list(v)
            return Pressed(list(outcome.replies), outcome.toast)
        if key == ids.MENU_REGISTER:
            return Pressed([await browse.register_home(v)])
        if command == "team":
            outcome = await team.act(
                v, case_id=ids.number_at(parts, 1), op=ids.text_at(parts, 2),
                member_id=ids.number_at(parts, 3),
            )  # fmt: skip
            return Pressed(list(outcome.replies), outcome.toast)
        if key == ids.REG_COLLEAGUE:  # no link opens this app with a code: the code is typed
            return Pressed([await registration.colleague(v, link_for=lambda _code: "")])
        mine = {
            ids.MENU_ME: registration.me,
            ids.REG_ME_CONTACT: registration.edit_contact,
            ids.REG_ME_UNIT: registration.edit_unit,
        }
        if key in mine:
            answered = await mine[key](v)
            return Pressed(answered if isinstance(answered, list) else [answered])
        return Pressed([self.telegram_only(v)])

    async def _case(self, v: Visit, parts: list[str]) -> Pressed:
        if parts == ["case", "new"]:
            outcome = await cases.new_case(v)
            return Pressed(list(outcome.replies), outcome.toast)
        case_id = ids.number_at(parts, 1)
        if case_id is not None and len(parts) == 2:
            outcome = await cases.open_card(v, case_id=case_id)
            return Pressed(list(outcome.replies), outcome.toast)
        if case_id is not None and parts[2:] == ["submit"]:
            outcome = await cases.submit(v, case_id=case_id)
            return Pressed(list(outcome.replies), outcome.toast)
        if case_id is not None and parts[2:] == ["edit"]:
            outcome = await cases.edit(v, case_id=case_id)
            return Pressed(list(outcome.replies), outcome.toast)
        if case_id is not None and parts[2:] == ["withdraw"]:
            outcome = await cases.ask_withdraw(v, case_id=case_id)
            return Pressed(list(outcome.replies), outcome.toast)
        if case_id is not None and parts[2:] == ["withdraw", "yes"]:
            outcome = await cases.withdraw(v, case_id=case_id)
            return Pressed(list(outcome.replies), outcome.toast)
        outcome = await self._document(v, case_id, parts[2:])
        if outcome is None:
            return Pressed([self.telegram_only(v)])
        return Pressed(list(outcome.replies), outcome.toast)

    async def _document(
        self, v: Visit, case_id: int | None, rest: list[str]
    ) -> cases.Outcome | None:
        """Call the case use case a case button names (the whole text, wording, files)."""
        if case_id is None:
            return await documents.upload_new(v, fetch=self.fetch) if rest == ["upload"] else None
        one = {
            "preview": lambda: documents.preview(v, case_id=case_id),
            "docx": lambda: documents.export(v, case_id=case_id),
            "import": lambda: documents.ask_import(v, case_id=case_id),
            "upload": lambda: documents.upload_into(v, case_id=case_id, fetch=self.fetch),
            "words": lambda: cases.wording(v, case_id=case_id),
            "steps": lambda: cases.steps(v, case_id=case_id),
            "official": lambda: cases.mark_submitted_there(v, case_id=case_id),
        }
        if len(rest) == 1 and rest[0] in one:
            return await one[rest[0]]()
        if rest == ["official", "no"]:
            return await cases.mark_submitted_there(v, case_id=case_id, done=False)
        if len(rest) == 2 and rest[0] == "ev":
            return await cases.ask_evidence(v, case_id=case_id, hit_id=rest[1])
        if len(rest) == 2 and rest[0] == "fix":
            return await cases.fix(v, case_id=case_id, field_key=rest[1])
        return None
