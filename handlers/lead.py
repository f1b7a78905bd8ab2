"""Use cases that keep the case document and its sources in step: the team lead, the unit.

Shared by the case flows (a typed answer, the review's confirm, an imported .docx), the team
flows (a lead added, corrected, replaced or set) and the unit form. Which fields link to
what is :mod:`contest.lead` (the case form's ``prefill`` markers); this module loads, asks
those rules, and stores through :mod:`storage.lead`.

- The team follows the document: when the document's 牵头人 fields change, the team's lead
  takes them, or the team gets a lead (a member marked lead) if it had none. The fields the
  member form requires that the document does not give stay pending (待补充).
- The document follows the team and the unit: a draft's linked fields take the new value
  where they are empty or still show the old one, in the stored text and in every saved
  state of the case form (so a form resumed later neither asks for it nor writes the old
  value back). A value typed otherwise stays.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel.ext.asyncio.session import AsyncSession

from contest.forms import FormEngine, FormState
from contest.lead import LEAD, UNIT, following, lead_changes, pending
from contest.team import AddMember, EditMember, Member, SetLead, apply_change, check_change
from handlers.visits import Visit
from storage.cases import list_cases, save_values
from storage.lead import (
    add_lead_from_document,
    form_states,
    set_state,
    update_lead_from_document,
)
from storage.models import Case, CaseStatus, TeamMember, Unit
from storage.team import domain_members, form_values, list_members, set_lead

CASE_FORM = "case"


def lead_values(row: TeamMember | None) -> dict[str, object]:
    """Return the team lead's details by member-form key (empty for no lead)."""
    return dict(form_values(row)) if row is not None else {}


def unit_values(unit: Unit | None) -> dict[str, object]:
    """Return a unit's details by unit-form key, as the case form's prefill reads them."""
    if unit is None:
        return {}
    return {
        **(unit.extra or {}),
        "party_org": unit.party_org,
        "recommending_unit": unit.recommending_unit,
    }


async def team_follows_document(
    session: AsyncSession, v: Visit, case: Case, before: Mapping[str, object]
) -> None:
    """Give the team's lead what the document's 牵头人 fields changed to (or a lead at all)."""
    contest = v.services.contest
    changes = lead_changes(contest, before, case.values)
    if not changes:
        return  # most answers: no query at all
    case_id = case.id or 0
    rows = await list_members(session, case_id=case_id)  # one query: the lead among them
    lead = next((r for r in rows if r.is_lead), None)
    rule = contest.rules.team
    name = changes.get("name")
    if lead is not None and (not name or name == lead.name):
        await _update(session, v, lead, changes)
        return
    if not name:
        return  # a lead needs a name; the other fields wait for it
    members = domain_members(rows)
    other = next((r for r in rows if r.name == name and not r.is_lead), None)
    if (
        other is not None
        and check_change(SetLead(other.slot), members, rule, case.ever_submitted) is None
    ):
        # The document names another member: they become the lead. Of the document's other
        # lead fields, only what differs from the old lead's details is theirs (a resumed form
        # carries the old lead's values in the same save as the name).
        before = lead_values(lead)
        await set_lead(session, case_id=case_id, member_id=other.id or 0)
        own = {k: x for k, x in changes.items() if k != "name" and x != before.get(k)}
        await _update(session, v, other, own)
        await document_follows_team(session, v, case, before, other)
        return
    if other is not None:
        return  # that member may not lead now: the team view says what keeps them
    if lead is not None:
        renamed = EditMember(lead.slot, Member(name=str(name), employment="staff"))
        if check_change(renamed, members, rule, case.ever_submitted) is not None:
            return  # the rules keep the name; the other fields are another person's
        await _update(session, v, lead, changes)
        return
    added = AddMember(Member(name=str(changes["name"]), employment="staff", is_lead=True))
    if check_change(added, members, rule, case.ever_submitted) is not None:
        return  # e.g. the team is full: the team view says what keeps it from the rules
    slot = apply_change(added, members, rule, case.ever_submitted)[-1].slot
    await add_lead_from_document(
        session,
        case_id=case_id,
        slot=slot,
        values=changes,
        pending=pending(contest, changes),
        now=v.now,
    )


async def _update(
    session: AsyncSession, v: Visit, row: TeamMember, changes: Mapping[str, object]
) -> None:
    """Give a member the document's lead fields; what is still missing stays pending."""
    if changes:
        after = {**lead_values(row), **changes}
        pending_now = pending(v.services.contest, after)
        await update_lead_from_document(session, row=row, values=changes, pending=pending_now)


async def document_follows_team(
    session: AsyncSession,
    v: Visit,
    case: Case,
    before: Mapping[str, object] | None,
    after: TeamMember | None,
) -> None:
    """Bring a draft's 牵头人 fields in step with the team's lead after it changed."""
    if case.status != CaseStatus.DRAFT:
        return  # a submitted text changes only when it is withdrawn and edited
    changes = following(v.services.contest, LEAD, before, lead_values(after), case.values)
    await _set(session, v, case, changes)


async def documents_follow_unit(
    session: AsyncSession, v: Visit, unit_id: int, before: Mapping[str, object], unit: Unit
) -> None:
    """Bring the unit's drafts in step with the unit form just confirmed (推荐单位 …)."""
    after = unit_values(unit)
    for case in await list_cases(session, unit_id=unit_id):
        if case.status == CaseStatus.DRAFT:
            changes = following(v.services.contest, UNIT, before, after, case.values)
            await _set(session, v, case, changes)


async def _set(session: AsyncSession, v: Visit, case: Case, changes: Mapping[str, object]) -> None:
    """Store values set outside the form in the case and in its saved form states."""
    if not changes:
        return
    contest = v.services.contest
    today = v.now.astimezone(contest.zone).date()
    engine = FormEngine(contest, CASE_FORM, today=today)
    old = dict(case.values)
    values = engine.follow(FormState(CASE_FORM, values=old), changes).values
    await save_values(session, case=case, values=values, now=v.now, contest=contest)
    for progress in await form_states(session, form_key=CASE_FORM, subject_id=case.id or 0):
        if not progress.state:
            continue
        state = FormState.from_dict(progress.state)
        # A saved state takes only what it shows as the case did: never over its own typing.
        same = {k: x for k, x in changes.items() if state.values.get(k) in (None, "", old.get(k))}
        followed = engine.follow(state, same)
        if followed != state:
            set_state(session, progress, followed.to_dict())
