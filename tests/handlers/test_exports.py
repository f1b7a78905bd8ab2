"""The workbooks carry the fields a contest file adds to the unit, contact and member forms."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from contest.definition import load_contest
from handlers import exports
from handlers.exports import cases_workbook, units_workbook
from storage.case_table import CaseRow
from storage.models import Case, Person, TeamMember, Unit
from storage.unit_table import UnitRow
from tests.conftest import CONTESTS, ROOT

OTHER_CITY = load_contest(CONTESTS / "donghu-2026.toml")


def test_added_unit_and_contact_fields_are_columns_with_their_labels():
    unit = Unit(
        id=7,
        party_org="中共某某街道工作委员会",
        submitter_key=OTHER_CITY.registration.submitters[0].key,
        extra={"unit_type": "town", "party_members": "36"},
    )
    contact = Person(id=3, name="王五", title="组织委员", extra={"wecom": "wangwu"})
    book = load_workbook(io.BytesIO(units_workbook(OTHER_CITY, [UnitRow(unit, [contact])])))
    head, row = [[cell.value for cell in line] for line in book.active.iter_rows()]
    cells = dict(zip(head, row, strict=True))
    assert cells["单位类型"] == "镇街"  # a choice's label, not its key
    assert cells["党员人数"] == "36"
    contact_label = OTHER_CITY.forms.contact.field("wecom").label
    assert cells[contact_label] == "wangwu" and cells["联系人"] == "王五"


def test_added_member_fields_are_in_the_cases_workbook_team_column():
    unit = Unit(id=7, party_org="中共某某街道工作委员会", recommending_unit="柳湾街道")
    case = Case(id=11, unit_id=7, values={"category": "livelihood", "title": "红色驿站进小区"})
    lead = TeamMember(
        id=1, case_id=11, slot=1, name="赵六", is_lead=True,
        extra={"political_status": "party", "duty": "方案策划"},
    )  # fmt: skip
    member = TeamMember(id=2, case_id=11, slot=2, name="钱七", extra={"duty": "拍摄"})
    now = datetime(2026, 4, 10, 10, 0, tzinfo=UTC)
    data = cases_workbook(OTHER_CITY, [CaseRow(case, unit, [lead, member])], now)
    sheet = load_workbook(io.BytesIO(data))["服务民生"]
    head, row = [[cell.value for cell in line] for line in sheet.iter_rows()]
    team = dict(zip(head, row, strict=True))["团队成员"]
    assert team == "赵六（负责人；政治面貌：中共党员；项目分工：方案策划）、钱七（项目分工：拍摄）"
    assert "在编" not in team  # this member form asks no employment


def test_shenzhen_team_column_keeps_the_employment():
    contest = load_contest(CONTESTS / "jianbing-2024.toml")
    unit = Unit(id=7, party_org="中共深圳市某某局机关委员会")
    case = Case(id=11, unit_id=7, values={"category": "conduct"})
    lead = TeamMember(id=1, case_id=11, slot=1, name="李四", is_lead=True, employment="staff")
    now = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    data = cases_workbook(contest, [CaseRow(case, unit, [lead])], now)
    sheet = load_workbook(io.BytesIO(data))["正风增效"]
    head, row = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert dict(zip(head, row, strict=True))["团队成员"] == "李四（牵头队员；在编）"


def test_where_the_bot_only_drafts_the_cases_workbook_has_the_official_mark():
    contest = load_contest(CONTESTS / "jianbing-2024.toml")
    unit = Unit(id=7, party_org="中共深圳市某某局机关委员会")
    now = datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
    cases = [
        Case(id=11, unit_id=7, status="submitted", values={"category": "conduct"}),
        Case(id=12, unit_id=7, status="submitted", official_at=now, values={"category": "conduct"}),
        Case(id=13, unit_id=7, values={"category": "conduct"}),
    ]
    data = cases_workbook(contest, [CaseRow(c, unit, []) for c in cases], now)
    head, *rows = [
        [c.value for c in line] for line in load_workbook(io.BytesIO(data))["正风增效"].iter_rows()
    ]
    marks = [dict(zip(head, row, strict=True))["官网提交"] for row in rows]
    assert marks == ["待提交", "2024年7月1日（周一）10:00", None]
    # Where the bot is the official channel, there is no such column.
    data = cases_workbook(OTHER_CITY, [], now)
    head = [c.value for c in load_workbook(io.BytesIO(data))["服务民生"][1]]
    assert [h for h in head if "提交" in str(h)] == ["提交时间"]


def _run(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter (nothing imported yet) and return its words."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.split()


def test_the_export_libraries_are_out_of_the_collectors_sight_once_imported():
    code = (
        "import gc, sys; from datetime import UTC, datetime; "
        "from handlers.exports import Paper, documents_zip, units_workbook; "
        "from contest.definition import load_contest; from tests.conftest import CONTESTS; "
        "contest = load_contest(CONTESTS / 'donghu-2026.toml'); units_workbook(contest, []); "
        "documents_zip(contest, [Paper('a', 'b', 'c', {})], None, now=datetime.now(UTC)); "
        "watched = {id(o) for o in gc.get_objects()}; "
        "print(*(id(vars(sys.modules[m])) in watched "
        "for m in ('openpyxl.workbook.workbook', 'docx.document')))"
    )
    assert _run(code) == ["False", "False"]


def test_openpyxl_is_imported_without_numpy_and_pillow_which_load_later_as_usual():
    code = (
        "import sys; from handlers.exports import load_openpyxl, units_workbook; "
        "from contest.definition import load_contest; from tests.conftest import CONTESTS; "
        "units_workbook(load_contest(CONTESTS / 'donghu-2026.toml'), []); "
        "print(*(name in sys.modules for name in ('openpyxl', 'numpy', 'PIL'))); "
        "import numpy, PIL.Image; print('later')"
    )
    assert _run(code) == ["True", "False", "False", "later"]


def test_numpy_and_pillow_are_hidden_from_the_importing_thread_only():
    hidden = exports._HiddenFrom(exports.OPENPYXL_UNNEEDED, threading.get_ident())
    with pytest.raises(ModuleNotFoundError):
        hidden.find_spec("numpy.core")
    assert hidden.find_spec("lxml") is None
    elsewhere: list[object] = []
    other = threading.Thread(target=lambda: elsewhere.append(hidden.find_spec("PIL")))
    other.start()
    other.join()
    assert elsewhere == [None]  # another thread's import goes on to the real finders
