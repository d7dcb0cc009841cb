"""Learned phrasings, per organisation: kept when a secretary confirms or corrects the bot's reading (or the
office turns a not-understood message into a record), used the next time the same phrasing comes in.

The pure part (a line's shape, the reading it gets) is nlp/learned.py; this module only stores and looks up.
The office sees and removes what was learned with `zhibu learned list|remove`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlp.learned import reading, shape
from nlp.types import Parsed

from .models import LearnedPhrase

LEARNABLE = ("record", "plan")


def learn(session: Session, org_id: int, text: str, today: date, intent: str, activities: list[str] | tuple[str, ...],
          *, person_id: int | None, source: str, now: datetime) -> LearnedPhrase | None:
    """Keep (or update) what `text`'s phrasing means for this organisation. None when there is nothing to learn."""
    if intent not in LEARNABLE or not activities:
        return None
    key = shape(text, today)
    if not key:
        return None
    row = _find(session, org_id, key)
    if row is None:
        row = LearnedPhrase(org_id=org_id, shape=key, example=text[:500], intent=intent, activities=list(activities),
                            taught_by=person_id, source=source, uses=0, created_at=now)
        session.add(row)
    else:
        row.intent, row.activities, row.example, row.taught_by, row.source = (
            intent, list(activities), text[:500], person_id, source)
    session.flush()
    return row


def recall(session: Session, org_id: int, text: str, today: date) -> Parsed | None:
    """The reading this organisation taught for `text`'s phrasing, with the line's own date and counts."""
    row = _find(session, org_id, shape(text, today))
    if row is None:
        return None
    row.uses = (row.uses or 0) + 1
    return reading(text, today, row.intent, tuple(row.activities or ()))


def _find(session: Session, org_id: int, key: str) -> LearnedPhrase | None:
    if not key:
        return None
    return session.scalars(select(LearnedPhrase).where(LearnedPhrase.org_id == org_id,
                                                       LearnedPhrase.shape == key)).first()


def listing(session: Session, org_id: int) -> list[LearnedPhrase]:
    return list(session.scalars(select(LearnedPhrase).where(LearnedPhrase.org_id == org_id)
                                .order_by(LearnedPhrase.id)))


def forget(session: Session, org_id: int, phrase_id: int) -> bool:
    """Remove one learned phrasing of this organisation; False when there is none with that id."""
    row = session.get(LearnedPhrase, phrase_id)
    if row is None or row.org_id != org_id:
        return False
    session.delete(row)
    session.flush()
    return True
