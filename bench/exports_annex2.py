"""Annex 2 export for a committee of 10,000 branches (target: < 5 s). Prints figures, asserts nothing.

Run: .venv/bin/python bench/exports_annex2.py [N]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.exports.annex2 import Annex2Row, write_annex2  # noqa: E402
from scoring.rubric import Rubric, ScoreColumn, Section  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rubric = Rubric(id="bench", title="bench", source="", sections=(Section("一", "x", 100, ()),),
                    columns=(ScoreColumn("self", "自评"), ScoreColumn("group", "协作组评分")))
    rows = [Annex2Row(f"重庆市第{i}号行业协会党支部", {"self": 80 + i % 20, "group": 79.5 + i % 20},
                      "否定项目：党纪处分" if i % 97 == 0 else "") for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_annex2(rubric, rows, Path(tmp) / "one.xlsx", {"group": "全委", "year": 2022})
        one = time.perf_counter() - t0
        # The office's "--all": one file per group, 100 groups of 100.
        t0 = time.perf_counter()
        for g in range(100):
            write_annex2(rubric, rows[g * (n // 100):(g + 1) * (n // 100)], Path(tmp) / f"g{g}.xlsx",
                         {"group": f"第{g + 1}协作组", "year": 2022})
        per_group = time.perf_counter() - t0
    print(f"annex2 {n} rows in one sheet: {one:.2f} s")
    print(f"annex2 {n} rows as 100 group files: {per_group:.2f} s  (target < 5 s)")


if __name__ == "__main__":
    main()
