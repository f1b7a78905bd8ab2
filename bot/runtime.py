"""How the interpreter runs the bot: how soon a worker thread hands the GIL back, how many
malloc arenas its threads share, and python-telegram-bot imported without what only Telegram
Passport uses.

Called once by ``python -m bot`` (and the load benchmarks' child, which starts the bot as it
does): ``import_telegram`` before anything imports PTB, ``tune_runtime`` before the event
loop starts.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

# A thread that waits for the GIL asks its holder to drop it after this long (Python's
# default: 5 ms). Exports, reminder planning and question matching run in worker threads; the
# event loop, woken by a socket or a timer, gets back in 1 ms instead of 5 each time one of
# them holds it. Stalls benchmark, two interleaved pairs at load 5.5–6: stalls over 100 ms
# 116 → 92 and 68 → 42, users' answers 444 → 569 and 807 → 859.
SWITCH_INTERVAL = 0.001

# glibc gives a thread that allocates beside others an arena of its own (up to eight per
# core), and what is freed there stays resident there. The worker threads read rows
# (storage.db.off_loop), build workbooks and documents: with an arena each, the bot held
# 161–192 MiB during /export (footprint, 10,000 cases) against 147 MiB with two arenas, the
# loop's and one for the workers. MALLOC_ARENA_MAX in the environment, if set, wins.
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # glibc's mallopt parameter


# python-telegram-bot imports the cryptography package, when it is installed, for Telegram
# Passport alone (decrypting passport data, a bot's private key): 8 MiB resident of its Rust
# bindings in every bot process, 7 % of the bot idle. The bot asks for no passport data; only
# WeCom's message encryption (channels/wecom/crypto.py) needs cryptography, and imports it
# when that channel starts. A module that is None in sys.modules cannot be imported: PTB then
# takes its own "cryptography not installed" path (passport decryption unavailable).
PASSPORT_ONLY = "cryptography"


def import_telegram() -> None:
    """Import python-telegram-bot without the package it imports for Telegram Passport only.

    Does nothing where PTB or cryptography is imported already (the test process, say).
    """
    if "telegram" in sys.modules or PASSPORT_ONLY in sys.modules:
        return
    sys.modules[PASSPORT_ONLY] = None  # type: ignore[assignment]
    try:
        import telegram.ext  # noqa: F401  (imports telegram, its Bot and passport types)
    finally:
        sys.modules.pop(PASSPORT_ONLY, None)


def _libc() -> Any | None:
    """Return the C library, if it has glibc's mallopt."""
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def tune_runtime() -> None:
    """Set the GIL's switch interval and the malloc arenas for an event loop beside busy
    worker threads."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    libc = _libc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)
