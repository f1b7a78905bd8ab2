"""A case's project team through the bot: members, the lead, and the rules at their edges."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from config.services import services_of
from storage.db import transaction
from storage.models import Case, FormProgress, TeamMember
from storage.units import attach_contact, create_unit, save_contact, save_unit
from tests.db import telegram_person

RULE = "团队牵头成员不允许变更，其余团队成员因特殊原因需要变更的，允许更换一次。"


async def rows(harness, model, *where):
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def contact_with_case(harness, telegram_id=1001, *, unit_id=None, title="智慧党建促服务"):
    """Register a contact person of a unit (a new one unless given) with one case."""
    user = harness.user(telegram_id)
    await user.send("/start")
    services = services_of(harness.app)
    async with transaction(services.sessions) as session:
        if unit_id is None:
            unit = await create_unit(session, now=harness.clock.now())
            await save_unit(
                session,
                unit_id=unit.id,
                party_org=f"中共深圳市{telegram_id}局机关委员会",
                recommending_unit="深圳市某局",
                submitter_key="city",
            )
            unit_id = unit.id
        person = await telegram_person(session, telegram_id)
        await attach_contact(session, person_id=person.id, unit_id=unit_id)
        await save_contact(
            session,
            person_id=person.id,
            name="张三",
            title="科员",
            office_phone="0755-88134324",
            mobile="13800138000",
        )
        case = Case(unit_id=unit_id, values={"title": title})
        session.add(case)
        await session.flush()
        case_id = case.id
    return user, unit_id, case_id


async def show_case_card(harness, user, case_id):
    """Show the user a case card with its team button, as handlers/cases.py does."""
    button = InlineKeyboardButton("👥 项目团队", callback_data=f"team:{case_id}")
    markup = InlineKeyboardMarkup([[button]])
    await harness.app.bot.send_message(user.user_id, "案例", reply_markup=markup)
    await user.refresh()
    await user.press("👥 项目团队")


async def put_members(harness, case_id, *names, lead_first=True, submitted=False):
    """Write team members straight into the database (setup for the boundary tests)."""
    async with transaction(services_of(harness.app).sessions) as session:
        for slot, name in enumerate(names, start=1):
            session.add(
                TeamMember(
                    case_id=case_id,
                    slot=slot,
                    name=name,
                    title="科员",
                    employment="staff",
                    is_lead=lead_first and slot == 1,
                )
            )
        if submitted:
            case = await session.get(Case, case_id)
            case.ever_submitted = True
            case.status = "submitted"
            session.add(case)


async def add_member(user, name, *, lead=False, contract_start=None):
    await user.press("➕ 添加牵头队员" if lead else "➕ 添加队员")
    await user.send(name)
    await user.send("科员")
    await user.press("跳过")
    await user.press("跳过")
    if contract_start:
        await user.press("聘用")
        await user.send(contract_start)
    else:
        await user.press("在编")
    await user.press("✅ 确认")


async def press_old(harness, user, data):
    """Press a button the bot no longer offers (an old message's, or a forged one)."""
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("旧按钮", callback_data=data)]])
    await harness.app.bot.send_message(user.user_id, "旧消息", reply_markup=markup)
    await user.refresh()
    return await user.press(data)


async def team(harness, case_id):
    return await rows(harness, TeamMember, TeamMember.case_id == case_id)


def active(members):
    return sorted((m for m in members if m.active), key=lambda m: m.slot)


# ---- building the team -----------------------------------------------------------------


