"""How the interpreter runs the bot: how soon a worker thread hands the GIL back.

One function, called once by ``python -m bot`` (and the load benchmarks' child, which starts
the bot as it does) before the event loop starts.
"""

from __future__ import annotations

import sys

# A thread that waits for the GIL asks its holder to drop it after this long (Python's
# default: 5 ms). Exports, reminder planning and question matching run in worker threads; the
# event loop, woken by a socket or a timer, gets back in 1 ms instead of 5 each time one of
# them holds it. Stalls benchmark, two interleaved pairs at load 5.5–6: stalls over 100 ms
# 116 → 92 and 68 → 42, users' answers 444 → 569 and 807 → 859.
SWITCH_INTERVAL = 0.001


def tune_runtime() -> None:
    """Set the GIL's switch interval for an event loop beside busy worker threads."""
    sys.setswitchinterval(SWITCH_INTERVAL)
