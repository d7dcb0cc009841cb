"""What every machine rule runs over and shares: one branch's facts for one year as of one date (`Ctx`), the
fields every rule has (`RuleBase`), and small helpers (due dates, memoised results, number wording).

Deductions are only made for periods that have closed by `as_of` (a period is closed when its last day is on or
before `as_of`); an open period shows up in `missing` instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from .index import ActivityIndex
from .periods import YearCalendar, full_months_from
from .vocabulary import ACTIVITIES, activity_label, declaration_label


class Ctx:
    """One branch's facts for one year as of one date, indexed once for all rules."""

    __slots__ = ("year", "cal", "first_ord", "last_ord", "as_of", "as_of_ord", "kind", "founded_ord",
                 "full_months", "ords", "extra", "incidents", "declarations", "awards", "used_events",
                 "no_double", "n_activities", "shortfalls", "warnings")

    def __init__(self, facts: Any, cal: YearCalendar, as_of: date, no_double: bool, index: ActivityIndex) -> None:
        self.year = cal.year
        self.cal = cal
        self.first_ord = first = cal.first_ord
        self.last_ord = last = cal.last_ord
        self.as_of = as_of
        self.as_of_ord = limit = as_of.toordinal()
        if limit > last:
            limit_in = last
        else:
            limit_in = limit
        if index.first != first or index.limit != limit_in:
            raise ValueError("ActivityIndex built for another year or as_of")
        self.kind = facts.kind
        founded = facts.founded
        self.founded_ord = founded.toordinal() if founded is not None else 0
        self.full_months = full_months_from(founded, cal.year)
        self.ords = index.ords  # code -> ordinal days of the activities that count
        self.extra = index.extra  # code -> (day, speaker_role, hours), only codes where one is set
        self.n_activities = index.n
        self.warnings: list[str] = []
        if self.founded_ord > first:  # counted (the branch says it held them) but said: a date or `founded` is wrong
            early = sorted((o, activity_label(code)) for code, lst in self.ords.items() for o in lst if o < self.founded_ord)
            self.warnings.extend(f"{label}（{date.fromordinal(o).isoformat()}）早于支部成立日期 {founded.isoformat()}，"
                                 "已计入，请核对日期" for o, label in early)
        inc: dict[str, list[Any]] = {}
        for i in facts.incidents:
            o = i.date.toordinal()
            if first <= o <= limit_in:
                inc.setdefault(i.key, []).append(i)
        self.incidents = inc
        decl: dict[str, list[Any]] = {}
        next_end = date(cal.year + 1, 12, 31).toordinal() if cal.year < 9999 else last
        for d in facts.declarations:
            o = d.date.toordinal() if d.date is not None else None
            if o is not None and o > limit:
                continue  # not declared yet on as_of
            if d.year is not None and d.year != cal.year:
                self.warnings.append(f"申报 {declaration_label(d.key)} 属于{d.year}年度，未计入{cal.year}年度")
                continue
            if d.year is None and o is not None and not first <= o <= next_end:
                self.warnings.append(f"申报 {declaration_label(d.key)}（{d.date.isoformat()}）不在{cal.year}年度内，未计入")
                continue
            decl.setdefault(d.key, []).append(d)
        self.declarations = decl
        self.shortfalls: dict[tuple[str, str], float] = {}  # (item, rule key) -> misses, for `overlaps`
        aw: dict[str, list[Any]] = {}
        for w in facts.awards:
            o = w.date.toordinal()
            if first <= o <= limit_in:
                aw.setdefault(w.key, []).append(w)
        self.awards = aw
        self.used_events: dict[str, str] = {}
        self.no_double = no_double

    def with_role(self, code: str, roles: tuple[str, ...] | None) -> list[int]:
        """Days of the activities of `code` whose speaker_role is one of `roles` (all of them when None)."""
        ex = self.extra.get(code)
        if ex is None:
            return self.ords.get(code, EMPTY) if roles is None else EMPTY
        if roles is None:
            return self.ords[code]
        return [o for o, r, _ in ex if r in roles]

    def decls(self, key: str, window: tuple[int, int] | None = None) -> list[Any]:
        """Declarations of `key` for this evaluation year: those the store gave this `year`, those
        without a date, and dated ones inside `window` (default: 1 January – 31 December)."""
        lo, hi = window or (self.first_ord, self.last_ord)
        return [d for d in self.declarations.get(key, ())
                if d.year is not None or d.date is None or lo <= d.date.toordinal() <= hi]

    def declared(self, key: str) -> bool:
        """Whether the branch declared `key` with a true value for this year."""
        return any(d.value not in FALSY for d in self.decls(key))

    def overlap(self, item_id: str, key: str | None, short: float) -> float:
        """How many of `short` misses are not already misses of the item's rule `key` (同一件事情不重复扣分)."""
        if key is None:
            return short
        return max(0.0, short - self.shortfalls.get((item_id, key), 0.0))


FALSY = (False, 0, "", "false", "否", "无", "no")
EMPTY: tuple = ()
MEMO_MAX = 20_000  # results kept per rule (a few hundred in practice); cleared past this


def num(x: float) -> str:
    """1.0 -> "1", 0.5 -> "0.5"."""
    return f"{x:g}"


def key_label(key: str) -> str:
    """An activity code's or a declaration key's 中文 label (an `overlaps` names either)."""
    return activity_label(key) if key in ACTIVITIES else declaration_label(key)


def md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def memo_put(memo: dict, key: Any, value: Any) -> Any:
    """Keep `value` (an immutable result) under `key`: branches with the same counts share one object.

    A rule's results depend only on the key (the calendar, the counts, the item), so handing out the same
    frozen Deduction / Missing / Requirement to several score cards is the same as building it anew."""
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value


@lru_cache(maxsize=256)
def due_day(due: tuple[int, int, int] | None, year: int) -> tuple[date, int]:
    """A rule's due date for evaluation `year`: (years after, month, day) from the loader; none: 31 December."""
    if not due:
        d = date(year, 12, 31)
    else:
        after, m, dd = due
        d = date(year + after, m, dd)
    return d, d.toordinal()


def due_window(due: tuple[int, int, int] | None, year: int) -> tuple[int, int] | None:
    """The days a declaration must be dated in to count for `year`: the calendar year, or for a document due
    the year after (a summary "于 2023 年 1 月 10 日前"), the day after last year's due date to this one's,
    so last year's summary handed in on 5 January is not taken for this year's."""
    if not due or not due[0]:
        return None
    return due_day(due, year - 1)[1] + 1, due_day(due, year)[1]


@dataclass(frozen=True, slots=True)
class RuleBase:
    text: str  # the rubric's wording of this rule (item rule_text unless the rule gives its own)
    applies_to: tuple[str, ...]
    unless: str | None  # a declaration key: when the branch declared it (true), the rule does not apply

