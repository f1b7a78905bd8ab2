"""Registration through the bot: invite links and typed codes, the unit and contact forms, /me."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from config.services import services_of
from storage.db import transaction
from storage.invites import create_invite
from storage.models import FormProgress, Invite, InviteKind, Person, Unit
from storage.units import create_unit, save_unit
from tests.conftest import BEIJING
from tests.db import telegram_person
from tests.flows.test_cases import forge_press

CODE = re.compile(r"\b[A-HJKMNP-Z2-9]{8}\b")


async def make_invite(harness, kind=InviteKind.UNIT, *, label="深圳市某某局", **extra) -> str:
    """Create an invite directly, valid for the contest's number of days from now."""
    services = services_of(harness.app)
    now = harness.clock.now()
    days = services.contest.registration.invite_valid_days
    async with transaction(services.sessions) as session:
        invite = await create_invite(
            session,
            kind=kind,
            label=label,
            created_by=None,
            expires_at=now + timedelta(days=days),
            now=now,
            **extra,
        )
    return invite.code


async def registered_unit(harness, party_org="中共深圳市甲局机关委员会") -> int:
    """Create a unit whose form is already filled in."""
    services = services_of(harness.app)
    async with transaction(services.sessions) as session:
        unit = await create_unit(session, now=harness.clock.now())
        await save_unit(
            session,
            unit_id=unit.id,
            party_org=party_org,
            recommending_unit="深圳市甲局",
            submitter_key="city",
        )
    return unit.id


async def rows(harness, model, *where):
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def person(harness, telegram_id: int) -> Person:
    async with services_of(harness.app).sessions() as session:
        return await telegram_person(session, telegram_id)


async def fill_contact(user, name="李四"):
    await user.send(name)
    await user.send("办公室主任")
    await user.send("0755-88134325")
    await user.send("13900139000")
    await user.press("✅ 确认")


# ---- the whole first registration ------------------------------------------------------


async def test_first_contact_registers_unit_and_self_with_every_kind_of_mistake(harness):
    code = await make_invite(harness)
    user = harness.user(1001)
    await user.send(f"/start {code.lower()}")  # codes are case-insensitive
    assert "您正在为深圳市某某局登记参赛单位" in user.replies_since(0)[0].text
    assert "参赛单位登记 · 第 1/3 项" in user.last_reply.text
    first_field = user.last_reply

    # text too short, then too long: a clear message with an example; the field stays
    await user.send("中共")
    assert "内容太短：至少 4 个字，现在 2 个字" in user.last_reply.text
    assert "正确示例：中共深圳市某某局机关委员会" in user.last_reply.text
    await user.send("党" * 61)
    assert "内容太长：最多 60 个字" in user.last_reply.text
    assert "⬅️ 上一项" not in first_field.button_labels()  # nothing before the first field
    await user.send("中共深圳市某某局机关委员会")
    assert "第 2/3 项" in user.last_reply.text and "推荐单位" in user.last_reply.text
    second_field = user.last_reply
    await user.send("深圳市某某局")
    assert "申报渠道" in user.last_reply.text

    # a stale button from an old message changes nothing and says so (answered prompts
    # lose their buttons; one kept from before, e.g. on another device, is pressed here)
    mark = user.mark()
    back = dict(second_field.buttons[-1])["⬅️ 上一项"]
    assert second_field.message_id not in [m.message_id for m in user.messages() if m.buttons]
    await forge_press(harness, user, back)
    stale, again = user.replies_since(mark)
    assert "当前步骤已经变了" in stale.text
    assert "申报渠道" in again.text

    # back twice, then forward again: the values are kept and offered
    await user.press("⬅️ 上一项")
    assert "推荐单位" in user.last_reply.text
    await user.press("⬅️ 上一项")
    assert "党组织名称" in user.last_reply.text
    assert "当前内容：中共深圳市某某局机关委员会" in user.last_reply.text
    await user.press("保留原内容")
    await user.send("深圳市某某局")

    # an unknown choice typed, then a known one typed by a prefix
    assert "申报渠道" in user.last_reply.text
    await user.send("火星区")
    assert "没有“火星区”这个选项" in user.last_reply.text
    await user.send("福田")
    review = user.last_reply.text
    assert "参赛单位登记 · 请核对" in review and "申报渠道：福田区直机关工委" in review

    # edit from the review card, then confirm
    await user.press("✏️ 申报渠道")
    await user.press("市直机关工委")
    assert "申报渠道：市直机关工委" in user.last_reply.text
    mark = user.mark()
    await user.press("✅ 确认")

    # straight on to the contact form
    saved, contact_field = user.replies_since(mark)
    assert "单位信息已保存" in saved.text
    assert "联系人信息 · 第 1/4 项" in contact_field.text
    await user.send("张")
    assert "内容太短" in user.last_reply.text
    await user.send("张三")
    await user.send("办公室副主任")
    await user.send("88134324")  # no area code: the contest's is added and offered to keep
    assert "已按深圳的区号 0755 补全为 0755-88134324" in user.last_reply.text
    assert "保留原内容" in user.last_reply.button_labels()
    await user.send("１３８００１３８")  # full-width digits, but not a landline
    assert "办公电话格式不对" in user.last_reply.text
    await user.send("0755 8813 4324")
    assert "手机" in user.last_reply.text
    await user.send("12345")
    assert "手机号格式不对" in user.last_reply.text
    await user.send("１３８ ００１３ ８０００")  # full-width digits and spaces are fine
    review = user.last_reply.text
    assert "办公电话：0755-88134324" in review and "手机：13800138000" in review
    await user.press("✏️ 职务")
    await user.send("办公室主任")
    assert "职务：办公室主任" in user.last_reply.text
    await user.press("✅ 确认")

    done = user.last_reply
    assert "登记完成" in done.text
    assert "中共深圳市某某局机关委员会" in done.text
    assert "2024年7月15日（周一）23:59" in done.text
    assert "📋 我的案例" in done.button_labels()  # the menu of a person with a unit

    unit = (await rows(harness, Unit))[0]
    assert (unit.party_org, unit.recommending_unit, unit.submitter_key) == (
        "中共深圳市某某局机关委员会",
        "深圳市某某局",
        "city",
    )
    assert unit.registered
    me = await person(harness, 1001)
    assert (me.unit_id, me.name, me.title, me.office_phone, me.mobile, me.profile_done) == (
        unit.id,
        "张三",
        "办公室主任",
        "0755-88134324",
        "13800138000",
        True,
    )
    assert await rows(harness, FormProgress) == []
    invite = (await rows(harness, Invite))[0]
    assert (invite.uses, invite.unit_id) == (1, unit.id)


