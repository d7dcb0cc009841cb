"""Leader election through the database: one row per lease, taken with a single conditional UPDATE.

Whoever matches the row (free, expired, or already theirs) holds it until `expires_at`; the holder
renews it well before then. Two instances never both believe they hold it for longer than the
clock skew between their hosts; delivery claims (delivery.py) cover that window.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import SchedulerLease, utcnow

from .delivery import worker_id


class Lease:
    def __init__(self, sessions: sessionmaker[Session], name: str = "reminders", *, ttl: float = 30.0,
                 holder: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.name = name
        self.ttl = timedelta(seconds=ttl)
        self.holder = holder or worker_id()
        self.clock = clock

    def _ensure_row(self) -> None:
        with self.sessions() as s:
            if s.get(SchedulerLease, self.name) is not None:
                return
            s.add(SchedulerLease(name=self.name))
            try:
                s.commit()
            except IntegrityError:
                s.rollback()

    def acquire(self) -> bool:
        """Take or renew the lease. True while this instance is the leader."""
        self._ensure_row()
        now = self.clock()
        with self.sessions() as s:
            mine = s.scalar(select(SchedulerLease.holder).where(SchedulerLease.name == self.name)) == self.holder
            values = {"holder": self.holder, "expires_at": now + self.ttl}
            if not mine:
                values["acquired_at"] = now
            res = s.execute(update(SchedulerLease).where(
                SchedulerLease.name == self.name,
                or_(SchedulerLease.holder.is_(None), SchedulerLease.holder == self.holder,
                    SchedulerLease.expires_at.is_(None), SchedulerLease.expires_at < now),
            ).values(**values).execution_options(synchronize_session=False))
            s.commit()
            return res.rowcount == 1

    def release(self) -> None:
        with self.sessions() as s:
            s.execute(update(SchedulerLease).where(SchedulerLease.name == self.name,
                                                   SchedulerLease.holder == self.holder)
                      .values(holder=None, expires_at=None).execution_options(synchronize_session=False))
            s.commit()

    def current(self) -> tuple[str | None, datetime | None]:
        with self.sessions() as s:
            row = s.get(SchedulerLease, self.name)
            return (row.holder, row.expires_at) if row else (None, None)
