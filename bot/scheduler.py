"""Timed work, wired on PTB's JobQueue (APScheduler's AsyncIOScheduler in the bot's loop).

Two kinds: deadline reminders and stage announcements, and the stage-close copies of the
submitted texts (``handlers.cases.freeze_closed_stages``, a moment after each editing stage
closes, and once at start for what closed while the bot was down).

The reminder use case (``handlers/reminders.py``) decides what is due and writes it to the
outbox; here it is run at each reminder and opening moment still to come, in the contest's
time zone, and once at start, which sends what was missed while the bot was down (if its
deadline is still ahead; older reminders are dropped and logged). Jobs are placed relative
to the bot's clock, so a sandbox whose clock was moved into the contest gets its reminders
at the moments it believes in.

Several instances on one PostgreSQL: every instance schedules the jobs, and only the leader
(``bot/leader.py``) does their work; a new leader catches up at once (``catch_up``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.leader import leading
from config.services import Services, services_of
from contest.lifecycle import closing_editing_stages
from contest.reminders import superseded_slots, upcoming
from handlers.cases import freeze_closed_stages
from handlers.reminders import ReminderRun, remind

log = logging.getLogger(__name__)

JOB = "reminders"  # job names: "reminders:submission:7d", "reminders:open:coaching", …
FREEZE_JOB = "case-freeze:"  # job names: "case-freeze:submission", …
# Fire a moment after the stage's last second, so that the stage has closed (end < now).
FREEZE_DELAY = timedelta(seconds=1)


async def reminder_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Run the reminder use case from the JobQueue; try again when quiet hours end."""
    services = services_of(context.application)
    if not leading(services):
        return  # another instance leads and runs it
    run = await remind(services)
    if run.deferred_until is not None and context.job_queue is not None:
        _add(context.job_queue, services, "quiet_end", run.deferred_until)


def _add(job_queue: JobQueue[Any], services: Services, name: str, moment: datetime) -> None:
    # Place the job relative to the bot's clock (the sandbox's may be moved into the contest).
    delay = moment - services.clock.now()
    job_queue.run_once(
        reminder_job,
        when=delay,
        name=f"{JOB}:{name}",
        data=moment,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )


def schedule(job_queue: JobQueue[Any], services: Services) -> int:
    """Add one job per reminder and announcement still to come; return how many."""
    scheduler = job_queue.scheduler
    if not scheduler.running:
        zone = services.contest.zone
        scheduler.configure(**{**job_queue.scheduler_configuration, "timezone": zone})
    now = services.clock.now()
    moments = upcoming(services.contest, now)
    for name, moment in moments:
        _add(job_queue, services, name, moment)
    return len(moments)


def schedule_reminders(services: Services, job_queue: JobQueue[Any] | None) -> int:
    """Schedule the reminder jobs still to come; return how many (cheap: no database)."""
    if job_queue is None:
        log.warning("no JobQueue: deadline reminders are not scheduled")
        return 0
    count = schedule(job_queue, services)
    log.info("%d reminder jobs scheduled", count)
    return count


async def catch_up_reminders(services: Services, job_queue: JobQueue[Any] | None) -> ReminderRun:
    """Send what was missed while the bot was down (the bot is answering meanwhile)."""
    now = services.clock.now()
    dropped = superseded_slots(services.contest, now)
    if dropped:
        log.info("reminders not sent (superseded or deadline passed): %s", [s.key for s in dropped])
    run = await remind(services) if leading(services) else ReminderRun()
    if run.deferred_until is not None and job_queue is not None:
        _add(job_queue, services, "quiet_end", run.deferred_until)
    return run


async def start_reminders(services: Services, job_queue: JobQueue[Any] | None) -> ReminderRun:
    """Schedule the reminder jobs and send what was missed while the bot was down."""
    schedule_reminders(services, job_queue)
    return await catch_up_reminders(services, job_queue)


async def _freeze_job(context: CallbackContext[Any, Any, Any, Any]) -> None:
    services = services_of(context.application)
    if leading(services):  # else another instance leads and makes the copies
        await freeze_closed_stages(services)


def schedule_freezes(job_queue: JobQueue[Any] | None, services: Services) -> list[str]:
    """Schedule a stage-close copy just after each editing stage still to close."""
    if job_queue is None:
        log.warning("no job queue: stage-close copies are made at the next start only")
        return []
    now = services.clock.now()
    names = []
    for stage in closing_editing_stages(services.contest, now):
        name = FREEZE_JOB + stage.key
        for job in job_queue.get_jobs_by_name(name):
            job.schedule_removal()
        # A delay, not a moment: the bot's clock may be shifted (the sandbox's is).
        job_queue.run_once(
            _freeze_job,
            when=stage.end - now + FREEZE_DELAY,
            name=name,
            job_kwargs={"misfire_grace_time": None},
        )
        names.append(name)
    return names


async def start_freezes(services: Services, job_queue: JobQueue[Any] | None) -> int:
    """Copy the text of stages that closed while the bot was down; schedule the rest."""
    frozen = await freeze_closed_stages(services) if leading(services) else 0
    schedule_freezes(job_queue, services)
    return frozen


async def catch_up(services: Services, job_queue: JobQueue[Any] | None) -> None:
    """Send the reminders and make the copies that fell due (run by a new leader)."""
    run = await remind(services)
    if run.deferred_until is not None and job_queue is not None:
        _add(job_queue, services, "quiet_end", run.deferred_until)
    await freeze_closed_stages(services)
