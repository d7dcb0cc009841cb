"""Fuzzing kit: one app per module (real conversation core, SQLite), and how many cases each property runs.

ZHIBU_FUZZ_EXAMPLES (default 1,000 in `make test`; `make bench` runs 10,000 per endpoint and for the parser).
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, settings

from bot.app import create_app
from bot.config import Config
from bot.db import create_schema, make_engine
from tests.support.channels import CRED, TS
from tests.support.hostile import seed

EXAMPLES = int(os.environ.get("ZHIBU_FUZZ_EXAMPLES", "1000"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'zhibu.sqlite3'}"
    create_schema(make_engine(url))
    w = CRED["wecom"]
    config = Config.from_env(env_file=None, database_url=url, demo=False, secret_key="test-secret",
                             wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                             wecom_secret="x", wecom_agent_id=w["agent_id"], wecom_api_base="http://127.0.0.1:9",
                             dingtalk_app_key="k", dingtalk_app_secret=CRED["dingtalk"]["app_secret"],
                             dingtalk_api_base="http://127.0.0.1:9", dingtalk_new_api_base="http://127.0.0.1:9")
    app = create_app(config, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    rt = app.extensions["zhibu"]
    seed(rt.sessions)
    rt.services["wecom_channel"].crypto._now = lambda: TS + 30
    rt.services["dingtalk_channel"].clock = lambda: TS + 30
    # No reply may leave the machine: a DingTalk answer goes to a sessionWebhook that is never on the API host.
    yield app
    rt.services["background"].join(10)
    rt.engine.dispose()
    _ = time