async def test_adding_the_lead_through_every_member_field(harness):
    user, _, case_id = await contact_with_case(harness)
    await show_case_card(harness, user, case_id)
    view = user.last_reply
    assert "项目团队 · 《智慧党建促服务》" in view.text and "成员 0/5 人" in view.text
    assert "还没有队员" in view.text
    assert view.button_labels() == ["➕ 添加牵头队员", "↩️ 返回案例"]
    await user.press("➕ 添加牵头队员")
    assert "团队成员 · 第 1/5 项" in user.last_reply.text
    assert "正在添加牵头队员" in user.last_reply.text
    await user.send("李" * 21)
    assert "内容太长：最多 20 个字" in user.last_reply.text
    await user.send("李四")
    await user.send("二级主任科员")
    assert "办公电话（选填）" in user.last_reply.text
    await user.send("8813432")
    assert "已按深圳的区号 0755 补全为 0755-8813432" in user.last_reply.text
    await user.press("跳过")
    await user.send("1380013800")
    assert "手机号格式不对" in user.last_reply.text
    await user.press("⬅️ 上一项")
    assert "办公电话" in user.last_reply.text
    await user.send("0755-88134325")
    await user.send("13800138001")
    await user.send("临时工")
    assert "没有“临时工”这个选项" in user.last_reply.text
    await user.send("聘用")
    assert "聘用起始日期" in user.last_reply.text
    await user.send("2023年13月1日")
    assert "日期格式不对" in user.last_reply.text
    await user.send("2025-01-01")
    assert "日期不能晚于今天" in user.last_reply.text
    await user.send("2023/6/15")
    review = user.last_reply.text
    assert "用工性质：聘用" in review and "聘用起始日期：2023-06-15" in review
    await user.press("✏️ 用工性质")
    await user.press("在编")
    review = user.last_reply.text
    assert "用工性质：在编" in review and "聘用起始日期" not in review
    await user.press("✅ 确认")
    view = user.last_reply.text
    assert "已添加队员：李四" in view
    assert "1. 李四（牵头队员） · 二级主任科员 · 在编" in view
    assert "团队符合大赛要求" in view
    assert user.last_reply.button_labels() == ["👤 1. 李四 ★", "➕ 添加队员", "↩️ 返回案例"]
    (lead,) = await team(harness, case_id)
    assert (lead.name, lead.is_lead, lead.slot, lead.office_phone, lead.mobile) == (
        "李四",
        True,
        1,
        "0755-88134325",
        "13800138001",
    )
    assert (lead.employment, lead.contract_start) == ("staff", None)
    assert await rows(harness, FormProgress) == []


