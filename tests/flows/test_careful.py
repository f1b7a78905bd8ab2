"""A careful conversation (issue 14): nothing lost, nothing silent, a short chat.

Each test walks what a contact person does through the sandbox and checks what they see
and what is stored.
"""

from __future__ import annotations

from typing import Any

from config.services import services_of
from storage.cases import forget_case_forms
from storage.db import transaction
from storage.models import Case, Unit
from storage.team import lead_of
from tests.flows.test_cases import (
    BACKGROUND_1,
    INNOVATIONS,
    add_lead,
    answer_lead,
    cases_of,
    draft_to_review,
    registered,
    start_case,
    stored,
    texts_since,
)
from tests.flows.test_registration import make_invite


def now(user: Any, message: Any) -> Any:
    """Return a message as the chat shows it now (edits applied)."""
    return next(m for m in user.messages() if m.message_id == message.message_id)


async def test_a_question_typed_as_an_answer_is_asked_about_not_stored(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    mark = user.mark()
    await user.send("什么时候截止？")
    said = texts_since(user, mark)
    assert "这是一个问题吗？" in said and "什么时候截止？" in said
    assert user.last_reply.button_labels() == ["回答问题", "作为本项内容"]
    (case,) = await cases_of(harness, unit_id)
    assert "title" not in case.values
    mark = user.mark()
    await user.press("回答问题")
    replies = user.replies_since(mark)
    assert "截止" in replies[0].text  # the question matcher's answer
    assert "案例名称" in replies[-1].text  # then the same field again
    assert "title" not in (await stored(harness, case.id)).values
    # A title may well end in a question mark: stored once the person says so.
    await user.send("如何让群众少跑腿？")
    await user.press("作为本项内容")
    assert (await stored(harness, case.id)).values["title"] == "如何让群众少跑腿？"
    await answer_lead(user)
    # Long text: the question is not appended to the text being written.
    await user.send(BACKGROUND_1)
    await user.send("字数怎么算？")
    assert "这是一个问题吗？" in user.last_reply.text
    await user.send("另一段背景。")  # typing on is an answer: the question is let go
    await user.press("✅ 完成")
    background = (await stored(harness, case.id)).values["background"]
    assert background == f"{BACKGROUND_1}\n另一段背景。"


async def test_a_list_edited_from_the_review_keeps_its_items(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    (case,) = await cases_of(harness, unit_id)
    # An import (or a pause after the first item) left the case with one 创新点 of three.
    async with transaction(services_of(harness.app).sessions) as session:
        row = await session.get(Case, case.id)
        assert row is not None
        row.values = {**row.values, "innovations": [INNOVATIONS[0]]}
        session.add(row)
        await forget_case_forms(session, case_id=case.id or 0, form_keys=("case",))
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{case.id}")
    await user.press(f"case:{case.id}:edit")
    # Asked at the first missing item, the one already there kept.
    assert "第 2/3 条" in user.last_reply.text, user.last_reply.text
    await user.press("⬅️ 上一项")
    assert INNOVATIONS[0] in user.last_reply.text
    await user.press("保留原内容")
    await user.send("新的创新点二")
    await user.send("新的创新点三")
    assert "请核对" in user.last_reply.text
    assert (await stored(harness, case.id)).values["innovations"] == [
        INNOVATIONS[0],
        "新的创新点二",
        "新的创新点三",
    ]


async def test_a_paused_form_is_one_tap_away_from_start_me_and_todo(harness: Any) -> None:
    code = await make_invite(harness)
    user = harness.user(1001)
    await user.send(f"/start {code}")
    await user.send("中共深圳市某某局机关委员会")
    assert "推荐单位" in user.last_reply.text
    await user.send("/cancel")
    await harness.restart()
    # /start after a restart says a form is waiting, and where.
    mark = user.mark()
    await user.send("/start")
    offer = user.replies_since(mark)[0]
    assert "参赛单位登记" in offer.text and "还没有填完" in offer.text
    assert "“推荐单位”" in offer.text and offer.button_labels() == ["▶️ 继续填写"]
    for command in ("/me", "/todo"):
        mark = user.mark()
        await user.send(command)
        assert "还没有填完" in user.replies_since(mark)[0].text, command
    await user.press("▶️ 继续填写", offer)
    resumed = now(user, offer)  # the offer itself becomes the question: one message
    assert "第 2/3 项" in resumed.text and "推荐单位" in resumed.text
    # /me → 填写单位信息 continues too, the typed value kept.
    await user.send("/cancel")
    await user.send("/me")
    await user.press("🏢 填写单位信息")
    assert "第 2/3 项" in user.last_reply.text
    await user.press("⬅️ 上一项")
    assert "当前内容：中共深圳市某某局机关委员会" in user.last_reply.text


async def test_prefill_follows_the_team_lead_and_the_unit_after_the_form_began(
    harness: Any,
) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    await user.send("李四")  # 牵头人姓名: the team gets 李四 as its lead, the rest 待补充
    assert "牵头人职务" in user.last_reply.text
    await user.send("/cancel")
    (case,) = await cases_of(harness, unit_id)
    # The lead's details come afterwards, straight into the database (not through the
    # team's form, which would fill the document at once): the resume brings them.
    await add_lead(harness, case.id or 0)
    mark = user.mark()
    await user.send("/start")
    offer = user.replies_since(mark)[0]
    await user.press("▶️ 继续填写", offer)
    # Asked where it stopped, the lead's own value offered: one tap.
    assert "当前内容：二级主任科员" in now(user, offer).text
    await user.press("保留原内容", offer)
    assert "案例背景" in user.last_reply.text  # the lead's phones came from the team
    await user.send("/cancel")
    # The team's lead changes: the fields that came from it follow; the typed name stays.
    async with transaction(services_of(harness.app).sessions) as session:
        lead = await lead_of(session, case_id=case.id or 0)
        assert lead is not None
        lead.mobile = "13900002222"
        session.add(lead)
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        unit.recommending_unit = "深圳市某某局（新）"
        session.add(unit)
    mark = user.mark()
    await user.send("/start")
    await user.press("▶️ 继续填写", user.replies_since(mark)[0])
    await user.send(BACKGROUND_1)
    values = (await stored(harness, case.id)).values
    assert values["lead_mobile"] == "13900002222"
    assert values["recommending_unit"] == "深圳市某某局（新）"
    assert values["lead_name"] == "李四"


async def send_raw(harness: Any, user: Any, **content: Any) -> None:
    """Send a message the sandbox page cannot make (a sticker, a photo, a contact)."""
    state = harness.server.state
    chat = state.chats[user.user_id]
    message = state.add_message(chat, from_bot=False, text="")
    payload = state.message_json(message)
    payload.pop("text", None)
    state.push_update("message", {**payload, **content})
    await harness.process()
    await user.refresh()


STICKER = {"sticker": {"file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
                       "is_animated": False, "is_video": False, "type": "regular"}}  # fmt: skip
PHOTO = {"photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}]}
VOICE = {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 3}}


async def test_nothing_is_met_with_silence(harness: Any) -> None:
    user, _ = await registered(harness)
    said = {}
    for name, content in (("sticker", STICKER), ("photo", PHOTO), ("voice", VOICE)):
        mark = user.mark()
        await send_raw(harness, user, **content)
        (answer,) = user.replies_since(mark)
        said[name] = answer
    assert "收到表情" in said["sticker"].text and "图片我看不了" in said["photo"].text
    assert "语音我听不了" in said["voice"].text
    assert "📋 我的案例" in said["voice"].button_labels()  # the way on: the menu
    mark = user.mark()
    await user.upload("通知.pdf", b"%PDF-1.4", mime_type="application/pdf")
    (answer,) = user.replies_since(mark)
    assert "这个文件这里用不上" in answer.text
    mark = user.mark()
    await user.send("/frobnicate")
    (answer,) = user.replies_since(mark)
    assert "没有 /frobnicate 这个命令" in answer.text and "/help" in answer.text
    # Inside a form: the field it waits for, one tap to see it again.
    await start_case(user)
    await user.press("发展提质")
    mark = user.mark()
    await send_raw(harness, user, **PHOTO)
    (answer,) = user.replies_since(mark)
    assert "“案例名称”" in answer.text and answer.button_labels() == ["▶️ 继续填写"]
    await user.press("▶️ 继续填写")
    assert "案例名称" in user.last_reply.text


async def test_a_short_chat_receipts_in_place_and_one_live_keyboard(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    category = user.last_reply
    await user.press("发展提质")
    # The pressed prompt becomes its receipt, without buttons; the next field comes anew.
    assert now(user, category).text == "✓ 案例类别：发展提质" and not now(user, category).buttons
    title = user.last_reply
    await user.send("一网通办再提速")
    assert now(user, title).text == "✓ 案例名称：一网通办再提速"
    assert now(user, title).edited and not now(user, title).buttons
    await answer_lead(user)
    # Long text: 撤销上一段 takes back the last piece only.
    await user.send(BACKGROUND_1)
    await user.send("写错的一段。")
    await user.press("↩️ 撤销上一段")
    await user.press("✅ 完成")
    assert (await stored(harness, (await cases_of(harness, unit_id))[0].id)).values[
        "background"
    ] == BACKGROUND_1
    for item in [*INNOVATIONS, *INNOVATIONS]:
        await user.send(item)
    await user.press("否")
    review = user.last_reply
    assert "请核对" in review.text
    # Since the form began, one keyboard is live: the review card's.
    live = [m.message_id for m in user.messages() if m.from_bot and m.buttons]
    assert [m for m in live if m >= category.message_id] == [review.message_id]
    # An edit from the review: the card turns into the question, then back into the card.
    count = len(user.messages())
    await user.press("✏️ 案例名称")
    assert "案例名称" in now(user, review).text and "请核对" not in now(user, review).text
    await user.send("一网通办再提速 全国首创")
    card = now(user, review)
    assert "请核对" in card.text and "一网通办再提速 全国首创" in card.text
    assert len(user.messages()) == count + 1  # only the typed answer was added


async def test_telegrams_own_inputs_keyboard_contact_and_chat_action(harness: Any) -> None:
    assert harness.app.bot.defaults.parse_mode == "HTML"
    assert harness.app.bot.defaults.tzinfo == harness.contest.zone
    user, _ = await registered(harness)
    await user.send("/start")
    keys = [["📋 我的案例", "📅 日程"], ["❓ 提问", "👤 我的信息"]]
    assert user.reply_keyboard == keys
    # A key inside a form does what it says; it is not taken as the answer.
    await start_case(user)
    await user.press("发展提质")
    mark = user.mark()
    await user.send("📅 日程")
    assert "案例名称" not in texts_since(user, mark) and "文本申报" in texts_since(user, mark)
    await user.send("📋 我的案例")
    assert "未命名案例" in user.last_reply.text
    (case,) = await cases_of(harness, _)
    assert "title" not in (await stored(harness, case.id)).values
    # The .docx export shows "sending a file…" while it is built.
    await user.press(f"case:{case.id}")
    await user.press(f"case:{case.id}:docx")
    assert (user.chat.get("action") or {}).get("action") == "upload_document"


async def test_the_own_mobile_from_telegrams_contact_button(harness: Any) -> None:
    code = await make_invite(harness)
    user = harness.user(1001)
    await user.send(f"/start {code}")
    await user.send("中共深圳市某某局机关委员会")
    await user.send("深圳市某某局")
    await user.press("市直机关工委")
    await user.press("✅ 确认")
    for answer in ("张三", "办公室副主任", "0755-88134325"):
        await user.send(answer)
    assert user.reply_keyboard == [["📱 发送我的手机号"]]
    someone = {"phone_number": "13900000000", "first_name": "王", "user_id": 4242}
    await send_raw(harness, user, contact=someone)
    assert "别人的名片" in user.last_reply.text
    own = {"phone_number": "+8613800138000", "first_name": "张", "user_id": 1001}
    await send_raw(harness, user, contact=own)
    assert "请核对" in user.last_reply.text and "手机：13800138000" in user.last_reply.text
    # 登记完成 brings the main menu under the input field, not only the next /start.
    mark = user.mark()
    await user.press("✅ 确认")
    note, done = user.replies_since(mark)[-2:]
    assert "登记完成" in done.text and "菜单" in note.text
    assert user.reply_keyboard == [["📋 我的案例", "📅 日程"], ["❓ 提问", "👤 我的信息"]]
    await user.send("/start")
    assert sum("输入框下方的菜单" in m.text for m in user.messages()) == 1  # once per chat


async def test_one_count_and_the_copy_fixes(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    await answer_lead(user)
    assert user.last_reply.text.count("写完点“完成”") == 1  # said once, not twice
    await user.send("办理 ABC 事项。")
    await user.send("再一段")
    prompt = user.last_reply.text
    # One rule, one word: the form's count is the case's 本项 count.
    assert "已写 9 字（2 段）" in prompt and "本项 9 字" in prompt, prompt
    await user.send(BACKGROUND_1)  # long enough to finish
    await user.press("✅ 完成")
    for item in [*INNOVATIONS, *INNOVATIONS]:
        await user.send(item)
    await user.press("是")
    assert "往年获得过什么奖项？" in user.last_reply.text  # the 获奖情况 step asks


async def test_one_counting_rule_and_one_wording_for_the_fields_filled(harness: Any) -> None:
    """The form, its waiting note, the case card and the case list count the same 15 rows."""
    user, unit_id = await registered(harness)
    await start_case(user)
    assert "第 1/15 项" in user.last_reply.text  # 案例类别, the first of the visible fields
    await user.press("发展提质")
    # 推荐单位 (field 2) came from the unit: the next question is field 3, not "2 of 10".
    assert "案例名称" in user.last_reply.text and "第 3/15 项" in user.last_reply.text
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    counted = "已填 6/15 项"  # 类别, 推荐单位 and the four 联系人 fields
    mark = user.mark()
    await user.send("/start")
    waiting = next(m for m in user.replies_since(mark) if "还没有填完" in m.text)
    assert f"{counted}，都保留着" in waiting.text
    await user.press("menu:cases")
    assert f"{counted} · 全文 0/3000 字" in user.last_reply.text
    await user.press(f"case:{case.id}")
    assert f"{counted} · 全文 0/3000 字" in user.last_reply.text
    stored_case = await stored(harness, case.id)
    assert (stored_case.filled, stored_case.required) == (6, 15)
