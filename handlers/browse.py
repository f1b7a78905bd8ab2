"""Use cases a channel needs to let a person look around: the menu's pages, questions, pausing.

The Telegram channel still does these in its own modules (they predate the application
layer); a newer channel (企业微信) calls these instead, and they open no form of their own.
The case list, a case's card and editing it are in :mod:`handlers.cases`, for every
channel. Each returns neutral replies.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from contest.asking import ask
from contest.questions import Answer, Asker, answer_context, answer_for, match
from contest.reminders import upcoming
from contest.schedule import position
from handlers import actions as ids
from handlers.asking import asker_for
from handlers.cases import (
    unit_for,
)
from handlers.forms import pause as pause_form
from handlers.menus import main_menu
from handlers.registration import contest_context
from handlers.reminders import set_muted
from handlers.replies import Reply, actions
from handlers.visits import Visit
from storage.invites import normalize_code


def typed_code(text: str) -> str | None:
    """Return the invite code a typed message holds (alone, or in a pasted link), if any."""
    return normalize_code(text)


def welcome(v: Visit) -> Reply:
    """Return the greeting with the contest, where it stands, and the main menu."""
    contest = v.services.contest
    values = {
        "contest": contest,
        "now": v.now,
        "position": position(contest, v.now),
        "person": v.person,
    }
    return Reply("start/welcome.html", values, actions(main_menu(v)))


def help_page(v: Visit) -> Reply:
    """Return what the bot does, with the way back to the menu."""
    values = {"contest": v.services.contest, "organizer": v.is_organizer}
    return Reply("start/help.html", values, actions([[("menu.back", ids.MENU_MAIN)]]))


def schedule(v: Visit) -> Reply:
    """Return every stage's moments with the current one marked."""
    contest = v.services.contest
    values = {"contest": contest, "now": v.now, "position": position(contest, v.now)}
    buttons = actions([[("menu.todo", ids.MENU_TODO), ("menu.back", ids.MENU_MAIN)]])
    return Reply("schedule/overview.html", values, buttons, in_place=True)


# A message this short (85 % of the question sets' 3,288 donghu phrasings) is matched in the
# event loop: 1.5 ms of CPU at the median, 13 ms at most, less than the hop to a worker
# thread and back costs the loop beside it. A longer one, often several questions, is
# matched in a worker thread, which gives the loop the GIL back every switch interval.
INLINE_QUESTION = 20  # characters

QUESTION_TOPIC = "q"  # q:<ref>: a topic offered after an unsure answer


def answer_reply(v: Visit, result: Answer, asker: Asker | None = None) -> Reply:
    """Return a matched answer; an unsure one offers its alternatives as buttons."""
    rows = []
    if not result.confident:
        rows = [[(alt.label, f"{QUESTION_TOPIC}:{alt.ref}")] for alt in result.alternatives]
    values = answer_context(result, v.services.contest, v.now, asker)
    return Reply(f"answers/{result.topic}.html", values, actions(rows))


def question(v: Visit, text: str) -> Reply:
    """Answer a question typed in plain words, from the contest definition."""
    return answer_reply(v, match(text, v.services.contest))


async def questions(v: Visit, text: str) -> list[Reply]:
    """Answer every question in a message, one reply each, about now and the asker's unit."""
    asker = await asker_for(v.services.sessions, person=v.person)
    if len(text) <= INLINE_QUESTION:
        results = ask(text, v.services.contest, now=v.now, asker=asker)
    else:
        results = await asyncio.to_thread(ask, text, v.services.contest, now=v.now, asker=asker)
    return [answer_reply(v, result, asker) for result in results]


def topic(v: Visit, ref: str) -> Reply:
    """Return the answer to a topic picked after an unsure answer (or say it is gone)."""
    result = answer_for(ref, v.services.contest)
    if result is None:
        return Reply("questions/topic_gone.html")
    return answer_reply(v, result)


async def pause(v: Visit) -> Reply:
    """Leave the current form (everything entered is kept) and show the menu."""
    paused = await pause_form(v)
    return Reply("start/cancelled.html", {"paused": paused}, actions(main_menu(v)))


async def reminder_settings(v: Visit, pressed: str = "") -> Reply:
    """Show whether reminders come and when; ``pressed`` ("on", "off", "mute") switches them."""
    muted = v.person.reminders_muted
    if pressed:
        muted = pressed != "on"
        await set_muted(v, muted=muted)
    contest = v.services.contest
    coming = [moment for name, moment in upcoming(contest, v.now) if not name.startswith("open:")]
    switch = (
        ("reminders.unmute", ids.REMINDERS_ON) if muted else ("reminders.mute", ids.REMINDERS_OFF)
    )
    values = {
        "muted": muted,
        "contest": contest,
        "offsets": contest.reminders.deltas,
        "next_moment": coming[0] if coming else None,
        "now": v.now,
        "changed": bool(pressed),
    }
    buttons = actions([[switch], [("menu.back", ids.MENU_MAIN)]])
    # Under a reminder (mute) the reminder stays and the settings come anew; else in place.
    return Reply("reminders/settings.html", values, buttons, in_place=pressed != "mute")


@dataclass(frozen=True)
class Switched:
    """The reminder settings after a press, and the toast (a template) acknowledging it."""

    replies: list[Reply]
    toast: str | None


async def switch_reminders(v: Visit, pressed: str = "") -> Switched:
    """Show the reminder settings; ``pressed`` switches them, acknowledged with a toast."""
    page = await reminder_settings(v, pressed)
    toast = None
    if pressed:
        muted = page.values["muted"]
        toast = "reminders/muted_toast.html" if muted else "reminders/unmuted_toast.html"
    return Switched([page], toast)


async def register_home(v: Visit) -> Reply:
    """Explain how to register (an invite code), or that the person already belongs to a unit."""
    async with v.services.sessions() as session:
        unit = await unit_for(session, v)
    rows: list[list[tuple[str, str]]] = []
    if unit is None:
        rows.append([("reg.enter_code", ids.REG_CODE)])
    rows.append([("menu.back", ids.MENU_MAIN)])
    return Reply("registration/home.html", {"unit": unit, **contest_context(v)}, actions(rows))


def ask_code(v: Visit) -> Reply:
    """Invite the person to type their code (a typed code is taken whenever no form waits)."""
    return Reply(
        "registration/ask_code.html",
        contest_context(v),
        actions([[("reg.cancel", ids.REG_CANCEL)]]),
    )
