"""/todo and the main menu's "现在该做什么": what each unit should do now, or how to join."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import BEIJING
from tests.flows.test_cases import (
    BACKGROUND_1,
    add_lead,
    answer_lead,
    cases_of,
    registered,
    start_case,
)


async def test_an_unregistered_person_is_told_how_to_get_an_invite(harness):
    user = harness.user(1001)
    await user.send("/todo")
    text = user.last_reply.text
    assert "当前阶段：文本申报" in text
    assert "您还没有登记参赛单位" in text and "邀请链接" in text
    assert "王宇昕（大赛联系人）：0755-88134324、18824257869" in text


async def test_a_unit_without_cases_is_told_to_start_one(harness):
    user, _ = await registered(harness)
    await user.send("/start")
    await user.press("✅ 现在该做什么")
    text = user.last_reply.text
    assert "您的单位还没有案例" in text
    assert "「文本申报」2024年7月15日（周一）23:59 截止，还有 14 天 13 小时" in text
    assert "➕ 新建案例" in user.last_reply.button_labels()


async def test_each_case_says_what_is_missing_and_the_deadline(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("政务服务再提速")
    await answer_lead(user)
    await user.send(BACKGROUND_1)
    await user.press("✅ 完成")
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    harness.at(datetime(2024, 7, 12, 20, 0, tzinfo=BEIJING))
    await user.send("/todo")
    text = user.last_reply.text
    assert "1. 《政务服务再提速》" in text
    assert "还差：案例创新点、案例取得的成果（或预期成效）、往年是否参赛；完善项目团队" in text
    assert "「文本申报」2024年7月15日（周一）23:59 截止，还有 3 天 3 小时" in text
    assert "📄 政务服务再提速" in user.last_reply.button_labels()
    await add_lead(harness, case.id)
    await user.press("📄 政务服务再提速")
    assert "《政务服务再提速》" in user.last_reply.text


async def test_after_the_deadline_unsubmitted_cases_are_said_to_be_locked(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("政务服务再提速")
    await user.press("⏸ 暂停")
    harness.at(datetime(2024, 7, 20, 9, 0, tzinfo=BEIJING))
    await user.send("/todo")
    text = user.last_reply.text
    assert "当前阶段：文本评审" in text
    assert "🔒 未提交，「文本申报」已于 2024年7月15日（周一）23:59 截止" in text
    assert "➕ 新建案例" not in user.last_reply.button_labels()
    # A judging stage's end is no deadline of an entrant's: the next one is the coaching's,
    # for the cases that go on; once that is past too, /todo says so and what comes next.
    assert "下一个截止：「文本评审」" not in text
    assert "下一个截止：「专家辅导」（入选案例修改）2024年8月16日（周五）23:59" in text
    harness.at(datetime(2024, 8, 20, 9, 0, tzinfo=BEIJING))
    await user.send("/todo")
    text = user.last_reply.text
    assert "下一个截止" not in text
    assert "申报已截止（「文本申报」2024年7月15日（周一）23:59）。接下来是「综合评选」。" in text


async def test_before_the_first_stage_and_after_the_last_no_stage_is_invented(harness):
    harness.at(datetime(2024, 5, 30, 9, 0, tzinfo=BEIJING))
    user, _ = await registered(harness)
    await user.send("/todo")
    text = user.last_reply.text
    assert "大赛尚未开始" in text and "2024年6月3日（周一）09:00" in text
    assert "当前阶段" not in text
    harness.at(datetime(2024, 10, 8, 9, 0, tzinfo=BEIJING))
    await user.send("/todo")
    text = user.last_reply.text
    assert "各阶段已全部结束" in text
    assert "当前阶段" not in text and "截止，还有" not in text
    stranger = harness.user(1002)
    await stranger.send("/todo")
    assert "本届大赛已经结束" in stranger.last_reply.text
    assert "邀请链接" not in stranger.last_reply.text
