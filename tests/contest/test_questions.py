"""Free-text question matching: the question set against every shipped contest, and the rest.

The question sets themselves (accuracy per set and contest) are run by
``test_question_sets.py``; this module tests the rest of the matcher and the answers.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contest.asking import ask
from contest.definition import Contest, load_contest, parse_contest
from contest.questions import (
    UNSURE,
    Answer,
    Asker,
    CaseBrief,
    answer_context,
    answer_for,
    in_common_words,
    match,
    respell,
    topic_keys,
    verdict_words,
    vocabulary,
)
from contest.timefmt import format_moment
from messages import TEMPLATES, render
from tests.contest.notation import resolve
from tests.pyrun import printed

ROOT = Path(__file__).resolve().parents[2]
CONTEST_FILES = sorted(p for p in (ROOT / "contests").glob("*.toml") if p.stem != "TEMPLATE")
QUESTION_SET = Path(__file__).with_name("questions") / "common.dev.toml"
REQUIRED_ACCURACY = 0.95
TELEGRAM_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}
GIBBERISH = ["asdfghjkl", "？？？", "今天天气怎么样", "哈哈哈", "1234567", "", "   ", "😀😀"]


@pytest.fixture(scope="module", params=CONTEST_FILES, ids=lambda p: p.stem)
def contest(request: pytest.FixtureRequest) -> Contest:
    return load_contest(request.param)


def _questions() -> list[dict[str, Any]]:
    return tomllib.loads(QUESTION_SET.read_text(encoding="utf-8"))["question"]


def _say(contest: Contest, answer: Answer, now: datetime) -> str:
    """Render an answer as the handler would, with entities decoded for comparison."""
    return render(f"answers/{answer.topic}.html", **answer_context(answer, contest, now))


# --- the fact notation of the question sets -----------------------------------------------


def test_notation_resolves_paths_and_filters() -> None:
    """The notation itself: literal, stage, category, paths with indexes and [*], filters."""
    contest = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    assert resolve("text:字数统计", contest) == ["字数统计"]
    assert resolve("stage:submission.end|moment", contest) == ["2024年7月15日（周一）23:59"]
    assert resolve("stage:submission.end|day", contest) == ["2024年7月15日"]
    assert resolve("stage:coaching", contest) != []
    assert resolve("rules.team.max_members", contest) == ["5"]
    assert resolve("awards.tiers[0].ranks[1]", contest) == ["5"]
    assert resolve("categories[*].name", contest) == ["发展提质", "正风增效", "党建赋能"]
    assert resolve("category:conduct.name", contest) == ["正风增效"]
    assert resolve("category:service.name", contest) == []
    assert resolve("awards.honours", contest) == []
    assert resolve("facts[*]", contest) == []


# --- rendering -----------------------------------------------------------------------------


def _every_answer(contest: Contest) -> list[Answer]:
    answers = []
    for key in topic_keys():
        topic = vocabulary().topic(key)
        assert topic is not None
        if topic.entity == "stage":
            refs = [f"stage:{s.key}" for s in contest.stages] + ["stage:coaching", "stage:other"]
        elif topic.entity == "category":
            refs = [key] + [f"categories:{c.key}" for c in contest.categories]
        else:
            refs = [key]
        for ref in refs:
            answer = answer_for(ref, contest)
            assert answer is not None, ref
            answers.append(answer)
    answers.append(match("asdfghjkl", contest))
    return answers


def _moments(contest: Contest) -> list[datetime]:
    stages = contest.stages
    moments = [stages[0].start - timedelta(days=30), stages[-1].end + timedelta(days=30)]
    for stage in stages:
        moments += [stage.start, stage.start + (stage.end - stage.start) / 2, stage.end]
        moments.append(stage.end + timedelta(seconds=0.5))
    return moments


def _check_html(text: str) -> None:
    assert text.strip(), "empty answer"
    for tag in re.findall(r"</?([a-zA-Z]+)", text):
        assert tag in TELEGRAM_TAGS, f"tag <{tag}> is not Telegram HTML"
    assert "None" not in text and "\n\n\n" not in text
    assert len(text) < 4096


def test_every_topic_has_a_template() -> None:
    """Each topic, and unsure, has answers/<topic>.html."""
    for key in [*topic_keys(), UNSURE]:
        assert (TEMPLATES / "answers" / f"{key}.html").is_file(), key


def test_every_answer_renders_at_every_moment(contest: Contest) -> None:
    """Before, during, between and after the stages, every answer renders as Telegram HTML."""
    for now in _moments(contest):
        for answer in _every_answer(contest):
            _check_html(_say(contest, answer, now))


def test_answers_about_now_before_the_first_and_after_the_last_stage(contest: Contest) -> None:
    """Before the first stage and after the last, "now" answers say so instead of a stage."""
    first, last = contest.stages[0], contest.stages[-1]
    before = first.start - timedelta(days=3)
    after = last.end + timedelta(days=3)
    current = answer_for("current", contest)
    assert current is not None
    said = _say(contest, current, before)
    assert "尚未开始" in said and format_moment(first.start, contest.zone) in said
    said = _say(contest, current, after)
    assert "均已结束" in said and format_moment(last.end, contest.zone) in said
    deadline = answer_for("deadline", contest)
    assert deadline is not None
    assert "已截止" in _say(contest, deadline, after)
    assert "尚未开放" in _say(contest, deadline, before)


def test_answer_during_a_stage_gives_a_countdown(contest: Contest) -> None:
    """During a stage, "now" answers name it with its end and how long is left."""
    stage = contest.submission_stage
    now = stage.end - timedelta(days=2, hours=3)
    current = answer_for("current", contest)
    assert current is not None
    said = _say(contest, current, now)
    assert stage.name in said and format_moment(stage.end, contest.zone) in said
    assert "还有 2 天 3 小时" in said


def test_unconfirmed_facts_are_flagged() -> None:
    """Placeholder dates (2025) say so; dates straight from a notice (2024) do not."""
    now = datetime.fromisoformat("2025-04-01T10:00:00+08:00")
    provisional = load_contest(ROOT / "contests" / "jianbing-2025.toml")
    confirmed = load_contest(ROOT / "contests" / "jianbing-2024.toml")
    for ref in ["deadline", "schedule", "stage:final", "presentation", "team"]:
        answer = answer_for(ref, provisional)
        assert answer is not None
        assert "以主办方正式通知为准" in _say(provisional, answer, now), ref
    answer = answer_for("advance", provisional)  # 15 per category is in the 2025 report
    assert answer is not None
    assert "以主办方正式通知为准" not in _say(provisional, answer, now)
    for ref in ["deadline", "schedule", "stage:final", "presentation", "team"]:
        answer = answer_for(ref, confirmed)
        assert answer is not None
        assert "以主办方正式通知为准" not in _say(confirmed, answer, now), ref


# --- the contest, not the matcher, holds the facts -----------------------------------------


def _modified_2024() -> Contest:
    text = (ROOT / "contests" / "jianbing-2024.toml").read_text(encoding="utf-8")
    for old, new in [
        ("end = 2024-07-15T23:59:59+08:00", "end = 2024-07-22T18:00:00+08:00"),
        ("word_limit = 3000", "word_limit = 4500"),
        ("字数不超过3000字", "字数不超过4500字"),
        ("max_members = 5", "max_members = 7"),
        ("presentation_minutes = 6", "presentation_minutes = 10"),
        ("advance_per_category = 10", "advance_per_category = 12"),
        ('phone = "0755-88134324"', 'phone = "0755-12345678"'),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_contest(text, source="modified")


@pytest.mark.parametrize(
    ("question", "new", "old"),
    [
        ("ddl是几号", "2024年7月22日（周一）18:00", "2024年7月15日"),
        ("最多写多少字", "4500", "3000"),
        ("几个人一队", "不超过 7 人", "不超过 5 人"),
        ("决赛讲几分钟", "不超过 10 分钟", "不超过 6 分钟"),
        ("进决赛要几个", "12 个", "10 个"),
        ("电话多少", "0755-12345678", "0755-88134324"),
    ],
)
def test_answers_follow_the_contest_file(question: str, new: str, old: str) -> None:
    """A modified copy of a contest gives the new facts, never the old ones."""
    contest = _modified_2024()
    answer = match(question, contest)
    said = _say(contest, answer, datetime.fromisoformat("2024-06-10T10:00:00+08:00"))
    assert new in said and old not in said


# --- unsure answers, alternatives, references ----------------------------------------------


@pytest.mark.parametrize("gibberish", GIBBERISH)
def test_gibberish_is_not_confident(contest: Contest, gibberish: str) -> None:
    """Gibberish gets "不太确定", 2–3 alternatives with labels, and the organizer's contacts."""
    answer = match(gibberish, contest)
    assert answer.topic == UNSURE and not answer.confident
    assert 2 <= len(answer.alternatives) <= 3
    assert len({a.topic for a in answer.alternatives}) == len(answer.alternatives)
    for alternative in answer.alternatives:
        assert alternative.label and not re.search(r"\d", alternative.label)
    said = _say(contest, answer, contest.stages[0].start)
    assert "不太确定" in said
    for person in contest.contacts:
        assert person.name in said and person.phone in said


