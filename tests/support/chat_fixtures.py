"""Fixtures (a pytest plugin, registered in tests/conftest.py): the small committee and a chat over it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.committee import Chat, build_org


@pytest.fixture()
def ids(sessions) -> dict[str, int]:
    return build_org(sessions)


@pytest.fixture()
def chat(sessions, ids, today) -> Chat:
    c = Chat(sessions, datetime(today.year, today.month, today.day, 2, tzinfo=timezone.utc))
    return c
