"""Shared fixtures: a fixed clock and an isolated database on every backend that is available.

SQLite always; PostgreSQL and MariaDB when their server answers: ZHIBU_TEST_POSTGRES_URL /
ZHIBU_TEST_MARIADB_URL when set (`off` turns one off), else the local server .ci/run starts
(tests/support/servers.py). Each test run gets its own schema or database, so two runs against the
same server never see each other's rows.
"""
from __future__ import annotations

import os
import uuid
from datetime import date
from typing import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text

from bot.db import create_schema, make_engine, make_session_factory
from bot.models import Base
from tests.support.servers import discover

# In CI the property tests are derandomised: a landing is judged on the same examples every time, while a
# developer's runs keep exploring new ones (and every bug found that way gets a test of its own).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

_RUN = f"zt_{os.getpid()}_{uuid.uuid4().hex[:6]}"


# Fixtures more than one folder uses: the fake platform and apps wired to it, the small committee and its chat.
pytest_plugins = [
    "tests.support.platform_fixtures", "tests.support.chat_fixtures", "tests.support.media_fixtures",
    "tests.support.real_app_fixtures",
]

# Found once, at collection, and written back to the environment so tests/faults and subprocesses see the same.
SERVERS = {kind: discover(kind) for kind in ("postgres", "mariadb")}


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    for name, server in SERVERS.items():
        if server.url:
            params.append(pytest.param(name, id=name))
        else:
            params.append(pytest.param(name, id=name, marks=pytest.mark.skip(reason=server.reason)))
    return params


def pytest_report_header(config) -> list[str]:
    """Say which database servers this run uses, so a short run is never mistaken for a whole one."""
    return [f"{kind}: {s.url or s.reason}" for kind, s in SERVERS.items()]


def _isolated_url(kind: str, tmp_path_factory) -> tuple[str, callable]:
    """A URL of a fresh, empty database of that kind, and a function that drops it."""
    if kind == "sqlite":
        path = tmp_path_factory.mktemp("db") / "zhibu.sqlite3"
        return f"sqlite:///{path}", lambda: None
    if kind == "postgres":
        base = os.environ["ZHIBU_TEST_POSTGRES_URL"]
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{_RUN}"'))
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{_RUN}"

        def drop() -> None:
            with admin.connect() as c:
                c.execute(text(f'DROP SCHEMA IF EXISTS "{_RUN}" CASCADE'))
            admin.dispose()

        return url, drop
    base = os.environ["ZHIBU_TEST_MARIADB_URL"]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE `{_RUN}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    head, _, query = base.partition("?")
    url = head.rsplit("/", 1)[0] + f"/{_RUN}" + (f"?{query}" if query else "")

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS `{_RUN}`"))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session", params=_backends())
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """One isolated database per backend for the whole run."""
    url, drop = _isolated_url(request.param, tmp_path_factory)
    yield url
    drop()


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    """A clean schema for each test (tables dropped and created again)."""
    eng = make_engine(db_url)
    Base.metadata.drop_all(eng)
    create_schema(eng)
    yield eng
    eng.dispose()


@pytest.fixture()
def sessions(engine: Engine):
    return make_session_factory(engine)


@pytest.fixture()
def today() -> date:
    """The fixed 'today' most tests run on: late in the evaluation year 2022."""
    return date(2022, 12, 26)