async def test_restart_in_the_middle_of_the_form_continues_at_the_same_field(harness):
    code = await make_invite(harness)
    user = harness.user(1001)
    await user.send(f"/start {code}")
    await user.send("中共深圳市某某局机关委员会")
    await user.send("深圳市某某局")
    assert "申报渠道" in user.last_reply.text
    await harness.restart()
    await user.send("南山")
    review = user.last_reply.text
    assert "党组织名称：中共深圳市某某局机关委员会" in review
    assert "推荐单位：深圳市某某局" in review
    assert "申报渠道：南山区直机关工委" in review
    await user.press("✅ 确认")
    await user.send("张三")
    await harness.restart()
    await user.send("办公室副主任")
    assert "办公电话" in user.last_reply.text
    await user.send("0755-88134324")
    await user.send("13800138000")
    assert "姓名：张三" in user.last_reply.text


# ---- more contacts, twice, bad codes ---------------------------------------------------


async def test_second_contact_joins_the_same_unit_and_fills_only_their_own_details(harness):
    unit_id = await registered_unit(harness)
    code = await make_invite(harness, unit_id=unit_id)
    first, second = harness.user(1001), harness.user(1002)
    await first.send(f"/start {code}")
    await fill_contact(first, "张三")
    await second.send(code)  # typed, not a link
    joined = second.replies_since(0)
    assert "您已加入中共深圳市甲局机关委员会" in joined[0].text
    assert "联系人信息 · 第 1/4 项" in second.last_reply.text
    await fill_contact(second, "李四")
    assert "登记完成" in second.last_reply.text
    contacts = await rows(harness, Person, Person.unit_id == unit_id)
    assert sorted(p.name for p in contacts) == ["张三", "李四"]
    assert len(await rows(harness, Unit)) == 1
    await second.send("/me")
    assert "本单位其他联系人：张三" in second.last_reply.text


