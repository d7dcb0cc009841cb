"""Per-robot rate limits by waiting (never by dropping): group robots allow 20 messages a minute each.

`SharedRateLimiter` counts in the database for every process (the default); `RateLimiter` counts in memory,
for one process.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable, Iterator, Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..models import RateHit, SharedVersion, utcnow


class RateLimiter:
    """At most `limit` sends per `window` seconds per robot, by waiting (queued, never dropped).

    The window is kept in memory and seeded from `outbound_message` on first use of a target, so a restart
    does not forget what was just sent; a send that still trips the platform's limit is retried by the outbox.
    """

    def __init__(self, limit: int = 20, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limit, self.window, self.clock, self.sleep = limit, window, clock, sleep
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def seed(self, key: str, ages: Sequence[float]) -> None:
        """Sends that happened `ages` seconds ago (from the log)."""
        now = self.clock()
        with self._guard:
            if key not in self._sent:
                self._sent[key] = deque(sorted(now - a for a in ages if a < self.window))

    @contextmanager
    def slot(self, key: str) -> Iterator[float]:
        """Wait until a send to `key` is allowed, then hold the robot while sending (a queue per robot).

        The send is stamped when it has finished, so the window is counted no earlier than the platform
        counts it. Yields the seconds waited.
        """
        waited = 0.0
        with self._lock(key):
            sent = self._sent.setdefault(key, deque())
            while True:
                now = self.clock()
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.limit:
                    break
                pause = self.window - (now - sent[0]) + 0.001
                self.sleep(pause)
                waited += pause
            try:
                yield waited
            finally:
                sent.append(self.clock())

    def penalise(self, key: str) -> None:
        """The platform said 'too fast': treat the window as full."""
        with self._guard:
            sent = self._sent.setdefault(key, deque())
            now = self.clock()
            while len(sent) < self.limit:
                sent.append(now)


class SharedRateLimiter:
    """The robots' per-minute limit counted in the database, so every worker and machine shares one count.

    A send first takes a slot: under the robot's lock row (`shared_version` `rate:<robot>`: an UPDATE, a row lock
    on PostgreSQL/MariaDB, the write lock on SQLite) it counts the `rate_hit` rows of the last `window` seconds,
    and either adds its own and goes, or waits until the oldest one leaves the window (queued, never dropped).
    Works on SQLite alone for a single process, and on PostgreSQL/MariaDB for many.
    """

    def __init__(self, sessions: sessionmaker[Session], limit: int = 20, window: float = 60.0, *,
                 clock: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sessions, self.limit, self.window, self.clock, self.sleep = sessions, limit, window, clock, sleep
        self._known: set[str] = set()

    def _lock_row(self, s: Session, key: str) -> None:
        name = f"rate:{key}"[:300]
        if key not in self._known:
            if s.get(SharedVersion, name) is None:
                s.add(SharedVersion(name=name, value=0))
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()
            self._known.add(key)
        s.execute(update(SharedVersion).where(SharedVersion.name == name).values(value=SharedVersion.value + 1)
                  .execution_options(synchronize_session=False))

    def _take(self, key: str) -> tuple[float, int | None]:
        """A slot now (0.0 and its hit's id), or how long to wait before asking again."""
        with self.sessions() as s:
            self._lock_row(s, key)
            now = self.clock()
            since = now - timedelta(seconds=self.window)
            s.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < since - timedelta(seconds=self.window)))
            hits = list(s.scalars(select(RateHit.at).where(RateHit.key == key, RateHit.at > since)
                                  .order_by(RateHit.at).limit(self.limit)))
            if len(hits) < self.limit:
                hit = RateHit(key=key, at=now)
                s.add(hit)
                s.commit()
                return 0.0, hit.id
            s.commit()
            return max(0.001, (hits[0] - since).total_seconds()), None

    def seed(self, key: str, ages: Sequence[float]) -> None:
        """Nothing to seed: the count lives in the database."""

    @contextmanager
    def slot(self, key: str) -> Iterator[float]:
        """Wait until a send to `key` is allowed (by every process's count), then send. Yields the seconds waited."""
        waited = 0.0
        while True:
            pause, hit_id = self._take(key)
            if not pause:
                break
            self.sleep(pause)
            waited += pause
        try:
            yield waited
        finally:  # counted from when the call ended: never earlier than the platform counts it
            with self.sessions() as s:
                s.execute(update(RateHit).where(RateHit.id == hit_id).values(at=self.clock()))
                s.commit()

    def penalise(self, key: str) -> None:
        """The platform said 'too fast': fill the window, for every process."""
        with self.sessions() as s:
            self._lock_row(s, key)
            now = self.clock()
            count = len(list(s.scalars(select(RateHit.id).where(
                RateHit.key == key, RateHit.at > now - timedelta(seconds=self.window)))))
            s.add_all([RateHit(key=key, at=now) for _ in range(max(0, self.limit - count))])
            s.commit()