async def test_five_members_fit_and_a_sixth_is_refused(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二", "丙三", "丁四")
    await show_case_card(harness, user, case_id)
    four = user.last_reply
    assert "成员 4/5 人" in four.text
    await add_member(user, "戊五")
    view = user.last_reply
    assert "成员 5/5 人" in view.text and "5. 戊五" in view.text
    assert "团队符合大赛要求" in view.text
    assert "➕ 添加队员" not in view.button_labels()
    await user.press("➕ 添加队员", four)  # the button of the view with four members
    assert "团队已满：每个项目团队不超过 5 人" in user.last_reply.text
    assert len(active(await team(harness, case_id))) == 5
    assert await rows(harness, FormProgress) == []


async def test_two_leads_are_refused_and_no_lead_is_a_problem(harness):
    user, _, case_id = await contact_with_case(harness)
    await show_case_card(harness, user, case_id)
    empty = user.last_reply
    await add_member(user, "李四", lead=True)
    await add_member(user, "王五")
    # an old "add the lead" button, pressed when the team has its lead
    await user.press("➕ 添加牵头队员", empty)
    assert "团队已经有牵头队员，牵头队员只能有 1 位" in user.last_reply.text
    assert [m.is_lead for m in active(await team(harness, case_id))] == [True, False]

    # remove the lead before submission: allowed, then the team has no lead
    await show_case_card(harness, user, case_id)
    await user.press("👤 1. 李四 ★")
    await user.press("🗑 移出团队")
    assert "确定把李四移出团队吗" in user.last_reply.text
    await user.press("🗑 确认移出")
    view = user.last_reply
    assert "已将李四移出团队" in view.text
    assert "还没有牵头队员" in view.text
    assert "➕ 添加牵头队员" in view.button_labels()
    await user.press("👤 1. 王五")
    await user.press("⭐ 设为牵头队员")
    assert "已将王五设为牵头队员" in user.last_reply.text
    assert "团队符合大赛要求" in user.last_reply.text
    assert [(m.name, m.is_lead) for m in active(await team(harness, case_id))] == [("王五", True)]


async def test_a_second_lead_is_refused_at_confirm_too(harness):
    first, unit_id, case_id = await contact_with_case(harness, 1001)
    second = harness.user(1002)
    await contact_with_case(harness, 1002, unit_id=unit_id)
    await show_case_card(harness, first, case_id)
    await show_case_card(harness, second, case_id)
    await first.press("➕ 添加牵头队员")
    await second.press("➕ 添加牵头队员")
    for user, name in ((first, "李四"), (second, "王五")):
        await user.send(name)
        await user.send("科员")
        await user.press("跳过")
        await user.press("跳过")
        await user.press("在编")
    await first.press("✅ 确认")
    await second.press("✅ 确认")
    assert "团队已经有牵头队员" in second.last_reply.text
    assert [(m.name, m.is_lead) for m in active(await team(harness, case_id))] == [("李四", True)]


async def test_contract_of_eleven_and_thirteen_months(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一")
    await show_case_card(harness, user, case_id)
    await add_member(user, "乙二", contract_start="2023-08-15")
    view = user.last_reply.text
    assert "按文本申报截止日 2024年7月15日 计算" in view
    assert "乙二自 2023年8月15日 起聘用，到截止日聘用期 11 个月，不足 12 个月" in view
    assert "2. 乙二 · 科员 · 聘用（2023年8月15日起）" in view
    await user.press("👤 2. 乙二")
    await user.press("✏️ 修改信息")
    await user.press("✏️ 聘用起始日期")
    await user.send("2023-06-15")
    await user.press("✅ 确认")
    view = user.last_reply.text
    assert "已更新乙二的信息" in view
    assert "不足" not in view and "团队符合大赛要求" in view
    member = active(await team(harness, case_id))[1]
    assert member.contract_start == date(2023, 6, 15)


# ---- after submission -------------------------------------------------------------------


async def test_after_submission_the_lead_is_fixed(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二", submitted=True)
    lead, member = active(await team(harness, case_id))
    await show_case_card(harness, user, case_id)
    view = user.last_reply
    assert f"案例已提交，团队变更按大赛规定：「{RULE}」" in view.text
    assert "➕ 添加队员" not in view.button_labels()
    await user.press("👤 2. 乙二")
    # an ordinary member cannot become the lead: not offered …
    offered = ["✏️ 修改信息", "🔄 更换队员", "🗑 移出团队", "↩️ 返回团队"]
    assert user.last_reply.button_labels() == offered
    # … and an old button is refused, naming the lead, not the member who may be replaced
    await press_old(harness, user, f"team:{case_id}:lead:{member.id}")
    assert "案例已提交，牵头队员不能变更" in user.last_reply.text
    assert "不能更换或移出甲一" in user.last_reply.text and "乙二" not in user.last_reply.text
    assert RULE in user.last_reply.text
    await user.press("↩️ 返回团队")
    await user.press("👤 1. 甲一 ★")
    assert "牵头队员不能变更" in user.last_reply.text
    assert user.last_reply.button_labels() == ["✏️ 修改信息", "↩️ 返回团队"]
    await press_old(harness, user, f"team:{case_id}:swap:{lead.id}")
    assert "不能更换或移出甲一" in user.last_reply.text and RULE in user.last_reply.text
    await press_old(harness, user, f"team:{case_id}:rm:{lead.id}")
    assert "牵头队员不能变更" in user.last_reply.text
    assert [(m.name, m.is_lead) for m in active(await team(harness, case_id))] == [
        ("甲一", True),
        ("乙二", False),
    ]


async def test_after_submission_a_member_is_replaced_once(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二", submitted=True)
    await show_case_card(harness, user, case_id)
    await user.press("👤 2. 乙二")
    assert "这个位置已更换 0 次，最多可更换 1 次" in user.last_reply.text
    await user.press("🔄 更换队员")
    assert "正在更换队员" in user.last_reply.text
    await user.send("丙三")
    await user.send("科员")
    await user.press("跳过")
    await user.press("跳过")
    await user.press("在编")
    await user.press("✅ 确认")
    assert "已更换队员，由丙三接替" in user.last_reply.text
    assert "2. 丙三" in user.last_reply.text
    await user.press("👤 2. 丙三")
    assert "这个位置已更换 1 次，最多可更换 1 次" in user.last_reply.text
    assert user.last_reply.button_labels() == ["✏️ 修改信息", "↩️ 返回团队"]
    (third,) = [m for m in active(await team(harness, case_id)) if m.name == "丙三"]
    await press_old(harness, user, f"team:{case_id}:swap:{third.id}")
    refusal = user.last_reply.text
    assert "丙三所在的位置已更换过 1 次，每个位置最多更换 1 次" in refusal and RULE in refusal
    await press_old(harness, user, f"team:{case_id}:rm:{third.id}")
    assert "已更换过 1 次" in user.last_reply.text
    members = await team(harness, case_id)
    assert [(m.slot, m.name, m.replaced) for m in active(members)] == [
        (1, "甲一", 0),
        (2, "丙三", 1),
    ]
    assert [(m.slot, m.name) for m in members if not m.active] == [(2, "乙二")]


async def test_after_submission_details_change_but_the_name_stays(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二", submitted=True)
    await show_case_card(harness, user, case_id)
    await user.press("👤 2. 乙二")
    await user.press("✏️ 修改信息")
    # the name is not offered for editing: refused before anything is typed
    review = user.last_reply
    assert "案例提交后队员姓名不能修改" in review.text
    assert "✏️ 姓名" not in review.button_labels() and "✏️ 职务" in review.button_labels()
    (progress,) = await rows(harness, FormProgress)
    await press_old(harness, user, f"f:{progress.id}:e:name")
    assert "队员姓名不能修改" in user.messages()[-2].text
    assert "✏️ 姓名" not in user.last_reply.button_labels()
    await user.press("✏️ 职务")
    await user.send("副科长")
    await user.press("✅ 确认")
    assert "已更新乙二的信息" in user.last_reply.text
    member = active(await team(harness, case_id))[1]
    assert (member.name, member.title, member.replaced) == ("乙二", "副科长", 0)


async def test_after_submission_no_member_is_added(harness):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一")
    await show_case_card(harness, user, case_id)
    before = user.last_reply  # shown while the case was a draft
    await put_members(harness, case_id, submitted=True)
    await user.press("➕ 添加队员", before)
    assert "案例已提交，不能再增加队员" in user.last_reply.text
    assert RULE in user.last_reply.text
    assert len(await team(harness, case_id)) == 1


# ---- whose team ---------------------------------------------------------------------------


async def test_another_units_case_and_member_are_refused(harness):
    user, _, case_id = await contact_with_case(harness, 1001)
    stranger, _, other_case = await contact_with_case(harness, 1002)
    await put_members(harness, other_case, "外单位队员")
    (outsider,) = await team(harness, other_case)
    for data in (
        f"team:{other_case}",
        f"team:{other_case}:add",
        f"team:{other_case}:m:{outsider.id}",
        f"team:{other_case}:rmok:{outsider.id}",
    ):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("伪造", callback_data=data)]])
        await harness.app.bot.send_message(user.user_id, "伪造", reply_markup=markup)
        await user.refresh()
        toast = await user.press(data)
        assert toast["text"] == "无法打开这个团队"
        assert "不属于您所在的单位" in user.last_reply.text
    # a member of another case, through one's own case
    data = f"team:{case_id}:rmok:{outsider.id}"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("伪造", callback_data=data)]])
    await harness.app.bot.send_message(user.user_id, "伪造", reply_markup=markup)
    await user.refresh()
    await user.press(data)
    assert "这位队员已不在团队中" in user.last_reply.text
    assert [m.active for m in await team(harness, other_case)] == [True]
    assert stranger.user_id == 1002


