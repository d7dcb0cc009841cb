"""People by account and organisations by id, cached per process for a short time (the callback hot path).

Every message needs its sender's Person row and the Organisation row, and they almost never change: reading
them from the database each time was two of a callback's ~16 statements. A `DirectoryCache` keeps a snapshot
of their columns for `ttl` seconds (60 by default) and hands each unit of work its own persistent copy,
attached to that session without SQL, so relationships (`person.branch`) still load lazily and no ORM object
is ever shared between threads.

How fresh it is:
- a write through the ORM in this process (roster import, the web pages, tests) to a Person or Organisation
  row drops every entry at once (a generation counter bumped by Session events; Plan rows have a counter of
  their own, read by the conversation core's "no due plan today" memory);
- the same write also moves the shared `directory` version (table `shared_version`, in the writer's own
  transaction), which every process reads at most once per `check_every` seconds (2 by default) on its next
  lookup: a change made by another process (a `zhibu roster import --apply` on the command line, another
  gunicorn worker, a second machine) reaches every process within a few seconds — a moved or deactivated
  person loses the old rights then, not a minute later. On SQLite alone (one process) the same code runs;
- an unknown account is never cached, so a person imported a moment ago is recognised on their next message.

WeChat Work and DingTalk accounts come from a snapshot of every active person (one query per `ttl`, up to
MAX_ROSTER people); the web and console channels cache one entry per account.
"""
from __future__ import annotations

import copy
import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .models import Organisation, Person, Plan, SharedVersion
from .accounts import ACCOUNT_COLUMNS, attach, person_by_account

log = logging.getLogger(__name__)

MAX_ENTRIES = 20_000
# A write to a Person or Organisation drops the directory; a Plan write only drops what the conversation core
# knows about that planner's due plans (bot/conversation.py), so plan messages keep everything else cached.
DIRECTORY, PLANS = "directory", "plans"
WATCHED: dict[type, str] = {Person: DIRECTORY, Organisation: DIRECTORY, Plan: PLANS}

_counter = itertools.count(1)
_last = [0]  # the counter's last value handed out
_generation = {DIRECTORY: 0, PLANS: 0}
_bump_lock = threading.Lock()


def _tick() -> int:
    _last[0] = next(_counter)
    return _last[0]


def current_mark() -> int:
    """A point in this process's write history: `plan_written_since(person, mark)` compares against it."""
    return _last[0]


def generation(kind: str = DIRECTORY) -> int:
    """Changes whenever this process wrote a watched row of that kind through the ORM."""
    return _generation[kind]


def bump(kind: str = DIRECTORY) -> None:
    with _bump_lock:
        _generation[kind] = _tick()


_plan_writes: dict[int | None, int] = {}  # planner's person id -> counter value of the last Plan write for them


def plan_generation(person_id: int) -> tuple[int, int]:
    """Changes whenever this process wrote a Plan of this person (or plans in bulk) through the ORM."""
    return _generation[PLANS], _plan_writes.get(person_id, 0)


def plan_written_since(person_id: int, mark: int) -> bool:
    return _plan_writes.get(person_id, 0) > mark or _generation[PLANS] > mark


SHARED = "directory"  # the shared_version row every process compares against


def _bump_shared(session: Session) -> None:
    """Move the shared directory version inside the writer's transaction (once per transaction): it becomes
    visible to other processes exactly when the change does."""
    if session.info.get("directory_shared_bumped"):
        return
    session.info["directory_shared_bumped"] = True
    session.connection().execute(update(SharedVersion).where(SharedVersion.name == SHARED)
                                 .values(value=SharedVersion.value + 1))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end_transaction(session: Session) -> None:
    session.info.pop("directory_shared_bumped", None)


def _touched(session: Session, kind: str, planners: set | None = None) -> None:
    info = session.info.setdefault("directory_touched", {})
    if planners is None:
        info[kind] = None
        bump(kind)
        if kind == DIRECTORY:
            _bump_shared(session)
        return
    known = info.setdefault(kind, set())
    if known is not None:
        known.update(planners)
    _bump_planners(planners)


def _bump_planners(planners: set) -> None:
    with _bump_lock:
        if len(_plan_writes) > MAX_ENTRIES:
            _plan_writes.clear()
            _generation[PLANS] = _tick()
        for person_id in planners:
            _plan_writes[person_id] = _tick()


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: Any) -> None:
    directory, planners = False, set()
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        kind = WATCHED.get(type(obj))
        if kind == DIRECTORY:
            directory = True
        elif kind == PLANS:
            planners.add(obj.created_by)
    if directory:
        _touched(session, DIRECTORY)
    if planners:
        _touched(session, PLANS, planners)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Again at commit: a reader that queried between our flush and our commit saw the old row.
    for kind, planners in session.info.pop("directory_touched", {}).items():
        if planners is None:
            bump(kind)
        else:
            _bump_planners(planners)


@event.listens_for(Session, "do_orm_execute")
def _bulk_write(state: Any) -> None:
    """update(Person)… / delete(Plan)… executed through a session (no objects in the unit of work)."""
    if state.is_select:
        return
    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in WATCHED:
        _touched(state.session, WATCHED[mapper.class_])


