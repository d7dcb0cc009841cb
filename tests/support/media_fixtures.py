"""Fixtures (a pytest plugin, registered in tests/conftest.py): the real core over the small committee, and a
WeChat Work app wired to it (media tests in tests/platforms and tests/faults)."""
from __future__ import annotations

import pytest

from tests.support.committee import build_org
from tests.support.media import Core


@pytest.fixture()
def core(sessions, today):
    ids = build_org(sessions)
    c = Core(sessions, today)
    c.ids = ids
    return c


@pytest.fixture()
def wecom(make_app, core):
    app = make_app(conversation=core.conv)
    app.extensions["zhibu"].services["wecom_channel"].budget = 30.0  # passive replies, however slow the machine
    return app
