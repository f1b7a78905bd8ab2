"""The Telegram side of the form engine: ask the current field, take answers and buttons.

Every form (unit, contact, member, case) runs through here. Its owner module registers a
:class:`FormFlow` with hooks for what only it knows: prefill sources, extra checks, what to
show beside a field (e.g. 字数), what to store on each answer, and what happens on confirm.
The state lives in the ``formprogress`` row, saved on every answer, so a restart, a second
phone or a week's pause resumes at the same field.

Buttons: ``f:<progress id>:<op>:<field>[:<arg>]``. The progress id is re-checked against the
person pressing; the field (and item) against the state's cursor (stale buttons change
nothing and say so).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from contest.definition import FieldKind
from contest.forms import Event, FormEngine, FormState, Step, Validator
from handlers.common import Context, Visit, answer, callback_parts, int_part, reply, visit
from messages import label
from storage.db import transaction
from storage.forms import active_form, save_form
from storage.models import FormProgress

PREFIX = "f"


@dataclass
class FormFlow:
    """What one form's owner adds to the generic flow."""

    form_key: str
    # Values to start with: {"values": saved field values, "prefill": {"contact.name": …}}.
    initial: Callable[[AsyncSession, Visit, int], Awaitable[dict[str, Any]]]
    # Runs when the review is confirmed, inside the transaction; returns the reply to send.
    on_confirm: Callable[[AsyncSession, Visit, int, dict[str, Any]], Awaitable[Reply]]
    # Stores the values after every accepted answer (e.g. the case's draft), optional.
    on_change: Callable[[AsyncSession, Visit, int, dict[str, Any]], Awaitable[None]] | None = None
    # Extra checks per field, e.g. a barred re-entry; given the visit for the contest rules.
    validators: Callable[[Visit], Mapping[str, Validator]] | None = None
    # Extra template context beside the field or review (word counts, wording hits …).
    extras: Callable[[Visit, FormEngine, FormState, int], dict[str, Any]] | None = None


@dataclass
class Reply:
    """A message to send: a template, its values and an optional keyboard."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    markup: InlineKeyboardMarkup | None = None
    next_form: tuple[str, int] | None = None  # (form_key, subject_id) to open right after


FLOWS: dict[str, FormFlow] = {}

# Text consumers that are not engine forms but also wait for the person's next message
# (e.g. the evidence for a restricted word, a broadcast's text). Keyed by form_key; the
# waiting state lives in a formprogress row like any form's, so it survives restarts.
TextHook = Callable[[Update, "Context", Visit, FormProgress], Awaitable[None]]
TEXT_HOOKS: dict[str, TextHook] = {}
# The same for an uploaded file (a notice's attachment, a list of advancing cases): while
# such a wait is active, the upload goes to its hook and no other handler sees it.
FILE_HOOKS: dict[str, TextHook] = {}
FILE_GROUP = -2  # ahead of the default file handlers (e.g. a case's .docx import)


def register_flow(flow: FormFlow) -> None:
    """Makes a form available to open_form and the shared handlers."""
    FLOWS[flow.form_key] = flow


def engine_for(v: Visit, form_key: str) -> FormEngine:
    """Return the form engine for this form, with the flow's extra checks."""
    flow = FLOWS[form_key]
    validators = flow.validators(v) if flow.validators else None
    today = v.now.astimezone(v.services.contest.zone).date()
    return FormEngine(v.services.contest, form_key, today=today, validators=validators)


async def open_form(
    update: Update,
    context: Context,
    v: Visit,
    form_key: str,
    subject_id: int = 0,
    *,
    restart: bool = False,
) -> None:
    """Opens (or resumes) a form for this person and asks where they are."""
    flow = FLOWS[form_key]
    engine = engine_for(v, form_key)
    person_id = v.person.id or 0
    async with transaction(v.services.sessions) as session:
        from storage.forms import get_form

        progress = await get_form(
            session, person_id=person_id, form_key=form_key, subject_id=subject_id
        )
        if progress is None or restart or not progress.state:
            initial = await flow.initial(session, v, subject_id)
            step = engine.start(initial.get("prefill"), values=initial.get("values"))
            state = step.state
        else:
            state = FormState.from_dict(progress.state)
        progress = await save_form(
            session,
            person_id=person_id,
            form_key=form_key,
            subject_id=subject_id,
            state=state.to_dict(),
            now=v.now,
        )
    await _ask(update, context, v, engine, progress, state)


