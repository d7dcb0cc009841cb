"""Which required meetings a branch held month by month, and which are missing (record book, dashboard).

Pure: activities in, a grid out. Months after `as_of` are "not yet due", never "missing".
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

QUARTER_OF = {m: (m - 1) // 3 + 1 for m in range(1, 13)}


@dataclass(frozen=True)
class MonthCell:
    month: int
    held: dict[str, int] = field(default_factory=dict)  # code -> times held (required codes only)
    missing: tuple[str, ...] = ()  # required codes not held (monthly ones, and quarterly ones at quarter end)
    total: int = 0  # every activity of the month, required or not
    due: bool = True  # False: the month has not ended by as_of (nothing is missing yet)

    @property
    def ok(self) -> bool:
        return self.due and not self.missing


def month_grid(activities: Iterable[tuple[str, date]], year: int, as_of: date,
               monthly: Mapping[str, str], quarterly: Mapping[str, str] | None = None) -> list[MonthCell]:
    """Twelve cells. A month is due once it has ended by as_of (December: once as_of is the 31st or later)."""
    quarterly = quarterly or {}
    counts: dict[int, dict[str, int]] = {m: {} for m in range(1, 13)}
    totals = {m: 0 for m in range(1, 13)}
    for code, day in activities:
        if day.year != year:
            continue
        counts[day.month][code] = counts[day.month].get(code, 0) + 1
        totals[day.month] += 1
    cells = []
    for m in range(1, 13):
        month_end = date(year, m, calendar.monthrange(year, m)[1])
        due = as_of >= month_end
        required = dict(monthly)
        if m % 3 == 0:
            required.update(quarterly)
        held = {c: sum(counts[mm].get(c, 0) for mm in _months_for(c, m, monthly, quarterly)) for c in required}
        missing = tuple(c for c in required if due and held[c] == 0)
        cells.append(MonthCell(m, held, missing, totals[m], due))
    return cells


def _months_for(code: str, month: int, monthly: Mapping[str, str], quarterly: Mapping[str, str]) -> range:
    """A monthly code counts in its month; a quarterly one over the quarter ending this month."""
    if code in monthly:
        return range(month, month + 1)
    q = QUARTER_OF[month]
    return range(3 * q - 2, 3 * q + 1)
