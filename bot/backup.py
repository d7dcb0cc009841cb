"""`zhibu db backup FILE` / `zhibu db restore FILE`: the whole store in one SQLite file, and back.

A backup is always an SQLite file with the schema of bot/models.py, whatever the live database is: from SQLite
it is taken with SQLite's online backup API (a consistent copy while workers keep writing); from PostgreSQL or
MariaDB every table is copied in foreign-key order inside one read transaction (REPEATABLE READ: one snapshot).
So a backup can be opened with any SQLite tool, and restored into any of the three databases.

A restore replaces every table's rows in one transaction (all or nothing), then moves PostgreSQL's id
sequences past the restored ids. APScheduler's job table is not copied: the next leader recreates its jobs.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, insert, inspect, select, text

from .db import create_schema, make_engine
from .models import Base, utcnow

CHUNK = 1000
META = "zhibu_backup"  # one row: when, from which kind of database, at which migration


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    rows: dict[str, int]  # table -> rows copied
    source: str  # sqlite / postgresql / mysql
    taken_at: datetime
    revision: str | None

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in Base.metadata.sorted_tables}


def _stamp(dest: Engine, source: str, revision: str | None) -> datetime:
    at = utcnow()
    with dest.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {META}"))
        conn.execute(text(f"CREATE TABLE {META} (taken_at TEXT, source TEXT, revision TEXT)"))
        conn.execute(text(f"INSERT INTO {META} VALUES (:at, :source, :rev)"),
                     {"at": at.isoformat(), "source": source, "rev": revision})
    return at


def backup(engine: Engine, path: str | Path) -> BackupInfo:
    """Write the whole store to `path` (a new SQLite file; an existing file is refused)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} 已存在：请换一个文件名（备份不会覆盖已有文件）")
    path.parent.mkdir(parents=True, exist_ok=True)
    revision = _revision(engine)
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            dst = sqlite3.connect(path)
            with dst:
                raw.driver_connection.backup(dst)  # the online backup API: consistent while others write
            dst.close()
        finally:
            raw.close()
        dest = make_engine(f"sqlite:///{path}")
    else:
        dest = make_engine(f"sqlite:///{path}")
        create_schema(dest)
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as src, dest.begin() as out:
            with src.begin():  # one snapshot for every table
                for table in Base.metadata.sorted_tables:
                    result = src.execution_options(stream_results=True).execute(
                        select(table).order_by(*table.primary_key.columns))
                    while rows := result.fetchmany(CHUNK):
                        out.execute(insert(table), [dict(r._mapping) for r in rows])
    at = _stamp(dest, engine.dialect.name, revision)
    rows = _counts(dest)
    dest.dispose()
    return BackupInfo(path, rows, engine.dialect.name, at, revision)


def read_info(path: str | Path) -> BackupInfo:
    """What a backup file holds (refuses a file that is not one of ours)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"找不到备份文件 {path}")
    src = make_engine(f"sqlite:///{path}")
    try:
        names = set(inspect(src).get_table_names())
        if META not in names or "organisation" not in names:
            raise ValueError(f"{path} 不是支部助手的备份文件")
        with src.connect() as conn:
            at, source, revision = conn.execute(text(f"SELECT taken_at, source, revision FROM {META}")).one()
        present = {t.name for t in Base.metadata.sorted_tables if t.name in names}
        with src.connect() as conn:
            rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables if t.name in present}
    finally:
        src.dispose()
    return BackupInfo(path, rows, source, datetime.fromisoformat(at), revision)


def restore(engine: Engine, path: str | Path) -> BackupInfo:
    """Replace every table's rows with the backup's, in one transaction. Tables the backup does not have (it was
    taken before they existed) are emptied."""
    info = read_info(path)
    create_schema(engine)
    src = make_engine(f"sqlite:///{Path(path)}")
    try:
        with src.connect() as inp, engine.begin() as out:
            if engine.dialect.name == "sqlite":
                out.execute(text("PRAGMA defer_foreign_keys = ON"))
            for table in reversed(Base.metadata.sorted_tables):
                out.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                if table.name not in info.rows:
                    continue
                result = inp.execution_options(stream_results=True).execute(
                    select(table).order_by(*table.primary_key.columns))
                while rows := result.fetchmany(CHUNK):
                    out.execute(insert(table), [dict(r._mapping) for r in rows])
            if engine.dialect.name == "postgresql":
                _reset_sequences(out)
    finally:
        src.dispose()
    return info


def _reset_sequences(conn) -> None:
    """PostgreSQL: the next id after the restored ones (inserted ids do not move a serial's sequence)."""
    for table in Base.metadata.sorted_tables:
        cols = [c for c in table.primary_key.columns if c.autoincrement is not False and c.type.python_type is int]
        if len(cols) != 1:
            continue
        col = cols[0].name
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col}).scalar()
        if seq:
            conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{col}") FROM "{table.name}"), 0) + 1, false)'),
                         {"s": seq})
