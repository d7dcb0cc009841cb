"""Count requirements of activities: "每月1次" / "每季度1次" (`PerPeriod`), "全年不少于4次" (`Count`), "活动形式多样"
(`Variety`). Each appends its deductions (a `RequirementRef` of kind period / count / variety), what is still
missing in the open period, and its `Requirement` (for progress answers and the record book's gaps)."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from math import ceil, fsum
from typing import Any, Mapping

from .card import Deduction, Missing, Requirement, RequirementRef
from .periods import EVERY, THIS, YearCalendar
from .rule_context import EMPTY, Ctx, RuleBase, key_label, memo_put, num
from .vocabulary import activity_label


@dataclass(frozen=True, slots=True)
class PerPeriod(RuleBase):
    """"每月1次" / "每季度1次" / "每两周1次": every period the branch existed for needs `min`."""

    codes: tuple[str, ...]
    period: str
    min: int
    per_miss: float
    cap: float | None
    label: str
    key: str
    by_day: int | None  # the activity must be on or before this day of the period's last month
    speaker_role: tuple[str, ...] | None  # the roles that satisfy it (None: any speaker)
    requirement: str

    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see memo_put

    def _plan(self, cal: YearCalendar, item_id: str) -> tuple[Any, tuple[int, ...], tuple[Deduction, ...]]:
        """Per year: the period table, each period's deadline (its last day, or the `by_day` of its last
        month; never decreasing) and the deduction for a period with none held."""
        plan = self.memo.get((cal.year, item_id))
        if plan is None:
            tab = cal.tables[self.period]
            if self.by_day is None:
                deadlines = tab.end_ords
            else:
                deadlines = tuple(min(e, date(end.year, end.month, min(self.by_day, end.day)).toordinal())
                                  for e, end in zip(tab.end_ords, tab.ends))
            none_held = tuple(Deduction(self.min * self.per_miss, f"{self.label} {label}未开展", self.text, end,
                                        requirement=RequirementRef(item_id, self.key, "period", label))
                              for label, end in zip(tab.labels, tab.ends))
            plan = memo_put(self.memo, (cal.year, item_id), (tab, deadlines, none_held))
        return plan

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        cal = ctx.cal
        tab, deadlines, none_held = self._plan(cal, item_id)
        n = len(deadlines)
        counts = [0] * n
        of_day = tab.of_day
        first = ctx.first_ord
        if self.speaker_role is None and self.by_day is None:
            for code in self.codes:
                for o in ctx.ords.get(code, EMPTY):
                    counts[of_day[o - first]] += 1
        else:
            for code in self.codes:
                for o in ctx.with_role(code, self.speaker_role):
                    i = of_day[o - first]
                    if o <= deadlines[i]:
                        counts[i] += 1
        mn = self.min
        # periods s.. are required (the branch existed on their first day); periods ..k-1 have closed
        s = bisect_left(tab.start_ords, ctx.founded_ord)
        k = bisect_right(deadlines, ctx.as_of_ord)
        required = (n - s) * mn if s < n else 0
        missed = 0
        cap = self.cap
        memo = self.memo
        if s < k:
            if mn == 1 and cap is None:  # the usual "每月1次": a miss is a period with none held
                missed = counts[s:k].count(0)
                if missed:
                    ded.extend([none_held[i] for i in range(s, k) if not counts[i]])
            else:
                used = 0.0
                for i in range(s, k):
                    c = counts[i]
                    if c < mn:
                        short = mn - c
                        missed += short
                        pts = short * self.per_miss
                        if cap is not None:
                            pts = min(pts, cap - used)
                        used += pts
                        key = (ctx.year, item_id, i, c, pts)
                        d = memo.get(key)
                        if d is None:
                            why = (f"{self.label} {tab.labels[i]}未开展" if c == 0
                                   else f"{self.label} {tab.labels[i]}只有{c}次，要求{mn}次")
                            ref = RequirementRef(item_id, self.key, "period", tab.labels[i])
                            d = memo_put(memo, key, Deduction(pts, why, self.text, tab.ends[i], requirement=ref))
                        ded.append(d)
        current = s if s > k else k  # the first required period still open
        if current >= n:
            current = -1
        short = max(0, mn - counts[current]) if current >= 0 else 0
        if short:
            key = (ctx.year, current, "missing", counts[current])
            m = memo.get(key)
            if m is None:
                m = memo_put(memo, key, Missing(self.key, self.label, mn, counts[current], tab.labels[current],
                                             date.fromordinal(deadlines[current]), "period"))
            miss.append(m)
        done = sum(counts)
        key = (ctx.year, current, item_id, done, required, short, missed)
        r = memo.get(key)
        if r is None:
            if current >= 0:
                due = date.fromordinal(deadlines[current])
                plabel = tab.labels[current]
            else:
                due = cal.tables["year"].ends[0]
                plabel = f"{ctx.year}年"
            r = memo_put(memo, key, Requirement(item_id, self.key, self.label, self.requirement, done, required,
                                             short, due, plabel, THIS[self.period], missed, self.codes))
        reqs.append(r)


@dataclass(frozen=True, slots=True)
class Count(RuleBase):
    """"全年不少于4次": a total for the year (prorated by whole months for a branch founded in the year)."""

    codes: tuple[str, ...]
    min: float
    min_by_kind: Mapping[str, float]
    per_miss: float
    cap: float | None
    label: str
    key: str
    measure: str  # "count" | "hours"
    default_hours: float
    prorate: bool
    speaker_role: tuple[str, ...] | None  # the roles that satisfy it (None: any speaker)
    unit: str
    overlaps: str | None = None  # the key of an earlier rule of the item whose misses are the same events

    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see memo_put

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        role = self.speaker_role
        done: float = 0
        if self.measure == "count":
            for code in self.codes:
                lst = ctx.ords.get(code) if role is None else ctx.with_role(code, role)
                if lst:
                    done += len(lst)
        else:  # hours: an activity without them counts `default_hours`; fsum, so the order of records is moot
            hours: list[float] = []
            for code in self.codes:
                ex = ctx.extra.get(code)
                if ex is None:
                    if role is None:
                        hours.extend([self.default_hours] * len(ctx.ords.get(code, EMPTY)))
                else:
                    dh = self.default_hours
                    hours.extend([h if h is not None else dh for _, r, h in ex if role is None or r in role])
            if hours:
                done = fsum(hours)
        mn = self.min_by_kind.get(ctx.kind, self.min)
        required = mn
        if self.prorate and ctx.full_months < 12:
            required = ceil(mn * ctx.full_months / 12 - 1e-9)
        closed = ctx.last_ord <= ctx.as_of_ord
        key = (ctx.year, item_id, done, done.__class__, required, required.__class__, ctx.kind, closed)  # 2 == 2.0
        hit = self.memo.get(key)
        if hit is None:
            hit = memo_put(self.memo, key, self._results(ctx.year, ctx.cal.tables["year"].ends[0], item_id, done,
                                                      required, mn, closed))
        d, m, r = hit
        short = required - done if done < required else 0
        ctx.shortfalls[(item_id, self.key)] = short
        if d is not None and self.overlaps is not None:
            extra = ctx.overlap(item_id, self.overlaps, short)
            if extra < short:
                pts = extra * self.per_miss
                if self.cap is not None:
                    pts = min(pts, self.cap)
                d = replace(d, points=round(pts, 4), reason=d.reason + f"（其中{num(short - extra)}{self.unit}已在本项按"
                            f"“{key_label(self.overlaps)}”扣分，同一件事情不重复扣分）")
        if d is not None:
            ded.append(d)
        if m is not None:
            miss.append(m)
        reqs.append(r)

    def _results(self, year: int, year_end: date, item_id: str, done: float, required: float, mn: float,
                 closed: bool) -> tuple[Deduction | None, Missing | None, Requirement]:
        short = required - done if done < required else 0
        plabel = f"{year}年"
        d = m = None
        if short:
            if closed:
                pts = short * self.per_miss
                if self.cap is not None:
                    pts = min(pts, self.cap)
                why = f"{self.label} 全年{num(done)}{self.unit}，要求不少于{num(required)}{self.unit}，少{num(short)}{self.unit}"
                d = Deduction(round(pts, 4), why, self.text, year_end,
                              requirement=RequirementRef(item_id, self.key, "count", plabel))
            else:
                m = Missing(self.key, self.label, required, done, plabel, year_end, "count")
        r = Requirement(item_id, self.key, self.label, f"全年不少于{num(mn)}{self.unit}", done, required,
                        0 if closed else short, year_end, plabel, "全年", short if closed else 0, self.codes)
        return d, m, r


@dataclass(frozen=True, slots=True)
class Variety(RuleBase):
    """"活动形式多样": at least `min` different activity codes (of `codes`) held in the year."""

    codes: tuple[str, ...]
    min: int
    per_miss: float
    label: str
    key: str

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        held = [c for c in self.codes if c in ctx.ords]
        done = len(held)
        required = self.min
        if ctx.full_months < 12:
            required = ceil(self.min * ctx.full_months / 12 - 1e-9)
        short = required - done if done < required else 0
        year_end = ctx.cal.tables["year"].ends[0]
        closed = ctx.last_ord <= ctx.as_of_ord
        if short:
            if closed:
                kinds = "、".join(activity_label(c) for c in held) or "无"
                ded.append(Deduction(short * self.per_miss, f"{self.label} 全年{done}类（{kinds}），要求不少于{required}类",
                                     self.text, year_end, requirement=RequirementRef(item_id, self.key, "variety",
                                                                                     f"{ctx.year}年")))
            else:
                miss.append(Missing(self.key, self.label, required, done, f"{ctx.year}年", year_end, "variety"))
        reqs.append(Requirement(item_id, self.key, self.label, f"全年不少于{self.min}类", done, required,
                                0 if closed else short, year_end, f"{ctx.year}年", "全年", short if closed else 0, self.codes))



def period_requirement(period: str, mn: int) -> str:
    return f"{EVERY[period]}{mn}次"
