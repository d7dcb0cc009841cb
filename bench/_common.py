"""Shared by the benchmarks: the machine they ran on, a throwaway PostgreSQL schema, a generated committee.

Nothing here is imported by the app. Every benchmark prints its figures and asserts nothing.
"""
from __future__ import annotations

import io
import os
import platform
import random
import sys
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CODES = ("branch_committee", "member_assembly", "group_meeting", "party_lecture", "theme_day", "org_life_meeting",
         "democratic_review", "study_session", "integrity_education")


def pg_base_url() -> str:
    return os.environ.get("ZHIBU_BENCH_POSTGRES_URL") or os.environ.get("ZHIBU_TEST_POSTGRES_URL") or DEFAULT_PG


def machine() -> str:
    """One line: CPU model, cores, RAM, OS, Python, PostgreSQL (when reachable)."""
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:", 1)[1].split()[0])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    pg = "PostgreSQL ?"
    try:
        eng = create_engine(pg_base_url())
        with eng.connect() as c:
            pg = "PostgreSQL " + c.execute(text("SHOW server_version")).scalar().split()[0]
        eng.dispose()
    except Exception:  # noqa: BLE001 - only a label
        pg = "PostgreSQL unreachable"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"machine: {cpu}, {cores} cores, {mem} RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {pg}")


@contextmanager
def pg_schema(prefix: str = "bench") -> Iterator[str]:
    """A URL whose search_path is a fresh schema, dropped afterwards (other people's rows stay untouched)."""
    base = pg_base_url()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{name}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        admin.dispose()


def generate_committee(engine, n_branches: int, *, acts_per_branch: int = 50, group_size: int = 100,
                       year: int = 2022, seed: int = 1, people: bool = False, name: str | None = None) -> int:
    """An organisation of `n_branches` branches in groups of `group_size`, ~`acts_per_branch` activities each.

    Rows go in with COPY (500,000 activities in seconds). Returns the organisation id.
    `people`: a secretary `bench-sec-<org>-<i>` (WeChat Work account) for every branch.
    """
    from bot.models import Organisation

    rng = random.Random(seed)
    with engine.begin() as conn:
        org_id = conn.execute(Organisation.__table__.insert().values(
            name=name or f"基准测试综合党委（{n_branches}个支部）", rubric_id="seed000", year=year, self_deadline="01-10",
            group_deadline="01-19", settings={}).returning(Organisation.__table__.c.id)).scalar_one()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        n_groups = (n_branches + group_size - 1) // group_size
        group_ids = []
        for g in range(n_groups):
            cur.execute("INSERT INTO collab_group (org_id, name) VALUES (%s, %s) RETURNING id", (org_id, f"第{g + 1}党建协作组"))
            group_ids.append(cur.fetchone()[0])
        with cur.copy("COPY branch (org_id, group_id, name, kind, founded, active) FROM STDIN") as cp:
            for i in range(n_branches):
                cp.write_row((org_id, group_ids[i // group_size], f"重庆市第{i + 1}号行业协会党支部",
                              "functional" if i % 10 == 9 else "formal", date(2010 + i % 10, 1 + i % 12, 1), True))
        cur.execute("SELECT id, group_id FROM branch WHERE org_id = %s ORDER BY id", (org_id,))
        branches = cur.fetchall()
        if people:
            with cur.copy("COPY person (org_id, name, role, branch_id, group_id, wecom_userid, active) FROM STDIN") as cp:
                for i, (bid, gid) in enumerate(branches):
                    cp.write_row((org_id, f"书记{i}", "secretary", bid, gid, f"bench-sec-{org_id}-{i}", True))
            for g, gid in enumerate(group_ids):
                cur.execute("INSERT INTO person (org_id, name, role, group_id, wecom_userid, active) VALUES "
                            "(%s, %s, 'group_leader', %s, %s, true)", (org_id, f"组长{g}", gid, f"bench-lead-{org_id}-{g}"))
        start = date(year, 1, 1)
        buf = io.StringIO()
        for bid, _gid in branches:
            members = rng.randint(6, 30)
            for _ in range(acts_per_branch):
                d = start + timedelta(days=rng.randrange(365))
                code = CODES[rng.randrange(len(CODES))]
                present = members - rng.randrange(0, 4)
                buf.write(f"{bid}\t{code}\t{d.isoformat()}\t{members}\t{present}\t2022-12-01 00:00:00\n")
        buf.seek(0)
        with cur.copy("COPY activity_record (branch_id, code, date, expected, present, created_at) FROM STDIN") as cp:
            while chunk := buf.read(1 << 20):
                cp.write(chunk)
        with cur.copy("COPY declaration (branch_id, year, key, date, created_at) FROM STDIN") as cp:
            for bid, _gid in branches:
                if rng.random() < 0.85:
                    cp.write_row((bid, year, "annual_plan", date(year, 2, 20), "2022-12-01 00:00:00"))
        raw.commit()
        cur.execute("ANALYZE activity_record; ANALYZE branch; ANALYZE declaration")
        raw.commit()
    finally:
        raw.close()
    return org_id