def test_ambiguous_question_offers_both_readings(contest: Contest) -> None:
    """A question that could mean two topics is not answered as if it were sure."""
    # Accounts per unit, or registering with the bot? ("注册账号要几个" is now read as the
    # first: it asks how many.)
    answer = match("注册账号", contest)
    assert not answer.confident
    assert {"accounts", "register"} <= {a.topic for a in answer.alternatives}


def test_alternative_labels_come_from_the_contest(contest: Contest) -> None:
    """Labels use the contest's own names (its submission stage, its stage names)."""
    answer = match("文本评审什么时候截止", contest)
    labels = [a.label for a in answer.alternatives]
    if answer.topic == "deadline":
        assert any(contest.stages[1].name in label for label in labels), labels
    deadline = next(a for a in match("asdf", contest).alternatives if a.topic == "deadline")
    assert deadline.label == f"{contest.submission_stage.name}截止时间"


def test_references_round_trip(contest: Contest) -> None:
    """Every alternative's ref is short callback data that answer_for() turns back."""
    for question in [q["text"] for q in _questions()] + GIBBERISH:
        answer = match(question, contest)
        for alternative in answer.alternatives:
            assert len(alternative.ref.encode()) <= 64
            again = answer_for(alternative.ref, contest)
            assert again is not None, alternative.ref
            assert again.topic == alternative.topic
            assert dict(again.params) == dict(alternative.params)
        if answer.confident:
            again = answer_for(answer.ref, contest)
            assert again is not None and again.topic == answer.topic


@pytest.mark.parametrize(
    "ref", ["nonsense", "stage", "stage:nope", "categories:nope", "deadline:extra", ""]
)
def test_bad_references_are_refused(contest: Contest, ref: str) -> None:
    """Callback data is user input: a ref naming nothing in this contest gives None."""
    assert answer_for(ref, contest) is None


# --- robustness ------------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
@example(text="万")  # cn2an warns, then refuses, a lone unit
def test_any_text_gets_a_renderable_answer(contest: Contest, text: str) -> None:
    """Whatever is typed, match() returns a known topic whose answer renders."""
    answer = match(text, contest)
    assert answer.topic in {*topic_keys(), UNSURE}
    assert 2 <= len(answer.alternatives) <= 3 or answer.confident
    _check_html(_say(contest, answer, contest.submission_stage.start))


def test_punctuation_and_politeness_do_not_change_the_topic(contest: Contest) -> None:
    """A question asks the same with 请问 in front or ？ behind (every phrasing of the set)."""
    heads = ["", "请问", "老师好，", "你好 "]
    tails = ["", "？", "?", "！", "。", "...", "啊", "呢"]
    changed = []
    for question in [q["text"] for q in _questions()]:
        bare = match(question, contest)
        if not bare.confident:
            continue
        for head in heads:
            for tail in tails:
                dressed = match(f"{head}{question}{tail}", contest)
                if (dressed.topic, dressed.params) != (bare.topic, bare.params):
                    changed.append(f"{head}{question}{tail}: {dressed.topic}")
    assert not changed


def test_full_width_and_case_do_not_matter(contest: Contest) -> None:
    """ＤＤＬ, ddl and DDL are one question."""
    assert match("ＤＤＬ是几号", contest).topic == match("ddl是几号", contest).topic == "deadline"


def test_importing_does_not_load_jieba() -> None:
    """jieba's dictionary is loaded on first use, not when the module is imported."""
    code = "import sys, contest.questions; print('jieba' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""


