"""Fixtures (a pytest plugin, registered in tests/conftest.py): the real app — the real conversation core — on both
platforms (the fake server), over the one-secretary roster of tests/support/hostile.py, clocks pinned."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

import pytest

from bot.app import create_app
from bot.config import Config
from tests.support.channels import CRED
from tests.support.hostile import SECRET, seed
from tests.support.platform_fixtures import close, pin

CLOCK = datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def make_real_app(db_url, engine, platform) -> Callable:
    """`build(wecom_secret=…)`: the app with the real conversation core; WeChat Work and DingTalk clocks at TS + 30 s,
    the app's clock at 2022-12-26 10:00 local."""
    runtimes = []

    def build(*, wecom_secret: str) -> object:
        w = CRED["wecom"]
        config = Config.from_env(env_file=None, database_url=db_url, demo=False, secret_key="test-secret",
                                 wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                                 wecom_secret=wecom_secret, wecom_agent_id=w["agent_id"], wecom_api_base=platform.base,
                                 dingtalk_app_key=CRED["dingtalk"]["app_key"], dingtalk_app_secret=SECRET,
                                 dingtalk_api_base=platform.base, dingtalk_new_api_base=platform.base)
        app = create_app(config, clock=lambda: CLOCK)
        rt = app.extensions["zhibu"]
        seed(rt.sessions)
        pin(rt, attempts=2)
        runtimes.append(rt)
        return app

    yield build
    for rt in runtimes:
        close(rt)
