"""Contest files: the shipped ones load and say what their seeds say; bad ones are refused."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from contest.definition import (
    Contest,
    ContestFileError,
    StageKind,
    load_contest,
    parse_contest,
    parse_offset,
)

ROOT = Path(__file__).resolve().parents[2]
CONTESTS = ROOT / "contests"
CONTEST_FILES = sorted(p for p in CONTESTS.glob("*.toml") if p.stem != "TEMPLATE")
SHENZHEN_FILES = [p for p in CONTEST_FILES if p.stem != "donghu-2026"]  # the made-up one differs
MODEL = (CONTESTS / "jianbing-2024.toml").read_text(encoding="utf-8")


def _load(stem: str) -> Contest:
    return load_contest(CONTESTS / f"{stem}.toml")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- every shipped file --------------------------------------------------------------------


def test_the_three_contests_are_shipped() -> None:
    """2023 党建杯, 2024 and 2025 尖兵杯."""
    assert {p.stem for p in CONTEST_FILES} >= {"dangjian-2023", "jianbing-2024", "jianbing-2025"}


@pytest.mark.parametrize("path", CONTEST_FILES, ids=lambda p: p.stem)
def test_shipped_file_loads(path: Path) -> None:
    """Each file loads, its key matches its file name, its stages do not overlap."""
    contest = load_contest(path)
    assert contest.key == path.stem.replace("-", "_")
    assert str(contest.year) in path.stem
    for earlier, later in zip(contest.stages, contest.stages[1:], strict=False):
        assert earlier.end < later.start, f"{earlier.key} overlaps {later.key}"
    for stage in contest.stages:
        assert stage.start.utcoffset() == stage.end.utcoffset()
        assert stage.start.year == contest.year


@pytest.mark.parametrize("path", SHENZHEN_FILES, ids=lambda p: p.stem)
def test_shipped_file_has_the_same_forms_as_2024(path: Path) -> None:
    """Unless a seed says otherwise, the forms are those of 2024 (same fields, same order)."""
    model = parse_contest(MODEL).forms
    forms = load_contest(path).forms
    for name in ("unit", "contact", "member", "case"):
        expected = [f.key for f in getattr(model, name).fields]
        assert [f.key for f in getattr(forms, name).fields] == expected, name


# --- 2023 党建杯 (seed 002) ---------------------------------------------------------------


def test_2023_transcribes_its_notice() -> None:
    """Four organizers, three categories with emphasis, five stages with the notice's days."""
    contest = _load("dangjian-2023")
    assert contest.short_name == "党建杯"
    assert len(contest.organizers) == 4
    assert "深圳市妇女联合会" in contest.organizers
    assert contest.theme == "抓党建强队伍 促发展建新功"
    assert [c.name for c in contest.categories] == ["发展提质", "服务增效", "党建赋能"]
    assert [c.emphasis for c in contest.categories] == [
        ["前瞻性", "实践性", "成效性"],
        ["针对性", "机制性", "实效性"],
        ["创新性", "实效性", "推广性"],
    ]
    kinds = [s.kind for s in contest.stages]
    assert kinds == [
        StageKind.SUBMISSION,
        StageKind.REVIEW,
        StageKind.COACHING,
        StageKind.FINAL,
        StageKind.PROVINCIAL,
    ]
    submission, review, coaching, final, provincial = contest.stages
    assert submission.start == _at("2023-05-19T09:00:00+08:00")
    assert submission.end == _at("2023-06-09T23:59:59+08:00")
    assert (review.start, review.end) == (
        _at("2023-06-10T00:00:00+08:00"),
        _at("2023-06-16T23:59:59+08:00"),
    )
    assert (coaching.start, coaching.end) == (
        _at("2023-06-17T00:00:00+08:00"),
        _at("2023-06-23T23:59:59+08:00"),
    )
    assert final.start.month == 6 and final.end == _at("2023-07-10T23:59:59+08:00")
    assert provincial.start.day == 11 and provincial.end == _at("2023-07-31T23:59:59+08:00")
    assert review.advance_per_category == 15
    assert final.presentation_minutes == 8


def test_2023_rules_contacts_and_honours() -> None:
    """No restricted words, the 2023 originality text, two contacts, honours for leads."""
    contest = _load("dangjian-2023")
    assert contest.rules.wording.words == []
    assert contest.rules.originality.rule_text == (
        "各单位务必推荐首创、原创的项目参赛，不得抄袭、复制往年案例。"
    )
    assert contest.rules.word_limit == 3000
    assert [(c.name, c.phone) for c in contest.contacts] == [
        ("王宇昕", "0755-88134324"),
        ("马哲东", "0755-88132065"),
    ]
    honours = " ".join(contest.awards.honours)
    for title in ("五一劳动奖章", "五四奖章", "三八红旗手", "不重复授予"):
        assert title in honours
    assert "rules.team" in contest.unconfirmed  # the 2023 notice has no team rule


# --- 2025 尖兵杯 (seed 001) ---------------------------------------------------------------


