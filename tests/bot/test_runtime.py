"""The interpreter settings ``python -m bot`` makes before its event loop starts."""

from __future__ import annotations

import sys

from bot.runtime import SWITCH_INTERVAL, tune_runtime


def test_worker_threads_hand_the_gil_back_within_a_millisecond():
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        tune_runtime()
        assert sys.getswitchinterval() == SWITCH_INTERVAL <= 0.001
    finally:
        sys.setswitchinterval(before)
