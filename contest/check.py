"""What an organizer should look at in a contest file before starting the bot.

:func:`warnings_for` lists what loads but is probably not what was meant, each as a
:class:`Warning` naming the key. Errors are what :func:`~contest.definition.load_contest`
refuses. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from contest.definition import Contest, Editing, FieldKind

CALLBACK_LIMIT = 64  # bytes Telegram allows in a button's callback data
PROGRESS_ID = "999999"  # a six-digit form-progress id, the longest one expected
PLAUSIBLE_PER_CATEGORY = 30  # more entries than this advancing from one category is unusual


@dataclass(frozen=True)
class Warning:
    """Something that loads but is probably a mistake: where, and why."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


def choice_callback(field_key: str, option_key: str) -> str:
    """Return the callback data of a form's choice button (as handlers/forms.py builds it)."""
    return f"f:{PROGRESS_ID}:c:{field_key}:{option_key}"


def _midnights(contest: Contest) -> list[Warning]:
    found = []
    for index, stage in enumerate(contest.stages):
        local = stage.end.astimezone(contest.zone)
        if (local.hour, local.minute, local.second) == (0, 0, 0):
            found.append(
                Warning(
                    f"stages.{index}.end",
                    f"{stage.name} ends at 00:00:00 on {local.date()}: a day-only date pinned to"
                    " midnight closes at the very start of that day; write the moment meant,"
                    f" e.g. {local.date()}T23:59:59",
                )
            )
    return found


def _quotas(contest: Contest) -> list[Warning]:
    found = []
    categories = len(contest.categories)
    for index, stage in enumerate(contest.stages):
        if stage.advance_per_category and stage.advance_per_category > PLAUSIBLE_PER_CATEGORY:
            found.append(
                Warning(
                    f"stages.{index}.advance_per_category",
                    f"{stage.advance_per_category} entries per category is more than a category"
                    f" plausibly holds ({PLAUSIBLE_PER_CATEGORY}); is it the total?"
                    " Then write advance_total",
                )
            )
        if stage.advance_total and stage.advance_total > PLAUSIBLE_PER_CATEGORY * categories:
            found.append(
                Warning(
                    f"stages.{index}.advance_total",
                    f"{stage.advance_total} entries in all is more than {categories} categories"
                    " plausibly hold",
                )
            )
    last_quota = next(
        (
            s.advance_total or s.advance_per_category * categories
            for s in reversed(contest.stages)
            if s.advances
        ),
        None,
    )
    next_level = contest.next_level
    if next_level and next_level.quota and last_quota and next_level.quota > last_quota:
        found.append(
            Warning(
                "next_round.quota",
                f"{next_level.quota} entries go on, but only {last_quota} advance in this contest",
            )
        )
    return found


def _callbacks(contest: Contest) -> list[Warning]:
    found = []
    for form_key in type(contest.forms).model_fields:
        form = getattr(contest.forms, form_key)
        for f in form.fields:
            if f.kind is not FieldKind.CHOICE:
                continue
            if f.choices_from == "categories":
                keys = [c.key for c in contest.categories]
            elif f.choices_from == "submitters":
                keys = [s.key for s in contest.registration.submitters]
            else:
                keys = [c.key for c in f.choices]
            for key in keys:
                size = len(choice_callback(f.key, key).encode())
                if size > CALLBACK_LIMIT:
                    found.append(
                        Warning(
                            f"forms.{form_key}.{f.key}",
                            f"the button for choice {key!r} needs {size} bytes of callback data,"
                            f" Telegram allows {CALLBACK_LIMIT}: shorten the field or choice key",
                        )
                    )
    return found


def _judging(contest: Contest) -> list[Warning]:
    found = []
    for index, stage in enumerate(contest.stages):
        judging = stage.judging
        if judging is None or judging.criteria or not judging.by_category:
            continue
        for category in contest.categories:
            if category.key not in judging.by_category:
                found.append(
                    Warning(
                        f"stages.{index}.judging.by_category",
                        f"{category.name} has no criteria of its own and there are no"
                        " [[stages.judging.criteria]] for all: its judges give one score 0–100",
                    )
                )
    return found


def warnings_for(contest: Contest) -> list[Warning]:
    """List what in ``contest`` loads but is probably a mistake."""
    found: list[Warning] = []
    if not contest.contacts:
        found.append(Warning("contacts", "no contact person: answers can only name the organizer"))
    if not any(s.editing is Editing.ALL for s in contest.stages):
        found.append(
            Warning("stages", 'no stage has editing = "all": entries can never be handed in')
        )
    found += _midnights(contest)
    found += _quotas(contest)
    found += _callbacks(contest)
    found += _judging(contest)
    return found
