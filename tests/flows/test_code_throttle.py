"""Joining with invite codes is throttled per person: 5 wrong codes in 10 minutes, then a wait."""

from __future__ import annotations

from datetime import datetime, timedelta

from contest.throttle import code_wait_until
from storage.models import CodeFailure
from tests.conftest import BEIJING
from tests.flows.test_registration import make_invite, rows

START = datetime(2024, 7, 1, 10, 0, 20, tzinfo=BEIJING)
WRONG = ["ABCD2345", "BCDE3456", "CDEF4567", "DEFG5678", "EFGH6789", "FGHJ7892"]


async def test_five_wrong_codes_make_the_person_wait_until_an_exact_moment(harness):
    code = await make_invite(harness)
    user, other = harness.user(1001), harness.user(1002)
    harness.at(START)
    for minute, wrong in enumerate(WRONG[:4]):
        harness.at(START + timedelta(minutes=minute))
        await user.send(wrong)
        assert "没有找到这个邀请码" in user.last_reply.text
    harness.at(START + timedelta(minutes=4, seconds=30))
    await user.send(WRONG[4])
    wait = user.last_reply.text
    assert "10 分钟内已输错 5 次邀请码" in wait
    assert "请于 2024年7月1日（周一）10:11 之后再试" in wait  # 10:00:20 + 10 min, rounded up

    harness.at(START + timedelta(minutes=6))
    await user.send(f"/start {code}")  # even the right code waits
    assert "2024年7月1日（周一）10:11" in user.last_reply.text
    await other.send(WRONG[5])  # somebody else is not affected
    assert "没有找到这个邀请码" in other.last_reply.text

    await harness.restart()  # the count is in the database
    harness.at(START + timedelta(minutes=9))
    await user.send(f"/start {code}")
    assert "10:11 之后再试" in user.last_reply.text
    assert len(await rows(harness, CodeFailure, CodeFailure.person_id.is_not(None))) == 6

    harness.at(datetime(2024, 7, 1, 10, 11, tzinfo=BEIJING))
    await user.send(f"/start {code}")
    assert "您正在为深圳市某某局登记参赛单位" in "\n".join(m.text for m in user.replies_since(0))


def test_the_rule_counts_only_the_window():
    now = datetime(2024, 7, 1, 10, 0, tzinfo=BEIJING)
    minutes = [now - timedelta(minutes=m) for m in (12, 9, 7, 5, 3)]
    assert code_wait_until(minutes, now) is None  # one of the five is older than 10 minutes
    minutes.append(now)
    assert code_wait_until(minutes, now) == now + timedelta(minutes=1)  # 09:51 + 10 min
    assert code_wait_until([now] * 5, now) == now + timedelta(minutes=10)
    assert code_wait_until([now] * 4, now) is None
