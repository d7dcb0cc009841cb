"""Leader election through the database: one row per lease, taken with a single conditional UPDATE.

Whoever matches the row (free, expired, or already theirs) holds it until `expires_at`; the holder
renews it well before then. Two instances never both believe they hold it for longer than the
clock skew between their hosts; delivery claims (delivery.py) cover that window.

`ClaimKeeper` ties a row's claim to the process holding it: renewed while it lives, lapsed soon after it dies.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.models import SchedulerLease, utcnow

log = logging.getLogger(__name__)


def worker_id() -> str:
    """Who holds a claim or a lease: host, pid and a random part (pids repeat across containers)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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


class ClaimKeeper:
    """Keeps this process's claims alive while it works on them, and only while it lives.

    A claim is a row's (`claimed_by`, `claimed_until`). The holder renews `claimed_until` every `ttl / 3`
    seconds from a daemon thread for as long as it holds the row (a send may wait minutes on a slow
    platform); when the process dies the renewals stop and the claim lapses within `ttl`, so whoever
    looks next finds the row pending again, never "sent". Reminders (`reminder_delivery`) and the outbox
    (`outbound_message`) share this one notion of in flight.
    """

    def __init__(self, sessions: sessionmaker[Session], model: type, key_column: str, in_flight: tuple[str, ...], *,
                 holder: str, ttl: float = 30.0, clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.model = model
        self.key_column = getattr(model, key_column)
        self.in_flight = in_flight
        self.holder = holder
        self.ttl = timedelta(seconds=ttl)
        self.clock = clock
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def until(self) -> datetime:
        """A fresh claim's expiry."""
        return self.clock() + self.ttl

    def alive(self, claimed_until: datetime | None) -> bool:
        return claimed_until is not None and claimed_until >= self.clock()

    @contextmanager
    def holding(self, key: str) -> Iterator[None]:
        """Renew the claim on `key` until the block ends."""
        with self._lock:
            self._held[key] = self._held.get(key, 0) + 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="zhibu-claims", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held[key] -= 1
                if not self._held[key]:
                    del self._held[key]

    def _run(self) -> None:
        beat = max(0.05, self.ttl.total_seconds() / 3)
        while True:
            time.sleep(beat)
            with self._lock:
                keys = list(self._held)
                if not keys:
                    self._thread = None
                    return
            self.renew(keys)

    def renew(self, keys: list[str]) -> None:
        try:
            with self.sessions() as s:
                s.execute(update(self.model).where(self.key_column.in_(keys), self.model.claimed_by == self.holder,
                                                   self.model.status.in_(self.in_flight))
                          .values(claimed_until=self.until()).execution_options(synchronize_session=False))
                s.commit()
        except Exception:  # noqa: BLE001 - a DB hiccup: the next beat tries again; the claim may lapse meanwhile
            log.warning("could not renew claims of %s", self.holder, exc_info=True)
