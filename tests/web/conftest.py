"""The office pages' app: the demo-sized committee of tests/exports/demo.py, the office password "demo", a fixed clock."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.app import create_app
from bot.config import Config
from tests.exports.demo import build_committee


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_OFFICE_PASSWORD", "demo")
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3", demo=False,
                          secret_key="test-secret")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    app.config["TESTING"] = True
    sessions = app.extensions["zhibu"].sessions
    with sessions() as s:
        build_committee(s)
    yield app
    app.extensions["zhibu"].engine.dispose()
