"""Organizer notices: write, audience, preview, send through the outbox, report, 已知悉."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.client import SandboxUser
from tests.conftest import BEIJING
from tests.db import telegram_person
from tests.delivery.world import CaseSpec, add_unit, bot_texts, services, worker
from tests.harness import Harness

NOTICE = "请各单位于7月10日前完成案例填报。"


def send_formatted(harness: Harness, user_id: int, text: str, entities: list[dict]) -> None:
    """Put a formatted message from a user into the sandbox (the test client sends plain)."""
    state = harness.server.state
    state.ensure_user(user_id)
    chat = state.chats[user_id]
    message = state.add_message(chat, from_bot=False, text=text, entities=entities)
    state.push_update("message", state.message_json(message))


async def write_notice(harness: Harness, organizer: SandboxUser, text: str = NOTICE) -> None:
    """Open /broadcast and send the notice's text."""
    await organizer.send("/broadcast")
    assert "请发送通知正文" in organizer.last_reply.text
    await organizer.send(text)
    assert "请选择接收对象" in organizer.last_reply.text


async def test_notice_to_everyone_previewed_sent_reported_and_acknowledged(harness):
    await add_unit(harness, contacts=[2001, 2002], cases=[CaseSpec()])
    await add_unit(harness, party_org="中共深圳市另一局委员会", contacts=[2003])
    await harness.user(2003).set_blocked()
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    send_formatted(harness, 9001, "重要：请按时提交", [{"type": "bold", "offset": 0, "length": 2}])
    await harness.process()
    await organizer.refresh()
    assert "请选择接收对象" in organizer.last_reply.text
    mark = organizer.mark()
    await organizer.press("👥 全体用户")
    preview, notice, confirm = organizer.replies_since(mark)
    assert "预览" in preview.text
    assert "<b>重要</b>：请按时提交" in notice.html
    assert notice.button_labels() == ["✅ 已知悉"]
    assert "全体用户，共 3 人" in confirm.text
    await organizer.press("✅ 确认发送")
    assert "发送中" in organizer.last_reply.text
    await worker(harness).drain()
    await organizer.refresh()
    report = organizer.last_reply
    assert "已发送完毕" in report.text
    assert "送达 2 人" in report.text and "无法送达 1 人" in report.text
    for uid in (2001, 2002):
        texts = bot_texts(harness, uid)
        assert texts == ["📢 市直机关工委通知\n\n重要：请按时提交"], texts
    async with services(harness).sessions() as session:

        blocked = await telegram_person(session, 2003)
    assert blocked.unreachable
    user = harness.user(2001)
    await user.refresh()
    toast = await user.press("✅ 已知悉")
    assert toast and "已确认知悉" in toast["text"]
    assert user.last_reply.button_labels() == ["☑️ 已确认知悉"]
    mark = organizer.mark()
    await organizer.press("👀 已知悉情况", report)
    pages = "\n".join(m.text for m in organizer.replies_since(mark))
    assert "共 3 人，已知悉 1 人，未知悉 2 人" in pages
    assert "✅ 联系人2001" in pages and "⬜ 联系人2002" in pages
    assert "⬜ 联系人2003（无法送达）" in pages


async def audience_count(organizer: SandboxUser, *presses: str) -> str:
    """Press through the audience menus; return the confirmation's text."""
    for label in presses:
        await organizer.press(label)
    return organizer.last_reply.text


async def test_audiences_by_category_status_district_and_unit(harness):
    conduct = dict(CaseSpec().values, category="conduct")
    await add_unit(harness, party_org="甲局", contacts=[2101], cases=[CaseSpec(conduct)])
    await add_unit(
        harness, party_org="乙局", submitter_key="futian", contacts=[2102, 2103],
        cases=[CaseSpec(submitted=True, advancing_at=("review",))],
    )  # fmt: skip
    await add_unit(harness, party_org="丙局", submitter_key="futian", contacts=[2104])
    await harness.user(2105).send("/start")  # a visitor without a unit
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    cases = [
        (("🗂 按案例类别", "正风增效"), "有「正风增效」类案例的单位，共 1 人"),
        (("📈 按进度", "尚未创建案例的单位"), "尚未创建案例的单位，共 1 人"),
        (("📈 按进度", "有未提交案例的单位"), "有未提交案例的单位，共 1 人"),
        (("📈 按进度", "已提交案例的单位"), "已提交案例的单位，共 2 人"),
        (("📈 按进度", "有晋级案例的单位"), "有晋级案例的单位，共 2 人"),
        (("🗺 按申报渠道", "福田区直机关工委"), "经福田区直机关工委申报的单位，共 3 人"),
        (("🏢 指定单位", "乙局"), "乙局，共 2 人"),
        (("👥 全体用户",), "全体用户，共 5 人"),
    ]
    for presses, expected in cases:
        text = await audience_count(organizer, *presses)
        assert expected in text, (presses, text)
        await organizer.press("🎯 更改接收对象")
    await organizer.press("🗂 按案例类别")
    await organizer.press("党建赋能")
    assert "所选对象目前没有可以接收的人" in organizer.last_reply.text


