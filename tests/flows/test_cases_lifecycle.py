"""A case's lifecycle through the sandbox: submit (to the second), withdraw and resubmit,
locking at the deadline, forged buttons, stage-close copies and the advancing cases."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from config.services import services_of
from handlers.cases import freeze_closed_stages
from storage.cases import unit_case
from storage.db import transaction
from storage.models import Advancement, FormProgress
from tests.conftest import BEIJING
from tests.flows.test_cases import (
    BACKGROUND_1,
    add_lead,
    answer_lead,
    cases_of,
    draft_to_review,
    forge_press,
    registered,
    revisions,
    start_case,
    stored,
)

LAST_SECOND_BUT_ONE = datetime(2024, 7, 15, 23, 59, 58, tzinfo=BEIJING)
JUST_AFTER = datetime(2024, 7, 16, 0, 0, 0, tzinfo=BEIJING)
CLOSED_MESSAGE = "「文本申报」已于 2024年7月15日（周一）23:59 截止"
NO_WORDING = "政务服务再提速"


async def ready_case(harness, user, unit_id, *, title=NO_WORDING):
    """Draft a complete case without restricted words, with a lead; return its id."""
    await draft_to_review(user, title=title, background=[BACKGROUND_1])
    await user.press("✅ 确认")
    case = (await cases_of(harness, unit_id))[-1]
    await add_lead(harness, case.id)
    return case.id


async def test_submit_lists_exactly_what_is_missing(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send(NO_WORDING)
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{case.id}")
    toast = await user.press("✅ 提交案例")
    assert toast and "还不能提交" in toast["text"]
    text = user.last_reply.text
    assert "未填写：牵头人姓名、牵头人职务、牵头人办公电话、牵头人手机、案例背景" in text
    assert "案例创新点、案例取得的成果（或预期成效）、往年是否参赛" in text
    assert "还没有添加团队成员" in text
    assert (await stored(harness, case.id)).status == "draft"


async def test_submit_is_accepted_to_the_last_second_and_refused_after(harness):
    user, unit_id = await registered(harness)
    first = await ready_case(harness, user, unit_id)
    second = await ready_case(harness, user, unit_id, title="社区治理新探索")
    harness.at(LAST_SECOND_BUT_ONE)
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{first}")
    assert "还有 不到 1 分钟" in user.last_reply.text or "即将截止" in user.last_reply.text
    await user.press("✅ 提交案例")
    assert "✅ 已提交（第 1 版）" in user.last_reply.text
    assert "提交时间：2024年7月15日（周一）23:59" in user.last_reply.text
    harness.at(JUST_AFTER)
    await user.press("menu:cases")
    await user.press(f"case:{second}")
    card = user.last_reply
    assert CLOSED_MESSAGE in card.text and "案例已锁定" in card.text
    assert "✅ 提交案例" not in card.button_labels()
    assert "✏️ 填写/修改" not in card.button_labels()
    await forge_press(harness, user, f"case:{second}:submit")
    assert f"不能再提交：{CLOSED_MESSAGE}" in user.last_reply.text
    assert (await stored(harness, second)).status == "draft"
    assert (await stored(harness, first)).status == "submitted"
    (revision,) = await revisions(harness, first)
    assert (revision.reason, revision.stage_key, revision.number) == ("submission", "submission", 1)


async def test_withdraw_and_resubmit_while_the_stage_is_open(harness):
    user, unit_id = await registered(harness)
    case_id = await ready_case(harness, user, unit_id)
    await user.press("✅ 提交案例")
    card = user.last_reply
    assert "✅ 已提交" in card.text and "↩️ 撤回修改" in card.button_labels()
    assert "✏️ 填写/修改" not in card.button_labels()
    # a submitted case is not edited in place
    await forge_press(harness, user, f"case:{case_id}:edit")
    assert "已提交，不能直接修改" in user.last_reply.text
    await user.press("↩️ 撤回修改")
    assert "确定要撤回《政务服务再提速》吗" in user.last_reply.text
    assert "2024年7月15日（周一）23:59" in user.last_reply.text
    await user.press("确认撤回")
    assert "已撤回，案例回到草稿状态" in user.last_reply.text
    assert (await stored(harness, case_id)).status == "draft"
    await user.press("✏️ 填写/修改")
    await user.press("✏️ 牵头人职务")
    await user.send("一级主任科员")
    await user.press("✅ 确认")
    await user.press("✅ 提交案例")
    assert "✅ 已提交（第 2 版）" in user.last_reply.text
    first, second = await revisions(harness, case_id)
    assert first.values["lead_title"] == "二级主任科员"
    assert second.values["lead_title"] == "一级主任科员"
    assert {first.reason, second.reason} == {"submission"}
    case = await stored(harness, case_id)
    assert case.status == "submitted" and case.ever_submitted


async def test_a_form_left_open_is_locked_at_the_deadline(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send(NO_WORDING)
    await answer_lead(user)
    await user.send(BACKGROUND_1)
    (case,) = await cases_of(harness, unit_id)
    before = dict((await stored(harness, case.id)).values)
    harness.at(JUST_AFTER)
    await user.send("这句是截止后才发的。")
    assert f"不能再修改：{CLOSED_MESSAGE}" in user.last_reply.text
    field_prompt = next(m for m in reversed(user.messages()) if "✅ 完成" in m.button_labels())
    await user.press("✅ 完成", message=field_prompt)
    assert f"不能再修改：{CLOSED_MESSAGE}" in user.last_reply.text
    assert (await stored(harness, case.id)).values == before
    async with services_of(harness.app).sessions() as session:
        (progress,) = (await session.exec(select(FormProgress))).all()
    assert progress.form_key == "case" and not progress.active
    # the form is paused: the next text is a question again, not an answer
    await user.send("截止时间是什么时候")
    assert "不能再修改" not in user.last_reply.text
    # preview and export stay available
    await forge_press(harness, user, f"case:{case.id}:docx")
    assert user.last_reply.document is not None


async def test_another_units_case_cannot_be_reached_with_forged_buttons(harness):
    alice, alice_unit = await registered(harness, 1001, unit_name="深圳市甲局")
    case_id = await ready_case(harness, alice, alice_unit, title="全国首创的甲局做法")
    bob, bob_unit = await registered(harness, 1002, unit_name="深圳市乙局")
    await bob.send("/start")
    await alice.press("⚠️ 处理用词（1）")
    hit_data = next(data for row in alice.last_reply.buttons for _, data in row if ":ev:" in data)
    before = await stored(harness, case_id)
    for data in [
        f"case:{case_id}",
        f"case:{case_id}:edit",
        f"case:{case_id}:submit",
        f"case:{case_id}:docx",
        f"case:{case_id}:preview",
        f"case:{case_id}:words",
        f"case:{case_id}:import",
        f"case:{case_id}:fix:title",
        f"case:{case_id}:withdraw:yes",
        hit_data,
    ]:
        mark = bob.mark()
        await forge_press(harness, bob, data)
        replies = bob.replies_since(mark)
        assert [m.text for m in replies] == [
            "找不到这个案例，或它不属于您的单位。请从“我的案例”重新选择。"
        ], data
        assert all(m.document is None for m in replies)
        assert "甲局" not in bob.last_reply.text
    # nor through the form: a form button carries a progress id that is re-checked
    await forge_press(harness, bob, "f:1:ok:")
    assert bob.last_toast and "按钮已过期" in bob.last_toast["text"]
    after = await stored(harness, case_id)
    assert (after.values, after.status, after.evidence) == (before.values, "draft", {})
    async with services_of(harness.app).sessions() as session:
        assert await unit_case(session, case_id=case_id, unit_id=bob_unit) is None
        assert await unit_case(session, case_id=case_id, unit_id=alice_unit) is not None
    assert await cases_of(harness, bob_unit) == []


async def test_stage_close_freezes_the_submitted_text_once(harness):
    user, unit_id = await registered(harness)
    submitted = await ready_case(harness, user, unit_id, title="已提交的案例")
    await user.press("✅ 提交案例")
    withdrawn = await ready_case(harness, user, unit_id, title="撤回未再提交的案例")
    await user.press("✅ 提交案例")
    await user.press("↩️ 撤回修改")
    await user.press("确认撤回")
    await user.press("✏️ 填写/修改")
    await user.press("✏️ 案例名称")
    await user.send("撤回后改过的名称")
    await user.press("✅ 确认")
    never = await ready_case(harness, user, unit_id, title="从未提交的案例")
    jobs = {job.name for job in harness.app.job_queue.jobs()}
    assert {"case-freeze:submission", "case-freeze:coaching"} <= jobs
    harness.at(datetime(2024, 7, 16, 9, 0, tzinfo=BEIJING))
    await harness.restart()  # the bot was down at the deadline: it catches up at start
    await harness.restart()  # and does not copy twice
    assert await freeze_closed_stages(services_of(harness.app)) == 0
    frozen = [r for r in await revisions(harness, submitted) if r.reason == "stage_close"]
    assert [(r.stage_key, r.values["title"]) for r in frozen] == [("submission", "已提交的案例")]
    frozen = [r for r in await revisions(harness, withdrawn) if r.reason == "stage_close"]
    assert [r.values["title"] for r in frozen] == ["撤回未再提交的案例"]
    assert await revisions(harness, never) == []
    jobs = {job.name for job in harness.app.job_queue.jobs()}
    assert "case-freeze:coaching" in jobs and "case-freeze:submission" not in jobs


async def test_advancing_cases_reopen_during_coaching_and_lock_at_its_end(harness):
    user, unit_id = await registered(harness)
    advancing = await ready_case(harness, user, unit_id, title="入选的案例")
    await user.press("✅ 提交案例")
    other = await ready_case(harness, user, unit_id, title="未入选的案例")
    await user.press("✅ 提交案例")
    async with transaction(services_of(harness.app).sessions) as session:
        session.add(Advancement(case_id=advancing, stage_key="review"))
    harness.at(datetime(2024, 7, 20, 9, 0, tzinfo=BEIJING))  # 文本评审: locked for everyone
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{advancing}")
    assert "入选案例可在「专家辅导」阶段（2024年8月9日（周五）00:00" in user.last_reply.text
    assert "↩️ 撤回修改" not in user.last_reply.button_labels()
    harness.at(datetime(2024, 8, 10, 9, 0, tzinfo=BEIJING))  # 专家辅导
    await user.press("menu:cases")
    await user.press(f"case:{other}")
    assert "↩️ 撤回修改" not in user.last_reply.button_labels()
    await forge_press(harness, user, f"case:{other}:withdraw:yes")
    assert f"不能再撤回：{CLOSED_MESSAGE}" in user.last_reply.text
    await user.press("menu:cases")
    await user.press(f"case:{advancing}")
    assert "「专家辅导」2024年8月16日（周五）23:59 截止" in user.last_reply.text
    await user.press("↩️ 撤回修改")
    await user.press("确认撤回")
    await user.press("✏️ 填写/修改")
    await user.press("✏️ 案例名称")
    await user.send("入选的案例（修改稿）")
    await user.press("✅ 确认")
    await user.press("✅ 提交案例")
    assert "✅ 已提交（第 2 版）" in user.last_reply.text
    harness.at(datetime(2024, 8, 17, 9, 0, tzinfo=BEIJING))
    await harness.restart()
    coaching = [
        (r.stage_key, r.values["title"])
        for r in await revisions(harness, advancing)
        if r.reason == "stage_close"
    ]
    assert coaching == [("submission", "入选的案例"), ("coaching", "入选的案例（修改稿）")]
    assert [r.stage_key for r in await revisions(harness, other) if r.reason == "stage_close"] == [
        "submission"
    ]
    await user.press("menu:cases")
    await user.press(f"case:{advancing}")
    assert "「专家辅导」已于 2024年8月16日（周五）23:59 截止" in user.last_reply.text
