"""Use cases of every form (unit, contact, member, case): open, answer, press, ask again.

Each form's owner registers a :class:`FormFlow` with hooks for what only it knows: prefill
sources, extra checks, what to show beside a field (e.g. 字数), what to store on each
answer, and what happens on confirm. The state lives in the ``formprogress`` row, saved on
every answer, so a restart, a second device or a week's pause resumes at the same field.

A typed answer is one unit of work (:func:`take_text`): one transaction reads the person
and their active form, applies the answer, writes the state (and the flow's draft), and
decides the reply. Buttons (:func:`press`) carry ``f:<progress id>:<op>:<field>[:<arg>]``;
the progress id is re-checked against the person pressing, the field (and item) against
the state's cursor, so stale or forged buttons change nothing and say so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from markupsafe import escape
from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from contest.asking import looks_like_question
from contest.definition import FieldKind
from contest.forms import Event, FieldView, FormEngine, FormState, ReviewRow, Step, Validator
from handlers import actions as ids
from handlers.replies import Action, Actions, Reply, label_text
from handlers.visits import Sender, Visit, arrive_waiting
from storage.db import transaction
from storage.forms import (
    active_form,
    get_form,
    latest_form,
    pause_forms,
    save_form,
    write_state,
)
from storage.models import FormProgress


@dataclass
class FormFlow:
    """What one form's owner adds to the generic flow."""

    form_key: str
    # Values to start with: {"values": saved field values, "prefill": {"contact.name": …}}.
    initial: Callable[[AsyncSession, Visit, int], Awaitable[dict[str, Any]]]
    # Runs when the review is confirmed, inside the transaction; returns the reply to send.
    on_confirm: Callable[[AsyncSession, Visit, int, dict[str, Any]], Awaitable[Reply]]
    # Stores the values after every accepted answer (e.g. the case's draft), optional;
    # given what the gate loaded (the gate has let the change through).
    on_change: Callable[[AsyncSession, Visit, int, dict[str, Any], Any], Awaitable[None]] | None = (
        None
    )
    # Extra checks per field, e.g. a barred re-entry; given the visit for the contest rules.
    validators: Callable[[Visit], Mapping[str, Validator]] | None = None
    # Extra template context beside the field or review (word counts, wording hits …),
    # given what the gate loaded.
    extras: Callable[[Visit, FormEngine, FormState, int, Any], dict[str, Any]] | None = None
    # Loads what the flow needs beside the state (e.g. the case, for its evidence) and, for
    # an answer or a button (``changing``), may refuse it: the form is then paused.
    gate: Callable[[AsyncSession, Visit, int, bool], Awaitable[Gate]] | None = None
    # The contest form this flow asks, when several flows ask one form (e.g. the member
    # form: adding, editing, replacing); empty: the form named by ``form_key``.
    form: str = ""
    # Fields that may not be edited from the review card now, each with the refusal to
    # give if an old button asks anyway; given what the gate loaded.
    locked: Callable[[Visit, int, Any], Mapping[str, Reply]] | None = None


@dataclass(frozen=True)
class Gate:
    """What a flow's gate says: a refusal (the form stops there), or the context it loaded."""

    refusal: Reply | None = None
    context: Any = None


@dataclass
class Turn:
    """What one form operation answers: replies in order, and a short notice for a button."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # template of a short notice on the pressed button
    progress_of: int | None = None  # the last reply shows this broadcast's sending progress
    became_organizer: bool = False  # a code made the person an organizer (their commands)


@dataclass
class TextTurn:
    """What a typed message did: a form's turn, or the wait it belongs to (not a form's)."""

    visit: Visit
    turn: Turn | None = None  # None: no engine form was waiting for this text
    waiting: FormProgress | None = None  # a wait that did not take this message
    from_wait: bool = False  # ``turn`` is a stored wait's answer, not an engine form's


@dataclass(frozen=True)
class SentFile:
    """A file someone sent while a wait was open, as the wait's use case reads it."""

    ref: str | None  # the channel's reference to it; None: an upload that is not a document
    name: str = ""
    size: int = 0
    read: Callable[[], Awaitable[bytes]] | None = None  # download it (None: it cannot be)


