"""`--all` exports on every core give exactly the files one process writes."""
from __future__ import annotations

from datetime import date

import openpyxl

from bot.exports.parallel import Job, export_all, shareable
from bot.models import Branch, Group, Organisation

from .demo import build_committee


def _cells(path) -> list[tuple]:
    return [tuple(c.value for c in row) for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows()]


def test_forms_written_by_a_pool_equal_those_of_one_process(engine, sessions, tmp_path):
    with sessions() as s:
        build_committee(s)
        org = s.query(Organisation).one()
        groups = [g.id for g in s.query(Group).order_by(Group.id)]
        branches = [b.id for b in s.query(Branch).order_by(Branch.id)]
    url = engine.url.render_as_string(hide_password=False)
    for kind, ids in (("annex2", groups), ("annex1", branches)):
        one = export_all(kind, ids, Job(url, org.id, 2022, date(2022, 12, 26), str(tmp_path / kind / "one")), processes=1)
        done: list[int] = []
        pool = export_all(kind, ids, Job(url, org.id, 2022, date(2022, 12, 26), str(tmp_path / kind / "pool")),
                          processes=2, on_done=lambda i, _p: done.append(i))
        assert [p.name for p in pool] == [p.name for p in one] and len(set(p.name for p in one)) == len(ids)
        assert sorted(done) == sorted(ids)
        for a, b in zip(one, pool):
            assert _cells(a) == _cells(b), a.name


def test_an_in_memory_database_is_not_shared_between_processes():
    assert not shareable("sqlite://") and not shareable("sqlite:///:memory:")
    assert shareable("sqlite:///var/zhibu.sqlite3") and shareable("postgresql+psycopg://postgres@127.0.0.1/test")


def test_an_in_memory_database_is_written_with_the_callers_session(tmp_path):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    from bot.db import create_schema, make_session_factory

    engine = create_engine("sqlite://", poolclass=StaticPool)
    create_schema(engine)
    with make_session_factory(engine)() as s:
        build_committee(s)
        org = s.query(Organisation).one()
        groups = [g.id for g in s.query(Group).order_by(Group.id)]
        job = Job("sqlite://", org.id, 2022, date(2022, 12, 26), str(tmp_path))
        paths = export_all("annex2", groups, job, processes=2, session=s)
    assert [p.is_file() for p in paths] == [True] * len(groups)
