"""One branch's card from one statement (bot.facts.branch_card, the chat path) equals the committee path's card.

The committee is tests/scoring/test_fast_path.py's random one (records outside the year, deleted ones, speaker
roles and hours, declarations, incidents, awards, tier scores, an inactive branch), on every backend: the
UNION ALL must give back the same types (dates, FLOAT hours and points, integer counts) everywhere.
"""
from __future__ import annotations

import random
from datetime import date, datetime

from sqlalchemy import delete, event, select

from bot import facts as store_facts
from bot.models import Branch, ScoreEntry

from test_fast_path import DATES, Y, _committee


def test_branch_card_equals_the_committee_card(sessions, engine):
    rng = random.Random(20221227)
    with sessions() as s:
        org = _committee(s, rng, n_branches=60)
        branches = list(s.scalars(select(Branch).where(Branch.org_id == org.id).order_by(Branch.id)))
        branches[3].group_id = None  # a branch outside any group
        s.flush()
        checked = 0
        for rubric_id in ("seed000", "seed003"):
            if rubric_id != "seed000":
                s.execute(delete(ScoreEntry))
            org.rubric_id = rubric_id
            for as_of in DATES:
                cards = {int(c.branch_id): c for c in store_facts.score_cards(s, org, Y, as_of)}
                for b in branches:
                    if not b.active:
                        continue
                    one = store_facts.branch_card(s, org, b, Y, as_of)
                    assert one == cards[b.id], (b.id, rubric_id, as_of)
                    checked += 1
            if rubric_id == "seed000":  # tier scores were entered under this rubric: some card must carry them
                assert any(c.tier_totals for c in cards.values())
        assert checked == 2 * len(DATES) * 59


def test_branch_card_is_one_statement(sessions, engine):
    rng = random.Random(5)
    with sessions() as s:
        org = _committee(s, rng, n_branches=5)
        b = s.scalars(select(Branch).where(Branch.org_id == org.id, Branch.active.is_(True)).limit(1)).one()
        seen: list[str] = []

        def count(_c, _cur, statement, *_a) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            store_facts.DEFAULT_SCORER.branch_card(s, org, b, Y, date(Y, 12, 26))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(seen) == 1, seen


def test_branch_card_sees_this_unit_of_works_unflushed_changes(sessions):
    """As the ORM query path does (autoflush): a record undone a moment ago in the same session is not counted."""
    from bot.models import ActivityRecord

    rng = random.Random(11)
    with sessions() as s:
        org = _committee(s, rng, n_branches=4)
        rec = s.scalars(select(ActivityRecord).join(Branch, Branch.id == ActivityRecord.branch_id).where(
            Branch.org_id == org.id, Branch.active.is_(True), ActivityRecord.deleted_at.is_(None),
            ActivityRecord.date >= date(Y, 1, 1), ActivityRecord.date <= date(Y, 12, 1)).limit(1)).one()
        branch = s.get(Branch, rec.branch_id)
        before = store_facts.branch_card(s, org, branch, Y, date(Y, 12, 26))
        rec.deleted_at = datetime(Y, 12, 2)  # not flushed
        after = store_facts.branch_card(s, org, branch, Y, date(Y, 12, 26))
        assert after == store_facts.score_cards(s, org, Y, date(Y, 12, 26), branch_ids=[branch.id])[0]
        assert after != before
