"""The exports read their rows a batch at a time and write them to a temporary file.

The batch is set to two rows here, so every export crosses several keyset pages: each row
must come out once, in order, with its unit and team, and the counts must add up.
"""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from contest.definition import load_contest
from handlers import exports
from storage.cases import STAGE_CLOSE
from storage.db import create_engine, migrate, session_factory, transaction
from storage.models import Case, CaseRevision, CaseStatus, Person, TeamMember, Unit
from tests.conftest import CONTESTS
from tests.db import database_url, wipe

pytestmark = pytest.mark.database
NOW = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
UNITS = 5
CASES = 7  # case n belongs to unit n % UNITS + 1; the even ones are submitted


@pytest.fixture
async def sessions(tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()


async def _seed(sessions, contest) -> None:
    categories = [c.key for c in contest.categories]
    async with transaction(sessions) as session:
        units = [
            Unit(party_org=f"中共第{n}党支部", recommending_unit=f"第{n}局")
            for n in range(1, UNITS + 1)
        ]
        session.add_all(units)
        await session.flush()
        for unit in units[:-1]:  # the last unit has no contact person
            session.add(Person(unit_id=unit.id, name=f"联系人{unit.id}", mobile="13800138000"))
        session.add(Person(unit_id=units[0].id, name="第二联系人", mobile="13900139000"))
        for n in range(CASES):
            submitted = n % 2 == 0
            case = Case(
                unit_id=units[n % UNITS].id or 0,
                status=CaseStatus.SUBMITTED if submitted else CaseStatus.DRAFT,
                values={"category": categories[n % len(categories)], "title": f"第{n}号案例"},
                submitted_at=NOW if submitted else None,
            )
            session.add(case)
            await session.flush()
            session.add(TeamMember(case_id=case.id or 0, slot=1, name=f"成员{n}", is_lead=True))
            if submitted:
                session.add(
                    CaseRevision(
                        case_id=case.id or 0, number=1, reason=STAGE_CLOSE,
                        stage_key="submission", values=case.values,
                    )
                )  # fmt: skip


def _rows(file: exports.ExportFile) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(file.read()))
    return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}


async def test_units_come_out_once_each_across_the_batches(sessions, contest):
    await _seed(sessions, contest)
    file = await exports.export_units(sessions=sessions, contest=contest, now=NOW, who=None)
    assert not isinstance(file.data, bytes)  # a temporary file, streamed by the sender
    (rows,) = _rows(file).values()
    file.close()
    assert file.count == UNITS
    body = rows[1:]
    assert [r[0] for r in body] == [1, 1, 2, 3, 4, 5]  # two contacts, then one row each
    assert [r[7] for r in body] == ["联系人1", "第二联系人", "联系人2", "联系人3", "联系人4", None]
    assert [(r[4], r[5]) for r in body if r[0] == 1] == [(1, 1), (1, 1)]  # drafts, submitted


async def test_cases_come_out_once_each_on_their_sheets_with_the_summary(sessions, contest):
    await _seed(sessions, contest)
    file = await exports.export_cases(sessions=sessions, contest=contest, now=NOW, who=None)
    sheets = _rows(file)
    file.close()
    assert file.count == CASES
    assert list(sheets) == ["汇总", *(exports._safe(c.name) for c in contest.categories)]
    ids = sorted(row[0] for name, rows in sheets.items() if name != "汇总" for row in rows[1:])
    assert ids == list(range(1, CASES + 1))
    assert sheets["汇总"][-1] == ("合计", 3, 4, CASES)
    first = contest.categories[0]
    tally = sheets["汇总"][1]
    assert tally[0] == first.name and tally[3] == len(sheets[exports._safe(first.name)]) - 1
    head = sheets[exports._safe(first.name)][0]
    row = sheets[exports._safe(first.name)][1]
    assert row[head.index("团队成员")].startswith("成员0")
    assert row[head.index("参赛单位")] == "第1局"


async def test_the_documents_zip_holds_every_submitted_case_once(sessions, contest):
    await _seed(sessions, contest)
    seen: list[tuple[int, int]] = []
    file = await exports.export_documents(
        sessions=sessions, contest=contest, now=NOW, who=None,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    names = zipfile.ZipFile(io.BytesIO(file.read())).namelist()
    file.close()
    assert file.count == 4
    assert sorted(n.split("-")[-1] for n in names) == [f"第{n}号案例.docx" for n in (0, 2, 4, 6)]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


async def test_the_stage_copies_zip_holds_every_copy_once(sessions, contest):
    await _seed(sessions, contest)
    file = await exports.export_stage_documents(
        sessions=sessions, contest=contest, stage_key="submission", now=NOW, who=None
    )
    assert file is not None
    names = zipfile.ZipFile(io.BytesIO(file.read())).namelist()
    file.close()
    assert sorted(n.split("-")[-1] for n in names) == [f"第{n}号案例.docx" for n in (0, 2, 4, 6)]


async def test_every_batch_is_written_in_the_one_export_thread(sessions, contest, monkeypatch):
    """Without the export process (EXPORT_IN_PROCESS=0), every batch goes to one thread."""
    monkeypatch.setattr(exports.export_process, "IN_PROCESS", False)
    await _seed(sessions, contest)
    threads: list[str] = []

    def noting(add):
        def add_noted(self, rows):
            threads.append(threading.current_thread().name)
            return add(self, rows)

        return add_noted

    for book in (exports.UnitsBook, exports.CasesBook, exports.DocumentsZip):
        monkeypatch.setattr(book, "add", noting(book.add))
    for export in (exports.export_units, exports.export_cases, exports.export_documents):
        (await export(sessions=sessions, contest=contest, now=NOW, who=None)).close()
    assert len(threads) == 3 + 4 + 2  # batches of two: 5 units, 7 cases, 4 submitted
    assert len(set(threads)) == 1 and threads[0].startswith("export")


@pytest.mark.parametrize("contest_file", ["jianbing-2024.toml", "donghu-2026.toml"])
async def test_the_export_process_and_the_export_thread_write_the_same_files(
    sessions, contest_file, monkeypatch
):
    """The builders in the export process write what they write in the export thread, in
    the contest's own words (donghu's 负责人 where the default says 牵头人)."""
    contest = load_contest(CONTESTS / contest_file)
    await _seed(sessions, contest)
    async with transaction(sessions) as session:  # a draft whose team has no lead yet
        values = {"category": contest.categories[0].key, "title": "无人牵头"}
        case = Case(unit_id=1, status=CaseStatus.DRAFT, values=values)
        session.add(case)
        await session.flush()
        session.add(TeamMember(case_id=case.id or 0, slot=1, name="成员", is_lead=False))

    async def everything() -> list[object]:
        files = [
            await export(sessions=sessions, contest=contest, now=NOW, who=None)
            for export in (exports.export_units, exports.export_cases, exports.export_documents)
        ]
        units, cases, documents = (f.read() for f in files)
        for f in files:
            f.close()
        books = [
            [[c.value for c in row] for sheet in load_workbook(io.BytesIO(b)) for row in sheet]
            for b in (units, cases)
        ]
        archive = zipfile.ZipFile(io.BytesIO(documents))
        texts = {n: len(archive.read(n)) > 0 for n in archive.namelist()}
        return [*books, texts, [f.count for f in files]]

    monkeypatch.setattr(exports.export_process, "IN_PROCESS", True)
    in_process = await everything()
    monkeypatch.setattr(exports.export_process, "IN_PROCESS", False)
    assert in_process == await everything()
    assert in_process[-1] == [5, 8, 4]
    assert f"还没有指定{contest.words.lead}" in repr(in_process[1])