def no_link(_code: str) -> str:
    """Return no link: a channel without links, where a code is typed."""
    return ""


@dataclass(frozen=True)
class Incoming:
    """A message as a wait's use case reads it: typed text (or a caption), or a file."""

    text: str = ""
    html: str | None = None  # the text as HTML with its formatting; None: a channel without
    file: SentFile | None = None
    link_of: Callable[[str], str] = no_link  # the link this channel opens an invite code by

    @property
    def text_html(self) -> str:
        """Return the text as HTML: the channel's formatting, or the plain text escaped."""
        return self.html if self.html is not None else str(escape(self.text))


FLOWS: dict[str, FormFlow] = {}
# An answer that reads like a question waits in the saved state under this key until the
# person says which it is; any other step of the engine drops it (FormState has no such key).
HELD = "held"
# The kinds where a question could be taken for content (a phone, a date or a choice could not).
OWN_DETAILS = "contact"  # the form of the person's own details (contest.forms.contact)
WORDED_KINDS = frozenset({FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.LIST})

# Waits that are not engine forms (the evidence for a restricted word, a code, a notice's
# text, a list of cases, a file …): the stored wait (a formprogress row like any form's, so
# it survives restarts) says what the person's next message is for, and its use case takes
# it inside the same transaction. A wait answers None for a message it does not take (a
# file where text is awaited): the channel then handles the message as it would otherwise.
Wait = Callable[[AsyncSession, Visit, FormProgress, Incoming], Awaitable[Turn | None]]
TextWait = Callable[[AsyncSession, Visit, FormProgress, str], Awaitable[list[Reply]]]
WAITS: dict[str, Wait] = {}


def register_flow(flow: FormFlow) -> None:
    """Make a form available to the use cases here."""
    FLOWS[flow.form_key] = flow


async def _pass(session: AsyncSession, v: Visit, progress: FormProgress, *, changing: bool) -> Gate:
    """Run the flow's gate; a refusal of a change pauses the person's forms."""
    flow = FLOWS[progress.form_key]
    if flow.gate is None:
        return Gate()
    gate = await flow.gate(session, v, progress.subject_id, changing)
    if gate.refusal is not None:
        await pause_forms(session, person_id=progress.person_id)
    return gate


def register_wait(form_key: str, take: TextWait) -> None:
    """Make the next typed message of a person with this wait go to ``take``."""

    async def typed(
        session: AsyncSession, v: Visit, progress: FormProgress, said: Incoming
    ) -> Turn | None:
        return None if said.file is not None else Turn(await take(session, v, progress, said.text))

    WAITS[form_key] = typed


def register_message_wait(form_key: str, take: Wait) -> None:
    """Make the next message (typed or a file) of a person with this wait go to ``take``."""
    WAITS[form_key] = take


def engine_for(v: Visit, form_key: str) -> FormEngine:
    """Return the form engine for this form, with the flow's extra checks."""
    flow = FLOWS[form_key]
    validators = flow.validators(v) if flow.validators else None
    today = v.now.astimezone(v.services.contest.zone).date()
    form = flow.form or form_key
    return FormEngine(v.services.contest, form, today=today, validators=validators)


async def open_form(
    v: Visit, form_key: str, subject_id: int = 0, *, restart: bool = False
) -> list[Reply]:
    """Open (or resume) a form for this person and ask where they are."""
    async with transaction(v.services.sessions) as session:
        return await open_form_in(session, v, form_key, subject_id, restart=restart)


async def open_form_in(
    session: AsyncSession, v: Visit, form_key: str, subject_id: int = 0, *, restart: bool = False
) -> list[Reply]:
    """Open (or resume) a form inside the caller's transaction."""
    flow = FLOWS[form_key]
    engine = engine_for(v, form_key)
    person_id = v.person.id or 0
    progress = await get_form(
        session, person_id=person_id, form_key=form_key, subject_id=subject_id
    )
    # ``restart`` starts from the stored values only when no unfinished answers wait: a
    # form left half-way is resumed at its field with what was typed (nothing is lost).
    if progress is None or not progress.state:
        initial = await flow.initial(session, v, subject_id)
        state = engine.start(initial.get("prefill"), values=initial.get("values")).state
    else:
        state = await _refilled(session, v, engine, progress)
    progress = await save_form(
        session,
        person_id=person_id,
        form_key=form_key,
        subject_id=subject_id,
        state=state.to_dict(),
        now=v.now,
    )
    gate = await _pass(session, v, progress, changing=False)
    return [ask(v, engine, progress, state, context=gate.context)]


