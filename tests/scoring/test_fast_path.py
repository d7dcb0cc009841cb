"""The committee fast path gives exactly the cards of the straightforward one.

Straightforward: `Activity` objects per record (bot.facts._facts_for) and `score_branch` per branch.
Fast: activity rows indexed in one pass (scoring.index.index_rows) and `score_indexed`
(bot.facts.score_cards). Compared on a random committee: records outside the year, after `as_of`,
deleted, with speaker roles and study hours, declarations, incidents (shared events), awards, people's
tier scores, an inactive branch, several rubrics and dates.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

import scoring
from bot import facts as store_facts
from bot.models import ActivityRecord, Award, Branch, Declaration, Group, Incident, Organisation, ScoreEntry
from scoring import Activity, BranchFacts, Declaration as DeclarationFact, Incident as IncidentFact
from scoring.engine import score_indexed, screen_activities
from scoring.index import ActivityIndex, index_rows, year_window

Y = 2022
CODES = sorted(scoring.ACTIVITIES)
RUBRICS = ("seed000", "seed001", "seed002", "seed003", "seed004")
DATES = (date(Y, 4, 15), date(Y, 9, 30), date(Y, 12, 26), date(Y + 1, 1, 20))


def _day(rng: random.Random) -> date:
    return date(Y, 1, 1) + timedelta(days=rng.randint(-30, 395))


def _random_branch(rng: random.Random, n: int) -> BranchFacts:
    acts = tuple(Activity(rng.choice(CODES), _day(rng), hours=rng.choice([None, None, None, 1.5, 2.0, 0.1, 3.3]),
                          speaker_role=rng.choice([None, None, None, "书记", "党员领导干部"]))
                 for _ in range(rng.randint(0, 70)))
    decls = tuple(DeclarationFact(rng.choice(sorted(scoring.DECLARATIONS)),
                                  rng.choice([True, False, 0.5, 0.8, 1.0, 3, 6, "4A", "5A"]), rng.choice([None, _day(rng)]))
                  for _ in range(rng.randint(0, 4)))
    incs = tuple(IncidentFact(rng.choice(sorted(scoring.INCIDENTS)), _day(rng), rng.randint(1, 2),
                              rng.choice([None, "E1", "E2"])) for _ in range(rng.randint(0, 3)))
    founded = rng.choice([None, date(2015, 3, 1), _day(rng)])
    return BranchFacts(f"b{n}", f"支部{n}", rng.choice(["formal", "formal", "functional"]), founded,
                       activities=acts, declarations=decls, incidents=incs)


@pytest.mark.parametrize("rubric_id", RUBRICS)
def test_indexed_rows_score_like_activities(rubric_id):
    """Pure: a committee's rows in any order, indexed in one pass, give the cards of score_branch."""
    rng = random.Random(rubric_id)
    rubric = scoring.load_rubric(rubric_id)
    branches = [_random_branch(rng, n) for n in range(150)]
    rows = [(f.branch_id, a.code, a.date, a.speaker_role, a.hours) for f in branches for a in f.activities]
    rng.shuffle(rows)
    ids = [it.id for it in rubric.items]
    for as_of in DATES:
        index = index_rows(rows, Y, as_of)
        last = min(as_of, date(Y, 12, 31))
        for f in branches:
            counted = [a for a in f.activities if date(Y, 1, 1) <= a.date <= last]
            idx = index.get(f.branch_id)
            assert (idx.n if idx else 0) == len(counted)
            for code in CODES:  # the days of each code, and the speaker roles / hours where any is set
                days = sorted(a.date.toordinal() for a in counted if a.code == code)
                assert sorted(idx.ords.get(code, ()) if idx else ()) == days
                extra = sorted((a.date.toordinal(), a.speaker_role or "", a.hours or 0) for a in counted if a.code == code)
                if idx and code in idx.extra:
                    assert sorted((o, r or "", h or 0) for o, r, h in idx.extra[code]) == extra
                else:
                    assert all(r == "" and h == 0 for _, r, h in extra)
            tiers = None
            if rng.random() < 0.3:
                tiers = {"group": {i: 0.5 for i in rng.sample(ids, 3)}}
            fast = score_indexed(rubric, BranchFacts(f.branch_id, f.name, f.kind, f.founded,
                                                     declarations=f.declarations, incidents=f.incidents),
                                 index.get(f.branch_id) or ActivityIndex(*year_window(Y, as_of)), Y, as_of, tiers,
                                 screen_activities(f, Y, as_of)[1])  # the words on activities outside the year
            assert fast == scoring.score_branch(rubric, f, Y, as_of, tiers)