def test_first_use_prints_nothing() -> None:
    """jieba's start-up chatter is silenced and no warning escapes."""
    code = (
        "from contest.definition import load_contest\n"
        "from contest.questions import match\n"
        "c = load_contest('contests/jianbing-2024.toml')\n"
        "print(match('ddl是几号', c).topic)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "deadline"
    assert result.stderr == ""


def test_segmentation_dictionary_is_built_from_jiebas_own() -> None:
    """contest/segmentation.txt is what build_segmentation() makes from jieba's dictionary."""
    from contest.questions import SEGMENTATION_FILE, build_segmentation

    assert SEGMENTATION_FILE.read_text(encoding="utf-8") == build_segmentation()


# --- a contest's own words, known from its file alone ----------------------------------------


def _renamed_donghu() -> Contest:
    """Return donghu-2026 with its own words for the judges, the final and an entry changed."""
    text = (ROOT / "contests" / "donghu-2026.toml").read_text(encoding="utf-8")
    for old, new in [
        ('judge = "评审专家"', 'judge = "评议员"'),
        ('name = "现场选拔比拼"', 'name = "擂台大比武"'),
        ('entry = "项目"', 'entry = "课题"'),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_contest(text, source="renamed")


@pytest.mark.parametrize(
    ("question", "topic", "params"),
    [
        ("评议员名单", "not_said", {"subject": "judges"}),
        ("评议员都有谁", "not_said", {"subject": "judges"}),
        ("比武能用ppt吗", "presentation", {}),
        ("比武可以唱歌吗", "presentation", {}),
        ("几个课题能进比武", "advance", {}),
    ],
)
def test_a_contests_own_words_are_read_from_its_file(
    question: str, topic: str, params: dict[str, str]
) -> None:
    """The judges' title, a stage's own name (or its end) and the entry's word need no data."""
    answer = match(question, _renamed_donghu())
    assert (answer.topic, dict(answer.params)) == (topic, params), answer


def test_a_yes_no_rule_hears_a_typo_of_the_lead() -> None:
    """The lead rule hears "付责人可以换吗" as 负责人 (same sound) and gives its verdict."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    now = contest.submission_stage.start
    (answer,) = ask("付责人可以换吗", contest, now=now)
    assert (answer.topic, answer.verdict) == ("lead", "yes")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("展示可以用视屏吗", "展示可以用视频吗"),  # shi ping for shi pin: -ng heard as -n
        ("成圆能不能加到7个", "成员能不能加到7个"),
        ("申抱书最晚哪天交上去", "申报书最晚哪天交上去"),
        ("得分用什么公式", "得分用什么公式"),  # 公式 is a word, though it sounds like 公示
        ("这是区委组织部搞的吗", "这是区委组织部搞的吗"),  # 织部 is not cut out of 组织部 (支部)
        ("社区党委牵头", "社区党委牵头"),  # 党委 is a word: not 单位 (dan wei)
        ("还剩几天", "还剩几天"),
        ("评什么奖", "评什么奖"),  # a question word is never a typo
        ("ddl是4月30号吗", "ddl是4月30号吗"),  # a particle is typed as meant: no 号码
        ("我们想报乡村振兴", "我们想报乡村振兴"),  # nor a modal: no 限报
        ("比拼用什么方式", "比拼用什么方式"),  # the contest's 比拼 keeps its 拼: no 聘用
        ("现场比品是几号", "现场比拼是几号"),
    ],
)
def test_same_sound_typos_are_respelled_as_the_vocabularys_word(typed: str, meant: str) -> None:
    """A span that sounds like a word of the vocabulary or the contest, and is none itself."""
    assert respell(typed, load_contest(ROOT / "contests" / "donghu-2026.toml")) == meant


def test_a_yes_no_rule_reads_the_respelled_question() -> None:
    """The presentation rule gives "展示可以用视屏吗" its verdict, as it would 视频."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask("展示可以用视屏吗", contest, now=contest.submission_stage.start)
    assert (answer.topic, answer.verdict) == ("presentation", "yes")


@pytest.mark.parametrize(
    ("question", "day", "words"),
    [
        ("4月30号下午5点交会不会晚", "2026-04-29", "不会"),  # in time: not late
        ("5月1号交会不会晚", "2026-04-29", "会"),  # after the close: late
        ("明天交会不会来不及", "2026-04-29", "不会"),
    ],
)
def test_a_question_about_being_late_is_answered_in_its_own_sense(
    question: str, day: str, words: str
) -> None:
    """ "会不会晚" in time is answered 不会: the verdict's words turn with the question."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    now = datetime.fromisoformat(f"{day}T10:00:00+08:00")
    (answer,) = ask(question, contest, now=now)
    assert answer.topic == "deadline"
    assert verdict_words(answer) == words


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("排名前十五的会推到市里吗", "yes"),
        ("前20名都能去市里吗", "no"),  # the notice sends 15 on
        ("会推到省里吗", None),  # the next round is the city's: the notice says nothing of 省
    ],
)
def test_the_next_round_rule_reads_the_quota(question: str, verdict: str | None) -> None:
    """A yes/no question about going on to the next round is decided by its quota."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask(question, contest, now=contest.submission_stage.start)
    assert (answer.topic, answer.verdict) == ("provincial", verdict)


@pytest.mark.parametrize(
    "message", ["嗨", "嗨 在不在", "您好 请问下", "打扰了 请问一下", "老师您好 想咨询一下"]
)
def test_small_talk_is_heard_before_typos_are_respelled(message: str) -> None:
    """嗨 (hai) is a greeting, not a typo of 还; a greeting with a filler is still one."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    assert match(message, contest).topic == "greeting"


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("截止日期是不是6月初", "no"),  # the deadline is 4月30日 18:00
        ("截止是4月30日吗", "yes"),
        ("截止是不是4月下旬", "yes"),
        ("申报截止是5月2号吗", "no"),
        ("截止是不是4月30号下午6点", "yes"),
        ("截止是不是4月30号中午12点", "no"),
        ("截止是不是很快了", None),  # nothing named to compare: the moment, no verdict
    ],
)
def test_a_deadline_named_to_confirm_is_compared_with_the_file(
    question: str, verdict: str | None
) -> None:
    """ "截止是X吗" is answered by X against the deadline, not by whether one may still hand in."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask(question, contest, now=contest.submission_stage.start)
    assert (answer.topic, answer.verdict) == ("deadline", verdict)


def _topic_and_verdict(stem: str, question: str, now: str | None) -> tuple[str, str | None]:
    """Ask one question of a contest (by default at the submission stage's start)."""
    contest = load_contest(ROOT / "contests" / f"{stem}.toml")
    moment = datetime.fromisoformat(now) if now else contest.submission_stage.start
    (answer,) = ask(question, contest, now=moment)
    return answer.topic, answer.verdict


def _topic_and_params(question: str) -> tuple[str, dict[str, str]]:
    """Ask one question of donghu-2026 at its submission stage's start: topic and params."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask(question, contest, now=contest.submission_stage.start)
    return answer.topic, dict(answer.params)


@pytest.mark.parametrize(
    ("stem", "question", "now", "topic", "verdict"),
    [
        # others' work said with 借用, a brother body of any kind
        ("donghu-2026", "借用兄弟社区的做法能报吗", None, "originality", "no"),
        # work not begun (还没开始做) where the rule asks for work carried out
        ("donghu-2026", "还没开始做的活动能报吗", None, "originality", "no"),
        # how many categories said with 大类
        ("donghu-2026", "项目分为几大类", None, "categories", None),
        ("jianbing-2024", "案例分几大类", None, "categories", None),
        # editing a submitted entry (编辑 is 修改): until the deadline, not after
        ("donghu-2026", "提交后还能编辑不", None, "submit", "yes"),
        ("jianbing-2024", "提交以后还能编辑吗", None, "submit", "yes"),
        ("donghu-2026", "交了以后还能改吗", "2026-05-02T10:00:00+08:00", "submit", "no"),
        # where the judges come from: the notice does not say
        ("donghu-2026", "评委是从哪里请来的", None, "not_said", None),
        # a body the participants text opens the contest to, for the first time
        ("donghu-2026", "镇街党委今年首次能报是吧", None, "participants", "yes"),
    ],
)
def test_kinds_of_the_twelfth_sets_other_misses(
    stem: str, question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the twelfth and eleventh donghu sets missed."""
    assert _topic_and_verdict(stem, question, now) == (topic, verdict)


@pytest.mark.parametrize(
    ("stem", "question", "now", "topic", "verdict"),
    [
        # handing in now, or at a named time of the deadline day, in everyday words
        ("donghu-2026", "这会儿报还行吗", "2026-04-30T19:00:00+08:00", "deadline", "no"),
        ("donghu-2026", "下午三点交还行吗", "2026-04-30T11:00:00+08:00", "deadline", "yes"),
        ("donghu-2026", "晚上8点再报可以吧", "2026-04-30T11:00:00+08:00", "deadline", "no"),
        # a named time before the deadline, asked with 赶得上/赶趟
        ("donghu-2026", "明天上午10点交赶趟", "2026-04-29T20:00:00+08:00", "deadline", "yes"),
        ("donghu-2026", "明天中午交赶得及吧", "2026-04-29T20:00:00+08:00", "deadline", "yes"),
        ("donghu-2026", "5月1号上午交赶得上吧", "2026-04-29T20:00:00+08:00", "deadline", "no"),
        # whether a body the participants text names may now take part (也能, 今年)
        ("donghu-2026", "社区党委今年也能参加了吧", None, "participants", "yes"),
        # the judges' names, asked with 哪几位/哪位/什么人: the notice does not say
        ("donghu-2026", "打分的专家是哪位", None, "not_said", None),
        ("jianbing-2024", "评委是哪几位老师", None, "not_said", None),
        # changing a submitted entry, asked with 么: until the deadline, not after
        ("donghu-2026", "提交了还可以修改么", None, "submit", "yes"),
        ("donghu-2026", "提交了还可以修改么", "2026-05-03T10:00:00+08:00", "submit", "no"),
    ],
)
def test_kinds_of_the_thirteenth_sets_misses(
    stem: str, question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the thirteenth donghu set missed."""
    assert _topic_and_verdict(stem, question, now) == (topic, verdict)


@pytest.mark.parametrize(
    ("stem", "question", "now", "topic", "verdict"),
    [
        # whether the deadline has passed, asked with 是不是/已经 (yes after it, no before)
        ("donghu-2026", "截止日期是不是已经过去了", "2026-05-01T10:00:00+08:00", "deadline", "yes"),
        ("donghu-2026", "截止日期是不是已经过去了", "2026-04-28T10:00:00+08:00", "deadline", "no"),
        ("donghu-2026", "是不是已经超过截止时间了", "2026-05-01T10:00:00+08:00", "deadline", "yes"),
        # and the other way round: still open?
        ("donghu-2026", "还没到截止时间吧", "2026-04-28T10:00:00+08:00", "deadline", "yes"),
        ("donghu-2026", "还没到截止时间吧", "2026-05-01T10:00:00+08:00", "deadline", "no"),
        # handing in after it is another question: no
        ("donghu-2026", "截止以后还能补交吗", "2026-05-01T10:00:00+08:00", "deadline", "no"),
        # a same-sound typo beside a chance word (负者人工作: 人工 is no word there)
        ("donghu-2026", "负者人工作调动了可以换吗", None, "lead", "yes"),
        # a stage asked about today (今天, 这会儿 are now)
        ("donghu-2026", "今天是在评审吗", "2026-04-10T10:00:00+08:00", "current", "yes"),
        # PK is the final
        ("donghu-2026", "pk什么时候结束", None, "stage", None),
        # draft or submitted: the unit's own cases
        ("donghu-2026", "我们的申报书是草稿还是已提交", None, "my_cases", None),
    ],
)
def test_kinds_of_the_fourteenth_sets_misses(
    stem: str, question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the fourteenth donghu set missed."""
    assert _topic_and_verdict(stem, question, now) == (topic, verdict)


@pytest.mark.parametrize("message", ["懂了 谢谢解答", "明白了 多谢回复", "谢谢您的耐心解答"])
def test_thanks_for_an_answer_in_other_words_is_small_talk(message: str) -> None:
    """Thanks for the answer (解答, 回复) is thanks; 懂了 less 谢谢 leaves no 了解 to misread."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    assert match(message, contest).topic == "thanks"


@pytest.mark.parametrize(
    "question", ["村党支部组织村民在网上卖土鸡蛋 归哪类", "支部帮果农打开水果销路 适合哪个类别"]
)
def test_selling_a_villages_produce_is_recommended_the_development_category(
    question: str,
) -> None:
    """Selling produce (网上卖, 销路, 水果) is 产业发展, the development category, not 支部建设."""
    assert _topic_and_params(question) == ("recommend", {"category": "growth"})


def test_a_project_about_childrens_care_is_recommended_the_livelihood_category() -> None:
    """Everyday words for a family's need (放学, 孩子, 托管) read as the category's 急难愁盼."""
    assert _topic_and_params("社区给放学没人接的孩子搞托管 报哪个类别") == (
        "recommend",
        {"category": "livelihood"},
    )


@pytest.mark.parametrize(
    ("question", "verdict", "said"),
    [
        ("政治面貌要填吗", "yes", "中共党员、其他"),  # the member form's choices
        ("企业微信号可以不填吗", "yes", "选填"),
        ("成员手机必须填吗", "no", "《项目成员》"),
        ("手机要填吗", None, "《联络员信息》"),  # required for the contact, not for members
        ("联系人要填手机还是座机", None, "「办公电话」"),  # 座机 is the phone field
    ],
)
def test_a_registration_field_is_answered_from_its_form(
    question: str, verdict: str | None, said: str
) -> None:
    """Questions about the unit, contact and member forms' fields get the form's own rule."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    now = contest.submission_stage.start
    (answer,) = ask(question, contest, now=now)
    assert (answer.topic, answer.verdict) == ("fields", verdict)
    assert said in html.unescape(_say(contest, answer, now))


def test_a_registration_field_follows_each_contest_file(contest: Contest) -> None:
    """Whether the contact's office phone must be filled in is what the file's form says."""
    phone = next(f for f in contest.forms.contact.fields if f.kind == "phone")
    (answer,) = ask("联系人的办公电话要填吗", contest, now=contest.submission_stage.start)
    assert answer.topic == "fields"
    assert answer.verdict == ("yes" if phone.required else "no")


@pytest.mark.parametrize(
    ("ref", "params"),
    [
        ("fields:member.political_status", {"form": "member", "field": "political_status"}),
        ("fields:*.mobile", {"field": "mobile"}),
        ("fields:contact", {"form": "contact"}),
        ("fields:case.title", None),  # the document's form is the form topic's
        ("fields:member.nope", None),
        ("fields:nope", None),
    ],
)
def test_a_fields_reference_names_a_registration_form_or_field(
    ref: str, params: dict[str, str] | None
) -> None:
    """A button's ref for a field answer is checked against the contest's forms."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    answer = answer_for(ref, contest)
    assert (dict(answer.params) if answer else None) == params


@pytest.mark.parametrize(
    ("question", "now", "verdict"),
    [
        # whether handing in has opened, before and after the submission stage's start
        ("申报开始了没", "2026-03-30T10:00:00+08:00", "no"),
        ("申报开始了没", "2026-04-20T10:00:00+08:00", "yes"),
        ("申报通道开放了吗", "2026-04-02T10:00:00+08:00", "yes"),
        ("申报还没开始吧", "2026-03-30T10:00:00+08:00", "yes"),  # asked the other way round
        ("申报还没开始吧", "2026-04-20T10:00:00+08:00", "no"),
    ],
)
def test_whether_handing_in_has_opened_is_decided_by_the_clock(
    question: str, now: str, verdict: str
) -> None:
    """ "开始了没" is a yes/no question about now: the submission stage's start decides it."""
    assert _topic_and_verdict("donghu-2026", question, now) == ("opening", verdict)


@pytest.mark.parametrize(
    ("question", "now", "verdict"),
    [
        # a week named without a day: some day of it still open, or none
        ("下周还能交吗", "2026-03-30T10:00:00+08:00", "yes"),  # next week is 4月6日–12日
        ("下周还能交吗", "2026-04-27T10:00:00+08:00", "no"),  # next week starts after 4月30日
        ("这周交可以吗", "2026-04-27T10:00:00+08:00", "yes"),
        # a holiday of fixed dates, and the eve before it
        ("五一前交来得及吗", "2026-04-20T10:00:00+08:00", "yes"),
        ("国庆还能交吗", "2026-04-20T10:00:00+08:00", "no"),
    ],
)
def test_a_week_or_a_holiday_named_for_handing_in_is_compared_with_the_stage(
    question: str, now: str, verdict: str
) -> None:
    """ "下周", "五一前": a stretch of days is compared with the submission stage's days."""
    assert _topic_and_verdict("donghu-2026", question, now) == ("deadline", verdict)


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("主办单位是省委组织部吗", "no"),  # 省委 where the organizer is a 区委's
        ("是江川市委组织部办的吧", "no"),
        ("是区委组织部主办的吧", "yes"),
    ],
)
def test_an_organizer_named_at_another_level_is_not_the_organizer(
    question: str, verdict: str
) -> None:
    """A party committee of another level (市委, 省委) is compared with the file's, not unsure."""
    assert _topic_and_verdict("donghu-2026", question, None) == ("organizer", verdict)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("镇里的党总支有资格参赛吧", "participants"),  # a body with 有资格: who takes part
        ("区直机关的支部能报吧", "participants"),
        ("区直机关工委承办的吗", "organizer"),  # a body with 承办: who runs the contest
    ],
)
def test_a_body_asked_whether_it_may_enter_or_runs_the_contest(question: str, topic: str) -> None:
    """A district's body with 能报吧 or 有资格 asks who takes part; with 主办/承办, who runs it."""
    assert _topic_and_verdict("donghu-2026", question, None)[0] == topic


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("参加比拼的交通费谁出", "travel"),
        ("现场那天中午管不管饭", "travel"),
        ("比拼前能不能去走台", "rehearsal"),
        ("获奖的有奖杯吗", "certificate"),
        ("要不要收钱", "fee"),
        ("评审专家有几位", "judges"),
    ],
)
def test_arrangements_the_notice_does_not_say_are_said_to_be_unstated(
    question: str, subject: str
) -> None:
    """Travel and meals, rehearsals, trophies, fees, how many judges: the file does not say."""
    assert _topic_and_params(question) == ("not_said", {"subject": subject})


