"""The project team (项目团队) of a case: see it, add, correct, replace, set the lead, remove.

The case card (handlers/cases.py) links here with ``team:<case id>``. What may change is
decided by :mod:`contest.team` (``check_change``) on every press and again on the member
form's confirm; a refusal says why and quotes the contest's own rule (``rules.team``).
The team view lists what still keeps the team from the rules (``team_problems``), judged
on the day of the text-submission deadline.

Buttons (the case and member ids are re-checked against the person's unit every time):
``team:<c>`` the team view · ``team:<c>:add`` add a member · ``team:<c>:addlead`` add the
lead · ``team:<c>:m:<member>`` one member · ``team:<c>:edit:<member>`` correct details ·
``team:<c>:swap:<member>`` replace the person (after submission) · ``team:<c>:lead:<member>``
make the lead · ``team:<c>:rm:<member>`` ask to remove · ``team:<c>:rmok:<member>`` remove.

The member form's ``subject_id`` says what it does: ``target * 4 + op`` with op 0 add a
member and 1 add the lead (target: the case id), 2 edit and 3 replace (target: the member
row id).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace as copy
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from channels.telegram import forms
from channels.telegram.common import (
    Context,
    Visit,
    answer,
    callback_parts,
    int_part,
    keyboard,
    reply,
    show,
    visit,
)
from channels.telegram.forms import FormFlow, Reply, open_form, register_flow
from contest.definition import Contest, FieldKind
from contest.forms import FormEngine, FormState
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
from handlers.forms import engine_for
from messages import label
from storage.db import transaction
from storage.forms import save_form
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

MEMBER_FORM = "member"
ADD, ADD_LEAD, EDIT, REPLACE = range(4)
MODES = ("add", "add_lead", "edit", "replace")
Rows = list[list[tuple[str, str]]]


@dataclass
class Team:
    """A case and its current team, loaded for one person of the case's unit."""

    case: Case
    rows: list[TeamMember]

    @property
    def case_id(self) -> int:
        """Return the case's id."""
        return self.case.id or 0

    @property
    def submitted(self) -> bool:
        """Tell whether the case was ever submitted (the team rules tighten then)."""
        return self.case.ever_submitted

    @property
    def members(self) -> list[Member]:
        """Return the team as the rules see it."""
        return domain_members(self.rows)

    def row(self, member_id: int | None) -> TeamMember | None:
        """Return the active member with this row id, if they are on this team."""
        return next((r for r in self.rows if r.id == member_id), None)


async def _load(session: AsyncSession, v: Visit, case_id: int | None) -> Team | None:
    """Return the case's team if the case belongs to the person's unit."""
    case = await team_case(session, case_id=case_id) if case_id else None
    if case is None or v.person.unit_id is None or case.unit_id != v.person.unit_id:
        return None
    return Team(case, await list_members(session, case_id=case.id or 0))


def _employment(contest: Contest) -> dict[str, str]:
    try:
        choices = contest.forms.member.field("employment").choices
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


def _lead_mark(row: TeamMember) -> str:
    return " ★" if row.is_lead else ""


def _view(v: Visit, team: Team, notice: str = "", who: str = "") -> tuple[dict[str, Any], Any]:
    """Return the team view's values and buttons."""
    contest = v.services.contest
    rule = contest.rules.team
    deadline = contest.submission_stage.end
    problems = team_problems(team.members, rule, deadline, zone=contest.zone)
    c = team.case_id
    rows: Rows = [
        [(label("team.member", label=f"{i}. {r.name}{_lead_mark(r)}"), f"team:{c}:m:{r.id}")]
        for i, r in enumerate(team.rows, start=1)
    ]
    has_lead = any(r.is_lead for r in team.rows)
    room = rule.max_members is None or len(team.rows) < rule.max_members
    if not team.submitted and room:
        adds = [] if has_lead else [("team.add_lead", f"team:{c}:addlead")]
        if team.rows:
            adds.append(("team.add", f"team:{c}:add"))
        rows.append(adds)
    rows.append([("team.back_case", f"case:{c}")])
    values = {
        "case": team.case,
        "title": str(team.case.values.get("title") or ""),
        "rows": team.rows,
        "problems": problems,
        "submitted": team.submitted,
        "rule": rule,
        "employment": _employment(contest),
        "deadline": deadline,
        "notice": notice,
        "who": who,
        "contest": contest,
    }
    return values, keyboard(rows)


async def _not_yours(update: Update, context: Context) -> None:
    await answer(update, "team/not_yours_toast.html")
    await reply(update, context, "team/not_yours.html")


async def _refuse(
    update: Update, context: Context, v: Visit, team: Team, problem: Problem, who: str = ""
) -> None:
    await reply(update, context, "team/refused.html", **_refusal(v, team, problem, who))


