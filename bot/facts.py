"""Database rows -> scoring.BranchFacts, and score cards for a committee in a few queries.

Exports, reminders, the dashboard and the chat handlers all come through here, so a score is
computed in one place (the scoring core) from one reading of the store.
"""
from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy import Integer, bindparam, case, func, cast, literal_column, null, select, union_all
from sqlalchemy.orm import Session

import scoring
from scoring import Activity, Award, BranchFacts, Declaration, Incident, ScoreCard
from scoring.engine import score_indexed
from scoring.index import ActivityIndex, index_rows, year_window

from .models import ActivityRecord, Award as AwardRow, Branch, Declaration as DeclarationRow, Group
from .models import Incident as IncidentRow, Organisation, ScoreEntry


@lru_cache(maxsize=16)
def rubric_for(rubric_id: str) -> Any:
    """Rubrics are validated data files: load each once per process."""
    return scoring.load_rubric(rubric_id or scoring.DEFAULT_RUBRIC)


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _declaration_value(value: str | None) -> str | float | bool:
    if value is None or value == "" or value.lower() == "true":
        return True
    try:
        return float(value)
    except ValueError:
        return value


def _facts_for(branches: Sequence[Branch], year: int, session: Session, id_query: Any = None) -> dict[int, BranchFacts]:
    """Facts of several branches: one query per table, whatever the number of branches."""
    if not branches:
        return {}
    ids = [b.id for b in branches]
    start, end = _year_bounds(year)
    acts: dict[int, list[Activity]] = defaultdict(list)
    id_filter = _in(ids, id_query)
    rows = session.execute(select(
        ActivityRecord.id, ActivityRecord.branch_id, ActivityRecord.code, ActivityRecord.date, ActivityRecord.expected,
        ActivityRecord.present, ActivityRecord.hours, ActivityRecord.speaker, ActivityRecord.speaker_role,
        ActivityRecord.topic).where(
        id_filter(ActivityRecord.branch_id), ActivityRecord.deleted_at.is_(None),
        ActivityRecord.date >= start, ActivityRecord.date <= end).order_by(ActivityRecord.date, ActivityRecord.id))
    for rid, bid, code, d, exp, pres, hours, speaker, srole, topic in rows:
        acts[bid].append(Activity(code=code, date=d, expected=exp, present=pres, hours=hours, speaker=speaker,
                                  speaker_role=srole, topic=topic, id=str(rid)))
    decls, incs, awards = _other_facts(session, year, id_filter)
    group_names = _group_names(session, {b.group_id for b in branches if b.group_id is not None})
    out = {}
    for b in branches:
        out[b.id] = BranchFacts(
            branch_id=str(b.id), name=b.name, kind="functional" if b.kind == "functional" else "formal",
            founded=b.founded, group=group_names.get(b.group_id), activities=tuple(acts[b.id]),
            declarations=decls.get(b.id, ()), incidents=incs.get(b.id, ()), awards=awards.get(b.id, ()))
    return out


