"""Questions in free text, answered from the contest file, through the sandbox."""

from __future__ import annotations

import pytest

from contest.definition import load_contest
from tests.conftest import CONTESTS


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("ddl是几号", ["2024年7月15日（周一）23:59", "还有"]),
        ("决赛讲几分钟", ["6 分钟"]),
        ("牵头人能换吗", ["不允许变更"]),
        ("去年报过的还能报吗", ["一等奖、二等奖"]),
        ("区里的单位怎么报", ["区直机关工委"]),
        ("几个人一队", ["5"]),
        ("字数怎么算", ["3000"]),
        ("能用首创吗", ["依据"]),
        ("电话多少", ["88134324"]),
    ],
)
async def test_questions_are_answered_with_the_rule(harness, question, facts):
    user = harness.user()
    await user.send(question)
    text = user.last_reply.text
    for fact in facts:
        assert fact in text, text


async def test_unsure_answer_offers_topics_and_the_contacts(harness):
    user = harness.user()
    await user.send("那个东西怎么弄啊")
    reply = user.last_reply
    assert "不太确定" in reply.text
    assert "王宇昕" in reply.text
    assert 2 <= len(reply.buttons) <= 3
    topic = reply.button_labels()[0]
    await user.press(topic)
    assert "不太确定" not in user.last_reply.text


async def test_answers_follow_the_contest_file(harness):
    harness.contest = load_contest(CONTESTS / "dangjian-2023.toml")
    await harness.restart()
    user = harness.user()
    await user.send("文本申报截止是什么时候")
    assert "2023年6月9日（周五）23:59" in user.last_reply.text
    await user.send("决赛讲几分钟")
    assert "8 分钟" in user.last_reply.text


async def test_ask_button_takes_the_next_message_as_a_question(harness):
    user = harness.user()
    await user.send("/start")
    await user.press("❓ 提问")
    assert "请直接发送您的问题" in user.last_reply.text
    await user.send("？")
    assert "请直接发送您的问题" in user.last_reply.text


async def test_a_question_inside_a_form_keeps_the_form(harness):
    from tests.flows.test_registration import make_invite

    code = await make_invite(harness)
    user = harness.user()
    await user.send(f"/start {code}")
    await user.send("中共深圳市某某局机关委员会")
    assert "推荐单位" in user.last_reply.text
    mark = user.mark()
    await user.send("？ddl是几号")
    replies = user.replies_since(mark)
    assert "2024年7月15日（周一）23:59" in replies[0].text
    assert "第 2/3 项" in replies[-1].text and "推荐单位" in replies[-1].text
    await user.press("❓ 提问")
    await user.send("决赛讲几分钟")
    assert "第 2/3 项" in user.last_reply.text
    await user.send("深圳市某某局")
    assert "申报渠道" in user.last_reply.text
    await user.press("⬅️ 上一项")
    assert "深圳市某某局" in user.last_reply.text  # nothing entered was lost
