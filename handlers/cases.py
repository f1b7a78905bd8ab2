"""Use cases of a unit's cases: where one stands, its card, starting one, drafting, submitting.

The 参赛案例说明书 is the contest's ``case`` form, run by the form use cases
(``handlers/forms``). This module adds what only a case knows: prefills from the unit, the
team lead and the contact person; the re-entry check; 字数 and restricted words beside
every field; storing the draft after every answer; the gate that stops a form for a case
that may no longer be edited (after the deadline, once submitted); and the card on confirm.

Action ids of the case flows (all ids re-checked against the pressing person's unit):

    menu:cases                 the unit's cases          case:new              start a case
    case:<id>                  the case card             case:<id>:edit        fill in / resume
    case:<id>:fix:<field>      rewrite one field         case:<id>:words       restricted words
    case:<id>:ev:<hit_id>      give evidence for a use   case:<id>:preview     the whole text
    case:<id>:docx             export the .docx          case:<id>:import      await a .docx
    case:<id>:upload           import the file just sent case:new:upload       … into a new case
    case:<id>:submit           submit                    case:<id>:withdraw    ask to withdraw
    case:<id>:withdraw:yes     withdraw                  menu:todo             what to do now
    case:<id>:steps            the official system's steps, with the .docx to upload
    case:<id>:official         mark: submitted in the official system (已在官网提交)
    case:<id>:official:no      take that mark back
    team:<id>                  the team

Where the bot is only a drafting aid for the organizer's own system (the contest file's
``official_system.bot_is_official = false``), 提交 here is not entering: the reply says so,
gives the system's steps with the .docx to upload, and the contact marks the case once it is
submitted there (who and when on the case, and in the audit log). Reminders, /todo, /status
and the console go on asking for the mark until it is set; withdrawing clears it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from config.services import Services
from contest.document import Properties
from contest.document import build_document as build_docx
from contest.forms import Event, FormEngine, FormState, Validator
from contest.lifecycle import (
    Phase,
    Standing,
    Verdict,
    closed_editing_stages,
    editing_window,
    find_hit,
    freezes,
    hit_views,
    initial_values,
    may_create,
    may_edit,
    may_submit,
    may_withdraw,
    reentry_validator,
    standing,
    values_in_progress,
    word_count,
    wording_hits,
)
from contest.schedule import position
from contest.team import Member
from contest.text import unresolved
from handlers import actions as ids
from handlers.forms import (
    FormFlow,
    Gate,
    engine_for,
    open_at,
    open_form_in,
    register_flow,
    register_wait,
)
from handlers.lead import team_follows_document
from handlers.replies import Actions, Attachment, Reply, actions, label_text
from handlers.visits import Visit
from messages import render
from messages.markup import plain_text
from storage.audit import record_event
from storage.cases import (
    create_case,
    forget_case_forms,
    freeze_stage,
    is_advancing,
    list_cases,
    mark_official,
    record_evidence,
    save_values,
    submit_case,
    unit_case,
    unit_case_advancing,
    withdraw_case,
)
from storage.db import transaction
from storage.forms import delete_form, save_form
from storage.models import Case, CaseStatus, FormProgress, Unit, UnitStatus
from storage.team import domain_members, lead_of, list_members
from storage.units import get_unit

log = logging.getLogger(__name__)

FORM = "case"  # the case form (contest.forms.case)
EVIDENCE = "case_evidence"  # waiting for the evidence (依据) of one restricted-word use
IMPORT = "case_import"  # waiting for a .docx to import into one case
UPLOAD = "case_upload"  # a .docx sent without a case: which case should take it?
CASE_FORMS = (FORM, EVIDENCE, IMPORT)
TITLE_IN_BUTTON = 24
EVIDENCE_MIN = 4
EVIDENCE_MAX = 1000
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')
FILENAME_MAX = 80
OFFICIAL = "case_official"  # the audit log's action of the 已在官网提交 mark


@dataclass(frozen=True)
class CaseView:
    """One case with where it stands at this input's moment."""

    case: Case
    members: list[Member]
    advancing: bool
    standing: Standing

    @property
    def case_id(self) -> int:
        """Return the case's id."""
        return self.case.id or 0


