"""Gaps in the required activities, read off the scoring core's own score card: one definition of "required".

The record book's gap marks and the dashboard's month grid are the card's deductions for its count requirements
(三会一课, 主题党日, 集中学习, 党小组会 … whatever the rubric requires, at the frequency it sets), so every
deduction has its mark and every mark a deduction. Nothing here knows a frequency or an activity code of its
own; a deduction belongs to a requirement when its reason names the requirement's label (the engine writes
"支委会 2022年3月未开展", "党课 2022年第一季度只有0次，要求1次", "组织生活会 全年0次，要求不少于1次").
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from scoring.card import Deduction, ItemResult, Missing, ScoreCard


@dataclass(frozen=True)
class Gap:
    """One deduction for a required activity not held (enough) in a period."""

    item_id: str
    label: str  # the requirement's label: "支委会"
    period: str  # "2022年3月", "2022年第一季度", "全年"
    reason: str  # the engine's wording
    points: float
    due: date  # the period's last day (where the book puts the mark)
    codes: tuple[str, ...] = ()


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


def _requirement_of(item: ItemResult, d: Deduction) -> tuple[str, tuple[str, ...]] | None:
    """(label, codes) of the count requirement this deduction is for; None for incidents and declarations."""
    best = None
    for r in item.requirements:
        if d.reason.startswith(r.label + " ") and (best is None or len(r.label) > len(best[0])):
            best = (r.label, r.codes)
    return best


def _period(reason: str, label: str) -> str:
    rest = reason[len(label):].strip()
    for stop in ("未开展", "只有", "，"):
        if stop in rest:
            rest = rest.split(stop, 1)[0]
    return rest.strip() or "全年"


def activity_gaps(card: ScoreCard) -> list[Gap]:
    """Every deduction of the card for a required activity, in date order (then the card's item order)."""
    out = []
    for item in card.items:
        for d in item.deductions:
            if d.points <= 0:
                continue
            req = _requirement_of(item, d)
            if req is None:
                continue
            due = d.date or date(card.year, 12, 31)
            out.append(Gap(item.id, req[0], _period(d.reason, req[0]), d.reason, d.points, due, tuple(req[1])))
    out.sort(key=lambda g: g.due)
    return out


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
    for item in card.items:
        for m in item.missing:
            if m.due.year == card.year and m.code and any(m.label == r.label for r in item.requirements):
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
