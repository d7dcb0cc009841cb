"""`make bench`: every benchmark in turn (each prints its figures and the machine), then the long fuzzing run.

Run: .venv/bin/python bench/run_all.py [--skip NAME …]   names: parse, annex2, committee, callbacks, burst, ack_probe, fuzz
A missing script (a colleague's, not landed yet) is reported and skipped; the exit code is non-zero when one failed.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = [
    ("parse", [sys.executable, "bench/parse_bench.py"]),
    ("annex2", [sys.executable, "bench/exports_annex2.py"]),
    ("committee", [sys.executable, "bench/committee.py"]),
    ("callbacks", [sys.executable, "bench/callbacks.py"]),
    ("burst", [sys.executable, "bench/burst.py"]),
    ("ack_probe", [sys.executable, "bench/ack_probe.py"]),
    # 10,000 hypothesis cases per callback endpoint and for the parser (the default `make test` runs 1,000).
    ("fuzz", [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/fuzz"]),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip", nargs="*", default=[])
    args = ap.parse_args()
    failed = []
    for name, cmd in STEPS:
        if name in args.skip:
            continue
        script = ROOT / cmd[1] if cmd[1].endswith(".py") else None
        print(f"\n=== {name}: {' '.join(cmd[1:])}", flush=True)
        if script is not None and not script.exists():
            print(f"(skipped: {cmd[1]} is not in the tree)")
            continue
        env = {**os.environ, "ZHIBU_FUZZ_EXAMPLES": os.environ.get("ZHIBU_FUZZ_EXAMPLES", "10000")}
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=ROOT, env=env)
        print(f"--- {name}: exit {rc} in {time.perf_counter() - t0:.0f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
