"""A value named to confirm ("初选选30个对吗") is compared with the contest file's value.

Phrasings of my own, none of them in a question set, over three contest files: a stage's days
and times, the numbers that go on, the next round's quota, the organizer, the contacts' numbers,
limits stated to confirm, the categories' count, an award's count, the invite's validity, and
whether a named stage is under way. Each ``yes`` or ``no`` below was no verdict (or the wrong
one) before the comparison; the cases without a verdict are where a guess would be wrong.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from contest.asking import ask
from contest.definition import Contest, load_contest
from contest.questions import answer_context
from messages import render

ROOT = Path(__file__).resolve().parents[2]


def _contest(stem: str) -> Contest:
    return load_contest(ROOT / "contests" / f"{stem}.toml")


def _ask(stem: str, question: str, now: str | None = None) -> tuple[str, str | None]:
    contest = _contest(stem)
    moment = (
        datetime.fromisoformat(now) if now else contest.submission_stage.start + timedelta(days=2)
    )
    (answer,) = ask(question, contest, now=moment)
    return answer.topic, answer.verdict


@pytest.mark.parametrize(
    ("stem", "question", "topic", "verdict"),
    [
        # a stage's days and times (donghu: the shows run 2026-05-20 09:00 to 05-22 18:00)
        ("donghu-2026", "比拼是五月二十号到二十二号吧", "stage", "yes"),
        ("donghu-2026", "现场比拼是不是5月19号到22号", "stage", "no"),
        ("donghu-2026", "比拼5月22号结束对吗", "stage", "yes"),
        ("donghu-2026", "现场比拼是上午9点开始吗", "stage", "yes"),
        ("donghu-2026", "比拼是5月上旬吗", "stage", "no"),
        ("donghu-2026", "初选是不是4月份", "stage", "yes"),
        ("donghu-2026", "比拼几号结束 是23号吗", "stage", "no"),  # one question, not two
        ("donghu-2026", "申报是4月1号开始吗", "opening", "yes"),
        ("donghu-2026", "申报通道是3月开的吗", "opening", "no"),
        ("jianbing-2024", "文本评审是7月16号到8月8号吗", "stage", "yes"),
        ("jianbing-2024", "综合评选是不是8月", "stage", "no"),
        ("jianbing-2024", "系统是6月3号开放的吗", "opening", "yes"),
        # how many go on, per category or in all, and the next round's quota
        ("donghu-2026", "是26个项目进比拼吧", "advance", "yes"),
        ("donghu-2026", "进比拼的有20个吗", "advance", "no"),
        ("donghu-2026", "每类选26个吗", "advance", "no"),  # 26 in all, not per category
        ("jianbing-2024", "每个类别选15个吗", "advance", "no"),  # 10 per category
        ("donghu-2026", "展评名额15个对不对", "provincial", "yes"),
        ("donghu-2026", "推荐市级展评的是10个吗", "provincial", "no"),
        # a rank stated as who goes on confirms the quota (15); asking whether it may go does not
        ("donghu-2026", "送到市里的是前十名吗", "provincial", "no"),
        ("donghu-2026", "前12名推荐到市级展评对吧", "provincial", "no"),
        ("donghu-2026", "前10名可以推到市里吗", "provincial", "yes"),
        # the organizer, the contacts
        ("donghu-2026", "主办的是不是区委组织部", "organizer", "yes"),
        ("donghu-2026", "主办方是区委统战部吧", "organizer", "no"),
        ("donghu-2026", "主办方是江川市委吗", "organizer", "no"),  # 市委, not the 区委's
        ("jianbing-2024", "是市委组织部主办的吗", "organizer", "no"),
        ("dangjian-2023", "是妇联主办的吗", "organizer", "yes"),  # one of four organizers
        ("donghu-2026", "是东湖区委组织部牵头的吗", "organizer", "yes"),  # not the lead's rule
        ("jianbing-2024", "是市直机关工委牵头的吗", "organizer", "yes"),
        ("donghu-2026", "联系电话是5123456吗", "contacts", "yes"),  # without the area code
        ("donghu-2026", "电话0739-5123457没错吧", "contacts", "no"),
        ("jianbing-2024", "王宇昕电话是88134325吗", "contacts", "no"),
        ("dangjian-2023", "马哲东电话是0755-88134324吗", "contacts", "no"),  # the other's number
        # a limit stated to confirm is the limit, not a number that fits under it
        ("donghu-2026", "团队最多5个人对吧", "team", "no"),  # 6
        ("donghu-2026", "团队不超过6人就行吧", "team", "yes"),  # 不超过 is no 超过
        ("jianbing-2024", "字数最多2500字对吗", "word_limit", "no"),  # 3000
        ("jianbing-2024", "展示是8分钟吗", "presentation", "no"),  # 6
        ("jianbing-2024", "讲5分钟可以吗", "presentation", "yes"),  # fits under 6
        # counts of categories and of an award, the invite's validity
        ("donghu-2026", "项目是分3个类别吗", "categories", "yes"),
        ("donghu-2026", "优秀项目是10个吗", "awards", "no"),
        ("donghu-2026", "邀请码有效期30天对吗", "register", "no"),
    ],
)
def test_a_value_named_to_confirm_is_compared_with_the_file(
    stem: str, question: str, topic: str, verdict: str
) -> None:
    """Yes when the named value is the file's, no when it is not."""
    assert _ask(stem, question) == (topic, verdict)


