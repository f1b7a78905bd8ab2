"""Use cases of a case's project team (项目团队): see it, add, correct, replace, lead, remove.

What may change is decided by :mod:`contest.team` (``check_change``) and, for the case as a
whole, by :func:`contest.lifecycle.may_change_team` (a draft locked after its deadline keeps
its team); the views offer only what those allow, and every press and the member form's
confirm check again, because an old button or a forged id may still arrive. A refusal says
why, names the member the rule concerns, and quotes the contest's own rule (``rules.team``).

Action ids (the case and member ids are re-checked against the person's unit every time,
once, by :func:`act`): ``team:<c>`` the team view · ``team:<c>:add`` add a member ·
``team:<c>:addlead`` add the lead · ``team:<c>:m:<member>`` one member ·
``team:<c>:edit:<member>`` correct details · ``team:<c>:fill:<member>`` complete the
fields still pending (待补充) · ``team:<c>:swap:<member>`` replace the person
(after submission) · ``team:<c>:lead:<member>`` make the lead · ``team:<c>:rm:<member>`` ask
to remove · ``team:<c>:rmok:<member>`` remove.

The member form is asked by four flows, one per task (:class:`Task`): its form key says what
it does and its subject is the case (adding) or the member row (editing, replacing).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from dataclasses import replace as copy
from datetime import date
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.definition import FieldKind
from contest.forms import FormEngine, FormState
from contest.lead import LEAD, disagreeing
from contest.lifecycle import Verdict, may_change_team
from contest.team import (
    AddMember,
    Change,
    EditMember,
    Member,
    Problem,
    RemoveMember,
    ReplaceMember,
    SetLead,
    TeamCode,
    apply_change,
    check_change,
    team_problems,
)
from contest.timefmt import format_date
from handlers.cases import Outcome
from handlers.forms import FormFlow, Gate, engine_for, open_at, open_form_in, register_flow
from handlers.lead import document_follows_team, lead_values
from handlers.replies import Actions, Reply, actions, label_text
from handlers.visits import Visit
from storage.cases import is_advancing
from storage.db import transaction
from storage.models import Case, TeamMember
from storage.team import (
    MemberDetails,
    add_member,
    domain_members,
    form_values,
    get_member,
    list_members,
    remove_member,
    replace_member,
    set_lead,
    team_case,
    update_member,
)

MEMBER_FORM = "member"  # the contest's member form, asked by the flows below
LOCKED = Problem(TeamCode.LOCKED)


class Task(StrEnum):
    """What one run of the member form does; its flow's form key is ``member.<task>``."""

    ADD = "add"  # subject: the case
    ADD_LEAD = "add_lead"  # subject: the case
    EDIT = "edit"  # subject: the member row
    REPLACE = "replace"  # subject: the member row

    @property
    def form_key(self) -> str:
        """Return the key of this task's flow (its waits are stored under it)."""
        return f"{MEMBER_FORM}.{self.value}"


@dataclass
class Team:
    """A case and its current team, loaded for one person of the case's unit."""

    case: Case
    rows: list[TeamMember]
    change: Verdict  # may the team change at all now (a locked draft's may not)

    @property
    def case_id(self) -> int:
        """Return the case's id."""
        return self.case.id or 0

    @property
    def submitted(self) -> bool:
        """Tell whether the case was ever submitted (the team rules tighten then)."""
        return self.case.ever_submitted

    @property
    def locked(self) -> bool:
        """Tell whether the team may not change now (its draft is locked)."""
        return not self.change.allowed

    @property
    def members(self) -> list[Member]:
        """Return the team as the rules see them."""
        return domain_members(self.rows)

    def row(self, member_id: int | None) -> TeamMember | None:
        """Return the active member with this row id, if they are on this team."""
        return next((r for r in self.rows if r.id == member_id), None)

    def name_at(self, slot: object) -> str:
        """Return the name of the member in ``slot``, or "" if none is."""
        return next((r.name for r in self.rows if r.slot == slot), "")


