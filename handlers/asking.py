"""Who is asking: the small summary of a person's unit that answers about "us" need.

Channel-neutral (no messenger here): the question handlers of every channel call
:func:`asker_for` and pass the result to :func:`contest.asking.ask`.
"""

from __future__ import annotations

from contest.questions import Asker, CaseBrief
from storage.cases import advancing_ids, list_cases
from storage.db import SessionFactory, transaction
from storage.models import CaseStatus, Person


async def asker_for(sessions: SessionFactory, *, person: Person) -> Asker:
    """Return the person's unit's cases, titles and states, for answers about their own work."""
    if person.unit_id is None:
        return Asker()
    async with transaction(sessions) as session:
        cases = await list_cases(session, unit_id=person.unit_id)
        advancing = await advancing_ids(session, case_ids=[c.id for c in cases if c.id is not None])
    return Asker(
        registered=True,
        cases=tuple(
            CaseBrief(
                title=str(case.values.get("title") or ""),
                submitted=case.status == CaseStatus.SUBMITTED,
                advancing=case.id in advancing,
            )
            for case in cases
        ),
    )
