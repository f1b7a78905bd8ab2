"""The bot as a process of its own, for crash tests: ``python -m tests.bot_process URL TOKEN``.

It runs ``bot.__main__.run_polling`` against the sandbox at URL, configured from the
environment like the real bot. ``TESTBED_CRASH_AT_UPDATE=N`` is the test bed's hook: the
process kills itself (SIGKILL) right after the commit that applied update N or a later one,
before anything is answered. ``TESTBED_PACE_LOG=PATH`` appends a line per grant of the
shared pace bucket to PATH: the bucket's moment (database server clock) and the tokens.
``TESTBED_LEADER_FILE=PATH`` keeps "1" in PATH while this process leads, "0" otherwise.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from storage.inbox import APPLIED


def crash_at(update_id: int) -> None:
    """Kill this process right after the commit that applies update ``update_id``."""

    @event.listens_for(Session, "after_commit")
    def crash(session: Session) -> None:
        applied = session.info.pop(APPLIED, None)
        if applied is not None and applied >= update_id:
            os.kill(os.getpid(), signal.SIGKILL)


def log_grants(path: str) -> None:
    """Append each grant of the shared pace bucket to ``path``: its moment and tokens."""
    import delivery.worker as worker

    take = worker.take_tokens

    async def logged(session: Any, **arguments: Any) -> Any:
        grant = await take(session, **arguments)
        if grant.tokens:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{grant.at!r} {grant.tokens}\n")
        return grant

    worker.take_tokens = logged  # type: ignore[assignment]


def report_leading(path: str) -> None:
    """Write "1" to ``path`` whenever this process leads after an election try, else "0"."""
    from bot.leader import Leader

    attempt = Leader._try

    async def reported(self: Leader) -> bool:
        elected = await attempt(self)
        Path(path).write_text("1" if self.leading else "0", encoding="utf-8")
        return elected

    Leader._try = reported  # type: ignore[method-assign]


def main() -> None:
    """Run the bot against the sandbox given on the command line."""
    from bot.__main__ import run_polling
    from config.settings import Settings

    url, token = sys.argv[1], sys.argv[2]
    if os.environ.get("TESTBED_CRASH_AT_UPDATE"):
        crash_at(int(os.environ["TESTBED_CRASH_AT_UPDATE"]))
    if os.environ.get("TESTBED_PACE_LOG"):
        log_grants(os.environ["TESTBED_PACE_LOG"])
    if os.environ.get("TESTBED_LEADER_FILE"):
        report_leading(os.environ["TESTBED_LEADER_FILE"])
    asyncio.run(run_polling(Settings(_env_file=None), api_url=url, token=token))


if __name__ == "__main__":
    main()
