"""PostgreSQL restarts while callbacks arrive: requests fail cleanly (a 200 with the friendly "try again" reply,
never a 500 or a traceback) and the app recovers by itself, without a restart of its own.

The server is a throwaway cluster this test initdb's in a temp dir on a free port: the machine's own
PostgreSQL, which other test runs use, is never touched.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from bot.app import create_app
from bot.config import Config
from bot.conversation import FAILED_TEXT
from bot.db import create_schema, make_engine, make_session_factory
from bot.models import InboundMessage

from .helpers import ThrowawayPostgres, W, free_port, pg_bin, seed_roster, signed_callback

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
BASE_ID = 8_200_000_000_000_000_000


@pytest.fixture()
def throwaway_pg():
    if pg_bin() is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed: cannot run a throwaway cluster")
    # Not under pytest's tmp dir: as root the cluster runs as `postgres`, which cannot enter root's 0700 dirs.
    base = Path(tempfile.mkdtemp(prefix="zhibu-pg-"))
    pg = ThrowawayPostgres(base)
    try:
        pg.init()
    except subprocess.CalledProcessError as exc:  # e.g. no `postgres` user to run it as
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot start a throwaway PostgreSQL: {(exc.stderr or '').strip()[:300]}")
    yield pg
    pg.stop("immediate")
    shutil.rmtree(base, ignore_errors=True)


def _reply_text(body: str) -> str:
    from bot.platforms.wecom.protocol import WecomCrypto

    root = fromstring(body)
    inner = WecomCrypto(W["token"], W["aes_key"], W["corp_id"]).decrypt(root.findtext("Encrypt"))
    return fromstring(inner).findtext("Content")


def test_postgres_restart_during_traffic(throwaway_pg):
    url = throwaway_pg.url
    engine = make_engine(url)
    create_schema(engine)
    users = seed_roster(make_session_factory(engine), 10)
    engine.dispose()
    config = Config.from_env(env_file=None, database_url=url, demo=False, wecom_corp_id=W["corp_id"],
                             wecom_token=W["token"], wecom_aes_key=W["aes_key"], wecom_secret="x",
                             wecom_agent_id=W["agent_id"], wecom_api_base=f"http://127.0.0.1:{free_port()}")
    app = create_app(config)
    rt = app.extensions["zhibu"]
    results: list[tuple[int, float, int, str]] = []  # (i, sent at, status, body)
    stop = threading.Event()

    def traffic() -> None:
        client = app.test_client()
        i = 0
        while not stop.is_set():
            path, body = signed_callback(f"我们支部现在多少分", BASE_ID + i, users[i % len(users)])
            t = time.monotonic()
            resp = client.post(path, data=body, content_type="text/xml")
            results.append((i, t, resp.status_code, resp.get_data(as_text=True)))
            i += 1
            time.sleep(0.02)

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        time.sleep(1.0)
        stopping_at = time.monotonic()
        throwaway_pg.stop("fast")
        down_at = time.monotonic()
        time.sleep(1.5)
        throwaway_pg.start()
        up_at = time.monotonic()
        time.sleep(4.0)
    finally:
        stop.set()
        worker.join(30)

    assert results and all(status == 200 for _, _, status, _ in results), {s for _, _, s, _ in results}
    for _, _, _, body in results:
        assert "Traceback" not in body and "psycopg" not in body
    texts = {i: _reply_text(body) for i, _, _, body in results if body}
    during = [i for i, t, _, _ in results if down_at + 0.2 < t < up_at - 0.1]
    assert during, "no request was sent while PostgreSQL was down"
    assert all(texts.get(i) == FAILED_TEXT for i in during)  # the friendly "try again", encrypted as a normal reply
    after = [i for i, t, _, _ in results if t > up_at + 2.0]
    assert len(after) >= 10
    assert all(texts.get(i) not in (None, FAILED_TEXT) for i in after)  # recovered: real answers again
    with rt.sessions() as s:
        stored = dict(s.execute(select(InboundMessage.dedup_key, InboundMessage.status)).all())
    for i in after:
        assert stored.get(str(BASE_ID + i)) == "handled"
    before = [i for i, t, _, _ in results if t < stopping_at - 0.5]  # answered before the stop began
    assert before and all(stored.get(str(BASE_ID + i)) == "handled" for i in before)
    rt.services["background"].join(5)
    rt.engine.dispose()