def _other_facts(session: Session, year: int, id_filter: Any) -> tuple[dict[int, tuple[Declaration, ...]],
                                                                      dict[int, tuple[Incident, ...]],
                                                                      dict[int, tuple[Award, ...]]]:
    """Declarations, incidents and awards of the branches `id_filter` selects: {branch id: facts}.

    An award a branch declared itself and the office has not confirmed (`pending`) is no fact yet: it counts
    from its confirmation on (the score reply and the office's page list it as 待确认 meanwhile)."""
    start, end = _year_bounds(year)
    decls: dict[int, list[Declaration]] = defaultdict(list)
    incs: dict[int, list[Incident]] = defaultdict(list)
    awards: dict[int, list[Award]] = defaultdict(list)
    for rid, bid, key, value, d in session.execute(select(
            DeclarationRow.id, DeclarationRow.branch_id, DeclarationRow.key, DeclarationRow.value, DeclarationRow.date)
            .where(id_filter(DeclarationRow.branch_id), DeclarationRow.year == year, DeclarationRow.deleted_at.is_(None))
            .order_by(DeclarationRow.id)):
        decls[bid].append(Declaration(key=key, value=_declaration_value(value), date=d, id=str(rid)))
    for rid, bid, key, d, count, event, note in session.execute(select(
            IncidentRow.id, IncidentRow.branch_id, IncidentRow.key, IncidentRow.date, IncidentRow.count, IncidentRow.event,
            IncidentRow.note).where(id_filter(IncidentRow.branch_id), IncidentRow.deleted_at.is_(None),
                                    IncidentRow.date >= start, IncidentRow.date <= end).order_by(IncidentRow.id)):
        incs[bid].append(Incident(key=key, date=d, count=count or 1, event=event, note=note or "", id=str(rid)))
    for rid, bid, key, level, d, note in session.execute(select(
            AwardRow.id, AwardRow.branch_id, AwardRow.key, AwardRow.level, AwardRow.date, AwardRow.note).where(
            id_filter(AwardRow.branch_id), AwardRow.deleted_at.is_(None), AwardRow.pending.is_(False),
            AwardRow.date >= start, AwardRow.date <= end).order_by(AwardRow.id)):
        awards[bid].append(Award(key=key, level=level, date=d, note=note or "", id=str(rid)))
    return ({k: tuple(v) for k, v in decls.items()}, {k: tuple(v) for k, v in incs.items()},
            {k: tuple(v) for k, v in awards.items()})


def _in(ids: Sequence[int], id_query: Any = None):
    """`col IN (...)`: the literal ids for a few branches, the branch query itself for a group or a committee
    (one statement text whatever the ids: compiled and prepared once, not 100 bound ids per query)."""
    if id_query is not None and len(ids) > 20:
        return lambda col: col.in_(id_query)
    id_list = list(ids)
    return lambda col: col.in_(id_list)


def _group_names(session: Session, group_ids: Iterable[int]) -> dict[int, str]:
    ids = list(group_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Group.id, Group.name).where(Group.id.in_(ids))).all())


def branch_facts(session: Session, branch: Branch, year: int) -> BranchFacts:
    return _facts_for([branch], year, session)[branch.id]


def tiers_for(session: Session, branch_ids: Sequence[int], year: int,
              id_query: Any = None) -> dict[int, dict[str, dict[str, float]]]:
    out: dict[int, dict[str, dict[str, float]]] = {}
    if not branch_ids:
        return out
    for bid, tier, item_id, points in session.execute(select(
            ScoreEntry.branch_id, ScoreEntry.tier, ScoreEntry.item_id, ScoreEntry.points).where(
            _in(branch_ids, id_query)(ScoreEntry.branch_id), ScoreEntry.year == year)):
        out.setdefault(bid, {}).setdefault(tier, {})[item_id] = points
    return out


