"""/schedule at several moments: before, during each stage, between, after."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import BEIJING


def at(month: int, day: int, hour: int) -> datetime:
    """Return a moment of 2024 in Beijing time."""
    return datetime(2024, month, day, hour, 0, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (
            at(5, 25, 12),
            ["大赛尚未开始", "2024年6月3日（周一）09:00"],
        ),
        (at(7, 15, 23), ["▶️ 文本申报（进行中）", "还有 59 分钟"]),
        (
            at(7, 20, 9),
            ["▶️ 文本评审（进行中）", "2024年8月8日（周四）23:59"],
        ),
        (at(8, 10, 9), ["▶️ 专家辅导（进行中）"]),
        (
            at(8, 20, 9),
            ["阶段间隙", "综合评选", "2024年9月1日（周日）00:00"],
        ),
        (
            at(9, 5, 9),
            [
                "▶️ 综合评选（进行中）",
                "展示不超过 6 分钟",
                # the notice names no day: its words, with the moments they are taken as
                "9月上旬（按 9月1日（周日）00:00 至 9月10日（周二）23:59 计）",
                "当前阶段：综合评选（9月上旬（按",
                "9月下旬（按 9月21日（周六）00:00 至 9月30日（周一）23:59 计）",
            ],
        ),
        (at(9, 25, 9), ["▶️ 省赛准备（进行中）"]),
        (at(10, 1, 9), ["各阶段已全部结束"]),
    ],
)
async def test_schedule_marks_the_current_stage(harness, moment, expected):
    harness.at(moment)
    user = harness.user()
    await user.send("/schedule")
    text = user.last_reply.text
    for fact in expected:
        assert fact in text
    assert "2024年6月3日（周一）09:00 至 2024年7月15日（周一）23:59" in text
    assert "▶️" not in text or text.count("▶️") == 1
