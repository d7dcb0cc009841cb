"""The reminder scheduler: APScheduler 3 with its job store in the app database, one leader at a time.

Every instance (each app worker with ZHIBU_SCHEDULER=1, or `zhibu scheduler`) runs a heartbeat that
tries to hold the `scheduler_lease` row. Only the holder runs an APScheduler whose jobs live in the
`apscheduler_jobs` table:

- `reminders:daily:<org>`: a cron job at the organisation's send time (default 09:00, ZHIBU_TIMEZONE);
  runs the reminders of that day. A run missed while no instance was up runs once on start if it is
  within the grace window (misfire_grace_time, coalesce); a late run inside quiet hours is deferred to
  the morning as a one-off job carrying the original day, so its keys stay the same.
- re-plan: once, as soon as an instance takes the lead (first start, restart, take-over after a
  leader died): the latest day of each organisation whose send time passed within the grace window is planned
  again. The daily job may already point at tomorrow; planning is idempotent, so what is missing goes out once.
- `reminders:retry`: every 30 s, failed sends whose backoff has elapsed are tried again, and sends whose holder
  died (its claim was no longer renewed) are taken over.
- `reminders:sync`: every 10 min, organisations added or changed get their daily job.
- `inbox:recover`: every minute, messages a dead worker stored but never answered are taken over and answered
  late (bot/recovery.py).

Exactly once: the lease keeps a second scheduler idle; each reminder's delivery row is claimed with
one conditional UPDATE (bot/reminders/delivery.py); the Sender's idem_key is the last guard.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime
from typing import Any, Callable

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from .config import Config
from .messages import Sender
from .models import Organisation, utcnow
from .reminders.calendar import CalendarError
from .reminders.delivery import RetryPolicy
from .reminders.lease import Lease
from .reminders.planner import Planner, latest_run_day, org_calendar

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
DEFAULT_GRACE = 6 * 3600  # a 09:00 run missed until 15:00 still goes out; later, the day is skipped

# Jobs are stored by reference (module:function + args) in the database; they find the live planner here.
_ACTIVE: dict[str, "ReminderScheduler"] = {}


def _active() -> "ReminderScheduler | None":
    return _ACTIVE.get("current")


def daily_job(org_id: int) -> None:
    """Cron: the reminders of the day whose send time has just passed, for one organisation."""
    sched = _active()
    if sched is not None:
        sched.run_daily(org_id)


def deferred_job(org_id: int, day: str) -> None:
    """A daily run that fell in quiet hours, replayed in the morning with the original day."""
    sched = _active()
    if sched is not None:
        sched.planner.run_day(datetime.fromisoformat(day).date(), [org_id])


def retry_job() -> None:
    sched = _active()
    if sched is not None:
        sched.planner.retry_due()


def sync_job() -> None:
    sched = _active()
    if sched is not None:
        sched.sync_jobs()


def recover_job() -> None:
    sched = _active()
    if sched is not None:
        sched.recover_inbox()


def build_sender(config: Config, sessions: sessionmaker[Session]) -> Sender:
    """The bot's Sender over the registered platforms: robots, app messages, or the local web inbox."""
    from .platforms import build_sender as platforms_sender

    return platforms_sender(config, sessions)


