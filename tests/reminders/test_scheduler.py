"""The scheduler: leader lease, APScheduler's job store in the database, missed runs, two processes at once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import select, text

from bot.config import Config
from bot.messages import RecordingSender
from bot.models import OutboundMessage, PushTarget, ReminderDelivery
from bot.reminders.lease import Lease
from bot.scheduler import JOBS_TABLE, ReminderScheduler

from .helpers import Clock, seed_org

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_job_store(engine):
    """The job table is APScheduler's, not in our metadata: the `engine` fixture does not drop it."""
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {JOBS_TABLE}"))
    yield


def test_lease_has_one_holder_until_it_expires(sessions):
    clock = Clock(datetime(2023, 1, 7, 1, 0))
    a, b = Lease(sessions, ttl=30, holder="a", clock=clock), Lease(sessions, ttl=30, holder="b", clock=clock)
    assert a.acquire() and not b.acquire()
    clock.now += timedelta(seconds=20)
    assert a.acquire() and not b.acquire()  # renewed
    clock.now += timedelta(seconds=31)  # a stopped renewing (crashed)
    assert b.acquire() and not a.acquire()
    b.release()
    assert a.acquire()


def _scheduler(engine, sessions, sender, clock, **kw) -> ReminderScheduler:
    config = Config.from_env(env_file=None, database_url=str(engine.url))
    return ReminderScheduler(config, engine, sessions, sender, clock=clock, heartbeat=0.05, **kw)