@pytest.mark.parametrize(
    "question", ["交了以后还要发邮件吗", "除了这里是不是还有其他系统要报", "还得往邮箱发一份吗"]
)
def test_another_channel_asked_of_where_the_bot_is_official_is_no(question: str) -> None:
    """E-mail or another system beside the bot: no, where the file makes the bot official."""
    assert _topic_and_verdict("donghu-2026", question, None) == ("official_system", "no")


@pytest.mark.parametrize(
    ("message", "kind"),
    [("请问你是真人吗", "greeting"), ("你是机器人吗", "greeting"), ("晓得啦 再见", "thanks")],
)
def test_who_the_bot_is_and_goodbyes_are_small_talk(message: str, kind: str) -> None:
    """Asking whether the bot is a person is a greeting; 晓得了, 拜拜, 再见 close a talk."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    assert match(message, contest).topic == kind


@pytest.mark.parametrize(
    ("question", "params"),
    [
        ("单位类型有哪些选项", {"field": "unit_type", "form": "unit"}),  # choosing a choice
        ("政治面貌应该选哪个", {"field": "political_status", "form": "member"}),
        ("企业wx号要填吗", {"field": "wecom", "form": "contact"}),  # an alias of 企业微信
    ],
)
def test_a_fields_choices_and_its_aliases_name_the_field_and_its_form(
    question: str, params: dict[str, str]
) -> None:
    """Choosing (怎么选, 选项) asks about a field; a field of one form only names that form."""
    assert _topic_and_params(question) == ("fields", params)


@pytest.mark.parametrize(
    ("message", "topics"),
    [
        ("团队几个人负责人能换吗", ["team", "lead"]),  # two questions typed without a break
        ("比拼几号在哪比", ["stage", "not_said"]),
        ("截止是几号字数有要求吗", ["deadline", "word_limit"]),
        # one question each: a value asked of nothing, a question word cut from its object
        ("现场比拼大概几号到几号", ["stage"]),
        ("负责人能评什么荣誉吗", ["honours"]),
        ("前几名能去市里参赛吗", ["provincial"]),
    ],
)
def test_two_questions_typed_without_a_break_are_both_answered(
    message: str, topics: list[str]
) -> None:
    """A short message with two asking words is split where both halves ask something else."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    answers = ask(message, contest, now=contest.submission_stage.start)
    assert [a.topic for a in answers] == topics


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        ("初选是按得分高低选的吗", "yes"),  # the preliminary's description says 得分高低
        ("项目初选是不是匿名的", "yes"),  # its judging text says 匿名
        ("比拼是擂台赛吧", "yes"),
        # a word said only inside another stage's name (进入现场选拔比拼): not decided
        ("初选是不是现场评审", None),
        ("比拼是不是线上打分", None),  # a word the description does not say: not decided
    ],
)
def test_a_stage_asked_about_what_its_description_says_is_yes(
    question: str, verdict: str | None
) -> None:
    """A yes/no question on a stage is yes when its description says every word asked."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask(question, contest, now=contest.submission_stage.start)
    assert (answer.topic, answer.verdict) == ("stage", verdict)


@pytest.mark.parametrize(
    ("question", "now", "verdict"),
    [
        ("此刻提交还算数吗", "2026-04-30T17:00:00+08:00", "yes"),  # handing in now, counted
        ("现在交上去还算数不", "2026-04-30T18:30:00+08:00", "no"),  # after the deadline
        ("快到点了 交上去还来得及吗", "2026-04-30T17:50:00+08:00", "yes"),
    ],
)
def test_whether_handing_in_now_still_counts_is_the_deadlines(
    question: str, now: str, verdict: str
) -> None:
    """ "现在交还算数吗" asks about the deadline, not whether the bot is the official channel."""
    assert _topic_and_verdict("donghu-2026", question, now) == ("deadline", verdict)


@pytest.mark.parametrize(
    ("question", "now", "topic", "verdict"),
    [
        ("推荐市级展评的是15个吧", None, "provincial", "yes"),  # a value offered with 吧
        ("初选选出20个吧", None, "advance", "no"),
        ("在这里交的 组织部能收到吗", None, "official_system", "yes"),  # the bot official
        ("是不是只用这个机器人报就行", None, "official_system", "yes"),
        ("打算年底才搞的活动能报吗", None, "originality", "no"),  # work only planned
        ("这周比拼吗", "2026-05-19T10:00:00+08:00", "stage", "yes"),  # a week against its days
        ("下周比拼吗", "2026-05-19T10:00:00+08:00", "stage", "no"),
    ],
)
def test_offered_values_the_channel_plans_and_a_stages_week(
    question: str, now: str | None, topic: str, verdict: str
) -> None:
    """吧 offers a value to confirm; 收到/只用 ask about the channel; 打算 is work not done."""
    assert _topic_and_verdict("donghu-2026", question, now) == (topic, verdict)


@pytest.mark.parametrize(
    ("question", "category"),
    [
        # the body that does the work comes first: who acts, not what the project is about
        ("村党支部组织党员开网店帮村民卖特产 报哪类", "growth"),
        ("社区党支部给快递小哥设了歇脚点 报哪类", "livelihood"),
        ("给送外卖的骑手建休息驿站 报哪个类别", "livelihood"),  # new kinds of work's needs
    ],
)
def test_the_acting_body_of_a_described_project_does_not_decide_its_category(
    question: str, category: str
) -> None:
    """ "村党支部…" says who does the work; the work itself (网店, 送餐, 驿站) is compared."""
    assert _topic_and_params(question) == ("recommend", {"category": category})


def test_a_described_projects_live_broadcast_is_its_work_not_an_unstated_arrangement() -> None:
    """直播 in a described project asked with 哪个组 is recommended, not "not said"."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    (answer,) = ask(
        "村里搞直播带村民卖水果 适合报哪个组", contest, now=contest.submission_stage.start
    )
    assert answer.topic == "recommend"


