"""Deductions from what was recorded or declared rather than counted: incidents ("每次扣3分"), documents and
numbers declared by a due date ("没有年度党建工作计划……扣2分", 制度 项数), a declared ratio ("按比例得分"), and
items only a person can score (`Judgment`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .card import Deduction, Missing, RequirementRef
from .rule_context import FALSY, Ctx, RuleBase, due_day, due_window, key_label, md, memo_put, num
from .vocabulary import incident_label, ratio


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
                ded.append(Deduction(pts, f"{label}{times}（{md(inc.date)}）{note}", self.text, inc.date, ev))


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
    memo: dict = field(default_factory=dict, compare=False, repr=False)  # see memo_put

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        decls = ctx.decls(self.key, due_window(self.due, ctx.year))
        due, due_ord = due_day(self.due, ctx.year)
        if ctx.founded_ord > due_ord:  # founded after the due date: due at the end of the year instead
            due, due_ord = due_day(None, ctx.year)
        closed = due_ord <= ctx.as_of_ord  # not yet due: listed as missing with its date, never deducted
        if self.min is None:
            ok = any(d.value not in FALSY for d in decls)
            ctx.shortfalls[(item_id, self.key)] = 0.0 if ok else 1.0
            if ok:
                return
            ref = RequirementRef(item_id, self.key, "declaration", f"{ctx.year}年")
            if closed and self.overlaps is not None and not ctx.overlap(item_id, self.overlaps, 1.0):
                ded.append(Deduction(0.0, f"未提交{self.label}（与本项“{key_label(self.overlaps)}”未达到要求为同一件事情，不重复扣分）",
                                     self.text, due, requirement=ref))
                return
            key = (ctx.year, item_id, due_ord, closed)
            hit = self.memo.get(key)
            if hit is None:
                hit = memo_put(self.memo, key,
                               Deduction(self.points, f"未提交{self.label}", self.text, due, requirement=ref) if closed
                               else Missing(self.key, self.label, 1, 0, f"{ctx.year}年", due, "declaration"))
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
                                 f"{self.label}{num(have)}项，要求{num(self.min)}项，少{num(short)}项", self.text, due,
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
        for d in ctx.decls(self.key, due_window(self.due, ctx.year)):
            x = ratio(d.value)  # 85, "85%" and 0.85 alike; anything else is said, never clamped
            if x is None:
                unread.append(repr(d.value))
            else:
                share = x
        due, due_ord = due_day(self.due, ctx.year)
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
            ref = RequirementRef(item_id, self.key, "ratio", f"{ctx.year}年")
            ded.append(Deduction(round(self.weight - pts, 4), f"{self.label}{share:.0%}，按比例得{num(pts)}分",
                                 self.text, due, requirement=ref))


@dataclass(frozen=True, slots=True)
class Judgment(RuleBase):
    """No evidence the bot can count: the item keeps its points until a person scores it (tiers)."""

    note: str

    def run(self, ctx: Ctx, item_id: str, ded: list, miss: list, reqs: list) -> None:
        return