async def resume_offer(v: Visit) -> list[Reply]:
    """Say which form waits half-filled, with one button back to its field (or none)."""
    async with v.services.sessions() as session:
        progress = await latest_form(session, person_id=v.person.id or 0, form_keys=list(FLOWS))
    if progress is None or not progress.state:
        return []
    engine = engine_for(v, progress.form_key)
    state = FormState.from_dict(progress.state)
    view = engine.current(state)
    filled, total = engine.tally(state)
    values = {"form": engine.form, "view": view, "filled": filled, "total": total}
    resume = _button(label_text("form.resume"), progress.id or 0, "resume")
    return [Reply("form/waiting.html", values, ((resume,),))]


async def _refilled(
    session: AsyncSession, v: Visit, engine: FormEngine, progress: FormProgress
) -> FormState:
    """Return the saved state with its prefilled fields in step with their sources now."""
    initial = await FLOWS[progress.form_key].initial(session, v, progress.subject_id)
    return engine.refill(FormState.from_dict(progress.state), initial.get("prefill"))


async def open_at(
    session: AsyncSession, v: Visit, form_key: str, subject_id: int, state: FormState
) -> list[Reply]:
    """Store ``state`` as the person's active form (e.g. at its review card) and ask there."""
    progress = await save_form(
        session,
        person_id=v.person.id or 0,
        form_key=form_key,
        subject_id=subject_id,
        state=state.to_dict(),
        now=v.now,
    )
    gate = await _pass(session, v, progress, changing=False)
    return [ask(v, engine_for(v, form_key), progress, state, context=gate.context)]


async def take_text(
    services: Services,
    *,
    sender: Sender,
    text: str,
    now: datetime,
    html: str | None = None,
    link_of: Callable[[str], str] = no_link,
) -> TextTurn:
    """Take a typed message as the answer to the person's active form, in one transaction.

    ``html`` is the text with the channel's formatting (a notice keeps it); ``link_of`` how
    the channel links an invite code (a code made from a typed unit name).
    """
    async with transaction(services.sessions) as session:
        v, progress = await arrive_waiting(session, services, sender, now)
        if progress is not None and progress.form_key in WAITS:
            said = Incoming(text, html, link_of=link_of)
            turn = await WAITS[progress.form_key](session, v, progress, said)
            return TextTurn(visit=v, turn=turn, from_wait=True)
        if progress is None or progress.form_key not in FLOWS:
            return TextTurn(visit=v, waiting=progress)
        gate = await _pass(session, v, progress, changing=True)
        if gate.refusal is not None:
            return TextTurn(visit=v, turn=Turn([gate.refusal]))
        engine = engine_for(v, progress.form_key)
        state = FormState.from_dict(progress.state)
        view = engine.current(state)
        if view is not None and view.field.kind in WORDED_KINDS and looks_like_question(text):
            progress.state = {**state.to_dict(), HELD: text.strip()}
            session.add(progress)
            return TextTurn(visit=v, turn=Turn([_held_reply(progress, view, text.strip())]))
        step = engine.answer(state, text)
        replies = await _apply(session, v, engine, progress, step, gate.context)
    return TextTurn(visit=v, turn=Turn(replies))


async def take_file(
    services: Services,
    *,
    sender: Sender,
    file: SentFile,
    caption: str = "",
    caption_html: str | None = None,
    now: datetime,
) -> TextTurn:
    """Hand a file to the person's active wait, in one transaction (``turn`` None: not taken)."""
    async with transaction(services.sessions) as session:
        v, progress = await arrive_waiting(session, services, sender, now)
        if progress is None or progress.form_key not in WAITS:
            return TextTurn(visit=v, waiting=progress)
        said = Incoming(caption, caption_html, file)
        turn = await WAITS[progress.form_key](session, v, progress, said)
        waited = None if turn is not None else progress
        return TextTurn(visit=v, turn=turn, waiting=waited, from_wait=turn is not None)


