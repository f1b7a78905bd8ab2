"""What the bot says to what it cannot take where the person is (a sticker, an unknown command).

Nothing is ignored silently: the answer names what the bot takes here and shows the way on,
the form's current field (one tap to ask it again) or the main menu.
"""

from __future__ import annotations

from contest.forms import FormState
from handlers import actions as ids
from handlers import forms
from handlers.menus import main_menu
from handlers.replies import Reply, actions, label_text
from handlers.visits import Visit

# What a channel says it received; the template words each.
KINDS = ("command", "photo", "sticker", "voice", "video", "file", "location", "contact", "other")


async def unexpected(v: Visit, *, kind: str, command: str = "") -> list[Reply]:
    """Say what the bot takes here instead of what arrived, and the way on."""
    kind = kind if kind in KINDS else "other"
    progress = await forms.waiting(v)
    values: dict[str, object] = {"kind": kind, "command": command, "field": None}
    if progress is not None and progress.form_key in forms.FLOWS and progress.state:
        engine = forms.engine_for(v, progress.form_key)
        view = engine.current(FormState.from_dict(progress.state))
        values |= {"form": engine.form, "field": view.field if view else None, "in_form": True}
        resume = ids.form(progress.id or 0, "resume")
        buttons = actions([[(label_text("form.resume"), resume)]])
        return [Reply("common/unexpected.html", values, buttons)]
    values["in_form"] = progress is not None  # another wait (a hook's): its prompt is above
    return [Reply("common/unexpected.html", values, actions(main_menu(v)))]