async def case_view(session: AsyncSession, v: Visit, case: Case) -> CaseView:
    """Return where this case stands now."""
    case_id = case.id or 0
    members = domain_members(await list_members(session, case_id=case_id))
    advancing = await is_advancing(session, case_id=case_id)
    where = standing(
        v.services.contest,
        status=case.status,
        values=case.values,
        evidence=case.evidence,
        members=members,
        advancing=advancing,
        now=v.now,
        marked=case.official_at is not None,
    )
    return CaseView(case, members, advancing, where)


async def own_view(session: AsyncSession, v: Visit, case_id: int | None) -> CaseView | None:
    """Return the person's own case and where it stands; None for another unit's or none."""
    if case_id is None:
        return None
    case = await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
    return await case_view(session, v, case) if case is not None else None


async def unit_for(session: AsyncSession, v: Visit) -> Unit | None:
    """Return the person's unit, if they have one."""
    if v.person.unit_id is None:
        return None
    return await get_unit(session, unit_id=v.person.unit_id)


def unit_ready(unit: Unit | None) -> bool:
    """Tell whether a unit may draft cases (it exists and is not awaiting confirmation)."""
    return unit is not None and unit.status != UnitStatus.PENDING


def short_title(case: Case) -> str:
    """Return the case title cut to fit a button, or "" if it has none yet."""
    title = str(case.values.get("title") or "")
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def case_button(case: Case) -> str:
    """Return the label of a button that opens this case."""
    untitled = label_text("case.untitled", label=case.id)
    return label_text("case.open", label=short_title(case) or untitled)


def list_actions() -> Actions:
    """Return the buttons under a refusal: the case list and the main menu."""
    return actions([[("menu.cases", ids.MENU_CASES), ("menu.back", ids.MENU_MAIN)]])


def card_actions(view: CaseView) -> Actions:
    """Return the case card's buttons for what may be done now."""
    case_id = view.case_id
    where = view.standing
    prefix = f"case:{case_id}"
    rows: list[list[tuple[str, str]]] = []
    if where.edit.allowed:
        rows.append([("case.edit", f"{prefix}:edit"), ("case.import", f"{prefix}:import")])
        if where.open_hits:
            count = label_text("case.wording", label=len(where.open_hits))
            rows.append([(count, f"{prefix}:words")])
    if not where.submitted and where.window.is_open:
        rows.append([("case.submit", f"{prefix}:submit")])
    if where.submitted and where.window.is_open:
        rows.append([("case.withdraw", f"{prefix}:withdraw")])
    aid = where.aid
    if where.submitted and aid is not None and (where.awaiting_official or view.case.official_at):
        if view.case.official_at is None:
            done = label_text("case.official", label=aid.short)
            rows.append([(done, f"{prefix}:official"), ("case.official_steps", f"{prefix}:steps")])
        else:
            undo = label_text("case.official_undo", label=aid.short)
            rows.append([(undo, f"{prefix}:official:no")])
    rows.append([("case.preview", f"{prefix}:preview"), ("case.export", f"{prefix}:docx")])
    rows.append([("case.team", f"team:{case_id}"), ("menu.cases", ids.MENU_CASES)])
    return actions(rows)


def card_values(v: Visit, view: CaseView, notice: str = "", **extra: Any) -> dict[str, Any]:
    """Return the context of the case card."""
    contest = v.services.contest
    category = contest.category(str(view.case.values.get("category") or ""))
    return {
        "contest": contest,
        "now": v.now,
        "case": view.case,
        "title": view.case.values.get("title") or "",
        "category": category.name if category else "",
        "where": view.standing,
        "members": len(view.members),
        "official": view.standing.aid,
        "notice": notice,
        **extra,
    }