@pytest.mark.parametrize("question", ["比拼能说相声吗", "比拼时来段快板中不中", "比拼上台朗诵行吗"])
def test_a_form_of_show_beside_the_final_asks_how_it_may_be_presented(question: str) -> None:
    """快板, 相声, 朗诵 beside the final (and 中不中, everyday for 行不行) ask about presenting."""
    assert _topic_and_verdict("donghu-2026", question, None)[0] == "presentation"


@pytest.mark.parametrize(
    ("question", "now", "topic", "verdict"),
    [
        # A没A and 有没有 ask plainly, whatever 没 stands beside
        ("申报通道开没开", "2026-03-20T10:00:00+08:00", "opening", "no"),
        ("申报开放没开放", "2026-04-03T10:00:00+08:00", "opening", "yes"),
        ("系统有没有开通", "2026-04-03T10:00:00+08:00", "opening", "yes"),
        # after a holiday is the day after its last
        ("国庆以后还能交吗", "2026-04-20T10:00:00+08:00", "deadline", "no"),
    ],
)
def test_either_way_questions_on_the_opening_and_after_a_holiday(
    question: str, now: str, topic: str, verdict: str
) -> None:
    """开没开 is not 没开: it asks plainly; 五一以后 is the day after the holiday."""
    assert _topic_and_verdict("donghu-2026", question, now) == (topic, verdict)


