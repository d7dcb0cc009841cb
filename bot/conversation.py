"""The conversation core: one inbound message in, one reply out, for every channel.

Order matters: the raw message is stored and committed first (nothing a user sends is lost, and a
platform retry hits the (channel, dedup_key) constraint in any process); then the sender is resolved,
the text parsed, a handler chosen and run in one transaction; the reply is rendered from
templates/replies/ and stored on the message; notifications to other people go out after the commit.
Nothing here raises: a failure is logged, stored on the message, and answered in friendly Chinese.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timezone as dt_timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .messages import Inbound, Reply, Sender
from .models import InboundMessage, Person
from .store import Store

log = logging.getLogger(__name__)

FAILED_TEXT = "抱歉，刚才处理这条消息时出了点问题，已记下来由管理员排查。请稍后再试，或换个说法发一次。"
UNKNOWN_SENDER_TEMPLATE = "unknown_sender"


class Conversation:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime], sender: Sender, *,
                 timezone: str = "Asia/Shanghai", parser: Callable[[str, date], Any] | None = None,
                 scorer: Any = None) -> None:
        self.sessions = sessions
        self.clock = clock
        self.sender = sender
        self.tz = ZoneInfo(timezone)
        self._parser = parser
        self._scorer = scorer

    # ------------------------------------------------------------------ time
    def _now(self) -> tuple[datetime, date]:
        """(UTC naive, local date). A naive clock is taken to be UTC."""
        now = self.clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt_timezone.utc)
        return now.astimezone(dt_timezone.utc).replace(tzinfo=None), now.astimezone(self.tz).date()

    @property
    def parser(self) -> Callable[[str, date], Any]:
        if self._parser is None:
            from nlp import parse  # lands with the parser issue

            self._parser = parse
        return self._parser

    @property
    def scorer(self) -> Any:
        if self._scorer is None:
            from . import facts

            self._scorer = facts.DEFAULT_SCORER
        return self._scorer

    # ------------------------------------------------------------------ entry point
    def handle(self, inbound: Inbound) -> Reply:
        try:
            stored = self._store_raw(inbound)
        except Exception:  # the database is down: still never raise into the adapter
            log.exception("could not store inbound message %s/%s", inbound.channel, inbound.dedup_key)
            return Reply(text=FAILED_TEXT)
        if isinstance(stored, Reply):
            return stored
        message_id = stored
        try:
            reply, outbox = self._process(message_id, inbound)
        except Exception as exc:
            log.exception("message %s failed", message_id)
            self._mark_failed(message_id, exc)
            return Reply(text=FAILED_TEXT)
        self._send(outbox)
        return reply

    def _store_raw(self, inbound: Inbound) -> int | Reply:
        now, _ = self._now()
        with self.sessions() as session:
            msg = InboundMessage(channel=inbound.channel[:20], dedup_key=inbound.dedup_key[:200],
                                 account=(inbound.account or "")[:100], conversation_id=inbound.conversation_id,
                                 kind=inbound.kind, text=inbound.text, media=inbound.media,
                                 received_at=inbound.received_at or now)
            session.add(msg)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                stored = session.query(InboundMessage).filter_by(
                    channel=inbound.channel[:20], dedup_key=inbound.dedup_key[:200]).first()
                if stored is not None and self._orphaned(session, stored):
                    return stored.id  # its first delivery died before processing it (worker killed): take over
                return Reply(text=(stored.reply_text or "") if stored else "", duplicate=True)
            return msg.id

    @staticmethod
    def _orphaned(session: Session, stored: InboundMessage) -> bool:
        """Stored but never processed, and nobody processing it now (its row is not locked)."""
        if stored.status != "received" or not _locks(session):
            return False  # SQLite: no row locks, so a retry cannot tell a dead delivery from a running one
        session.rollback()
        row = session.execute(select(InboundMessage.id).where(
            InboundMessage.id == stored.id, InboundMessage.status == "received").with_for_update(skip_locked=True)).first()
        session.rollback()
        return row is not None

    def _process(self, message_id: int, inbound: Inbound) -> tuple[Reply, list]:
        from handlers.base import Context
        from handlers.dispatch import dispatch
        from handlers.replies import render

        now, today = self._now()
        with self.sessions() as session:
            store = Store(session)
            # Locked for the whole unit of work: a retry that takes an orphan over and the first delivery never
            # both process it; whoever comes second sees the status changed and answers as a duplicate.
            msg = session.get(InboundMessage, message_id, with_for_update=_locks(session))
            if msg.status != "received":
                return Reply(text=msg.reply_text or "", duplicate=True), []
            person = store.person_by_account(inbound.channel, inbound.account)
            if person is None:
                text, markdown = render(UNKNOWN_SENDER_TEMPLATE, {"account": inbound.account})
                msg.status, msg.reply_text = "unknown_sender", text
                session.commit()
                return Reply(text=text, markdown=markdown), []
            msg.person_id = person.id
            org = store.organisation(person.org_id)
            ctx = Context(store=store, person=person, org=org, message_id=message_id, now=now, today=today,
                          scorer=self.scorer, text=(inbound.text or "").strip(), kind=inbound.kind, media=inbound.media)
            parsed = None
            if inbound.kind == "text":
                parsed = self.parser(ctx.text, today)
                msg.intent = parsed.intent
            data = dispatch(parsed, ctx)
            text, markdown = render(data.template, data.data)
            text, markdown = self._maybe_ask_plan(ctx, data, text, markdown)
            notes = [(n, *render(n.template, n.data)) for n in ctx.outbox]
            msg.status = data.status
            msg.reply_text = text
            session.commit()
            return Reply(text=text, markdown=markdown, files=list(data.files)), notes

    def _maybe_ask_plan(self, ctx: Any, data: Any, text: str, markdown: str | None) -> tuple[str, str | None]:
        """The day after a planned activity, the next message from its planner also asks whether it happened."""
        from handlers import plan
        from handlers.replies import render

        if ctx.person.role not in plan.ROLES or ctx.store.state(ctx.person.id, ctx.now) is not None:
            return text, markdown
        asked = plan.ask_next(ctx.store, ctx.person.id, ctx.today, ctx.now)
        if asked is None:
            return text, markdown
        q_text, _ = render(*asked)
        return f"{text}\n\n{q_text}", (f"{markdown}\n\n{q_text}" if markdown else None)

    def _mark_failed(self, message_id: int, exc: Exception) -> None:
        try:
            with self.sessions() as session:
                msg = session.get(InboundMessage, message_id)
                if msg is not None:
                    msg.status, msg.error, msg.reply_text = "failed", f"{type(exc).__name__}: {exc}"[:4000], FAILED_TEXT
                    session.commit()
        except Exception:  # pragma: no cover - the database went away mid-message
            log.exception("could not mark message %s failed", message_id)

    def _send(self, outbox: list) -> None:
        for note, text, markdown in outbox:
            try:
                self.sender.send_to_person(note.person_id, text, markdown, key=note.key, reason=note.reason)
            except Exception:
                log.exception("notification %s to person %s failed", note.key, note.person_id)


def _locks(session: Session) -> bool:
    """Row locks (SELECT … FOR UPDATE SKIP LOCKED) exist on PostgreSQL and MariaDB/MySQL, not on SQLite."""
    return session.get_bind().dialect.name in ("postgresql", "mysql", "mariadb")


def fixed_clock(day: date, hour: int = 9, tz: str = "Asia/Shanghai") -> Callable[[], datetime]:
    """A clock that starts at `day` `hour`:00 local time and then runs in real time (console --today)."""
    import time

    start = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz))
    t0 = time.monotonic()

    def clock() -> datetime:
        from datetime import timedelta

        return start + timedelta(seconds=time.monotonic() - t0)

    return clock


def person_account(person: Person, channel: str = "web") -> str:
    """The account a person is addressed by on a channel (web/console: wecom, else dingtalk, else id)."""
    if channel == "dingtalk":
        return person.dingtalk_userid or ""
    if channel == "wecom":
        return person.wecom_userid or ""
    return person.wecom_userid or person.dingtalk_userid or str(person.id)