def card(v: Visit, view: CaseView, notice: str = "", **extra: Any) -> Reply:
    """Return the case card with its buttons."""
    return Reply("cases/card.html", card_values(v, view, notice, **extra), card_actions(view))


def refusal(v: Visit, view: CaseView, verdict: Verdict, action: str) -> Reply:
    """Say why an action on the case cannot be taken now, with the moments that decide it."""
    values = {
        "contest": v.services.contest,
        "now": v.now,
        "action": action,
        "refusal": verdict.refusal.value if verdict.refusal else "",
        "window": verdict.window,
        "title": view.case.values.get("title") or "",
        "case": view.case,
    }
    return Reply("cases/refused.html", values, card_actions(view))


def not_found() -> Reply:
    """Say that the case is not the person's (another unit's id, or gone)."""
    return Reply("cases/not_found.html", actions=list_actions())


def no_unit(v: Visit, unit: Unit | None) -> Reply:
    """Explain how to get a unit: an invite link from the organizer, or wait for approval."""
    values = {"contest": v.services.contest, "pending": unit is not None}
    buttons = actions([[("menu.register", ids.MENU_REGISTER), ("menu.back", ids.MENU_MAIN)]])
    return Reply("cases/no_unit.html", values, buttons)


# ------------------------------------------------------------ starting and submitting


@dataclass
class Outcome:
    """What a case action answers: its replies and a short notice for the pressed button."""

    replies: list[Reply]
    toast: str | None = None


async def create_in(
    session: AsyncSession, v: Visit, values: Mapping[str, Any] | None
) -> Case:
    """Create a draft case for the person's unit, prefilled (and with ``values`` if given)."""
    assert v.person.unit_id is not None
    prefill = await prefill_for(session, v, None)
    first = initial_values(v.services.contest, prefill, now=v.now)
    return await create_case(
        session,
        unit_id=v.person.unit_id,
        created_by=v.person.id,
        values={**first, **(values or {})},
        now=v.now,
        contest=v.services.contest,
    )


async def new_case(v: Visit) -> Outcome:
    """Start a new case for the person's unit and ask its first field, if one may be made."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        unit = await unit_for(session, v)
        if not unit_ready(unit):
            return Outcome([no_unit(v, unit)])
        assert unit is not None
        existing = len(await list_cases(session, unit_id=unit.id or 0))
        creation = may_create(contest, v.now, existing=existing)
        if not creation.allowed:
            values = {
                "contest": contest,
                "now": v.now,
                "refusal": creation.refusal.value if creation.refusal else "",
                "window": creation.window,
            }
            buttons = actions([[("menu.cases", ids.MENU_CASES), ("menu.back", ids.MENU_MAIN)]])
            return Outcome([Reply("cases/cannot_create.html", values, buttons)])
        case = await create_in(session, v, None)
        return Outcome(await open_form_in(session, v, FORM, case.id or 0))


async def submit(v: Visit, *, case_id: int | None) -> Outcome:
    """Submit a complete draft while its stage is open; otherwise say exactly what is missing."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], "cases/not_found_toast.html")
        verdict = may_submit(contest, v.now, status=view.case.status, advancing=view.advancing)
        if not verdict.allowed:
            return Outcome([refusal(v, view, verdict, "submit")])
        if view.standing.gaps:
            return Outcome([card(v, view, "gaps")], "cases/gaps_toast.html")
        assert verdict.window.stage is not None
        revision = None  # a second press of the same button: already submitted
        if view.case.status == CaseStatus.DRAFT:
            revision = await submit_case(
                session,
                case=view.case,
                stage_key=verdict.window.stage.key,
                person_id=v.person.id,
                now=v.now,
            )
            await forget_case_forms(session, case_id=view.case_id, form_keys=CASE_FORMS)
        view = await case_view(session, v, view.case)
    number = revision.number if revision else None
    replies = [card(v, view, "submitted", revision=number)]
    if view.standing.awaiting_official:  # the steps and the file, then the card as last word
        replies.insert(0, official_steps(v, view))
    return Outcome(replies, "cases/submitted_toast.html")


