"""A person's data: /mydata sends it as a file; /deleteme, confirmed by an organizer, erases it."""

from __future__ import annotations

import json

from sqlmodel import select

from config.services import services_of
from storage.db import transaction
from storage.models import Case, CaseStatus, ErasureRequest, FormProgress, OutboxMessage, Person
from tests.delivery.world import COMPLETE, worker
from tests.flows.test_cases import forge_press
from tests.flows.test_registration import fill_contact, make_invite, person, registered_unit

NAME, MOBILE, OFFICE = "王小明", "13900139000", "0755-88134325"


async def joined(harness, user_id: int = 1001):
    """Register a contact person (王小明) in a unit with a draft and a submitted case."""
    unit_id = await registered_unit(harness)
    user = harness.user(user_id)
    await user.send(f"/start {await make_invite(harness, unit_id=unit_id)}")
    await fill_contact(user, NAME)
    own = {"contact_name": NAME, "contact_mobile": MOBILE, "contact_office_phone": OFFICE}
    async with transaction(services_of(harness.app).sessions) as session:
        draft = Case(unit_id=unit_id, values={**COMPLETE, **own, "title": "草稿案例"})
        sent = Case(
            unit_id=unit_id,
            status=CaseStatus.SUBMITTED,
            ever_submitted=True,
            values={**COMPLETE, **own, "title": "已提交案例"},
        )
        session.add_all([draft, sent])
    return user, unit_id


async def test_mydata_sends_a_json_file_of_what_the_bot_holds(harness):
    user, _ = await joined(harness)
    await user.send("/mydata")
    message = user.last_reply
    assert message.document is not None and message.document["file_name"] == "mydata.json"
    assert "关于您的全部信息" in message.text and "/deleteme" in message.text
    data = json.loads(await user.download(message))
    assert data["contest"] == "jianbing_2024"
    assert data["person"]["name"] == NAME and data["person"]["mobile"] == MOBILE
    assert [(a["channel"], a["id"]) for a in data["accounts"]] == [("telegram", "1001")]
    assert data["unit"]["party_org"] == "中共深圳市甲局机关委员会"
    assert data["erasure_requests"] == []


async def test_erasure_asked_by_the_person_and_confirmed_by_an_organizer(harness):
    organizer = harness.organizer()
    await organizer.send("/start")
    user, unit_id = await joined(harness)
    await user.send("/deleteme")
    assert "已提交的参赛案例" in user.last_reply.text
    await user.press("取消")
    assert "未提交删除申请" in user.last_reply.text
    await user.send("/deleteme")
    await user.press("🗑 确认申请删除")
    assert "删除申请已于 2024年7月1日（周一）10:00 提交，已通知组织者" in user.last_reply.text
    await user.send("/deleteme")
    assert "正在等待组织者确认" in user.last_reply.text

    await worker(harness).drain()
    await organizer.refresh()
    request_message = organizer.last_reply
    assert "删除个人信息申请" in request_message.text and NAME in request_message.text

    stranger = harness.user(1002)
    await stranger.send("/start")
    async with services_of(harness.app).sessions() as session:
        request = (await session.exec(select(ErasureRequest))).one()
    await forge_press(harness, stranger, f"del:ok:{request.id}")  # not an organizer
    assert "组织者" in stranger.last_reply.text
    assert (await person(harness, 1001)).name == NAME

    await organizer.press("✅ 确认删除", request_message)
    assert "已删除申请人的个人信息" in organizer.last_reply.text
    erased = await person(harness, 1001)  # the account stays: it is whom the deletion was for
    assert (erased.name, erased.mobile, erased.office_phone, erased.title) == ("", "", "", "")
    assert erased.unit_id is None and erased.reminders_muted
    async with services_of(harness.app).sessions() as session:
        cases = {c.values["title"]: c for c in (await session.exec(select(Case))).all()}
        forms = (await session.exec(select(FormProgress).where(
            FormProgress.person_id == erased.id))).all()  # fmt: skip
        texts = (await session.exec(select(OutboxMessage.text).where(
            OutboxMessage.person_id == erased.id))).all()  # fmt: skip
    draft, kept = cases["草稿案例"], cases["已提交案例"]
    assert draft.values["contact_name"] == "" and draft.values["contact_mobile"] == ""
    assert draft.values["lead_name"] == COMPLETE["lead_name"]  # somebody else's
    assert kept.values["contact_name"] == NAME and kept.values["contact_mobile"] == MOBILE
    assert forms == []
    assert [t for t in texts if t] and all(NAME not in t for t in texts)

    await worker(harness).drain()
    await user.refresh()
    assert "您的个人信息已按申请删除" in user.last_reply.text
    await forge_press(harness, organizer, f"del:ok:{request.id}")  # again: changes nothing
    assert "已经处理过了" in organizer.last_reply.text

    await user.send("/mydata")
    data = json.loads(await user.download(user.last_reply))
    assert data["person"]["name"] == "" and data["unit"] is None
    assert data["erasure_requests"][0]["status"] == "done"


async def test_an_organizer_may_decline(harness):
    organizer = harness.organizer()
    await organizer.send("/start")
    user, _ = await joined(harness)
    await user.send("/deleteme")
    await user.press("🗑 确认申请删除")
    await worker(harness).drain()
    await organizer.refresh()
    await organizer.press("不予删除")
    assert "已不予删除" in organizer.last_reply.text
    await worker(harness).drain()
    await user.refresh()
    assert "组织者未同意删除您的个人信息" in user.last_reply.text
    assert (await person(harness, 1001)).name == NAME
    async with services_of(harness.app).sessions() as session:
        assert (await session.exec(select(Person).where(Person.name == NAME))).first()


async def test_without_an_organizer_the_person_is_told_whom_to_call(harness):
    user, _ = await joined(harness)
    await user.send("/deleteme")
    await user.press("🗑 确认申请删除")
    assert "目前没有可以在线确认的组织者" in user.last_reply.text
