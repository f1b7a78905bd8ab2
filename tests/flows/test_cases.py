"""Drafting a case through the sandbox: the form field by field, 字数, restricted words,
re-entry, the review card, preview, export and import of the .docx.

The helpers here (a registered contact person, a team, the form walked through) are used
by the other ``test_cases_*`` and ``test_todo`` modules too.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from docx import Document
from sqlmodel import select

from config.services import services_of
from contest.text import document_words
from messages.markup import utf16_length
from sandbox.client import SandboxUser
from storage.cases import list_cases, list_revisions, unit_case
from storage.db import transaction
from storage.models import Case, FormProgress, TeamMember, Unit
from storage.team import lead_of
from tests.conftest import BEIJING
from tests.db import telegram_person

BACKGROUND_1 = "面对群众办事多头跑、材料反复交的问题，我局梳理高频事项，推动部门数据共享。"
BACKGROUND_2 = "打通部门数据，形成了可复制的深圳经验。"
INNOVATIONS = ["建立跨部门数据共享机制", "再造审批流程", "打造统一入口"]
RESULTS = ["办理时限压缩一半", "群众满意度明显提升", "相关做法在全市推广"]
TITLE = "“一网通办”再提速 全国首创"
LEAD = {
    "name": "李四",
    "title": "二级主任科员",
    "office_phone": "0755-88134324",
    "mobile": "13900001111",
}


# ----------------------------------------------------------------------------- helpers


async def registered(
    harness: Any, user_id: int = 1001, *, unit_name: str = "深圳市某某局"
) -> tuple[SandboxUser, int]:
    """Return a contact person whose unit is registered (made directly in the database)."""
    user = harness.user(user_id)
    await user.send("/start")
    async with transaction(services_of(harness.app).sessions) as session:
        unit = Unit(
            party_org=f"中共{unit_name}机关委员会",
            recommending_unit=unit_name,
            registered=True,
        )
        session.add(unit)
        await session.flush()
        person = await telegram_person(session, user_id)
        assert person is not None and unit.id is not None
        person.unit_id = unit.id
        person.name = "张三"
        person.title = "办公室副主任"
        person.office_phone = "0755-88134325"
        person.mobile = "13800138000"
        session.add(person)
        return user, unit.id


async def add_lead(harness: Any, case_id: int, **overrides: Any) -> None:
    """Put a team lead (在编) on a case's team, or complete the one the document gave it."""
    async with transaction(services_of(harness.app).sessions) as session:
        lead = await lead_of(session, case_id=case_id)
        if lead is None:
            lead = TeamMember(case_id=case_id, slot=1, is_lead=True)
        for key, value in (LEAD | overrides).items():
            setattr(lead, key, value)
        lead.employment, lead.pending = "staff", []
        session.add(lead)


async def cases_of(harness: Any, unit_id: int) -> list[Case]:
    """Return a unit's cases as stored."""
    async with services_of(harness.app).sessions() as session:
        return await list_cases(session, unit_id=unit_id)


async def stored(harness: Any, case_id: int) -> Case:
    """Return one case as stored."""
    async with services_of(harness.app).sessions() as session:
        case = await session.get(Case, case_id)
        assert case is not None
        return case


async def revisions(harness: Any, case_id: int) -> list[Any]:
    """Return a case's revisions as stored."""
    async with services_of(harness.app).sessions() as session:
        return await list_revisions(session, case_id=case_id)


async def start_case(user: SandboxUser) -> None:
    """Open the case list from the main menu and start a new case."""
    await user.send("/start")
    await user.press("menu:cases")
    await user.press("case:new")


async def answer_lead(user: SandboxUser) -> None:
    """Answer the four 牵头人 fields."""
    for key in ("name", "title", "office_phone", "mobile"):
        await user.send(LEAD[key])


async def answer_lists(user: SandboxUser) -> None:
    """Answer the innovation points and the results, three each."""
    for item in [*INNOVATIONS, *RESULTS]:
        await user.send(item)


