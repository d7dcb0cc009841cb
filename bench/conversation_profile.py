"""Where a callback's server CPU goes: `Conversation.handle` alone against PostgreSQL, no HTTP, no crypto.

The same committee and message mix as bench/callbacks.py (1,000 secretaries, 50 activities per branch;
records of meetings, "我们支部现在多少分", "我的党课还差几次"). Prints, per kind of message, the SQL
statements and transactions per message (SQLAlchemy `before_cursor_execute` / `commit` events) and the
CPU per message of this process (PostgreSQL's own CPU is not in it); `--profile` adds a cProfile of the run.

Run: .venv/bin/python bench/conversation_profile.py [--messages 500] [--warm N] [--profile [--kind record]] [--top 30] [--sql]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_committee, machine, pg_schema  # noqa: E402
from callbacks import TEXTS, USERS  # noqa: E402

KINDS = ("record", "record", "score", "record", "progress")  # TEXTS[i % 5]


def run(n: int, profile: bool, top: int, show_sql: bool = False, kind_filter: str | None = None,
        warm: int = USERS) -> None:
    from sqlalchemy import event

    from bot.conversation import Conversation
    from bot.db import create_schema, make_engine, make_session_factory
    from bot.messages import Inbound, RecordingSender

    print(machine())
    with pg_schema("bench_conv") as url:
        engine = make_engine(url)
        create_schema(engine)
        org_id = generate_committee(engine, USERS, people=True, seed=7)
        sessions = make_session_factory(engine)
        clock = lambda: datetime(2022, 12, 26, 2, tzinfo=timezone.utc)  # noqa: E731
        conv = Conversation(sessions, clock, RecordingSender())
        counter = {"stmts": 0, "commits": 0}

        shown: set[str] = set()
        current = {"kind": ""}

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_a) -> None:
            counter["stmts"] += 1
            if show_sql and current["kind"] and current["kind"] not in shown:
                print(f"    [{current['kind']}] {' '.join(statement.split())[:150]}")

        @event.listens_for(engine, "commit")
        def _commits(*_a, **_k) -> None:
            counter["commits"] += 1

        def message(i: int) -> Inbound:
            e = 8 + i % 20
            text = TEXTS[i % len(TEXTS)].format(m=1 + i % 11, d=1 + i % 27, e=e, p=e - i % 3)
            return Inbound(channel="wecom", account=f"bench-sec-{org_id}-{i % USERS}", dedup_key=str(7_000_000 + i),
                           text=text)

        for i in range(1, warm + 1):  # warm-up: imports, jieba, rubrics, templates, pool, (by default) every sender
            conv.handle(message(i))
        stmts: dict[str, list[int]] = defaultdict(list)
        commits: dict[str, list[int]] = defaultdict(list)
        cpu: dict[str, float] = defaultdict(float)
        prof = cProfile.Profile(time.process_time) if profile else None  # CPU, not time spent waiting on PostgreSQL
        for i in range(100_000, 100_000 + n):
            kind = KINDS[i % len(KINDS)]
            counter["stmts"] = counter["commits"] = 0
            if show_sql and current["kind"] and current["kind"] not in shown:
                shown.add(current["kind"])
            current["kind"] = kind
            if show_sql and kind not in shown:
                print(f"  statements of one {kind} message:")
            t0 = time.process_time()
            on = prof is not None and kind_filter in (None, kind)
            if on:
                prof.enable()
            conv.handle(message(i))
            if on:
                prof.disable()
            cpu[kind] += time.process_time() - t0
            stmts[kind].append(counter["stmts"])
            commits[kind].append(counter["commits"])
        total_cpu = sum(cpu.values())
        print(f"{n} messages, this process's CPU {total_cpu / n * 1000:.2f} ms per message "
              f"({'with' if prof else 'without'} cProfile)")
        for kind in sorted(stmts):
            k = len(stmts[kind])
            print(f"  {kind:9s} ×{k:4d}: {sum(stmts[kind]) / k:5.1f} statements, {sum(commits[kind]) / k:3.1f} commits, "
                  f"{cpu[kind] / k * 1000:6.2f} ms CPU per message")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
            pstats.Stats(prof).sort_stats("tottime").print_stats(top)
        engine.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=500)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sql", action="store_true", help="print the statements of one message of each kind")
    ap.add_argument("--kind", choices=sorted(set(KINDS)), help="profile only messages of this kind")
    ap.add_argument("--warm", type=int, default=USERS,
                    help="warm-up messages (default: one per sender, so the per-process caches are warm; "
                         "--warm 200 --messages 500: every measured sender is new to the caches)")
    args = ap.parse_args()
    run(args.messages, args.profile, args.top, args.sql, args.kind, args.warm)
