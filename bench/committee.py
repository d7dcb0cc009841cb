"""A generated committee in PostgreSQL: full re-score, one group's ranking, annex 2 export, 1,000 → 10,000 branches.

Targets (bench/README.md) at 10,000 branches / 500,000 activities: full re-score < 2 s, one group's ranking < 50 ms,
annex 2 export < 5 s. Everything is read from the database the way the app reads it (bot/facts.py,
bot/exports/office.py), so the figures include the queries, not just the scoring core.

Run: .venv/bin/python bench/committee.py [SIZES…]     (default 1000 2000 5000 10000; 50 activities per branch)
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import generate_committee, machine, pg_schema  # noqa: E402

from bot.db import create_schema, make_engine, make_session_factory  # noqa: E402

YEAR, AS_OF = 2022, date(2022, 12, 26)


def timed(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock seconds of each call (CPU seconds of this process appended to `cpu`, when given)."""
    out = []
    for _ in range(repeat):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return out


def load() -> str:
    """The 1-minute load average: other engineers' work shares the 2 cores and skews wall-clock figures."""
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?"


def main(sizes: list[int]) -> list[dict]:
    from bot.exports.office import annex2_xlsx
    from bot.exports.parallel import Job, export_all
    from bot.facts import rubric_for, score_cards
    from bot.models import Group, Organisation
    from scoring import rank

    print(machine())
    rows = []
    with pg_schema("bench_committee") as url:
        engine = make_engine(url)
        create_schema(engine)
        sessions = make_session_factory(engine)
        rubric_for("seed000")  # loaded once per process, as in the app
        print(f"{'branches':>9} {'activities':>11} {'generate':>9} {'re-score':>9} {'(cpu)':>7} {'group rank':>11} "
              f"{'p95':>9} {'annex2 all':>11} {'(cpu)':>7} {'all cores':>11} {'load':>5}")
        for n in sizes:
            t0 = time.perf_counter()
            org_id = generate_committee(engine, n, seed=n)
            gen = time.perf_counter() - t0
            with sessions() as s:
                org = s.get(Organisation, org_id)
                groups = list(s.query(Group).filter_by(org_id=org_id).order_by(Group.id))
                n_acts = s.execute(__import__("sqlalchemy").text(
                    "SELECT count(*) FROM activity_record a JOIN branch b ON b.id = a.branch_id WHERE b.org_id = :o"),
                    {"o": org_id}).scalar()
                cpu: list[float] = []
                full = timed(lambda: score_cards(s, org, YEAR, AS_OF), 3, cpu)
                mid = groups[len(groups) // 2]
                group = timed(lambda: rank(score_cards(s, org, YEAR, AS_OF, mid.id)), 21)
                export_cpu: list[float] = []
                with tempfile.TemporaryDirectory() as tmp:
                    export = timed(lambda: [annex2_xlsx(s, org, g, YEAR, AS_OF, tmp) for g in groups], 1, export_cpu)
                group_ids = [g.id for g in groups]
            engine.dispose()  # the pool's processes must not inherit a connection of ours
            with tempfile.TemporaryDirectory() as tmp:  # what `zhibu export annex2 --all` runs: every core
                pooled = timed(lambda: export_all("annex2", group_ids, Job(url, org_id, YEAR, AS_OF, tmp)), 1)
            row = {"branches": n, "activities": n_acts, "generate_s": gen, "rescore_s": statistics.median(full),
                   "group_rank_ms": statistics.median(group) * 1000, "group_rank_p95_ms": sorted(group)[19] * 1000,
                   "annex2_s": export[0], "annex2_pool_s": pooled[0], "rescore_cpu_s": statistics.median(cpu), "annex2_cpu_s": export_cpu[0], "load": load()}
            rows.append(row)
            print(f"{n:>9,} {n_acts:>11,} {gen:>8.1f}s {row['rescore_s']:>8.2f}s {row['rescore_cpu_s']:>6.2f}s "
                  f"{row['group_rank_ms']:>9.1f}ms {row['group_rank_p95_ms']:>7.1f}ms {row['annex2_s']:>10.2f}s "
                  f"{row['annex2_cpu_s']:>6.2f}s {row['annex2_pool_s']:>10.2f}s {row['load']:>5}", flush=True)
        engine.dispose()
    last = rows[-1]
    print(f"targets at {last['branches']:,} branches: re-score {last['rescore_s']:.2f} s (< 2 s), "
          f"group ranking {last['group_rank_ms']:.1f} ms, p95 {last['group_rank_p95_ms']:.1f} ms (< 50 ms), "
          f"annex 2 export {last['annex2_s']:.2f} s in one process, {last['annex2_pool_s']:.2f} s on every core "
          f"(`zhibu export annex2 --all`) (< 5 s)")
    return rows


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 2000, 5000, 10000])