@pytest.mark.parametrize(
    ("question", "now", "verdict"),
    [
        ("现在是初选阶段吗", "2026-05-21T10:00:00+08:00", "no"),  # the shows are on
        ("现在在比拼吗", "2026-05-21T10:00:00+08:00", "yes"),
        ("比拼开始了没", "2026-05-19T10:00:00+08:00", "no"),
        ("现在是申报期吗", "2026-04-10T10:00:00+08:00", "yes"),
    ],
)
def test_a_stage_named_in_a_question_about_now_is_compared_with_the_clock(
    question: str, now: str, verdict: str
) -> None:
    """ "现在是不是X阶段" is yes when X is under way, no otherwise."""
    assert _ask("donghu-2026", question, now) == ("current", verdict)


@pytest.mark.parametrize(
    ("topic", "settled", "unsettled"),
    # settled: a question (and its verdict, "yes" unless given) the comparison does decide
    [
        # one day of a stage of three: the stage's own span is confirmed, a day inside it is not
        ("stage", ("donghu-2026", "比拼是5月20到22号吗"), ("donghu-2026", "比拼是5月21号吗")),
        ("stage", ("donghu-2026", "比拼是5月20号到22号吗"), ("donghu-2026", "比拼是5月20号吗")),
        # two stages named: whose days are meant is not sure
        (
            "stage",
            ("donghu-2026", "比拼5月20号开始对吧"),
            ("donghu-2026", "初选结束后5月20号比拼对吧"),
        ),
        # a part of the organizer's name that is not its end (区委 of 区委组织部)
        (
            "organizer",
            ("donghu-2026", "主办方是东湖区委组织部吗"),
            ("donghu-2026", "主办方是东湖区委吗"),
        ),
        ("organizer", ("dangjian-2023", "是团市委搞的吗"), ("dangjian-2023", "是团委搞的吗")),
        # a limit said where the file sets none (donghu counts 字数, sets no limit) is no; a
        # span of lengths to write is no limit to compare
        (
            "word_limit",
            ("donghu-2026", "字数最多2000字对吧", "no"),
            ("donghu-2026", "字数要写2000到3000字对吧"),
        ),
        # how often the lead may change: the file says only whether (members: once, in 2024)
        (
            "lead",
            ("jianbing-2024", "队员可以换两次吗", "no"),
            ("donghu-2026", "负责人最多能换一次对吗"),
        ),
        # the top 20 of 26 do go on, but 20 is not how many go on
        ("advance", ("donghu-2026", "前20名能进比拼吗"), ("donghu-2026", "是前20名进比拼吗")),
    ],
)
def test_a_value_that_cannot_be_compared_gets_no_verdict(
    topic: str, settled: tuple[str, ...], unsettled: tuple[str, str]
) -> None:
    """Where a yes or a no would be a guess, the answer gives the fact without one."""
    stem, question, *verdict = settled
    assert _ask(stem, question) == (topic, verdict[0] if verdict else "yes")
    assert _ask(*unsettled) == (topic, None)


@pytest.mark.parametrize(
    ("question", "words", "value"),
    [
        ("初选选20个对吧", "不对", "26 个"),
        ("联系人电话是0739-5123465吗", "不是", "0739-5123456"),
        ("主办方是区委宣传部吗", "不是", "中共江川市东湖区委组织部"),
        ("现场比拼是6月份吗", "不是", "2026年5月20日"),
    ],
)
def test_a_wrong_value_is_answered_no_with_the_right_one(
    question: str, words: str, value: str
) -> None:
    """The answer starts with its verdict in the question's own words and gives the file's value."""
    contest = _contest("donghu-2026")
    now = contest.submission_stage.start + timedelta(days=2)
    (answer,) = ask(question, contest, now=now)
    said = html.unescape(
        render(f"answers/{answer.topic}.html", **answer_context(answer, contest, now))
    )
    assert answer.verdict == "no"
    assert said.startswith(words)
    assert value in said
