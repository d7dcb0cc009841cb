"""A gunicorn worker killed with SIGKILL in the middle of a burst of WeChat Work callbacks.

What must hold afterwards (gunicorn restarts the worker by itself): every callback that got a 200 is in
the database exactly once and was processed; the platform's retries of the ones that failed are each
processed once; retries of answered ones change nothing.
"""
from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.db import create_schema, make_engine, make_session_factory
from bot.models import ActivityRecord, InboundMessage, utcnow

from .helpers import Gunicorn, children, free_port, seed_roster, signed_callback, wecom_env

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

N = 120
BASE_ID = 8_100_000_000_000_000_000


def _send(port: int, path: str, body: bytes, timeout: float = 15.0) -> int | None:
    """The HTTP status, or None when the connection broke (what the platform sees as a failed delivery)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, body, {"Content-Type": "text/xml"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return None
    finally:
        conn.close()


def _burst_and_kill(server: Gunicorn, calls: list[tuple[str, bytes]]) -> dict[int, int | None]:
    """Send the calls from 6 clients, SIGKILL one of the 2 workers a third of the way in, wait for its
    replacement; the status each call got (None: the connection broke)."""
    status: dict[int, int | None] = {}
    lock = threading.Lock()
    sent = threading.Semaphore(0)
    queue = list(range(len(calls)))

    def client() -> None:
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop(0)
            code = _send(server.port, *calls[i])
            with lock:
                status[i] = code
            sent.release()

    threads = [threading.Thread(target=client) for _ in range(6)]
    [t.start() for t in threads]
    for _ in range(len(calls) // 3):
        assert sent.acquire(timeout=60)
    victims = children(server.proc.pid)
    assert len(victims) == 2
    os.kill(victims[0], signal.SIGKILL)
    [t.join(90) for t in threads]
    assert len(status) == len(calls)

    # gunicorn replaces the worker by itself
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = children(server.proc.pid)
        if len(now) == 2 and victims[0] not in now:
            break
        time.sleep(0.2)
    assert victims[0] not in children(server.proc.pid) and len(children(server.proc.pid)) == 2
    server.wait_ready()
    return status


def _roster_and_server(server_db_url: str, tmp_path):
    """(engine, sessions, a started 2-worker gunicorn, N signed callbacks); PostgreSQL only."""
    if server_db_url.startswith("sqlite"):
        pytest.skip("no PostgreSQL server for this run (tests/support/servers.py): telling a dead delivery from a live one needs row locks (PostgreSQL)")
    engine = make_engine(server_db_url)
    create_schema(engine)
    sessions = make_session_factory(engine)
    users = seed_roster(sessions, 20)
    env = {"ZHIBU_DATABASE_URL": server_db_url, "ZHIBU_DEMO": "0", "ZHIBU_SCHEDULER": "0",
           "ZHIBU_WECOM_API_BASE": f"http://127.0.0.1:{free_port()}", "ZHIBU_LOG_LEVEL": "warning", **wecom_env()}
    # Each callback records a different activity (user i % 20, 1 to 6 days back by i // 20): one record per message.
    # Days of the last week, so none is ahead nor more than two months back (that one would be asked about first).
    days = [date.today() - timedelta(days=1 + i // 20) for i in range(N)]
    calls = [signed_callback(f"{d.month}月{d.day}日开了支委会，应到9人，实到8人", BASE_ID + i, users[i % 20])
             for i, d in enumerate(days)]
    return engine, sessions, Gunicorn(env, workers=2, threads=2, log=tmp_path / "gunicorn.log"), calls


def test_sigkill_mid_burst_loses_nothing_and_duplicates_nothing(server_db_url, tmp_path):
    engine, sessions, server, calls = _roster_and_server(server_db_url, tmp_path)
    try:
        server.wait_ready()
        status = _burst_and_kill(server, calls)

        answered = {i for i, code in status.items() if code == 200}
        assert all(code in (200, None) for code in status.values()), status  # no 500 even mid-kill
        # The platform retries what it did not get a 200 for (up to 3 times), and sometimes an answered one too.
        for i in sorted(set(range(N)) - answered):
            for _attempt in range(3):
                if _send(server.port, *calls[i]) == 200:
                    break
            else:
                pytest.fail(f"retry of callback {i} never answered 200")
        for i in sorted(answered)[:10]:
            assert _send(server.port, *calls[i]) == 200
    finally:
        server.stop()

    with sessions() as s:
        rows = s.execute(select(InboundMessage.dedup_key, InboundMessage.status, InboundMessage.id)
                         .where(InboundMessage.channel == "wecom")).all()
        per_key: dict[str, int] = {}
        for key, _st, _id in rows:
            per_key[key] = per_key.get(key, 0) + 1
        assert per_key == {str(BASE_ID + i): 1 for i in range(N)}  # every callback exactly once
        unprocessed = [k for k, st, _ in rows if st in ("received", "failed")]
        assert unprocessed == []  # answered or retried: each one went through the conversation
        per_message = dict(s.execute(select(ActivityRecord.message_id, func.count()).group_by(ActivityRecord.message_id)).all())
        assert sorted(per_message.values()) == [1] * N  # one activity per callback, none twice
    engine.dispose()
    killed = N - len(answered)
    print(f"{len(answered)} answered before/around the kill, {killed} failed and were retried")


def test_sigkill_without_platform_retries_recovery_answers_what_was_left(server_db_url, tmp_path):
    """DingTalk never retries a callback: what the killed worker had stored but not finished is left `received`.
    The scheduler's recovery (bot/recovery.py) takes each over once; nothing is left, nothing is recorded twice."""
    from bot.conversation import Conversation
    from bot.messages import RecordingSender
    from bot.recovery import recover

    engine, sessions, server, calls = _roster_and_server(server_db_url, tmp_path)
    try:
        server.wait_ready()
        status = _burst_and_kill(server, calls)  # and no retries at all
    finally:
        server.stop()

    with sessions() as s:
        left = s.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "received"))
    sender = RecordingSender()
    report = recover(Conversation(sessions, utcnow, sender), sender, now=utcnow(), grace=timedelta(0))
    assert len(report.recovered) == left and report.skipped == []
    with sessions() as s:
        rows = s.execute(select(InboundMessage.dedup_key, InboundMessage.status)).all()
        assert [k for k, st in rows if st in ("received", "failed")] == []
        answered = {str(BASE_ID + i) for i, code in status.items() if code == 200}
        assert answered <= {k for k, _ in rows}  # every 200 is stored
        per_message = dict(s.execute(select(ActivityRecord.message_id, func.count())
                                     .group_by(ActivityRecord.message_id)).all())
        assert sorted(per_message.values()) == [1] * len(rows)  # each stored message recorded exactly once
    engine.dispose()
    print(f"{len(answered)} answered, {N - len(answered)} got no answer (never retried), {left} left stored and "
          f"unanswered, all recovered")