@dataclass(frozen=True)
class _Entry:
    gen: int
    until: float
    values: dict


def _values(obj: Any) -> dict:
    return {attr.key: copy.deepcopy(getattr(obj, attr.key)) for attr in obj.__mapper__.column_attrs}


def _attach(session: Session, cls: type, values: dict) -> Any:
    """A persistent instance of `cls` in `session` with these column values, without a SELECT."""
    return attach(session, cls, copy.deepcopy(values) if cls is Organisation else dict(values))  # settings: JSON


MAX_ROSTER = 50_000  # more active people than this: look each one up (and cache it) instead of the whole roster


class DirectoryCache:
    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic, *,
                 check_every: float = 2.0) -> None:
        self.ttl = ttl
        self.check_every = check_every
        self._seen_shared: int | None = None
        self._checked_at: float | None = None
        self._clock = clock
        self._people: dict[tuple[str, str], _Entry] = {}
        self._orgs: dict[int, _Entry] = {}
        # Every active person by (channel, account), read in one query at most once per ttl: a committee's
        # people each send a few messages a day, so one entry per person would expire before it was used again.
        self._roster: _Entry | None = None
        self._reloading = threading.Lock()

    def _roster_people(self, session: Session) -> dict | None:
        """The roster snapshot, reloaded when older than ttl or after a write in this process; None: not in use."""
        from .store import Store

        roster = self._roster
        if self._fresh(roster):
            return roster.values
        if not self._reloading.acquire(blocking=False):  # another thread is reloading it
            return roster.values if roster is not None and roster.gen == _generation[DIRECTORY] else None
        try:
            gen = _generation[DIRECTORY]
            rows = Store(session).active_people(limit=MAX_ROSTER + 1)
            people: dict[tuple[str, str], dict] | None = None
            if len(rows) <= MAX_ROSTER:
                people = {}
                for values in rows:
                    for channel, col in ACCOUNT_COLUMNS.items():
                        if values[col]:
                            people[(channel, values[col])] = values
            self._roster = _Entry(gen, self._clock() + self.ttl, people)
            return people
        finally:
            self._reloading.release()

    def _fresh(self, entry: _Entry | None) -> bool:
        return entry is not None and entry.gen == _generation[DIRECTORY] and entry.until > self._clock()

    def _put(self, table: dict, key: Any, gen: int, obj: Any) -> None:
        if len(table) >= MAX_ENTRIES:
            table.clear()
        table[key] = _Entry(gen, self._clock() + self.ttl, _values(obj))

    def _follow_shared(self, session: Session) -> None:
        """At most once per `check_every` seconds: has any process written the directory since we last looked?"""
        now = self._clock()
        if self._checked_at is not None and now - self._checked_at < self.check_every:
            return
        self._checked_at = now
        value = session.execute(select(SharedVersion.value).where(SharedVersion.name == SHARED)).scalar()
        if value is None:
            value = self._create_shared(session)
        if value is None:
            return
        if self._seen_shared is not None and value != self._seen_shared:
            bump(DIRECTORY)
        self._seen_shared = value

    @staticmethod
    def _create_shared(session: Session) -> int | None:
        """The counter row, made once (by whoever reads first) outside the caller's unit of work; None when that
        could not be done now (tried again at the next check; the ttl still bounds staleness meanwhile)."""
        bind = session.get_bind()
        engine = getattr(bind, "engine", bind)
        try:
            with engine.begin() as conn:
                conn.execute(insert(SharedVersion).values(name=SHARED, value=0))
        except IntegrityError:
            return None  # another process made it a moment ago: read it at the next check
        except SQLAlchemyError:
            log.warning("could not create the shared directory version", exc_info=True)
            return None
        return 0

    def person(self, session: Session, channel: str, account: str) -> Person | None:
        """`person_by_account`, cached: accounts of platforms with their own (WeChat Work, DingTalk) from the
        roster snapshot, other channels (web, console) one entry per account."""
        self._follow_shared(session)
        if channel in ACCOUNT_COLUMNS:
            people = self._roster_people(session)
            if people is not None:
                values = people.get((channel, account))
                if values is not None:
                    return _attach(session, Person, values)
                return person_by_account(session, channel, account)  # imported since the snapshot?
        key = (channel, account)
        entry = self._people.get(key)
        if self._fresh(entry):
            return _attach(session, Person, entry.values)
        gen = _generation[DIRECTORY]
        person = person_by_account(session, channel, account)
        if person is not None:
            self._put(self._people, key, gen, person)
        return person

    def organisation(self, session: Session, org_id: int) -> Organisation | None:
        """`Store.organisation(org_id)`, cached."""
        from .store import Store

        self._follow_shared(session)
        entry = self._orgs.get(org_id)
        if self._fresh(entry):
            return _attach(session, Organisation, entry.values)
        gen = _generation[DIRECTORY]
        org = Store(session).organisation(org_id)
        if org is not None:
            self._put(self._orgs, org_id, gen, org)
        return org

    def clear(self) -> None:
        self._people.clear()
        self._orgs.clear()
