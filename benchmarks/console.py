"""Benchmark: the organizers' console and exports on a big contest.

Fills a fresh SQLite file (migrated like the bot's) with N units (one contact each) and M
cases (a third submitted, each with a two-person team and its submission copy, and a copy
taken at the submission deadline), then times what an organizer waits for: rendering the
case table page (the first page, a filtered page, the last page), each export (units
.xlsx, cases .xlsx, the zip of submitted .docx, the zip of the deadline copies) and the
/stats chart. Prints each time and the process's peak resident memory (VmHWM).

    python -m benchmarks.console                      # 1,500 units, 5,000 cases
    python -m benchmarks.console --units 69 --cases 533 --submitted 1.0
    python -m benchmarks.console --sample 300         # the per-case exports on 300 cases

Building the cases workbook (every case judged: 字数, gaps, restricted words) and the
.docx zips takes time per case; ``--sample N`` builds those three over N cases only and
prints the time per case and the projection to all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from config.settings import ROOT
from contest.definition import load_contest
from handlers import console as use
from handlers import exports
from messages.pages import render_page
from storage.db import create_engine, migrate, session_factory, transaction
from storage.models import Account, Case, CaseRevision, Person, TeamMember, Unit

CONTEST = Path(__file__).resolve().parent.parent / "contests" / "jianbing-2024.toml"
NOW = datetime(2024, 7, 10, 2, 0, tzinfo=UTC)
SENTENCE = "我局坚持问题导向，梳理群众办事堵点，推动跨部门数据共享，实现高频事项一次办结。"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1500)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--submitted", type=float, default=1 / 3, help="share submitted")
    parser.add_argument(
        "--sample", type=int, default=0, help="per-case exports over this many cases (0: all)"
    )
    return parser.parse_args(argv)


def peak_rss_mib() -> float:
    """Return the process's peak resident set size (VmHWM) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def case_values(number: int, unit: str, category: str) -> dict[str, Any]:
    """Return a full case of about 1,500 字."""
    return {
        "category": category, "recommending_unit": unit, "title": f"第{number}号创新案例",
        "lead_name": "李四", "lead_title": "二级主任科员", "lead_office_phone": "0755-88134324",
        "lead_mobile": "13900001111", "contact_name": "张三", "contact_title": "副主任",
        "contact_office_phone": "0755-88134325", "contact_mobile": "13800138000",
        "background": SENTENCE * 12, "innovations": [SENTENCE * 4] * 3,
        "results": [SENTENCE * 4] * 3, "reentered": False,
    }  # fmt: skip


async def fill(sessions: Any, args: argparse.Namespace, categories: list[str]) -> None:
    """Write the units, contacts, cases, teams and copies with bulk inserts."""
    rng = random.Random(7)
    async with transaction(sessions) as session:
        connection = await session.connection()
        await connection.execute(
            insert(Unit),
            [
                {"party_org": f"中共深圳市第{n}局机关委员会", "recommending_unit": f"深圳市第{n}局",
                 "submitter_key": "", "status": "active", "registered": True, "created_at": NOW}
                for n in range(1, args.units + 1)
            ],
        )  # fmt: skip
        await connection.execute(
            insert(Person),
            [
                {"id": n, "display_name": f"联系人{n}", "unit_id": n, "name": f"联系人{n}",
                 "title": "科员", "office_phone": "0755-1",
                 "mobile": "13800000000", "profile_done": True, "is_organizer": False,
                 "reminders_muted": False, "unreachable": False, "created_at": NOW}
                for n in range(1, args.units + 1)
            ],
        )  # fmt: skip
        await connection.execute(
            insert(Account),
            [
                {"person_id": n, "channel": "telegram", "external_id": str(10_000 + n),
                 "chat_id": str(10_000 + n), "created_at": NOW}
                for n in range(1, args.units + 1)
            ],
        )  # fmt: skip
        cases, members, copies = [], [], []
        for n in range(1, args.cases + 1):
            unit = rng.randint(1, args.units)
            submitted = rng.random() < args.submitted
            created = NOW - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 1440))
            values = case_values(n, f"深圳市第{unit}局", rng.choice(categories))
            cases.append({
                "id": n, "unit_id": unit, "status": "submitted" if submitted else "draft",
                "values": values, "evidence": {}, "ever_submitted": submitted,
                "submitted_at": created + timedelta(days=1) if submitted else None,
                "created_at": created, "updated_at": created,
            })  # fmt: skip
            for slot in (1, 2):
                members.append({
                    "case_id": n, "slot": slot, "name": f"成员{slot}", "title": "科员",
                    "office_phone": "", "mobile": "13800000000", "employment": "staff",
                    "is_lead": slot == 1, "replaced": 0, "active": True, "created_at": created,
                })  # fmt: skip
            if submitted:
                for number, reason in ((1, "submission"), (2, "stage_close")):
                    copies.append({
                        "case_id": n, "number": number, "reason": reason,
                        "stage_key": "submission" if reason == "stage_close" else "",
                        "values": values, "evidence": {}, "created_at": created,
                    })  # fmt: skip
        for table, rows in ((Case, cases), (TeamMember, members), (CaseRevision, copies)):
            connection = await session.connection()
            for start in range(0, len(rows), 2000):
                await connection.execute(insert(table), rows[start : start + 2000])


