"""Judging on 企业微信: a judge scores their cases, an organizer runs the judged stages.

The same use cases as Telegram's (:mod:`handlers.judging_scoring`,
:mod:`handlers.judging_stage`), reached by typed commands (``/judge`` for a judge, as
their messages say; ``/judging`` for an organizer, or ⚖️ 评审 on the console's card) and
by card buttons carrying their neutral ids (``jdg:…``, ``jud:…``). A typed score or
comment is the judge's stored wait, taken by ``handlers.forms.take_text`` like any wait's
message. 企业微信 cannot edit a message, so a case opened from a button, the judge's
stages and the ranking come as new messages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import actions as ids
from handlers import judging_scoring, judging_stage
from handlers.organizing import Answer
from handlers.visits import Visit


async def _judge_home(v: Visit) -> Answer:
    return Answer(await judging_scoring.home(v))


COMMANDS: dict[str, Callable[[Visit], Awaitable[Answer]]] = {
    "/judge": _judge_home,  # what the judge's messages say to send
    "/judging": judging_stage.organizer_home,
}


async def command(v: Visit, text: str) -> Answer | None:
    """Answer a typed judging command (None: the text is no such command)."""
    use_case = COMMANDS.get(text.strip().lower())
    return None if use_case is None else await use_case(v)


async def press(v: Visit, key: str) -> Answer | None:
    """Answer a judging button by its neutral id (None: not a judging button)."""
    parts = ids.split(key)
    if key == ids.JUDGE_HOME:
        return await _judge_home(v)
    if key == ids.JUDGE_DESK:
        return Answer(await judging_scoring.desk(v))
    if key == ids.JUDGING_HOME:
        return await judging_stage.organizer_home(v)
    if parts[0] == ids.JUDGE:
        replies = await judging_scoring.press(
            v, op=ids.text_at(parts, 1), judge_id=ids.number_at(parts, 2),
            case_id=ids.number_at(parts, 3), args=parts[4:],
        )  # fmt: skip
        return Answer(replies)
    if parts[0] == ids.JUDGING:
        return await judging_stage.press(
            v, stage_key=ids.text_at(parts, 1), op=ids.text_at(parts, 2),
            args=parts[3:],
        )  # fmt: skip
    return None
