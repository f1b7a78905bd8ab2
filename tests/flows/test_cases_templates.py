"""Every branch of the case and to-do templates renders valid Telegram HTML with the moments.

(The hostile-data test renders one sample per template; these render the other branches.)
"""

from __future__ import annotations

from datetime import datetime

import pytest

from contest.lifecycle import Phase, Window, editing_window, may_create
from contest.schedule import position
from messages import render
from sandbox.telegram_html import parse_html
from tests.conftest import BEIJING
from tests.messages.samples import Hostile
from tests.messages.samples.cases import SAMPLES, _case, _view


def html(name: str, **context) -> str:
    text = render(name, **context)
    parse_html(text)
    return text


@pytest.fixture
def hostile(contest, clock) -> Hostile:
    return Hostile(contest=contest, now=clock.now())


def windows(contest):
    submission, coaching = contest.stage("submission"), contest.stage("coaching")
    return {
        "open": Window(Phase.OPEN, submission, None),
        "before": Window(Phase.BEFORE, submission, None),
        "between": Window(Phase.BETWEEN, coaching, submission),
        "closed": Window(Phase.CLOSED, None, submission),
        "never": Window(Phase.CLOSED, None, None),
    }


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("open", "「文本申报」2024年7月15日（周一）23:59 截止，还有"),
        ("before", "2024年6月3日（周一）09:00 开放提交"),
        ("between", "入选案例可在「专家辅导」阶段（2024年8月9日（周五）00:00"),
        ("closed", "「文本申报」已于 2024年7月15日（周一）23:59 截止，案例已锁定"),
        ("never", "案例已锁定，不能再修改或提交"),
    ],
)
def test_window_phases(contest, hostile, phase, expected):
    assert expected in html("cases/window.html", window=windows(contest)[phase], now=hostile.now)


@pytest.mark.parametrize(
    ("action", "refusal", "window", "expected"),
    [
        ("submit", "closed", "closed", "不能再提交：「文本申报」已于 2024年7月15日（周一）23:59"),
        ("edit", "closed", "never", "不能再修改：现在不在可以修改的阶段"),
        ("withdraw", "not_open", "between", "现在还不能撤回：「专家辅导」阶段于 2024年8月9日"),
        ("submit", "submitted", "open", "已经提交（2024年7月1日（周一）10:00），无需重复提交"),
        ("edit", "submitted", "open", "如需修改，请先点“撤回修改”"),
        ("withdraw", "not_submitted", "open", "还是草稿，无需撤回"),
    ],
)
def test_refusals(contest, hostile, action, refusal, window, expected):
    text = html(
        "cases/refused.html",
        contest=contest,
        now=hostile.now,
        action=action,
        refusal=refusal,
        window=windows(contest)[window],
        title="案例甲",
        case=_case(hostile, "submitted"),
    )
    assert expected in text and "《案例甲》" in text


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        ("submitted", "已提交（第 3 版）。提交时间：2024年7月1日（周一）10:00"),
        ("withdrawn", "已撤回"),
        ("saved", "已保存"),
        ("not_saved", "没有保存"),
        ("evidence_done", "已记录"),
        ("", "类别："),
    ],
)
def test_card_notices(hostile, notice, expected):
    context = SAMPLES["cases/card.html"](hostile) | {"notice": notice}
    assert expected in html("cases/card.html", **context)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("old_format", "另存为"),
        ("too_big", "超过 10 MB"),
        ("not_case_form", "没有找到《参赛案例说明书》的栏目"),
        ("download_failed", "没有下载成功"),
        ("not_docx", "不是 Word（.docx）文档"),
    ],
)
def test_import_errors(contest, code, expected):
    assert expected in html("cases/import_error.html", code=code, contest=contest, max_mb=10)


def test_no_unit_variants(contest):
    assert "等待市直机关工委确认" in html("cases/no_unit.html", contest=contest, pending=True)
    text = html("cases/no_unit.html", contest=contest, pending=False)
    assert "邀请链接" in text and "王宇昕 0755-88134324、18824257869" in text


def test_cannot_create_before_the_stage(contest, hostile):
    text = html(
        "cases/cannot_create.html",
        contest=contest,
        now=hostile.now,
        refusal="not_open",
        window=windows(contest)["before"],
    )
    assert "「文本申报」于 2024年6月3日（周一）09:00 开始" in text


def test_cannot_create_beyond_the_limit(contest, hostile):
    limited = contest.model_copy(
        update={"rules": contest.rules.model_copy(update={"cases_per_account": 2})}
    )
    text = html(
        "cases/cannot_create.html",
        contest=limited,
        now=hostile.now,
        refusal="limit",
        window=windows(contest)["open"],
    )
    assert "每个单位最多报送 2 个案例" in text
    listing = html(
        "cases/list.html",
        contest=limited,
        now=hostile.now,
        views=[],
        creation=may_create(limited, hostile.now),
    )
    assert "每个单位最多报送 2 个案例" in listing


def test_evidence_too_long(hostile):
    text = html("cases/evidence_error.html", length=1200, min_length=4, max_length=1000)
    assert "依据太长（1200 个字）" in text


def test_the_todo_list_after_the_deadline(contest):
    later = datetime(2024, 7, 20, 9, 0, tzinfo=BEIJING)
    late = Hostile(contest=contest, now=later)
    views = [_view(late), _view(late, "submitted"), _view(late, "submitted", advancing=True)]
    text = html(
        "todo/overview.html",
        contest=contest,
        now=later,
        position=position(contest, later),
        views=views,
        creation=may_create(contest, later),
        window=editing_window(contest, later, advancing=False),
    )
    assert "🔒 未提交，「文本申报」已于 2024年7月15日（周一）23:59 截止" in text
    assert "入选案例可在「专家辅导」阶段修改" in text
    assert "截止，还有" not in text.split("\n", 3)[-1]


def test_the_import_choice_without_drafts(contest):
    text = html(
        "cases/import_choose.html",
        contest=contest,
        file_name="a.docx",
        found=0,
        drafts=0,
        creation=False,
    )
    assert "现在没有可以修改的案例" in text
