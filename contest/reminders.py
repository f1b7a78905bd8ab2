"""When pushes go out: deadline reminders, stage openings, quiet hours, and what a unit lacks.

Pure functions of the contest and ``now`` (timezone-aware); the delivery side
(``delivery/reminders.py``) turns what is due into outbox rows, one per person, and the
dedupe key of each row makes every (person, stage, offset) go out at most once.

Decisions where the issue is silent:

* Deadlines reminded: the end of every stage that lets entrants edit something
  (``editing`` = ``all`` or ``advancing``). The ends of review or final stages are not an
  entrant's deadline and get no reminder; their opening is announced instead.
* An offset of whole days (``7d``) is sent on that calendar day, in the contest's time
  zone, at ``reminders.send_at`` (7d before 7月15日 23:59 → 7月8日 10:00). Other offsets
  (``3h``, ``30m``) go out at the exact moment.
* Quiet hours (``quiet_start``–``quiet_end``, e.g. 22:00–08:00, may wrap midnight): a
  moment inside them moves to their end, unless the deadline lies in the same quiet period
  (a 30m reminder before 23:59 stays at 23:29). A reminder that is not before its deadline,
  not after the stage's opening (or its announcement), or on the same moment as a larger
  offset's reminder is dropped.
* A stage opening is announced at its start; a start inside quiet hours (e.g. 00:00) is
  announced the same morning at ``send_at`` (or at the end of the quiet hours if later).
* Due at ``now``: per deadline still ahead, only the latest reminder whose moment has come
  (earlier ones missed while the bot was down are superseded by it); a stage's opening
  during the day after its announcement moment (later it is no news, and people who came
  after it would get it at a random restart), while the stage runs. Nothing is due while
  ``now`` is in quiet hours, unless the deadline is in the same quiet period;
  :func:`quiet_until` says when to try again.
* Where the bot is only a drafting aid (``official_system.bot_is_official = false``), a case
  submitted here is still to do before the submission deadline until its contact marks it
  as submitted in the organizer's own system (``CaseFacts.marked``); a case marked as
  advancing was entered, whatever its mark.
* Scheduled notices: an organizer types the moment ("2024-07-10 09:00", "7月10日 9:00"),
  read in the contest's time zone; it must be in the future.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from contest.definition import Contest, Editing, Stage, parse_offset
from contest.lifecycle import Gap, case_gaps
from contest.team import Member

DAY = timedelta(days=1)
OPENING_NEWS = timedelta(days=1)  # an opening missed for longer is no news: not announced


@dataclass(frozen=True)
class Slot:
    """One reminder moment before one stage's deadline."""

    stage: Stage
    offset: str  # as written in the contest file, e.g. "7d"
    moment: datetime

    @property
    def deadline(self) -> datetime:
        """Return the deadline this reminder is about."""
        return self.stage.end

    @property
    def key(self) -> str:
        """Return a stable name, e.g. "submission:7d" (part of dedupe keys and job names)."""
        return f"{self.stage.key}:{self.offset}"


@dataclass(frozen=True)
class Opening:
    """The announcement of a stage's start to those it concerns."""

    stage: Stage
    moment: datetime

    @property
    def key(self) -> str:
        """Return a stable name, e.g. "open:coaching"."""
        return f"open:{self.stage.key}"


def _at(day: date, clock_time: time, contest: Contest) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=contest.zone)


def quiet_window(contest: Contest, moment: datetime) -> tuple[datetime, datetime] | None:
    """Return the quiet period (start, end) that ``moment`` falls in, or None."""
    rules = contest.reminders
    start, end = rules.quiet_start, rules.quiet_end
    if start == end:
        return None
    here = moment.astimezone(contest.zone)
    day, now = here.date(), here.time().replace(tzinfo=None)
    if start < end:
        if start <= now < end:
            return _at(day, start, contest), _at(day, end, contest)
        return None
    if now >= start:
        return _at(day, start, contest), _at(day + DAY, end, contest)
    if now < end:
        return _at(day - DAY, start, contest), _at(day, end, contest)
    return None


def allowed(contest: Contest, moment: datetime, deadline: datetime | None = None) -> bool:
    """Tell whether a push may go out at ``moment``: not in quiet hours, unless ``deadline`` is."""
    window = quiet_window(contest, moment)
    if window is None:
        return True
    return deadline is not None and window[0] <= deadline < window[1]


def quiet_until(contest: Contest, now: datetime) -> datetime | None:
    """Return the end of the quiet hours ``now`` is in, or None if it is not quiet."""
    window = quiet_window(contest, now)
    return window[1] if window else None


