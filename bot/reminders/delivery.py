"""Each reminder goes out once, across processes and restarts, and a failed send is retried with backoff.

A reminder is first written to `reminder_delivery` under its idempotency key (unique), then claimed by
one process with a single conditional UPDATE (atomic on SQLite, PostgreSQL and MariaDB: the loser of a
race matches zero rows), sent, and marked sent or failed. A failed row waits `RetryPolicy.delay`
(kept out of quiet hours) and is tried again by `retry_due`; after `max_attempts` it is `dead`, the
office is told, and `zhibu remind --failed` lists it. A claim lives as long as its holder: the holder renews
it while it works (lease.py `ClaimKeeper`), and when the process dies it lapses within `claim_seconds` and is
taken over. A row is `sent` only when the Sender says the platform accepted it; the Sender's own idempotency
key (outbound_message.idem_key, claimed the same way) keeps a taken-over send from going out twice, except
when the process died between the platform's acceptance and the commit recording it (docs/reminders.md).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Sender
from bot.models import ReminderDelivery, utcnow

from .lease import ClaimKeeper, worker_id
from .render import Rendered
from .types import Reminder

log = logging.getLogger(__name__)

OPEN = ("pending", "failed")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 60.0
    factor: float = 2.0
    cap_seconds: float = 3600.0
    claim_seconds: float = 30.0  # a claim lapses this long after its holder stopped renewing it (died)

    def delay(self, attempts: int) -> timedelta:
        """Wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, at most an hour."""
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * self.factor ** max(0, attempts - 1)))


def payload_of(reminder: Reminder, rendered: Rendered) -> dict:
    return {"to": reminder.to, "recipient_id": reminder.recipient_id, "recipient_name": reminder.recipient_name,
            "text": rendered.text, "markdown": rendered.markdown, "mentions": list(reminder.mentions),
            "reason": reminder.reason}


class Delivery:
    """Delivers reminders through a Sender, exactly once, with retries. Safe to use from several processes."""

    def __init__(self, sessions: sessionmaker[Session], sender: Sender, *, policy: RetryPolicy | None = None,
                 clock: Callable[[], datetime] = utcnow, defer: Callable[[int | None, datetime], datetime] | None = None,
                 on_dead: Callable[[ReminderDelivery], None] | None = None, worker: str | None = None) -> None:
        self.sessions = sessions
        self.sender = sender
        self.policy = policy or RetryPolicy()
        self.clock = clock  # UTC, naive
        self.defer = defer  # (org_id, utc time) -> the first utc time outside that org's quiet hours
        self.on_dead = on_dead
        self.worker = worker or worker_id()
        self.keeper = ClaimKeeper(sessions, ReminderDelivery, "key", ("sending",), holder=self.worker,
                                  ttl=self.policy.claim_seconds, clock=clock)

    # -- queue -----------------------------------------------------------------------------------
    def enqueue(self, reminder: Reminder, rendered: Rendered, org_id: int | None = None) -> bool:
        """Write the reminder under its key unless it is there already. True if this call created it."""
        with self.sessions() as s:
            if s.scalar(select(ReminderDelivery.id).where(ReminderDelivery.key == reminder.key)) is not None:
                return False
            s.add(ReminderDelivery(key=reminder.key, org_id=org_id, kind=reminder.kind, day=reminder.day,
                                   payload=payload_of(reminder, rendered), status="pending", attempts=0,
                                   next_attempt_at=self.clock(), created_at=self.clock()))
            try:
                s.commit()
            except IntegrityError:  # another process wrote it a moment ago
                s.rollback()
                return False
        return True

    def deliver(self, reminder: Reminder, rendered: Rendered, org_id: int | None = None, *, force: bool = False) -> str:
        """Enqueue and try once now. Returns the row's status afterwards (sent / failed / dead / …)."""
        self.enqueue(reminder, rendered, org_id)
        return self.attempt(reminder.key, force=force)

    # -- one attempt ---------------------------------------------------------------------------
    def _claim(self, key: str, force: bool = False) -> bool:
        """One conditional UPDATE: an open row that is due (any open row when `force`: someone asked for it by
        hand), or a row whose holder stopped renewing its claim (it died mid-send: nothing was recorded as sent)."""
        now = self.clock()
        due = ReminderDelivery.status.in_(OPEN)
        if not force:
            due = due & or_(ReminderDelivery.next_attempt_at.is_(None), ReminderDelivery.next_attempt_at <= now)
        with self.sessions() as s:
            res = s.execute(
                update(ReminderDelivery)
                .where(ReminderDelivery.key == key)
                .where(or_(due, (ReminderDelivery.status == "sending") & (ReminderDelivery.claimed_until < now)))
                .values(status="sending", claimed_by=self.worker, claimed_until=self.keeper.until(),
                        attempts=ReminderDelivery.attempts + 1)
                .execution_options(synchronize_session=False))
            s.commit()
            return res.rowcount == 1

    def attempt(self, key: str, *, force: bool = False) -> str:
        """Claim the row and send it, if it is due and nobody else holds it. Returns its status afterwards.

        The status is `sent` only when the Sender said the platform accepted it; a send another live process
        still holds (`in_flight`) is an unfinished attempt, retried later, never taken for success."""
        if not self._claim(key, force):
            return self.status(key) or "missing"
        with self.keeper.holding(key):
            with self.sessions() as s:
                row = s.scalars(select(ReminderDelivery).where(ReminderDelivery.key == key)).one()
                payload, attempts, org_id = dict(row.payload), row.attempts, row.org_id
            error = None
            try:
                ok = self._send(key, payload)
                if not ok:
                    error = self._sender_error(key) or "发送接口返回失败"
            except Exception as exc:  # noqa: BLE001 - any channel error is a failed attempt, retried later
                log.warning("reminder %s: send failed: %s", key, exc)
                error = f"{type(exc).__name__}: {exc}"[:2000]
            return self._finish(key, org_id, attempts, error)

    def _sender_error(self, key: str) -> str | None:
        """The platform's own answer for a refused send, from the outbox's log of it (when there is one)."""
        from bot.models import OutboundMessage

        with self.sessions() as s:
            row = s.execute(select(OutboundMessage.status, OutboundMessage.last_error)
                            .where(OutboundMessage.idem_key == key)).first()
        if row is None:
            return None
        if row.status == "pending":
            return "另一进程正在发送（尚未确认）"
        return row.last_error

    def _send(self, key: str, p: dict) -> bool:
        if p["to"] == "target":
            return bool(self.sender.send_to_target(p["recipient_id"], p["text"], p.get("markdown"),
                                                   mentions=tuple(p.get("mentions") or ()), key=key,
                                                   reason=p.get("reason", "")))
        return bool(self.sender.send_to_person(p["recipient_id"], p["text"], p.get("markdown"), key=key,
                                               reason=p.get("reason", "")))

    def _finish(self, key: str, org_id: int | None, attempts: int, error: str | None) -> str:
        now = self.clock()
        if error is None:
            values = {"status": "sent", "sent_at": now, "claimed_until": None, "last_error": None}
        elif attempts >= self.policy.max_attempts:
            values = {"status": "dead", "claimed_until": None, "last_error": error, "next_attempt_at": None}
        else:
            nxt = now + self.policy.delay(attempts)
            if self.defer is not None:
                nxt = self.defer(org_id, nxt)
            values = {"status": "failed", "claimed_until": None, "last_error": error, "next_attempt_at": nxt}
        with self.sessions() as s:
            s.execute(update(ReminderDelivery).where(ReminderDelivery.key == key,
                                                     ReminderDelivery.claimed_by == self.worker)
                      .values(**values).execution_options(synchronize_session=False))
            s.commit()
            row = s.scalars(select(ReminderDelivery).where(ReminderDelivery.key == key)).one()
            if values["status"] == "dead" and self.on_dead is not None:
                try:
                    self.on_dead(row)
                except Exception:  # noqa: BLE001 - telling the office must never break the loop
                    log.exception("reminder %s: could not tell the office", key)
            return row.status

    # -- retries ----------------------------------------------------------------------------------
    def due_keys(self, limit: int = 200) -> list[str]:
        now = self.clock()
        with self.sessions() as s:
            return list(s.scalars(
                select(ReminderDelivery.key)
                .where(or_(
                    ReminderDelivery.status.in_(OPEN) & (ReminderDelivery.next_attempt_at <= now),
                    (ReminderDelivery.status == "sending") & (ReminderDelivery.claimed_until < now),
                ))
                .order_by(ReminderDelivery.next_attempt_at, ReminderDelivery.id).limit(limit)))

    def retry_due(self) -> dict[str, str]:
        """Try again every row whose backoff has elapsed (or whose claim has expired)."""
        return {key: self.attempt(key) for key in self.due_keys()}

    def status(self, key: str) -> str | None:
        with self.sessions() as s:
            return s.scalar(select(ReminderDelivery.status).where(ReminderDelivery.key == key))

    def statuses(self, keys: Iterable[str]) -> dict[str, str]:
        keys = list(keys)
        if not keys:
            return {}
        with self.sessions() as s:
            return dict(s.execute(select(ReminderDelivery.key, ReminderDelivery.status)
                                  .where(ReminderDelivery.key.in_(keys))).all())
