"""A burst beyond capacity, answered the way WeChat Work behaves: what reaches the user, what is lost?

The week before Jan 10 brings bursts. This sends `--rate` callbacks per second for `--seconds` (default 400/s
for 10 s, well above the ~250/s the app serves on this machine) through gunicorn + PostgreSQL, and plays the
platform's part: an attempt that gets no answer within 5 s is cut off and sent again, three retries at most
(WeChat Work's documented behaviour). Per message it records which attempt was answered and how: a passive
reply (the user sees it at once), an empty 200 (the reply follows through the message API: an
`outbound_message` row under `reply:wecom:<MsgId>`), or nothing at all (lost to the user). Afterwards it waits
until every stored message is handled and checks the database: each message stored once, handled once, one
activity record per record message.

Run: .venv/bin/python bench/burst.py [--rate 400] [--seconds 10]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_committee, machine, pg_schema  # noqa: E402
from callbacks import CORP_ID, USERS, Gunicorn, app_env, callbacks  # noqa: E402
from loadgen import HOST, paced  # noqa: E402

WINDOW = 5.0  # seconds WeChat Work waits for an answer
RETRIES = 3
MSG_BASE = 7_000_000_000_000_000_000  # callbacks() numbers MsgIds from here


async def _attempt(port: int, req: bytes) -> tuple[int, int] | None:
    """(status, body length), or None when no answer came within the window (the connection is cut)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), WINDOW)
    except (OSError, asyncio.TimeoutError):
        return None
    try:
        async def exchange() -> tuple[int, int]:
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            lower = head.lower()
            i = lower.find(b"content-length:")
            length = int(lower[i + 15:lower.find(b"\r\n", i)]) if i >= 0 else 0
            if length:
                await reader.readexactly(length)
            return int(head[9:12]), length

        return await asyncio.wait_for(exchange(), WINDOW)
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, asyncio.LimitOverrunError):
        return None
    finally:
        writer.close()


async def _message(port: int, req: bytes, due: float, out: list, sem: asyncio.Semaphore) -> None:
    for attempt in range(1 + RETRIES):
        async with sem:
            got = await _attempt(port, req)
        if got is not None and got[0] == 200:
            out.append((attempt, "passive" if got[1] else "empty", time.perf_counter() - due))
            return
    out.append((RETRIES + 1, "none", time.perf_counter() - due))


async def _burst(port: int, reqs: list[bytes], rate: float) -> tuple[list, float]:
    out: list = []
    sem = asyncio.Semaphore(2000)  # sockets at once (the platform has many; this machine allows 20,000 fds)
    elapsed = await paced(reqs, rate, lambda req, due: _message(port, req, due, out, sem))
    return out, elapsed


def main(rate: float, seconds: float) -> None:
    from sqlalchemy import func, select

    from bot.db import create_schema, make_engine, make_session_factory
    from bot.models import ActivityRecord, InboundMessage, OutboundMessage

    print(machine())
    with pg_schema("bench_burst") as url:
        engine = make_engine(url)
        create_schema(engine)
        org_id = generate_committee(engine, USERS, people=True, seed=11)
        sessions = make_session_factory(engine)
        logs = Path(__file__).resolve().parents[1] / "var" / "bench"
        logs.mkdir(parents=True, exist_ok=True)
        app = Gunicorn("bot.wsgi:app", app_env(url), log=logs / "burst-app.log")
        try:
            n = int(rate * seconds)
            warm = callbacks(200, app.port, org_id, start_id=1)
            reqs = callbacks(n, app.port, org_id, start_id=10_000)
            asyncio.run(_burst(app.port, warm, 50))
            print(f"burst: {n} distinct callbacks at {rate:.0f}/s for {seconds:.0f} s; 5 s window, up to {RETRIES} retries",
                  flush=True)
            out, elapsed = asyncio.run(_burst(app.port, reqs, rate))
            t_end = time.perf_counter()
            ids = [str(MSG_BASE + i) for i in range(10_000, 10_000 + n)]
            while True:  # until every stored message of the burst has been handled
                with sessions() as s:
                    open_ = s.scalar(select(func.count()).select_from(InboundMessage).where(
                        InboundMessage.dedup_key.in_(ids), InboundMessage.status == "received"))
                if not open_ or time.perf_counter() - t_end > 120:
                    break
                time.sleep(0.5)
            drained = time.perf_counter() - t_end
        finally:
            app.stop()
        with sessions() as s:
            stored = dict(s.execute(select(InboundMessage.dedup_key, InboundMessage.status)
                                    .where(InboundMessage.dedup_key.in_(ids))).all())
            records = s.scalar(select(func.count()).select_from(ActivityRecord).join(
                InboundMessage, InboundMessage.id == ActivityRecord.message_id).where(InboundMessage.dedup_key.in_(ids)))
            per_msg = Counter(s.execute(select(ActivityRecord.message_id).join(
                InboundMessage, InboundMessage.id == ActivityRecord.message_id).where(
                InboundMessage.dedup_key.in_(ids))).scalars())
            api = s.scalar(select(func.count()).select_from(OutboundMessage).where(
                OutboundMessage.idem_key.in_([f"reply:wecom:{k}" for k in ids])))
        engine.dispose()
    how = Counter(kind for _, kind, _ in out)
    attempts = Counter(a for a, kind, _ in out if kind != "none")
    lat = sorted(t for _, kind, t in out if kind != "none")
    print(f"offered {n} in {elapsed:.1f} s; answers: passive {how['passive']}, empty 200 {how['empty']} (the reply "
          f"must then come through the message API: {api} sent), none after {RETRIES} retries {how['none']}")
    print("answered at attempt: " + ", ".join(f"{'first' if a == 0 else f'retry {a}'} {c}" for a, c in sorted(attempts.items())))
    if lat:
        print(f"time from first send to the answer: p50 {lat[len(lat) // 2]:.2f} s, p90 {lat[int(len(lat) * 0.9)]:.2f} s, "
              f"max {lat[-1]:.2f} s")
    print(f"database: {len(stored)} of {n} stored (each once: unique key), statuses {dict(Counter(stored.values()))}; "
          f"all handled {drained:.1f} s after the last answer; {records} activity records, "
          f"{sum(1 for c in per_msg.values() if c > 1)} messages with more than one")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=400)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    main(a.rate, a.seconds)
