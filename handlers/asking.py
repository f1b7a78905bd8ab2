"""Who is asking: the small summary of a person's unit that answers about "us" need.

Channel-neutral (no messenger here): the question handlers of every channel call
:func:`asker_for` and pass the result to :func:`contest.asking.ask`. The first call loads
the question matcher's dictionaries (``contest.questions.prepare``, ≈18 MiB and ≈0.25 s of
CPU) in a thread, so a bot nobody asks anything never holds them and its start is shorter.
"""

from __future__ import annotations

import asyncio
import gc
import threading

from contest.questions import Asker, CaseBrief, prepare
from storage.cases import case_briefs
from storage.db import SessionFactory, reading
from storage.models import CaseStatus, Person

_LOADING = threading.Lock()
_LOADED = threading.Event()


def _load_matcher() -> None:
    with _LOADING:  # the first questions wait for one load, not one each
        if not _LOADED.is_set():
            prepare()
            gc.freeze()  # its dictionaries stay: a full collection need not walk them again
            _LOADED.set()


async def matcher_ready() -> None:
    """Load the question matcher's dictionaries in a thread, once (the event loop stays free)."""
    if not _LOADED.is_set():
        await asyncio.to_thread(_load_matcher)


async def asker_for(sessions: SessionFactory, *, person: Person) -> Asker:
    """Return the person's unit's cases, titles and states, for answers about their own work."""
    await matcher_ready()  # the matcher is loaded on the first question
    if person.unit_id is None:
        return Asker()
    async with reading(sessions) as connection:
        briefs = await case_briefs(connection, unit_id=person.unit_id)
    return Asker(
        registered=True,
        cases=tuple(
            CaseBrief(
                title=str(title or ""),
                submitted=status == CaseStatus.SUBMITTED,
                advancing=advancing,
            )
            for title, status, advancing in briefs
        ),
    )
