"""Machine rules, compiled once at rubric load; each runs over one branch's indexed facts.

A rule of an item appends deductions (with reason and rule text), what is still missing (with its
due date) and its count requirements (for progress answers).  Deductions are only made for periods
that have closed by `as_of` (a period is closed when its last day is on or before `as_of`); an open
period shows up in `missing` instead.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from math import ceil, fsum
from typing import Any, Mapping

from .card import Deduction, Missing, Requirement, RequirementRef
from .index import ActivityIndex
from .periods import EVERY, THIS, YearCalendar, full_months_from
from .vocabulary import (ACTIVITIES, activity_label, award_label, award_level, declaration_label, incident_label, ratio,
                         star_rating)


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
            return self.ords.get(code, _EMPTY) if roles is None else _EMPTY
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
        return any(d.value not in _FALSY for d in self.decls(key))

    def overlap(self, item_id: str, key: str | None, short: float) -> float:
        """How many of `short` misses are not already misses of the item's rule `key` (同一件事情不重复扣分)."""
        if key is None:
            return short
        return max(0.0, short - self.shortfalls.get((item_id, key), 0.0))


_FALSY = (False, 0, "", "false", "否", "无", "no")
_EMPTY: tuple = ()
_MEMO_MAX = 20_000  # results kept per rule (a few hundred in practice); cleared past this


def _num(x: float) -> str:
    """1.0 -> "1", 0.5 -> "0.5"."""
    return f"{x:g}"


def _key_label(key: str) -> str:
    """An activity code's or a declaration key's 中文 label (an `overlaps` names either)."""
    return activity_label(key) if key in ACTIVITIES else declaration_label(key)


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _memo(memo: dict, key: Any, value: Any) -> Any:
    """Keep `value` (an immutable result) under `key`: branches with the same counts share one object.

    A rule's results depend only on the key (the calendar, the counts, the item), so handing out the same
    frozen Deduction / Missing / Requirement to several score cards is the same as building it anew."""
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value


@lru_cache(maxsize=256)
def _due_ord(due: tuple[int, int, int] | None, year: int) -> tuple[date, int]:
    """A rule's due date for evaluation `year`: (years after, month, day) from the loader; none: 31 December."""
    if not due:
        d = date(year, 12, 31)
    else:
        after, m, dd = due
        d = date(year + after, m, dd)
    return d, d.toordinal()


def _window(due: tuple[int, int, int] | None, year: int) -> tuple[int, int] | None:
    """The days a declaration must be dated in to count for `year`: the calendar year, or for a document due
    the year after (a summary "于 2023 年 1 月 10 日前"), the day after last year's due date to this one's,
    so last year's summary handed in on 5 January is not taken for this year's."""
    if not due or not due[0]:
        return None
    return _due_ord(due, year - 1)[1] + 1, _due_ord(due, year)[1]


