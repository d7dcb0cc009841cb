"""Properties over random facts: items stay within 0..max, and one more activity never lowers a score."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import ACTIVITIES, DECLARATIONS, INCIDENTS, Activity, BranchFacts, Declaration, Incident, load_rubric, score_branch

RUBRICS = {rid: load_rubric(rid) for rid in ("seed000", "seed001", "seed002", "seed003", "seed004")}
Y = 2022
days = st.integers(-20, 385).map(lambda n: date(Y, 1, 1) + timedelta(days=n))
activities = st.builds(Activity, code=st.sampled_from(sorted(ACTIVITIES)), date=days,
                       hours=st.none() | st.floats(0, 8), speaker_role=st.sampled_from([None, "书记", "党员领导干部"]))
incidents = st.builds(Incident, key=st.sampled_from(sorted(INCIDENTS)), date=days, count=st.integers(1, 3),
                      event=st.sampled_from([None, "E1", "E2"]))
declarations = st.builds(Declaration, key=st.sampled_from(sorted(DECLARATIONS)),
                         value=st.sampled_from([True, False, 0.5, 1.0, 3, 6, "4A", "5A"]))
branches = st.builds(BranchFacts, branch_id=st.just("b"), name=st.just("支部"), kind=st.sampled_from(["formal", "functional"]),
                     founded=st.none() | days, activities=st.lists(activities, max_size=40).map(tuple),
                     declarations=st.lists(declarations, max_size=6).map(tuple), incidents=st.lists(incidents, max_size=5).map(tuple))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rid=st.sampled_from(sorted(RUBRICS)), facts=branches, as_of=days)
def test_items_stay_within_zero_and_max(rid, facts, as_of):
    card = score_branch(RUBRICS[rid], facts, Y, as_of)
    for it in card.items:
        assert 0 <= it.points <= it.max
        assert abs(sum(d.points for d in it.deductions) - (it.max - it.points)) < 1e-6
    for b in card.bonus:
        assert b.cap is None or 0 <= b.points <= b.cap
    assert card.base_total <= RUBRICS[rid].max_total


@SETTINGS
@given(rid=st.sampled_from(sorted(RUBRICS)), facts=branches, extra=activities, as_of=days)
def test_adding_an_activity_never_lowers_a_score(rid, facts, extra, as_of):
    rubric = RUBRICS[rid]
    before = score_branch(rubric, facts, Y, as_of)
    more = BranchFacts(facts.branch_id, facts.name, facts.kind, facts.founded, activities=facts.activities + (extra,),
                       declarations=facts.declarations, incidents=facts.incidents)
    after = score_branch(rubric, more, Y, as_of)
    assert after.total >= before.total
    assert all(a.points >= b.points for a, b in zip(after.items, before.items))
    assert after.vetoed <= before.vetoed


def test_fractional_deductions_add_up_to_what_the_item_lost():
    """Found by the property above: 38.625 学时 short × 0.2 = 7.725 listed against 0.28 points left."""
    card = score_branch(RUBRICS["seed002"], BranchFacts("b", "支部", activities=(
        Activity("study_session", date(2022, 1, 1), hours=1.375),)), Y, date(2022, 12, 31))
    it = card.item("2.3")
    assert (it.points, [d.points for d in it.deductions]) == (0.28, [7.72])
