"""The README's first journey, step by step, as ``./run --demo`` sets it up.

If this test changes, change the recipe in the README ("The first journey") with it.
"""

from __future__ import annotations

import re

from bot import demo
from bot.demo import demo_moment, prepare_demo

BACKGROUND = (
    "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项，推动数据共享，"
    "建立一次办好的工作机制，群众满意度明显提升。"
)


async def test_the_first_journey_of_the_readme(harness, contest) -> None:
    # 1. ./run --demo: the clock inside 文本申报, user 1001 an organizer, a unit code ready.
    harness.at(demo_moment(contest))
    harness.settings.organizer_ids.append(demo.ORGANIZER_ID)
    prepared = await prepare_demo(harness.settings, contest, harness.clock.now())

    # 2. The organizer's page: /invite → 🏢 单位邀请码 → the unit's name → a new code.
    organizer = harness.user(demo.ORGANIZER_ID)
    await organizer.send("/start")
    await organizer.send("/invite")
    await organizer.press("🏢 单位邀请码")
    await organizer.send("深圳市某某局")
    card = organizer.last_reply.text
    assert "单位邀请码：" in card
    code = re.search(r"单位邀请码：([A-Z0-9]{8})", card).group(1)
    assert code != prepared.code and f"?start={code}" in card

    # 3. The contact's page (?user=1002&start=CODE sends /start CODE): register.
    contact = harness.user(demo.CONTACT_ID)
    await contact.send(f"/start {code}")
    assert "党组织名称" in contact.last_reply.text
    await contact.send("中共深圳市某某局机关委员会")
    await contact.send("深圳市某某局")
    await contact.press("市直机关工委")
    await contact.press("✅ 确认")
    for answer in ("张三", "办公室副主任", "0755-88134325", "13800138000"):
        await contact.send(answer)
    await contact.press("✅ 确认")
    assert "登记完成" in contact.last_reply.text

    # 4. Draft a case: ➕ 新建案例, then answer field by field.
    await contact.press("➕ 新建案例")
    await contact.press("发展提质")
    await contact.send("“一网通办”再提速 政务服务更贴心")
    for answer in ("李四", "二级主任科员", "0755-88134324", "13900001111"):
        await contact.send(answer)
    await contact.send(BACKGROUND)
    await contact.press("✅ 完成")
    for item in ("建立跨部门数据共享机制", "再造审批流程", "打造统一服务入口"):
        await contact.send(item)
    for item in ("办理时限压缩一半", "群众满意度提升", "相关做法在全市推广"):
        await contact.send(item)
    await contact.press("否")
    assert "请核对" in contact.last_reply.text
    await contact.press("✅ 确认")
    card = contact.last_reply.text
    assert "项目团队：1 人" in card  # the 牵头人 is the team's lead, 用工性质 still to give
    assert "李四 的信息待补充：用工性质" in card and "可以提交" not in card

    # 5. The team: 👥 项目团队 → 📝 补全李四的信息 (what the 说明书 does not say: 在编).
    await contact.press("👥 项目团队")
    assert "待补充：用工性质" in contact.last_reply.text
    await contact.press("📝 补全李四的信息")
    await contact.press("在编")
    await contact.press("✅ 确认")
    assert "待补充" not in contact.last_reply.text
    await contact.press("↩️ 返回案例")

    # 6. Submit: ✅ 提交案例.
    await contact.press("✅ 提交案例")
    assert "✅ 已提交（第 1 版）" in contact.last_reply.text
    assert "↩️ 撤回修改" in contact.last_reply.button_labels()

    # 7. The organizer sees it: /status.
    await organizer.send("/status")
    assert "已提交 1" in organizer.last_reply.text
