"""Find the PostgreSQL and MariaDB test servers on this machine, as .ci/run does, so plain `make test` uses them.

An explicit ZHIBU_TEST_POSTGRES_URL / ZHIBU_TEST_MARIADB_URL wins; `off` turns a backend off; otherwise the usual
local server (trust auth, database `test`) is tried with a short connect timeout, and a backend that does not
answer is skipped with the reason said.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from sqlalchemy import create_engine, text

TIMEOUT_S = 2
LOCAL = {
    "postgres": ("ZHIBU_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": ("ZHIBU_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"),
}


@dataclass(frozen=True)
class Server:
    kind: str
    var: str
    url: str | None  # None: not used in this run, for `reason`
    reason: str = ""


def _answers(url: str) -> str | None:
    """None when a connection and `SELECT 1` work within the timeout, else why not (one line)."""
    try:
        eng = create_engine(url, connect_args={"connect_timeout": TIMEOUT_S})
        try:
            with eng.connect() as c:
                c.execute(text("SELECT 1"))
        finally:
            eng.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server for this run"
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:200]
    return None


def discover(kind: str) -> Server:
    """The server of that kind this run uses, and set its variable so subprocesses and other fixtures see it too."""
    var, local = LOCAL[kind]
    given = os.environ.get(var, "").strip()
    if given.lower() == "off":
        os.environ.pop(var, None)
        return Server(kind, var, None, f"{var}=off: {kind} tests turned off for this run")
    if given:
        return Server(kind, var, given)
    why = _answers(local)
    if why is not None:
        return Server(kind, var, None, f"no {kind} server answered at {local.split('@', 1)[1]} "
                                       f"(set {var} to use another): {why}")
    os.environ[var] = local
    return Server(kind, var, local)
