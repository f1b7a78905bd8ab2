"""What the console tests enter through the bot: two units, cases in two categories, one
submitted with a restricted word and its 依据, a draft, and the copy taken at the deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.services import services_of
from handlers.cases import freeze_closed_stages
from storage.db import transaction
from storage.models import Case
from tests.conftest import BEIJING
from tests.flows.test_cases import (
    BACKGROUND_1,
    add_lead,
    answer_lead,
    answer_lists,
    cases_of,
    registered,
    start_case,
    texts_since,
)

SUBMITTED_TITLE = "政务服务再提速"
SECOND_TITLE = "机关作风大转变"
DRAFT_TITLE = "草稿中的案例"
EVIDENCE = "经市政务服务数据管理局认定为全国首创"


@dataclass
class World:
    """The ids the tests check against."""

    unit_a: int
    unit_b: int
    submitted: int
    second: int
    draft: int


async def _case(user, category: str, title: str, background: str) -> None:
    await start_case(user)
    await user.press(category)
    await user.send(title)
    await answer_lead(user)
    await user.send(background)
    await user.press("✅ 完成")
    await answer_lists(user)
    mark = user.mark()
    await user.press("否")
    assert "请核对" in texts_since(user, mark)
    await user.press("✅ 确认")


async def build_world(harness) -> World:
    """Enter the cases through the sandbox, as contact persons would."""
    user_a, unit_a = await registered(harness, 1001, unit_name="深圳市甲局")
    user_b, unit_b = await registered(harness, 1002, unit_name="深圳市乙局")
    await _case(user_a, "发展提质", SUBMITTED_TITLE, BACKGROUND_1)
    submitted = (await cases_of(harness, unit_a))[-1].id
    await add_lead(harness, submitted)
    await user_a.press("✅ 提交案例")
    await _case(user_b, "党建赋能", SECOND_TITLE, BACKGROUND_1)
    second = (await cases_of(harness, unit_b))[-1].id
    await add_lead(harness, second, name="王五")
    async with transaction(services_of(harness.app).sessions) as session:
        case = await session.get(Case, second)
        assert case is not None
        case.values = {**case.values, "background": case.values["background"] + "全国首创。"}
        (hit,) = _hits(harness, case.values)
        case.evidence = {hit.hit_id: EVIDENCE}
        session.add(case)
    await user_b.send("/start")
    await user_b.press("menu:cases")
    await user_b.press(f"case:{second}")
    await user_b.press("✅ 提交案例")
    assert (await cases_of(harness, unit_b))[-1].status == "submitted"
    await start_case(user_b)
    await user_b.press("正风增效")
    await user_b.send(DRAFT_TITLE)
    await user_b.press("⏸ 暂停")
    draft = (await cases_of(harness, unit_b))[-1].id
    return World(unit_a, unit_b, submitted, second, draft)


def _hits(harness, values):
    from contest.lifecycle import wording_hits

    return wording_hits(services_of(harness.app).contest, values)


async def close_submission(harness) -> int:
    """Move past the text-submission deadline and take the stage-close copies."""
    harness.at(datetime(2024, 7, 16, 9, 0, tzinfo=BEIJING))
    return await freeze_closed_stages(services_of(harness.app))