def test_an_index_for_another_date_is_refused():
    rubric = scoring.load_rubric("seed000")
    idx = index_rows([("b", "party_lecture", date(Y, 3, 1), None, None)], Y, date(Y, 6, 30))["b"]
    with pytest.raises(ValueError):
        score_indexed(rubric, BranchFacts("b", "支部"), idx, Y, date(Y, 12, 31))


def _straightforward(session, org: Organisation, as_of: date, group_id: int | None = None) -> list:
    q = select(Branch).where(Branch.org_id == org.id, Branch.active.is_(True))
    if group_id is not None:
        q = q.where(Branch.group_id == group_id)
    branches = list(session.scalars(q.order_by(Branch.id)))
    rubric = store_facts.rubric_for(org.rubric_id)
    facts = store_facts._facts_for(branches, Y, session)
    tiers = store_facts.tiers_for(session, [b.id for b in branches], Y)
    return [scoring.score_branch(rubric, facts[b.id], Y, as_of, tiers=tiers.get(b.id) or None) for b in branches]


def _committee(session, rng: random.Random, n_branches: int = 230) -> Organisation:
    org = Organisation(name="测试综合党委", rubric_id="seed000", year=Y, self_deadline="01-10", group_deadline="01-19",
                       settings={})
    session.add(org)
    session.flush()
    groups = [Group(org_id=org.id, name=f"第{g + 1}协作组") for g in range(3)]
    session.add_all(groups)
    session.flush()
    rubric = scoring.load_rubric("seed000")
    for n in range(n_branches):
        f = _random_branch(rng, n)
        b = Branch(org_id=org.id, group_id=rng.choice(groups).id, name=f.name, kind=f.kind, founded=f.founded,
                   active=n != 7)
        session.add(b)
        session.flush()
        deleted = datetime(Y, 12, 1)
        session.add_all([ActivityRecord(branch_id=b.id, code=a.code, date=a.date, hours=a.hours, speaker_role=a.speaker_role,
                                        expected=10, present=9, deleted_at=deleted if rng.random() < 0.05 else None)
                         for a in f.activities])
        session.add_all([Declaration(branch_id=b.id, year=Y, key=d.key, value=None if d.value is True else str(d.value),
                                     date=d.date) for d in f.declarations])
        session.add_all([Incident(branch_id=b.id, key=i.key, date=i.date, count=i.count, event=i.event) for i in f.incidents])
        if rng.random() < 0.2:
            session.add(Award(branch_id=b.id, key="commendation", level=rng.choice(["municipal", "provincial"]),
                              date=_day(rng)))
        if rng.random() < 0.3:
            for tier in rng.sample(["self", "group", "office"], 2):
                for it in rng.sample(rubric.items, 2):
                    session.add(ScoreEntry(branch_id=b.id, year=Y, tier=tier, item_id=it.id,
                                           points=round(rng.uniform(0, it.max), 1)))
    session.commit()
    return org


def test_committee_fast_path_gives_the_same_cards(sessions):
    rng = random.Random(20221226)
    with sessions() as s:
        org = _committee(s, rng)
        group_id = s.scalars(select(Group.id).where(Group.org_id == org.id).order_by(Group.id)).first()
        for rubric_id in ("seed000", "seed002", "seed003"):
            if rubric_id != "seed000":  # the tier scores name seed000's items
                s.execute(delete(ScoreEntry))
            org.rubric_id = rubric_id
            for as_of in DATES:
                fast = store_facts.score_cards(s, org, Y, as_of)
                assert len(fast) == 229
                assert fast == _straightforward(s, org, as_of)
                assert store_facts.score_cards(s, org, Y, as_of, group_id) == _straightforward(s, org, as_of, group_id)
        org.rubric_id = "seed000"
        one = s.scalars(select(Branch).where(Branch.org_id == org.id).order_by(Branch.id).limit(1)).one()
        assert store_facts.score_cards(s, org, Y, date(Y, 12, 26), branch_ids=[one.id]) == \
            [scoring.score_branch(store_facts.rubric_for(org.rubric_id), store_facts.branch_facts(s, one, Y), Y,
                                  date(Y, 12, 26), store_facts.tiers_for(s, [one.id], Y).get(one.id) or None)]
