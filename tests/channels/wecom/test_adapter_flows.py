"""The main flows on the 企业微信 channel: the real bot, its callback server and the sandbox.

A member types and presses card buttons in the 企业微信 sandbox; the sandbox encrypts and
posts each callback to the bot; the adapter calls the same use cases as the Telegram
channel; the answers come back through the sandbox's API into the member's chat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlmodel import select

from handlers import browse
from handlers.notices import notice_rows
from sandbox.wecom.client import WecomUser
from sandbox.wecom.server import WecomSandboxServer
from storage.db import transaction
from storage.invites import create_invite
from storage.models import (
    Account,
    Acknowledgement,
    Broadcast,
    Case,
    CaseStatus,
    InviteKind,
    OutboxMessage,
    Person,
    TeamMember,
)
from storage.outbox import enqueue_many
from storage.people import get_person
from tests.channels.wecom.bot import WecomBot, press, say, tap, texts, wecom_settings
from tests.delivery.world import services, worker
from tests.harness import Harness

pytestmark = pytest.mark.database


@pytest.fixture
def harness_options(wecom: WecomSandboxServer) -> dict[str, object]:
    """Run the bot with its 企业微信 channel on the sandbox."""
    return wecom_settings(wecom, wecom_organizer_ids=["Boss"])


@pytest.fixture
async def bot(
    harness: Harness, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> AsyncIterator[WecomBot]:
    """Return the bot as 企业微信 members see it."""
    yield WecomBot(harness, wecom, http)


async def invite_code(harness: Harness) -> str:
    """Create a unit invite and return its code."""
    sv = services(harness)
    now = sv.clock.now()
    async with transaction(sv.sessions) as session:
        invite = await create_invite(
            session, kind=InviteKind.UNIT, label="深圳市某某局", created_by=None,
            expires_at=now + timedelta(days=30), now=now,
        )
    return invite.code


async def register(user: WecomUser, code: str) -> None:
    """Join with the code and fill in the unit and contact forms with card buttons."""
    answer = await say(user, code)
    assert "参赛单位登记 · 第 1/3 项" in answer
    await say(user, "中共深圳市某某局机关委员会")
    await say(user, "深圳市某某局")
    await press(user, "市直机关工委")
    assert "请核对" in texts(user.messages()[-3:])
    answer = await press(user, "✅ 确认")
    assert "联系人信息" in answer
    for value in ("张三", "办公室副主任", "0755-88134325", "13800138000"):
        await say(user, value)
    answer = await press(user, "✅ 确认")
    assert "登记完成" in answer


async def test_the_welcome_when_the_app_is_opened(bot: WecomBot) -> None:
    user = bot.user()
    await user.enter()
    assert "我是大赛报名助手" in texts(user.messages())
    card = user.last_reply
    assert card is not None and card.kind == "template_card"
    assert ("menu:register", "📝 报名登记") in card.buttons
    answer = await say(user, "菜单")
    assert "我是大赛报名助手" in answer


async def test_join_register_fill_a_case_and_submit(harness: Harness, bot: WecomBot) -> None:
    user = bot.user()
    await register(user, await invite_code(harness))

    answer = await press(user, "➕ 新建案例")
    assert "参赛案例说明书 · 第 1/15 项" in answer
    await press(user, "发展提质")
    assert "已选择：发展提质" in [m.replaced_label for m in user.messages()]
    await say(user, "一网通办再提速 政务服务更贴心")
    for value in ("李四", "二级主任科员", "0755-88134324", "13800138002"):
        await say(user, value)
    await say(user, "面对群众办事多头跑的问题，我们从流程再造入手，")
    await say(user, "推动政务服务提速增效。")
    await press(user, "✅ 完成")
    for item in ("流程再造，一窗受理", "数据共享，免交材料", "党员先锋岗，全程帮办"):
        await say(user, item)
    for item in ("办理时限压缩一半", "群众满意度明显提升", "做法在全市推开"):
        await say(user, item)
    mark = user.mark()
    answer = await press(user, "否")
    assert "请核对" in answer
    # The review has more buttons than one card holds: they are spread over cards of six.
    cards = [m for m in user.replies_since(mark) if m.kind == "template_card"]
    assert len(cards) > 1 and all(len(c.buttons) <= 6 for c in cards)
    assert [c.text for c in cards] == [f"请选择（{i}/{len(cards)}）" for i in
                                       range(1, len(cards) + 1)]
    answer = await press(user, "✅ 确认")
    assert "一网通办再提速" in answer

    sv = services(harness)
    async with transaction(sv.sessions) as session:
        case = (await session.exec(select(Case))).one()
        background = case.values["background"]
        assert background.startswith("面对群众办事多头跑的问题")  # two messages, one text
        assert background.endswith("推动政务服务提速增效。")
        assert case.values["innovations"] == [
            "流程再造，一窗受理", "数据共享，免交材料", "党员先锋岗，全程帮办"
        ]
        # The 牵头人 typed is the team's lead (issue 14); its 用工性质 is given here.
        (lead,) = (await session.exec(select(TeamMember))).all()
        assert (lead.name, lead.is_lead, lead.pending) == ("李四", True, ["employment"])
        lead.employment, lead.pending = "staff", []
        session.add(lead)
    answer = await press(user, "✅ 提交案例")
    assert "已提交" in answer
    async with sv.sessions() as session:
        case = await session.get(Case, case.id)
    assert case is not None and case.status == CaseStatus.SUBMITTED

    await press(user, "↩️ 撤回修改")
    await press(user, "确认撤回")
    async with sv.sessions() as session:
        case = await session.get(Case, case.id)
    assert case is not None and case.status == CaseStatus.DRAFT
    assert "一网通办再提速" in await press(user, "📋 我的案例")
    answer = await press(user, "✅ 现在该做什么")
    assert "一网通办再提速" in answer


async def test_a_question_is_answered_and_inside_a_form_the_field_is_asked_again(
    harness: Harness, bot: WecomBot
) -> None:
    user = bot.user()
    answer = await say(user, "文本申报几号截止")
    assert "截止" in answer
    await say(user, await invite_code(harness))
    answer = await say(user, "？字数怎么算")
    assert "字" in answer and "第 1/3 项" in answer  # the answer, then the same field
    answer = await say(user, "中共深圳市某某局机关委员会")
    assert "第 2/3 项" in answer


async def test_two_questions_in_one_message_get_one_answer_each(bot: WecomBot) -> None:
    user = bot.user()
    mark = user.mark()
    await user.send("什么时候截止？团队最多几个人？")
    replies = user.replies_since(mark)
    assert len(replies) == 2
    assert "截止" in texts(replies[:1]) and "人" in texts(replies[1:])


async def test_a_colleague_joins_the_unit_with_the_code_typed_in_the_app(
    harness: Harness, bot: WecomBot
) -> None:
    user = bot.user()
    await register(user, await invite_code(harness))
    await press(user, "👤 我的信息")
    answer = await press(user, "👥 邀请同事加入")
    assert "请把邀请码转发给本单位的其他联系人" in answer and "t.me" not in answer
    code = answer.split("联系人：")[1].split()[0]
    colleague = bot.user("wangwu")
    answer = await say(colleague, code)
    assert "联系人信息" in answer
    for value in ("王五", "科员", "0755-88134326", "13800138003"):
        await say(colleague, value)
    await press(colleague, "✅ 确认")
    sv = services(harness)
    async with sv.sessions() as session:
        first = await get_person(session, channel="wecom", external_id="zhangsan")
        second = await get_person(session, channel="wecom", external_id="wangwu")
    assert first is not None and second is not None
    assert second.unit_id == first.unit_id and second.name == "王五"


async def test_a_step_only_on_telegram_says_so_with_the_menu(bot: WecomBot) -> None:
    user = bot.user()
    await user.enter()
    adapter = bot.service.adapter
    assert adapter is not None
    pressed = await adapter.press(await adapter.visit(user.user_id), "reg:nothing-here")
    (reply,) = pressed.replies
    assert reply.template == "wecom/telegram_only.html" and reply.actions


async def test_a_broadcast_reaches_wecom_through_the_outbox_and_is_acknowledged(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    users = [bot.user(f"member{i}") for i in range(3)]
    for user in users:
        await user.enter()
    sv = services(harness)
    async with transaction(sv.sessions) as session:
        people = [
            await get_person(session, channel="wecom", external_id=u.user_id) for u in users
        ]
        notice = Broadcast(created_by=people[0].id or 0, text="请于周五前核对案例。",
                           status="sending")
        session.add(notice)
        await session.flush()
        rows = notice_rows(sv.contest, notice, people, due_at=sv.clock.now())
        assert await enqueue_many(session, messages=rows) == 3

    # The access_token expires in the middle of the broadcast: renewed, nothing lost.
    assert await worker(harness).drain(limit=1) == 1
    wecom.state.expire_tokens()
    issued = wecom.state.tokens_issued
    await worker(harness).drain()
    assert wecom.state.tokens_issued == issued + 1
    async with sv.sessions() as session:
        statuses = [row.status for row in (await session.exec(select(OutboxMessage))).all()]
    assert statuses == ["sent"] * 3

    first = users[0]
    await first.refresh()
    assert "请于周五前核对案例。" in texts(first.messages())
    await tap(first, "✅ 已知悉")
    assert "☑️ 已确认知悉" in [m.replaced_label for m in first.messages()]
    async with sv.sessions() as session:
        acks = (await session.exec(select(Acknowledgement))).all()
    assert [a.person_id for a in acks] == [people[0].id]


async def test_a_member_outside_the_visible_range_is_marked_unreachable(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    user = bot.user("lisi")
    await user.enter()
    wecom.config.visible_users = {"someone-else"}
    sv = services(harness)
    async with transaction(sv.sessions) as session:
        person = await get_person(session, channel="wecom", external_id="lisi")
        notice = Broadcast(created_by=person.id or 0, text="通知", status="sending")
        session.add(notice)
        await session.flush()
        await enqueue_many(session, messages=notice_rows(sv.contest, notice, [person],
                                                          due_at=sv.clock.now()))
    await worker(harness).drain()
    async with sv.sessions() as session:
        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert row.status == "unreachable"


async def test_a_redelivered_callback_is_answered_once(
    bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    user = bot.user()
    await user.send("文本申报几号截止")
    await wecom.sandbox.redeliver()
    await wecom.sandbox.redeliver()
    await bot.join()
    await user.refresh()
    assert len(user.replies_since(0)) == 1


async def test_a_forged_callback_is_refused_and_nothing_is_done(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer, http: aiohttp.ClientSession
) -> None:
    code = await invite_code(harness)
    _message, xml = wecom.state.user_text("mallory", code)
    query, body = wecom.sandbox.envelope(xml)
    query["msg_signature"] = "0" * 40
    async with http.post(bot.service.url, params=query, data=body.encode()) as response:
        assert response.status == 403
    await bot.join()
    assert wecom.state.sent_to("mallory") == []
    sv = services(harness)
    async with sv.sessions() as session:
        accounts = (await session.exec(select(Account).where(Account.channel == "wecom"))).all()
    assert accounts == []


async def test_an_organizer_configured_by_userid(harness: Harness, bot: WecomBot) -> None:
    boss = bot.user("boss")  # WECOM_ORGANIZER_IDS=Boss: userids do not distinguish case
    await boss.enter()
    buttons = [text for m in boss.messages() for _key, text in m.buttons]
    assert "🛠 组织者后台" in buttons
    plain = bot.user("zhangsan")
    await plain.enter()
    assert "🛠 组织者后台" not in [text for m in plain.messages() for _key, text in m.buttons]


async def test_a_form_resumes_after_a_restart_and_an_old_card_still_works(
    harness: Harness, bot: WecomBot
) -> None:
    user = bot.user()
    await say(user, await invite_code(harness))
    assert "第 2/3 项" in await say(user, "中共深圳市某某局机关委员会")
    old_card = user.last_reply
    assert old_card is not None and old_card.buttons

    await harness.restart()
    bot.connect()
    mark = user.mark()
    await user.enter()  # opening the app asks the waiting field again
    assert "第 2/3 项" in texts(user.replies_since(mark))
    answer = await press(user, "⏸ 暂停")  # on the newest card
    assert "已退出当前填写" in answer
    await user.press("❓ 提问", old_card)  # a card sent before the restart
    await user.refresh()
    (pressed,) = [m for m in user.messages() if m.id == old_card.id]
    assert pressed.replaced_label == "已选择"
    assert "请直接发送您的问题" in texts(user.messages()[-2:])
    answer = await say(user, "牵头人能换吗")
    assert answer and "第 2/3 项" not in answer  # paused: no field asked again


async def test_over_the_frequency_limit_the_answer_comes_through_the_outbox(
    harness: Harness, bot: WecomBot, wecom: WecomSandboxServer
) -> None:
    user = bot.user()
    wecom.config.fail_next("message/send", errcode=45009)
    await user.send("文本申报几号截止")
    await worker(harness).drain()  # the running worker may have sent it already
    await user.refresh()
    assert "截止" in texts(user.messages())
    sv = services(harness)
    async with sv.sessions() as session:
        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert (row.kind, row.status) == ("reply", "sent")


async def test_register_from_the_menu_by_typing_the_code(harness: Harness, bot: WecomBot) -> None:
    user = bot.user()
    await user.enter()
    assert "报名登记" in await press(user, "📝 报名登记")
    assert "把整条链接复制发来也可以" in await press(user, "🔑 输入邀请码")
    code = await invite_code(harness)
    answer = await say(user, f"https://t.me/some_bot?start={code}")  # a pasted link works
    assert "参赛单位登记 · 第 1/3 项" in answer


async def test_reminders_can_be_switched_off_and_on(harness: Harness, bot: WecomBot) -> None:
    user = bot.user()
    await user.enter()
    v = await bot.service.adapter.visit("zhangsan")  # type: ignore[union-attr]
    reply = await browse.reminder_settings(v)
    await bot.service.adapter.send("zhangsan", [reply])  # type: ignore[union-attr]
    await user.refresh()
    await press(user, "🔕 不再提醒")
    sv = services(harness)
    async with sv.sessions() as session:
        person = await get_person(session, channel="wecom", external_id="zhangsan")
    assert person is not None and person.reminders_muted
    await press(user, "🔔 开启提醒")
    async with sv.sessions() as session:
        person = await get_person(session, channel="wecom", external_id="zhangsan")
    assert person is not None and not person.reminders_muted


async def test_me_team_wording_evidence_preview_and_the_docx_on_wecom(
    harness: Harness, bot: WecomBot
) -> None:
    """The steps that were Telegram-only, through the same use cases (issue 15)."""
    from contest.document import parse_document

    user = bot.user()
    await register(user, await invite_code(harness))
    answer = await press(user, "👤 我的信息")
    assert "张三" in answer and "中共深圳市某某局机关委员会" in answer

    sv = services(harness)
    values = {"category": "development", "title": "首创一网通办新机制",
              "background": "窗口排队时间长，群众多次往返。"}
    async with transaction(sv.sessions) as session:
        unit_id = (await session.exec(select(Person.unit_id))).one()
        case = Case(unit_id=unit_id, values=values)
        session.add(case)
        await session.flush()
        case_id = case.id
    await press(user, "↩️ 返回主菜单")
    await press(user, "📋 我的案例")
    answer = await press(user, "📄 首创一网通办新机制")
    assert "首创一网通办新机制" in answer

    # the team: add the lead through the member form
    answer = await press(user, "👥 项目团队")
    assert "还没有队员" in answer
    await press(user, "➕ 添加牵头队员")
    for value in ("李四", "科员"):
        await say(user, value)
    await press(user, "跳过")
    await press(user, "跳过")
    await press(user, "在编")
    answer = await press(user, "✅ 确认")
    assert "已添加队员：李四" in answer
    async with sv.sessions() as session:
        (lead,) = (await session.exec(select(TeamMember))).all()
    assert (lead.name, lead.is_lead, lead.case_id) == ("李四", True, case_id)

    # restricted words: evidence is the next message, a stored wait
    await press(user, "↩️ 返回案例")
    answer = await press(user, "⚠️ 处理用词（1）")
    assert "首创" in answer
    answer = await press(user, "📎 第 1 处：补充依据")
    assert "请发送「首创」的依据" in answer
    answer = await say(user, "经市政务服务数据管理局认定，本市首次推行。")
    async with sv.sessions() as session:
        stored = await session.get(Case, case_id)
    assert stored is not None and len(stored.evidence) == 1

    # the whole text, then the review card; the .docx as a file message
    await press(user, "📋 我的案例")
    await press(user, "📄 首创一网通办新机制")
    mark = user.mark()
    await tap(user, "👁 预览全文")
    shown = texts(user.replies_since(mark))
    assert "窗口排队时间长" in shown and "请核对" not in shown  # no review card after it
    await press(user, "📋 我的案例")
    await press(user, "📄 首创一网通办新机制")
    mark = user.mark()
    await tap(user, "📄 导出 Word")
    (file,) = [m for m in user.replies_since(mark) if m.kind == "file"]
    assert file.file_name.endswith(".docx")
    data = await user.download(file)
    imported = parse_document(sv.contest, data, today=sv.clock.now().date())
    assert imported.values["title"] == "首创一网通办新机制"

    # and back in: the file sent goes into the case chosen
    await press(user, "📋 我的案例")
    await press(user, "📄 首创一网通办新机制")
    await press(user, "📥 上传 Word")
    mark = user.mark()
    await user.upload("改过的.docx", data)
    answer = texts(user.replies_since(mark))
    assert "从文件中读到" in answer and "案例名称：首创一网通办新机制" in answer
    assert "请核对" in answer


async def test_an_organizer_runs_the_console_status_a_notice_and_a_code_on_wecom(
    harness: Harness, bot: WecomBot
) -> None:
    """Issue 15: the organizer flows through the same use cases as on Telegram."""
    member = bot.user("member1")
    await member.enter()
    boss = bot.user("boss")
    await boss.enter()
    answer = await press(boss, "🛠 组织者后台")
    assert "组织者后台" in answer
    answer = await press(boss, "📊 各单位进度")
    assert "各单位进度" in answer and "联系人 0 人" in answer
    answer = await say(boss, "/broadcast")
    assert "请发送通知正文" in answer
    answer = await say(boss, "请于周五前核对<案例>。")
    assert "请选择接收对象" in answer
    answer = await press(boss, "👥 全体用户")
    assert "请于周五前核对<案例>。" in answer and "全体用户，共 1 人" in answer
    await press(boss, "✅ 确认发送")
    await worker(harness).drain()
    await member.refresh()
    assert "请于周五前核对<案例>。" in texts(member.messages())
    await tap(member, "✅ 已知悉")
    await boss.refresh()
    assert "已发送完毕" in texts(boss.messages()[-2:])  # the report, as a new message
    answer = await press(boss, "👀 已知悉情况")
    assert "共 1 人，已知悉 1 人" in answer
    answer = await say(boss, "/invite")
    assert "邀请码管理" in answer
    answer = await press(boss, "🛠 组织者邀请码")
    assert "组织者邀请码" in answer and "t.me" not in answer and "链接" not in answer
    assert "请把邀请码转发给对方" in answer
    plain = bot.user("zhangsan")
    await plain.enter()
    answer = await say(plain, "/status")
    assert "这项功能仅供大赛组织者使用" in answer
