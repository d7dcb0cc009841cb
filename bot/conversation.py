"""The conversation core: one inbound message in, one reply out, for every channel.

Order matters: the raw message is stored and committed first (nothing a user sends is lost, and a
platform retry hits the (channel, dedup_key) constraint in any process); then the sender is resolved,
the text parsed, a handler chosen and run in one transaction; the reply is rendered from
templates/replies/ and stored on the message; notifications to other people go out after the commit.
Nothing here raises: a failure is logged, stored on the message, and answered in friendly Chinese.

This is the callback hot path (docs/conversation.md, "What one message costs"): one pooled connection per
message, statements built once, the sender and organisation from a per-process cache.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import date, datetime, timezone as dt_timezone
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo


from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handlers.replies import render

from .directory_cache import PLANS, DirectoryCache, current_mark, generation, plan_generation, plan_written_since
from .messages import Inbound, Reply, Sender
from .models import InboundMessage
from .store import Store

log = logging.getLogger(__name__)

FAILED_TEXT = render("failed", {})[0]  # rendered once: it must be at hand when the database is not
UNKNOWN_SENDER_TEMPLATE = "unknown_sender"
MAX_PLAN_CHECKS = 50_000
_MESSAGES = InboundMessage.__table__
# Built once: constructing a statement costs about as much as executing it.
_INSERT_MESSAGE = insert(_MESSAGES)
_READ_MESSAGE = select(_MESSAGES.c.status, _MESSAGES.c.reply_text).where(_MESSAGES.c.id == bindparam("mid"))
_LOCK_MESSAGE = _READ_MESSAGE.with_for_update()
_FIND_MESSAGE = select(_MESSAGES.c.id, _MESSAGES.c.status, _MESSAGES.c.reply_text).where(
    _MESSAGES.c.channel == bindparam("channel"), _MESSAGES.c.dedup_key == bindparam("dedup_key"))
_FINISH_MESSAGE = update(_MESSAGES).where(_MESSAGES.c.id == bindparam("mid"))  # SET: the columns given


class Conversation:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime], sender: Sender, *,
                 timezone: str = "Asia/Shanghai", parser: Callable[[str, date], Any] | None = None,
                 scorer: Any = None, config: Any = None) -> None:
        from .config import settings

        self.sessions = sessions
        self.config = config if config is not None else settings()  # handed to handlers (ctx.config)
        self.clock = clock
        self.sender = sender
        self.tz = ZoneInfo(timezone)
        self._parser = parser
        self._scorer = scorer
        self.directory = DirectoryCache()
        # (local day, write mark, people with due plans that day, {person id: plan generation} checked one by one)
        self._plans_checked: tuple[date | None, int, set[int], dict[int, tuple[int, int]]] = (None, 0, set(), {})

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
        now, today = self._now()
        outcome: Reply | int | None = None  # a Reply to return, or the id of a stored message whose processing failed
        outbox: list = []
        failure: Exception | None = None
        try:
            # One pooled connection for the whole message (one checkout, one pre-ping): the raw message is
            # committed on it first, then the unit of work runs on it in a second transaction.
            with self._session() as session:
                outcome = self._store_raw(session, inbound, now)
                if isinstance(outcome, int):
                    message_id = outcome
                    try:
                        outcome, outbox = self._process(session, message_id, inbound, now, today)
                    except Exception as exc:
                        log.exception("message %s failed", message_id)
                        failure = exc
                        session.rollback()
        except Exception:
            if outcome is None:  # the database is down: still never raise into the adapter
                log.exception("could not store inbound message %s/%s", inbound.channel, inbound.dedup_key)
                return Reply(text=FAILED_TEXT)
            log.exception("closing the session of message %s/%s failed", inbound.channel, inbound.dedup_key)
        if isinstance(outcome, int):  # stored, then failed (or the rollback of the failure failed)
            self._mark_failed(outcome, failure or RuntimeError("processing interrupted"))
            return Reply(text=FAILED_TEXT)
        self._send(outbox)
        return outcome

    def resume(self, message_id: int) -> tuple[Inbound, Reply] | None:
        """Process a message that was stored but never finished (a worker died in between; bot/recovery.py).

        Taken under SKIP LOCKED, so never one a live worker is processing; None when it is locked, finished or
        gone. The text is read as on the day it arrived ("今天开了支委会" sent yesterday means yesterday)."""
        now, _ = self._now()
        outbox: list = []
        with self._session() as session:
            q = select(_MESSAGES).where(_MESSAGES.c.id == message_id, _MESSAGES.c.status == "received")
            row = session.execute(q.with_for_update(skip_locked=True) if _locks(session) else q).first()
            if row is None:
                session.rollback()
                return None
            inbound = Inbound(channel=row.channel, account=row.account, dedup_key=row.dedup_key, text=row.text or "",
                              kind=row.kind, received_at=row.received_at, conversation_id=row.conversation_id,
                              media=row.media)
            arrived = (row.received_at or now).replace(tzinfo=dt_timezone.utc).astimezone(self.tz).date()
            try:
                reply, outbox = self._process(session, message_id, inbound, now, arrived)
            except Exception as exc:
                log.exception("recovering message %s failed", message_id)
                session.rollback()
                self._mark_failed(message_id, exc)
                return inbound, Reply(text=FAILED_TEXT)
        self._send(outbox)
        return inbound, reply

    def find(self, channel: str, dedup_key: str) -> Any:
        """The stored message (id, status, reply_text), or None: a platform retry is recognised by it."""
        with self.sessions() as session:
            return session.execute(_FIND_MESSAGE, {"channel": channel[:20], "dedup_key": dedup_key[:200]}).first()

    def stored_reply(self, channel: str, dedup_key: str) -> str | None:
        """The answer stored for a finished message ('' when it had none), None while it is still being processed
        (or not stored)."""
        row = self.find(channel, dedup_key)
        if row is None or row.status == "received":
            return None
        return row.reply_text or ""

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A Session bound to one connection checked out for the whole message (when the factory has an engine)."""
        engine = self.sessions.kw.get("bind")
        if engine is None or not hasattr(engine, "connect"):
            with self.sessions() as session:
                yield session
            return
        with engine.connect() as conn, self.sessions(bind=conn) as session:
            yield session

    def _store_raw(self, session: Session, inbound: Inbound, now: datetime) -> int | Reply:
        """INSERT and COMMIT the raw message (a Core statement: no ORM object is needed for it)."""
        values = dict(channel=inbound.channel[:20], dedup_key=inbound.dedup_key[:200],
                      account=(inbound.account or "")[:100], conversation_id=inbound.conversation_id,
                      kind=inbound.kind, text=inbound.text, media=inbound.media, received_at=inbound.received_at or now,
                      status="received")
        find = {"channel": values["channel"], "dedup_key": values["dedup_key"]}
        if session.get_bind().dialect.name in ("mysql", "mariadb"):
            # InnoDB makes an INSERT of a duplicate key wait for the lock the first delivery holds on that row
            # while it works, and then picks one of the two as a deadlock victim. A plain read first (it never
            # waits) recognises a retry without inserting; two first deliveries at once still meet the constraint.
            stored = session.execute(_FIND_MESSAGE, find).first()
            session.rollback()
            if stored is not None:
                return self._repeated(session, stored)
        try:
            message_id = session.connection().execute(_INSERT_MESSAGE, values).inserted_primary_key[0]
            session.commit()
        except IntegrityError:
            session.rollback()
            return self._repeated(session, session.execute(_FIND_MESSAGE, find).first())
        return message_id

    def _repeated(self, session: Session, stored: Any) -> int | Reply:
        """A message stored before: take it over when its first delivery died, else answer as a duplicate."""
        if stored is not None and self._orphaned(session, stored.id, stored.status):
            return stored.id  # its first delivery died before processing it (worker killed): take over
        return Reply(text=(stored.reply_text or "") if stored else "", duplicate=True)

    @staticmethod
    def _orphaned(session: Session, message_id: int, status: str) -> bool:
        """Stored but never processed, and nobody processing it now (its row is not locked)."""
        if status != "received" or not _locks(session):
            return False  # SQLite: no row locks, so a retry cannot tell a dead delivery from a running one
        session.rollback()
        row = session.execute(select(_MESSAGES.c.id).where(
            _MESSAGES.c.id == message_id, _MESSAGES.c.status == "received").with_for_update(skip_locked=True)).first()
        session.rollback()
        return row is not None

    def _process(self, session: Session, message_id: int, inbound: Inbound, now: datetime,
                 today: date) -> tuple[Reply, list]:
        from handlers.base import Context
        from handlers.dispatch import dispatch
        from handlers.replies import render

        store = Store(session)
        # Locked for the whole unit of work: a retry that takes an orphan over and the first delivery never
        # both process it; whoever comes second sees the status changed and answers as a duplicate.
        conn = session.connection()
        status, reply_text = conn.execute(_LOCK_MESSAGE if _locks(session) else _READ_MESSAGE, {"mid": message_id}).one()
        if status != "received":
            session.rollback()
            return Reply(text=reply_text or "", duplicate=True), []
        person = self.directory.person(session, inbound.channel, inbound.account) if inbound.account else None
        if person is None:
            text, markdown = render(UNKNOWN_SENDER_TEMPLATE, {"account": inbound.account})
            self._finish(session, message_id, status="unknown_sender", reply_text=text)
            return Reply(text=text, markdown=markdown), []
        org = self.directory.organisation(session, person.org_id)
        ctx = Context(store=store, person=person, org=org, message_id=message_id, now=now, today=today,
                      scorer=self.scorer, text=(inbound.text or "").strip(), kind=inbound.kind, media=inbound.media,
                      is_group=inbound.is_group, sender=self.sender, config=self.config)
        parsed = None
        if inbound.kind == "text":
            parsed = self.parser(ctx.text, today)
        data = dispatch(parsed, ctx)
        text, markdown = render(data.template, data.data)
        text, markdown = self._maybe_ask_plan(ctx, data, text, markdown)
        notes = [(n, *render(n.template, n.data)) for n in ctx.outbox]
        stored = text
        for secret in data.secrets:  # a login link is answered once and never kept in clear
            stored = stored.replace(secret, "〔链接已隐去〕")
        self._finish(session, message_id, person_id=person.id, intent=parsed.intent if parsed is not None else None,
                     status=data.status, reply_text=stored)
        return Reply(text=text, markdown=markdown, files=list(data.files)), notes

    @staticmethod
    def _finish(session: Session, message_id: int, **values: Any) -> None:
        """One UPDATE of the message row (person, intent, status, reply), then COMMIT."""
        session.connection().execute(_FINISH_MESSAGE, {"mid": message_id, **values})
        session.commit()

    def _maybe_ask_plan(self, ctx: Any, data: Any, text: str, markdown: str | None) -> tuple[str, str | None]:
        """The day after a planned activity, the next message from its planner also asks whether it happened."""
        from handlers import plan
        from handlers.replies import render

        if ctx.person.role not in plan.INTENT.roles or ctx.store.state(ctx.person.id, ctx.now) is not None:
            return text, markdown
        if self._no_due_plans(ctx.store, ctx.person.id, ctx.today):
            return text, markdown
        gen = plan_generation(ctx.person.id)
        asked = plan.ask_next(ctx.store, ctx.person.id, ctx.today, ctx.now) \
            if ctx.store.has_due_plan(ctx.person.id, ctx.today) else None
        if asked is None:
            self._remember_no_due_plans(ctx.person.id, ctx.today, gen)
            return text, markdown
        q_text, _ = render(*asked)
        return f"{text}\n\n{q_text}", (f"{markdown}\n\n{q_text}" if markdown else None)

    def _no_due_plans(self, store: Store, person_id: int, today: date) -> bool:
        """Known today: this person has no plan whose day has passed.

        Who has due plans is read once per process per local day (`Store.due_planners`): a plan is always made
        for today or later, so none can fall due before the day changes. A Plan written for this person in this
        process since then, or a person with a due plan, is checked on their own and remembered until their
        plans change again."""
        day, mark, due, checked = self._plans_checked
        if day != today or generation(PLANS) > mark:
            mark = current_mark()
            due, checked = store.due_planners(today), {}
            self._plans_checked = (today, mark, due, checked)
        if person_id not in due and not plan_written_since(person_id, mark):
            return True
        return checked.get(person_id) == plan_generation(person_id)

    def _remember_no_due_plans(self, person_id: int, today: date, gen: tuple[int, int]) -> None:
        day, _mark, _due, checked = self._plans_checked
        if day == today and len(checked) < MAX_PLAN_CHECKS:
            checked[person_id] = gen

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