def score_cards(session: Session, org: Organisation, year: int, as_of: date, group_id: int | None = None,
                *, branch_ids: Sequence[int] | None = None) -> list[ScoreCard]:
    """Score cards of every active branch of the committee (or one group), tier scores included.

    The fast path for a committee: branch columns and activity rows as plain tuples (no ORM entities, no
    `scoring.Activity` per record), indexed in one pass by `scoring.index.index_rows`, then
    `scoring.engine.score_indexed`. Same cards as `score_branch` over `branch_facts` (tests/scoring/
    test_fast_path.py checks it on a random committee).
    """
    q = select(Branch.id, Branch.name, Branch.kind, Branch.founded, Branch.group_id).where(
        Branch.org_id == org.id, Branch.active.is_(True))
    if group_id is not None:
        q = q.where(Branch.group_id == group_id)
    if branch_ids is not None:
        q = q.where(Branch.id.in_(list(branch_ids)))
    branches = session.execute(q.order_by(Branch.id)).all()
    if not branches:
        return []
    rubric = rubric_for(org.rubric_id)
    ids = [b[0] for b in branches]
    id_query = q.with_only_columns(Branch.id).order_by(None)
    id_filter = _in(ids, id_query)
    start, end = _year_bounds(year)
    with _gc_paused():
        index = index_rows(session.connection().execute(select(
            ActivityRecord.branch_id, ActivityRecord.code, ActivityRecord.date, ActivityRecord.speaker_role,
            ActivityRecord.hours).where(
            id_filter(ActivityRecord.branch_id), ActivityRecord.deleted_at.is_(None), ActivityRecord.date >= start,
            ActivityRecord.date <= end)).all(), year, as_of)  # any order: nothing a rule computes depends on it
        decls, incs, awards = _other_facts(session, year, id_filter)
        tiers = tiers_for(session, ids, year, id_query)
        group_names = _group_names(session, {b[4] for b in branches if b[4] is not None})
        none = ActivityIndex(*year_window(year, as_of))
        cards = []
        for bid, name, kind, founded, gid in branches:
            facts = BranchFacts(str(bid), name, "functional" if kind == "functional" else "formal", founded,
                                group_names.get(gid), (), decls.get(bid, ()), incs.get(bid, ()), awards.get(bid, ()))
            cards.append(score_indexed(rubric, facts, index.get(bid, none), year, as_of, tiers.get(bid) or None))
    return cards


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a committee's cards are built: they are hundreds of thousands of
    young objects, none in a cycle, and each full collection would walk all of them again (about a third
    of the time at 10,000 branches). Collection resumes afterwards (unless someone else had paused it)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _one_branch_statement() -> Any:
    """Everything one branch's card needs besides the branch row, in ONE statement (a UNION ALL): its activity
    rows, declarations, incidents, awards, tier scores and group name. A chat question ("多少分", "还差几次")
    then costs one round trip instead of seven. Columns: (tag, id, key, date, text a, text b, float, int); the
    float and the integer values stay in columns of their own so no backend widens FLOAT or INTEGER; the first
    SELECT types every column (PostgreSQL resolves a UNION's types pair by pair, left to right; the text NULL is
    NULLIF(code, code), which keeps the table's collation: MariaDB refuses to mix CAST(NULL AS CHAR)'s)."""
    def tag(n: int) -> Any:
        return literal_column(str(n))

    bid, start, end, year = bindparam("bid"), bindparam("start"), bindparam("end"), bindparam("year")
    a, d, i, w, t = ActivityRecord, DeclarationRow, IncidentRow, AwardRow, ScoreEntry
    return union_all(
        select(tag(0).label("tag"), a.id.label("id"), a.code.label("k"), a.date.label("d"),
               a.speaker_role.label("a"), func.nullif(a.code, a.code).label("b"), a.hours.label("f"),
               cast(null(), Integer).label("n")).where(
            a.branch_id == bid, a.deleted_at.is_(None), a.date >= start, a.date <= end),
        select(tag(1), d.id, d.key, d.date, d.value, null(), null(), null()).where(
            d.branch_id == bid, d.year == year, d.deleted_at.is_(None)),
        select(tag(2), i.id, i.key, i.date, i.event, i.note, null(), i.count).where(
            i.branch_id == bid, i.deleted_at.is_(None), i.date >= start, i.date <= end),
        select(tag(3), w.id, w.key, w.date, w.level, w.note, null(), case((w.pending, 1), else_=0)).where(
            w.branch_id == bid, w.deleted_at.is_(None), w.date >= start, w.date <= end),
        select(tag(4), t.id, t.item_id, null(), t.tier, null(), t.points, null()).where(
            t.branch_id == bid, t.year == year),
        select(tag(5), Group.id, Group.name, null(), null(), null(), null(), null()).where(
            Group.id == bindparam("gid")),
    )


_ONE_BRANCH = _one_branch_statement()


