"""Fixtures (a pytest plugin, registered in tests/conftest.py): the fake platform server and apps wired to it."""
from __future__ import annotations

import time
from typing import Callable

import pytest

from bot.app import create_app
from bot.config import Config
from bot.push.outbox import Backoff
from tests.fakes.platform import CORP_SECRET, FakePlatform
from tests.support.channels import CRED, TS, FakeConversation, LateFake


@pytest.fixture(scope="session")
def fake_platform():
    server = FakePlatform().start()
    yield server
    server.stop()


@pytest.fixture()
def platform(fake_platform):
    fake_platform.reset()
    return fake_platform


@pytest.fixture()
def make_app(db_url, engine, platform, tmp_path) -> Callable:
    """create_app over the test database, the fake platform, and a FakeConversation (or the one given)."""
    apps = []

    def build(*, wecom: bool = True, dingtalk: bool = True, conversation=None, **overrides):
        values = dict(database_url=db_url, demo=False, secret_key="test-secret",
                      wecom_api_base=platform.base, dingtalk_api_base=platform.base, dingtalk_new_api_base=platform.base,
                      extra={"media_dir": str(tmp_path / "media")})
        if wecom:
            w = CRED["wecom"]
            values.update(wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                          wecom_secret=CORP_SECRET, wecom_agent_id=w["agent_id"])
        if dingtalk:
            values.update(dingtalk_app_key=CRED["dingtalk"]["app_key"], dingtalk_app_secret=CRED["dingtalk"]["app_secret"])
        values.update(overrides)
        config = Config.from_env(env_file=None, **values)
        app = create_app(config, conversation=conversation or LateFake())
        rt = app.extensions["zhibu"]
        conv = rt.services["conversation"]
        if isinstance(conv, LateFake):
            export = tmp_path / "media" / "exports" / "第一协作组评分结果汇总表.xlsx"  # a served folder
            export.parent.mkdir(parents=True, exist_ok=True)
            export.write_bytes(b"PK\x03\x04 fake xlsx")
            conv = FakeConversation(rt.sessions, rt.services["sender"], export_file=export)
            rt.services["conversation"] = conv
            for key in ("wecom_channel", "dingtalk_channel"):
                if key in rt.services:
                    rt.services[key].conversation = conv
        pin(rt, attempts=4)
        apps.append(rt)
        return app

    yield build
    for rt in apps:
        close(rt)


def pin(rt, attempts: int) -> None:
    """The platforms' clocks at TS + 30 s (the signed fixtures' time) and a quick outbox backoff."""
    if "wecom_channel" in rt.services:
        rt.services["wecom_channel"].crypto._now = lambda: TS + 30
    if "dingtalk_channel" in rt.services:
        rt.services["dingtalk_channel"].clock = lambda: TS + 30
    rt.services["sender"].outbox.backoff = Backoff(attempts=attempts, base=0.01, sleep=time.sleep)


def close(rt) -> None:
    """Late replies finished, connections closed."""
    rt.services["background"].join(5)
    rt.engine.dispose()
