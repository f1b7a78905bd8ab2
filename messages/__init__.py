"""Every text a user sees, as jinja2 templates rendered for Telegram HTML.

One template per message under ``messages/templates``. The environment autoescapes, so user
data can never inject markup; ``StrictUndefined`` turns a missing variable into an error in
tests instead of an empty gap in front of a user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from contest.definition import Contest, Terms
from contest.judging import points
from contest.timefmt import format_day, format_duration, format_moment, format_remaining

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> Environment:
    """Return the one template environment (built on first use, not at import)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        # shipped with the code: no stat() of the file on every render
        auto_reload=False,
    )
    env.filters["moment"] = format_moment
    env.filters["day"] = format_day
    env.filters["duration"] = format_duration
    env.filters["points"] = points
    env.globals["remaining"] = format_remaining
    env.globals["terms"] = Terms()
    env.globals["label"] = label  # a button's words, where a text names the button to press
    env.globals["way"] = way
    env.globals["channel"] = "telegram"  # the channel rendering; 企业微信 passes "wecom"
    return env


def use_contest(contest: Contest) -> None:
    """Make ``terms`` in every template and label the words of this contest (one per bot)."""
    environment().globals["terms"] = contest.words
    _plain().globals["terms"] = contest.words


def render(name: str, **context: Any) -> str:
    """Render template ``name`` (e.g. "start/welcome.html") to Telegram HTML.

    ``terms`` is the contest's own words: of the ``contest`` passed, else of the bot's.
    """
    if "terms" not in context and isinstance(context.get("contest"), Contest):
        context["terms"] = context["contest"].words
    return environment().get_template(name).render(**context).strip()


ChannelText = Callable[[str], str]  # a queued message's text, given its recipient's channel


def per_channel(name: str, **context: Any) -> ChannelText:
    """Return a function rendering template ``name`` in a channel's words, once per channel.

    Outbox rows are written before anyone knows how each recipient is reached; the outbox
    calls this with the recipient account's channel ("telegram", "wecom"), so a 企业微信
    contact reads ``way()`` and ``channel`` as 企业微信 (no /command), a Telegram one as
    Telegram. The same text per channel is rendered once, however many recipients share it.
    """
    rendered: dict[str, str] = {}

    def text(channel: str) -> str:
        if channel not in rendered:
            rendered[channel] = render(name, **{**context, "channel": channel})
        return rendered[channel]

    return text


def template_names() -> list[str]:
    """List every template, for the test that renders them all with hostile data."""
    return sorted(environment().list_templates(filter_func=lambda n: n.endswith(".html")))


LABELS = Path(__file__).parent / "labels"


@cache
def _labels() -> dict[str, str]:
    import tomllib

    table: dict[str, Any] = {}
    for path in sorted(LABELS.glob("*.toml")):
        with path.open("rb") as handle:
            for section, entries in tomllib.load(handle).items():
                if section in table:
                    raise ValueError(f"{path.name}: label section [{section}] is defined twice")
                table[section] = entries
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(f"{name}.", value)
            else:
                flat[name] = str(value)

    walk("", table)
    return flat


@cache
def _plain() -> Environment:
    env = Environment(autoescape=False, undefined=StrictUndefined)
    env.globals["terms"] = Terms()
    return env


@cache
def _label_template(key: str) -> Template:
    # Compiled once per label: ``from_string`` compiles on every call (≈0.3 ms, in an export's
    # thread once per cell, holding the GIL the event loop waits for).
    return _plain().from_string(_labels()[key])


def label(key: str, **context: Any) -> str:
    """Return a button's label (plain text, not HTML) from labels/*.toml, e.g. "menu.cases"."""
    text = _labels()[key]
    return _label_template(key).render(**context) if "{" in text else text


@pass_context
def way(context: Context, key: str) -> str:
    """Return how to get to ``key`` (start, me, todo …) in the rendering channel's own way.

    Telegram: "发送 /me " (a space after the command, so the sentence reads on); 企业微信:
    "发送“菜单”后点“👤 我的信息”". Templates write ``{{ way("me") }}查看``, or ``|trim``
    before punctuation.
    """
    channel = context.get("channel") or "telegram"
    text = label(f"way_{channel}.{key}", terms=context.get("terms"))
    return text + " " if text[-1:].isascii() and text[-1:].isalnum() else text


TERMINAL = Path(__file__).parent / "terminal.toml"


@cache
def _terminal_template(key: str) -> Template:
    return _plain().from_string(_terminal()[key])


@cache
def _terminal() -> dict[str, str]:
    import tomllib

    with TERMINAL.open("rb") as handle:
        return tomllib.load(handle)


def terminal_line(key: str, **context: Any) -> str:
    """Return a line ``./run`` prints for the operator (plain text) from terminal.toml."""
    return _terminal_template(key).render(**context)


def terminal_keys() -> list[str]:
    """List every terminal line's key, for tests."""
    return sorted(_terminal())


def label_keys() -> list[str]:
    """List every label key, for tests."""
    return sorted(_labels())
