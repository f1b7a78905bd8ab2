"""The units workbook carries the fields a contest file adds to the unit and contact forms."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from contest.definition import load_contest
from handlers.exports import units_workbook
from storage.models import Person, Unit
from storage.unit_table import UnitRow
from tests.conftest import CONTESTS

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
