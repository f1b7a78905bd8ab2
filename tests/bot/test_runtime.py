"""The interpreter settings ``python -m bot`` makes before its event loop starts."""

from __future__ import annotations

import sys

from bot import runtime
from bot.runtime import SWITCH_INTERVAL, tune_runtime
from tests.pyrun import printed


def test_worker_threads_hand_the_gil_back_within_a_millisecond():
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        tune_runtime()
        assert sys.getswitchinterval() == SWITCH_INTERVAL <= 0.001
    finally:
        sys.setswitchinterval(before)


class _Libc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1


def test_worker_threads_share_two_malloc_arenas_unless_the_environment_says(monkeypatch):
    libc = _Libc()
    monkeypatch.setattr(runtime, "_libc", lambda: libc)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    before = sys.getswitchinterval()
    try:
        tune_runtime()
        assert libc.calls == [(runtime.M_ARENA_MAX, runtime.MALLOC_ARENAS)] == [(-8, 2)]
        monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
        tune_runtime()
        assert len(libc.calls) == 1
    finally:
        sys.setswitchinterval(before)


def test_the_bot_runs_without_passports_cryptography_and_wecom_still_encrypts():
    # What ``python -m bot`` imports, in a fresh interpreter: PTB without the cryptography
    # package (Telegram Passport only, 8 MiB), which the WeCom channel still imports later.
    script = (
        "import sys, bot.__main__\n"
        "before = 'cryptography' in sys.modules\n"
        "import telegram._passport.credentials as passport\n"
        "from channels.wecom.crypto import WecomCrypto\n"
        "box = WecomCrypto('token', 'a' * 43, 'corp')\n"
        "print(before, passport.CRYPTO_INSTALLED, box.decrypt(box.encrypt('你好')))\n"
    )
    assert printed(script) == "False False 你好"
