"""Issue 15, point 5: the robots' per-minute limit and the roster cache hold across processes (every backend).

Two processes send to one robot: together they stay within its limit (counted in the database). Another
process deactivates a person and renames the organisation: a process holding both in its cache (ttl 60 s)
sees the change within a few seconds.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from bot.directory_cache import DirectoryCache
from bot.models import Organisation, OutboundMessage, PushTarget
from tests.fakes.platform import FakePlatform

from .helpers import ROOT, seed_roster

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

LIMIT, WINDOW, EACH = 20, 2.0, 15


@pytest.fixture()
def robot():
    fake = FakePlatform().start()
    fake.state.robot_limit, fake.state.robot_window = LIMIT, WINDOW
    yield fake
    fake.stop()


def test_two_processes_stay_within_one_robots_limit(db_url, sessions, robot):
    seed_roster(sessions, n=1)
    with sessions() as s:
        org_id = s.scalars(select(Organisation.id)).one()
        target = PushTarget(org_id=org_id, platform="wecom_robot", name="综合党委群",
                            webhook_url=f"{robot.base}/cgi-bin/webhook/send?key=shared")
        s.add(target)
        s.commit()
        target_id = target.id
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZHIBU_WEB_CHAT": "off"}
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, str(ROOT / "tests/faults/rate_runner.py"), db_url, robot.base,
                               str(target_id), name, str(EACH), str(LIMIT), str(WINDOW)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("a", "b")]
    for p in procs:
        _out, err = p.communicate(timeout=90)
        assert p.returncode == 0, err.decode()[-2000:]
    took = time.monotonic() - started
    with sessions() as s:
        rows = s.scalars(select(OutboundMessage).where(OutboundMessage.idem_key.like("rate:%"))).all()
    assert len(rows) == 2 * EACH
    assert {(m.status, m.attempts) for m in rows} == {("sent", 1)}  # the robot never answered 45009
    arrived = sorted(m["at"] for m in robot.messages("/cgi-bin/webhook/send"))
    assert len(arrived) == 2 * EACH
    busiest = max(sum(1 for t in arrived if start <= t < start + WINDOW) for start in arrived)
    assert busiest <= LIMIT and took >= WINDOW  # 30 sends at 20 per window: the last 10 waited
    print(f"30 sends by 2 processes, limit {LIMIT}/{WINDOW}s: busiest window {busiest}, {took:.1f}s")


def test_a_roster_change_in_another_process_reaches_this_ones_cache_within_seconds(db_url, sessions, tmp_path):
    accounts = seed_roster(sessions, n=2)
    cache = DirectoryCache(ttl=60.0, check_every=0.5)
    with sessions() as s:
        org_id = s.scalars(select(Organisation.id)).one()
        assert cache.person(s, "wecom", accounts[0]).name == "书记0"
        assert cache.organisation(s, org_id).name == "故障测试综合党委"
    path = tmp_path / "roster.csv"  # the new roster lists only 书记1: 书记0 is deactivated
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["协作组", "党支部", "姓名", "角色", "企业微信账号"],
                                  ["第一党建协作组", "故障测试第1支部", "书记1", "书记", accounts[1]]])
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZHIBU_DATABASE_URL": db_url}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "roster", "import", str(path), "--apply"], cwd=ROOT,
                          env=env, capture_output=True, timeout=60)
    assert done.returncode == 0 and "停用1人" in done.stdout.decode(), done.stdout.decode() + done.stderr.decode()
    rename = ("from bot.db import make_engine, make_session_factory; from bot.models import Organisation; "
              f"s = make_session_factory(make_engine({db_url!r}))(); s.get(Organisation, {org_id}).name = '改名后'; "
              "s.commit()")
    assert subprocess.run([sys.executable, "-c", rename], cwd=ROOT, env=env, timeout=60).returncode == 0
    changed = time.monotonic()
    seen = None
    while time.monotonic() - changed < 10:
        with sessions() as s:
            if cache.person(s, "wecom", accounts[0]) is None and cache.organisation(s, org_id).name == "改名后":
                seen = time.monotonic() - changed
                break
        time.sleep(0.05)
    assert seen is not None and seen < 2.0, seen  # not the cache's 60 s
    with sessions() as s:
        assert cache.person(s, "wecom", accounts[1]).name == "书记1"
    print(f"a deactivation in another process seen after {seen:.2f}s")
