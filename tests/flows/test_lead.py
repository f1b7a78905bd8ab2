"""The case document and its sources in step (issue 14): the team's lead, the unit.

The document's 牵头人 fields are the team lead's (the case form's ``prefill = "lead.…"``):
filled in the document, the team gets or updates its lead; changed in the team, the
document follows. A case begun before the unit registered gets its 推荐单位 when it does.
"""

from __future__ import annotations

from typing import Any

from config.services import services_of
from storage.db import transaction
from storage.models import Case
from storage.team import list_members
from tests.db import telegram_person
from tests.flows.test_cases import (
    LEAD,
    answer_lead,
    cases_of,
    draft_to_review,
    official_docx,
    registered,
    start_case,
    stored,
)
from tests.flows.test_registration import make_invite
from tests.flows.test_team import (
    active,
    add_member,
    contact_with_case,
    put_members,
    show_case_card,
    team,
)


async def open_card(user: Any, case_id: int, button: str) -> None:
    """Open the case card from the case list, then press one of its buttons."""
    await user.send("/start")
    await user.press("menu:cases")
    await user.press(f"case:{case_id}")
    await user.press(button)


async def open_team(user: Any, case_id: int) -> None:
    """Open the case's team from its card."""
    await open_card(user, case_id, f"team:{case_id}")


async def edit_case(user: Any, case_id: int) -> None:
    """Go back into the case's form from its card."""
    await open_card(user, case_id, f"case:{case_id}:edit")


async def test_an_imported_document_gives_the_team_its_lead_with_what_is_missing(
    harness: Any,
) -> None:
    user, unit_id = await registered(harness)
    data = official_docx(
        [
            "参赛案例说明书",
            "案例类别：☑发展提质",
            "案例名称：窗口服务“零跑腿”",
            "牵头人姓名：王五 职务：科长",
            "办公电话：0755-88134326   手机：13900002222",
        ]
    )
    await user.send("/start")
    await user.upload("窗口服务.docx", data)
    (case,) = await cases_of(harness, unit_id)
    (lead,) = active(await team(harness, case.id))
    assert (lead.name, lead.title, lead.is_lead) == ("王五", "科长", True)
    assert (lead.office_phone, lead.mobile) == ("0755-88134326", "13900002222")
    assert lead.pending == ["employment"]  # the member form asks it; the document has it not
    await open_team(user, case.id or 0)
    view = user.last_reply
    assert "项目团队：0 人" not in view.text and "成员 1" in view.text
    assert "王五（牵头队员）" in view.text and "待补充：用工性质" in view.text
    assert "还不符合大赛要求" in view.text and "王五的信息待补充：用工性质" in view.text
    await user.press("👤 1. 王五 ★")
    assert "待补充：用工性质" in user.last_reply.text
    # The contact completes it from the member card: no longer pending.
    await user.press("✏️ 修改信息")
    await user.press("✏️ 用工性质")
    await user.press("在编")
    await user.press("✅ 确认")
    (lead,) = active(await team(harness, case.id))
    assert (lead.employment, lead.pending) == ("staff", [])
    assert "待补充" not in user.last_reply.text and "✅ 团队符合大赛要求" in user.last_reply.text


async def test_a_lead_added_in_the_team_fills_the_document_and_the_paused_form(
    harness: Any,
) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    assert "牵头人姓名" in user.last_reply.text  # the form waits for the lead's name
    (case,) = await cases_of(harness, unit_id)
    await open_team(user, case.id or 0)
    await add_member(user, "赵六", lead=True)
    values = (await stored(harness, case.id)).values
    assert (values["lead_name"], values["lead_title"]) == ("赵六", "科员")
    # Back in the form: the lead's name and title are not asked again.
    await edit_case(user, case.id or 0)
    asked = user.last_reply.text
    assert "牵头人办公电话" in asked and "牵头人姓名" not in asked.split("牵头人办公电话")[0]
    await user.send(LEAD["office_phone"])
    values = (await stored(harness, case.id)).values
    assert (values["lead_name"], values["lead_office_phone"]) == ("赵六", LEAD["office_phone"])
    # …and the phone typed in the document is the team lead's too.
    (lead,) = active(await team(harness, case.id))
    assert lead.office_phone == LEAD["office_phone"]


