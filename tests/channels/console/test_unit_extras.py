"""A unit's console page shows the fields the contest file adds to the unit and contact forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from contest.definition import load_contest
from handlers.console import unit_view_of
from messages.pages import render_page
from storage.models import Person, Unit
from storage.unit_table import UnitRow
from tests.conftest import CONTESTS

OTHER_CITY = load_contest(CONTESTS / "donghu-2026.toml")
NOW = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)


def _page(contest, row) -> str:
    view = unit_view_of(contest, row, [])
    return render_page("unit.j2", view=view, contest=contest, base="/console", signed=None, now=NOW)


def test_added_unit_and_contact_fields_are_on_the_unit_page():
    unit = Unit(
        id=7, party_org="中共柳湾街道工作委员会", registered=True,
        submitter_key=OTHER_CITY.registration.submitters[2].key,
        extra={"unit_type": "town", "party_members": "36"},
    )  # fmt: skip
    contact = Person(id=3, unit_id=7, name="王五", title="组织委员", extra={"wecom": "wangwu"})
    html = _page(OTHER_CITY, UnitRow(unit, [contact]))
    assert "单位类型：镇街" in html and "党员人数：36" in html  # a choice's label, not its key
    assert "<th>企业微信号</th>" in html and "<td>wangwu</td>" in html
    assert "<h2>项目</h2>" in html  # the contest's own word for an entry
    assert "town" not in re.sub(r"<[^>]+>", "", html)


def test_a_contest_without_added_fields_shows_none():
    contest = load_contest(CONTESTS / "jianbing-2024.toml")
    unit = Unit(id=7, party_org="中共深圳市某某局机关委员会", recommending_unit="深圳市某某局")
    html = _page(contest, UnitRow(unit, [Person(id=3, unit_id=7, name="王五")]))
    assert 'id="unit-extras"' not in html and "<h2>案例</h2>" in html
