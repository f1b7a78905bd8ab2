"""The bot as a process of its own, for crash tests: ``python -m tests.bot_process URL TOKEN``.

It runs ``bot.__main__.run_polling`` against the sandbox at URL, configured from the
environment like the real bot. ``TESTBED_CRASH_AT_UPDATE=N`` is the test bed's hook: the
process kills itself (SIGKILL) right after the commit that applied update N or a later one,
before anything is answered.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

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


def main() -> None:
    """Run the bot against the sandbox given on the command line."""
    from bot.__main__ import run_polling
    from config.settings import Settings

    url, token = sys.argv[1], sys.argv[2]
    if os.environ.get("TESTBED_CRASH_AT_UPDATE"):
        crash_at(int(os.environ["TESTBED_CRASH_AT_UPDATE"]))
    asyncio.run(run_polling(Settings(_env_file=None), api_url=url, token=token))


if __name__ == "__main__":
    main()