def test_2025_transcribes_its_report() -> None:
    """Three stages from March, 15 per category to the final, statistics in facts."""
    contest = _load("jianbing-2025")
    assert contest.theme == "党建引领优作风 创新赋能提质效"
    assert [c.name for c in contest.categories] == ["发展提质", "正风增效", "党建赋能"]
    assert [s.name for s in contest.stages] == ["文本申报", "文本评审", "综合评选"]
    assert contest.stages[0].start.month == 3
    advance = next(s.advance_per_category for s in contest.stages if s.advance_per_category)
    assert advance * len(contest.categories) == 45
    facts = " ".join(contest.facts.values())
    for figure in ("533", "69", "236", "102", "195", "45"):
        assert figure in facts
    assert "待主办方通知确认" in facts
    assert {"stages.*.start", "stages.*.end", "rules"} <= set(contest.unconfirmed)


# --- refused files -------------------------------------------------------------------------


def _refused(text: str) -> str:
    with pytest.raises(ContestFileError) as caught:
        parse_contest(text, source="broken.toml")
    message = str(caught.value)
    assert message.startswith("broken.toml")
    return message


def _edit(old: str, new: str) -> str:
    assert old in MODEL, old
    return MODEL.replace(old, new, 1)


def test_model_file_is_accepted() -> None:
    """The edits below each break one thing in a file that is otherwise valid."""
    assert parse_contest(MODEL).key == "jianbing_2024"


def test_unknown_key_is_refused() -> None:
    message = _refused('colour = "red"\n' + MODEL)
    assert "colour" in message and "Extra inputs are not permitted" in message


def test_unknown_nested_key_is_refused() -> None:
    message = _refused(_edit("max_members = 5", "max_members = 5\nmin_members = 2"))
    assert "rules.team.min_members" in message


def test_end_before_start_is_refused() -> None:
    message = _refused(_edit("end = 2024-07-15T23:59:59+08:00", "end = 2024-06-01T23:59:59+08:00"))
    assert "stages.0" in message and "end must be after start" in message


def test_bad_time_zone_is_refused() -> None:
    message = _refused(_edit('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shenzhen"'))
    assert "timezone" in message and "Asia/Shenzhen" in message


def test_moment_without_offset_is_refused() -> None:
    message = _refused(_edit("start = 2024-06-03T09:00:00+08:00", "start = 2024-06-03T09:00:00"))
    assert "stages.0.start" in message and "UTC offset" in message


def test_missing_required_section_is_refused() -> None:
    message = _refused(MODEL[: MODEL.index("[awards]")])
    assert "awards" in message and "Field required" in message


def test_duplicate_category_key_is_refused() -> None:
    message = _refused(_edit('key = "conduct"', 'key = "development"'))
    assert "categories" in message and "'development' is used twice" in message


def test_bad_offset_is_refused() -> None:
    message = _refused(
        _edit('offsets = ["7d", "3d", "1d", "3h"]', 'offsets = ["7x", "3d", "1d", "3h"]')
    )
    assert "reminders.offsets.0" in message and "'7x'" in message


def test_not_toml_is_refused() -> None:
    assert "not valid TOML" in _refused("key = \n" + MODEL)


def test_contest_without_submission_stage_hands_in_during_its_first_editing_stage() -> None:
    """No stage kind is mandatory: entries are handed in by the first stage open to all."""
    contest = parse_contest(_edit('kind = "submission"', 'kind = "other"'))
    assert contest.submission_stage.key == "submission"
    assert contest.submission_stage.kind is StageKind.OTHER


@pytest.mark.parametrize(
    ("dotted", "reason"),
    [
        ("rules.nothing", "'nothing' is not a key here"),
        ("stages.nope.end", "no item with key 'nope'"),
        ("theme.x", "goes past a single value"),
    ],
)
def test_unconfirmed_key_must_name_something(dotted: str, reason: str) -> None:
    """An `unconfirmed` entry is checked against the contest, so a typo cannot hide."""
    text = _edit('provincial = "', f'unconfirmed = ["{dotted}"]\nprovincial = "')
    message = _refused(text)
    assert dotted in message and reason in message


def test_unconfirmed_keys_may_use_wildcards_and_item_keys() -> None:
    text = _edit(
        'provincial = "',
        'unconfirmed = ["stages.*.end", "stages.final.presentation_minutes", "contacts.0",'
        ' "rules", "facts.x"]\nprovincial = "',
    )
    assert len(parse_contest(text).unconfirmed) == 5


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ContestFileError, match="cannot read contest file"):
        load_contest(tmp_path / "absent.toml")


@pytest.mark.parametrize(("text", "minutes"), [("7d", 7 * 24 * 60), ("3h", 180), (" 30m ", 30)])
def test_offsets(text: str, minutes: int) -> None:
    assert parse_offset(text).total_seconds() == minutes * 60


@pytest.mark.parametrize("text", ["7x", "", "d7", "-1d", "1.5h"])
def test_bad_offsets(text: str) -> None:
    with pytest.raises(ValueError, match="must look like"):
        parse_offset(text)