def branch_card(session: Session, org: Organisation, branch: Branch, year: int, as_of: date) -> ScoreCard:
    """One branch's card (what `score_cards(..., branch_ids=[branch.id])[0]` gives) from one statement: the
    chat handlers' path. The branch's own columns come from the object the handler already holds."""
    if not branch.active or branch.org_id != org.id or branch.id is None:
        return score_cards(session, org, year, as_of, branch_ids=[branch.id])[0]
    if session.autoflush:
        session.flush()  # what the ORM query path does first: this unit of work's own changes count (no-op if clean)
    start, end = _year_bounds(year)
    bid = branch.id
    acts: list[tuple] = []
    decls: list[tuple] = []
    incs: list[tuple] = []
    awards: list[tuple] = []
    pending: list[tuple] = []
    tiers: dict[str, dict[str, float]] = {}
    group = None
    for tag, rid, key, day, a, b, f, n in session.connection().execute(
            _ONE_BRANCH, {"bid": bid, "start": start, "end": end, "year": year, "gid": branch.group_id}):
        if tag == 0:
            acts.append((bid, key, day, a, f))
        elif tag == 1:
            decls.append((rid, Declaration(key=key, value=_declaration_value(a), date=day, id=str(rid))))
        elif tag == 2:
            incs.append((rid, Incident(key=key, date=day, count=n or 1, event=a, note=b or "", id=str(rid))))
        elif tag == 3 and n:  # declared by the branch, not confirmed yet: no fact, but the reply lists it
            pending.append((rid, Award(key=key, level=a, date=day, note=b or "", id=str(rid))))
        elif tag == 3:
            awards.append((rid, Award(key=key, level=a, date=day, note=b or "", id=str(rid))))
        elif tag == 4:
            tiers.setdefault(a, {})[key] = f
        else:
            group = key
    session.info.setdefault(_PENDING, {})[bid, year] = _by_id(pending)
    index = index_rows(acts, year, as_of).get(bid) or ActivityIndex(*year_window(year, as_of))
    facts = BranchFacts(str(bid), branch.name, "functional" if branch.kind == "functional" else "formal",
                        branch.founded, group, (), _by_id(decls), _by_id(incs), _by_id(awards))
    return score_indexed(rubric_for(org.rubric_id), facts, index, year, as_of, tiers or None)


_PENDING = "zhibu.pending_awards"  # session.info key: {(branch id, year): awards branch_card read as pending}


def pending_awards(session: Session, branch: Branch, year: int) -> tuple[Award, ...]:
    """A branch's awards of `year` waiting for the office's confirmation (待确认), oldest first: what
    `branch_card` read alongside the card in this session (no further query), else one query."""
    known = session.info.get(_PENDING, {}).get((branch.id, year))
    if known is not None:
        return known
    start, end = _year_bounds(year)
    return tuple(Award(key=key, level=level, date=d, note=note or "", id=str(rid)) for rid, key, level, d, note in
                 session.execute(select(AwardRow.id, AwardRow.key, AwardRow.level, AwardRow.date, AwardRow.note).where(
                     AwardRow.branch_id == branch.id, AwardRow.deleted_at.is_(None), AwardRow.pending.is_(True),
                     AwardRow.date >= start, AwardRow.date <= end).order_by(AwardRow.id)))


def _by_id(rows: list[tuple]) -> tuple:
    """The facts in id order, as the committee path reads them (ORDER BY id)."""
    rows.sort(key=lambda r: r[0])
    return tuple(fact for _, fact in rows)


class FactsScorer:
    """The scoring core as the handlers' context uses it (handlers.base.Scorer)."""

    def score_cards(self, session: Session, org: Organisation, year: int, as_of: date,
                    group_id: int | None = None) -> list[ScoreCard]:
        return score_cards(session, org, year, as_of, group_id)

    def branch_card(self, session: Session, org: Organisation, branch: Branch, year: int, as_of: date) -> ScoreCard:
        return branch_card(session, org, branch, year, as_of)

    def pending_awards(self, session: Session, branch: Branch, year: int) -> tuple[Award, ...]:
        return pending_awards(session, branch, year)

    def rubric(self, org: Organisation) -> Any:
        return rubric_for(org.rubric_id)

    def rank(self, cards: list[ScoreCard]) -> list[tuple[int, ScoreCard]]:
        return scoring.rank(cards)

    def progress(self, card: ScoreCard, code: str | None = None) -> list:
        return scoring.progress(card, code)


DEFAULT_SCORER = FactsScorer()
