"""Settings of one 企业微信 sandbox: the app's identity, limits, clocks and injected failures."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.config import RateLimit

Clock = Callable[[], float]

DEFAULT_CORP_ID = "wwsandbox0000corp"
DEFAULT_AGENT_ID = 1000002
DEFAULT_SECRET = "sandbox-secret-0000000000000000000000000000"
DEFAULT_TOKEN = "sandboxtoken"
DEFAULT_AES_KEY = "c2FuZGJveC1hZXMta2V5LTAwMDAwMDAwMDAwMDAwMDA"  # 43 characters, 32 bytes


@dataclass
class InjectedError:
    """The next ``times`` calls of ``path`` (or ``*``) answer ``errcode`` or an HTTP status."""

    path: str
    errcode: int = -1
    errmsg: str = "system busy"
    http_status: int = 200
    times: int = 1

    def matches(self, path: str) -> bool:
        """Tell whether this failure applies to an API path such as ``message/send``."""
        return self.times > 0 and self.path in ("*", path)


@dataclass
class WecomSandboxConfig:
    """One sandbox: rates of ``None`` disable that limit; ``visible_users=None`` is everyone."""

    corp_id: str = DEFAULT_CORP_ID
    agent_id: int = DEFAULT_AGENT_ID
    secret: str = DEFAULT_SECRET
    token: str = DEFAULT_TOKEN
    aes_key: str = DEFAULT_AES_KEY
    app_name: str = "大赛助手（沙盒）"
    callback_url: str = ""  # the bot's callback URL; empty: user actions are only recorded
    token_ttl: float = 7200.0
    clock: Clock = time.monotonic  # token expiry and rate limits
    wall_clock: Clock = time.time  # CreateTime and callback timestamps
    api_rate: RateLimit | None = None  # calls per second over the whole app: 45009 past it
    per_user_rate: RateLimit | None = None  # messages per second to one person: 45009
    max_file_bytes: int = 20 * 1024 * 1024
    visible_users: set[str] | None = None
    # 企业微信 delivers a callback again when the bot's answer is not a 200 (up to three
    # times); the sandbox does it at once, this many times (0: never, the tests' default).
    redeliveries: int = 0
    failures: list[InjectedError] = field(default_factory=list)

    def fail_next(
        self, path: str, errcode: int = -1, errmsg: str = "system busy",
        http_status: int = 200, times: int = 1,
    ) -> InjectedError:
        """Make the next ``times`` calls of ``path`` (``message/send``, ``*``...) fail."""
        failure = InjectedError(path, errcode, errmsg, http_status, times)
        self.failures.append(failure)
        return failure

    def take_failure(self, path: str) -> InjectedError | None:
        """Consume and return the first injected failure for ``path``, if any."""
        for failure in self.failures:
            if failure.matches(path):
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None
