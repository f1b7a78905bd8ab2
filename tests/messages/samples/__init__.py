"""Sample contexts for every template, filled with hostile user data.

Each module here defines ``SAMPLES: dict[str, Callable[[Hostile], dict]]`` mapping a
template name to a function that builds its context from :class:`Hostile` pieces. The test
in ``test_templates.py`` renders every template in ``messages/templates`` with its sample
and fails for a template that has none.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from contest.definition import Contest

EVIL = '<b>粗体</b> & <script>alert("x")</script> &amp; <a href="javascript:1">链接</a> \'引号\''
LONG = EVIL + "长" * 4100


@dataclass
class Hostile:
    """Hostile building blocks for sample contexts."""

    contest: Contest
    now: datetime
    text: str = EVIL  # short hostile text (names, titles)
    long: str = LONG  # over Telegram's 4096 limit


Sample = Callable[[Hostile], dict[str, Any]]
BEIJING = timezone(timedelta(hours=8))


def all_samples() -> dict[str, Sample]:
    """Collect the SAMPLES of every module in this package."""
    samples: dict[str, Sample] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, sample in getattr(module, "SAMPLES", {}).items():
            assert name not in samples, f"two samples for {name}"
            samples[name] = sample
    return samples
