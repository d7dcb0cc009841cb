"""Store and facts: the bulk score cards read the store in a few queries, whatever the number of branches."""
from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

from bot.demo import demo_people, seed_demo_if_empty
from bot.facts import branch_facts, score_cards
from bot.models import Branch, Group, Organisation, Person, ScoreEntry
from bot.store import Store


def test_demo_committee_shape(sessions):
    assert seed_demo_if_empty(sessions, date(2022, 12, 26)) is True
    assert seed_demo_if_empty(sessions, date(2022, 12, 26)) is False
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        # the demo's first evaluation year is last year, closed by the office on Feb 3 (issue 13, bot/demo.py)
        assert (org.rubric_id, org.year) == ("seed000", 2021)
        assert Store(s).closed_years(org.id) == {2021}
        groups = s.scalars(select(Group)).all()
        assert len(groups) == 3
        for g in groups:
            branches = s.scalars(select(Branch).where(Branch.group_id == g.id)).all()
            assert 4 <= len(branches) <= 5
            assert len(s.scalars(select(Person).where(Person.group_id == g.id, Person.role == "group_leader")).all()) == 1
            for b in branches:
                roles = sorted(p.role for p in s.scalars(select(Person).where(Person.branch_id == b.id)))
                assert {"secretary", "organiser"} <= set(roles)
        assert s.scalars(select(Person).where(Person.wecom_userid == "demo-sec-1")).one().role == "secretary"
        assert s.scalars(select(Person).where(Person.wecom_userid == "demo-office")).one().role == "office"
    people = demo_people(sessions)
    assert people[0]["account"] == "demo-office" and people[0]["role_label"] == "办公室"
    assert {"account", "name", "role", "role_label", "branch", "group"} <= set(people[1])


def test_score_cards_are_not_n_plus_one(sessions, engine):
    seed_demo_if_empty(sessions, date(2022, 12, 26))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        statements.clear()
        cards = score_cards(s, org, 2022, date(2022, 12, 26))
        assert len(cards) == 14
        assert len(statements) <= 8, statements
        # the bulk cards equal the one-branch facts scored alone
        branch = s.scalars(select(Branch).order_by(Branch.id)).first()
        assert len(branch_facts(s, branch, 2022).activities) > 0
        one = score_cards(s, org, 2022, date(2022, 12, 26), branch_ids=[branch.id])[0]
        assert one.total == next(c for c in cards if c.branch_id == str(branch.id)).total
        group_cards = score_cards(s, org, 2022, date(2022, 12, 26), group_id=branch.group_id)
        assert {c.group for c in group_cards} == {branch.group.name}


def test_tier_scores_reach_the_cards(sessions):
    seed_demo_if_empty(sessions, date(2022, 12, 26))
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        branch = s.scalars(select(Branch).order_by(Branch.id)).first()
        Store(s).set_score(branch_id=branch.id, year=2022, tier="group", item_id="3.3", points=1.5, given_by=None)
        s.commit()
        card = score_cards(s, org, 2022, date(2022, 12, 26), branch_ids=[branch.id])[0]
        assert card.item("3.3").tiers == {"group": 1.5} and card.item("3.3").final == 1.5
        assert s.scalars(select(ScoreEntry)).one().points == 1.5


def test_branch_facts_skip_undone_and_other_years(sessions):
    seed_demo_if_empty(sessions, date(2022, 12, 26))
    with sessions() as s:
        st = Store(s)
        branch = s.scalars(select(Branch).order_by(Branch.id)).first()
        before = len(branch_facts(s, branch, 2022).activities)
        rec = st.add_activity(branch_id=branch.id, code="party_lecture", day=date(2022, 12, 1), reported_by=None,
                              message_id=None)
        st.add_activity(branch_id=branch.id, code="party_lecture", day=date(2021, 12, 1), reported_by=None,
                        message_id=None)
        assert len(branch_facts(s, branch, 2022).activities) == before + 1
        st.soft_delete_activity(rec, None, None)
        facts = branch_facts(s, branch, 2022)
        assert len(facts.activities) == before and facts.name == branch.name and facts.kind in ("formal", "functional")
