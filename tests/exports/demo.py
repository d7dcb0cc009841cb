"""A small committee in the store for the export tests: 3 groups, 9 branches, a year of uneven records."""
from __future__ import annotations

from datetime import date, datetime

from bot.models import (ActivityRecord, Branch, Evidence, Group, InboundMessage, Incident, Organisation, Person,
                        ScoreEntry, Submission)

GROUPS = ("第一党建协作组", "第二党建协作组", "第三党建协作组")


def cli_database(tmp_path, monkeypatch, build=None) -> str:
    """A SQLite file holding `build(session)`'s committee (default build_committee), set as ZHIBU_DATABASE_URL,
    with the working directory in tmp_path: what `zhibu export` runs against in the CLI tests."""
    from bot.db import create_schema, make_engine, make_session_factory

    url = f"sqlite:///{tmp_path}/z.sqlite3"
    engine = make_engine(url)
    create_schema(engine)
    with make_session_factory(engine)() as s:
        (build or build_committee)(s)
    engine.dispose()
    monkeypatch.setenv("ZHIBU_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def build_committee(session, year: int = 2022) -> Organisation:
    """Branch k of group g holds its monthly 支委会 in (12 - k - g) months; some skip 主题党日; one is criticised."""
    org = Organisation(name="工业行业综合党委", rubric_id="seed000", year=year)
    session.add(org)
    session.flush()
    session.add(Person(org_id=org.id, name="汪庆", role="office", phone="63899070", wecom_userid="office1"))
    for g, gname in enumerate(GROUPS):
        group = Group(org_id=org.id, name=gname)
        session.add(group)
        session.flush()
        session.add(Person(org_id=org.id, name=f"组长{g + 1}", role="group_leader", group_id=group.id,
                           phone=f"1380000000{g}", wecom_userid=f"leader{g}"))
        for k in range(3):
            b = Branch(org_id=org.id, group_id=group.id, name=f"第{g + 1}组{'甲乙丙'[k]}协会党支部")
            session.add(b)
            session.flush()
            session.add(Person(org_id=org.id, name=f"书记{g}{k}", role="secretary", branch_id=b.id,
                               phone=f"1390000{g}{k}00", wecom_userid=f"sec{g}{k}"))
            for m in range(1, 13 - k - g):
                session.add(ActivityRecord(branch_id=b.id, code="branch_committee", date=date(year, m, 8),
                                           expected=5, present=5 - (m % 2)))
                if (m + k) % 3:
                    session.add(ActivityRecord(branch_id=b.id, code="theme_day", date=date(year, m, 20),
                                               expected=12, present=10, topic="主题党日"))
            for q in range(1, 5 - k):
                session.add(ActivityRecord(branch_id=b.id, code="member_assembly", date=date(year, 3 * q - 1, 15),
                                           expected=12, present=11))
                session.add(ActivityRecord(branch_id=b.id, code="party_lecture", date=date(year, 3 * q - 1, 16),
                                           speaker=f"书记{g}{k}", speaker_role="书记", topic="学习党的二十大精神"))
            # Last year: a thinner record for the movers section.
            for m in range(1, 7 + k):
                session.add(ActivityRecord(branch_id=b.id, code="branch_committee", date=date(year - 1, m, 8)))
        session.flush()
    first = session.query(Branch).filter_by(org_id=org.id).order_by(Branch.id).first()
    rec = session.query(ActivityRecord).filter(ActivityRecord.branch_id == first.id, ActivityRecord.date >= date(year, 1, 1)).order_by(ActivityRecord.date).first()
    rec.evidence.append(Evidence(kind="image", filename="签到表.jpg"))
    session.add(Incident(branch_id=first.id, key="criticized", date=date(year, 6, 1), event="e1"))
    session.add(ScoreEntry(branch_id=first.id, year=year, tier="group", item_id="1.1", points=5.0))
    session.add(Submission(org_id=org.id, year=year, tier="self", branch_id=first.id, total=90.0,
                           submitted_at=datetime(year + 1, 1, 5, 10, 0)))
    session.add(InboundMessage(channel="wecom", dedup_key="m1", account="sec00", text="昨天搞了个活动挺好",
                               status="not_understood", received_at=datetime(year, 12, 20, 9, 0)))
    session.commit()
    return org
