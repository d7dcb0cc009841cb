"""A realistic demo (issue 17, point 7): attendance from the branch's size and the meeting's kind, topics that fit
their dates — what the record book and the report print from it must not embarrass a clerk."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from bot.demo import TOPICS, seed_demo
from bot.models import ActivityRecord, Branch

CONGRESS_OPENED = date(2022, 10, 16)  # the 20th National Congress: 16–22 October 2022


def test_attendance_follows_size_and_kind_and_topics_fit_their_dates(sessions):
    with sessions() as s:
        seed_demo(s, date(2022, 12, 26))
        s.commit()
        rows = s.query(ActivityRecord).all()
        branches = {b.id: b for b in s.query(Branch)}
    by_branch: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for r in rows:
        assert r.present is not None and r.expected is not None and 0 < r.present <= r.expected, r.code
        by_branch[r.branch_id][r.code].add(r.expected)
        if r.topic and "二十大" in r.topic and not r.topic.startswith("喜迎"):
            assert r.date >= CONGRESS_OPENED, (r.date, r.topic)
        if r.topic and r.topic.startswith("喜迎"):
            assert r.date < CONGRESS_OPENED, (r.date, r.topic)
    assert len(by_branch) == len(branches) == 14
    sizes = set()
    for bid, kinds in by_branch.items():
        [members] = kinds["member_assembly"] | kinds["theme_day"]  # every member is expected, always the same number
        assert 7 <= members <= 28
        assert kinds["branch_committee"] == {3 if members < 15 else 5}, branches[bid].name  # the committee, not 28
        [group] = kinds["group_meeting"]
        assert group <= members and (group == members or group <= members // 2)
        sizes.add(members)
    assert len(sizes) > 5  # branches of different sizes
    topics = [r.topic for r in rows if r.code in TOPICS]
    assert all(topics) and len(set(topics)) > 25  # every meeting of a kind with a pool has a topic, and they vary
    assert any("二十大" in (r.topic or "") for r in rows)  # the Congress is studied — after it met
