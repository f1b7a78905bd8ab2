"""The team rules (项目团队): size, lead, eligibility, and changes after submission.

Pure functions, no wording: a problem is a :class:`Problem` (a code from :class:`TeamCode`
and JSON-friendly params) that a template turns into a sentence.

The notice (2024): 每个项目团队人数不超过5人，队员须为在编或者聘用期一年以上的工作人员，
项目的主创者为团队牵头队员; 团队牵头成员不允许变更，其余团队成员因特殊原因需要变更的，
允许更换一次. The numbers come from :class:`~contest.definition.TeamRule`; a number the
notice does not give (None) is no limit: no size cap, no contract check, no replacement cap.

Decisions where the notice is silent:

* Eligibility is judged on the calendar day of the submission deadline in the contest's
  time zone. 聘用 members need ``contract_min_months`` whole calendar months of employment
  on that day; exactly that many is enough (一年以上 includes one year: hired 2023-07-15,
  deadline 2024-07-15 is 12 months, fine; hired 2023-07-16 is 11 months, a problem).
  A monthly anniversary that falls on a day the month lacks moves to the month's last day
  (hired 01-31: one month on 02-28 or 02-29).
* A contract start after the deadline day is its own problem (most likely a typing error).
* Slots: a member's ``slot`` is the place in the team, stable while the person in it is
  replaced; ``replaced`` counts the replacements made after submission.
* Before submission every change is free, except that the team may not grow beyond
  ``max_members`` and a second lead cannot be added (use :class:`SetLead` to move the lead).
  Replacements before submission are not counted. Removing the lead before submission is
  allowed; :func:`team_problems` then reports ``no_lead`` until a lead is set.
* After submission:
    - the lead cannot be changed, removed or replaced (unless ``lead_changeable``; even then
      the lead cannot be removed, a new lead must be set first). Setting a lead on a team
      that has none is not a change of lead and is allowed;
    - a non-lead slot may be replaced at most ``member_replacements`` times;
    - adding a member is refused: the notice allows replacing members, not enlarging the
      team registered with the case; the organizer can make exceptions outside the bot;
    - removing a non-lead member uses that slot's change: it is refused when the slot's
      replacements are used up (removing the replacement would be the slot's second change),
      and the slot is not filled again since members cannot be added;
    - editing a member's details (title, phones, employment, contract start) is free, but
      the name cannot be edited: a different name is a different person, so it goes through
      :class:`ReplaceMember` (a misspelt name is for the organizer to correct). Names are
      compared without whitespace.
* Eligibility is not checked by :func:`check_change` (it needs the deadline); a change that
  makes the team ineligible is allowed and :func:`team_problems` reports the problem.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from contest.definition import TeamRule
from contest.timefmt import BEIJING

Employment = Literal["staff", "contract"]


class TeamCode(StrEnum):
    """What can be wrong with a team or a change to it; params are listed per code."""

    NO_MEMBERS = "no_members"  # {}
    TOO_MANY_MEMBERS = "too_many_members"  # {count, max_members}
    NO_LEAD = "no_lead"  # {}
    SEVERAL_LEADS = "several_leads"  # {count, slots}
    DETAILS_PENDING = "details_pending"  # {slot, name, fields}: member-form keys 待补充
    CONTRACT_START_MISSING = "contract_start_missing"  # {slot, name}
    CONTRACT_START_AFTER_DEADLINE = "contract_start_after_deadline"  # {slot, name, start, on}
    CONTRACT_TOO_SHORT = "contract_too_short"  # {slot, name, start, on, months, required}
    TEAM_FULL = "team_full"  # {max_members}
    LEAD_EXISTS = "lead_exists"  # {slot}
    NO_SUCH_SLOT = "no_such_slot"  # {slot}
    LEAD_FIXED = "lead_fixed"  # {slot}
    LEAD_REQUIRED = "lead_required"  # {slot}
    REPLACEMENTS_USED = "replacements_used"  # {slot, used, allowed}
    ADD_AFTER_SUBMISSION = "add_after_submission"  # {}
    RENAME_AFTER_SUBMISSION = "rename_after_submission"  # {slot}
    LOCKED = "locked"  # {}: the case is locked (a draft after its deadline), so is its team


@dataclass(frozen=True)
class Problem:
    """What is wrong: a code for the template and its parameters (dates as ISO strings)."""

    code: TeamCode
    params: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Member:
    """One team member as far as the team rules care."""

    name: str
    employment: Employment
    contract_start: date | None = None
    is_lead: bool = False
    slot: int = 0
    replaced: int = 0
    pending: tuple[str, ...] = ()  # member-form fields still to complete (a lead from the 说明书)


@dataclass(frozen=True)
class AddMember:
    """Add a person to the team; the slot is assigned by :func:`apply_change`."""

    member: Member


@dataclass(frozen=True)
class RemoveMember:
    """Take the person in ``slot`` off the team."""

    slot: int


@dataclass(frozen=True)
class ReplaceMember:
    """Put another person in ``slot``; the slot keeps its lead flag and its count."""

    slot: int
    member: Member


@dataclass(frozen=True)
class SetLead:
    """Make the person in ``slot`` the team lead (牵头人)."""

    slot: int


@dataclass(frozen=True)
class EditMember:
    """Correct the details of the person in ``slot``: name, employment, contract start.

    The lead flag, slot and replacement count in ``member`` are ignored.
    """

    slot: int
    member: Member


Change = AddMember | RemoveMember | ReplaceMember | SetLead | EditMember


def contract_months(start: date, on: date) -> int:
    """Return the whole calendar months from ``start`` to ``on`` (0 if ``on`` is earlier)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    anniversary = min(start.day, calendar.monthrange(on.year, on.month)[1])
    if on.day < anniversary:
        months -= 1
    return max(months, 0)


