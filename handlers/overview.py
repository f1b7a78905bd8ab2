"""Use cases of the organizers' overview: the console (/organizer) and /status.

``/status`` is one message, whatever the number of units: the totals over the contest, then
one page of units (``PAGE`` of them) under a filter, with buttons for the filters and the
pages that edit the same message in place (``org:st:<filter>:<page>``). The totals and the
page are chosen in SQL (:mod:`storage.status`); what the drafts lack is counted from the
counts stored on the cases; only the page's units are loaded in full, and judged.
"""

from __future__ import annotations

from dataclasses import asdict

from contest.reminders import standing
from contest.schedule import position
from handlers import actions as ids
from handlers.organizing import Answer, organizers_only
from handlers.replies import Reply, actions, label_text
from handlers.visits import Visit
from storage.db import off_loop
from storage.outbox import pending_count
from storage.reports import case_facts, unit_reports
from storage.status import (
    FILTERS,
    count_matching,
    draft_shortfalls,
    status_page,
    status_totals,
)
from storage.units import count_units

PAGE = 10
Rows = list[list[tuple[str, str]]]


def console_rows() -> Rows:
    """Return the console's buttons."""
    return [
        [("org.broadcast", "org:bc"), ("org.status", ids.ORG_STATUS)],
        [("org.results", "org:adv"), ("org.invites", ids.INVITES_HOME)],
        [("org.history", "org:bcl"), ("menu.back", ids.MENU_MAIN)],
        [("judging.org_home", ids.JUDGING_HOME)],
    ]


@organizers_only()
async def home(v: Visit) -> Answer:
    """Show the console: where the contest stands and what an organizer can do."""
    contest = v.services.contest
    async with v.services.sessions() as session:
        totals = await status_totals(session)
        registered = await count_units(session)
        waiting = await pending_count(session)
    values = {
        "contest": contest, "now": v.now, "position": position(contest, v.now),
        "units": registered, "contacts": totals.contacts, "drafts": totals.drafts,
        "submitted": totals.submitted, "unreachable": totals.unreachable, "waiting": waiting,
    }  # fmt: skip
    return Answer([Reply("organizer/home.html", values, actions(console_rows()), in_place=True)])


def _filter_rows(kind: str) -> Rows:
    def button(key: str) -> tuple[str, str]:
        text = label_text(f"status.{key}")
        shown = label_text("status.chosen", label=text) if key == kind else text
        return (shown, ids.status_page(key, 0))

    return [[button(k) for k in FILTERS[:3]], [button(k) for k in FILTERS[3:]]]


@organizers_only()
async def status(v: Visit, *, kind: str = "all", page: int = 0) -> Answer:
    """Show the totals and one page of units under a filter, as one message."""
    kind = kind if kind in FILTERS else "all"
    contest = v.services.contest
    # The totals read every case row: on SQLite, in a worker thread (the loop answers meanwhile).
    with off_loop():
        async with v.services.sessions() as session:
            totals = await status_totals(session)
            short = await draft_shortfalls(session, word_limit=contest.rules.word_limit)
            matched = await count_matching(session, kind=kind)
            pages = max(1, -(-matched // PAGE))
            page = min(max(page, 0), pages - 1)
            unit_ids = await status_page(session, kind=kind, offset=page * PAGE, limit=PAGE)
            reports = await unit_reports(session, unit_ids=unit_ids)
    rows = [(r, standing(contest, case_facts(r), v.now)) for r in reports]
    buttons = _filter_rows(kind)
    nav = []
    if page > 0:
        nav.append(("broadcast.prev", ids.status_page(kind, page - 1)))
    if page + 1 < pages:
        nav.append(("broadcast.next", ids.status_page(kind, page + 1)))
    buttons += [nav, [("console.units", ids.CONSOLE_UNITS), ("org.home", ids.ORG_HOME)]]
    values = {
        "now": v.now,
        "totals": {**asdict(totals), **asdict(short)},
        "rows": rows,
        "kind": kind,
        "matched": matched,
        "page": page + 1,
        "pages": pages,
        "submitters": {s.key: s.name for s in contest.registration.submitters},
        "official": contest.drafting_aid,
    }
    return Answer([Reply("organizer/status_view.html", values, actions(buttons), in_place=True)])
