"""What every organizer action shares: its answer, and the one check of the organizer right.

An organizer's action (a command, a button, a typed text it waits for) answers an
:class:`Answer`: replies in order, an optional toast on the pressed button, and, when the
last reply is a broadcast's progress message, which broadcast it shows (the channel tells
:func:`handlers.compose.track_progress` where the message landed). :func:`organizers_only`
wraps every organizer use case: anybody else gets the refusal, and a wait the person had
open is dropped so their next message is not taken for an organizer's input.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from handlers.replies import Reply
from handlers.visits import Visit
from storage.db import transaction
from storage.forms import delete_form

P = ParamSpec("P")


@dataclass
class Answer:
    """What an organizer's action answers."""

    replies: list[Reply] = field(default_factory=list)
    toast: str | None = None  # template of a short notice on the pressed button
    toast_values: dict[str, Any] = field(default_factory=dict)
    progress_of: int | None = None  # the last reply shows this broadcast's sending progress


def refusal() -> Answer:
    """Return the polite refusal everybody but an organizer gets."""
    return Answer([Reply("common/organizers_only.html")], toast="common/organizers_only_toast.html")


def stale(template: str) -> Answer:
    """Return the toast of a button that no longer applies (nothing changed)."""
    return Answer(toast=template)


def organizers_only(
    *, wait: str | None = None
) -> Callable[
    [Callable[Concatenate[Visit, P], Awaitable[Answer]]],
    Callable[Concatenate[Visit, P], Awaitable[Answer]],
]:
    """Refuse a use case to anybody but an organizer; drop their ``wait`` if they had one."""

    def decorate(
        use_case: Callable[Concatenate[Visit, P], Awaitable[Answer]],
    ) -> Callable[Concatenate[Visit, P], Awaitable[Answer]]:
        @functools.wraps(use_case)
        async def checked(v: Visit, *args: P.args, **kwargs: P.kwargs) -> Answer:
            if v.is_organizer:
                return await use_case(v, *args, **kwargs)
            if wait is not None:
                async with transaction(v.services.sessions) as session:
                    await delete_form(session, person_id=v.person.id or 0, form_key=wait)
            return refusal()

        return checked

    return decorate
