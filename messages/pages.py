"""Full HTML pages of the organizers' web console, rendered from templates/console/*.j2.

A separate environment from the Telegram one (which must produce Telegram's small HTML
subset): the same safety settings (autoescape on, StrictUndefined), the same time filters.
The ``.j2`` extension keeps these pages out of the Telegram template checks.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from contest.judging import points
from contest.timefmt import format_day, format_moment, format_remaining
from messages import TEMPLATES


@cache
def page_environment() -> Environment:
    """Return the console pages' environment (built on first use)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES / "console"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        # shipped with the code: no stat() of the file on every render
        auto_reload=False,
    )
    env.filters["moment"] = format_moment
    env.filters["day"] = format_day
    env.filters["points"] = points
    env.globals["remaining"] = format_remaining
    return env


def render_page(name: str, **context: Any) -> str:
    """Render a console page, e.g. "cases.j2", to HTML."""
    return page_environment().get_template(name).render(**context)


def page_names() -> list[str]:
    """List every console page template, for the test that renders them with hostile data."""
    return sorted(page_environment().list_templates(filter_func=lambda n: n.endswith(".j2")))
