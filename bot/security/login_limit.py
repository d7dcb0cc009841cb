"""Password login attempts, limited per address and per name and counted in the database (every process shares it).

Ten failures in 15 minutes from one address, or against one name, close password login for that address or
name until the window has passed. A success does not reset the count: guessing stays slow.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..models import LoginAttempt, utcnow
from .tokens import digest

WINDOW = timedelta(minutes=15)
MAX_FAILURES = 10


def _keys(addr: str, name: str) -> list[tuple[str, str]]:
    return [("addr", digest(addr or "-")), ("name", digest((name or "").strip().lower()))]


def blocked(session: Session, addr: str, name: str, now: datetime | None = None) -> bool:
    """True when this address or this name has failed too often within the window."""
    since = (now or utcnow()) - WINDOW
    for scope, key in _keys(addr, name):
        n = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.scope == scope, LoginAttempt.digest == key, LoginAttempt.at > since))
        if n >= MAX_FAILURES:
            return True
    return False


def failed(session: Session, addr: str, name: str, now: datetime | None = None) -> None:
    """Count one failure (the caller commits); old rows are dropped on the way."""
    now = now or utcnow()
    for scope, key in _keys(addr, name):
        session.add(LoginAttempt(scope=scope, digest=key, at=now))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 2 * WINDOW))
