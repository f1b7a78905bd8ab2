"""The load benchmarks' simulated user times a whole answer, not the bot's first change."""

from __future__ import annotations

import asyncio

from benchmarks.common import Person
from sandbox.config import SandboxConfig
from sandbox.state import SandboxState

USER = 100_001


async def _turns(count: int = 10) -> None:
    """Let the loop run the waiting user this many times (no time passes)."""
    for _ in range(count):
        await asyncio.sleep(0)


async def test_whole_waits_past_the_receipts_edit_for_the_new_message() -> None:
    state = SandboxState(SandboxConfig(global_rate=None, per_chat_rate=None))
    person = Person(state, USER)
    chat = person.chat
    prompt = state.add_message(chat, from_bot=True, text="案例背景")

    sending = asyncio.create_task(person.send("第一段", whole=True))
    await _turns()
    update_id = state.next_update_id - 1
    prompt.text = "✓ 案例背景 第 1 段"  # the bot edits the answered prompt into a receipt
    state.touch(chat, prompt)
    await _turns()
    assert not sending.done()  # an edit is not the answer's end

    state.add_message(chat, from_bot=True, text="案例背景（下一段）")
    await _turns()
    assert sending.done()
    ((sent_id, sent, first, seen),) = person.sent
    assert sent_id == update_id
    assert sent <= first <= seen


async def test_by_default_the_first_change_is_the_answer() -> None:
    state = SandboxState(SandboxConfig(global_rate=None, per_chat_rate=None))
    person = Person(state, USER)
    prompt = state.add_message(person.chat, from_bot=True, text="案例背景")

    sending = asyncio.create_task(person.send("第一段"))
    await _turns()
    state.touch(person.chat, prompt)
    await _turns()
    assert sending.done()