async def load_team(
    session: AsyncSession, v: Visit, case_id: int | None, *, members: bool = True
) -> Team | None:
    """Return the case's team if the case belongs to the person's unit; else None.

    ``members=False`` leaves the rows out (a form's gate needs only whether the team may
    change at all).
    """
    case = await team_case(session, case_id=case_id) if case_id else None
    if case is None or v.person.unit_id is None or case.unit_id != v.person.unit_id:
        return None
    advancing = await is_advancing(session, case_id=case.id or 0)
    verdict = may_change_team(v.services.contest, v.now, status=case.status, advancing=advancing)
    rows = await list_members(session, case_id=case.id or 0) if members else []
    return Team(case, rows, verdict)


# ---- what the rules allow, and the refusals -----------------------------------------------


def problem_of(v: Visit, team: Team, change: Change) -> Problem | None:
    """Return why ``change`` may not be made to the team now, or None if it may."""
    if team.locked:
        return LOCKED
    return check_change(change, team.members, v.services.contest.rules.team, team.submitted)


def _probe(row: TeamMember) -> Member:
    return Member(name="", employment="staff", slot=row.slot)


def allowed(v: Visit, team: Team, change: Change) -> bool:
    """Tell whether ``change`` may be made now (the views offer only what this allows)."""
    return problem_of(v, team, change) is None


def refusal(v: Visit, team: Team, problem: Problem, who: str = "") -> Reply:
    """Say why a change is refused, naming the member the rule concerns."""
    named = team.name_at(problem.params.get("slot")) or who
    values = {
        "problem": problem,
        "who": named,
        "submitted": team.submitted,
        "locked": team.locked,
        "window": team.change.window,
        "rule": v.services.contest.rules.team,
    }
    return Reply("team/refused.html", values, _back(team))


def _back(team: Team) -> Actions:
    return actions([[("team.back_team", f"team:{team.case_id}")]])


def not_yours() -> Reply:
    """Say that the team is not the person's (another unit's case, or none)."""
    return Reply("team/not_yours.html")


def member_gone(team: Team) -> Reply:
    """Say that the member is no longer on the team."""
    return Reply("team/member_gone.html", actions=_back(team))


# ---- the views ---------------------------------------------------------------------------


def _employment(v: Visit) -> dict[str, str]:
    try:
        choices = v.services.contest.forms.member.field("employment").choices
    except KeyError:
        return {}
    return {choice.key: choice.label for choice in choices}


def _details(v: Visit, row: TeamMember) -> list[tuple[str, object]]:
    """Return the member's details as (field label, shown value), in the form's order."""
    today = v.now.astimezone(v.services.contest.zone).date()
    engine = FormEngine(v.services.contest, MEMBER_FORM, today=today)
    values = form_values(row)
    shown = []
    for f in engine.visible(values):
        value = engine.display_value(f, values.get(f.key)) or ""
        if f.kind is FieldKind.DATE and isinstance(value, str) and value:
            value = format_date(date.fromisoformat(value))
        if f.key != "name":
            shown.append((f.label, value))
    return shown


def view(v: Visit, team: Team, notice: str = "", who: str = "") -> Reply:
    """Return the team view: the members, what keeps the team from the rules, and buttons."""
    contest = v.services.contest
    rule = contest.rules.team
    deadline = contest.submission_stage.end
    problems = team_problems(team.members, rule, deadline, zone=contest.zone)
    c = team.case_id
    rows: list[list[tuple[str, str]]] = [
        [
            (
                label_text("team.member", label=f"{i}. {r.name}{' ★' if r.is_lead else ''}"),
                f"team:{c}:m:{r.id}",
            )
        ]
        for i, r in enumerate(team.rows, start=1)
    ]
    if not team.locked:
        rows += [
            [(label_text("team.complete", label=r.name), f"team:{c}:fill:{r.id}")]
            for r in team.rows
            if r.pending
        ]
    adds = []
    if allowed(v, team, AddMember(Member("", "staff", is_lead=True))):
        adds.append(("team.add_lead", f"team:{c}:addlead"))
    if team.rows and allowed(v, team, AddMember(Member("", "staff"))):
        adds.append(("team.add", f"team:{c}:add"))
    rows.append(adds)
    rows.append([("team.back_case", f"case:{c}")])
    values = {
        "case": team.case,
        "title": str(team.case.values.get("title") or ""),
        "rows": team.rows,
        "problems": problems,
        "submitted": team.submitted,
        "locked": team.locked,
        "window": team.change.window,
        "rule": rule,
        "employment": _employment(v),
        "deadline": deadline,
        "notice": notice,
        "who": who,
        "contest": contest,
        "disagreeing": _disagreeing(v, team),
    }
    return Reply("team/view.html", values, actions(rows), in_place=True)