async def handle_text(update: Update, context: Context, v: Visit) -> bool:
    """Takes a typed message as the answer to the active form; False if there is none."""
    message = update.effective_message
    if message is None or message.text is None:
        return False
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
    if progress is not None and progress.form_key in TEXT_HOOKS:
        await TEXT_HOOKS[progress.form_key](update, context, v, progress)
        return True
    if progress is None or progress.form_key not in FLOWS:
        return False
    engine = engine_for(v, progress.form_key)
    state = FormState.from_dict(progress.state)
    await _apply(update, context, v, engine, progress, engine.answer(state, message.text))
    return True


async def on_file(update: Update, context: Context) -> None:
    """Hands an upload to the wait that expects it, if any; else lets the update pass."""
    if update.effective_message is None or update.effective_user is None:
        return
    v = await visit(update, context)
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
    if progress is None or progress.form_key not in FILE_HOOKS:
        return
    await FILE_HOOKS[progress.form_key](update, context, v, progress)
    raise ApplicationHandlerStop


async def reask(update: Update, context: Context, v: Visit) -> bool:
    """Asks the active form's current field again (after a question was answered)."""
    async with v.services.sessions() as session:
        progress = await active_form(session, person_id=v.person.id or 0)
    if progress is None or progress.form_key not in FLOWS:
        return False
    engine = engine_for(v, progress.form_key)
    await _ask(update, context, v, engine, progress, FormState.from_dict(progress.state))
    return True


async def on_button(update: Update, context: Context) -> None:
    """Handles every form button: choose, keep, skip, finish, back, edit, confirm …"""
    parts = callback_parts(update)
    progress_id = int_part(parts, 1)
    op = parts[2] if len(parts) > 2 else ""
    field_key = parts[3] if len(parts) > 3 and parts[3] else None
    arg = parts[4] if len(parts) > 4 else ""
    v = await visit(update, context)
    async with v.services.sessions() as session:
        progress = await session.get(FormProgress, progress_id) if progress_id else None
    if progress is None or progress.person_id != v.person.id or progress.form_key not in FLOWS:
        await answer(update, "form/stale_toast.html")
        return
    await answer(update)
    engine = engine_for(v, progress.form_key)
    state = FormState.from_dict(progress.state)
    if op == "resume":
        await _ask(update, context, v, engine, progress, state, activate=True)
        return
    step = _operate(engine, state, op, field_key, arg)
    if step is None:
        await answer(update, "form/stale_toast.html")
        return
    await _apply(update, context, v, engine, progress, step)


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
        "b": lambda: engine.back(state, field_key, item=item),
        "e": lambda: engine.edit(state, field_key or ""),
        "ok": lambda: engine.confirm(state),
    }
    operation = operations.get(op)
    return operation() if operation else None


def _known(engine: FormEngine, field_key: str) -> bool:
    return any(f.key == field_key for f in engine.form.fields)


async def _apply(
    update: Update,
    context: Context,
    v: Visit,
    engine: FormEngine,
    progress: FormProgress,
    step: Step,
) -> None:
    flow = FLOWS[progress.form_key]
    if step.event is Event.STALE:
        await reply(update, context, "form/stale.html")
        await _ask(update, context, v, engine, progress, FormState.from_dict(progress.state))
        return
    followup: Reply | None = None
    async with transaction(v.services.sessions) as session:
        row = await session.get(FormProgress, progress.id)
        assert row is not None
        row.state = step.state.to_dict()
        row.updated_at = v.now
        row.active = step.event is not Event.CONFIRMED
        session.add(row)
        if flow.on_change and step.event not in (Event.INVALID, Event.AT_FIRST):
            await flow.on_change(session, v, row.subject_id, engine.result(step.state))
        if step.event is Event.CONFIRMED:
            followup = await flow.on_confirm(session, v, row.subject_id, engine.result(step.state))
            await session.delete(row)
        progress = row
    if followup is not None:
        await reply(update, context, followup.template, markup=followup.markup, **followup.values)
        if followup.next_form is not None:
            await open_form(update, context, v, *followup.next_form)
        return
    await _ask(update, context, v, engine, progress, step.state, step=step)