def _refusal(v: Visit, team: Team, problem: Problem, who: str = "") -> dict[str, Any]:
    return {
        "problem": problem,
        "who": who,
        "submitted": team.submitted,
        "rule": v.services.contest.rules.team,
        "markup": keyboard([[("team.back_team", f"team:{team.case_id}")]]),
    }


# ---- the team and one member -----------------------------------------------------------


async def on_team(update: Update, context: Context) -> None:
    """Routes every team button after re-checking the case and the member."""
    parts = callback_parts(update)
    case_id = int_part(parts, 1)
    action = parts[2] if len(parts) > 2 else ""
    member_id = int_part(parts, 3)
    v = await visit(update, context)
    async with v.services.sessions() as session:
        team = await _load(session, v, case_id)
    if team is None:
        await _not_yours(update, context)
        return
    if action == "":
        await answer(update)
        values, markup = _view(v, team)
        await show(update, context, "team/view.html", markup=markup, **values)
        return
    if action in ("add", "addlead"):
        await _add(update, context, v, team, lead=action == "addlead")
        return
    row = team.row(member_id)
    handler = _MEMBER_ACTIONS.get(action)
    if row is None or handler is None:
        await answer(update, "team/member_gone_toast.html")
        await reply(
            update,
            context,
            "team/member_gone.html",
            markup=keyboard([[("team.back_team", f"team:{team.case_id}")]]),
        )
        return
    await answer(update)
    await handler(update, context, v, team, row)


async def _card(update: Update, context: Context, v: Visit, team: Team, row: TeamMember) -> None:
    c = team.case_id
    rows: Rows = [[("team.edit", f"team:{c}:edit:{row.id}")]]
    if not row.is_lead:
        rows[0].append(("team.set_lead", f"team:{c}:lead:{row.id}"))
    if team.submitted:
        rows.append([("team.replace", f"team:{c}:swap:{row.id}")])
    rows.append([("team.remove", f"team:{c}:rm:{row.id}")])
    rows.append([("team.back_team", f"team:{c}")])
    await show(
        update,
        context,
        "team/member.html",
        markup=keyboard(rows),
        row=row,
        number=team.rows.index(row) + 1,
        submitted=team.submitted,
        rule=v.services.contest.rules.team,
        details=_details(v, row),
    )


async def _add(update: Update, context: Context, v: Visit, team: Team, *, lead: bool) -> None:
    rule = v.services.contest.rules.team
    change = AddMember(Member(name="", employment="staff", is_lead=lead))
    problem = check_change(change, team.members, rule, team.submitted)
    await answer(update)
    if problem is not None:
        await _refuse(update, context, v, team, problem)
        return
    await open_form(update, context, v, MEMBER_FORM, team.case_id * 4 + (ADD_LEAD if lead else ADD))


async def _edit(update: Update, context: Context, v: Visit, team: Team, row: TeamMember) -> None:
    """Opens the member form on the review card of the saved details (empty optional
    fields would otherwise be asked first)."""
    subject = (row.id or 0) * 4 + EDIT
    async with transaction(v.services.sessions) as session:
        initial = await _member_initial(session, v, subject)
        state = engine_for(v, MEMBER_FORM).start(values=initial.get("values")).state
        review = copy(state, cursor=None, pieces=(), draft=(), item_index=0)
        await save_form(
            session,
            person_id=v.person.id or 0,
            form_key=MEMBER_FORM,
            subject_id=subject,
            state=review.to_dict(),
            now=v.now,
        )
    await forms.reask(update, context, v)


async def _swap(update: Update, context: Context, v: Visit, team: Team, row: TeamMember) -> None:
    change = ReplaceMember(row.slot, Member(name="", employment="staff"))
    if await _refused(update, context, v, team, change, row):
        return
    await open_form(update, context, v, MEMBER_FORM, (row.id or 0) * 4 + REPLACE)


async def _lead(update: Update, context: Context, v: Visit, team: Team, row: TeamMember) -> None:
    if await _refused(update, context, v, team, SetLead(row.slot), row):
        return
    async with transaction(v.services.sessions) as session:
        await set_lead(session, case_id=team.case_id, member_id=row.id or 0)
        team.rows = await list_members(session, case_id=team.case_id)
    values, markup = _view(v, team, notice="lead_set", who=row.name)
    await show(update, context, "team/view.html", markup=markup, **values)


