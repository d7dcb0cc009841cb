"""Hostile-input kit: a one-secretary roster to attack, and a digest of every table to prove a refusal changed nothing."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select

from bot.models import Base, Branch, Group, Organisation, Person
from tests.support.channels import CRED

SECRET = CRED["dingtalk"]["app_secret"]
ACCOUNT = "sec-wang"
DING_ACCOUNT = "sec-wang-dt"


def seed(sessions) -> None:
    with sessions() as s:
        org = Organisation(name="安全测试综合党委", rubric_id="seed000", year=2022)
        s.add(org)
        s.flush()
        g = Group(org_id=org.id, name="第一党建协作组")
        s.add(g)
        s.flush()
        b = Branch(org_id=org.id, group_id=g.id, name="重庆市机械工业协会党支部")
        s.add(b)
        s.flush()
        s.add(Person(org_id=org.id, name="王建国", role="secretary", branch_id=b.id, group_id=g.id,
                     wecom_userid=ACCOUNT, dingtalk_userid=DING_ACCOUNT))
        s.commit()


def snapshot(sessions) -> dict[str, str]:
    """Every table: row count and a digest of all rows (so an UPDATE shows too)."""
    out = {}
    with sessions() as s:
        for table in Base.metadata.sorted_tables:
            rows = s.execute(select(table)).all()
            digest = hashlib.sha1(json.dumps([list(map(str, r)) for r in rows], sort_keys=True).encode()).hexdigest()
            out[table.name] = f"{len(rows)}:{digest}"
    return out