async def test_a_scheduled_notice_goes_out_at_the_typed_moment(harness):
    await add_unit(harness, contacts=[2201])
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    await organizer.press("👥 全体用户")
    await organizer.press("⏰ 定时发送")
    assert "2024-07-02 09:00" in organizer.last_reply.text  # tomorrow, as an example
    await organizer.send("明天上午")
    assert "没看懂这个时间" in organizer.last_reply.text
    await organizer.send("2024-06-30 09:00")
    assert "这个时间已经过去了" in organizer.last_reply.text
    await organizer.send("2024-07-10 09:00")
    scheduled = organizer.last_reply
    assert "将于 2024年7月10日（周三）09:00（北京时间，还有 8 天 23 小时）" in scheduled.text
    assert "共 1 人" in scheduled.text
    await worker(harness).drain()
    assert bot_texts(harness, 2201) == []
    await harness.restart()  # the schedule lives in the outbox: a restart keeps it
    harness.at(datetime(2024, 7, 10, 9, 0, tzinfo=BEIJING))
    await worker(harness).drain()
    assert [NOTICE in t for t in bot_texts(harness, 2201)] == [True]
    await organizer.refresh()
    assert "已发送完毕" in organizer.messages()[-1].text  # the scheduled message became the report


async def test_a_schedule_can_be_cancelled(harness):
    await add_unit(harness, contacts=[2301])
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    await organizer.press("👥 全体用户")
    await organizer.press("⏰ 定时发送")
    await organizer.send("7月10日 9:00")
    await organizer.press("✖️ 取消定时")
    assert "已取消定时发送，1 条待发消息已撤回" in organizer.last_reply.text
    harness.at(datetime(2024, 7, 10, 9, 0, tzinfo=BEIJING))
    await worker(harness).drain()
    assert bot_texts(harness, 2301) == []


async def test_a_notice_with_a_document(harness):
    await add_unit(harness, contacts=[2401])
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.upload("评审细则.pdf", b"%PDF-1.4 rules", mime_type="application/pdf")
    assert "已收到附件“评审细则.pdf”。请再发送通知正文" in organizer.last_reply.text
    await organizer.send(NOTICE)
    assert "附件：评审细则.pdf" in organizer.last_reply.text
    mark = organizer.mark()
    await organizer.press("👥 全体用户")
    intro, preview, confirm = organizer.replies_since(mark)
    assert preview.document["file_name"] == "评审细则.pdf" and NOTICE in preview.text
    await organizer.press("✅ 确认发送", confirm)
    await worker(harness).drain()
    user = harness.user(2401)
    await user.refresh()
    received = user.last_reply
    assert received.document["file_name"] == "评审细则.pdf"
    assert NOTICE in received.text and received.button_labels() == ["✅ 已知悉"]
    assert await user.download(received) == b"%PDF-1.4 rules"


async def test_a_long_notice_with_a_document_comes_as_two_messages(harness):
    await add_unit(harness, contacts=[2402])
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.upload("附件.docx", b"docx bytes", caption="简短说明")
    await organizer.press("✏️ 重写内容")
    long_text = "请认真阅读附件。" * 200  # over a caption's 1,024 characters
    await organizer.send(long_text)
    await organizer.press("👥 全体用户")
    await organizer.press("✅ 确认发送")
    await worker(harness).drain()
    user = harness.user(2402)
    await user.refresh()
    document, text = user.messages()[-2:]
    assert document.document["file_name"] == "附件.docx" and not document.text
    assert long_text in text.text and text.button_labels() == ["✅ 已知悉"]