# ------------------------------------------------------- the organizer's own system


def docx_name(title: str, form_title: str) -> str:
    """Return a file name for the exported document, safe on every system."""
    name = plain_text(render("cases/docx_filename.html", title=title, form_title=form_title))
    name = FILENAME_UNSAFE.sub(" ", name).strip(" .") or form_title
    return name[:FILENAME_MAX] + ".docx"


def build_document(v: Visit, view: CaseView) -> bytes:
    """Build the case's .docx with its closing note on 字数."""
    contest = v.services.contest
    words = word_count(contest, view.case.values, None)
    note = plain_text(render("cases/docx_note.html", contest=contest, words=words))
    values = view.case.values
    properties = Properties(
        title=str(values.get("title") or contest.forms.case.title),
        author=str(values.get("recommending_unit") or ""),
        created=v.now,
    )
    template = v.services.case_template
    return build_docx(contest, values, template=template, properties=properties, note=note)


def docx_attachment(v: Visit, view: CaseView) -> Attachment:
    """Return the case's .docx as a file to send."""
    title = str(view.case.values.get("title") or "")
    name = docx_name(title, v.services.contest.forms.case.title)
    return Attachment(name, build_document(v, view), DOCX_MIME)


def official_steps(v: Visit, view: CaseView) -> Reply:
    """Return the official system's steps with the .docx to upload there, and the mark."""
    aid = view.standing.aid
    assert aid is not None
    prefix = f"case:{view.case_id}"
    buttons = actions(
        [[(label_text("case.official", label=aid.short), f"{prefix}:official")],
         [("case.back", prefix)]]
    )  # fmt: skip
    values = {
        "contest": v.services.contest,
        "official": aid,
        "title": view.case.values.get("title") or "",
        "case": view.case,
    }
    return Reply("cases/official_steps.html", values, buttons, docx_attachment(v, view))


async def steps(v: Visit, *, case_id: int | None) -> Outcome:
    """Give the official system's steps and the .docx again (a drafting-aid contest)."""
    async with v.services.sessions() as session:
        view = await own_view(session, v, case_id)
    if view is None:
        return Outcome([not_found()], NOT_FOUND_TOAST)
    if view.standing.aid is None:
        return Outcome([card(v, view, "bot_is_official")])
    return Outcome([official_steps(v, view)])


async def mark_submitted_there(v: Visit, *, case_id: int | None, done: bool = True) -> Outcome:
    """Mark a submitted case as submitted in the organizer's own system, or take it back."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        if view.standing.aid is None:
            return Outcome([card(v, view, "bot_is_official")])
        if not view.standing.submitted:
            return Outcome([card(v, view, "submit_first")])
        if (view.case.official_at is not None) != done:  # a second press changes nothing
            await mark_official(
                session, case=view.case, person_id=v.person.id, now=v.now if done else None
            )
            await record_event(
                session,
                person_id=v.person.id,
                action=OFFICIAL if done else f"{OFFICIAL}_undone",
                now=v.now,
                detail={"case_id": view.case_id},
            )
        view = await case_view(session, v, view.case)
    return Outcome([card(v, view, "official_marked" if done else "official_unmarked")])


# ------------------------------------------------------------------ the form's hooks


async def prefill_for(session: AsyncSession, v: Visit, case_id: int | None) -> dict[str, object]:
    """Return the values the prefill sources give: unit, team lead, contact person."""
    prefill: dict[str, object] = {
        "contact.name": v.person.name,
        "contact.title": v.person.title,
        "contact.office_phone": v.person.office_phone,
        "contact.mobile": v.person.mobile,
    }
    unit = await unit_for(session, v)
    prefill |= {f"contact.{key}": value for key, value in v.person.extra.items()}
    if unit is not None:
        prefill |= {f"unit.{key}": value for key, value in unit.extra.items()}
        prefill["unit.recommending_unit"] = unit.recommending_unit
        prefill["unit.party_org"] = unit.party_org
    lead = await lead_of(session, case_id=case_id) if case_id else None
    if lead is not None:
        prefill |= {f"lead.{key}": value for key, value in (lead.extra or {}).items()}
        prefill |= {
            "lead.name": lead.name,
            "lead.title": lead.title,
            "lead.office_phone": lead.office_phone,
            "lead.mobile": lead.mobile,
        }
    return prefill


async def initial_for(session: AsyncSession, v: Visit, case_id: int) -> dict[str, Any]:
    """Return the case form's start: the saved values and the prefill sources."""
    case = await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
    values = dict(case.values) if case is not None else {}
    return {"values": values, "prefill": await prefill_for(session, v, case_id)}


