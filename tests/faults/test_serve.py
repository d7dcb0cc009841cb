"""`zhibu serve`: gunicorn with several workers from one preloaded app, and exactly one scheduler leader among them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from bot.db import create_schema, make_engine, make_session_factory
from bot.models import SchedulerLease

from .helpers import ROOT, children, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def test_zhibu_serve_runs_workers_with_one_scheduler_leader(tmp_path):
    url = f"sqlite:///{tmp_path / 'zhibu.sqlite3'}"
    engine = make_engine(url)
    create_schema(engine)
    sessions = make_session_factory(engine)
    port = free_port()
    env = {**os.environ, "ZHIBU_DATABASE_URL": url, "ZHIBU_DEMO": "0", "ZHIBU_LOG_LEVEL": "warning"}
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "3"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            holder = None
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and holder is None:
                time.sleep(0.3)
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                with sessions() as s:
                    row = s.scalars(select(SchedulerLease)).first()
                    holder = row.holder if row is not None else None
            assert holder is not None, "no worker took the scheduler lease"
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
            while time.monotonic() < deadline and len(children(proc.pid)) < 3:
                time.sleep(0.2)
            workers = children(proc.pid)  # `zhibu serve` exec'd gunicorn: this pid is the master
            assert len(workers) == 3
            assert int(holder.split(":")[1]) in workers  # the leader is one of the workers, not the master
            time.sleep(1.5)  # every worker's heartbeat has run at least once: the holder did not change hands
            with sessions() as s:
                assert s.scalars(select(SchedulerLease)).one().holder == holder
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(40)
    assert proc.returncode == 0
    with sessions() as s:
        assert s.scalars(select(SchedulerLease)).one().holder is None  # released on a clean stop
    engine.dispose()