def member_card(v: Visit, team: Team, row: TeamMember) -> Reply:
    """Return one member's card with the buttons for what may be done to them now."""
    c = team.case_id
    probe = _probe(row)
    rows: list[list[tuple[str, str]]] = [[]]
    if not team.locked:
        rows[0].append(("team.edit", f"team:{c}:edit:{row.id}"))
    if not row.is_lead and allowed(v, team, SetLead(row.slot)):
        rows[0].append(("team.set_lead", f"team:{c}:lead:{row.id}"))
    if team.submitted and allowed(v, team, ReplaceMember(row.slot, probe)):
        rows.append([("team.replace", f"team:{c}:swap:{row.id}")])
    if allowed(v, team, RemoveMember(row.slot)):
        rows.append([("team.remove", f"team:{c}:rm:{row.id}")])
    rows.append([("team.back_team", f"team:{c}")])
    values = {
        "row": row,
        "number": team.rows.index(row) + 1,
        "submitted": team.submitted,
        "locked": team.locked,
        "window": team.change.window,
        "rule": v.services.contest.rules.team,
        "details": _details(v, row),
        "missing": _labels(v, row.pending or []),
        "form_title": v.services.contest.forms.case.title,
    }
    return Reply("team/member.html", values, actions(rows), in_place=True)


def _labels(v: Visit, keys: list[str]) -> list[str]:
    """Return the member form's labels of these keys (the 待补充 of a member)."""
    form = v.services.contest.forms.member
    return [f.label if (f := form.field_or_none(key)) else key for key in keys]


def _disagreeing(v: Visit, team: Team) -> list[tuple[str, object]]:
    """Return the case document's 牵头人 fields typed otherwise than the team lead's details."""
    contest = v.services.contest
    lead = next((r for r in team.rows if r.is_lead), None)
    keys = disagreeing(contest, LEAD, lead_values(lead), team.case.values)
    return [(contest.forms.case.field(key).label, team.case.values[key]) for key in keys]


# ---- one press: the team, one member, a change ----------------------------------------------

Act = Callable[[AsyncSession, Visit, Team, TeamMember], Awaitable[list[Reply]]]


async def act(v: Visit, *, case_id: int | None, op: str, member_id: int | None) -> Outcome:
    """Do what a team button asks, after checking once that the case and member are the
    person's: show the team or a member, open the member form, set the lead, remove."""
    async with transaction(v.services.sessions) as session:
        team = await load_team(session, v, case_id)
        if team is None:
            return Outcome([not_yours()], "team/not_yours_toast.html")
        if op == "":
            return Outcome([view(v, team)])
        if op in ("add", "addlead"):
            return Outcome(await _add(session, v, team, lead=op == "addlead"))
        row = team.row(member_id)
        handler = _MEMBER_ACTS.get(op)
        if row is None or handler is None:
            return Outcome([member_gone(team)], "team/member_gone_toast.html")
        return Outcome(await handler(session, v, team, row))