async def _gate(session: AsyncSession, v: Visit, case_id: int, changing: bool) -> Gate:
    """Load the case (its evidence feeds the hints); refuse a change it may not take now.

    One read (the case and its advancement mark); a refusal reads the rest of the card.
    """
    found = await unit_case_advancing(session, case_id=case_id, unit_id=v.person.unit_id)
    if found is None:
        return Gate(refusal=not_found() if changing else None)
    case, advancing = found
    if changing:
        verdict = may_edit(v.services.contest, v.now, status=case.status, advancing=advancing)
        if not verdict.allowed:
            return Gate(refusal=refusal(v, await case_view(session, v, case), verdict, "edit"))
    return Gate(context=case)


async def _editable(session: AsyncSession, v: Visit, case_id: int) -> Case | None:
    """Return the person's case if its text may be changed now."""
    case = await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
    if case is None:
        return None
    advancing = await is_advancing(session, case_id=case_id)
    verdict = may_edit(v.services.contest, v.now, status=case.status, advancing=advancing)
    return case if verdict.allowed else None


async def _on_change(
    session: AsyncSession, v: Visit, case_id: int, result: dict[str, Any], context: Any = None
) -> None:
    """Store the draft after every accepted answer (never after the deadline: the gate,
    which loaded the case as ``context``, refused the change already if it came too late)."""
    case = context if isinstance(context, Case) else await _editable(session, v, case_id)
    if case is not None:
        before = dict(case.values)
        await save_values(session, case=case, values=result, now=v.now, contest=v.services.contest)
        await team_follows_document(session, v, case, before)


async def _on_confirm(
    session: AsyncSession, v: Visit, case_id: int, result: dict[str, Any]
) -> Reply:
    """Store the reviewed text and show the case card with what is left before submitting."""
    case = await _editable(session, v, case_id)
    owned = case or await unit_case(session, case_id=case_id, unit_id=v.person.unit_id)
    if owned is None:
        return Reply("cases/not_found.html")
    if case is not None:
        before = dict(case.values)
        await save_values(session, case=case, values=result, now=v.now, contest=v.services.contest)
        await team_follows_document(session, v, case, before)
    view = await case_view(session, v, owned)
    return card(v, view, "saved" if case is not None else "not_saved")


def _validators(v: Visit) -> Mapping[str, Validator]:
    contest = v.services.contest
    keys = {f.key for f in contest.forms.case.fields}
    return {"previous_prize": reentry_validator(contest)} if "previous_prize" in keys else {}


