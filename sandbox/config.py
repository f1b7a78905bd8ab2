"""Configuration of the Bot API sandbox: identity, rate limits, clock and failure injection."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BOT_ID = 7000000001
DEFAULT_TOKEN = f"{DEFAULT_BOT_ID}:AAE-sandbox-token-0000000000000000000"

Clock = Callable[[], float]


class FakeClock:
    """A manually advanced monotonic clock for deterministic rate-limit tests."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        self.now += seconds


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` stored."""

    rate: float
    burst: float


class TokenBucket:
    """Token bucket driven by an injectable clock."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.limit = limit
        self.clock = clock
        self.tokens = float(limit.burst)
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self.stamp)
        self.stamp = now
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.rate)

    def wait_time(self) -> float:
        """Return seconds until one token is available (0 if available now)."""
        self._refill()
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.limit.rate

    def take(self) -> None:
        """Consume one token (call only after ``wait_time()`` returned 0)."""
        self.tokens -= 1.0


def retry_after_seconds(wait: float) -> int:
    """Round a wait time up to Telegram's integer ``retry_after`` (at least 1)."""
    return max(1, math.ceil(wait - 1e-9))


@dataclass
class FailureRule:
    """One injected failure: the next ``times`` calls of ``method`` fail with ``status``."""

    method: str
    status: int = 500
    description: str = "Internal Server Error"
    times: int = 1
    retry_after: int | None = None

    def matches(self, method: str) -> bool:
        """Tell whether this rule applies to ``method`` (``*`` matches all)."""
        return self.times > 0 and self.method.lower() in ("*", method.lower())


@dataclass
class SandboxConfig:
    """Settings of one sandbox instance; rates of ``None`` disable that limit."""

    token: str = DEFAULT_TOKEN
    bot_username: str = "contest_sandbox_bot"
    bot_first_name: str = "大赛助手（沙盒）"
    global_rate: RateLimit | None = field(default_factory=lambda: RateLimit(30, 30))
    per_chat_rate: RateLimit | None = field(default_factory=lambda: RateLimit(1, 5))
    clock: Clock = time.monotonic
    known_users: tuple[int, ...] = ()
    default_language_code: str = "zh-hans"
    strict_html_entities: bool = True
    callback_query_timeout: float | None = None
    max_upload_bytes: int = 50 * 1024 * 1024
    max_download_bytes: int = 20 * 1024 * 1024
    max_long_poll: float = 50.0
    failures: list[FailureRule] = field(default_factory=list)
    state_file: Path | None = None  # keep the world in this file across restarts

    @property
    def bot_id(self) -> int:
        """Return the bot's user id (the token's numeric prefix)."""
        return int(self.token.split(":", 1)[0])

    def fail_next(
        self,
        method: str,
        status: int = 500,
        description: str | None = None,
        times: int = 1,
        retry_after: int | None = None,
    ) -> FailureRule:
        """Make the next ``times`` calls of ``method`` (or ``*``) fail with ``status``."""
        if description is None:
            description = {
                500: "Internal Server Error",
                502: "Bad Gateway",
                503: "Service Unavailable",
                504: "Gateway Timeout",
                429: f"Too Many Requests: retry after {retry_after or 1}",
            }.get(status, "Internal Server Error")
        if status == 429 and retry_after is None:
            retry_after = 1
        rule = FailureRule(method, status, description, times, retry_after)
        self.failures.append(rule)
        return rule

    def take_failure(self, method: str) -> FailureRule | None:
        """Consume and return the first injected failure for ``method``, if any."""
        for rule in self.failures:
            if rule.matches(method):
                rule.times -= 1
                if rule.times <= 0:
                    self.failures.remove(rule)
                return rule
        return None