def _held_reply(progress: FormProgress, view: FieldView, text: str) -> Reply:
    """Ask whether an answer that reads like a question is one, or the field's content."""
    progress_id, key = progress.id or 0, view.field.key
    return Reply(
        "form/held.html",
        {"text": text, "field": view.field},
        (
            (
                _button(label_text("form.answer_question"), progress_id, "qa", key),
                _button(label_text("form.as_content"), progress_id, "qk", key),
            ),
        ),
        prompt=True,
    )


async def asks_own_mobile(v: Visit) -> bool:
    """Tell whether the person's active form is asking for their own mobile right now."""
    progress = await waiting(v)
    if progress is None or progress.form_key != OWN_DETAILS or not progress.state:
        return False
    view = engine_for(v, progress.form_key).current(FormState.from_dict(progress.state))
    return view is not None and view.field.kind is FieldKind.MOBILE


async def pause(v: Visit) -> int:
    """Leave the current form (or wait); everything entered so far is kept for later."""
    async with transaction(v.services.sessions) as session:
        return await pause_forms(session, person_id=v.person.id or 0)


async def waiting(v: Visit) -> FormProgress | None:
    """Return what the person's next message is awaited for: their active form or wait."""
    async with v.services.sessions() as session:
        return await active_form(session, person_id=v.person.id or 0)


async def reask(v: Visit) -> list[Reply]:
    """Ask the active form's current field again (after a question was answered)."""
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
        if progress is None or progress.form_key not in FLOWS:
            return []
        gate = await _pass(session, v, progress, changing=False)
    engine = engine_for(v, progress.form_key)
    state = FormState.from_dict(progress.state)
    return [ask(v, engine, progress, state, context=gate.context)]


async def press(
    v: Visit, *, progress_id: int | None, op: str, field_key: str | None, arg: str
) -> Turn:
    """Handle a form button: choose, keep, skip, finish, back, edit, confirm, resume."""
    async with transaction(v.services.sessions) as session:
        progress = await session.get(FormProgress, progress_id) if progress_id else None
        if progress is None or progress.person_id != v.person.id or progress.form_key not in FLOWS:
            return Turn(toast="form/stale_toast.html")
        gate = await _pass(session, v, progress, changing=True)
        if gate.refusal is not None:
            return Turn([gate.refusal])
        engine = engine_for(v, progress.form_key)
        state = FormState.from_dict(progress.state)
        if op == "resume":
            state = await _refilled(session, v, engine, progress)
            progress = await save_form(
                session,
                person_id=progress.person_id,
                form_key=progress.form_key,
                subject_id=progress.subject_id,
                state=state.to_dict(),
                now=v.now,
            )
            prompt = ask(v, engine, progress, state, context=gate.context)
            return Turn([replace(prompt, in_place=True)])
        refused = _locked(v, progress, gate.context).get(field_key or "") if op == "e" else None
        if refused is not None:
            return Turn([refused, ask(v, engine, progress, state, context=gate.context)])
        if op in ("qa", "qk"):
            held = progress.state.get(HELD)
            if not isinstance(held, str) or field_key != state.cursor:
                return Turn(toast="form/stale_toast.html")
            if op == "qk":
                step = engine.answer(state, held)
                replies = await _apply(session, v, engine, progress, step, gate.context)
                return Turn(replies)
            progress.state = state.to_dict()
            session.add(progress)
            again = ask(v, engine, progress, state, context=gate.context)
        else:
            step = _operate(engine, state, op, field_key, arg)
            if step is None:
                return Turn(toast="form/stale_toast.html")
            replies = await _apply(session, v, engine, progress, step, gate.context, pressed=True)
            return Turn(replies)
    # Answered after the transaction: the answers read the person's cases on their own.
    from handlers.browse import questions  # browse opens forms: imported here, not above

    return Turn([*await questions(v, held), again])


