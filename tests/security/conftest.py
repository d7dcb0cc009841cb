"""Hostile-input kit: the real app (real conversation core) over a seeded roster, clocks pinned (the roster and
the table digest: tests/support/hostile.py)."""
from __future__ import annotations

import time

import pytest

from bot.app import create_app
from bot.config import Config
from bot.push.outbox import Backoff
from tests.support.channels import CRED, TS
from tests.support.hostile import SECRET, seed


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