# ---- a locked draft ------------------------------------------------------------------------


async def test_after_the_deadline_a_locked_drafts_team_cannot_change(harness, clock):
    user, _, case_id = await contact_with_case(harness)
    await put_members(harness, case_id, "甲一", "乙二")
    lead, member = active(await team(harness, case_id))
    await show_case_card(harness, user, case_id)
    await user.press("👤 2. 乙二")
    await user.press("✏️ 修改信息")  # a member form left open at its review card
    form = user.last_reply
    clock.set(datetime(2024, 7, 16, 9, 0, tzinfo=timezone(timedelta(hours=8))))
    await show_case_card(harness, user, case_id)
    view = user.last_reply
    assert "「文本申报」已于 2024年7月15日" in view.text
    assert "案例已锁定，项目团队不能再修改" in view.text
    assert view.button_labels() == ["👤 1. 甲一 ★", "👤 2. 乙二", "↩️ 返回案例"]
    await user.press("👤 2. 乙二")
    assert user.last_reply.button_labels() == ["↩️ 返回团队"]
    for data in (
        f"team:{case_id}:add",
        f"team:{case_id}:edit:{member.id}",
        f"team:{case_id}:lead:{member.id}",
        f"team:{case_id}:rmok:{member.id}",
        f"team:{case_id}:swap:{lead.id}",
    ):
        await press_old(harness, user, data)
        assert "案例已锁定，项目团队不能再修改" in user.last_reply.text, data
    await user.press("✏️ 职务", form)
    assert "案例已锁定，项目团队不能再修改" in user.last_reply.text
    await user.send("副科长")  # the form was stopped: this is not taken as an answer
    members = active(await team(harness, case_id))
    assert [(m.name, m.title, m.is_lead) for m in members] == [
        ("甲一", "科员", True),
        ("乙二", "科员", False),
    ]