async def draft_to_review(
    user: SandboxUser, *, title: str = TITLE, background: list[str] | None = None
) -> None:
    """Walk a new case from the category to the review card (not re-entered)."""
    await start_case(user)
    await user.press("发展提质")
    await user.send(title)
    await answer_lead(user)
    for piece in background or [BACKGROUND_1, BACKGROUND_2]:
        await user.send(piece)
    await user.press("✅ 完成")
    await answer_lists(user)
    mark = user.mark()
    await user.press("否")
    assert "请核对" in texts_since(user, mark)


def texts_since(user: SandboxUser, mark: int) -> str:
    """Return every bot message since ``mark``, joined."""
    return "\n".join(m.text for m in user.replies_since(mark))


async def forge_press(harness: Any, user: SandboxUser, data: str) -> None:
    """Send callback data the bot never put on this user's messages (a modified client)."""
    state = harness.server.state
    message = state.chats[user.user_id].messages[user.last_reply.message_id]
    query = state.new_callback(state.ensure_user(user.user_id), message, data)
    state.push_update(
        "callback_query",
        {
            "id": query.id,
            "from": state.ensure_user(user.user_id).to_json(),
            "message": state.message_json(message),
            "chat_instance": state.chat_instance(user.user_id),
            "data": data,
        },
    )
    await harness.process()
    await user.refresh()


def official_docx(lines: list[str], *, table: list[tuple[str, str]] | None = None) -> bytes:
    """Write a .docx the way a person fills in the official template in Word."""
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    if table:
        grid = document.add_table(rows=len(table), cols=2)
        for row, (left, right) in zip(grid.rows, table, strict=True):
            row.cells[0].text = left
            row.cells[1].text = right
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------- tests


async def test_people_without_a_unit_are_told_how_to_register(harness):
    user = harness.user(1001)
    await user.send("/start")
    assert "menu:cases" not in [data for row in user.last_reply.buttons for _, data in row]
    await forge_press(harness, user, "case:new")
    text = user.last_reply.text
    assert "需要先登记参赛单位" in text and "邀请链接" in text
    assert "王宇昕" in text and "0755-88134324" in text
    await forge_press(harness, user, "menu:cases")
    assert "需要先登记参赛单位" in user.last_reply.text


