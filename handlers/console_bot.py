"""Use cases of the organizer commands around the web console, in a chat: /console, /stats,
/export, and from /status a page of units, a unit, and a case (its 说明书 and .docx).

Each checks the organizer right once (:func:`handlers.organizing.organizers_only`), reads in
one transaction and answers an :class:`~handlers.organizing.Answer`; the channel only
parses and renders. /export's files come one at a time (:func:`export_all`), so that the
channel sends each as it is built and shows how far it is. Buttons
(:func:`handlers.actions.console`): ``cons:u:<page>``, ``cons:n:<unit id>``,
``cons:c:<case id>``; their ids are re-read from the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from handlers import actions as ids
from handlers import cases, documents, exports, heavy
from handlers.console import issue_login_link, unit_table, unit_view
from handlers.organizing import Answer, organizers_only
from handlers.replies import Attachment, Reply, actions
from handlers.visits import Visit
from messages import label
from storage.cases import get_case
from storage.db import transaction

EXPORTS = 3  # the files of /export: the units and the cases workbooks, the 说明书 zip
BACK = [("console.units", ids.CONSOLE_UNITS), ("org.home", ids.ORG_HOME)]


def _not_found() -> Answer:
    return Answer([Reply("console_bot/not_found.html")])


@organizers_only()
async def console_link(v: Visit) -> Answer:
    """Make a one-time link into the web console (or say the console is not set up)."""
    base = v.services.settings.console_url
    if base is None:
        return Answer([Reply("console_bot/not_configured.html")])
    link = await issue_login_link(
        sessions=v.services.sessions, who=v.person,
        configured=v.services.is_configured_organizer, now=v.now,
    )  # fmt: skip
    if link is None:
        return Answer()
    url = f"{base}/login?token={link.token}"
    return Answer([Reply("console_bot/link.html", {"url": url, "expires_at": link.expires_at})])


@organizers_only()
async def stats(v: Visit) -> Answer:
    """Sum up the cases by category and status, with the cases-per-day chart."""
    result = await exports.case_stats(
        sessions=v.services.sessions, contest=v.services.contest, now=v.now
    )
    summary = {
        "now": v.now, "lines": result.lines, "units": result.units,
        "units_with_cases": result.units_with_cases,
    }  # fmt: skip
    chart = Attachment(label("console.chart_file"), result.chart, exports.PNG)
    return Answer(
        [
            Reply("console_bot/stats.html", summary),
            Reply("console_bot/chart_caption.html", attachment=chart),
        ]
    )


# The heavy jobs an /export can wait behind (handlers/heavy.py), by name, with their labels
_BEHIND = {
    "_write_batches": "console.behind_reminders",
    "export_units": "console.behind_export",
    "export_cases": "console.behind_export",
    "export_documents": "console.behind_export",
    "export_stage_documents": "console.behind_export",
}


def export_waits_for() -> str | None:
    """Return the label of the heavy job an /export started now waits behind, or None."""
    job = heavy.running()
    return None if job is None else label(_BEHIND.get(job, "console.behind_other"))


async def export_all(
    v: Visit, *, progress: exports.Progress | None = None
) -> AsyncIterator[exports.ExportFile]:
    """Build the files of /export one at a time, each handed over (to be sent and closed)
    before the next is built: the units and the cases workbooks, then the zip of every
    submitted 说明书 (``progress`` is told as its documents are added). Each is audited;
    nothing for anybody but an organizer."""
    if not v.is_organizer:
        return
    sessions, contest, who = v.services.sessions, v.services.contest, v.person.id
    yield await exports.export_units(sessions=sessions, contest=contest, now=v.now, who=who)
    yield await exports.export_cases(sessions=sessions, contest=contest, now=v.now, who=who)
    yield await exports.export_documents(
        sessions=sessions, contest=contest, now=v.now, who=who, progress=progress,
        template=v.services.case_template,
    )  # fmt: skip


@organizers_only()
async def units(v: Visit, *, page: int) -> Answer:
    """Show a page of units, a button each, in place of the pressed message."""
    table = await unit_table(
        sessions=v.services.sessions, contest=v.services.contest, search="", submitter="",
        page=max(page, 1),
    )  # fmt: skip
    rows = [[(_unit_name(r.unit), ids.console("n", r.unit.id or 0))] for r in table.rows]
    shown, pages = table.pages.page, table.pages.pages
    nav = []
    if shown > 1:
        nav.append(("console.back", ids.console("u", shown - 1)))
    if shown < pages:
        nav.append(("console.more", ids.console("u", shown + 1)))
    rows += [nav, [("org.home", ids.ORG_HOME)]]
    values = {"page": shown, "pages": pages, "total": table.pages.total}
    return Answer([Reply("console_bot/units.html", values, actions(rows), in_place=True)])


@organizers_only()
async def unit(v: Visit, *, unit_id: int) -> Answer:
    """Show a unit: its contacts and a button for each of its cases."""
    view = await unit_view(
        sessions=v.services.sessions, contest=v.services.contest, unit_id=unit_id, now=v.now
    )
    if view is None:
        return _not_found()
    rows = [
        [(_case_label(x.row.case.id, x.title), ids.console("c", x.row.case.id or 0))]
        for x in view.lines
    ]
    values = {
        "unit": view.row.unit, "contacts": view.row.contacts, "submitted": view.row.submitted,
        "drafts": view.row.drafts, "lines": view.lines,
    }  # fmt: skip
    return Answer([Reply("console_bot/unit.html", values, actions([*rows, BACK]))])


@organizers_only()
async def case(v: Visit, *, case_id: int) -> Answer:
    """Show any unit's case: its 说明书 as text, then as .docx (its export audited)."""
    services = v.services
    async with transaction(services.sessions) as session:
        found = await get_case(session, case_id=case_id)
        if found is None:
            return _not_found()
        view = await cases.case_view(session, v, found)
        paper = await exports.case_paper(
            session, contest=services.contest, case_id=case_id, now=v.now, who=v.person.id
        )
    replies = documents.preview_replies(v, view)
    if paper is not None:
        file = await exports.paper_file(
            services.contest, paper, template=services.case_template, now=v.now
        )
        docx = Attachment(file.name, file.data, file.mime)
        replies.append(Reply("console_bot/case_file.html", {"file_name": file.name},
                             actions([BACK]), attachment=docx))  # fmt: skip
    return Answer(replies)


def _unit_name(unit: object) -> str:
    name = getattr(unit, "recommending_unit", "") or getattr(unit, "party_org", "")
    return (name or f"#{getattr(unit, 'id', '')}")[:30]


def _case_label(case_id: int | None, title: str) -> str:
    """Return a case button's label: its number and title (cut to fit a button)."""
    shown = title[:20] if title else label("console.untitled")
    return label("console.case", label=f"{case_id} {shown}")
