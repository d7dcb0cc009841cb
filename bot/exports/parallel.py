"""One form per branch or group, written on every core (`zhibu export … --all`).

Each form is independent work: its own scoring query and its own openpyxl / python-docx file. At 10,000
branches the 100 annex 2 files are ~5 s of CPU in one process (bench/committee.py), so `--all` spreads the
forms over a pool of processes. Each process opens its own engine and session (never a connection of the
parent's: the caller closes its own before the pool forks) and loads the branch or group by id. An in-memory
SQLite database cannot be shared between processes, so it is written in one process, as is a single form.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Sequence

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Job:
    url: str
    org_id: int
    year: int
    as_of: date
    out_dir: str


def _write_one(session: Session, kind: str, thing_id: int, job: Job) -> Path:
    from ..models import Branch, Group, Organisation
    from . import annex1_xlsx, annex2_xlsx, record_book_docx, summary_docx

    org = session.get(Organisation, job.org_id)
    if kind == "annex2":
        return annex2_xlsx(session, org, session.get(Group, thing_id), job.year, job.as_of, job.out_dir)
    branch = session.get(Branch, thing_id)
    writer = {"annex1": annex1_xlsx, "record-book": record_book_docx, "summary": summary_docx}[kind]
    return writer(session, branch, job.year, job.as_of, job.out_dir)


KINDS = ("annex1", "annex2", "record-book", "summary")

_child: dict[str, Any] = {}


def _init_child(job: Job) -> None:
    from ..db import make_engine, make_session_factory

    engine = make_engine(job.url)
    _child.update(job=job, engine=engine, sessions=make_session_factory(engine))


def _child_write(kind: str, thing_id: int) -> str:
    with _child["sessions"]() as session:
        return str(_write_one(session, kind, thing_id, _child["job"]))


def shareable(url: str) -> bool:
    """False for an in-memory SQLite database (each process would see an empty one of its own)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return not (u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:"))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def export_all(kind: str, ids: Sequence[int], job: Job, *, processes: int | None = None,
               on_done: Callable[[int, Path], None] | None = None, session: Session | None = None) -> list[Path]:
    """Write the `kind` form of every id (branch ids, or group ids for annex2); paths in the order of `ids`.

    In this process (one form, one core, or an in-memory database) it writes with `session` when given, else
    with an engine of its own. Before a pool forks, `session`'s connections are closed: none may be inherited."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    procs = min(processes or default_jobs(), len(ids))
    paths: dict[int, Path] = {}

    def finished(thing_id: int, path: str | Path) -> None:
        paths[thing_id] = Path(path)
        if on_done:
            on_done(thing_id, paths[thing_id])

    if procs <= 1 or not shareable(job.url):
        if session is not None:
            for thing_id in ids:
                finished(thing_id, _write_one(session, kind, thing_id, job))
            return [paths[i] for i in ids]
        if not shareable(job.url):
            raise ValueError("an in-memory database can only be exported with the caller's session")
        _init_child(job)
        try:
            for thing_id in ids:
                finished(thing_id, _child_write(kind, thing_id))
        finally:
            _child["engine"].dispose()
            _child.clear()
        return [paths[i] for i in ids]
    if session is not None:
        session.close()
        session.get_bind().dispose()
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(procs, mp_context=ctx, initializer=_init_child, initargs=(job,)) as pool:
        futures = {pool.submit(_child_write, kind, thing_id): thing_id for thing_id in ids}
        for fut in as_completed(futures):
            finished(futures[fut], fut.result())
    return [paths[i] for i in ids]
