"""The office dashboard's reads (bot/office_store.py): each scoped to the asking office's organisation."""
from __future__ import annotations

from datetime import date

from bot.models import Award, Branch, Incident, Organisation, Submission
from bot.office_store import OfficeQueries
from tests.support.committee import build_org


def _other_org(s) -> tuple[int, int]:
    other = Organisation(name="另一个综合党委", rubric_id="seed000", year=2022)
    s.add(other)
    s.flush()
    branch = Branch(org_id=other.id, name="外单位党支部")
    s.add(branch)
    s.flush()
    return other.id, branch.id


def test_rows_of_another_organisation_are_not_found(sessions):
    ids = build_org(sessions)
    with sessions() as s:
        other, foreign = _other_org(s)
        mine = [Incident(branch_id=ids["b0"], key="criticism", date=date(2022, 5, 1)),
                Award(branch_id=ids["b1"], key="commendation", level="municipal", date=date(2022, 6, 1), pending=True)]
        theirs = [Incident(branch_id=foreign, key="criticism", date=date(2022, 5, 1)),
                  Award(branch_id=foreign, key="commendation", level="municipal", date=date(2022, 6, 1), pending=True)]
        s.add_all(mine + theirs)
        s.commit()
        q = OfficeQueries(s)
        assert q.incident_of(ids["org"], mine[0].id) is mine[0] and q.incident_of(ids["org"], theirs[0].id) is None
        assert q.live_award_of(ids["org"], mine[1].id) is mine[1] and q.live_award_of(ids["org"], theirs[1].id) is None
        assert q.incident_of(other, mine[0].id) is None
        assert q.pending_award_count(ids["org"]) == 1 and q.pending_award_count(other) == 1
        assert [a.id for a in q.awards_in_year(ids["org"], 2022)] == [mine[1].id]
        assert q.awards_in_year(ids["org"], 2021) == []


def test_groups_branches_and_login_names(sessions):
    ids = build_org(sessions)
    with sessions() as s:
        _other_org(s)
        s.add(Submission(org_id=ids["org"], year=2022, tier="self", branch_id=ids["b2"], total=70.0))
        s.commit()
        q = OfficeQueries(s)
        assert [g.id for g in q.groups(ids["org"])] == [ids["g0"], ids["g1"]]
        assert [g.id for g in q.groups(ids["org"], only=ids["g1"])] == [ids["g1"]]
        assert [b.name for b in q.active_branches(ids["org"])] == ["第一党支部", "第二党支部", "第三党支部"]
        assert [b.id for b in q.group_branches(ids["g0"])] == [ids["b0"], ids["b1"]]
        assert [p.name for p in q.dashboard_people()] == ["钱主任", "吴组长", "郑组长"]  # office first
        assert q.dashboard_person("吴组长").id == ids["lead1"] and q.dashboard_person("王书记") is None
        assert [x.branch_id for x in q.submissions(ids["org"], 2022, "self")] == [ids["b2"]]
        assert q.submissions(ids["org"], 2022, "group") == []
