"""The periods a requirement can be counted in, precomputed once per year.

Kinds: month, quarter, half_year, year and fortnight.  A fortnight ("每两周") is one of 26
consecutive 14-day windows starting on 1 January; the 26th window runs to 31 December (15 or 16
days), so every day of the year belongs to exactly one window and a year always has 26.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

PERIOD_KINDS = ("month", "quarter", "half_year", "year", "fortnight")

# how a requirement and its current period are worded: "每季度1次", "本季度还差1次"
EVERY = {"month": "每月", "quarter": "每季度", "half_year": "每半年", "year": "每年", "fortnight": "每两周"}
THIS = {"month": "本月", "quarter": "本季度", "half_year": "本半年", "year": "全年", "fortnight": "本两周"}
_QUARTER = "一二三四"


@dataclass(frozen=True, slots=True)
class PeriodTable:
    kind: str
    starts: tuple[date, ...]
    ends: tuple[date, ...]  # inclusive last day: the due date of that period
    start_ords: tuple[int, ...]
    end_ords: tuple[int, ...]
    labels: tuple[str, ...]
    of_day: tuple[int, ...]  # day-of-year (0-based) -> period index

    def __len__(self) -> int:
        return len(self.starts)


@dataclass(frozen=True, slots=True)
class YearCalendar:
    year: int
    first_ord: int  # ordinal of 1 January
    last_ord: int  # ordinal of 31 December
    tables: dict[str, PeriodTable]


def _bounds(year: int, kind: str) -> list[tuple[date, date, str]]:
    def month_end(y: int, m: int) -> date:
        return date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)

    if kind == "month":
        return [(date(year, m, 1), month_end(year, m), f"{year}年{m}月") for m in range(1, 13)]
    if kind == "quarter":
        return [(date(year, 3 * q + 1, 1), month_end(year, 3 * q + 3), f"{year}年第{_QUARTER[q]}季度") for q in range(4)]
    if kind == "half_year":
        return [(date(year, 1, 1), date(year, 6, 30), f"{year}年上半年"), (date(year, 7, 1), date(year, 12, 31), f"{year}年下半年")]
    if kind == "year":
        return [(date(year, 1, 1), date(year, 12, 31), f"{year}年")]
    if kind == "fortnight":
        out = []
        jan1 = date(year, 1, 1)
        for k in range(26):
            start = jan1 + timedelta(days=14 * k)
            end = date(year, 12, 31) if k == 25 else start + timedelta(days=13)
            out.append((start, end, f"{year}年{start.month}月{start.day}日至{end.month}月{end.day}日"))
        return out
    raise ValueError(kind)


def _table(year: int, kind: str) -> PeriodTable:
    bounds = _bounds(year, kind)
    first = date(year, 1, 1).toordinal()
    of_day: list[int] = []
    for i, (start, end, _) in enumerate(bounds):
        of_day.extend([i] * (end.toordinal() - start.toordinal() + 1))
    assert len(of_day) == date(year, 12, 31).toordinal() - first + 1
    return PeriodTable(
        kind=kind,
        starts=tuple(b[0] for b in bounds),
        ends=tuple(b[1] for b in bounds),
        start_ords=tuple(b[0].toordinal() for b in bounds),
        end_ords=tuple(b[1].toordinal() for b in bounds),
        labels=tuple(b[2] for b in bounds),
        of_day=tuple(of_day),
    )


@lru_cache(maxsize=32)
def calendar(year: int) -> YearCalendar:
    """All period tables of one year (cached: a committee re-score builds this once)."""
    return YearCalendar(
        year=year,
        first_ord=date(year, 1, 1).toordinal(),
        last_ord=date(year, 12, 31).toordinal(),
        tables={kind: _table(year, kind) for kind in PERIOD_KINDS},
    )


def full_months_from(founded: date | None, year: int) -> int:
    """Whole calendar months of `year` the branch existed for (a month counts when founded on or before its 1st)."""
    if founded is None or founded <= date(year, 1, 1):
        return 12
    if founded.year > year:
        return 0
    first_full = founded.month if founded.day == 1 else founded.month + 1
    return max(0, 13 - first_full)
