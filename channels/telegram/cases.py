"""The cases flow on Telegram: a unit's cases, starting one, its card, drafting, wording.

The use cases are in :mod:`handlers.cases` (its docstring lists the action ids): the case
form run by the shared form engine, the card, restricted words with their evidence (the
next typed message, a stored wait taken by :func:`handlers.forms.take_text`). Preview,
export and import are in ``case_documents.py``; submit, withdraw and /todo in
``case_lifecycle.py``; all registered from :func:`register`. The lifecycle's state diagram
is in ``docs/cases.md``.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from channels.telegram import case_documents, case_lifecycle
from channels.telegram.common import Context, Visit, callback_parts, responds
from handlers import cases
from handlers.actions import number_at
from handlers.cases import Outcome


def _case_id(update: Update) -> int | None:
    return number_at(callback_parts(update), 1)


def _part(update: Update, index: int) -> str:
    parts = callback_parts(update)
    return parts[index] if len(parts) > index else ""


@responds
async def show_cases(update: Update, context: Context, v: Visit) -> Outcome:
    """Lists the unit's cases with their status and how complete each is."""
    return await cases.case_list(v)


@responds
async def new_case(update: Update, context: Context, v: Visit) -> Outcome:
    """Starts a new case for the person's unit and asks its first field."""
    return await cases.new_case(v)


@responds
async def open_case(update: Update, context: Context, v: Visit) -> Outcome:
    """Shows one case: status, completeness, 字数, deadline and what may be done now."""
    return await cases.open_card(v, case_id=_case_id(update))


@responds
async def edit_case(update: Update, context: Context, v: Visit) -> Outcome:
    """Opens the case form where the person left it (or on the review card)."""
    return await cases.edit(v, case_id=_case_id(update))


@responds
async def fix_field(update: Update, context: Context, v: Visit) -> Outcome:
    """Opens one field of the case for rewriting (from the restricted-word list)."""
    return await cases.fix(v, case_id=_case_id(update), field_key=_part(update, 3) or None)


@responds
async def show_wording(update: Update, context: Context, v: Visit) -> Outcome:
    """Lists the restricted words still open, each with buttons: give evidence, or rewrite."""
    return await cases.wording(v, case_id=_case_id(update))


@responds
async def ask_evidence(update: Update, context: Context, v: Visit) -> Outcome:
    """Waits for the evidence (依据) of one restricted-word use: the next message."""
    return await cases.ask_evidence(v, case_id=_case_id(update), hit_id=_part(update, 3))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the case list, the case card, drafting, and the document and lifecycle flows."""
    cases.register_forms()
    case_lifecycle.register(app)
    app.add_handler(CallbackQueryHandler(show_cases, pattern=r"^menu:cases$"))
    app.add_handler(CallbackQueryHandler(new_case, pattern=r"^case:new$"))
    app.add_handler(CallbackQueryHandler(open_case, pattern=r"^case:\d+$"))
    app.add_handler(CallbackQueryHandler(edit_case, pattern=r"^case:\d+:edit$"))
    app.add_handler(CallbackQueryHandler(fix_field, pattern=r"^case:\d+:fix:[a-z0-9_]+$"))
    app.add_handler(CallbackQueryHandler(show_wording, pattern=r"^case:\d+:words$"))
    app.add_handler(CallbackQueryHandler(ask_evidence, pattern=r"^case:\d+:ev:[0-9a-f]+$"))
    case_documents.register(app)
    app.add_handler(CallbackQueryHandler(case_lifecycle.stale_button, pattern=r"^case:"))
