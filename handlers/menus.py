"""The main menu: what a person can do from anywhere, as neutral actions."""

from __future__ import annotations

from handlers import actions as ids
from handlers.visits import Visit

Rows = list[list[tuple[str, str]]]


def main_menu(v: Visit) -> Rows:
    """Return the main menu's rows for this person (label keys and action ids)."""
    rows: Rows = []
    if v.person.unit_id is not None:
        rows.append([("menu.cases", ids.MENU_CASES), ("menu.new_case", ids.CASE_NEW)])
        rows.append([("menu.todo", ids.MENU_TODO), ("menu.schedule", ids.MENU_SCHEDULE)])
        rows.append([("menu.ask", ids.MENU_ASK), ("menu.me", ids.MENU_ME)])
    else:
        rows.append([("menu.register", ids.MENU_REGISTER), ("menu.schedule", ids.MENU_SCHEDULE)])
        rows.append([("menu.ask", ids.MENU_ASK), ("menu.help", ids.MENU_HELP)])
    if v.is_organizer:
        rows.append([("menu.organizer", ids.ORG_HOME)])
    return rows


def keyboard_menu() -> Rows:
    """Return the always-there menu under the input field (label keys and action ids)."""
    return [
        [("keyboard.cases", ids.MENU_CASES), ("keyboard.schedule", ids.MENU_SCHEDULE)],
        [("keyboard.ask", ids.MENU_ASK), ("keyboard.me", ids.MENU_ME)],
    ]