async def _ask(
    update: Update,
    context: Context,
    v: Visit,
    engine: FormEngine,
    progress: FormProgress,
    state: FormState,
    *,
    step: Step | None = None,
    activate: bool = False,
) -> None:
    flow = FLOWS[progress.form_key]
    if activate:
        async with transaction(v.services.sessions) as session:
            await save_form(
                session,
                person_id=progress.person_id,
                form_key=progress.form_key,
                subject_id=progress.subject_id,
                state=state.to_dict(),
                now=v.now,
            )
    extras = flow.extras(v, engine, state, progress.subject_id) if flow.extras else {}
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
    if view is None:
        rows = engine.review(state)
        problems = step.problems if step else ()
        markup = _review_keyboard(progress.id or 0, rows)
        await reply(
            update,
            context,
            "form/review.html",
            markup=markup,
            rows=rows,
            problems=problems,
            **common,
        )
        return
    markup = _field_keyboard(progress.id or 0, view)
    await reply(update, context, "form/field.html", markup=markup, view=view, **common)


def _button(text: str, progress_id: int, op: str, field_key: str = "", arg: str = "") -> Any:
    data = f"{PREFIX}:{progress_id}:{op}:{field_key}" + (f":{arg}" if arg else "")
    return InlineKeyboardButton(text, callback_data=data)


def _field_keyboard(progress_id: int, view: Any) -> InlineKeyboardMarkup:
    f = view.field
    rows: list[list[Any]] = []
    if f.kind is FieldKind.CHOICE:
        rows += [[_button(o.label, progress_id, "c", f.key, o.key)] for o in view.options]
    if f.kind is FieldKind.YES_NO:
        rows.append(
            [
                _button(label("form.yes"), progress_id, "c", f.key, "y"),
                _button(label("form.no"), progress_id, "c", f.key, "n"),
            ]
        )
    item = str(view.item) if view.item else ""
    if f.kind is FieldKind.LONG_TEXT:
        if view.pieces:
            rows.append([_button(label("form.finish"), progress_id, "d", f.key)])
        if view.value is not None:
            rows.append(
                [
                    _button(label("form.replace"), progress_id, "r", f.key),
                    _button(label("form.append"), progress_id, "a", f.key),
                ]
            )
    controls = []
    if view.can_keep:
        controls.append(_button(label("form.keep"), progress_id, "k", f.key, item))
    if view.can_skip:
        controls.append(_button(label("form.skip"), progress_id, "s", f.key))
    if controls:
        rows.append(controls)
    navigation = [
        InlineKeyboardButton(label("form.ask"), callback_data="menu:ask"),
        InlineKeyboardButton(label("form.pause"), callback_data="menu:pause"),
    ]
    if view.position[0] > 1 or (view.item or 1) > 1 or view.editing:
        navigation.insert(0, _button(label("form.back"), progress_id, "b", f.key, item))
    rows.append(navigation)
    return InlineKeyboardMarkup(rows)


def _review_keyboard(progress_id: int, rows: Any) -> InlineKeyboardMarkup:
    buttons = [
        _button(label("form.edit_field", label=row.field.label), progress_id, "e", row.field.key)
        for row in rows
    ]
    keyboard = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    keyboard.append([_button(label("form.confirm"), progress_id, "ok")])
    keyboard.append([InlineKeyboardButton(label("form.pause"), callback_data="menu:pause")])
    return InlineKeyboardMarkup(keyboard)


def resume_button(progress: FormProgress, text: str) -> InlineKeyboardButton:
    """Return a button that resumes a paused form where it stood."""
    return InlineKeyboardButton(text, callback_data=f"{PREFIX}:{progress.id}:resume:")


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the shared form button handler."""
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(MessageHandler(filters.ATTACHMENT, on_file), group=FILE_GROUP)
