"""``./run --demo``: the sandbox inside the contest, with an organizer and a unit invite ready.

A newcomer's first minutes: plain ``./run`` starts on today's date, when the shipped contests
are over, and joining needs an invite only an organizer can make. The demo instead:

* keeps to its own files (``data/demo.db``, ``data/demo-sandbox.json``), so trying it
  never touches the sandbox's or a real database; ``--fresh`` deletes both first;
* starts the bot's clock inside the text-submission stage (ten days before its deadline
  at 09:00, unless SANDBOX_CLOCK says otherwise);
* makes user 1001 an organizer and creates one unit invite code (the same code again on
  the next start while it is valid);
* prints two page addresses: the organizer's, and a contact person's that opens the chat
  with the code, as the invite's t.me link would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from config.settings import ROOT, Settings
from contest.definition import Contest, FieldKind
from contest.timefmt import format_moment
from messages import terminal_line
from storage.db import create_engine, migrate, session_factory, transaction
from storage.invites import InviteState, create_invite, invite_state, list_invites
from storage.models import InviteKind

ORGANIZER_ID = 1001
CONTACT_ID = 1002
DATABASE = ROOT / "data" / "demo.db"
STATE_FILE = ROOT / "data" / "demo-sandbox.json"
LEAD_TIME = timedelta(days=10)  # the demo starts this long before the submission deadline
MORNING = time(9, 0)


@dataclass(frozen=True)
class Demo:
    """What the demo prepared: who plays the organizer and the contact, and the code."""

    moment: datetime
    organizer_id: int
    contact_id: int
    code: str


def demo_moment(contest: Contest) -> datetime:
    """Return a morning inside the text-submission stage, some days before its deadline."""
    stage = contest.submission_stage
    day = (stage.end - LEAD_TIME).astimezone(contest.zone).date()
    moment = datetime.combine(day, MORNING, tzinfo=contest.zone)
    if not stage.start <= moment < stage.end:
        moment = stage.start + (stage.end - stage.start) / 2
    return moment


def demo_settings(settings: Settings, contest: Contest) -> Settings:
    """Return the settings the demo runs with: its own files, its clock, its organizer."""
    return settings.model_copy(
        update={
            "database_url": f"sqlite+aiosqlite:///{DATABASE}",
            "sandbox_clock": settings.sandbox_clock or demo_moment(contest),
            "sandbox_state_file": STATE_FILE,
            "organizer_ids": sorted({*settings.organizer_ids, ORGANIZER_ID}),
        }
    )


def forget_demo() -> list[Path]:
    """Delete the demo's database and chat history (``--fresh``); return what was deleted."""
    deleted = []
    for path in (DATABASE, Path(f"{DATABASE}-wal"), Path(f"{DATABASE}-shm"), STATE_FILE):
        if path.exists():
            path.unlink()
            deleted.append(path)
    return deleted


def _unit_label(contest: Contest) -> str:
    """Return the name the demo's unit code carries: the unit form's example unit name."""
    fields = contest.forms.unit.fields
    return next((f.example for f in reversed(fields) if f.kind is FieldKind.TEXT and f.example), "")


async def prepare_demo(settings: Settings, contest: Contest, now: datetime) -> Demo:
    """Migrate the demo's database and make sure a unit invite code is ready at ``now``."""
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with transaction(session_factory(engine)) as session:
            ready = [
                invite
                for invite in await list_invites(session)
                if invite.kind == InviteKind.UNIT
                and invite_state(invite, now) is InviteState.ACTIVE
            ]
            invite = ready[0] if ready else None
            if invite is None:
                invite = await create_invite(
                    session,
                    kind=InviteKind.UNIT,
                    label=_unit_label(contest),
                    created_by=None,
                    expires_at=now + timedelta(days=contest.registration.invite_valid_days),
                    now=now,
                )
            code = invite.code
    finally:
        await engine.dispose()
    return Demo(moment=now, organizer_id=ORGANIZER_ID, contact_id=CONTACT_ID, code=code)


def demo_lines(demo: Demo, contest: Contest, url: str, state_file: Path) -> list[str]:
    """Return what ``./run --demo`` prints: where to open the two pages, and how to restart."""
    stage = contest.submission_stage
    moment = format_moment(demo.moment, contest.zone)
    deadline = format_moment(stage.end, contest.zone)
    return [
        terminal_line(
            "demo_ready",
            contest=contest.name,
            moment=moment,
            stage=stage.name,
            deadline=deadline,
        ),
        terminal_line("demo_organizer", url=url, user=demo.organizer_id),
        terminal_line("demo_contact", url=url, user=demo.contact_id, code=demo.code),
        terminal_line("demo_history", path=_shown(state_file)),
        terminal_line("quit"),
    ]


def sandbox_lines(url: str, state_file: Path | None) -> list[str]:
    """Return what plain ``./run`` prints in sandbox mode."""
    lines = [terminal_line("sandbox_ready", url=url, user=ORGANIZER_ID)]
    if state_file is not None:
        lines.append(terminal_line("sandbox_history", path=_shown(state_file)))
    lines.append(terminal_line("sandbox_demo_hint", user=ORGANIZER_ID))
    return lines


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)
