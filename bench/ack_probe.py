"""How far could an acknowledge-first design go? Ceilings of the least a durable callback can do, beside bare Flask.

Same gunicorn settings (`bot/gunicorn_conf.py`), same encrypted and signed callbacks as `bench/callbacks.py`,
closed loop with 8 connections, one server at a time, rounds interleaved:
  bare   : `bench/bare_app.py` (reads the body, answers "success")
  crypto : `bench/ack_probe_app.py` PROBE_MODE=crypto: signature + decrypt + XML, no store
  store  : the same + one INSERT of the raw message and COMMIT in PostgreSQL (PROBE_MODE=store)
  psycopg: the same INSERT + COMMIT through raw psycopg (a connection per thread, autocommit, prepared)
  group  : the same rows, committed by one writer thread per worker in multi-row INSERTs (8 threads per worker)
  app    : the real app (`bot.wsgi:app`) as `bench/callbacks.py` runs it (store, parse, handler, reply)
The ratio to bare of "store" is the ceiling any "store durably, then 200, process later" design could reach on
this machine, before its later processing takes its share of the same cores.

Run: .venv/bin/python bench/ack_probe.py [--rounds 2] [--seconds 8]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_committee, machine, pg_schema  # noqa: E402
from callbacks import Gunicorn, app_env, callbacks  # noqa: E402
from loadgen import closed_loop  # noqa: E402


def measure(name: str, target: str, env: dict, seconds: float, org_id: int, start: int) -> float:
    server = Gunicorn(target, env)
    try:
        reqs = callbacks(int(seconds * 6000), server.port, org_id, start_id=start)
        closed_loop(server.port, reqs[:300], concurrency=4, duration=5)
        cpu0 = server.cpu()
        res = closed_loop(server.port, reqs[300:], concurrency=8, duration=seconds)
        used = server.cpu() - cpu0
        print(f"{name:7s} ceiling: {res.summary()}; server CPU {used / max(1, res.done) * 1000:.2f} ms per request; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        return res.throughput
    finally:
        server.stop()


def main(rounds: int, seconds: float) -> None:
    print(machine())
    from bot.db import create_schema, make_engine

    with pg_schema("bench_ackprobe") as url:
        engine = make_engine(url)
        create_schema(engine)
        org_id = generate_committee(engine, 1000, people=True, seed=7)
        env = app_env(url)
        results: dict[str, list[float]] = {}
        start = 1
        for _ in range(rounds):
            for name, target, extra in (("bare", "bench.bare_app:app", {}),
                                        ("crypto", "bench.ack_probe_app:app", {"PROBE_MODE": "crypto"}),
                                        ("store", "bench.ack_probe_app:app", {"PROBE_MODE": "store"}),
                                        ("psycopg", "bench.ack_probe_app:app", {"PROBE_MODE": "psycopg"}),
                                        ("group", "bench.ack_probe_app:app", {"PROBE_MODE": "group",
                                                                             "ZHIBU_THREADS": "8"}),
                                        ("app", "bot.wsgi:app", {})):
                results.setdefault(name, []).append(measure(name, target, {**env, **extra}, seconds, org_id, start))
                start += 100_000  # distinct MsgIds for every server: the stores keep what they received
        engine.dispose()
    bare = max(results["bare"])
    for name, values in results.items():
        best = max(values)
        print(f"{name:7s} best {best:7.0f} req/s = {best / bare * 100:5.1f} % of bare (rounds: "
              + ", ".join(f"{v:.0f}" for v in values) + ")")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=8)
    a = ap.parse_args()
    main(a.rounds, a.seconds)
