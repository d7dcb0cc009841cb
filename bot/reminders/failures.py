"""Sends that did not go out, for `zhibu remind --failed` and the office dashboard, and retrying them by hand.

Three kinds are listed, each with the platform's own answer: reminders still being retried (`failed`), given up
(`dead`), and stuck (`sending` whose holder died: its claim lapsed and the next retry takes it over); and other
outgoing messages (replies, notifications) the outbox gave up on. The store serves these rows; what counts as
failed is decided here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from bot.models import OutboundMessage, ReminderDelivery, utcnow

LABELS = {"failed": "重试中", "dead": "已放弃", "stuck": "卡住（发送进程已停止，将被接手）", "gave_up": "发送失败"}


@dataclass(frozen=True)
class FailedSend:
    key: str
    what: str  # reminder / message
    state: str  # failed / dead / stuck / gave_up (LABELS)
    target: str  # the chat's or person's name, else the outbox target
    reason: str
    attempts: int
    error: str  # the platform's answer (or ours), as recorded
    next_attempt_at: datetime | None  # UTC
    org_id: int | None

    @property
    def label(self) -> str:
        return LABELS[self.state]


def failed_sends(session: Session, org_id: int | None = None, *, now: datetime | None = None,
                 limit: int = 500) -> list[FailedSend]:
    """Failed, given-up and stuck reminders (of one organisation, or all), then other messages that failed."""
    now = now or utcnow()
    q = select(ReminderDelivery).where(or_(
        ReminderDelivery.status.in_(("failed", "dead")),
        and_(ReminderDelivery.status == "sending", ReminderDelivery.claimed_until < now)))
    if org_id is not None:
        q = q.where(ReminderDelivery.org_id == org_id)
    out: list[FailedSend] = []
    keys: set[str] = set()
    for r in session.scalars(q.order_by(ReminderDelivery.created_at, ReminderDelivery.id).limit(limit)):
        p = r.payload or {}
        keys.add(r.key)
        out.append(FailedSend(key=r.key, what="reminder", state="stuck" if r.status == "sending" else r.status,
                              target=p.get("recipient_name") or f"{p.get('to')}:{p.get('recipient_id')}",
                              reason=p.get("reason") or r.kind, attempts=r.attempts, error=r.last_error or "",
                              next_attempt_at=r.next_attempt_at if r.status == "failed" else None, org_id=r.org_id))
    if org_id is None:  # outbox rows carry no organisation: listed only in the whole view
        oq = select(OutboundMessage).where(or_(
            OutboundMessage.status == "failed",
            and_(OutboundMessage.status == "pending", OutboundMessage.claimed_until < now)))
        for m in session.scalars(oq.order_by(OutboundMessage.created_at, OutboundMessage.id).limit(limit)):
            if m.idem_key in keys:
                continue
            out.append(FailedSend(key=m.idem_key, what="message", state="gave_up" if m.status == "failed" else "stuck",
                                  target=(m.payload or {}).get("name") or m.target, reason=m.reason or m.kind,
                                  attempts=m.attempts, error=m.last_error or "", next_attempt_at=None, org_id=None))
    return out


def retry_reminders(session: Session, keys: Iterable[str] | None = None, *, now: datetime | None = None) -> list[str]:
    """Make failed and given-up reminders due now, with a fresh set of attempts (the office asked for it).
    `keys` None: all of them. Returns the keys made due; the caller commits. The scheduler's retry job (or
    `zhibu remind --retry`, at once) sends them."""
    now = now or utcnow()
    q = select(ReminderDelivery.key).where(ReminderDelivery.status.in_(("failed", "dead")))
    if keys is not None:
        q = q.where(ReminderDelivery.key.in_(list(keys)))
    chosen = list(session.scalars(q))
    if chosen:
        session.execute(update(ReminderDelivery).where(ReminderDelivery.key.in_(chosen),
                                                       ReminderDelivery.status.in_(("failed", "dead")))
                        .values(status="failed", attempts=0, next_attempt_at=now)
                        .execution_options(synchronize_session=False))
    return chosen