def test_an_opening_verb_does_not_word_a_modals_verdict() -> None:
    """ "还没开始做的项目能报吗" is answered 不能, not 还没有 (opening words come after modals)."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = contest.submission_stage.start
    (answer,) = ask("还没开始做的活动能报吗", contest, now=moment)
    context = answer_context(answer, contest, moment, None)
    assert (answer.verdict, context["verdict_words"]) == ("no", "不能")


@pytest.mark.parametrize(
    ("question", "now", "topic", "verdict"),
    [
        # 了吧 asks whether it has closed, like 了吗 (was read as "can I still hand in")
        ("报名结束了吧", "2026-05-03T09:00:00+08:00", "deadline", "yes"),
        ("申报截止了吧", "2026-04-20T09:00:00+08:00", "deadline", "no"),
        ("机器人里交的组织部认不认", None, "official_system", "yes"),  # 认: counted
        ("类别是分五类吗", None, "categories", "no"),  # a Chinese count before 类
        ("我们单位有没有报过项目", None, "my_cases", None),  # the unit's own cases
    ],
)
def test_kinds_of_the_fifteenth_sets_misses(
    question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the fifteenth donghu set missed."""
    assert _topic_and_verdict("donghu-2026", question, now) == (topic, verdict)


def test_a_body_leading_the_work_is_not_what_the_project_is_about() -> None:
    """ "村支部领着村民…" (领着, as 带着) says who does the work: 产业 decides the category."""
    assert _topic_and_params("村党支部领着大家种茶叶 发展产业 报哪个组") == (
        "recommend",
        {"category": "growth"},
    )