async def test_a_full_case_is_drafted_field_by_field(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    first = user.last_reply
    assert "案例类别" in first.text and "第 1/" in first.text
    # each category button comes with its one-line description
    assert "发展提质：以党建引领服务重大战略、推动高质量发展" in first.text
    assert "📝 全文 0/3000 字" in first.text
    await user.press("发展提质")
    assert "案例名称" in user.last_reply.text
    await user.send(TITLE)
    prompt = user.last_reply.text
    # the restricted word of the title is pointed out at once, with the rule quoted
    assert "牵头人姓名" in prompt
    assert "用词提示（案例名称）" in prompt and "全国首创" in prompt
    assert "如确须使用，应提供相关依据" in prompt
    await answer_lead(user)
    # the contact person's fields were prefilled from the person: not asked again
    assert "案例背景" in user.last_reply.text
    # a long field over several messages, with the count after every piece
    await user.send(BACKGROUND_1)
    assert "已写" in user.last_reply.text and "（1 段）" in user.last_reply.text
    assert "📝 本项 37 字" in user.last_reply.text
    await user.send(BACKGROUND_2)
    assert "（2 段）" in user.last_reply.text
    assert "本项 56 字" in user.last_reply.text and "深圳经验" in user.last_reply.text
    await user.press("✅ 完成")
    assert "案例创新点 · 第 1/3 条" in user.last_reply.text
    await answer_lists(user)
    assert "往年是否参赛" in user.last_reply.text
    await user.press("否")
    review = user.last_reply
    assert "请核对" in review.text
    assert "推荐单位：深圳市某某局" in review.text  # prefilled from the unit
    assert "联系人手机：13800138000" in review.text  # prefilled from the contact person
    assert "共有 2 处用词待处理" in review.text
    assert "✏️ 案例背景" in review.button_labels()
    # the draft was stored after every answer, before any confirmation
    (case,) = await cases_of(harness, unit_id)
    assert case.values["background"] == f"{BACKGROUND_1}\n{BACKGROUND_2}"
    assert case.values["innovations"] == INNOVATIONS
    await user.press("✅ 确认")
    card = user.last_reply.text
    assert "💾 已保存" in card and f"《{TITLE}》" in card
    assert "状态：📝 草稿" in card
    assert "2024年7月15日（周一）23:59 截止，还有 14 天 13 小时" in card
    assert "用词待处理" in card and "首创" in card and "深圳经验" in card
    assert "项目团队：1 人" in card  # the 牵头人 typed is the team's lead (待补充: 用工性质)


async def test_edits_from_the_review_card_return_to_it(harness):
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    await user.press("✏️ 牵头人职务")
    assert "当前内容：二级主任科员" in user.last_reply.text
    await user.send("一级主任科员")
    assert "请核对" in user.last_reply.text
    assert "牵头人职务：一级主任科员" in user.last_reply.text
    await user.press("✏️ 案例创新点")
    await user.press("保留原内容")
    await user.send("再造审批流程，实现一次办好")
    await user.press("保留原内容")
    assert "2. 再造审批流程，实现一次办好" in user.last_reply.text
    (case,) = await cases_of(harness, unit_id)
    assert case.values["lead_title"] == "一级主任科员"
    assert case.values["innovations"][1] == "再造审批流程，实现一次办好"


async def test_a_barred_re_entry_is_refused_with_the_rule(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("社区治理新探索")
    await answer_lead(user)
    await user.send(BACKGROUND_1)
    await user.press("✅ 完成")
    await answer_lists(user)
    await user.press("是")
    assert "往年市赛获奖情况" in user.last_reply.text
    await user.press("一等奖")
    refusal = user.last_reply.text
    assert "往年获得过市赛一等奖、二等奖的案例不能再次参赛" in refusal
    assert "未获得过市赛一等奖、二等奖的，可以重复参赛" in refusal  # the rule, quoted
    assert "往年市赛获奖情况" in refusal  # still on the same field
    await user.press("二等奖")
    assert "不能再次参赛" in user.last_reply.text
    await user.press("三等奖")
    assert "新做法新成效" in user.last_reply.text
    await user.send("今年新增了跨区通办和帮办代办服务，覆盖全部高频事项。")
    await user.press("✅ 完成")
    assert "请核对" in user.last_reply.text
    assert "往年市赛获奖情况：三等奖" in user.last_reply.text
    (case,) = await cases_of(harness, unit_id)
    assert case.values["previous_prize"] == "third" and case.values["reentered"] is True


async def test_an_over_limit_total_is_counted_and_blocks_submission(harness):
    user, unit_id = await registered(harness)
    long_piece = "推进改革" * 400  # 1600 字 each, within one Telegram message
    await start_case(user)
    await user.press("发展提质")
    await user.send("政务服务再提速")
    await answer_lead(user)
    await user.send(long_piece)
    await user.send(long_piece)
    assert "本项 3200 字" in user.last_reply.text
    assert "全文超出上限 207 字" in user.last_reply.text
    await user.press("✅ 完成")
    await answer_lists(user)
    await user.press("否")
    await user.press("✅ 确认")
    (case,) = await cases_of(harness, unit_id)
    await add_lead(harness, case.id)
    await user.press("✅ 提交案例")
    text = user.last_reply.text
    assert "还不能提交" in text and "字数超出：全文 3256 字，上限 3000 字，需删减 256 字" in text
    assert (await stored(harness, case.id)).status == "draft"
    # rewrite the field shorter from the card
    await user.press("✏️ 填写/修改")
    await user.press("✏️ 案例背景")
    await user.press("🔄 重写")
    await user.send(BACKGROUND_1)
    await user.press("✅ 完成")
    assert "全文 " in user.last_reply.text and "超出" not in user.last_reply.text
    await user.press("✅ 确认")
    await user.press("✅ 提交案例")
    assert "✅ 已提交" in user.last_reply.text


async def test_restricted_words_resolved_by_evidence_and_by_rewriting(harness):
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    await user.press("✅ 确认")
    (case,) = await cases_of(harness, unit_id)
    await add_lead(harness, case.id)
    await user.press("⚠️ 处理用词（2）")
    listing = user.last_reply.text
    assert "1. ⚠️ 首创（案例名称）" in listing
    assert "2. ⚠️ 深圳经验（案例背景）" in listing
    assert "打通部门数据，形成了可复制的深圳经验。" in listing
    # evidence for 首创: the next message is the evidence
    await user.press("📎 第 1 处：补充依据")
    assert "请发送「首创」的依据（案例名称）" in user.last_reply.text
    await user.send("太短")
    assert "依据太短" in user.last_reply.text
    evidence = "2023年11月国家发展改革委通报，将该做法列为全国首批推广案例"
    await user.send(evidence)
    assert "已记录「首创」的依据" in user.last_reply.text
    assert "1. ✅ 首创" in user.last_reply.text
    stored_case = await stored(harness, case.id)
    assert list(stored_case.evidence.values()) == [evidence]
    # 深圳经验: rewrite the sentence instead
    await user.press("✏️ 第 2 处：改写")
    assert "案例背景" in user.last_reply.text and "（修改）" in user.last_reply.text
    await user.press("🔄 重写")
    await user.send(BACKGROUND_1)
    await user.send("打通部门数据，做法已在全市推开。")
    await user.press("✅ 完成")
    review = user.last_reply.text
    assert "请核对" in review and "用词待处理" not in review
    await user.press("✅ 确认")
    card = user.last_reply.text
    assert "用词待处理" not in card and "各项已齐备，可以提交" in card
    await user.press("✅ 提交案例")
    assert "✅ 已提交（第 1 版）" in user.last_reply.text


async def test_preview_fits_telegram_and_ends_on_its_word_count_not_the_review_card(harness):
    user, unit_id = await registered(harness)
    long_piece = "为民服务" * 375 + "。"  # three of them make more than one message
    await draft_to_review(user, background=[long_piece, long_piece, long_piece])
    await user.press("✅ 确认")
    mark = user.mark()
    await user.press("👁 预览全文")
    replies = user.replies_since(mark)
    *preview, footer = replies
    assert len(preview) >= 2
    assert all(utf16_length(m.text) <= 4096 for m in replies)
    whole = "\n".join(m.text for m in preview)
    assert whole.startswith("2024年深圳市“尖兵杯”工作创新大赛参赛案例说明书")
    assert "案例类别：☑发展提质 □正风增效 □党建赋能" in whole
    assert "牵头人姓名：李四\u3000\u3000职务：二级主任科员" in whole
    assert whole.count("为民服务") == 3 * 375
    assert "1. 建立跨部门数据共享机制" in whole and "3. 相关做法在全市推广" in whole
    (case,) = await cases_of(harness, unit_id)
    words = document_words(case.values, harness.contest.forms.case.fields)[1]
    assert words > 3000 and f"全文 {words}/3000 字" in footer.text
    # The preview is for reading: no review card with a button per field after it.
    assert not any("请核对" in m.text for m in replies)
    assert footer.button_labels() == ["✏️ 填写/修改", "📄 导出 Word", "↩️ 返回案例"]


async def test_the_docx_export_has_the_official_layout(harness):
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    await user.press("✅ 确认")
    await user.press("📄 导出 Word")
    message = user.last_reply
    assert message.document is not None
    assert message.document["file_name"] == "“一网通办”再提速 全国首创-参赛案例说明书.docx"
    assert "草稿" in message.text and "全文 " in message.text
    data = await user.download(message)
    (case,) = await cases_of(harness, unit_id)
    words = document_words(case.values, harness.contest.forms.case.fields)[1]
    paragraphs = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert paragraphs == [
        "2024年深圳市“尖兵杯”工作创新大赛参赛案例说明书",
        "案例类别：☑发展提质 □正风增效 □党建赋能",
        "推荐单位：深圳市某某局",
        f"案例名称：{TITLE}",
        "牵头人姓名：李四\t职务：二级主任科员",
        "办公电话：0755-88134324\t手机：13900001111",
        "联系人姓名：张三\t职务：办公室副主任",
        "办公电话：0755-88134325\t手机：13800138000",
        "案例背景：",
        BACKGROUND_1,
        BACKGROUND_2,
        "案例创新点：",
        *(f"{n}. {item}" for n, item in enumerate(INNOVATIONS, start=1)),
        "案例取得的成果（或预期成效）：",
        *(f"{n}. {item}" for n, item in enumerate(RESULTS, start=1)),
        "注：本《说明书》仅供参考，请按要求在网上申报案例，字数不超过3000字。",
        f"（本说明书正文共 {words} 字）",
    ]
    properties = Document(io.BytesIO(data)).core_properties
    assert (properties.title, properties.author) == (TITLE, "深圳市某某局")
    assert properties.created == harness.clock.now().replace(microsecond=0)


async def test_a_docx_in_the_official_template_fills_the_fields(harness):
    user, unit_id = await registered(harness)
    data = official_docx(
        [
            "2024年深圳市“尖兵杯”工作创新大赛参赛案例说明书",
            "案例类别：□发展提质 ☑正风增效 □党建赋能",
            "推荐单位：深圳市某某局",
            "案例名称：窗口服务“零跑腿”",
            "牵头人姓名：王五 职务：科长",
            "办公电话：0755 8813 4326   手机：139 0000 2222",
            "联系人姓名：张三 职务：办公室副主任",
            "办公电话：0755-88134325 手机：13800138000",
            "案例背景：",
            "群众反映窗口排队时间长，部分事项需要多次往返，办事体验有待提升。",
            "案例创新点：",
            "1、推行预约办",
            "2、推行帮办代办",
            "（3）推行跨区通办",
            "案例取得的成果（或预期成效）：",
            "1. 排队时间减少一半",
            "2. 群众好评率上升",
            "3. 做法被多区借鉴",
            "注：本《说明书》仅供参考，请按要求在网上申报案例，字数不超过 3000 字。",
        ]
    )
    await user.send("/start")
    await user.upload("窗口服务.docx", data)
    texts = "\n".join(m.text for m in user.messages() if m.from_bot)
    assert "已根据文件新建案例" in texts
    assert "从文件中读到 14 项" in texts
    assert "牵头人办公电话：0755-88134326" in texts
    # the summary names a choice by its label, not the contest file's key (issue 14)
    (summary,) = [m for m in user.messages() if "从文件中读到" in m.text]
    assert "案例类别：正风增效" in summary.text and "conduct" not in summary.text
    review = user.last_reply
    assert "请核对" in review.text and "案例类别：正风增效" in review.text
    assert "往年是否参赛：未填写" in review.text
    (case,) = await cases_of(harness, unit_id)
    assert case.values["lead_mobile"] == "13900002222"
    assert case.values["innovations"] == ["推行预约办", "推行帮办代办", "推行跨区通办"]
    # the review card goes on from there: fill the missing field and confirm
    await user.press("✏️ 往年是否参赛")
    await user.press("否")
    await user.press("✅ 确认")
    assert "💾 已保存" in user.last_reply.text


async def test_a_docx_goes_into_the_case_being_drafted_and_bad_files_are_explained(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    (case,) = await cases_of(harness, unit_id)
    await user.upload("说明书.doc", b"\xd0\xcf\x11\xe0 old word")
    assert "旧版 Word（.doc）" in user.last_reply.text
    await user.upload("说明书.docx", b"not a zip at all")
    assert "不是 Word（.docx）文档" in user.last_reply.text
    await user.upload("会议纪要.docx", official_docx(["关于召开会议的通知", "请准时参加。"]))
    assert "没有找到《参赛案例说明书》的栏目" in user.last_reply.text
    # the draft is untouched and the form goes on where it was
    await user.send("群众办事更便捷")
    assert "牵头人姓名" in user.last_reply.text
    table = [
        ("案例名称", "群众办事更便捷"),
        ("案例背景", "窗口排队时间长，群众多次往返，办事体验有待提升。"),
    ]
    await user.upload("表格版.docx", official_docx(["参赛案例说明书"], table=table))
    texts = "\n".join(m.text for m in user.messages() if m.from_bot)
    assert "从文件中读到 2 项" in texts
    assert "文件中没有找到" in texts
    stored_case = await stored(harness, case.id)
    assert stored_case.values["category"] == "development"  # kept: not in the file
    assert stored_case.values["background"].startswith("窗口排队时间长")
    assert len(await cases_of(harness, unit_id)) == 1


async def test_a_docx_sent_out_of_the_blue_asks_which_case_takes_it(harness):
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    await user.press("✅ 确认")
    await user.send("/start")
    data = official_docx(["案例名称：社区治理新探索", "推荐单位：深圳市某某局"])
    await user.upload("另一个.docx", data)
    assert "要导入到哪个案例" in user.last_reply.text
    labels = user.last_reply.button_labels()
    assert f"📄 {TITLE}" in labels and "➕ 新建案例并导入" in labels
    await user.press("➕ 新建案例并导入")
    first, second = await cases_of(harness, unit_id)
    assert second.values["title"] == "社区治理新探索"
    assert first.values["title"] == TITLE


async def test_the_team_lead_prefills_the_lead_fields(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    await add_lead(harness, case.id, name="赵六", title="科长")
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{case.id}")
    await user.press(f"case:{case.id}:edit")
    await user.press("发展提质")
    await user.send("社区治理新探索")
    assert "案例背景" in user.last_reply.text  # the lead's fields are not asked
    values = (await stored(harness, case.id)).values
    assert (values["lead_name"], values["lead_title"]) == ("赵六", "科长")


async def test_the_draft_survives_a_restart_mid_field(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("社区治理新探索")
    await answer_lead(user)
    await user.send(BACKGROUND_1)
    await harness.restart()
    await user.send(BACKGROUND_2)
    assert "（2 段）" in user.last_reply.text
    async with services_of(harness.app).sessions() as session:
        rows = (await session.exec(select(FormProgress))).all()
        (case,) = await list_cases(session, unit_id=unit_id)
        assert await unit_case(session, case_id=case.id, unit_id=unit_id) is not None
    assert [row.form_key for row in rows] == ["case"]


async def test_drafting_before_the_stage_opens_is_allowed(harness):
    harness.at(datetime(2024, 5, 30, 9, 0, tzinfo=BEIJING))
    user, unit_id = await registered(harness)
    await start_case(user)
    assert "案例类别" in user.last_reply.text
    await user.press("⏸ 暂停")
    await user.send("/start")
    await user.press("menu:cases")
    assert "2024年6月3日（周一）09:00 开放提交" in user.last_reply.text


async def test_the_upload_button_waits_for_the_file(harness):
    user, unit_id = await registered(harness)
    await draft_to_review(user)
    await user.press("✅ 确认")
    await user.press("📥 上传 Word")
    assert "请发送按官方模板填写的《参赛案例说明书》Word 文件" in user.last_reply.text
    await user.send("文件在电脑上")
    assert "正在等待您发送 Word 文件" in user.last_reply.text
    await user.upload("改过的.docx", official_docx(["案例名称：群众办事更便捷"]))
    texts = "\n".join(m.text for m in user.messages() if m.from_bot)
    assert "从文件中读到 1 项" in texts and "案例名称：群众办事更便捷" in texts
    (case,) = await cases_of(harness, unit_id)
    assert case.values["title"] == "群众办事更便捷"
    assert case.values["background"] == f"{BACKGROUND_1}\n{BACKGROUND_2}"  # kept


async def test_a_question_inside_the_form_keeps_the_field(harness):
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("？字数要求")
    texts = [m.text for m in user.replies_since(user.mark() - 3)]
    assert any("3000" in text for text in texts)
    assert "案例名称" in user.last_reply.text
