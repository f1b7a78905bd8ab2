"""The contest file as a contract: roles checked at load, optional rules, `python -m contest`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel

from contest.__main__ import main
from contest.check import choice_callback, warnings_for
from contest.definition import Contest, ContestFileError, load_contest, parse_contest
from contest.lifecycle import barred_prize
from tests.other_city import OTHER_CITY

CONTESTS = Path(__file__).resolve().parents[2] / "contests"
MODEL = (CONTESTS / "jianbing-2024.toml").read_text(encoding="utf-8")
OTHER = (CONTESTS / f"{OTHER_CITY}.toml").read_text(encoding="utf-8")


def _refused(text: str) -> str:
    with pytest.raises(ContestFileError) as caught:
        parse_contest(text)
    return str(caught.value)


# ---- roles -----------------------------------------------------------------------------


def test_a_renamed_role_is_refused_naming_the_key_and_what_it_does() -> None:
    """previous_prize -> earlier_award would silently switch off the re-entry bar."""
    message = _refused(MODEL.replace('key = "previous_prize"', 'key = "earlier_award"'))
    assert "forms.case" in message and "'previous_prize'" in message
    assert "bars re-entry" in message and "barred_prizes" in message


def test_a_renamed_key_with_its_role_is_an_alias_and_keeps_the_rule() -> None:
    """key = "earlier_award" with role = "previous_prize" loads; the re-entry bar still works."""
    renamed = MODEL.replace(
        'key = "previous_prize"', 'key = "earlier_award"\nrole = "previous_prize"'
    ).replace('key = "reentered"', 'key = "took_part"\nrole = "reentered"')
    renamed = renamed.replace('when = "reentered"', 'when = "took_part"')
    contest = parse_contest(renamed)
    prize = contest.forms.case.field("previous_prize")
    assert prize.role == "previous_prize" and prize.when == "reentered"
    first = next(c.key for c in prize.choices if c.label == "一等奖")
    assert barred_prize(contest, {"reentered": True, "previous_prize": first}) == "一等奖"


@pytest.mark.parametrize(
    ("role", "expected"),
    [("party_org", "none of this form's roles"), ("title", "is the key of another field")],
)
def test_a_wrong_role_is_refused(role: str, expected: str) -> None:
    """A role the form does not have, or one another field already is, is an error."""
    broken = MODEL.replace('key = "background"', f'key = "background"\nrole = "{role}"', 1)
    message = _refused(broken)
    assert "forms.case.background" in message and expected in message


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        (
            [('key = "party_org"', 'key = "org_name"')],
            "forms.unit: no field with key = 'party_org'",
        ),
        (
            [('key = "employment"', 'key = "staffing"'), ("employment=", "staffing=")],
            "forms.member: no field with key = 'employment'",
        ),
        (
            [('key = "reentered"', 'key = "again"'), ('when = "reentered"', 'when = "again"')],
            "forms.case: no field with key = 'reentered'",
        ),
        (
            [('label = "案例类别"\nkind = "choice"', 'label = "案例类别"\nkind = "text"')],
            "kind must",
        ),
        (
            [('key = "contract"\nlabel = "聘用"', 'key = "hired"\nlabel = "聘用"')],
            'choices "staff" and "contract"',
        ),
        ([('label = "一等奖"', 'label = "第一名"')], "'一等奖' is no choice"),
    ],
)
def test_roles_the_code_relies_on_are_checked(edits: list[tuple[str, str]], expected: str) -> None:
    text = MODEL
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    assert expected in _refused(text)


def test_a_role_only_a_rule_needs_may_be_left_out_with_the_rule() -> None:
    """The made-up contest has no re-entry or contract rule, so no such fields."""
    contest = parse_contest(OTHER)
    assert contest.forms.case.field_or_none("previous_prize") is None
    assert contest.forms.member.field_or_none("employment") is None


# ---- rules the notice lacks are absent -------------------------------------------------


def test_absent_rules_are_none_not_placeholders() -> None:
    contest = parse_contest(OTHER)
    rules = contest.rules
    assert rules.word_limit is None and rules.team.contract_min_months is None
    assert rules.team.member_replacements is None and rules.wording.words == []
    assert rules.originality.barred_prizes == [] and not contest.provincial
    assert contest.submission_stage.key == "preliminary"  # no stage of kind submission
    assert [s.advance_total for s in contest.stages] == [26, None]
    assert contest.next_level is not None and contest.next_level.quota == 15
    assert contest.words.entry == "项目" and contest.words.document == "项目申报书"


def test_the_shenzhen_files_keep_their_words_by_default() -> None:
    contest = load_contest(CONTESTS / "jianbing-2024.toml")
    words = contest.words
    assert (words.entry, words.lead, words.lead_member, words.member) == (
        "案例",
        "牵头人",
        "牵头队员",
        "队员",
    )
    assert words.document == "参赛案例说明书" and words.area_code == "0755"
    assert contest.next_level is not None and contest.next_level.short_name == "省赛"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("advance_total = 26", "advance_total = 26\nadvance_per_category = 9", "not both"),
        (
            'name = "优秀项目"\ncount = 15',
            'name = "优秀项目"\ncount = 15\nranks = [1, 2]',
            "not both",
        ),
    ],
)
def test_quotas_and_awards_are_given_one_way(old: str, new: str, expected: str) -> None:
    assert old in OTHER
    assert expected in _refused(OTHER.replace(old, new, 1))


# ---- python -m contest check -----------------------------------------------------------


def test_check_passes_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in CONTESTS.glob("*.toml"))
    assert main(["check", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ok: ") == len(files) and "warning:" not in out


def test_check_prints_the_error_with_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(MODEL.replace('key = "previous_prize"', 'key = "earlier_award"'), "utf-8")
    assert main(["check", str(path)]) == 1
    assert "error:" in capsys.readouterr().out


def test_check_warns_about_what_loads_but_looks_wrong() -> None:
    long_key = "x" * 32
    text = (
        OTHER.replace("end = 2026-04-30T18:00:00+08:00", "end = 2026-04-30T00:00:00+08:00")
        .replace("advance_total = 26", "advance_total = 200")
        .replace('key = "sketch"', f'key = "{long_key}"')
        .replace('key = "show_form"', 'key = "planned_form_of_the_show_on_stag"')
    )
    text = text[: text.index("[[contacts]]")] + text[text.index("[[categories]]") :]
    warned = {w.key: w.message for w in warnings_for(parse_contest(text))}
    assert "contacts" in warned
    assert "midnight" in warned["stages.0.end"]
    assert "plausibly" in warned["stages.0.advance_total"]
    assert "callback data" in warned["forms.case.planned_form_of_the_show_on_stag"]
    assert len(choice_callback("planned_form_of_the_show_on_stag", long_key).encode()) > 64


def test_a_prefill_naming_no_field_is_refused() -> None:
    message = _refused(MODEL.replace('prefill = "lead.mobile"', 'prefill = "lead.moblie"'))
    assert "forms.case.lead_mobile" in message and "'lead.moblie' names no field" in message


def _keys(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Return every key a contest file may use, at any depth."""
    seen = seen or set()
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(name)
        for inner in _models(info.annotation):
            if inner not in seen:
                seen.add(inner)
                keys |= _keys(inner, seen)
    return keys


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models(arg)]


def test_the_template_explains_every_key_and_loads() -> None:
    text = (CONTESTS / "TEMPLATE.toml").read_text(encoding="utf-8")
    parse_contest(text)
    missing = sorted(k for k in _keys(Contest) if not re.search(rf"\b{k}\b", text))
    assert not missing, f"TEMPLATE.toml does not mention {missing}"


def test_a_day_only_date_is_refused_with_the_moment_to_write() -> None:
    message = _refused(OTHER.replace("end = 2026-04-30T18:00:00+08:00", "end = 2026-04-30"))
    assert "stages.0.end" in message and "2026-04-30T23:59:59+08:00" in message