@pytest.mark.parametrize(
    ("stem", "question", "now", "topic", "verdict"),
    [
        # a day said as the deadline, asked to confirm without 是 (截止4月20号对吗)
        ("donghu-2026", "报名截止4月20号对吧", None, "deadline", "no"),
        ("donghu-2026", "截止四月二十号对不对", None, "deadline", "no"),
        # whether the notice sets a limit at all, asked without a number
        ("donghu-2026", "字数有没有要求", None, "word_limit", "no"),
        ("jianbing-2024", "说明书字数有限制吗", None, "word_limit", "yes"),
        # pinyin initials of the lead (qtr, fzr), read as the word
        ("donghu-2026", "xmfzr能换吗", None, "lead", "yes"),
        # here is enough, said with 不用再…: the bot is the official channel
        ("donghu-2026", "交到这就可以了吧 不需要另外发邮件", None, "official_system", "yes"),
        # a site of the organizer's own to hand in on: none, where the bot takes the entries
        ("donghu-2026", "有没有专门的申报系统", None, "official_system", "no"),
        # every entry going on, where a number goes on
        ("donghu-2026", "报上去的项目都能进比拼吗", None, "advance", "no"),
        # a field left empty (空着, 留空) asks whether it must be filled
        ("donghu-2026", "联络人的企业微信号能留空吗", None, "fields", "yes"),
        # a stage's criteria asked as 评分…方面
        ("donghu-2026", "初选打分看哪几个方面", None, "stage", None),
        # a stage under way asked with 正在进行; a submitted entry's 改改
        ("donghu-2026", "初选是不是正在进行", "2026-04-10T10:00:00+08:00", "current", "yes"),
        ("donghu-2026", "都交上去了 还可以改一改不", None, "submit", "yes"),
    ],
)
def test_kinds_of_the_sixteenth_sets_misses(
    stem: str, question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the sixteenth donghu set missed."""
    assert _topic_and_verdict(stem, question, now) == (topic, verdict)


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("社区组织党员医生开展义诊 报哪个组", "livelihood"),  # health care brought to people
        ("我们支部把发展党员的台账理清楚了 该报哪个组", "foundation"),  # the party's own work
    ],
)
def test_health_care_and_member_records_are_read_as_their_categories(
    question: str, category: str
) -> None:
    """义诊, 送药 are a need of the people served; 发展党员, 台账 build the organisation."""
    assert _topic_and_params(question) == ("recommend", {"category": category})


def test_what_the_asker_tells_of_themselves_asks_nothing() -> None:
    """ "我们草稿写了一半 还有几天能交" is one question, about the deadline."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = datetime.fromisoformat("2026-04-27T10:00:00+08:00")
    answers = ask("我们申报书刚开了个头 还剩几天能交", contest, now=moment)
    assert [a.topic for a in answers] == ["deadline"]


def test_the_organizer_named_is_not_respelled() -> None:
    """找组织部交 keeps the organizer's 部: it is no 补交 (a late hand-in)."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    assert respell("要不要再找组织部交一份", contest) == "要不要再找组织部交一份"


@pytest.mark.parametrize(
    ("question", "now", "topic", "verdict"),
    [
        # regional words (冇, 么时候) read in the common language, 什么时候 left as it is
        ("我们的申报书交了冇", None, "my_cases", "no"),
        ("申报么时候截止", None, "deadline", None),
        ("比拼什么时候", None, "stage", None),
        # a trailing particle (咯, 撒) does not hide the yes/no ending
        ("现在还能交不咯", "2026-04-30T19:00:00+08:00", "deadline", "no"),
        # whether a stage is under way, asked with 在搞, 开打, 比完
        ("比拼是不是还在搞", "2026-05-21T10:00:00+08:00", "current", "yes"),
        ("比拼开打没", "2026-05-12T10:00:00+08:00", "current", "no"),
        # blind judging is the file's own fact (stages.judging.blind)
        ("初选是背靠背评审吗", None, "stage", "yes"),
        # a person's name offered as the contact, not the file's
        ("联系人是不是李强", None, "contacts", "no"),
        # "从47个里选26个": how many enter is not how many go on
        ("从47个项目中选26个进比拼对吧", None, "advance", "yes"),
        ("初选是从47个里面选30个吗", None, "advance", "no"),
        # handing in another way beside the bot (微信, 纸质): no, the bot is the channel
        ("申报书用微信发给组织科可以吗", None, "official_system", "no"),
        # a page to hand in on (申报网址, 申报入口) is the official channel
        ("申报入口在哪里", None, "official_system", None),
        # whether the unit has a draft, not whether it handed one in
        ("帮我看看我们单位有没有存着的草稿", None, "my_cases", "yes"),
        # a body's new kinds of work described, and the field's choices named (勾哪个, 下拉框)
        ("报送单位下拉框都有哪些", None, "fields", None),
    ],
)
def test_kinds_of_the_seventeenth_probes_misses(
    question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the four seventeenth development probes missed."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = datetime.fromisoformat(now) if now else contest.submission_stage.start
    asker = Asker(registered=True, cases=(CaseBrief(title="x", submitted=False),))
    (answer,) = ask(question, contest, now=moment, asker=asker)
    assert (answer.topic, answer.verdict) == (topic, verdict)


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("您好 我是青石镇党委的联络员", ["greeting"]),
        (
            "老师好 我们是柳湾街道党工委的 想问两个问题 截止是几号 一个队几个人",
            ["deadline", "team"],
        ),
        ("我们是桃源街道的 能报名吗", ["participants"]),  # who they are is what it asks
    ],
)
def test_who_is_asking_is_no_question(question: str, topics: list[str]) -> None:
    """An introduction ("我是…的联络员") asks nothing, unless the question is about the asker."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    answers = ask(question, contest, now=contest.submission_stage.start)
    assert [a.topic for a in answers] == topics


def test_a_fields_answer_lists_the_submitters_to_choose_from() -> None:
    """ "报送单位有哪些可选": the choices come from the file's submitters, named one by one."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = contest.submission_stage.start
    (answer,) = ask("报送单位那一栏选项有哪些", contest, now=moment)
    text = render(f"answers/{answer.topic}.html", **answer_context(answer, contest, moment, None))
    assert all(s.name in text for s in contest.registration.submitters)


def test_the_nearest_phrasings_outweigh_keywords_that_point_elsewhere() -> None:
    """Labelled phrasings like it say "the unit's cases" where 支部 made the keywords say who
    may enter; a confident answer no keyword of theirs supports stays (前20名能进比拼吗)."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = contest.submission_stage.start
    (answer,) = ask("麻烦帮查一下俺们支部申报书的状态", contest, now=moment)
    assert answer.topic == "my_cases"
    (answer,) = ask("前20名能进比拼吗", contest, now=moment)
    assert answer.topic == "advance"


@pytest.mark.parametrize(
    ("question", "topic", "verdict"),
    [
        ("比拼之前要不要走个台", "not_said", None),  # 走个台: a rehearsal
        ("项目申报书需不需要盖公章", "not_said", None),  # a seal: the notice does not say
        ("刚开始策划的项目能报吗", "originality", "no"),  # work only planned
        ("申报系统开通了没得", "opening", "yes"),  # 没得: 没有
    ],
)
def test_kinds_of_the_seventeenth_sets_misses(
    question: str, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the seventeenth donghu set missed."""
    assert _topic_and_verdict("donghu-2026", question, "2026-04-10T10:00:00+08:00") == (
        topic,
        verdict,
    )


def test_the_segmenter_loads_without_setuptools_pkg_resources():
    """jieba opens its files without pkg_resources (≈0.1 s of CPU at the first question)."""
    script = (
        "import sys; import contest.questions as q; q._tokenizer(); "
        "print('pkg_resources' in sys.modules, q._tokenizer().lcut('材料什么时候交'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded, _, words = done.stdout.strip().partition(" ")
    assert loaded == "False"
    assert "材料" in words


@pytest.mark.parametrize(
    ("question", "now", "topics", "verdict"),
    [
        # a stage named by handing in: the submission stage under way
        ("现在是交申报书的阶段吧", "2026-04-15T10:00:00+08:00", ["current"], "yes"),
        # handing in now, asked before the opening: the opening, not the deadline
        ("四月还没到 现在能先交吗", "2026-03-28T15:00:00+08:00", ["opening"], "no"),
        # 顺便问下 opens another question after a request
        ("给个组织科电话 顺便问下奖项有哪些", None, ["contacts", "awards"], None),
        # Cantonese 系唔系: 是不是
        ("截止系唔系4月30号", None, ["deadline"], "yes"),
        # 那几天 names the days, it asks nothing
        ("比拼那几天有没有统一安排吃住", None, ["not_said"], None),
    ],
)
def test_kinds_of_the_eighteenth_sets_misses(
    question: str, now: str | None, topics: list[str], verdict: str | None
) -> None:
    """Other phrasings of the kinds the eighteenth donghu set missed."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    moment = datetime.fromisoformat(now) if now else contest.submission_stage.start
    answers = ask(question, contest, now=moment)
    assert ([a.topic for a in answers], answers[0].verdict) == (topics, verdict)


def test_the_examples_file_is_built_from_the_sets_and_the_matcher_as_they_are() -> None:
    """``contest/examples.json`` (the phrasings and their BM25 terms) is current: rebuild it
    with ``python -m contest.build_examples`` after changing a set or the segmentation."""
    from contest import build_examples

    assert build_examples.current(), "run: .venv/bin/python -m contest.build_examples"


def test_the_sound_table_is_pypinyins_reading_of_every_character() -> None:
    """contest/sounds.txt is what build_sounds() makes from pypinyin. After an upgrade of
    pypinyin: ``.venv/bin/python -c "from contest.questions import SOUNDS_FILE, build_sounds;
    SOUNDS_FILE.write_text(build_sounds(), encoding='utf-8')"``."""
    from contest.questions import SOUNDS_FILE, build_sounds

    assert SOUNDS_FILE.read_text(encoding="utf-8") == build_sounds()


def test_hearing_a_typo_loads_no_pypinyin() -> None:
    """The matcher reads each character's sound from sounds.txt: pypinyin is never imported."""
    script = (
        "import sys\n"
        "from contest.questions import prepare, _syllables\n"
        "prepare()\n"
        "assert _syllables('截止') == ' jie zhi '\n"
        "print('pypinyin' in sys.modules)\n"
    )
    assert printed(script) == "False"


DONGHU = ROOT / "contests" / "donghu-2026.toml"


def _topics(message: str) -> list[str]:
    contest = load_contest(DONGHU)
    now = contest.submission_stage.start + timedelta(days=2)
    return [a.topic for a in ask(message, contest, now=now)]


@pytest.mark.parametrize(
    ("message", "topics"),
    [
        # a numbered list, one question per number
        ("1.截止日期 2.团队人数上限", ["deadline", "team"]),
        # a piece after 顺便问下 asks a second thing, though it asks with no question word
        ("评审怎么打分 顺便问下主办单位", ["stage", "organizer"]),
        # two questions typed without a break, the first ending in 吗 or asking 有没有
        ("能不能换负责人有没有字数限制", ["lead", "word_limit"]),
        # a described project's category, then a question of another topic
        ("我们村建了个党员先锋岗帮老人代办事 报哪类好 团队最多几个人", ["recommend", "team"]),
    ],
)
def test_a_message_of_several_questions_is_answered_in_full(
    message: str, topics: list[str]
) -> None:
    """A numbered list, a piece after 顺便, glued questions, a project then another question."""
    assert _topics(message) == topics


@pytest.mark.parametrize(
    "message",
    [
        "比拼时评委是当场打分的吗",  # 当场 for the file's 现场
        "比拼是不是要先展示再答辩",  # two criteria named, light words around them
        "比拼是不是评委当场打分再取平均",  # 再取 for the file's 后取
    ],
)
def test_a_stage_question_restating_its_description_loosely_is_yes(message: str) -> None:
    """The stage's description and criteria said back with light words around them: yes."""
    contest = load_contest(DONGHU)
    now = contest.submission_stage.start + timedelta(days=2)
    (answer,) = ask(message, contest, now=now)
    assert (answer.topic, answer.verdict) == ("stage", "yes")


@pytest.mark.parametrize(
    "message",
    ["现场比拼有没有直播 在哪能看", "得奖有奖金吗 大概多少"],
)
def test_an_unstated_subject_is_one_question_with_its_weak_pieces(message: str) -> None:
    """A subject the file does not state, asked about again in a weak piece: one answer."""
    assert _topics(message) == ["not_said"]


@pytest.mark.parametrize(
    ("message", "topic", "verdict"),
    [
        ("而家可唔可以交申报书", "deadline", "yes"),  # 粤语: 而家 现在, 可唔可以 可不可以
        ("报名要唔要交钞票", "not_said", None),  # 粤语 要唔要, 吴语 钞票: a fee, not said
    ],
)
def test_cantonese_and_wu_words_are_read_in_the_common_language(
    message: str, topic: str, verdict: str | None
) -> None:
    """Regional words written in the common language before anything reads the message."""
    contest = load_contest(DONGHU)
    now = contest.submission_stage.start + timedelta(days=2)
    (answer,) = ask(message, contest, now=now)
    assert (answer.topic, answer.verdict) == (topic, verdict)


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        # 客家, 闽南, 天津, 陕西 and 山西 words, read as the common language
        ("𠊎兜今晡日做得报么", "我们今天可以报么"),
        ("汝看阮个材料有交出去无", "你看我们个材料有交出去吗"),
        ("敢要盖章 即马按怎弄", "是否要盖章 现在怎么弄"),
        ("介比赛几号开始", "这比赛几号开始"),
        ("您了帮眊一哈", "您帮看一下"),
        ("初选评结了没", "初选评完了没"),
        ("额想报个项目 额们村个", "我想报个项目 我们村个"),
        ("截止是甚时候 有甚要求", "截止是什么时候 有什么要求"),
        ("申报书是毋是写啥物都做得", "申报书是不是写什么都做得"),
        # the same characters as words of the common language stay as they are
        ("入围名额有几个", "入围名额有几个"),
        ("项目简介写多少字", "项目简介写多少字"),
        ("中介机构能报吗", "中介机构能报吗"),
        ("有无盖章要求", "有无盖章要求"),
        ("无需盖章吧", "无需盖章吧"),
        ("甚至没写完能交吗", "甚至没写完能交吗"),
        ("总结了经验做法", "总结了经验做法"),
        ("敢问一下截止时间", "敢问一下截止时间"),
        ("谢谢您了", "谢谢您了"),
        ("阮老师在吗", "阮老师在吗"),
        ("项目做得好有奖吗", "项目做得好有奖吗"),
        ("金额多少 额度够不够", "金额多少 额度够不够"),
    ],
)
def test_regional_words_are_read_where_they_stand_as_the_regions(typed: str, read: str) -> None:
    """额, 介, 敢, 无, 甚 are the region's words only where they stand so (额是, 介么, 敢 opening
    a question, 无 ending one); in 名额, 简介, 敢问, 有无, 甚至 they are the common words."""
    assert in_common_words(typed) == read