def _extras(
    v: Visit, engine: FormEngine, state: FormState, case_id: int, case: Any = None
) -> dict[str, Any]:
    """Count 字数 of the field and the whole text, and point out restricted words in place.

    The template shows the open uses of the field being asked and of the field just
    answered (``step.field``), so a use is pointed out as soon as it is written.
    """
    contest = v.services.contest
    values = values_in_progress(engine, state)
    evidence = dict(case.evidence) if isinstance(case, Case) else {}
    hits = wording_hits(contest, values)
    by_field: dict[str, list[Any]] = {}
    for item in hit_views(hits, evidence):
        if not item.resolved:
            by_field.setdefault(item.hit.field, []).append(item)
    return {
        "words": word_count(contest, values, state.cursor),
        "hits_by_field": by_field,
        "open_hits": len(unresolved(hits, evidence)),
        "field_labels": {f.key: f.label for f in contest.forms.case.fields},
        "wording_rule": contest.rules.wording.rule_text,
    }


FLOW = FormFlow(
    FORM,
    initial=initial_for,
    on_confirm=_on_confirm,
    on_change=_on_change,
    validators=_validators,
    extras=_extras,
    gate=_gate,
)


def register_forms() -> None:
    """Make the case form and the evidence wait available to the form use cases."""
    register_flow(FLOW)
    register_wait(EVIDENCE, _take_evidence)


# ------------------------------------------------------------ the list, the card, editing

NOT_FOUND_TOAST = "cases/not_found_toast.html"


async def case_list(v: Visit) -> Outcome:
    """List the unit's cases with their status and how complete each is."""
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
        if not unit_ready(unit):
            return Outcome([no_unit(v, unit)])
        assert unit is not None
        views = [
            await case_view(session, v, c) for c in await list_cases(session, unit_id=unit.id or 0)
        ]
    rows: list[list[tuple[str, str]]] = [
        [(case_button(x.case), f"case:{x.case_id}")] for x in views
    ]
    creation = may_create(v.services.contest, v.now, existing=len(views))
    if creation.allowed:
        rows.append([("case.new", ids.CASE_NEW)])
    rows.append([("menu.todo", ids.MENU_TODO), ("menu.back", ids.MENU_MAIN)])
    values = {"contest": v.services.contest, "now": v.now, "views": views, "creation": creation}
    return Outcome([Reply("cases/list.html", values, actions(rows), in_place=True)])


async def stop_waiting_in(session: AsyncSession, v: Visit, case_id: int) -> None:
    """Forget that the next message was awaited as evidence or a file for this case."""
    for form_key in (EVIDENCE, IMPORT):
        await delete_form(
            session, person_id=v.person.id or 0, form_key=form_key, subject_id=case_id
        )


async def open_card(v: Visit, *, case_id: int | None) -> Outcome:
    """Show one case: status, completeness, 字数, deadline and what may be done now."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        await stop_waiting_in(session, v, view.case_id)
    return Outcome([dataclasses.replace(card(v, view), in_place=True)])


async def edit(v: Visit, *, case_id: int | None) -> Outcome:
    """Open the case form where the person left it (or on the review card)."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        if not view.standing.edit.allowed:
            return Outcome([refusal(v, view, view.standing.edit, "edit")])
        await stop_waiting_in(session, v, view.case_id)
        return Outcome(await open_form_in(session, v, FORM, view.case_id))


async def review_in(
    session: AsyncSession, v: Visit, case: Case, field_key: str | None = None
) -> list[Reply]:
    """Open the case form's review card (a button per field), or one field from it."""
    engine = engine_for(v, FORM)
    initial = await initial_for(session, v, case.id or 0)
    started = engine.start(initial["prefill"], values=initial["values"]).state
    state = dataclasses.replace(started, cursor=None, pieces=(), draft=(), item_index=0)
    if field_key is not None:
        step = engine.edit(state, field_key)
        if step.event is Event.ASKED:
            state = step.state
    return await open_at(session, v, FORM, case.id or 0, state)