def _operate(
    engine: FormEngine, state: FormState, op: str, field_key: str | None, arg: str
) -> Step | None:
    item = int(arg) if arg.isdigit() else None
    if op == "c" and field_key:
        field_kind = engine.form.field(field_key).kind if _known(engine, field_key) else None
        choice: str | bool = arg == "y" if field_kind is FieldKind.YES_NO else arg
        return engine.choose(state, field_key, choice)
    if not (field_key is None or _known(engine, field_key)):
        return None
    operations: dict[str, Callable[[], Step]] = {
        "k": lambda: engine.keep(state, field_key or "", item=item),
        "s": lambda: engine.skip(state, field_key or ""),
        "d": lambda: engine.finish(state, field_key or ""),
        "a": lambda: engine.append(state, field_key or ""),
        "r": lambda: engine.replace(state, field_key or ""),
        "u": lambda: engine.undo(state, field_key or ""),
        "b": lambda: engine.back(state, field_key, item=item),
        "e": lambda: engine.edit(state, field_key or ""),
        "ok": lambda: engine.confirm(state),
    }
    operation = operations.get(op)
    return operation() if operation else None


def _locked(v: Visit, progress: FormProgress, context: Any) -> Mapping[str, Reply]:
    """Return the fields of this form that may not be edited now, with their refusals."""
    flow = FLOWS[progress.form_key]
    return flow.locked(v, progress.subject_id, context) if flow.locked else {}


def _known(engine: FormEngine, field_key: str) -> bool:
    return any(f.key == field_key for f in engine.form.fields)


async def _apply(
    session: AsyncSession,
    v: Visit,
    engine: FormEngine,
    progress: FormProgress,
    step: Step,
    context: Any = None,
    *,
    pressed: bool = False,
) -> list[Reply]:
    """Store what a step changed and decide the replies, inside the caller's transaction.

    An accepted answer first turns its prompt into a one-line receipt; a step that stays
    on the same question (back, 重写, a refused press) asks it in place of the pressed one.
    """
    flow = FLOWS[progress.form_key]
    before = FormState.from_dict(progress.state)
    if step.event is Event.STALE:
        saved = FormState.from_dict(progress.state)
        return [Reply("form/stale.html"), ask(v, engine, progress, saved, context=context)]
    active = step.event is not Event.CONFIRMED
    await write_state(session, progress, state=step.state.to_dict(), now=v.now, active=active)
    state = step.state
    if flow.on_change and step.event not in (Event.INVALID, Event.AT_FIRST):
        await flow.on_change(session, v, progress.subject_id, engine.result(step.state), context)
        # The change may have filled more of this form (the team's lead, named at 牵头人姓名,
        # brings their 职务 and phones) and moved it on: the prompt asks what it waits for now.
        state = FormState.from_dict(progress.state)
    receipt = _receipt(engine, before, step)
    if step.event is not Event.CONFIRMED:
        prompt = ask(v, engine, progress, state, step=step, context=context)
        if step.event is Event.REVIEW and before.return_to_review:
            return [replace(prompt, in_place=True)]  # the review card back where it was
        if receipt is None:
            return [replace(prompt, in_place=pressed)]
        return [receipt, prompt]
    followup = await flow.on_confirm(session, v, progress.subject_id, engine.result(state))
    await session.delete(progress)
    replies = [r for r in (receipt, followup) if r is not None]
    if followup.next_form is not None:
        await session.flush()
        replies += await open_form_in(session, v, *followup.next_form)
    return replies


RECEIPTED = frozenset(
    {
        Event.ADVANCED,
        Event.SKIPPED,
        Event.NEXT_ITEM,
        Event.APPENDED,
        Event.REVIEW,
        Event.CONFIRMED,
    }
)


def _receipt(engine: FormEngine, before: FormState, step: Step) -> Reply | None:
    """Return the one line that stands for an answered prompt (``✓ 推荐单位：…``), if any."""
    if step.event not in RECEIPTED:
        return None
    if step.event is Event.CONFIRMED:
        return Reply("form/receipt.html", {"form": engine.form, "confirmed": True}, receipt=True,
                     in_place=True)  # fmt: skip
    if step.field is None or before.cursor != step.field:
        return None
    f = engine.form.field(step.field)
    values: dict[str, Any] = {"form": engine.form, "field": f, "confirmed": False}
    if step.event is Event.APPENDED:
        values |= {"value": step.state.pieces[-1], "piece": len(step.state.pieces)}
    elif f.kind is FieldKind.LIST:
        items = step.state.values.get(f.key) if step.event is not Event.NEXT_ITEM else None
        draft = items if isinstance(items, list) else list(step.state.draft)
        index = before.item_index
        values |= {"value": draft[index] if index < len(draft) else "", "item": index + 1}
    else:
        value = step.state.values.get(f.key)
        values["value"] = engine.display_value(f, value) if value is not None else None
    return Reply("form/receipt.html", values, receipt=True, in_place=True)


