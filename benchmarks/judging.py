"""Judging at scale: ranking, progress and the score sheet for many cases and judges.

Fills a fresh SQLite file (migrated like the bot's) with N submitted cases in the 2024
contest's three categories, J judges of its text review each assigned every case, and a
confirmed score from every judge on every case; then times the organizer's progress page,
the ranking with a proposal (the trimmed mean), and the score sheet (.xlsx).

    python -m benchmarks.judging --cases 1500 --judges 7
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from config.settings import ROOT
from contest.definition import Ranking, load_contest
from handlers import judging_exports, judging_stage
from handlers.judging_exports import score_sheet_workbook
from handlers.visits import Visit
from storage.db import create_engine, migrate, session_factory, transaction
from storage.judging import progress
from storage.models import Case, Invite, Judge, JudgeAssignment, JudgeScore, Person, Unit


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--judges", type=int, default=7)
    return parser.parse_args(argv)


async def run(cases: int, judges: int) -> None:
    """Fill the database and print the figures."""
    contest = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    stage = contest.stage("review")
    assert stage is not None and stage.judging is not None
    judging = stage.judging.model_copy(update={"ranking": Ranking.TRIMMED_MEAN})
    stages = [s.model_copy(update={"judging": judging}) if s.key == "review" else s
              for s in contest.stages]  # fmt: skip
    contest = contest.model_copy(update={"stages": stages})
    now = datetime(2024, 7, 20, 2, 0, tzinfo=UTC)
    folder = Path(tempfile.mkdtemp())
    engine = create_engine(f"sqlite+aiosqlite:///{folder / 'judging.db'}")
    await migrate(engine)
    sessions = session_factory(engine)
    keys = [c.key for c in contest.categories]
    rng = random.Random(11)
    async with transaction(sessions) as session:
        organizer = Person(is_organizer=True, created_at=now)
        session.add(organizer)
        await session.flush()
        await session.exec(insert(Unit), params=[
            {"party_org": f"单位{n}", "recommending_unit": "", "submitter_key": "city",
             "status": "active", "registered": True, "created_at": now, "extra": {}}
            for n in range(cases // 3 + 1)
        ])  # fmt: skip
        await session.exec(insert(Case), params=[
            {"unit_id": 1 + n // 3, "status": "submitted", "ever_submitted": True,
             "values": {"title": f"案例{n}", "category": keys[n % 3]}, "evidence": {},
             "created_at": now, "updated_at": now, "submitted_at": now}
            for n in range(cases)
        ])  # fmt: skip
        for j in range(judges):
            invite = Invite(code=f"JDG{j:05d}", kind="judge", expires_at=now, created_at=now)
            session.add(invite)
            await session.flush()
            session.add(Judge(stage_key="review", invite_id=invite.id or 0, label=f"评委{j + 1}",
                              categories=keys, person_id=organizer.id, created_at=now))  # fmt: skip
        await session.flush()
        judge_ids = list(range(1, judges + 1))
        await session.exec(insert(JudgeAssignment), params=[
            {"judge_id": j, "case_id": c, "created_at": now}
            for j in judge_ids for c in range(1, cases + 1)
        ])  # fmt: skip
        await session.exec(insert(JudgeScore), params=[
            {"judge_id": j, "case_id": c, "scores": {"score": str(rng.randint(60, 95))},
             "comment": "", "asking": "", "confirmed_at": now, "updated_at": now}
            for j in judge_ids for c in range(1, cases + 1)
        ])  # fmt: skip
    from config.services import Services
    from config.settings import Settings

    services = Services(
        settings=Settings(_env_file=None), contest=contest, clock=None,  # type: ignore[arg-type,call-arg]
        engine=engine, sessions=sessions,
    )  # fmt: skip
    v = Visit(services=services, person=organizer, now=now)
    print(f"{cases} cases × {judges} judges = {cases * judges} scores")
    started = time.perf_counter()
    async with sessions() as session:
        rows = await progress(session, stage_key="review")
    print(f"progress per judge (SQL): {time.perf_counter() - started:.3f} s ({len(rows)} judges)")
    started = time.perf_counter()
    view = await judging_stage.ranking(v, stage_key="review")
    print(f"ranking, trimmed mean: {time.perf_counter() - started:.3f} s ({len(view.rows)} rows)")
    started = time.perf_counter()
    view = await judging_stage.propose(v, stage_key="review")
    chosen = sum(1 for r in view.rows if r.proposed is not None)
    took = time.perf_counter() - started
    print(f"propose top {stage.advance_per_category}/category: {took:.3f} s"
          f" ({chosen} chosen, {len(view.ties)} open ties)")  # fmt: skip
    started = time.perf_counter()
    data = await judging_exports.sheet_data(sessions, contest, "review")
    body = score_sheet_workbook(contest, data)
    print(f"score sheet .xlsx: {time.perf_counter() - started:.3f} s ({len(body) // 1024} KiB)")
    await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(run(args.cases, args.judges))


if __name__ == "__main__":
    main()