async def test_the_lead_renamed_in_the_team_the_document_follows(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    await answer_lead(user)  # typed in the document: the team gets 李四 as its lead
    (case,) = await cases_of(harness, unit_id)
    (lead,) = active(await team(harness, case.id))
    assert (lead.name, lead.is_lead, lead.pending) == ("李四", True, ["employment"])
    await open_team(user, case.id or 0)
    await user.press("👤 1. 李四 ★")
    await user.press("✏️ 修改信息")
    await user.press("✏️ 姓名")
    await user.send("李思")
    await user.press("✏️ 用工性质")
    await user.press("在编")
    await user.press("✅ 确认")
    assert "已更新李思的信息" in user.last_reply.text
    assert (await stored(harness, case.id)).values["lead_name"] == "李思"
    # The paused form does not write the old name back with its next answer.
    await edit_case(user, case.id or 0)
    await user.send("群众反映办事需要多次往返，材料重复提交，窗口排队时间长。")
    assert (await stored(harness, case.id)).values["lead_name"] == "李思"
    (lead,) = active(await team(harness, case.id))
    assert lead.name == "李思"


async def test_the_lead_changed_in_the_document_the_team_follows(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await draft_to_review(user)  # 牵头人 李四 typed: the team's lead
    (case,) = await cases_of(harness, unit_id)
    await user.press("✏️ 牵头人姓名")
    await user.send("王五")
    assert "请核对" in user.last_reply.text
    members = active(await team(harness, case.id))
    assert [(m.name, m.is_lead, m.title) for m in members] == [("王五", True, LEAD["title"])]
    await open_team(user, case.id or 0)
    assert "王五（牵头队员）" in user.last_reply.text and "李四" not in user.last_reply.text


async def test_a_case_begun_before_registration_gets_the_recommending_unit_later(
    harness: Any,
) -> None:
    code = await make_invite(harness, label="")
    user = harness.user(1001)
    await user.send(f"/start {code}")
    assert "党组织名称" in user.last_reply.text
    await user.send("/cancel")
    # The case is begun before the unit form is done: 推荐单位 is asked, left waiting.
    await start_case(user)
    await user.press("发展提质")
    assert "推荐单位" in user.last_reply.text
    await user.send("/cancel")
    await user.send("/me")
    await user.press("🏢 填写单位信息")
    await user.send("中共深圳市某某局机关委员会")
    await user.send("深圳市某某局")
    await user.press("市直机关工委")
    await user.press("✅ 确认")
    (case,) = await cases_of(harness, await stored_unit(harness, user))
    assert case.values["recommending_unit"] == "深圳市某某局"  # stored as the unit registered
    # Back in the case: the form goes on at 案例名称 without asking for 推荐单位 again.
    await edit_case(user, case.id or 0)
    assert "案例名称" in user.last_reply.text and "推荐单位" not in user.last_reply.text


async def stored_unit(harness: Any, user: Any) -> int:
    """Return the unit id of the sandbox user's person."""
    async with services_of(harness.app).sessions() as session:
        person = await telegram_person(session, user.user_id)
        assert person is not None and person.unit_id is not None
        return person.unit_id


async def test_the_document_naming_another_member_makes_them_the_lead(harness: Any) -> None:
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    await put_members(harness, case.id, "甲一", "乙二")  # 甲一 the lead
    await edit_case(user, case.id or 0)
    assert "当前内容：甲一" in user.last_reply.text  # the team's lead, offered
    await user.send("乙二")  # the document names the other member
    members = active(await team(harness, case.id))
    assert [(m.name, m.is_lead) for m in members] == [("甲一", False), ("乙二", True)]
    assert len(members) == 2  # nobody renamed into a second 乙二


async def test_a_lead_typed_otherwise_in_the_document_is_not_overwritten_silently(
    harness: Any,
) -> None:
    user, _unit_id, case_id = await contact_with_case(harness)
    async with transaction(services_of(harness.app).sessions) as session:
        case = await session.get(Case, case_id)
        assert case is not None
        case.values = {**case.values, "lead_name": "王五"}  # e.g. saved before this link
        session.add(case)
    await show_case_card(harness, user, case_id)
    await add_member(user, "赵六", lead=True)
    values = (await stored(harness, case_id)).values
    assert (values["lead_name"], values["lead_title"]) == ("王五", "科员")  # empty: filled
    said = user.last_reply.text
    assert "已添加队员：赵六" in said or "已添加牵头队员：赵六" in said
    assert "“牵头人姓名”为“王五”" in said and "没有替换" in said


async def test_a_typed_lead_answer_costs_one_query_and_one_write_more(harness: Any) -> None:
    """A 牵头人 answer is the team lead's too: one SELECT of the team, one write of the lead,
    beside what any typed answer costs (tests/flows/test_statements.py)."""
    from tests.flows.test_statements import statements

    user, _unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    with statements(harness) as plain:
        await user.send("一网通办再提速 政务服务更贴心")
    figures = {"any answer (案例名称)": plain}
    for label, answer in (("牵头人姓名 (a new lead)", "李四"), ("牵头人职务", "科员")):
        with statements(harness) as seen:
            await user.send(answer)
        figures[label] = seen
    print("\ncase form, typed answers: " + ", ".join(f"{k} {len(s)}" for k, s in figures.items()))
    for label in ("牵头人姓名 (a new lead)", "牵头人职务"):
        extra = list(figures[label])
        for statement in plain:
            extra.remove(statement)
        assert sorted(extra) in (["INSERT", "SELECT"], ["SELECT", "UPDATE"]), (label, extra)


async def _resume_at_lead(harness: Any, *names: str, lead_first: bool = True) -> tuple[Any, int]:
    """A paused case form waiting at 牵头人姓名, the team holding these members."""
    user, unit_id = await registered(harness)
    await start_case(user)
    await user.press("发展提质")
    await user.send("一网通办再提速")
    await user.press("⏸ 暂停")
    (case,) = await cases_of(harness, unit_id)
    await put_members(harness, case.id, *names, lead_first=lead_first)
    async with transaction(services_of(harness.app).sessions) as session:
        for member in await list_members(session, case_id=case.id or 0):
            if member.name == "乙二":
                member.title, member.mobile = "主任", "13900001111"
            else:
                member.title = ""  # 甲一 has none: the form would ask 牵头人职务 next
            session.add(member)
    await edit_case(user, case.id or 0)
    return user, case.id or 0


async def test_the_member_named_as_lead_keeps_their_own_details(harness: Any) -> None:
    """The resumed form carried the old lead's 职务 in the same save as the new name: it is
    not written onto the new lead, whose own details fill the document instead; the next
    prompt asks what the form now waits for."""
    user, case_id = await _resume_at_lead(harness, "甲一", "乙二")
    await user.send("乙二")
    members = {m.name: m for m in active(await team(harness, case_id))}
    assert (members["乙二"].is_lead, members["乙二"].title) == (True, "主任")
    assert (members["甲一"].is_lead, members["甲一"].title) == (False, "")
    values = (await stored(harness, case_id)).values
    assert (values["lead_name"], values["lead_title"]) == ("乙二", "主任")
    assert values["lead_mobile"] == "13900001111"
    # The prompt is the form's own next question: an answer to it is stored where asked.
    asked = user.last_reply.text
    assert "牵头人办公电话" in asked
    await user.send(LEAD["office_phone"])
    values = (await stored(harness, case_id)).values
    assert values["lead_office_phone"] == LEAD["office_phone"]
    assert values["lead_title"] == "主任"


async def test_a_team_without_a_lead_gets_the_named_member_as_lead_not_a_copy(
    harness: Any,
) -> None:
    user, case_id = await _resume_at_lead(harness, "甲一", "乙二", lead_first=False)
    await user.send("乙二")
    members = active(await team(harness, case_id))
    assert [(m.name, m.is_lead) for m in members] == [("甲一", False), ("乙二", True)]
