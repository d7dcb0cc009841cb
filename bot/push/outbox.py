"""Exactly-once delivery: a row per message in `outbound_message`, claims between processes, retries with backoff."""
from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from ..models import OutboundMessage, utcnow
from ..reminders.lease import ClaimKeeper, worker_id
from .http import REFRESH, RETRY, PlatformError, redact
from .ratelimit import RateLimiter, SharedRateLimiter

log = logging.getLogger("bot.push")


@dataclass
class Backoff:
    attempts: int = 5
    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def wait(self) -> wait_exponential:
        """The pause after attempt n: base * factor**(n-1) seconds, at most `cap`."""
        return wait_exponential(multiplier=self.base, exp_base=self.factor, max=self.cap)


@dataclass
class Delivery:
    sent: bool
    status: str  # sent / duplicate / failed / in_flight
    attempts: int = 0
    error: str | None = None


class Outbox:
    """Exactly-once delivery with a log row per message (`outbound_message`, unique `idem_key`).

    A row is `sent` only once the platform accepted the call. While a process works on a row it holds a claim
    (`claimed_by`, `claimed_until`) that it keeps renewing (bot/reminders/lease.py `ClaimKeeper`): another
    process finds the row `in_flight` (not sent) while the holder lives, and takes it over once the claim has
    lapsed because the holder died.
    """

    CLAIM_SECONDS = 30.0

    def __init__(self, sessions: sessionmaker[Session], *, limiter: RateLimiter | SharedRateLimiter | None = None,
                 backoff: Backoff | None = None, claim_seconds: float | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.limiter = limiter or SharedRateLimiter(sessions)  # shared by every process
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.holder = worker_id()
        self.keeper = ClaimKeeper(sessions, OutboundMessage, "idem_key", ("pending",), holder=self.holder,
                                  ttl=claim_seconds or self.CLAIM_SECONDS, clock=clock)

    def _claim(self, key: str, platform: str, target: str, kind: str, payload: dict, reason: str) -> str:
        """'new' when this call owns the message; 'sent' / 'in_flight' when someone else has it."""
        with self.sessions() as s:
            s.add(OutboundMessage(idem_key=key, platform=platform, target=target, kind=kind, payload=payload,
                                  reason=reason[:300], status="pending", claimed_by=self.holder,
                                  claimed_until=self.keeper.until()))
            try:
                s.commit()
                return "new"
            except IntegrityError:
                s.rollback()
            row = s.execute(select(OutboundMessage).where(OutboundMessage.idem_key == key)).scalar_one()
            if row.status == "sent":
                return "sent"
            # rows written before claims existed have no claimed_until: their creation time stands in for it
            until = row.claimed_until or (row.created_at + self.keeper.ttl if row.created_at else None)
            if row.status == "pending" and self.keeper.alive(until):
                return "in_flight"
            same = OutboundMessage.claimed_until.is_(None) if row.claimed_until is None \
                else OutboundMessage.claimed_until == row.claimed_until
            took = s.execute(update(OutboundMessage).where(OutboundMessage.id == row.id,
                                                           OutboundMessage.status == row.status,
                                                           OutboundMessage.attempts == row.attempts, same)
                             .values(status="pending", claimed_by=self.holder, claimed_until=self.keeper.until())
                             .execution_options(synchronize_session=False)).rowcount
            s.commit()
            return "new" if took == 1 else "in_flight"

    def known(self, key: str) -> bool:
        """Whether anything was ever sent, or tried, under this key."""
        with self.sessions() as s:
            return s.scalar(select(OutboundMessage.id).where(OutboundMessage.idem_key == key)) is not None

    def _finish(self, key: str, status: str, attempts: int, error: str | None) -> None:
        """Record the outcome. `sent` is the platform's word and always stands; a failure is recorded only by
        the claim's holder (a process whose claim lapsed and was taken over does not overwrite the new one)."""
        q = update(OutboundMessage).where(OutboundMessage.idem_key == key)
        if status != "sent":
            q = q.where(OutboundMessage.claimed_by == self.holder, OutboundMessage.status != "sent")
        with self.sessions() as s:
            s.execute(q.values(status=status, attempts=OutboundMessage.attempts + attempts, last_error=error,
                               sent_at=self.clock() if status == "sent" else None, claimed_until=None)
                      .execution_options(synchronize_session=False))
            s.commit()

    def _seed_limiter(self, rate_key: str, target: str) -> None:
        if not isinstance(self.limiter, RateLimiter) or rate_key in self.limiter._sent:
            return  # a shared limiter counts in the database already
        since = utcnow() - timedelta(seconds=self.limiter.window)
        with self.sessions() as s:
            times = s.execute(select(OutboundMessage.sent_at).where(
                OutboundMessage.target == target, OutboundMessage.status == "sent",
                OutboundMessage.sent_at >= since)).scalars().all()
        now = utcnow()
        self.limiter.seed(rate_key, [(now - t).total_seconds() for t in times if t])

    def deliver(self, key: str, *, platform: str, target: str, kind: str, payload: dict, reason: str,
                call: Callable[[], Any], rate_key: str | None = None) -> Delivery:
        claim = self._claim(key, platform, target, kind, payload, reason)
        if claim == "sent":
            return Delivery(True, "duplicate")
        if claim == "in_flight":  # another live process is sending it: not (yet) accepted, so not sent
            return Delivery(False, "in_flight", 0, "另一进程正在发送（尚未确认）")
        with self.keeper.holding(key):
            return self._attempts(key, platform=platform, target=target, kind=kind, call=call, reason=reason,
                                  rate_key=rate_key)

    def _attempts(self, key: str, *, platform: str, target: str, kind: str, call: Callable[[], Any], reason: str,
                  rate_key: str | None) -> Delivery:
        """Call until the platform accepts, under tenacity: a rejected token is refreshed once at once (the client
        dropped it), busy/rate-limit/network errors wait `backoff` between attempts, anything else gives up."""
        if rate_key:
            self._seed_limiter(rate_key, target)
        refreshed, backoff, attempts = False, self.backoff.wait(), 0

        def pause(state: RetryCallState) -> float:
            nonlocal refreshed
            exc = state.outcome.exception()
            if exc.action == REFRESH and not refreshed:
                refreshed = True
                log.warning("%s token rejected (%s), refreshing", platform, exc.code)
                return 0.0
            if exc.rate_limited and rate_key:
                self.limiter.penalise(rate_key)
            delay = backoff(state)
            log.warning("%s %s to %s failed (%s), retry in %.1fs", platform, kind, target, exc.code, delay)
            return delay

        retrying = Retrying(stop=stop_after_attempt(self.backoff.attempts), wait=pause, reraise=True,
                            retry=retry_if_exception(lambda e: isinstance(e, PlatformError) and e.action in (RETRY, REFRESH)),
                            sleep=lambda seconds: self.backoff.sleep(seconds) if seconds else None)
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    with self.limiter.slot(rate_key) if rate_key else nullcontext():
                        call()
        except PlatformError as exc:
            error = f"{exc.code}: {exc.message}"
        except Exception as exc:  # a bug or a missing file: logged, not retried
            error = f"{type(exc).__name__}: {redact(str(exc))[:200]}"
        else:
            self._finish(key, "sent", attempts, None)
            log.info("sent %s %s to %s (%s)", platform, kind, target, reason or key)
            return Delivery(True, "sent", attempts)
        self._finish(key, "failed", attempts, error)
        log.error("giving up on %s %s to %s after %d attempt(s): %s", platform, kind, target, attempts, error)
        return Delivery(False, "failed", attempts, error)

    def record(self, key: str, *, platform: str, target: str, kind: str, payload: dict, reason: str,
               status: str = "sent", error: str | None = None) -> Delivery:
        """Log a message that needs no platform call (the local web chat inbox)."""
        claim = self._claim(key, platform, target, kind, payload, reason)
        if claim != "new":
            return Delivery(claim == "sent", "duplicate" if claim == "sent" else claim)
        self._finish(key, status, 1, error)
        return Delivery(status == "sent", status, 1, error)


@dataclass
class Outgoing:
    """One message a platform has prepared: the call the outbox makes (None: only logged, the web chat's inbox)."""

    channel: str  # outbound_message.platform: wecom_app, wecom_robot, dingtalk_app, dingtalk_robot, web, …
    kind: str  # text / markdown / file / image, or the platform's own message type
    call: Callable[[], Any] | None
    rate_limited: bool = False  # a group robot: queued per chat (20 a minute)
    payload: dict | None = None  # what the log row keeps, when the platform sends something else than asked
