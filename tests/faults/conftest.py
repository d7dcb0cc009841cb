"""A database for the fault tests: an isolated PostgreSQL schema when ZHIBU_TEST_POSTGRES_URL is set, else SQLite."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture()
def server_db_url(tmp_path):
    base = os.environ.get("ZHIBU_TEST_POSTGRES_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'zhibu.sqlite3'}"
        return
    name = f"zf_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    admin.dispose()