@dataclass(frozen=True, slots=True)
class RuleBase:
    text: str  # the rubric's wording of this rule (item rule_text unless the rule gives its own)
    applies_to: tuple[str, ...]
    unless: str | None  # a declaration key: when the branch declared it (true), the rule does not apply


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

    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see _memo

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
            plan = _memo(self.memo, (cal.year, item_id), (tab, deadlines, none_held))
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
                for o in ctx.ords.get(code, _EMPTY):
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
                            d = _memo(memo, key, Deduction(pts, why, self.text, tab.ends[i], requirement=RequirementRef(
                                item_id, self.key, "period", tab.labels[i])))
                        ded.append(d)
        current = s if s > k else k  # the first required period still open
        if current >= n:
            current = -1
        short = max(0, mn - counts[current]) if current >= 0 else 0
        if short:
            key = (ctx.year, current, "missing", counts[current])
            m = memo.get(key)
            if m is None:
                m = _memo(memo, key, Missing(self.key, self.label, mn, counts[current], tab.labels[current],
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
            r = _memo(memo, key, Requirement(item_id, self.key, self.label, self.requirement, done, required,
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

    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see _memo

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
                        hours.extend([self.default_hours] * len(ctx.ords.get(code, _EMPTY)))
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
            hit = _memo(self.memo, key, self._results(ctx.year, ctx.cal.tables["year"].ends[0], item_id, done,
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
                d = replace(d, points=round(pts, 4), reason=d.reason + f"（其中{_num(short - extra)}{self.unit}已在本项按"
                            f"“{_key_label(self.overlaps)}”扣分，同一件事情不重复扣分）")
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
                why = f"{self.label} 全年{_num(done)}{self.unit}，要求不少于{_num(required)}{self.unit}，少{_num(short)}{self.unit}"
                d = Deduction(round(pts, 4), why, self.text, year_end,
                              requirement=RequirementRef(item_id, self.key, "count", plabel))
            else:
                m = Missing(self.key, self.label, required, done, plabel, year_end, "count")
        r = Requirement(item_id, self.key, self.label, f"全年不少于{_num(mn)}{self.unit}", done, required,
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


@dataclass(frozen=True, slots=True)
class IncidentRule(RuleBase):
    """"每次扣3分": each recorded incident of these keys costs `per_event` (one event is deducted once)."""

    keys: tuple[str, ...]
    per_event: float
    cap: float | None

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        used = 0.0
        for key in self.keys:
            for inc in ctx.incidents.get(key, ()):
                label = incident_label(key)
                ev = inc.event
                if ev and ctx.no_double:
                    prev = ctx.used_events.get(ev)
                    if prev is not None:
                        ded.append(Deduction(0.0, f"{label}（事件 {ev} 已在 {prev} 扣分，同一件事情不重复扣分）",
                                             self.text, inc.date, ev))
                        continue
                    ctx.used_events[ev] = item_id
                pts = self.per_event * inc.count
                if self.cap is not None:
                    pts = max(0.0, min(pts, self.cap - used))
                used += pts
                times = f"{inc.count}次" if inc.count != 1 else ""
                note = f"：{inc.note}" if inc.note else ""
                ded.append(Deduction(pts, f"{label}{times}（{_md(inc.date)}）{note}", self.text, inc.date, ev))


@dataclass(frozen=True, slots=True)
class DeclarationRule(RuleBase):
    """A document or fact that must be declared by a due date ("没有年度党建工作计划……扣2分").

    Without `min`: present or not, `points` if absent.  With `min`: a number (e.g. 制度 项数),
    `per_miss` for each one short."""

    key: str
    label: str
    points: float
    min: float | None
    per_miss: float
    due: tuple[int, int, int] | None  # (years after the evaluation year, month, day); None: 31 December
    overlaps: str | None = None  # the key of an earlier rule of the item whose misses are the same events
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see _memo

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        decls = ctx.decls(self.key, _window(self.due, ctx.year))
        due, due_ord = _due_ord(self.due, ctx.year)
        if ctx.founded_ord > due_ord:  # founded after the due date: due at the end of the year instead
            due, due_ord = _due_ord(None, ctx.year)
        closed = due_ord <= ctx.as_of_ord  # not yet due: listed as missing with its date, never deducted
        if self.min is None:
            ok = any(d.value not in _FALSY for d in decls)
            ctx.shortfalls[(item_id, self.key)] = 0.0 if ok else 1.0
            if ok:
                return
            ref = RequirementRef(item_id, self.key, "declaration", f"{ctx.year}年")
            if closed and self.overlaps is not None and not ctx.overlap(item_id, self.overlaps, 1.0):
                ded.append(Deduction(0.0, f"未提交{self.label}（与本项“{_key_label(self.overlaps)}”未达到要求为同一件事情，不重复扣分）",
                                     self.text, due, requirement=ref))
                return
            key = (ctx.year, item_id, due_ord, closed)
            hit = self.memo.get(key)
            if hit is None:
                hit = _memo(self.memo, key, Deduction(self.points, f"未提交{self.label}", self.text, due, requirement=ref)
                            if closed else Missing(self.key, self.label, 1, 0, f"{ctx.year}年", due, "declaration"))
            (ded if closed else miss).append(hit)
            return
        have = 0.0
        for d in decls:
            try:
                have = max(have, float(d.value))
            except (TypeError, ValueError):
                continue
        if have >= self.min:
            ctx.shortfalls[(item_id, self.key)] = 0.0
            return
        short = self.min - have
        ctx.shortfalls[(item_id, self.key)] = short
        if closed:
            ded.append(Deduction(round(short * self.per_miss, 4),
                                 f"{self.label}{_num(have)}项，要求{_num(self.min)}项，少{_num(short)}项", self.text, due,
                                 requirement=RequirementRef(item_id, self.key, "declaration", f"{ctx.year}年")))
        else:
            miss.append(Missing(self.key, self.label, self.min, have, f"{ctx.year}年", due, "declaration"))


@dataclass(frozen=True, slots=True)
class Proportional(RuleBase):
    """"按比例得分": a declared ratio (0..1) of `weight` points; missing after the due date scores 0."""

    key: str
    label: str
    weight: float
    due: tuple[int, int, int] | None
    if_absent: str  # "zero" | "full"

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        share = None
        unread: list[str] = []
        for d in ctx.decls(self.key, _window(self.due, ctx.year)):
            x = ratio(d.value)  # 85, "85%" and 0.85 alike; anything else is said, never clamped
            if x is None:
                unread.append(repr(d.value))
            else:
                share = x
        due, due_ord = _due_ord(self.due, ctx.year)
        if share is None:
            why = f"（{self.label} {'、'.join(unread)} 无法识别）" if unread else ""
            if due_ord > ctx.as_of_ord:
                miss.append(Missing(self.key, self.label, 1, 0, f"{ctx.year}年", due, "ratio"))
                if unread:
                    ctx.warnings.append(f"{self.label} {'、'.join(unread)} 无法识别，未计入")
            elif self.if_absent == "zero":
                ded.append(Deduction(self.weight, f"无{self.label}，按0分计{why}", self.text, due,
                                     requirement=RequirementRef(item_id, self.key, "ratio", f"{ctx.year}年")))
            return
        if share < 1.0:
            pts = round(self.weight * share, 2)
            ded.append(Deduction(round(self.weight - pts, 4), f"{self.label}{share:.0%}，按比例得{_num(pts)}分",
                                 self.text, due, requirement=RequirementRef(item_id, self.key, "ratio", f"{ctx.year}年")))


@dataclass(frozen=True, slots=True)
class Judgment(RuleBase):
    """No evidence the bot can count: the item keeps its points until a person scores it (tiers)."""

    note: str

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        return


# ---- bonus rules: return (points, reasons) ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AwardByLevel:
    keys: tuple[str, ...]
    levels: Mapping[str, float]
    mode: str  # "sum": every award counts; "max": only the highest

    def run(self, ctx: Ctx) -> tuple[float, list[str]]:
        total = 0.0
        best = 0.0
        reasons: list[str] = []
        for key in self.keys:
            for w in ctx.awards.get(key, ()):
                level = award_level(w.level)  # 市级 / Municipal / municipal alike
                pts = self.levels.get(level) if level is not None else None
                if pts is None:  # said on the card, never a silent 0
                    what = "无法识别" if level is None else "不在本项加分表中"
                    reasons.append(f"{award_label(key)}（{w.level}，{_md(w.date)}）级别{what}，未加分")
                    continue
                total += pts
                best = max(best, pts)
                note = f"：{w.note}" if w.note else ""
                reasons.append(f"{award_label(key)}（{w.level}，{_md(w.date)}）+{_num(pts)}{note}")
        return (best if self.mode == "max" else total), reasons


@dataclass(frozen=True, slots=True)
class DeclarationLevel:
    key: str
    levels: Mapping[str, float]

    def run(self, ctx: Ctx) -> tuple[float, list[str]]:
        """Only a level declared for this year counts (seed 000 加分项目2: "当年获得或保持")."""
        best = 0.0
        reason: list[str] = []
        unread: list[str] = []
        for d in ctx.decls(self.key):
            value = (star_rating(d.value) or str(d.value)) if self.key == "star_rating" else str(d.value)
            pts = self.levels.get(value)
            if pts is None:
                unread.append(f"{declaration_label(self.key)} {d.value!r} 无法识别，未加分")
            elif pts > best:
                best = pts
                reason = [f"{declaration_label(self.key)} {value} +{_num(pts)}"]
        return best, reason + unread


# ---- veto rules: return reasons (empty = not triggered) -----------------------------------------

@dataclass(frozen=True, slots=True)
class IncidentAny:
    keys: tuple[str, ...]

    def run(self, ctx: Ctx) -> list[str]:
        out = []
        for key in self.keys:
            for inc in ctx.incidents.get(key, ()):
                note = f"：{inc.note}" if inc.note else ""
                out.append(f"{incident_label(key)}（{_md(inc.date)}）{note}")
        return out


@dataclass(frozen=True, slots=True)
class NoActivity:
    """"1年以上不开展党的活动": a branch that existed all year and held none of `codes` (all when empty)."""

    codes: tuple[str, ...]

    def run(self, ctx: Ctx) -> list[str]:
        if ctx.last_ord > ctx.as_of_ord or ctx.full_months < 12:
            return []
        if self.codes:
            n = sum(len(ctx.ords.get(c, ())) for c in self.codes)
        else:
            n = ctx.n_activities
        return [] if n else [f"{ctx.year}年全年未开展党的活动"]


def period_requirement(period: str, mn: int) -> str:
    return f"{EVERY[period]}{mn}次"


LABELS = {"activity": activity_label, "declaration": declaration_label}
