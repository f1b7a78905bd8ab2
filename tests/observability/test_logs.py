"""No personal data in the logs: every record is redacted, the error log names only ids."""

from __future__ import annotations

import io
import json
import logging

import pytest
from telegram.ext import MessageHandler, filters

from observability.logs import (
    JsonFormatter,
    install_redaction,
    redact,
    uninstall_redaction,
)
from tests.flows.test_registration import make_invite, registered_unit

NAME = "欧阳明月"
MOBILE = "13912345678"
OFFICE = "0755-83456789"
USER_ID = 4567890


@pytest.fixture
def redaction():
    install_redaction()
    yield
    uninstall_redaction()


async def test_a_form_answer_with_a_name_and_phone_never_reaches_the_log(
    harness, caplog, redaction
):
    async def fails(update, context):
        raise ValueError(f"could not keep {update.message.text!r} for {update.effective_user.id}")

    harness.app.add_handler(MessageHandler(filters.TEXT, fails), group=-50)
    caplog.set_level(logging.DEBUG)
    code = await make_invite(harness, unit_id=await registered_unit(harness))
    user = harness.user(USER_ID)
    await user.send(f"/start {code}")
    await user.send(NAME)
    await user.send("办公室主任")
    await user.send(OFFICE)
    await user.send(f"手机 {MOBILE}，找{NAME}")  # a bad answer: the form asks again
    await user.send(MOBILE)
    assert "确认" in user.last_reply.text  # the form went on despite the failing handler

    text = caplog.text
    failures = [r for r in caplog.records if r.name == "channels.telegram.errors"]
    assert len(failures) == 6, "the failing handler did not run: the test proves nothing"
    assert all("update_id=" in r.getMessage() and "ValueError" in r.getMessage() for r in failures)
    assert any("Traceback" in (r.exc_text or "") for r in failures)
    assert any(r.name.startswith("telegram") for r in caplog.records)  # PTB's own debug logs
    for secret in (NAME, "欧阳", MOBILE, "3912345678", "83456789", str(USER_ID), "办公室主任"):
        assert secret not in text, secret
        assert not any(secret in (r.exc_text or "") for r in caplog.records), secret


def test_redact_keeps_the_developers_words_and_update_ids():
    line = "update_id=123456789 kind=message user=#abc failed: ValueError in outbox row 42"
    assert redact(line) == line
    assert redact("李四 13800138000 0755-88134324 (0755)8813 4324 +86 139-0013-9000") == (
        "[文] [phone] [phone] [phone] [phone]"
    )
    assert redact("id 440304199001011234 and 44030419900101123X") == "id [number] and [number]"
    assert redact("{'first_name': 'Alice', \"text\": \"hi \\\" there\"}") == (
        "{'first_name': '…', \"text\": \"…\"}"
    )
    assert "ABCdef" not in redact("POST https://x/bot123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678/m")
    assert redact("mail zhang.san@example.org now") == "mail [email] now"


def test_json_format_is_one_line_per_event_and_redacted(redaction):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("answer %s from %s", NAME, MOBILE, extra={"update_id": 7, "kind": "message"})
        try:
            raise RuntimeError(f"bad value {MOBILE}\nsecond line {NAME}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "answer [文] from [phone]"
    assert (first["level"], first["logger"], first["update_id"], first["kind"]) == (
        "WARNING", "tests.json", 7, "message"
    )  # fmt: skip
    assert "RuntimeError: bad value [phone]" in second["exception"]
    assert NAME not in lines[1] and MOBILE not in lines[1]
