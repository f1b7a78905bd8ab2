"""Channel-neutral replies: what a use case answers before any channel renders it.

A use case returns :class:`Reply` values: a template name with its values, and actions
(buttons) as neutral ids. Each channel renders the template (``messages.render``) and
encodes the actions its own way: Telegram as callback data (at most 64 bytes, checked by
its codec), 企业微信 as template-card keys, a test channel as plain strings.

An action id is ``command:arg:arg…``; the commands are named in :mod:`handlers.actions`.
Ids carry row ids, never authority: a use case re-checks ownership of whatever an id names,
because an id comes back from the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from messages import label


@dataclass(frozen=True)
class Action:
    """One button: its label (plain text) and the neutral id it sends back."""

    text: str
    id: str


Actions = tuple[tuple[Action, ...], ...]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (e.g. the exported 说明书).

    ``ref`` names a file the channel already holds (a notice's document, by the id the
    channel gave it) instead of ``data``; ``image`` asks for it to be shown as a picture.
    """

    filename: str
    data: bytes
    mime: str = "application/octet-stream"
    ref: str = ""
    image: bool = False


@dataclass
class Reply:
    """One message: a template and its values, optional actions and an attachment.

    ``in_place`` asks the channel to replace the message a pressed button sat on, where it
    can; ``next_form`` opens that form right after this reply (``(form_key, subject_id)``);
    ``joined`` lets the channel pack it with the joined replies next to it into as few
    messages as fit (the blocks of a preview).

    A form's question or review card is a ``prompt``: a channel that can edit keeps one
    prompt live and takes the buttons off the one before. A ``receipt`` (``✓ 推荐单位：…``)
    stands in for the prompt just answered: such a channel edits that prompt into it (the
    pressed message for a button, the live prompt for a typed answer); a channel that
    cannot edit drops it. A prompt ``in_place`` after a typed answer replaces the live
    prompt too (the review card back where it was).
    """

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    actions: Actions = ()
    attachment: Attachment | None = None
    in_place: bool = False
    prompt: bool = False
    receipt: bool = False
    next_form: tuple[str, int] | None = None
    joined: bool = False
    menu: bool = False  # the person may now use the main menu: a channel may pin it (登记完成)


def label_text(text_or_key: str, **values: Any) -> str:
    """Return the label for a key in ``messages/labels``, or the text itself if it is none."""
    try:
        return label(text_or_key, **values)
    except KeyError:
        return text_or_key


def action(text_or_key: str, action_id: str) -> Action:
    """Build one action from a label key (or ready text) and its id."""
    return Action(label_text(text_or_key), action_id)


def actions(rows: Sequence[Sequence[tuple[str, str] | Action]]) -> Actions:
    """Build actions from rows of (label key or text, id) pairs; empty rows are dropped."""
    return tuple(
        tuple(item if isinstance(item, Action) else action(*item) for item in row)
        for row in rows
        if row
    )


def stored(rows: Actions) -> list[list[dict[str, str]]]:
    """Return actions as JSON-ready rows, the form an outbox row keeps them in."""
    return [[{"text": a.text, "id": a.id} for a in row] for row in rows]