async def test_joining_twice_says_so_and_adds_nothing(harness):
    unit_id = await registered_unit(harness)
    code = await make_invite(harness, unit_id=unit_id)
    user = harness.user(1001)
    await user.send(f"/start {code}")
    await fill_contact(user)
    await user.send(f"/start {code}")
    assert "您已经是中共深圳市甲局机关委员会的联系人，无需重复加入" in user.last_reply.text
    await user.send(code)
    assert "无需重复加入" in user.last_reply.text
    assert len(await rows(harness, Person)) == 1
    assert len(await rows(harness, Unit)) == 1
    assert (await rows(harness, Invite))[0].uses == 1


async def test_unknown_expired_revoked_and_other_unit_codes(harness):
    user = harness.user(1001)
    await user.send("/start ZZZZ2222")
    assert "没有找到这个邀请码" in user.last_reply.text
    assert "王宇昕" in user.last_reply.text  # who to ask, from the contest file

    expiring = await make_invite(harness)
    harness.at(datetime(2024, 8, 31, 9, 0, tzinfo=BEIJING))
    await user.send(f"/start {expiring}")
    assert "这个邀请码已于 2024年8月30日（周五）10:00 过期" in user.last_reply.text
    harness.at(datetime(2024, 7, 1, 10, 0, tzinfo=BEIJING))

    revoked = await make_invite(harness)
    async with transaction(services_of(harness.app).sessions) as session:
        invite = (await session.exec(select(Invite).where(Invite.code == revoked))).one()
        invite.revoked = True
        session.add(invite)
    await user.send(revoked)
    assert "已被市直机关工委作废" in user.last_reply.text
    assert await rows(harness, Unit) == []

    mine = await registered_unit(harness, "中共深圳市甲局机关委员会")
    other = await registered_unit(harness, "中共深圳市乙局机关委员会")
    await user.send(f"/start {await make_invite(harness, unit_id=mine)}")
    await fill_contact(user)
    for other_code in (
        await make_invite(harness, unit_id=other),
        await make_invite(harness, InviteKind.DISTRICT, submitter_key="futian"),
    ):
        await user.send(f"/start {other_code}")
        text = user.last_reply.text
        assert "您已登记为中共深圳市甲局机关委员会的联系人，这个邀请码属于其他单位" in text
    assert (await person(harness, 1001)).unit_id == mine
    assert len(await rows(harness, Unit)) == 2
    assert [i.uses for i in await rows(harness, Invite, Invite.unit_id == other)] == [0]


async def test_register_menu_explains_and_takes_a_typed_code(harness):
    code = await make_invite(
        harness, InviteKind.DISTRICT, label="福田区直机关工委", submitter_key="futian"
    )
    user = harness.user(1001)
    await user.send("/start")
    await user.press("📝 报名登记")
    text = user.last_reply.text
    assert "邀请制" in text and "王宇昕：0755-88134324，手机 18824257869" in text
    assert "📝 直接登记本单位" not in user.last_reply.button_labels()
    await user.press("🔑 输入邀请码")
    assert "例如 ABCD2345" in user.last_reply.text
    await user.send("截止时间是什么时候")
    assert "这不是有效的邀请码" in user.last_reply.text
    await user.send("？截止时间")  # a question still works while waiting
    mark = user.mark()
    await user.send(f" {code[:4].lower()} {code[4:]} ")
    assert "申报渠道已预先选好：福田区直机关工委" in user.replies_since(mark)[0].text
    assert "第 1/3 项" in user.last_reply.text  # counted, but the submitter is not asked again
    await user.send("中共深圳市福田区某某局机关支部委员会")
    await user.send("深圳市福田区某某局")
    assert "申报渠道：福田区直机关工委" in user.last_reply.text
    await user.press("✅ 确认")
    await fill_contact(user)
    # a district code makes a new unit at every use
    await harness.user(1002).send(f"/start {code}")
    units = await rows(harness, Unit)
    assert len(units) == 2 and {u.submitter_key for u in units} == {"futian"}
    assert (await rows(harness, Invite))[0].uses == 2


async def test_cancelling_the_code_prompt(harness):
    user = harness.user(1001)
    await user.send("/start")
    await user.press("📝 报名登记")
    await user.press("🔑 输入邀请码")
    await user.press("✖️ 取消")
    assert "已取消输入邀请码" in user.last_reply.text
    await user.send("截止时间")  # now a question again, not a code
    assert "这不是有效的邀请码" not in user.last_reply.text
    assert await rows(harness, FormProgress) == []