async def timed(
    label: str, action: Callable[[], Awaitable[Any]], *, full: int | None = None
) -> Any:
    """Run ``action`` once and print how long it took (and the projection to ``full`` rows)."""
    start = time.perf_counter()
    result = await action()
    elapsed = time.perf_counter() - start
    extra = ""
    if isinstance(result, exports.ExportFile):
        extra = f"  {result.count} rows, {len(result.read()) / 1024 / 1024:.1f} MiB"
        if full and result.count and full > result.count:
            per = elapsed / result.count
            extra += f", {per * 1000:.0f} ms/row → {full} rows ≈ {per * full:.0f} s"
    print(f"{label:<36} {elapsed * 1000:8.0f} ms{extra}", flush=True)
    return result


def cap(sample: int) -> None:
    """Make the per-case exports stop after the first ``sample`` cases."""
    cases_after, copies_after = exports.cases_after, exports.stage_copies_after
    exports.BATCH = sample  # one batch each, then the next read gives nothing

    async def some_cases(session: Any, **kwargs: Any) -> Any:
        return [] if kwargs["after"] else await cases_after(session, **kwargs)

    async def some_copies(session: Any, **kwargs: Any) -> Any:
        return [] if kwargs["after"] != (0, 0) else await copies_after(session, **kwargs)

    exports.cases_after = some_cases  # type: ignore[assignment]
    exports.stage_copies_after = some_copies  # type: ignore[assignment]


async def run(args: argparse.Namespace) -> None:
    """Fill the database and time every page and export."""
    contest = load_contest(CONTEST)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+aiosqlite:///{folder}/bench.db")
        await migrate(engine)
        sessions = session_factory(engine)
        start = time.perf_counter()
        await fill(sessions, args, [c.key for c in contest.categories])
        print(f"filled {args.units} units, {args.cases} cases in "
              f"{time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip

        async def page(where: Any, number: int = 1) -> Any:
            table = await use.case_table(
                sessions=sessions, contest=contest, where=where, page=number, now=NOW
            )
            return render_page(
                "cases.j2", table=table, query="", base="/console", signed=None,
                contest=contest, now=NOW,
            )  # fmt: skip

        everything, filtered = (
            use.case_filter(),
            use.case_filter(category="empowerment", status="draft", sort="-submitted"),
        )
        await timed("case table, page 1", lambda: page(everything))
        await timed("case table, 党建赋能 drafts, sorted", lambda: page(filtered))
        await timed("case table, last page", lambda: page(everything, 10_000))
        await timed("units table, page 1", lambda: use.unit_table(
            sessions=sessions, contest=contest, search="", submitter="", page=1))  # fmt: skip
        values = {"sessions": sessions, "contest": contest, "now": NOW, "who": None}
        template = (ROOT / "contest" / "templates" / "case.docx").read_bytes()
        for label in ("overview + chart (/stats), first", "overview + chart (/stats), again"):
            await timed(label, lambda: exports.case_stats(
                sessions=sessions, contest=contest, now=NOW))  # fmt: skip
        await timed("export units .xlsx", lambda: exports.export_units(**values))
        submitted = round(args.cases * args.submitted)
        if args.sample:
            cap(args.sample)
        await timed("export cases .xlsx", lambda: exports.export_cases(**values), full=args.cases)
        await timed(
            "export submitted .docx zip",
            lambda: exports.export_documents(template=template, **values),
            full=submitted,
        )  # fmt: skip
        await timed("export deadline copies .docx zip", lambda: exports.export_stage_documents(
            stage_key="submission", template=template, **values), full=submitted)  # fmt: skip
        await engine.dispose()
    print(f"peak resident memory (VmHWM)           {peak_rss_mib():9.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