async def fix(v: Visit, *, case_id: int | None, field_key: str | None) -> Outcome:
    """Open one field of the case for rewriting (from the restricted-word list)."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        if not view.standing.edit.allowed:
            return Outcome([refusal(v, view, view.standing.edit, "edit")])
        await stop_waiting_in(session, v, view.case_id)
        return Outcome(await review_in(session, v, view.case, field_key))


# ------------------------------------------------------------ restricted words, evidence


def wording_list(v: Visit, view: CaseView, saved: str = "") -> Reply:
    """Return the restricted-word uses of a case with a row of buttons per open one."""
    contest = v.services.contest
    case_id = view.case_id
    views = hit_views(view.standing.hits, view.case.evidence)
    rows: list[list[tuple[str, str]]] = []
    for number, item in enumerate(views, start=1):
        if not item.resolved:
            rows.append(
                [
                    (
                        label_text("case.evidence", label=number),
                        f"case:{case_id}:ev:{item.hit.hit_id}",
                    ),
                    (
                        label_text("case.rewrite", label=number),
                        f"case:{case_id}:fix:{item.hit.field}",
                    ),
                ]
            )
    rows.append([("case.back", f"case:{case_id}")])
    values = {
        "contest": contest,
        "hits": views,
        "labels": {f.key: f.label for f in contest.forms.case.fields},
        "saved": saved,
        "title": view.case.values.get("title") or "",
    }
    return Reply("cases/wording.html", values, actions(rows))


async def wording(v: Visit, *, case_id: int | None) -> Outcome:
    """List the restricted words still open, each with buttons: give evidence, or rewrite."""
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        await stop_waiting_in(session, v, view.case_id)
    if not view.standing.edit.allowed:
        return Outcome([refusal(v, view, view.standing.edit, "edit")])
    return Outcome([wording_list(v, view)])


def _cancel_evidence(case_id: int) -> Actions:
    return actions([[("case.cancel", f"case:{case_id}:words")]])


async def ask_evidence(v: Visit, *, case_id: int | None, hit_id: str) -> Outcome:
    """Wait for the evidence (依据) of one restricted-word use: the person's next message."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], NOT_FOUND_TOAST)
        if not view.standing.edit.allowed:
            return Outcome([refusal(v, view, view.standing.edit, "edit")])
        hit = find_hit(contest, view.case.values, hit_id)
        if hit is None:
            return Outcome([Reply("cases/hit_gone.html"), wording_list(v, view)])
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=EVIDENCE,
            subject_id=view.case_id,
            state={"hit_id": hit.hit_id},
            now=v.now,
        )
    (hit_view,) = hit_views([hit], {})
    values = {
        "contest": contest,
        "hit": hit_view,
        "field_label": contest.forms.case.field(hit.field).label,
        "min_length": EVIDENCE_MIN,
    }
    prompt = Reply("cases/evidence_prompt.html", values, _cancel_evidence(view.case_id))
    return Outcome([prompt])


async def _take_evidence(
    session: AsyncSession, v: Visit, progress: FormProgress, text: str
) -> list[Reply]:
    """Store the typed message as the evidence awaited, then list what is still open."""
    text = text.strip()
    hit_id = str(progress.state.get("hit_id") or "")
    view = await own_view(session, v, progress.subject_id)
    if view is None or not view.standing.edit.allowed:
        await session.delete(progress)
        return [not_found() if view is None else refusal(v, view, view.standing.edit, "edit")]
    hit = find_hit(v.services.contest, view.case.values, hit_id)
    if hit is None:
        await session.delete(progress)
        return [Reply("cases/hit_gone.html"), wording_list(v, view)]
    if not EVIDENCE_MIN <= len(text) <= EVIDENCE_MAX:
        values = {"length": len(text), "min_length": EVIDENCE_MIN, "max_length": EVIDENCE_MAX}
        return [Reply("cases/evidence_error.html", values, _cancel_evidence(view.case_id))]
    await record_evidence(session, case=view.case, hit_id=hit.hit_id, text=text, now=v.now)
    await session.delete(progress)
    view = await case_view(session, v, view.case)
    if view.standing.open_hits:
        return [wording_list(v, view, saved=hit.phrase)]
    return [card(v, view, "evidence_done", phrase=hit.phrase)]


