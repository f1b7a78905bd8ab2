"""The neutral ids of every action (button), named once: ``command:arg:arg…``.

Channels encode these ids their own way (Telegram: callback data, at most 64 bytes, checked
by its codec). Ids come back as user input: a use case re-checks whatever they name.
"""

from __future__ import annotations

SEPARATOR = ":"

# The menu and the commands every person has.
MENU_MAIN = "menu:main"
MENU_CASES = "menu:cases"
MENU_TODO = "menu:todo"
MENU_SCHEDULE = "menu:schedule"
MENU_ME = "menu:me"
MENU_REGISTER = "menu:register"
MENU_HELP = "menu:help"
MENU_ASK = "menu:ask"
MENU_PAUSE = "menu:pause"

# Registration.
REG_CODE = "reg:code"
REG_CANCEL = "reg:cancel"
REG_OPEN = "reg:open"
REG_COLLEAGUE = "reg:colleague"
REG_ME_CONTACT = "reg:me:contact"
REG_ME_UNIT = "reg:me:unit"

# Cases.
CASE_NEW = "case:new"

# Reminders.
REMINDERS_MUTE = "rem:mute"
REMINDERS_ON = "rem:on"
REMINDERS_OFF = "rem:off"

# Organizers.
ORG_HOME = "org:home"
ORG_STATUS = "org:status"
ORG_STATUS_PAGE = "org:st"  # org:st:<filter>:<page>
INVITES_HOME = "inv:home"
# From /status: cons:u:<page> (a page of units), cons:n:<unit id>, cons:c:<case id>.
CONSOLE = "cons"
CONSOLE_UNITS = "cons:u:1"

# A person's data (/deleteme) and the organizers' decision on an erasure request.
ERASE_ASK = "del:ask"
ERASE_CANCEL = "del:cancel"
ERASE = "del"  # del:ok:<request id> (erase), del:no:<request id> (decline)

FORM = "f"  # f:<progress id>:<op>:<field>[:<arg>]
ACK = "ack"  # ack:<broadcast id>
BROADCAST = "bc"  # bc:<broadcast id>:<op>[:…]


def join(command: str, *args: object) -> str:
    """Return the id of ``command`` with its arguments."""
    return SEPARATOR.join([command, *(str(arg) for arg in args)])


def split(action_id: str) -> list[str]:
    """Split an id into its command and arguments (user input: callers re-check ids)."""
    return action_id.split(SEPARATOR)


def text_at(parts: list[str], index: int) -> str:
    """Return parts[index] of a split id, or "" if the id is shorter."""
    return parts[index] if len(parts) > index else ""


def number_at(parts: list[str], index: int) -> int | None:
    """Return parts[index] of a split id as an int, or None if it is missing or not a number."""
    try:
        return int(parts[index])
    except (IndexError, ValueError):
        return None


def form(progress_id: int, op: str, field_key: str = "", arg: str = "") -> str:
    """Return the id of a form button (the field key is kept even when empty)."""
    return join(FORM, progress_id, op, field_key) + (f"{SEPARATOR}{arg}" if arg else "")


def acknowledge(broadcast_id: int) -> str:
    """Return the id of a notice's 已知悉 button."""
    return join(ACK, broadcast_id)


def erase(request_id: int, *, confirm: bool) -> str:
    """Return the id of an organizer's button that erases or declines an erasure request."""
    return join(ERASE, "ok" if confirm else "no", request_id)


def broadcast(broadcast_id: int, op: str, *args: object) -> str:
    """Return the id of a button on an organizer's broadcast."""
    return join(BROADCAST, broadcast_id, op, *args)


def console(op: str, number: int) -> str:
    """Return the id of a drill-down button from /status (``u`` page, ``n`` unit, ``c`` case)."""
    return join(CONSOLE, op, number)


def status_page(kind: str, page: int) -> str:
    """Return the id of a page of /status under a filter."""
    return join(ORG_STATUS_PAGE, kind, page)


# Judging (评委): jdg:home, jdg:<op>:<judge id>:<case id>[:<criterion>:<score>].
JUDGE = "jdg"
JUDGE_HOME = "jdg:home"
JUDGE_DESK = "jdg:web"  # a one-time link to score in the web console
JUDGE_CASE = "c"  # read a case
JUDGE_SCORE = "s"  # begin (or begin again) scoring it
JUDGE_VALUE = "v"  # a criterion's score from a button: jdg:v:<judge>:<case>:<criterion>:<n>
JUDGE_SKIP = "k"  # no comment
JUDGE_CONFIRM = "ok"  # confirm the review card
# Organizers: jud:<stage>:<op>[:<arg>…].
JUDGING = "jud"
JUDGING_HOME = "jud:home"


def judge(op: str, judge_id: int, case_id: int, *args: object) -> str:
    """Return the id of a judge's button on one case."""
    return join(JUDGE, op, judge_id, case_id, *args)


def judging(stage_key: str, op: str, *args: object) -> str:
    """Return the id of an organizer's judging button on a stage."""
    return join(JUDGING, stage_key, op, *args)
