"""Gaps in the required activities, read off the scoring core's own score card: one definition of "required".

The record book's gap marks, the dashboard's month grid and the reminders' period-end nudges all come from here,
and here from the card: a gap is a deduction whose `requirement` (scoring.card.RequirementRef) is a count
requirement of activities (三会一课, 主题党日, 集中学习, 党小组会 … whatever the rubric requires, at the frequency it
sets); what is still open is a `Missing` of the same kind. So every deduction has its mark and every mark a
deduction. Nothing here knows a frequency or an activity code of its own, and nothing reads the wording.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from scoring.card import ItemResult, Missing, ScoreCard


@dataclass(frozen=True)
class Gap:
    """One deduction for a required activity not held (enough) in a period."""

    item_id: str
    label: str  # the requirement's label: "支委会"
    period: str  # the deduction's RequirementRef.period: "2022年3月", "2022年第一季度", "2022年"
    reason: str  # the engine's wording
    points: float
    due: date  # the period's last day (where the book puts the mark)
    codes: tuple[str, ...] = ()
    capped: bool = False  # past the item's cap: missed all the same, no points taken (points 0)


@dataclass(frozen=True)
class MonthCell:
    """One month of a branch on the dashboard's grid."""

    month: int
    due: bool  # the month has ended by as_of
    gaps: tuple[Gap, ...] = ()  # deductions for periods ending this month
    total: int = 0  # activities recorded this month (any kind)
    pending: tuple[Missing, ...] = ()  # still open requirements due this month

    @property
    def ok(self) -> bool:
        return self.due and not self.gaps

    @property
    def labels(self) -> tuple[str, ...]:
        """What is missing, each label once, in the card's order."""
        return tuple(dict.fromkeys(g.label for g in self.gaps))


def _requirement(item: ItemResult, code: str) -> tuple[str, tuple[str, ...]]:
    """(label, codes) of the item's count requirement `code` (the card lists each with its label)."""
    for r in item.requirements:
        if r.code == code:
            return r.label, r.codes
    return code, ()


def activity_gaps(card: ScoreCard) -> list[Gap]:
    """Every deduction of the card for a required activity, and every one its item's cap left out (a missed
    meeting all the same, at no cost), in date order (then the card's item order)."""
    out = []
    for item in card.items:
        for d, capped in [(d, False) for d in item.deductions] + [(d, True) for d in item.capped]:
            ref = d.requirement
            if (d.points <= 0 and not capped) or ref is None or not ref.activity:
                continue
            label, codes = _requirement(item, ref.key)
            due = d.date or date(card.year, 12, 31)
            out.append(Gap(item.id, label, ref.period, d.reason, 0.0 if capped else d.points, due, tuple(codes),
                           capped))
    out.sort(key=lambda g: g.due)
    return out


def open_requirements(card: ScoreCard, due: date | None = None) -> list[Missing]:
    """The card's required activities still short in an open period (due on `due` when given), one entry per
    (requirement, period): what a nudge asks for and the grid shows as pending. Items that do not apply say none."""
    found: dict[tuple[str, str], Missing] = {}
    for item in card.items:
        if not item.applies:
            continue
        for m in item.missing:
            if not m.activity or m.short <= 0 or (due is not None and m.due != due):
                continue
            prev = found.get((m.code, m.period))
            if prev is None or m.short > prev.short:
                found[(m.code, m.period)] = m
    return sorted(found.values(), key=lambda m: (m.due, m.period, m.code))


def gaps_by_month(card: ScoreCard) -> dict[int, list[Gap]]:
    """{month: gaps whose period ends in that month} (a quarter's in its last month, the year's in December)."""
    out: dict[int, list[Gap]] = {}
    for g in activity_gaps(card):
        if g.due.year == card.year:
            out.setdefault(g.due.month, []).append(g)
    return out


def month_cells(card: ScoreCard, activity_dates: Iterable[date] = ()) -> list[MonthCell]:
    """Twelve cells for the grid: a month is due once it has ended by the card's as_of."""
    by_month = gaps_by_month(card)
    totals = {m: 0 for m in range(1, 13)}
    for d in activity_dates:
        if d.year == card.year:
            totals[d.month] += 1
    pending: dict[int, list[Missing]] = {}
    for m in open_requirements(card):
        if m.due.year == card.year:
            pending.setdefault(m.due.month, []).append(m)
    cells = []
    for m in range(1, 13):
        due = card.as_of >= date(card.year, m, calendar.monthrange(card.year, m)[1])
        cells.append(MonthCell(m, due, tuple(by_month.get(m, ())), totals[m], tuple(pending.get(m, ()))))
    return cells


def requirement_legend(cards: Iterable[ScoreCard]) -> list[str]:
    """What the rubric requires, as the grid's legend: "支委会 每月1次", "集中学习 每季度1次", … (each once)."""
    seen: dict[str, None] = {}
    for card in cards:
        for item in card.items:
            for r in item.requirements:
                seen.setdefault(f"{r.label} {r.requirement}", None)
        break  # one card shows the rubric's requirements
    return list(seen)
