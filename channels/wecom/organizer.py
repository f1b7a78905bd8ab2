"""The organizer flows on 企业微信: the console, /status, notices, results and invite codes.

The same use cases as Telegram's (:mod:`handlers.overview`, :mod:`handlers.compose`,
:mod:`handlers.results`, :mod:`handlers.invites`), reached by typed commands
(``/organizer`` or “后台”, ``/status``, ``/broadcast``, ``/invite``), by card buttons carrying
their neutral ids; what they wait for (a notice's text, a list of cases, a unit's name) is
a stored wait, taken by ``handlers.forms.take_text`` as on Telegram. What 企业微信 cannot
do is left out, not faked: a notice's text is plain (typed text has no formatting here)
and takes no attachment; an invite code has no t.me link or QR code (a member joins by
typing the code); a progress message cannot be edited, so the report comes as a new
message when the sending ends.
"""

from __future__ import annotations

from handlers import actions as ids
from handlers import compose, invites, overview, results
from handlers.organizing import Answer
from handlers.visits import Visit

COMMANDS = {
    "/organizer": overview.home,
    "后台": overview.home,
    "组织者后台": overview.home,
    "/status": overview.status,
    "/broadcast": compose.new_notice,
    "/invite": invites.home,
}
BUTTONS = ("org", "bc", "adv", "inv")


def _no_link(_code: str) -> str:
    """Return no link: on 企业微信 a code is typed, not opened."""
    return ""


async def command(v: Visit, text: str) -> Answer | None:
    """Answer a typed organizer command (None: the text is no such command)."""
    use_case = COMMANDS.get(text.strip().lower())
    return None if use_case is None else await use_case(v)


async def press(v: Visit, key: str) -> Answer | None:
    """Answer an organizer's button by its neutral id (None: not an organizer button)."""
    parts = ids.split(key)
    command, rest = parts[0], parts[1:]
    if command not in BUTTONS:
        return None
    simple = {
        ids.ORG_HOME: overview.home,
        ids.ORG_STATUS: overview.status,
        "org:adv": results.stages,
        "org:bc": compose.new_notice,
        "org:bcl": compose.history,
        ids.INVITES_HOME: invites.home,
        "inv:cancel": invites.home,
        "inv:unit": invites.ask_label,
        "inv:district": invites.districts,
        "inv:pending": invites.pending,
    }
    if key in simple:
        return await simple[key](v)
    if command == "org" and rest[:1] == ["st"]:
        kind = rest[1] if len(rest) > 1 else "all"
        return await overview.status(v, kind=kind, page=ids.number_at(parts, 3) or 0)
    if command == "bc":
        return await compose.press(
            v, broadcast_id=ids.number_at(parts, 1), op=ids.text_at(rest, 1), args=rest[2:]
        )
    if command == "adv":
        return await results.press(
            v, stage_key=rest[0] if rest else "", op=rest[1] if len(rest) > 1 else "",
            args=rest[2:],
        )  # fmt: skip
    return await _invite(v, rest)


async def _invite(v: Visit, rest: list[str]) -> Answer:
    op = rest[0] if rest else ""
    number = ids.number_at(rest, 1)
    if op == "org":
        return await invites.organizer_code(v, link_of=_no_link)
    if op == "d":
        key = rest[1] if len(rest) > 1 else ""
        return await invites.district_code(v, submitter_key=key, link_of=_no_link)
    if op == "list":
        return await invites.listing(v, page=number or 0)
    if op == "show":
        return await invites.show(v, invite_id=number, link_of=_no_link)
    if op == "rv":
        return await invites.revoke(v, invite_id=number, link_of=_no_link)
    if op == "ok":
        return await invites.confirm(v, unit_id=number)
    return await invites.home(v)