async def test_a_phone_number_typed_in_a_form_is_not_taken_for_a_code(harness):
    unit_id = await registered_unit(harness)
    user = harness.user(1001)
    await user.send(f"/start {await make_invite(harness, unit_id=unit_id)}")
    await user.send("张三")
    await user.send("科员")
    await user.send("88234324")  # 8 characters of the code alphabet, but an answer
    assert "补全为 0755-88234324" in user.last_reply.text


async def test_a_person_without_a_unit_can_still_read_the_schedule_and_ask(harness):
    user = harness.user(1001)
    await user.send("/start")
    await user.press("🗓 赛程安排")
    assert "文本评审" in user.last_reply.text
    await user.send("截止时间是什么时候")
    assert "2024年7月15日" in user.last_reply.text
    await user.send("/me")
    assert "您还没有加入参赛单位" in user.last_reply.text
    assert "📝 报名登记" in user.last_reply.button_labels()


# ---- /me ---------------------------------------------------------------------------------


async def test_me_shows_and_changes_ones_own_details_and_the_unit(harness):
    unit_id = await registered_unit(harness)
    user = harness.user(1001)
    await user.send(f"/start {await make_invite(harness, unit_id=unit_id)}")
    await fill_contact(user, "张三")
    await user.press("👤 我的信息")
    card = user.last_reply.text
    assert "姓名：张三" in card and "手机：13900139000" in card
    assert "党组织名称：中共深圳市甲局机关委员会" in card and "申报渠道：市直机关工委" in card
    await user.press("✏️ 修改我的信息")
    assert "联系人信息 · 请核对" in user.last_reply.text  # saved values: straight to review
    await user.press("✏️ 手机")
    assert "当前内容：13900139000" in user.last_reply.text
    await user.send("139-0013-9001")
    await user.press("✅ 确认")
    assert "您的联系人信息已更新" in user.last_reply.text
    assert (await person(harness, 1001)).mobile == "13900139001"

    await user.send("/me")
    await user.press("🏢 修改单位信息")
    await user.press("✏️ 推荐单位")
    await user.send("深圳市甲局（新）")
    await user.press("✅ 确认")
    assert "单位信息已保存" in user.last_reply.text
    assert (await rows(harness, Unit))[0].recommending_unit == "深圳市甲局（新）"


async def test_inviting_a_colleague_from_me(harness):
    unit_id = await registered_unit(harness)
    user = harness.user(1001)
    await user.send(f"/start {await make_invite(harness, unit_id=unit_id, label='甲局')}")
    await fill_contact(user)
    await user.send("/me")
    await user.press("👥 邀请同事加入")
    text = user.last_reply.text
    link = re.search(r"https://t\.me/contest_sandbox_bot\?start=([A-Z2-9]{8})", text)
    assert link is not None
    await user.send("/me")
    await user.press("👥 邀请同事加入")
    assert link.group(0) in user.last_reply.text  # the same code again, not a new one
    colleague = harness.user(1002)
    await colleague.send(link.group(0))  # a pasted link works too
    assert "您已加入中共深圳市甲局机关委员会" in colleague.replies_since(0)[0].text
    assert (await person(harness, 1002)).unit_id == unit_id


# ---- organizer codes ---------------------------------------------------------------------


async def test_an_organizer_code_promotes_once(harness):
    code = await make_invite(harness, InviteKind.ORGANIZER, label="")
    user = harness.user(1001)
    await user.send(f"/start {code}")
    assert "您已获得组织者权限" in user.last_reply.text
    assert (await person(harness, 1001)).is_organizer
    assert "invite" in {c["command"] for c in await user.commands()}
    await user.send("/invite")
    assert "邀请码管理" in user.last_reply.text
    other = harness.user(1002)
    await other.send(f"/start {code}")
    assert "已经用过了" in other.last_reply.text
    assert not (await person(harness, 1002)).is_organizer


async def test_registering_directly_is_refused_in_invite_mode(harness):
    user = harness.user(1001)
    await user.send("/start")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("直接登记", callback_data="reg:open")]])
    await harness.app.bot.send_message(user.user_id, "旧消息", reply_markup=markup)
    await user.refresh()
    await user.press("reg:open")
    assert "本大赛采用邀请制" in user.last_reply.text
    assert await rows(harness, Unit) == []
    assert (await person(harness, 1001)).unit_id is None
