"""A second channel, used only here and importing no ``telegram``: the proof that the seam is real.

A person registers with an invite code, drafts a case through the case form and submits
it, and receives an organizer's notice through the outbox and acknowledges it, all through
the same use cases the Telegram channel calls (``handlers/``), rendered by ``messages``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from config.clock import ManualClock
from config.services import Services
from config.settings import Settings
from contest.definition import Contest, load_contest
from delivery.worker import DeliveryWorker
from handlers import actions as ids
from handlers import broadcasts, cases, compose, forms, invites, registration
from handlers.notices import notice_rows
from handlers.replies import Reply
from handlers.visits import Sender, Visit, arrive
from messages import render
from messages.markup import plain_text
from storage.db import create_engine, migrate, session_factory, transaction
from storage.forms import save_form
from storage.invites import create_invite
from storage.models import Broadcast, Case, CaseStatus, InviteKind, TeamMember
from storage.outbox import enqueue_many
from tests.conftest import DEFAULT_CONTEST, DURING_SUBMISSION, ROOT
from tests.db import database_url, wipe

pytestmark = pytest.mark.database

CHANNEL = "memo"


class MemoChannel:
    """A channel that keeps what it is asked to deliver, per chat."""

    name = CHANNEL

    def __init__(self) -> None:
        self.inbox: dict[str, list[dict[str, Any]]] = {}

    async def send(self, chat_id: str, text: str, *, actions=None, document=None) -> str:
        """Keep a message; return its id."""
        box = self.inbox.setdefault(chat_id, [])
        box.append({"text": text, "actions": actions or []})
        return str(len(box))

    async def edit(self, chat_id: str, message_id: str, text: str, *, actions=None) -> None:
        """Replace a kept message."""
        self.inbox[chat_id][int(message_id) - 1] = {"text": text, "actions": actions or []}


class Speaker:
    """A person writing through the memo channel: every input goes to a use case."""

    def __init__(self, services: Services, user: str) -> None:
        self.services = services
        self.sender = Sender(CHANNEL, user, f"chat-{user}", "测试用户")
        self.seen: list[Reply] = []

    async def visit(self) -> Visit:
        async with transaction(self.services.sessions) as session:
            return await arrive(session, self.services, self.sender, self.services.clock.now())

    def _take(self, replies: list[Reply]) -> list[Reply]:
        self.seen += replies
        return replies

    @property
    def last(self) -> Reply:
        return self.seen[-1]

    def text(self, reply: Reply | None = None) -> str:
        """Render a reply (the last by default) as the person would read it."""
        reply = reply or self.last
        return plain_text(render(reply.template, **reply.values))

    async def type(self, text: str) -> list[Reply]:
        """Type a message: an answer to the waiting form."""
        turn = await forms.take_text(
            self.services, sender=self.sender, text=text, now=self.services.clock.now()
        )
        assert turn.turn is not None, f"no form was waiting for {text!r}"
        return self._take(turn.turn.replies)

    async def press(self, label: str) -> list[Reply]:
        """Press the button with this label on the last reply that has one."""
        for reply in reversed(self.seen):
            for row in reply.actions:
                for action in row:
                    if action.text == label:
                        return await self._press(action.id)
        raise AssertionError(f"no button {label!r}")

    async def _press(self, action_id: str) -> list[Reply]:
        parts = ids.split(action_id)
        v = await self.visit()
        if parts[0] == ids.FORM:
            turn = await forms.press(
                v,
                progress_id=int(parts[1]),
                op=parts[2],
                field_key=parts[3] or None,
                arg=parts[4] if len(parts) > 4 else "",
            )
            return self._take(turn.replies)
        if action_id.endswith(":submit"):
            return self._take((await cases.submit(v, case_id=int(parts[1]))).replies)
        raise AssertionError(f"the memo channel does not know {action_id!r}")


def test_the_use_cases_and_the_worker_load_without_telegram():
    code = (
        "import sys, handlers.forms, handlers.cases, handlers.registration, "
        "handlers.broadcasts, handlers.reminders, delivery.worker; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'telegram'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    url = database_url(tmp_path)
    await wipe(url)
    engine = create_engine(url)
    await migrate(engine)
    contest: Contest = load_contest(DEFAULT_CONTEST)
    registration.register_forms()
    cases.register_forms()
    compose.register_waits()
    invites.register_waits()
    yield Services(
        settings=Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
        contest=contest,
        clock=ManualClock(DURING_SUBMISSION),
        engine=engine,
        sessions=session_factory(engine),
    )
    await engine.dispose()


async def test_register_draft_submit_and_acknowledge_a_notice_without_telegram(services):
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        invite = await create_invite(
            session,
            kind=InviteKind.UNIT,
            label="深圳市某某局",
            created_by=None,
            expires_at=now + timedelta(days=30),
            now=now,
        )
    person = Speaker(services, "zhangsan")

    # Registration: the code, then the unit form and the contact form.
    joined = await registration.join_with_code(await person.visit(), invite.code)
    assert joined.accepted
    person._take(joined.replies)
    assert "参赛单位登记 · 第 1/3 项" in person.text()
    await person.type("中共深圳市某某局机关委员会")
    await person.type("深圳市某某局")
    await person.press("市直机关工委")
    await person.press("✅ 确认")
    assert "联系人信息" in person.text()
    for answer in ("张三", "办公室副主任", "0755-88134325", "13800138000"):
        await person.type(answer)
    await person.press("✅ 确认")
    assert "登记完成" in person.text()

    # The case form, field by field, then the submission.
    v = await person.visit()
    person._take((await cases.new_case(v)).replies)
    await person.press("发展提质")
    await person.type("一网通办再提速 政务服务更贴心")
    for answer in ("李四", "二级主任科员", "0755-88134324", "13800138002"):
        await person.type(answer)
    await person.type("面对群众办事多头跑的问题，我们从流程再造入手，推动政务服务提速增效。")
    await person.press("✅ 完成")
    for item in ("流程再造，一窗受理", "数据共享，免交材料", "党员先锋岗，全程帮办"):
        await person.type(item)
    for item in ("办理时限压缩一半", "群众满意度明显提升", "做法在全市推开"):
        await person.type(item)
    await person.press("否")
    assert "请核对" in person.text()
    await person.press("✅ 确认")
    assert person.last.template == "cases/card.html"
    case_id = person.last.values["case"].id
    async with transaction(services.sessions) as session:
        # The 牵头人 typed is the team's lead (issue 14); its 用工性质 is given here.
        (lead,) = (await session.exec(select(TeamMember))).all()
        assert (lead.name, lead.is_lead, lead.pending) == ("李四", True, ["employment"])
        lead.employment, lead.pending = "staff", []
        session.add(lead)
    await person.press("✅ 提交案例")
    async with services.sessions() as session:
        case = await session.get(Case, case_id)
    assert case is not None and case.status == CaseStatus.SUBMITTED
    assert case.values["title"] == "一网通办再提速 政务服务更贴心"
    assert "已提交" in person.text()

    # A notice through the outbox, delivered by the worker over this channel, acknowledged.
    v = await person.visit()
    async with transaction(services.sessions) as session:
        notice = Broadcast(
            created_by=v.person.id or 0, text="请于周五前核对案例。", status="sending"
        )
        session.add(notice)
        await session.flush()
        rows = notice_rows(services.contest, notice, [v.person], due_at=now)
        assert await enqueue_many(session, messages=rows) == 1
    channel = MemoChannel()
    worker = DeliveryWorker({CHANNEL: channel}, services, rate=1000, rate_per_chat=1000)
    assert await worker.drain() == 1
    (delivered,) = channel.inbox[person.sender.chat_id]
    assert "请于周五前核对案例。" in plain_text(delivered["text"])
    (ack,) = delivered["actions"][0]
    done = await broadcasts.acknowledge_notice(
        await person.visit(), broadcast_id=int(ids.split(ack["id"])[1])
    )
    assert done.values == {"fresh": True} and done.actions
    again = await broadcasts.acknowledge_notice(await person.visit(), broadcast_id=notice.id)
    assert again.values == {"fresh": False}


async def test_an_organizer_types_a_code_a_unit_name_and_a_notice_without_telegram(services):
    now = services.clock.now()
    async with transaction(services.sessions) as session:
        invite = await create_invite(
            session, kind=InviteKind.ORGANIZER, label="", created_by=None,
            expires_at=now + timedelta(days=1), now=now,
        )  # fmt: skip
    person = Speaker(services, "wangwu")

    # The code typed after 输入邀请码 is the stored wait's: the person becomes an organizer.
    person._take([await registration.ask_code(await person.visit())])
    wrong = await forms.take_text(
        services, sender=person.sender, text="ABCD2345", now=services.clock.now()
    )
    assert wrong.turn is not None and not wrong.turn.became_organizer
    assert wrong.turn.replies[0].template == "registration/code_problem.html"
    await person.type(invite.code)
    assert person.last.template == "registration/organizer_joined.html"
    assert (await person.visit()).is_organizer

    # The unit's name for a new code: a file is not taken, the typed name makes the code.
    person._take((await invites.ask_label(await person.visit())).replies)
    upload = forms.SentFile("file-1", "名单.txt", 10)
    passed = await forms.take_file(
        services, sender=person.sender, file=upload, now=services.clock.now()
    )
    assert passed.turn is None and passed.waiting is not None
    await person.type("深圳市某某局")
    assert person.last.template == invites.CARD
    assert person.last.values["invite"].label == "深圳市某某局"
    assert person.last.attachment is None  # no link on this channel: no QR code

    # A notice's text, typed: its formatting escaped (this channel has none).
    person._take((await compose.new_notice(await person.visit())).replies)
    await person.type("请于<周五>前核对案例。")
    assert person.last.template == "broadcast/audience.html"
    async with services.sessions() as session:
        (notice,) = (await session.exec(select(Broadcast))).all()
    assert notice.text == "请于&lt;周五&gt;前核对案例。"
    assert await forms.waiting(await person.visit()) is None


async def test_a_wait_left_by_someone_no_longer_an_organizer_is_refused_and_dropped(services):
    person = Speaker(services, "zhaoliu")
    v = await person.visit()
    async with transaction(services.sessions) as session:
        await save_form(
            session, person_id=v.person.id or 0, form_key=invites.LABEL_WAIT, state={},
            now=services.clock.now(),
        )  # fmt: skip
    await person.type("深圳市某某局")
    assert person.last.template == "common/organizers_only.html"
    assert await forms.waiting(await person.visit()) is None