def ask(
    v: Visit,
    engine: FormEngine,
    progress: FormProgress,
    state: FormState,
    *,
    step: Step | None = None,
    context: Any = None,
) -> Reply:
    """Return the prompt for where the form stands: its current field, or the review card."""
    flow = FLOWS[progress.form_key]
    extras = flow.extras(v, engine, state, progress.subject_id, context) if flow.extras else {}
    view = engine.current(state)
    common = {
        "form": engine.form,
        "form_key": engine.form_key,
        "step": step,
        "error": step.error if step else None,
        "event": step.event.value if step else "",
        "contest": v.services.contest,
        "now": v.now,
        **extras,
    }
    progress_id = progress.id or 0
    if view is None:
        rows = engine.review(state)
        problems = step.problems if step else ()
        return Reply(
            "form/review.html",
            {"rows": rows, "problems": problems, **common},
            _review_actions(progress_id, rows, _locked(v, progress, context)),
            prompt=True,
        )
    actions = _field_actions(progress_id, view)
    # The person's own mobile: a channel that can may offer to share it in one tap.
    own = engine.form_key == OWN_DETAILS and view.field.kind is FieldKind.MOBILE
    own = own and (step is None or step.event is not Event.INVALID)  # offered once, not again
    values = {"view": view, "wants_own_mobile": own, **common}
    return Reply("form/field.html", values, actions, prompt=True)


def _button(text: str, progress_id: int, op: str, field_key: str = "", arg: str = "") -> Action:
    return Action(text, ids.form(progress_id, op, field_key, arg))


def _field_actions(progress_id: int, view: FieldView) -> Actions:
    f = view.field
    rows: list[list[Action]] = []
    if f.kind is FieldKind.CHOICE:
        rows += [[_button(o.label, progress_id, "c", f.key, o.key)] for o in view.options]
    if f.kind is FieldKind.YES_NO:
        rows.append(
            [
                _button(label_text("form.yes"), progress_id, "c", f.key, "y"),
                _button(label_text("form.no"), progress_id, "c", f.key, "n"),
            ]
        )
    item = str(view.item) if view.item else ""
    if f.kind is FieldKind.LONG_TEXT:
        if view.pieces:
            finish = [_button(label_text("form.finish"), progress_id, "d", f.key)]
            if view.pieces != ((view.value,) if view.value else ()):
                finish.append(_button(label_text("form.undo"), progress_id, "u", f.key))
            rows.append(finish)
        if view.value is not None:
            rows.append(
                [
                    _button(label_text("form.replace"), progress_id, "r", f.key),
                    _button(label_text("form.append"), progress_id, "a", f.key),
                ]
            )
    controls = []
    if view.can_keep:
        controls.append(_button(label_text("form.keep"), progress_id, "k", f.key, item))
    if view.can_skip:
        controls.append(_button(label_text("form.skip"), progress_id, "s", f.key))
    if controls:
        rows.append(controls)
    navigation = [
        Action(label_text("form.ask"), ids.MENU_ASK),
        Action(label_text("form.pause"), ids.MENU_PAUSE),
    ]
    if view.position[0] > 1 or (view.item or 1) > 1 or view.editing:
        navigation.insert(0, _button(label_text("form.back"), progress_id, "b", f.key, item))
    rows.append(navigation)
    return tuple(tuple(row) for row in rows)


def _review_actions(
    progress_id: int, rows: tuple[ReviewRow, ...], locked: Mapping[str, Reply]
) -> Actions:
    buttons = [
        _button(
            label_text("form.edit_field", label=row.field.label), progress_id, "e", row.field.key
        )
        for row in rows
        if row.field.key not in locked
    ]
    keyboard = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    keyboard.append((_button(label_text("form.confirm"), progress_id, "ok"),))
    keyboard.append((Action(label_text("form.pause"), ids.MENU_PAUSE),))
    return tuple(keyboard)