async def test_bad_input_while_writing_is_explained(harness):
    organizer = harness.organizer()
    await organizer.send("/broadcast")
    await organizer.send("超长" * 2048)  # Telegram's most; the heading makes it too long
    assert "超出 Telegram 单条消息上限" in organizer.last_reply.text
    await organizer.send(NOTICE)
    assert "请选择接收对象" in organizer.last_reply.text
    await organizer.press("📎 添加附件")
    await organizer.send("这不是文件")
    assert "现在需要的是附件" in organizer.last_reply.text
    await organizer.press("⬅️ 返回")
    await organizer.send("？截止时间")  # back to normal: a question gets its answer
    assert "请选择接收对象" not in organizer.last_reply.text


async def test_confirming_twice_sends_once_and_acks_on_the_preview_do_nothing(harness):
    await add_unit(harness, contacts=[2501])
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    await organizer.press("👥 全体用户")
    confirm = organizer.last_reply
    preview = organizer.messages()[-2]
    toast = await organizer.press("✅ 已知悉", preview)
    assert toast and "预览" in toast["text"]
    await organizer.press("✅ 确认发送", confirm)
    # A second tap, e.g. from a second phone showing the old buttons.
    forged = InlineKeyboardMarkup(
        [[InlineKeyboardButton("再点", callback_data=f"bc:{_id(confirm)}:go")]]
    )
    again = await harness.app.bot.send_message(9001, "旧按钮", reply_markup=forged)
    await organizer.refresh()
    toast = await organizer.press("再点", again.message_id)
    assert toast and "已失效" in toast["text"]
    await worker(harness).drain()
    assert len(bot_texts(harness, 2501)) == 1


def _id(message) -> str:
    return next(d for row in message.buttons for _, d in row if d.startswith("bc:")).split(":")[1]


async def test_resend_to_those_who_did_not_acknowledge(harness):
    await add_unit(harness, contacts=[2601, 2602])
    organizer = harness.organizer()
    await write_notice(harness, organizer)
    await organizer.press("👥 全体用户")
    await organizer.press("✅ 确认发送")
    await worker(harness).drain()
    reader = harness.user(2601)
    await reader.refresh()
    await reader.press("✅ 已知悉")
    await organizer.refresh()
    report = organizer.last_reply
    await organizer.press("🔁 向未知悉者重发", report)
    await worker(harness).drain()
    assert len(bot_texts(harness, 2601)) == 1
    assert len(bot_texts(harness, 2602)) == 2
    await organizer.refresh()
    assert "共 1 人：送达 1 人" in organizer.last_reply.text
    await organizer.send("/organizer")
    await organizer.press("📋 通知记录")
    assert "最近 1 条" in organizer.last_reply.text
    await organizer.press(organizer.last_reply.buttons[0][0][0])
    summary = organizer.last_reply.text
    # People, not messages: the re-send went to one of the two (issue 14).
    assert "共 2 人：送达 2 人" in summary and "已知悉 1 人" in summary
    assert "其中 1 人未及时确认，已再次提醒" in summary


async def test_after_a_resend_people_are_counted_once_and_the_reminder_says_so(harness):
    """Issue 14: not `1 人`/`送达 4` for 3 recipients; the moment sent, not written."""
    await add_unit(harness, contacts=[2701, 2702, 2703])
    organizer = harness.organizer()
    await write_notice(harness, organizer)  # written at 10:00 …
    harness.at(datetime(2024, 7, 1, 15, 30, tzinfo=BEIJING))
    await organizer.press("👥 全体用户")
    await organizer.press("✅ 确认发送")  # … sent at 15:30
    await worker(harness).drain()
    for uid in (2701, 2702):
        reader = harness.user(uid)
        await reader.refresh()
        await reader.press("✅ 已知悉")
    (first,) = bot_texts(harness, 2703)
    assert "再次提醒" not in first
    await organizer.refresh()
    await organizer.press("🔁 向未知悉者重发", organizer.last_reply)
    await worker(harness).drain()
    assert len(bot_texts(harness, 2701)) == 1
    again = bot_texts(harness, 2703)[-1]
    assert again.startswith("🔔 再次提醒") and NOTICE in again
    await organizer.send("/organizer")
    await organizer.press("📋 通知记录")
    history = organizer.last_reply.text
    assert "#1 2024年7月1日（周一）15:30 发出，3 人" in history, history
    await organizer.press(organizer.last_reply.buttons[0][0][0])
    summary = organizer.last_reply.text
    assert "共 3 人：送达 3 人" in summary and "送达 4" not in summary
    assert "15:30 发出" in summary and "其中 1 人未及时确认，已再次提醒" in summary
    assert "已知悉 2 人" in summary