# ------------------------------------------------------------ withdrawing, /todo, freezing


async def ask_withdraw(v: Visit, *, case_id: int | None) -> Outcome:
    """Ask before taking a submitted case back to draft (it must then be submitted again)."""
    contest = v.services.contest
    async with v.services.sessions() as session:
        view = await own_view(session, v, case_id)
    if view is None:
        return Outcome([not_found()], "cases/not_found_toast.html")
    verdict = may_withdraw(contest, v.now, status=view.case.status, advancing=view.advancing)
    if not verdict.allowed:
        return Outcome([refusal(v, view, verdict, "withdraw")])
    buttons = actions(
        [
            [
                ("case.withdraw_yes", f"case:{view.case_id}:withdraw:yes"),
                ("case.withdraw_no", f"case:{view.case_id}"),
            ]
        ]
    )
    values = {
        "contest": contest,
        "now": v.now,
        "window": verdict.window,
        "title": view.case.values.get("title") or "",
        "case": view.case,
    }
    return Outcome([Reply("cases/withdraw_confirm.html", values, buttons)])


async def withdraw(v: Visit, *, case_id: int | None) -> Outcome:
    """Take a submitted case back to draft so it can be edited, while its stage is open."""
    contest = v.services.contest
    async with transaction(v.services.sessions) as session:
        view = await own_view(session, v, case_id)
        if view is None:
            return Outcome([not_found()], "cases/not_found_toast.html")
        verdict = may_withdraw(contest, v.now, status=view.case.status, advancing=view.advancing)
        if not verdict.allowed:
            return Outcome([refusal(v, view, verdict, "withdraw")])
        await withdraw_case(session, case=view.case, now=v.now)
        view = await case_view(session, v, view.case)
    return Outcome([card(v, view, "withdrawn")])


async def todo(v: Visit) -> Reply:
    """Say what to do now: for a unit, each case's gaps and the next deadline."""
    contest = v.services.contest
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
        views: list[CaseView] = []
        if unit_ready(unit):
            assert unit is not None and unit.id is not None
            for case in await list_cases(session, unit_id=unit.id):
                views.append(await case_view(session, v, case))
    where = position(contest, v.now)
    if not unit_ready(unit):
        values = {
            "contest": contest,
            "now": v.now,
            "position": where,
            "pending": unit is not None,
        }
        buttons = actions([[("menu.schedule", ids.MENU_SCHEDULE), ("menu.back", ids.MENU_MAIN)]])
        return Reply("todo/unregistered.html", values, buttons)
    creation = may_create(contest, v.now, existing=len(views))
    rows: list[list[tuple[str, str]]] = []
    for view in views:
        stands = view.standing
        if stands.edit.allowed or stands.window.phase is Phase.OPEN or stands.awaiting_official:
            rows.append([(case_button(view.case), f"case:{view.case_id}")])
    if creation.allowed:
        rows.append([("menu.new_case", ids.CASE_NEW)])
    rows.append([("menu.cases", ids.MENU_CASES), ("menu.back", ids.MENU_MAIN)])
    values = {
        "contest": contest,
        "now": v.now,
        "position": where,
        "views": views,
        "creation": creation,
        "window": editing_window(contest, v.now, advancing=False),
    }
    return Reply("todo/overview.html", values, actions(rows))


async def freeze_closed_stages(services: Services) -> int:
    """Freeze the submitted text of every stage that has closed; return how many copies."""
    contest = services.contest
    now = services.clock.now()
    frozen = 0
    for stage in closed_editing_stages(contest, now):
        async with transaction(services.sessions) as session:
            frozen += await freeze_stage(
                session,
                stage_key=stage.key,
                closed_at=stage.end,
                only_advancing=not freezes(stage, advancing=False),
                now=now,
            )
    if frozen:
        log.info("froze %d case texts at stage close", frozen)
    return frozen
