"""Hostile-input kit: the real app (real conversation core) over a seeded roster, clocks pinned (the app:
tests/support/real_app_fixtures.py; the roster and the table digest: tests/support/hostile.py)."""
from __future__ import annotations

import pytest


@pytest.fixture()
def real_app(make_real_app):
    """The real app; its WeChat Work secret is not the fake server's, so app messages fail as a stranger's would."""
    return make_real_app(wecom_secret="x")
