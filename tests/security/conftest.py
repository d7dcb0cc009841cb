"""Hostile-input kit: the real app (real conversation core) over a seeded roster, clocks pinned, and a way to
prove that a refused request changed nothing (every table's row count and a digest of its rows)."""
from __future__ import annotations

import hashlib
import json
import time

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.config import Config
from bot.models import Base, Branch, Group, Organisation, Person
from bot.push import Backoff
from tests.channels.conftest import CRED, TS, fake_platform, platform  # noqa: F401 - fixtures

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


@pytest.fixture()
def real_app(db_url, engine, platform):  # noqa: F811
    """The app with the real conversation core; WeChat Work and DingTalk clocks at TS + 30 s."""
    w = CRED["wecom"]
    config = Config.from_env(env_file=None, database_url=db_url, demo=False, secret_key="test-secret",
                             wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                             wecom_secret="x", wecom_agent_id=w["agent_id"], wecom_api_base=platform.base,
                             dingtalk_app_key=CRED["dingtalk"]["app_key"], dingtalk_app_secret=SECRET,
                             dingtalk_api_base=platform.base, dingtalk_new_api_base=platform.base)
    from datetime import datetime, timezone

    app = create_app(config, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    rt = app.extensions["zhibu"]
    seed(rt.sessions)
    rt.services["wecom_channel"].crypto._now = lambda: TS + 30
    rt.services["dingtalk_channel"].clock = lambda: TS + 30
    rt.services["sender"].outbox.backoff = Backoff(attempts=2, base=0.01, sleep=time.sleep)
    yield app
    rt.services["background"].join(5)
    rt.engine.dispose()
