"""What 提交 means (issue 14): where the bot only drafts for the organizer's own system.

The 2024 notice has entries made in its 网络报名系统 (register, then 案例—案例报送—新增案例,
upload the 说明书), so in the bot 提交 only settles the text: the reply says so plainly,
gives the notice's steps with the .docx to upload, and the contact marks the case
"已在官网提交"; /todo, the organizer's /status and the console's case table use the mark.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from config.services import services_of
from storage.models import AuditEvent, Case
from tests.flows.test_cases import registered, stored
from tests.flows.test_cases_lifecycle import ready_case


async def audit_actions(harness: Any) -> list[tuple[str, dict[str, Any]]]:
    """Return the audit log's actions and details, oldest first."""
    async with services_of(harness.app).sessions() as session:
        events = (await session.exec(select(AuditEvent).order_by(AuditEvent.id))).all()
    return [(e.action, e.detail) for e in events]


async def test_submitting_here_says_it_is_not_entering_gives_the_steps_and_the_file(harness):
    user, unit_id = await registered(harness)
    case_id = await ready_case(harness, user, unit_id)
    mark = user.mark()
    await user.press("✅ 提交案例")
    steps, card = user.replies_since(mark)[-2:]
    assert "✅ 已提交（第 1 版）到本助手" in card.text
    assert "这还不是正式报名" in card.text and "网络报名系统" in card.text
    assert "✅ 已在官网提交" in card.button_labels()
    # The notice's steps, word for word from the contest file, with the .docx to upload.
    assert steps.document is not None
    assert steps.document["file_name"] == "政务服务再提速-参赛案例说明书.docx"
    assert "1. 打开大赛网络报名系统，注册账号" in steps.text
    assert "2. 选择“案例—案例报送—新增案例”" in steps.text
    assert "https://djcxcg.szjgdj.sz.gov.cn/" in steps.text
    assert steps.button_labels() == ["✅ 已在官网提交", "↩️ 返回案例"]
    assert (await stored(harness, case_id)).official_at is None

    # Until the mark is set, /todo says what is left, and so does the organizer's /status.
    await user.send("/todo")
    assert "还要在网络报名系统中提交才算报名" in user.last_reply.text
    organizer = harness.organizer()
    await organizer.send("/status")
    assert "官网待提交 1" in organizer.last_reply.text, organizer.last_reply.text

    await user.press("✅ 已在官网提交", steps)
    assert "已记录：本案例已在网络报名系统中提交" in user.last_reply.text
    case = await stored(harness, case_id)
    assert case.official_at is not None
    async with services_of(harness.app).sessions() as session:
        row = await session.get(Case, case_id)
        assert row is not None and row.official_by is not None
    assert ("case_official", {"case_id": case_id}) in await audit_actions(harness)
    assert "↩️ 撤销“已在官网提交”" in user.last_reply.button_labels()
    await user.send("/todo")
    assert "✅ 已在网络报名系统中提交" in user.last_reply.text
    await organizer.send("/status")
    assert "官网待提交" not in organizer.last_reply.text

    # Withdrawing to edit takes the mark back: the copy there is no longer the one to judge.
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{case_id}")
    await user.press("↩️ 撤回修改")
    await user.press("确认撤回")
    assert "再上传到网络报名系统" in user.last_reply.text
    assert (await stored(harness, case_id)).official_at is None


async def test_the_mark_is_refused_before_submitting_here(harness):
    user, unit_id = await registered(harness)
    case_id = await ready_case(harness, user, unit_id)
    from tests.flows.test_cases import forge_press

    await forge_press(harness, user, f"case:{case_id}:official")
    assert "请先在本助手中提交" in user.last_reply.text
    assert (await stored(harness, case_id)).official_at is None