def deadline_stages(contest: Contest) -> list[Stage]:
    """Return the stages whose end is an entrant's deadline (editing all or advancing)."""
    return [s for s in contest.stages if s.editing is not Editing.NONE]


def opening(contest: Contest, stage: Stage) -> Opening | None:
    """Return when a stage's start is announced, or None if it is announced to nobody."""
    if stage.announce_to == "none":
        return None
    window = quiet_window(contest, stage.start)
    if window is None:
        return Opening(stage, stage.start)
    end = window[1]
    morning = _at(end.astimezone(contest.zone).date(), contest.reminders.send_at, contest)
    return Opening(stage, max(end, morning))


def openings(contest: Contest) -> list[Opening]:
    """Return every stage-opening announcement, in order."""
    found = (opening(contest, s) for s in contest.stages)
    return [o for o in found if o is not None]


def _offsets(contest: Contest) -> list[tuple[str, timedelta]]:
    pairs = [("".join(o.split()), parse_offset(o)) for o in contest.reminders.offsets]
    return sorted(pairs, key=lambda pair: pair[1], reverse=True)


def stage_slots(contest: Contest, stage: Stage) -> list[Slot]:
    """Return the reminder moments before one stage's deadline, earliest first."""
    deadline = stage.end
    announced = opening(contest, stage)
    floor = announced.moment if announced else stage.start
    slots: list[Slot] = []
    for label, delta in _offsets(contest):
        if delta % DAY == timedelta(0):
            day = (deadline.astimezone(contest.zone) - delta).date()
            moment = _at(day, contest.reminders.send_at, contest)
        else:
            moment = deadline - delta
        window = quiet_window(contest, moment)
        if window is not None and not allowed(contest, moment, deadline):
            moment = window[1]
        if not floor < moment < deadline:
            continue
        if slots and moment <= slots[-1].moment:
            continue
        slots.append(Slot(stage, label, moment))
    return slots


def reminder_slots(contest: Contest) -> list[Slot]:
    """Return every reminder moment of the contest, by stage, earliest first."""
    return [slot for stage in deadline_stages(contest) for slot in stage_slots(contest, stage)]


def due_slots(contest: Contest, now: datetime) -> list[Slot]:
    """Return the reminders to send at ``now``: per open deadline, the latest one due."""
    due = []
    for stage in deadline_stages(contest):
        if not now < stage.end or not allowed(contest, now, stage.end):
            continue
        passed = [s for s in stage_slots(contest, stage) if s.moment <= now]
        if passed:
            due.append(passed[-1])
    return due


def superseded_slots(contest: Contest, now: datetime) -> list[Slot]:
    """Return reminders that will never go out at ``now``: earlier ones and past deadlines."""
    due = {s.key for s in due_slots(contest, now)}
    return [s for s in reminder_slots(contest) if s.moment <= now and s.key not in due]


def due_openings(contest: Contest, now: datetime) -> list[Opening]:
    """Return the stage openings to announce at ``now`` (news for a day, while it runs)."""
    if not allowed(contest, now):
        return []
    return [
        o for o in openings(contest) if o.moment <= now < min(o.stage.end, o.moment + OPENING_NEWS)
    ]


def upcoming(contest: Contest, now: datetime) -> list[tuple[str, datetime]]:
    """Return (name, moment) of every reminder and announcement still to come, in order."""
    moments = [(s.key, s.moment) for s in reminder_slots(contest) if s.moment > now]
    moments += [(o.key, o.moment) for o in openings(contest) if o.moment > now]
    return sorted(moments, key=lambda pair: (pair[1], pair[0]))


# ----------------------------------------------------------------- what a unit still lacks


@dataclass(frozen=True)
class CaseFacts:
    """What the reminder rules need to know about one case."""

    case_id: int
    title: str
    submitted: bool
    advancing: bool
    values: Mapping[str, Any]
    evidence: Mapping[str, str]
    members: Sequence[Member]
    marked: bool = False  # marked as submitted in the organizer's own system (已在官网提交)


@dataclass(frozen=True)
class CaseTodo:
    """A case that still needs its unit before a deadline: its gaps, or only submitting.

    ``awaiting_official``: submitted in the bot, which is only a drafting aid, and not yet
    marked as submitted in the organizer's own system.
    """

    case_id: int
    title: str
    gaps: list[Gap]
    awaiting_official: bool = False

    @property
    def ready(self) -> bool:
        """Return True if nothing is missing: the case only waits to be submitted."""
        return not self.gaps


@dataclass(frozen=True)
class UnitTodo:
    """Where one unit stands before one deadline."""

    concerned: bool  # the deadline is about this unit at all
    no_case: bool  # the unit has not created any case yet
    cases: list[CaseTodo]

    @property
    def done(self) -> bool:
        """Return True if the unit has nothing left to do before this deadline."""
        return self.concerned and not self.no_case and not self.cases