def _move_daily_job(engine, org_id: int, ago: timedelta) -> None:
    """Pretend the instance was down: the stored next run time lies `ago` in the past."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOBS_TABLE)
    store.start(None, "default")
    job = store.lookup_job(f"reminders:daily:{org_id}")
    job.next_run_time = datetime.now(timezone.utc) - ago
    store.update_job(job)


def _wait_for(pred, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def test_missed_run_within_grace_runs_once_on_start_and_not_again(engine, sessions):
    with sessions() as s:
        ids = seed_org(s)
    clock = Clock(datetime(2023, 1, 7, 3, 0))  # 11:00 local on a lead day (self deadline in 3 days)
    first_sender = RecordingSender()
    first = _scheduler(engine, sessions, first_sender, clock)
    assert first.step() and first.leading
    assert first.scheduler.get_job(f"reminders:daily:{ids['org']}") is not None
    assert _wait_for(lambda: len(first_sender.sent) == 3)  # taking the lead plans the day at once
    first.stop()

    _move_daily_job(engine, ids["org"], timedelta(hours=2))
    sender = RecordingSender()
    second = _scheduler(engine, sessions, sender, clock)
    second.step()
    try:
        time.sleep(0.5)  # the missed cron run and the re-plan both run the day: nothing new
        assert sorted(m["key"] for m in first_sender.sent) == sorted([
            f"deadline:self:2023-01-10:lead3:group:{ids['g1']}", f"deadline:self:2023-01-10:lead3:org:{ids['org']}",
            f"deadline:self:2023-01-10:lead3:person:{ids['qian']}"])
        assert sender.sent == []
        job = second.scheduler.get_job(f"reminders:daily:{ids['org']}")
        assert job.next_run_time > datetime.now(timezone.utc)  # rescheduled for tomorrow, not run again
    finally:
        second.stop()

    third_sender = RecordingSender()
    third = _scheduler(engine, sessions, third_sender, clock)
    third.step()  # a restart: nothing is due, nothing repeats
    time.sleep(0.3)
    third.stop()
    assert third_sender.sent == []


def test_a_new_leader_replans_the_day_the_dead_leader_had_moved_to_tomorrow(engine, sessions):
    """Issue 15: the leader ran the daily job (now pointing at tomorrow), claimed the first reminder and died
    before sending anything; the next leader must send all of them, each once."""
    with sessions() as s:
        ids = seed_org(s)
    clock = Clock(datetime(2023, 1, 7, 3, 0))
    stuck = f"deadline:self:2023-01-10:lead3:group:{ids['g1']}"
    with sessions() as s:
        s.add(ReminderDelivery(key=stuck, org_id=ids["org"], kind="deadline_self", payload={
            "to": "target", "recipient_id": ids["t1"], "text": "x", "markdown": None, "mentions": [], "reason": ""},
            status="sending", attempts=1, claimed_by="dead-host:1:abc", claimed_until=clock.now - timedelta(seconds=1)))
        s.commit()
    sender = RecordingSender()
    new = _scheduler(engine, sessions, sender, clock)  # its daily job is created for the next 09:00, not today's
    try:
        assert new.step()
        assert _wait_for(lambda: len(sender.sent) == 3)
        time.sleep(0.3)
    finally:
        new.stop()
    assert Counter(m["key"] for m in sender.sent) == Counter({
        stuck: 1, f"deadline:self:2023-01-10:lead3:org:{ids['org']}": 1,
        f"deadline:self:2023-01-10:lead3:person:{ids['qian']}": 1})
    with sessions() as s:
        assert {r.key: (r.status, r.attempts) for r in s.scalars(select(ReminderDelivery))}[stuck] == ("sent", 2)


def test_missed_run_beyond_grace_is_skipped(engine, sessions):
    with sessions() as s:
        ids = seed_org(s)
    clock = Clock(datetime(2023, 1, 7, 3, 0))
    first = _scheduler(engine, sessions, RecordingSender(), clock, grace_seconds=3600)
    first.step()
    first.stop()
    _move_daily_job(engine, ids["org"], timedelta(hours=3))
    sender = RecordingSender()
    second = _scheduler(engine, sessions, sender, clock, grace_seconds=3600)
    second.step()
    time.sleep(0.4)
    second.stop()
    assert sender.sent == []


def test_a_second_instance_stays_idle_while_the_first_leads(engine, sessions):
    with sessions() as s:
        seed_org(s)
    clock = Clock(datetime(2023, 1, 7, 3, 0))
    a = _scheduler(engine, sessions, RecordingSender(), clock)
    b = _scheduler(engine, sessions, RecordingSender(), clock)
    try:
        assert a.step() and not b.step()
        assert a.leading and not b.leading
        clock.now += timedelta(seconds=31)  # a stops renewing
        assert b.step() and b.leading
        assert not a.step() and not a.leading  # a notices and steps down
    finally:
        a.stop()
        b.stop()


def test_late_run_in_quiet_hours_is_deferred_to_the_morning(engine, sessions):
    with sessions() as s:
        ids = seed_org(s)
    clock = Clock(datetime(2023, 1, 7, 14, 0))  # 22:00 local
    sender = RecordingSender()
    sched = _scheduler(engine, sessions, sender, clock)
    sched.step()
    sched.scheduler.pause()  # the frozen day lies in the real past: keep APScheduler from firing it now
    try:
        sched.run_daily(ids["org"])
        assert sender.sent == []
        job = sched.scheduler.get_job(f"reminders:deferred:{ids['org']}:2023-01-07")
        assert job is not None and job.args == (ids["org"], "2023-01-07")
        assert job.next_run_time.replace(tzinfo=None) == datetime(2023, 1, 8, 8, 0)
        job.remove()  # its date lies in the real past: APScheduler would try it while shutting down
    finally:
        sched.stop()


# --- two processes, one database, a flaky endpoint -----------------------------------------------

class FakeRobot(BaseHTTPRequestHandler):
    """A WeChat Work group robot that fails every third call with a 502."""

    calls = 0
    received: list[tuple[str, str]] = []
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with FakeRobot.lock:
            FakeRobot.calls += 1
            fail = FakeRobot.calls % 3 == 0
            if not fail:
                content = body.get("markdown", body.get("text", {})).get("content")
                FakeRobot.received.append((self.path.split("key=")[-1], content))
        if fail:
            self.send_response(502)
            self.end_headers()
            self.wfile.write(b"bad gateway")
            return
        out = b'{"errcode": 0, "errmsg": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.slow
def test_two_processes_flaky_endpoint_every_reminder_sent_exactly_once(db_url, engine, sessions):
    pytest.importorskip("bot.push")
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRobot)
    FakeRobot.calls, FakeRobot.received = 0, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sessions() as s:
            ids = seed_org(s, webhook=base, settings={"quiet_hours": None})  # real clock: no quiet hours
            s.add(PushTarget(org_id=ids["org"], group_id=ids["g2"], platform="wecom_robot", name="第二协作组群",
                             webhook_url=f"{base}/cgi-bin/webhook/send?key=g2"))
            s.commit()
        env = {**os.environ, "ZHIBU_WEB_CHAT": "off", "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([sys.executable, str(ROOT / "tests/reminders/worker.py"), db_url, base], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
        for p in procs:
            _out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err.decode()[-2000:]
    finally:
        server.shutdown()

    counts = Counter(FakeRobot.received)
    assert FakeRobot.calls > len(counts) and FakeRobot.calls // 3 >= 8  # a third of the calls failed
    assert len(counts) == 24 and set(counts.values()) == {1}  # 8 days x 3 chats, each arrived once
    with sessions() as s:
        sent = s.scalars(select(OutboundMessage).where(OutboundMessage.status == "sent")).all()
        assert len(sent) == 24 and len({m.idem_key for m in sent}) == 24
        assert {r.status for r in s.scalars(select(ReminderDelivery))} == {"sent"}


def test_the_leader_takes_over_messages_a_dead_worker_left(engine, sessions):
    from bot.models import InboundMessage

    with sessions() as s:
        seed_org(s)
        s.add(InboundMessage(channel="wecom", dedup_key="left-1", account="stranger", kind="text", text="你好",
                             received_at=datetime(2023, 1, 7, 2, 50), status="received"))
        s.commit()
    sender = RecordingSender()
    sched = _scheduler(engine, sessions, sender, Clock(datetime(2023, 1, 7, 3, 0)))
    try:
        assert sched.step()
        job = sched.scheduler.get_job("inbox:recover")
        assert job is not None and job.trigger.interval == timedelta(seconds=60)
        report = sched.recover_inbox()
    finally:
        sched.stop()
    assert (report.found, len(report.recovered)) == (1, 1)
    with sessions() as s:
        assert s.scalar(select(InboundMessage.status).where(InboundMessage.dedup_key == "left-1")) == "unknown_sender"
    # RecordingSender cannot reach a platform account and the stranger is no person: counted, not sent
    # (the day's reminders went out when it took the lead; nothing was sent for the stranger's message)
    assert report.unsent == report.recovered and all(m["key"].startswith("deadline:") for m in sender.sent)