async def _ask_remove(
    update: Update, context: Context, v: Visit, team: Team, row: TeamMember
) -> None:
    if await _refused(update, context, v, team, RemoveMember(row.slot), row):
        return
    c = team.case_id
    markup = keyboard(
        [[("team.remove_confirm", f"team:{c}:rmok:{row.id}"), ("team.back_team", f"team:{c}")]]
    )
    await show(
        update,
        context,
        "team/remove_confirm.html",
        markup=markup,
        row=row,
        submitted=team.submitted,
        rule=v.services.contest.rules.team,
    )


async def _remove(update: Update, context: Context, v: Visit, team: Team, row: TeamMember) -> None:
    if await _refused(update, context, v, team, RemoveMember(row.slot), row):
        return
    async with transaction(v.services.sessions) as session:
        await remove_member(session, member_id=row.id or 0)
        team.rows = await list_members(session, case_id=team.case_id)
    values, markup = _view(v, team, notice="removed", who=row.name)
    await show(update, context, "team/view.html", markup=markup, **values)


async def _refused(
    update: Update, context: Context, v: Visit, team: Team, change: Change, row: TeamMember
) -> bool:
    """Tell the person why ``change`` may not be made, if it may not; True if refused."""
    problem = check_change(change, team.members, v.services.contest.rules.team, team.submitted)
    if problem is None:
        return False
    await _refuse(update, context, v, team, problem, row.name)
    return True


_MEMBER_ACTIONS = {
    "m": _card,
    "edit": _edit,
    "swap": _swap,
    "lead": _lead,
    "rm": _ask_remove,
    "rmok": _remove,
}


# ---- the member form -------------------------------------------------------------------


async def _member_initial(session: AsyncSession, v: Visit, subject: int) -> dict[str, Any]:
    target, op = divmod(subject, 4)
    if op == EDIT:
        row = await get_member(session, member_id=target)
        if row is not None and row.active:
            return {"values": form_values(row)}
    return {}


async def _member_confirm(
    session: AsyncSession, v: Visit, subject: int, result: dict[str, Any]
) -> Reply:
    target, op = divmod(subject, 4)
    details = MemberDetails.from_values(result)
    if op in (ADD, ADD_LEAD):
        case_id: int | None = target
    else:
        row = await get_member(session, member_id=target)
        case_id = row.case_id if row is not None else None
    team = await _load(session, v, case_id)
    if team is None:
        return Reply("team/not_yours.html")
    rule = v.services.contest.rules.team
    notice = "added"
    if op in (ADD, ADD_LEAD):
        change: Change = AddMember(details.member(is_lead=op == ADD_LEAD))
        problem = check_change(change, team.members, rule, team.submitted)
        if problem is not None:
            return _refusal_reply(v, team, problem, details.name)
        slot = apply_change(change, team.members, rule, team.submitted)[-1].slot
        await add_member(
            session,
            case_id=team.case_id,
            slot=slot,
            details=details,
            is_lead=op == ADD_LEAD,
            now=v.now,
        )
    else:
        current = team.row(target)
        if current is None:
            back = keyboard([[("team.back_team", f"team:{team.case_id}")]])
            return Reply("team/member_gone.html", actions=back)
        if op == EDIT:
            problem = check_change(
                EditMember(current.slot, details.member()), team.members, rule, team.submitted
            )
            notice = "updated"
            if problem is not None and problem.code is TeamCode.RENAME_AFTER_SUBMISSION:
                details, notice = copy(details, name=current.name), "kept_name"
            elif problem is not None:
                return _refusal_reply(v, team, problem, current.name)
            await update_member(session, member_id=current.id or 0, details=details)
        else:
            change = ReplaceMember(current.slot, details.member())
            problem = check_change(change, team.members, rule, team.submitted)
            if problem is not None:
                return _refusal_reply(v, team, problem, current.name)
            count = current.replaced + 1 if team.submitted else current.replaced
            await replace_member(
                session, member_id=current.id or 0, details=details, replaced=count, now=v.now
            )
            notice = "replaced"
    team.rows = await list_members(session, case_id=team.case_id)
    values, markup = _view(v, team, notice=notice, who=details.name)
    return Reply("team/view.html", values, markup)


def _refusal_reply(v: Visit, team: Team, problem: Problem, who: str) -> Reply:
    values = _refusal(v, team, problem, who)
    markup = values.pop("markup")
    return Reply("team/refused.html", values, markup)


def _member_extras(
    v: Visit, engine: FormEngine, state: FormState, subject: int, _context: Any = None
) -> dict[str, Any]:
    return {"member_mode": MODES[subject % 4]}


FLOW = FormFlow(
    MEMBER_FORM,
    initial=_member_initial,
    on_confirm=_member_confirm,
    extras=_member_extras,
)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Adds the team buttons."""
    register_flow(FLOW)
    app.add_handler(CallbackQueryHandler(on_team, pattern=r"^team:\d+(:[a-z]+(:\d+)?)?$"))