def case_todo(contest: Contest, case: CaseFacts, now: datetime) -> CaseTodo:
    """Return what keeps one case from being submitted (its gaps; none: only submit it)."""
    gaps = case_gaps(
        contest, values=case.values, evidence=case.evidence, members=case.members, now=now
    )
    return CaseTodo(case.case_id, case.title, gaps)


def _relevant(stage: Stage, cases: Sequence[CaseFacts]) -> list[CaseFacts] | None:
    """Return the cases a deadline is about (None: it is not this unit's deadline at all)."""
    if stage.editing is Editing.NONE:
        return None
    if stage.editing is Editing.ADVANCING:
        return [c for c in cases if c.advancing] or None
    return list(cases)


def _awaiting_official(
    contest: Contest, stage: Stage, relevant: Sequence[CaseFacts]
) -> list[CaseFacts]:
    """Return the cases submitted here that are reminded until marked as submitted there."""
    if contest.drafting_aid is None or stage.key != contest.submission_stage.key:
        return []
    return [c for c in relevant if c.submitted and not c.marked and not c.advancing]


def unit_todo(
    contest: Contest, stage: Stage, cases: Sequence[CaseFacts], now: datetime
) -> UnitTodo:
    """Return what one unit still has to do before ``stage`` ends."""
    relevant = _relevant(stage, cases)
    if relevant is None:
        return UnitTodo(concerned=False, no_case=False, cases=[])
    todo = [case_todo(contest, c, now) for c in relevant if not c.submitted]
    todo += [
        CaseTodo(c.case_id, c.title, [], awaiting_official=True)
        for c in _awaiting_official(contest, stage, relevant)
    ]
    return UnitTodo(concerned=True, no_case=not relevant, cases=todo)


def unit_done(contest: Contest, stage: Stage, cases: Sequence[CaseFacts]) -> bool | None:
    """Return whether a unit has nothing left before ``stage`` ends (None: not its deadline).

    The same answer as ``unit_todo(...).done``, from the cases' states alone: their texts
    (``values``) are not read, so the cases may come without them.
    """
    relevant = _relevant(stage, cases)
    if relevant is None:
        return None
    drafts = any(not c.submitted for c in relevant)
    return bool(relevant) and not drafts and not _awaiting_official(contest, stage, relevant)


@dataclass(frozen=True)
class UnitTally:
    """A unit's cases at a glance, for the organizers' /status."""

    cases: int
    drafts: int
    submitted: int
    advancing: int
    ready: int  # drafts with nothing missing: they only wait to be submitted
    gaps: int  # everything missing over the unit's drafts
    awaiting_official: int = 0  # submitted here, not yet marked as submitted there (an aid)


def standing(contest: Contest, cases: Sequence[CaseFacts], now: datetime) -> UnitTally:
    """Count a unit's cases by status and what its drafts still lack."""
    drafts = [case_todo(contest, c, now) for c in cases if not c.submitted]
    return UnitTally(
        cases=len(cases),
        drafts=len(drafts),
        submitted=sum(1 for c in cases if c.submitted),
        advancing=sum(1 for c in cases if c.advancing),
        ready=sum(1 for d in drafts if d.ready),
        gaps=sum(len(d.gaps) for d in drafts),
        awaiting_official=(
            sum(1 for c in cases if c.submitted and not c.marked and not c.advancing)
            if contest.drafting_aid is not None
            else 0
        ),
    )


# ----------------------------------------------------------------- organizer-chosen moments


class SendTimeError(ValueError):
    """A typed send time that cannot be used; ``code`` names the reason for the template."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_FULL = re.compile(
    r"^(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号]?"
    r"\s*(?P<hour>\d{1,2})\s*(?:[:点时]\s*(?P<minute>\d{1,2})?\s*分?)?$"
)


def parse_send_time(text: str, contest: Contest, now: datetime) -> datetime:
    """Read a moment such as "2024-07-10 09:00" or "7月10日 9:00" in the contest's time zone."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _FULL.match(cleaned)
    if match is None:
        raise SendTimeError("format")
    here = now.astimezone(contest.zone)
    year = int(match.group("year") or here.year)
    minute = int(match.group("minute") or 0)
    try:
        moment = datetime(
            year,
            int(match.group("month")),
            int(match.group("day")),
            int(match.group("hour")),
            minute,
            tzinfo=contest.zone,
        )
    except ValueError:
        raise SendTimeError("invalid") from None
    if moment <= now:
        raise SendTimeError("past")
    return moment
