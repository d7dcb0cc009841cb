"""Messages that were stored but never answered: a worker died between storing a message and finishing it.

The raw message is committed before anything else (bot/conversation.py), so a worker killed mid-message
(SIGKILL, OOM, gunicorn's timeout, a machine going down) leaves it as status `received`. WeChat Work retries an
unanswered callback and the retry takes the orphan over; DingTalk never retries, and WeChat Work's retries are
over within seconds, so a message can still be left behind. The scheduler's leader therefore looks every minute
for messages still `received` after `GRACE` and takes each over (`Conversation.resume`: SKIP LOCKED, so never
one a live worker holds; on SQLite, which has no row locks, the grace period alone keeps them apart: no
callback runs that long). The reply goes out through the platform's send API under the same idempotency key as
a late reply, so a first delivery that did answer is never answered twice, and it says that it comes late.

Only the last `MAX_AGE` is looked at: an answer days later would confuse more than help. `zhibu inbox stranded`
lists every message left behind, whatever its age, for the office.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from handlers.replies import render

from .messages import Inbound, Reply
from .models import InboundMessage, utcnow

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=2)  # far beyond a callback's life (3.5 s budget, gunicorn kills a worker after 30 s)
MAX_AGE = timedelta(hours=24)
BATCH = 100


@dataclass
class RecoveryReport:
    found: int = 0
    recovered: list[int] = field(default_factory=list)  # message ids processed now
    skipped: list[int] = field(default_factory=list)  # taken meanwhile by someone else, or finished
    unsent: list[int] = field(default_factory=list)  # processed, but no channel could carry the reply

    def add(self, other: "RecoveryReport") -> None:
        self.found += other.found
        self.recovered += other.recovered
        self.skipped += other.skipped
        self.unsent += other.unsent

    def summary(self) -> str:
        return (f"{self.found} stranded, {len(self.recovered)} recovered, {len(self.skipped)} skipped, "
                f"{len(self.unsent)} replies not delivered")


def stranded(sessions: sessionmaker[Session], now: datetime, *, grace: timedelta = GRACE,
             max_age: timedelta | None = MAX_AGE, limit: int = BATCH) -> list[InboundMessage]:
    """Messages still `received` GRACE after they arrived, oldest first (bounded by the received_at index)."""
    q = select(InboundMessage).where(InboundMessage.status == "received", InboundMessage.received_at < now - grace)
    if max_age is not None:
        q = q.where(InboundMessage.received_at >= now - max_age)
    with sessions() as s:
        rows = list(s.scalars(q.order_by(InboundMessage.received_at, InboundMessage.id).limit(limit)))
        s.expunge_all()
    return rows


def recover(conversation: Any, sender: Any, *, now: datetime | None = None, grace: timedelta = GRACE,
            max_age: timedelta | None = MAX_AGE, limit: int = BATCH) -> RecoveryReport:
    """Take over and answer the stranded messages (one batch). Never raises for one bad message."""
    now = now or utcnow()
    if now.tzinfo is not None:  # received_at is naive UTC
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    report = RecoveryReport()
    for msg in stranded(conversation.sessions, now, grace=grace, max_age=max_age, limit=limit):
        report.found += 1
        try:
            done = conversation.resume(msg.id)
        except Exception:  # noqa: BLE001 - resume logs and marks its own failures; this is the last guard
            log.exception("recovering message %s failed", msg.id)
            report.skipped.append(msg.id)
            continue
        if done is None:
            report.skipped.append(msg.id)
            continue
        inbound, reply = done
        report.recovered.append(msg.id)
        if not _answer(sender, inbound, reply, _local(inbound.received_at or now, conversation.tz),
                       lambda mid=msg.id: _person_of(conversation, mid)):
            report.unsent.append(msg.id)
    if report.found:
        log.warning("inbox recovery: %s", report.summary())
    return report


def _person_of(conversation: Any, message_id: int) -> int | None:
    """Who sent it, as the processing just found out (stored on the message)."""
    with conversation.sessions() as s:
        return s.scalar(select(InboundMessage.person_id).where(InboundMessage.id == message_id))


def _local(utc_naive: datetime, tz: Any) -> str:
    t = utc_naive.replace(tzinfo=timezone.utc).astimezone(tz)
    return f"{t.month}月{t.day}日{t.hour}:{t.minute:02d}"


def _answer(sender: Any, inbound: Inbound, reply: Reply, when: str, person_of: Callable[[], int | None]) -> bool:
    """The reply, introduced as late, on the channel the message came from (same key as a late reply)."""
    if not (reply.text or reply.files) or inbound.kind == "event":
        return True  # nothing to say, or a greeting for opening the app minutes ago: better left unsaid
    said = inbound.text or {"image": "照片", "file": "文件"}.get(inbound.kind, "消息")
    intro, _ = render("late_reply", {"when": when, "text": said[:30], "cut": len(said) > 30})
    text = f"{intro}\n{reply.text}" if reply.text else ""
    markdown = f"{intro}\n\n{reply.markdown}" if reply.markdown else None
    key = f"reply:{inbound.channel}:{inbound.dedup_key}"
    sent = sender.send_to_user_id(inbound.channel, inbound.account, text, markdown, key=key,
                                  reason="recovered reply", files=list(reply.files))
    if sent is not None:
        return bool(sent)
    person_id = person_of() if text else None  # web / console: through the person's own inbox
    if person_id is not None:
        return bool(sender.send_to_person(person_id, text, markdown, key=key, reason="recovered reply"))
    return False
