"""Open registration: a unit registers itself and waits for an organizer's confirmation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from config.services import services_of
from contest.definition import Contest, load_contest
from storage.models import Account, OutboxMessage, Unit, UnitStatus
from tests.conftest import DEFAULT_CONTEST
from tests.delivery.world import worker


@pytest.fixture(scope="module")
def contest() -> Contest:
    """Return the 2024 contest with open registration."""
    base = load_contest(DEFAULT_CONTEST)
    registration = base.registration.model_copy(update={"mode": "open"})
    return base.model_copy(update={"registration": registration})


async def rows(harness, model, *where):
    async with services_of(harness.app).sessions() as session:
        return list((await session.exec(select(model).where(*where))).all())


async def register_directly(user, party_org="中共深圳市丙局机关委员会", name="王五"):
    await user.send("/start")
    await user.press("📝 报名登记")
    await user.press("📝 直接登记本单位")
    await user.send(party_org)
    await user.send("深圳市丙局")
    await user.press("市直机关工委")
    await user.press("✅ 确认")
    await user.send(name)
    await user.send("组织科科长")
    await user.send("0755-88000001")
    await user.send("13700137000")
    await user.press("✅ 确认")


async def test_a_unit_registers_itself_and_is_confirmed_by_an_organizer(harness):
    user = harness.user(1001)
    await register_directly(user)
    done = user.last_reply.text
    assert "登记完成" in done and "需经市直机关工委确认" in done
    unit = (await rows(harness, Unit))[0]
    assert unit.status == UnitStatus.PENDING and unit.registered
    await user.send("/me")
    assert "待市直机关工委确认" in user.last_reply.text

    colleague = harness.user(1002)
    await colleague.send("/start")
    await user.press("👥 邀请同事加入")
    link = user.last_reply.text.split("\n")[2]
    await colleague.send(link)
    await colleague.send("赵六")
    await colleague.send("科员")
    await colleague.send("0755-88000002")
    await colleague.send("13700137001")
    await colleague.press("✅ 确认")

    organizer = harness.organizer()
    await organizer.send("/invite")
    await organizer.press("⏳ 待确认单位（1）")
    earlier = organizer.last_reply
    await organizer.send("/invite")
    await organizer.press("⏳ 待确认单位（1）")
    pending = organizer.last_reply.text
    assert "中共深圳市丙局机关委员会" in pending and "王五、赵六" in pending
    assert "13700137000" in pending
    await organizer.press("✅ 确认：中共深圳市丙局机关委员会")
    assert "已确认：中共深圳市丙局机关委员会" in organizer.last_reply.text
    assert "目前没有待确认的单位" in organizer.last_reply.text
    assert (await rows(harness, Unit))[0].status == UnitStatus.ACTIVE

    notices = await rows(harness, OutboxMessage)
    people = {a.person_id: int(a.external_id) for a in await rows(harness, Account)}
    assert sorted(people[n.person_id] for n in notices) == [1001, 1002]
    assert all(n.kind == "notice" for n in notices)
    assert all(n.dedupe_key == f"unit-confirmed:{unit.id}:{n.person_id}" for n in notices)
    assert "已确认您单位的报名登记" in notices[0].text
    await worker(harness).drain()  # the delivery worker sends them
    for contact in (harness.user(1001), harness.user(1002)):
        await contact.refresh()
        assert "已确认您单位的报名登记" in contact.last_reply.text

    # a second press (an old button) confirms nothing twice
    await organizer.press(f"inv:ok:{unit.id}", earlier)
    edited = next(m for m in organizer.messages() if m.message_id == earlier.message_id)
    assert "已经确认过或不存在" in edited.text
    assert len(await rows(harness, OutboxMessage)) == 2


async def test_registering_directly_twice_does_not_make_a_second_unit(harness):
    user = harness.user(1001)
    await user.send("/start")
    await user.press("📝 报名登记")
    home = user.last_reply  # its "直接登记" button stays in the chat
    await register_directly(user)
    await user.press("📝 直接登记本单位", home)
    assert "无需重复加入" in user.last_reply.text
    assert "📝 报名登记" not in user.last_reply.button_labels()
    assert len(await rows(harness, Unit)) == 1


async def test_open_mode_is_offered_only_when_the_contest_says_so(harness):
    user = harness.user(1001)
    await user.send("/start")
    await user.press("📝 报名登记")
    assert "可以点“直接登记本单位”" in user.last_reply.text
    assert "📝 直接登记本单位" in user.last_reply.button_labels()
