"""The one callback-data codec: neutral action ids in, Telegram's callback data out.

Telegram allows at most 64 bytes of callback data. Ids are ``command:arg…`` strings named in
:mod:`handlers.actions`; :func:`check_contest` proves at load that the longest ids a
contest file can produce (form choices carry the option key) fit.
"""

from __future__ import annotations

from contest.definition import Contest
from contest.fields import options_for
from handlers import actions

CHANNEL = "telegram"
CALLBACK_LIMIT = 64
LONGEST_PROGRESS_ID = 10**12  # form ids carry the progress row id: allow for a large one


class CallbackTooLong(ValueError):
    """An action id longer than Telegram's 64 bytes of callback data."""


def encode(action_id: str) -> str:
    """Return the callback data for an action id; refuse one over 64 bytes."""
    size = len(action_id.encode())
    if size > CALLBACK_LIMIT:
        raise CallbackTooLong(
            f"callback data of {size} bytes (limit {CALLBACK_LIMIT}): {action_id}"
        )
    return action_id


def decode(data: str | None) -> list[str]:
    """Split callback data into its command and arguments."""
    return actions.split(data or "")


def check_contest(contest: Contest) -> None:
    """Raise CallbackTooLong naming the form field whose choice ids would not fit."""
    for form_key in ("unit", "contact", "member", "case"):
        form = getattr(contest.forms, form_key)
        for field in form.fields:
            for option in options_for(field, contest):
                action_id = actions.form(LONGEST_PROGRESS_ID, "c", field.key, option.key)
                if len(action_id.encode()) > CALLBACK_LIMIT:
                    raise CallbackTooLong(
                        f"forms.{form_key}.{field.key}: option key {option.key!r} makes "
                        f"callback data of {len(action_id.encode())} bytes (limit {CALLBACK_LIMIT})"
                    )
