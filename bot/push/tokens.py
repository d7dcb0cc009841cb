"""Access tokens shared by every worker (WeChat Work's and DingTalk's `gettoken`), kept in the `api_token` table."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..models import ApiToken, utcnow

log = logging.getLogger("bot.push")


class TokenStore:
    """Access tokens cached in memory and in the `api_token` table.

    A stale token is refreshed by exactly one process: the refresher first UPDATEs the row (a write lock on
    SQLite, a row lock on PostgreSQL/MariaDB), reads it again, and only calls the platform when it is still
    stale; everybody else waits on the lock and then reads the fresh token.
    """

    MARGIN = timedelta(seconds=300)

    def __init__(self, sessions: sessionmaker[Session], *, now: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.now = now
        self._memo: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, fetch: Callable[[], tuple[str, int]]) -> str:
        memo = self._memo.get(name)
        if memo and memo[1] - self.MARGIN > self.now():
            return memo[0]
        with self._lock:  # one refresher per process; the DB lock below handles other processes
            with self.sessions() as s:
                row = s.get(ApiToken, name)
                if row and row.token and row.expires_at and row.expires_at - self.MARGIN > self.now():
                    self._memo[name] = (row.token, row.expires_at)
                    return row.token
            self._ensure_row(name)
            with self.sessions() as s:
                s.execute(update(ApiToken).where(ApiToken.name == name).values(refreshed_at=self.now()))
                row = s.execute(select(ApiToken).where(ApiToken.name == name).with_for_update()).scalar_one()
                s.refresh(row)
                if not (row.token and row.expires_at and row.expires_at - self.MARGIN > self.now()):
                    token, expires_in = fetch()
                    row.token = token
                    row.expires_at = self.now() + timedelta(seconds=int(expires_in))
                    log.info("access token %s refreshed", name)
                token, expires = row.token, row.expires_at
                s.commit()
            self._memo[name] = (token, expires)
            return token

    def _ensure_row(self, name: str) -> None:
        with self.sessions() as s:
            if s.get(ApiToken, name) is None:
                s.add(ApiToken(name=name))
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()

    def invalidate(self, name: str, token: str) -> None:
        """The platform said this token is expired or invalid: forget it (only if nobody replaced it yet)."""
        self._memo.pop(name, None)
        with self.sessions() as s:
            s.execute(update(ApiToken).where(ApiToken.name == name, ApiToken.token == token)
                      .values(expires_at=datetime(2000, 1, 1)))
            s.commit()

