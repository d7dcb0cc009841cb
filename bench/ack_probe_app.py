"""Floors of an acknowledge-first callback, for `bench/ack_probe.py`: how fast can any durable design answer?

PROBE_MODE=crypto : verify the signature, decrypt, parse the inner XML (defusedxml), answer "" (no store)
PROBE_MODE=store  : the same, then one INSERT of the raw message + COMMIT (the durability the issue asks for)
PROBE_MODE=psycopg: the same INSERT + COMMIT through raw psycopg (a connection per thread, prepared statement,
                    no SQLAlchemy): the cheapest client there is
PROBE_MODE=group  : the same rows, but a writer thread per process commits whatever requests are waiting in one
                    multi-row INSERT + COMMIT ("group commit"); each request answers once its row is committed
Nothing is parsed with jieba and no handler runs: this is the least any "store, then 200" endpoint does.
"""
import os
import queue
import threading

from flask import Flask, request
from sqlalchemy import create_engine, insert

from bot.platforms.wecom.protocol import WecomCrypto, parse_message
from bot.models import InboundMessage

MODE = os.environ.get("PROBE_MODE", "crypto")
crypto = WecomCrypto(os.environ["ZHIBU_WECOM_TOKEN"], os.environ["ZHIBU_WECOM_AES_KEY"], os.environ["ZHIBU_WECOM_CORP_ID"])
engine = create_engine(os.environ["ZHIBU_DATABASE_URL"], pool_size=4) if MODE in ("store", "group", "psycopg") else None
_INSERT = insert(InboundMessage.__table__)
app = Flask(__name__)


@app.post("/wecom/callback")
def callback():
    a = request.args
    plain = crypto.open_envelope(request.get_data(cache=False), a.get("msg_signature", ""), a.get("timestamp", ""),
                                 a.get("nonce", ""))
    msg = parse_message(plain)
    row = dict(channel="wecom", dedup_key=msg.dedup_key, account=msg.from_user, kind="text", text=msg.content,
               status="received")
    if MODE == "psycopg":
        _raw_insert(row)
        return ""
    if MODE == "group":
        _start_writer()
        done = threading.Event()
        _waiting.put((row, done))
        if not done.wait(10):
            return "busy", 503
        return ""
    if engine is not None:
        with engine.begin() as conn:
            conn.execute(_INSERT, row)
    return ""


@app.get("/healthz")
def healthz():
    return {"ok": True}


_waiting: "queue.Queue[tuple[dict, threading.Event]]" = queue.Queue()


def _writer() -> None:
    while True:
        batch = [_waiting.get()]
        while len(batch) < 64:
            try:
                batch.append(_waiting.get_nowait())
            except queue.Empty:
                break
        with engine.begin() as conn:
            conn.execute(_INSERT, [row for row, _ in batch])
        for _, done in batch:
            done.set()


_local = threading.local()
_RAW_SQL = ("INSERT INTO inbound_message (channel, dedup_key, account, kind, text, status, received_at) "
            "VALUES (%(channel)s, %(dedup_key)s, %(account)s, %(kind)s, %(text)s, %(status)s, now())")


def _raw_insert(row: dict) -> None:
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "pid", None) != os.getpid():
        import psycopg

        url = engine.url
        conn = psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                               options=(url.query.get("options") or None), autocommit=True, prepare_threshold=0)
        _local.conn, _local.pid = conn, os.getpid()
    conn.execute(_RAW_SQL, row)


_started: list[int] = []
_lock = threading.Lock()


def _start_writer() -> None:
    """One writer per worker process, started by its first request (after the fork: threads are not inherited)."""
    if _started and _started[0] == os.getpid():
        return
    with _lock:
        if not (_started and _started[0] == os.getpid()):
            threading.Thread(target=_writer, daemon=True).start()
            _started[:] = [os.getpid()]
