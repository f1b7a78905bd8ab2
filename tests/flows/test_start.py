"""Foundation flows: /start, /help, /cancel, the menu, the command list, errors."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import BEIJING
from tests.harness import ORGANIZER_ID


async def test_start_shows_contest_stage_deadline_and_menu(harness):
    user = harness.user()
    await user.send("/start")
    reply = user.last_reply
    assert "2024年深圳市“尖兵杯”工作创新大赛" in reply.text
    assert "党建引领转作风 改革创新促发展" in reply.text
    assert "当前阶段：文本申报" in reply.text
    assert "2024年7月15日（周一）23:59" in reply.text
    assert "还有 14 天 13 小时" in reply.text
    labels = reply.button_labels()
    assert "📝 报名登记" in labels and "🗓 赛程安排" in labels


async def test_start_before_first_and_after_last_stage(harness):
    user = harness.user()
    harness.at(datetime(2024, 5, 30, 9, 0, tzinfo=BEIJING))
    await user.send("/start")
    assert "大赛尚未开始" in user.last_reply.text
    assert "2024年6月3日（周一）09:00" in user.last_reply.text
    harness.at(datetime(2024, 10, 8, 9, 0, tzinfo=BEIJING))
    await user.send("/start")
    assert "各阶段已全部结束" in user.last_reply.text


async def test_menu_button_answers_in_place(harness):
    user = harness.user()
    await user.send("/start")
    await user.press("🗓 赛程安排")
    text = user.last_reply.text
    assert "文本评审" in text and "2024年8月8日（周四）23:59" in text
    await user.press("↩️ 返回主菜单")
    assert "主题" in user.last_reply.text


async def test_help_and_cancel(harness):
    user = harness.user()
    await user.send("/help")
    assert "/schedule" in user.last_reply.text
    assert "/broadcast" not in user.last_reply.text
    await user.send("/cancel")
    assert "没有进行中的填写" in user.last_reply.text


async def test_organizers_get_their_commands_in_a_chat_scope(harness):
    await harness.user().send("/start")
    await harness.organizer().send("/start")
    user_commands = await harness.user().commands()
    organizer_commands = await harness.organizer().commands()
    assert "schedule" in {c["command"] for c in user_commands}
    assert "broadcast" not in {c["command"] for c in user_commands}
    assert "broadcast" in {c["command"] for c in organizer_commands}
    await harness.organizer().send("/help")
    assert "/broadcast" in harness.user(ORGANIZER_ID).last_reply.text


async def test_a_failing_handler_apologizes_without_a_trace(harness, monkeypatch):
    import handlers.browse as schedule_module  # where the schedule is worked out

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(schedule_module, "position", broken)
    user = harness.user()
    await user.send("/schedule")
    reply = user.last_reply.text
    assert "没有完成" in reply
    assert "boom" not in reply and "Traceback" not in reply