def _by_slot(members: Sequence[Member]) -> list[Member]:
    return sorted(members, key=lambda m: m.slot)


def team_problems(
    members: Sequence[Member], rule: TeamRule, deadline: datetime, *, zone: ZoneInfo = BEIJING
) -> list[Problem]:
    """List what keeps the team from being submitted, judged on the deadline's day."""
    if deadline.tzinfo is None:
        raise ValueError("deadline must be timezone-aware")
    if not members:
        return [Problem(TeamCode.NO_MEMBERS)]
    problems: list[Problem] = []
    if rule.max_members is not None and len(members) > rule.max_members:
        problems.append(
            Problem(
                TeamCode.TOO_MANY_MEMBERS, {"count": len(members), "max_members": rule.max_members}
            )
        )
    leads = [m.slot for m in _by_slot(members) if m.is_lead]
    if not leads:
        problems.append(Problem(TeamCode.NO_LEAD))
    elif len(leads) > 1:
        problems.append(Problem(TeamCode.SEVERAL_LEADS, {"count": len(leads), "slots": leads}))
    for member in _by_slot(members):
        if member.pending:
            params = {"slot": member.slot, "name": member.name, "fields": list(member.pending)}
            problems.append(Problem(TeamCode.DETAILS_PENDING, params))
    on = deadline.astimezone(zone).date()
    for member in _by_slot(members):
        if member.employment != "contract" or rule.contract_min_months is None:
            continue
        who: dict[str, object] = {"slot": member.slot, "name": member.name}
        start = member.contract_start
        if start is None:
            problems.append(Problem(TeamCode.CONTRACT_START_MISSING, who))
            continue
        when = {"start": start.isoformat(), "on": on.isoformat()}
        if start > on:
            problems.append(Problem(TeamCode.CONTRACT_START_AFTER_DEADLINE, who | when))
            continue
        months = contract_months(start, on)
        if months < rule.contract_min_months:
            params = who | when | {"months": months, "required": rule.contract_min_months}
            problems.append(Problem(TeamCode.CONTRACT_TOO_SHORT, params))
    return problems


def _member(members: Sequence[Member], slot: int) -> Member | None:
    return next((m for m in members if m.slot == slot), None)


def _lead(members: Sequence[Member]) -> Member | None:
    return next((m for m in _by_slot(members) if m.is_lead), None)


def _squeeze(name: str) -> str:
    return "".join(name.split())


def _slot_change(member: Member, rule: TeamRule) -> Problem | None:
    """Check that a non-lead slot may change once more after submission."""
    if rule.member_replacements is not None and member.replaced >= rule.member_replacements:
        params = {"slot": member.slot, "used": member.replaced, "allowed": rule.member_replacements}
        return Problem(TeamCode.REPLACEMENTS_USED, params)
    return None


def check_change(
    change: Change, members: Sequence[Member], rule: TeamRule, submitted: bool
) -> Problem | None:
    """Tell why ``change`` may not be made to the team, or return None if it may."""
    lead = _lead(members)
    if isinstance(change, AddMember):
        if submitted:
            return Problem(TeamCode.ADD_AFTER_SUBMISSION)
        if rule.max_members is not None and len(members) >= rule.max_members:
            return Problem(TeamCode.TEAM_FULL, {"max_members": rule.max_members})
        if change.member.is_lead and lead is not None:
            return Problem(TeamCode.LEAD_EXISTS, {"slot": lead.slot})
        return None
    target = _member(members, change.slot)
    if target is None:
        return Problem(TeamCode.NO_SUCH_SLOT, {"slot": change.slot})
    if not submitted:
        return None
    slot = {"slot": target.slot}
    if isinstance(change, SetLead):
        if lead is None or target.is_lead or rule.lead_changeable:
            return None
        return Problem(TeamCode.LEAD_FIXED, {"slot": lead.slot})
    if isinstance(change, EditMember):
        if _squeeze(change.member.name) != _squeeze(target.name):
            return Problem(TeamCode.RENAME_AFTER_SUBMISSION, slot)
        return None
    if isinstance(change, RemoveMember):
        if target.is_lead:
            code = TeamCode.LEAD_REQUIRED if rule.lead_changeable else TeamCode.LEAD_FIXED
            return Problem(code, slot)
        return _slot_change(target, rule)
    # ReplaceMember
    if target.is_lead and not rule.lead_changeable:
        return Problem(TeamCode.LEAD_FIXED, slot)
    return _slot_change(target, rule)


def apply_change(
    change: Change, members: Sequence[Member], rule: TeamRule, submitted: bool
) -> list[Member]:
    """Return the team after ``change``, ordered by slot; raise ValueError if it is refused."""
    problem = check_change(change, members, rule, submitted)
    if problem is not None:
        raise ValueError(f"change refused: {problem.code}")
    team = _by_slot(members)
    if isinstance(change, AddMember):
        slot = max((m.slot for m in team), default=0) + 1
        return [*team, replace(change.member, slot=slot, replaced=0)]
    if isinstance(change, RemoveMember):
        return [m for m in team if m.slot != change.slot]
    if isinstance(change, SetLead):
        return [replace(m, is_lead=m.slot == change.slot) for m in team]
    result = []
    for m in team:
        if m.slot != change.slot:
            result.append(m)
        elif isinstance(change, ReplaceMember):
            count = m.replaced + 1 if submitted else m.replaced
            result.append(replace(change.member, slot=m.slot, is_lead=m.is_lead, replaced=count))
        else:
            new = change.member
            result.append(
                replace(
                    m, name=new.name, employment=new.employment, contract_start=new.contract_start
                )
            )
    return result
