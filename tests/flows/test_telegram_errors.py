"""Telegram's errors, provoked in the sandbox, handled by the real bot without a crash."""

from __future__ import annotations

import pytest

from contest.definition import Contest
from tests.conftest import DEFAULT_CONTEST

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


async def test_429_is_retried_after_retry_after(harness):
    user = harness.user()
    harness.server.config.fail_next("sendMessage", 429, retry_after=1)
    await user.send("/start")
    assert "尖兵杯" in user.last_reply.text


async def test_text_over_4096_is_split_into_several_messages(harness, contest: Contest):
    long_theme = "长" * 5000
    harness.contest = contest.model_copy(update={"theme": long_theme})
    await harness.restart()
    user = harness.user()
    mark = user.mark()
    await user.send("/start")
    replies = user.replies_since(mark)
    assert len(replies) >= 2
    assert all(len(r.text) <= 4096 for r in replies)
    assert sum(r.text.count("长") for r in replies) == 5000
    assert replies[-1].buttons  # the menu stays on the last part


async def test_edit_of_a_missing_message_sends_a_new_one(harness):
    user = harness.user()
    await user.send("/start")
    harness.server.config.fail_next(
        "editMessageText", 400, "Bad Request: message to edit not found"
    )
    mark = user.mark()
    await user.press("🗓 赛程安排")
    assert any("赛程安排" in r.text for r in user.replies_since(mark))


async def test_message_not_modified_is_ignored(harness):
    user = harness.user()
    await user.send("/start")
    harness.server.config.fail_next("editMessageText", 400, NOT_MODIFIED)
    mark = user.mark()
    await user.press("🗓 赛程安排")
    assert not any("没有完成" in r.text for r in user.replies_since(mark))


async def test_answering_a_callback_twice_is_harmless(harness):
    user = harness.user()
    await user.send("/start")
    harness.server.config.fail_next(
        "answerCallbackQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    await user.press("🗓 赛程安排")
    assert "赛程安排" in user.last_reply.text


async def test_cant_parse_entities_gets_an_apology_not_a_trace(harness):
    user = harness.user()
    harness.server.config.fail_next(
        "sendMessage", 400, 'Bad Request: can\'t parse entities: Unsupported start tag "x"'
    )
    await user.send("/schedule")
    assert "没有完成" in user.last_reply.text


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (403, "Forbidden: bot was blocked by the user"),
        (400, "Bad Request: chat not found"),
        (502, "Bad Gateway"),
    ],
)
async def test_undeliverable_replies_do_not_crash_the_bot(harness, status, description):
    user = harness.user()
    harness.server.config.fail_next("sendMessage", status, description, times=5)
    await user.send("/schedule")  # returns: the update was handled, the error logged
    harness.server.config.failures.clear()
    await user.send("/start")
    assert "尖兵杯" in user.last_reply.text


def test_default_contest_file_exists():
    assert DEFAULT_CONTEST.exists()
