"""Single-use and revocable secrets, stored only as SHA-256 digests (`security_token`).

A login link, a dashboard session and a web-chat file link are random ids, not signed paths or person ids: the
row decides what they open, so they can expire, be used once, or end at logout on every process. A database
reader sees digests only, never a usable link.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import SecurityToken, utcnow

LOGIN_LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
FILE_TTL = timedelta(hours=24)
SIGN_TTL = timedelta(hours=1, minutes=5)  # a DingTalk sign is valid for an hour either side of its timestamp


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue(session: Session, kind: str, ttl: timedelta, *, person_id: int | None = None, payload: dict | None = None,
          now: datetime | None = None) -> str:
    """A new random token of this kind; only its digest is stored. The caller commits."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    session.add(SecurityToken(kind=kind, digest=digest(raw), person_id=person_id, payload=payload, created_at=now,
                              expires_at=now + ttl))
    _purge(session, now)
    return raw


def lookup(session: Session, kind: str, raw: str, now: datetime | None = None) -> SecurityToken | None:
    """The live (unexpired, unused) row of this token, or None."""
    if not raw or len(raw) > 200:
        return None
    now = now or utcnow()
    row = session.scalars(select(SecurityToken).where(SecurityToken.kind == kind, SecurityToken.digest == digest(raw))).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def redeem(session: Session, kind: str, raw: str, now: datetime | None = None) -> SecurityToken | None:
    """Use a single-use token: the row if this call is the one that used it (an atomic UPDATE), else None."""
    now = now or utcnow()
    row = lookup(session, kind, raw, now)
    if row is None:
        return None
    done = session.execute(update(SecurityToken).where(SecurityToken.id == row.id, SecurityToken.used_at.is_(None))
                           .values(used_at=now))
    if done.rowcount != 1:
        return None
    row.used_at = now
    return row


def revoke(session: Session, kind: str, raw: str) -> None:
    session.execute(delete(SecurityToken).where(SecurityToken.kind == kind, SecurityToken.digest == digest(raw)))


def revoke_person(session: Session, kind: str, person_id: int) -> None:
    """End every token of this kind a person holds (a moved or deactivated person's sessions)."""
    session.execute(delete(SecurityToken).where(SecurityToken.kind == kind, SecurityToken.person_id == person_id))


def first_use(session: Session, kind: str, value: str, ttl: timedelta, payload: dict, now: datetime | None = None) -> dict:
    """Remember `value` once (committed at once, across processes: call it on a session of its own); returns the
    payload it was first seen with.

    A replay of a captured `(timestamp, sign)` pair is told apart from a platform retry by that payload."""
    now = now or utcnow()
    key = digest(value)
    try:
        session.add(SecurityToken(kind=kind, digest=key, payload=payload, created_at=now, expires_at=now + ttl))
        session.commit()
        return payload
    except IntegrityError:
        session.rollback()
    row = session.scalars(select(SecurityToken).where(SecurityToken.kind == kind, SecurityToken.digest == key)).first()
    if row is None or row.expires_at <= now:  # expired and purged meanwhile: nothing to compare against
        return payload
    return dict(row.payload or {})


def _purge(session: Session, now: datetime) -> None:
    """Expired rows go now and then (one in 50 issues), so the table stays small without a job of its own."""
    if secrets.randbelow(50) == 0:
        session.execute(delete(SecurityToken).where(SecurityToken.expires_at < now - timedelta(days=1)))