async def _card(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    return [member_card(v, team, row)]


async def _add(session: AsyncSession, v: Visit, team: Team, *, lead: bool) -> list[Reply]:
    problem = problem_of(v, team, AddMember(Member(name="", employment="staff", is_lead=lead)))
    if problem is not None:
        return [refusal(v, team, problem)]
    task = Task.ADD_LEAD if lead else Task.ADD
    return await open_form_in(session, v, task.form_key, team.case_id)


async def _edit(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    """Open the member form on the review card of the saved details (empty optional fields
    would otherwise be asked first)."""
    if team.locked:
        return [refusal(v, team, LOCKED)]
    form_key = Task.EDIT.form_key
    state = engine_for(v, form_key).start(values=form_values(row)).state
    review = copy(state, cursor=None, pieces=(), draft=(), item_index=0)
    return await open_at(session, v, form_key, row.id or 0, review)


async def _complete(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    """Ask the fields still to complete (待补充) one after another, then the review card."""
    if team.locked:
        return [refusal(v, team, LOCKED)]
    form_key = Task.EDIT.form_key
    engine = engine_for(v, form_key)
    state = engine.start(values=form_values(row)).state
    review = copy(state, cursor=None, pieces=(), draft=(), item_index=0)
    missing = [key for key in row.pending or [] if key in {f.key for f in engine.form.fields}]
    if missing:
        step = engine.edit(review, missing[0])
        review = copy(step.state, pending=tuple(missing[1:]))
    return await open_at(session, v, form_key, row.id or 0, review)


async def _swap(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    problem = problem_of(v, team, ReplaceMember(row.slot, _probe(row)))
    if problem is not None:
        return [refusal(v, team, problem, row.name)]
    return await open_form_in(session, v, Task.REPLACE.form_key, row.id or 0)


async def _lead(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    problem = problem_of(v, team, SetLead(row.slot))
    if problem is not None:
        return [refusal(v, team, problem, row.name)]
    before = _lead_row(team)
    await set_lead(session, case_id=team.case_id, member_id=row.id or 0)
    team.rows = await list_members(session, case_id=team.case_id)
    await _document_follows(session, v, team, before)
    return [view(v, team, notice="lead_set", who=row.name)]


async def _ask_remove(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    problem = problem_of(v, team, RemoveMember(row.slot))
    if problem is not None:
        return [refusal(v, team, problem, row.name)]
    c = team.case_id
    buttons = actions(
        [[("team.remove_confirm", f"team:{c}:rmok:{row.id}"), ("team.back_team", f"team:{c}")]]
    )
    values = {"row": row, "submitted": team.submitted, "rule": v.services.contest.rules.team}
    return [Reply("team/remove_confirm.html", values, buttons, in_place=True)]


async def _remove(session: AsyncSession, v: Visit, team: Team, row: TeamMember) -> list[Reply]:
    problem = problem_of(v, team, RemoveMember(row.slot))
    if problem is not None:
        return [refusal(v, team, problem, row.name)]
    await remove_member(session, member_id=row.id or 0)
    team.rows = await list_members(session, case_id=team.case_id)
    return [view(v, team, notice="removed", who=row.name)]


_MEMBER_ACTS: dict[str, Act] = {
    "m": _card,
    "edit": _edit,
    "fill": _complete,
    "swap": _swap,
    "lead": _lead,
    "rm": _ask_remove,
    "rmok": _remove,
}


# ---- the member form -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What a member form works on: the team, and the member row when editing or replacing."""

    team: Team
    member: TeamMember | None = None


async def _subject(
    session: AsyncSession, v: Visit, task: Task, subject_id: int, *, members: bool = True
) -> Subject | None:
    """Load the team (and member) a member form works on, if it is the person's."""
    if task in (Task.ADD, Task.ADD_LEAD):
        team = await load_team(session, v, subject_id, members=members)
        return Subject(team) if team is not None else None
    row = await get_member(session, member_id=subject_id)
    team = await load_team(session, v, row.case_id, members=members) if row else None
    if team is None or row is None:
        return None
    return Subject(team, row if row.active else None)


def _flow(task: Task) -> FormFlow:
    """Return the member form's flow for one task."""

    async def initial(session: AsyncSession, v: Visit, subject_id: int) -> dict[str, Any]:
        if task is not Task.EDIT:
            return {}
        row = await get_member(session, member_id=subject_id)
        return {"values": form_values(row)} if row is not None and row.active else {}

    async def gate(session: AsyncSession, v: Visit, subject_id: int, changing: bool) -> Gate:
        subject = await _subject(session, v, task, subject_id, members=False)
        if subject is None:
            return Gate(refusal=not_yours() if changing else None)
        if changing and subject.team.locked:
            return Gate(refusal=refusal(v, subject.team, LOCKED))
        return Gate(context=subject)

    async def confirm(
        session: AsyncSession, v: Visit, subject_id: int, result: dict[str, Any]
    ) -> Reply:
        subject = await _subject(session, v, task, subject_id)
        if subject is None:
            return not_yours()
        return await _confirm(session, v, task, subject, MemberDetails.from_values(result))

    def extras(
        v: Visit, engine: FormEngine, state: FormState, subject_id: int, context: Any = None
    ) -> dict[str, Any]:
        return {"member_mode": task.value, "name_locked": bool(_name_lock(v, context))}

    def locked(v: Visit, subject_id: int, context: Any) -> Mapping[str, Reply]:
        return _name_lock(v, context)

    return FormFlow(
        task.form_key,
        form=MEMBER_FORM,
        initial=initial,
        on_confirm=confirm,
        extras=extras,
        gate=gate,
        locked=locked if task is Task.EDIT else None,
    )


def _name_lock(v: Visit, context: Any) -> Mapping[str, Reply]:
    """After submission a member's name may not be edited: refuse before it is typed."""
    if not isinstance(context, Subject) or context.member is None:
        return {}
    team, row = context.team, context.member
    if team.locked:
        return {}  # the gate refuses every change then
    renamed = EditMember(row.slot, Member(name=f"{row.name}·", employment="staff"))
    rule = v.services.contest.rules.team
    problem = check_change(renamed, domain_members([row]), rule, team.submitted)
    if problem is None or problem.code is not TeamCode.RENAME_AFTER_SUBMISSION:
        return {}
    return {"name": refusal(v, team, problem, row.name)}


async def _confirm(
    session: AsyncSession, v: Visit, task: Task, subject: Subject, details: MemberDetails
) -> Reply:
    """Store what the member form gives, re-checking the change against the team now."""
    team = subject.team
    rule = v.services.contest.rules.team
    before = _lead_row(team)
    if task in (Task.ADD, Task.ADD_LEAD):
        lead = task is Task.ADD_LEAD
        change: Change = AddMember(details.member(is_lead=lead))
        problem = problem_of(v, team, change)
        if problem is not None:
            return refusal(v, team, problem, details.name)
        slot = apply_change(change, team.members, rule, team.submitted)[-1].slot
        await add_member(
            session, case_id=team.case_id, slot=slot, details=details, is_lead=lead, now=v.now
        )
        notice = "added"
    elif subject.member is None:
        return member_gone(team)
    elif task is Task.EDIT:
        current = subject.member
        problem = problem_of(v, team, EditMember(current.slot, details.member()))
        notice = "updated"
        if problem is not None and problem.code is TeamCode.RENAME_AFTER_SUBMISSION:
            details, notice = copy(details, name=current.name), "kept_name"
        elif problem is not None:
            return refusal(v, team, problem, current.name)
        await update_member(session, member_id=current.id or 0, details=details)
    else:
        current = subject.member
        problem = problem_of(v, team, ReplaceMember(current.slot, details.member()))
        if problem is not None:
            return refusal(v, team, problem, current.name)
        count = current.replaced + 1 if team.submitted else current.replaced
        await replace_member(
            session, member_id=current.id or 0, details=details, replaced=count, now=v.now
        )
        notice = "replaced"
    team.rows = await list_members(session, case_id=team.case_id)
    await _document_follows(session, v, team, before)
    return copy(view(v, team, notice=notice, who=details.name), in_place=False)


def _lead_row(team: Team) -> dict[str, object] | None:
    """Return the team lead's details as they are now (None: no lead)."""
    row = next((r for r in team.rows if r.is_lead), None)
    return lead_values(row) if row is not None else None


async def _document_follows(
    session: AsyncSession, v: Visit, team: Team, before: dict[str, object] | None
) -> None:
    """After a change to the team, let the case document's 牵头人 fields follow its lead."""
    lead = next((r for r in team.rows if r.is_lead), None)
    if lead_values(lead) != (before or {}):
        await document_follows_team(session, v, team.case, before, lead)


FLOWS = tuple(_flow(task) for task in Task)


def register_forms() -> None:
    """Make the member form's flows available to the form use cases."""
    for flow in FLOWS:
        register_flow(flow)