@pytest.mark.parametrize(
    ("question", "now", "topic", "verdict"),
    [
        # how things were handed in before is background, not the channel asked about
        ("听同事讲往年都是发邮件报的 今年在这边提交了就算数吧", None, "official_system", "yes"),
        ("之前听说只有区直机关能报 今年镇街党委也能报了吧", None, "participants", "yes"),
        # 十几分钟 tells how long is left: it asks nothing of a presentation's minutes
        ("还剩十几分钟 现在提交还赶得上吗", "2026-04-30T17:45:00+08:00", "deadline", "yes"),
        # a video's file format is the unstated file format, not the forms of show
        ("视频做成mov可以吗", None, "not_said", None),
        ("现场放的视频要做成啥格式", None, "not_said", None),
    ],
)
def test_kinds_of_the_twenty_fourth_sets_misses(
    question: str, now: str | None, topic: str, verdict: str | None
) -> None:
    """Other phrasings of the kinds the twenty-fourth donghu set missed."""
    assert _topic_and_verdict("donghu-2026", question, now) == (topic, verdict)


@pytest.mark.parametrize(
    ("question", "topics", "verdict"),
    [
        # chat before the questions asks nothing: the two questions after it are answered
        ("刚开完会回来累死了 顺便问下 截止是几号 队伍最多几个人", ["deadline", "team"], None),
        # a worry said after the yes/no question leaves it a yes/no question
        ("在这上面提交的作数不 免得白忙", ["official_system"], "yes"),
        # whether nothing is handed in yet, asked to confirm
        ("我们单位应该还没交过项目吧", ["my_cases"], "yes"),
    ],
)
def test_questions_after_a_story_or_small_talk(
    question: str, topics: list[str], verdict: str | None
) -> None:
    """What is told before or after a question asks nothing of its own (the twenty-fourth set)."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    answers = ask(question, contest, now=contest.submission_stage.start, asker=Asker(True, ()))
    assert ([a.topic for a in answers], answers[0].verdict) == (topics, verdict)


@pytest.mark.parametrize(
    ("question", "now", "verdict"),
    [
        # traditional characters are read in simplified ones, the clock too: 五點半 is 17:30
        ("截止時間是四月三十號下午五點半嗎", None, "no"),
        ("截止時間是4月30號下午六點 對嗎", None, "yes"),
        # a day said before 截止了 is the day confirmed, not a question whether it has closed
        ("我記得4月20號就截止了 是吧", "2026-04-10T10:00:00+08:00", "no"),
        ("同事说4月30号才截止 对吧", "2026-04-10T10:00:00+08:00", "yes"),
        # a clock without its part of the day has both readings: 六点 may be 18:00
        ("截止是30号六点吧", "2026-04-10T10:00:00+08:00", "yes"),
        ("截止是30号早上六点吧", "2026-04-10T10:00:00+08:00", "no"),
        # no day said: whether it has closed, as before
        ("文本申报已经截止了是吧", "2026-05-02T10:00:00+08:00", "yes"),
    ],
)
def test_a_deadline_said_to_confirm_is_compared_with_the_files(
    question: str, now: str | None, verdict: str
) -> None:
    """A moment said to confirm that differs from the file's is never confirmed (the 25th set)."""
    assert _topic_and_verdict("donghu-2026", question, now) == ("deadline", verdict)


def test_the_traditional_table_is_the_one_built_from_zhconv() -> None:
    """contest/simplified.txt is what ``python -m contest.build_simplified`` writes."""
    from contest import build_simplified

    assert build_simplified.TABLE_FILE.read_text(encoding="utf-8") == build_simplified.text()
    assert in_common_words("報名時間 係唔係") == "报名时间 是不是"  # 係 is left to 粤语's table


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("申報書給是要蓋章", "申报书是不是要盖章"),  # traditional characters, then 云南 给是
        ("现在给能交", "现在能不能交"),
        ("资料交给是谁收", "资料交给是谁收"),  # 交给 stays
        ("入口开了木", "入口开了没"),
        ("一直木有通知", "一直没有通知"),
        ("树木有几棵", "树木有几棵"),  # a wood, not 没: 木有 only where it stands alone
    ],
)
def test_words_of_the_twenty_fifth_sets_regions(typed: str, read: str) -> None:
    """云南 给是/给能 and 了木/木有 are read in the common language where they ask."""
    assert in_common_words(typed) == read


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        # a short question after who they are asks about them
        ("我们是镇上的村支部 也能参加吧", ["participants"]),
        # a topic named after who they are is asked, not a greeting
        ("我们是桃源街道的 字数要求", ["word_limit"]),
        # who sent them asks nothing: the question after it is answered alone
        ("书记安排我对接擂台赛的事 队伍最多几个人", ["team"]),
        ("您好 我是区卫健局的小王 领导派我来对接这次比赛的事", ["greeting"]),
        # a faint piece beside a question sure of its topic follows it
        ("负责人手机号要填本人的吗 怎么弄", ["fields"]),
        ("在?", ["greeting"]),
        ("申报书用不用盖章", ["not_said"]),
    ],
)
def test_what_is_told_around_a_question_of_the_twenty_fifth_set(
    question: str, topics: list[str]
) -> None:
    """Other phrasings of the kinds the twenty-fifth donghu set missed."""
    contest = load_contest(ROOT / "contests" / "donghu-2026.toml")
    answers = ask(question, contest, now=contest.submission_stage.start, asker=Asker(True, ()))
    assert [a.topic for a in answers] == topics