class ReminderScheduler:
    def __init__(self, config: Config, engine: Engine, sessions: sessionmaker[Session], sender: Sender, *,
                 lease_ttl: float = 30.0, heartbeat: float = 10.0, grace_seconds: int = DEFAULT_GRACE,
                 retry_every: int = 30, policy: RetryPolicy | None = None,
                 clock: Callable[[], datetime] = utcnow, conversation: Any = None,
                 recover_every: int = 60) -> None:
        self.config = config
        self.sender = sender
        self._conversation = conversation  # the app's (shares its caches); built on first use otherwise
        self.recover_every = recover_every
        self.engine = engine
        self.sessions = sessions
        self.planner = Planner(sessions, sender, tz=config.timezone, policy=policy, clock=clock)
        self.lease = Lease(sessions, ttl=lease_ttl, clock=clock)
        self.heartbeat = heartbeat
        self.grace = grace_seconds
        self.retry_every = retry_every
        self.clock = clock
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._replanning: threading.Thread | None = None

    # -- leadership ------------------------------------------------------------------------------
    @property
    def leading(self) -> bool:
        return self.scheduler is not None

    def step(self) -> bool:
        """One heartbeat: hold or take the lease; start or stop the APScheduler accordingly."""
        try:
            held = self.lease.acquire()
        except Exception:  # noqa: BLE001 - a DB hiccup: act as if the lease were lost, retry next beat
            log.exception("scheduler lease: database error")
            held = False
        if held and self.scheduler is None:
            self._lead()
        elif not held and self.scheduler is not None:
            log.warning("scheduler lease lost to another instance: stepping down")
            self._step_down()
        return held

    def _lead(self) -> None:
        log.info("scheduler lease taken by %s: starting the reminder jobs", self.lease.holder)
        sched = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBS_TABLE)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace},
            timezone=self.config.timezone)
        _ACTIVE["current"] = self
        self.scheduler = sched
        sched.start(paused=True)
        self.sync_jobs()
        sched.resume()
        # The stored daily jobs may already point at tomorrow (the old leader ran them, then died mid-send):
        # plan today again, at once, beside the heartbeat; planning is idempotent, so only what is missing goes out.
        self._replanning = threading.Thread(target=self._replan_logged, name="zhibu-replan", daemon=True)
        self._replanning.start()

    def _replan_logged(self) -> None:
        try:
            self.replan()
        except Exception:  # noqa: BLE001 - the daily and retry jobs still run; the next leader re-plans again
            log.exception("re-planning on taking the lead failed")

    def _step_down(self) -> None:
        sched, self.scheduler = self.scheduler, None
        replanning, self._replanning = self._replanning, None
        if replanning is not None:
            replanning.join()  # let a running send finish and its row be marked
        if sched is not None:
            sched.shutdown(wait=True)  # likewise
        if _ACTIVE.get("current") is self:
            _ACTIVE.pop("current", None)

    # -- jobs ------------------------------------------------------------------------------------
    def sync_jobs(self) -> None:
        """Give each organisation its daily job; leave unchanged jobs alone so a missed run is still seen."""
        sched = self.scheduler
        if sched is None:
            return
        wanted: dict[str, CronTrigger] = {}
        with self.sessions() as s:
            for org in s.scalars(select(Organisation).order_by(Organisation.id)):
                try:
                    cal = org_calendar(org, org.year)
                except CalendarError as exc:
                    log.error("organisation %s: reminder settings ignored: %s", org.id, exc)
                    continue
                at = cal.send_time(datetime(2000, 1, 3).date()).time()
                wanted[f"reminders:daily:{org.id}"] = CronTrigger(hour=at.hour, minute=at.minute,
                                                                  timezone=self.config.timezone)
        for job in sched.get_jobs():
            if job.id.startswith("reminders:daily:") and job.id not in wanted:
                job.remove()
        for job_id, trigger in wanted.items():
            job = sched.get_job(job_id)
            if job is None:
                sched.add_job(daily_job, trigger, args=[int(job_id.rsplit(":", 1)[1])], id=job_id, name=job_id)
            elif str(job.trigger) != str(trigger):
                job.reschedule(trigger)
        for job_id, func, seconds in (("reminders:retry", retry_job, self.retry_every), ("reminders:sync", sync_job, 600),
                                      ("inbox:recover", recover_job, self.recover_every)):
            if sched.get_job(job_id) is None:
                sched.add_job(func, "interval", seconds=seconds, id=job_id, name=job_id, misfire_grace_time=None)

    def run_daily(self, org_id: int) -> None:
        now_local = self.planner.local(self.clock())
        cal = self.planner.calendar(org_id, now_local.date())
        if cal is None:
            return
        day = latest_run_day(cal, now_local)
        if cal.is_quiet(now_local.time()):
            at = cal.defer(now_local)
            log.info("reminders of %s for org %s fall in quiet hours: deferred to %s", day, org_id, at)
            if self.scheduler is not None:
                self.scheduler.add_job(deferred_job, "date", run_date=at, args=[org_id, day.isoformat()],
                                       id=f"reminders:deferred:{org_id}:{day.isoformat()}", replace_existing=True,
                                       misfire_grace_time=self.grace)
            return
        report = self.planner.run_day(day, [org_id])
        log.info("reminders %s org %s: %d sent, %d failed", day, org_id, report.count("sent"), report.count("failed"))

    def replan(self) -> dict[int, str]:
        """Run each organisation's latest day again if its send time passed within the grace window; then the
        retries that are due (claims a dead leader left lapse within their TTL and are taken over there).
        Returns org id -> what was done (for the log and the tests)."""
        done: dict[int, str] = {}
        now_local = self.planner.local(self.clock())
        for org_id in self.planner.orgs():
            cal = self.planner.calendar(org_id, now_local.date())
            if cal is None or not cal.enabled:
                continue
            day = latest_run_day(cal, now_local)
            late = (now_local - cal.send_time(day)).total_seconds()
            if late > self.grace:
                done[org_id] = "skipped"
                continue
            self.run_daily(org_id)
            done[org_id] = f"planned {day}"
        self.planner.retry_due()
        log.info("re-planned on taking the lead: %s", done)
        return done

    def recover_inbox(self) -> Any:
        """Answer the messages a dead worker left behind (bot/recovery.py); the lease makes this one instance."""
        from .recovery import recover

        if self._conversation is None:
            from .conversation import Conversation

            self._conversation = Conversation(self.sessions, self.clock, self.sender, timezone=self.config.timezone,
                                              config=self.config)
        return recover(self._conversation, self.sender, now=self.clock())

    # -- running -----------------------------------------------------------------------------------
    def start(self) -> None:
        """Heartbeat in a daemon thread (inside the app)."""
        self._thread = threading.Thread(target=self._loop, name="zhibu-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.heartbeat)
        self._step_down()
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001
            log.exception("could not release the scheduler lease")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        else:
            self._step_down()
            self.lease.release()

    def run_forever(self) -> None:
        """Foreground (`zhibu scheduler`): until SIGINT/SIGTERM."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        self._loop()


def from_config(config: Config, **kwargs: Any) -> ReminderScheduler:
    from .db import create_schema, make_engine, make_session_factory

    engine = make_engine(config.database_url)
    create_schema(engine)
    sessions = make_session_factory(engine)
    return ReminderScheduler(config, engine, sessions, build_sender(config, sessions), **kwargs)


def init_app(app: Any) -> ReminderScheduler | None:
    """Start the scheduler inside the app when ZHIBU_SCHEDULER=1 (bot/app.py calls this)."""
    runtime = app.extensions["zhibu"]
    if not runtime.config.scheduler:
        return None
    sender = runtime.services.get("sender") or build_sender(runtime.config, runtime.sessions)
    sched = ReminderScheduler(runtime.config, runtime.engine, runtime.sessions, sender,
                              conversation=runtime.services.get("conversation"))
    runtime.services["scheduler"] = sched
    sched.start()
    import atexit

    atexit.register(sched.stop)
    return sched
