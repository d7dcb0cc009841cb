"""score_branch: a rubric and one branch's facts -> a score card.  Pure and fast (no parsing here)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Mapping

from .card import TIERS, BonusResult, Deduction, ItemResult, ScoreCard, VetoResult
from .errors import TierError, YearError
from .fact_rules import IncidentRule
from .facts import Activity, BranchFacts, Exemption
from .index import ActivityIndex, index_activities
from .periods import calendar
from .rubric import Rubric
from .rule_context import Ctx
from .vocabulary import activity_label

MIN_YEAR, MAX_YEAR = 1900, 9998  # a rule may look at the year after the evaluation year


def _r(x: float) -> float:
    return round(x, 2) + 0.0  # no "-0.0"


def _check_tiers(rubric: Rubric, tiers: Mapping[str, Mapping[str, float]]) -> None:
    index = {it.id: it.max for it in rubric.items}
    for tier, scores in tiers.items():
        if tier not in TIERS:
            raise TierError(f"未知的评分层级 {tier!r}（可用：self / group / office）")
        for item_id, pts in scores.items():
            if item_id not in index:
                raise TierError(f"{tier} 评分：评分细则 {rubric.id} 没有项目 {item_id!r}")
            if isinstance(pts, bool) or not isinstance(pts, (int, float)) or not 0 <= pts <= index[item_id]:
                raise TierError(f"{tier} 评分：项目 {item_id} 的分数应在 0 到 {index[item_id]:g} 之间，实际是 {pts!r}")


def _clamp(deds: list[Deduction], cap: float) -> tuple[tuple[Deduction, ...], float, tuple[Deduction, ...]]:
    """A deduction never exceeds its item: deductions beyond the item's points are cut, or left out (returned
    apart, so a missed meeting past the cap is still marked in the record book, at no cost).

    Deductions are put on the same 0.01 grid as points first, so that what a card lists as taken off
    always adds up to max − points (0.2 分/学时 × 38.625 学时 would otherwise list 7.725 against 0.28 left).
    """
    total = 0.0
    out: list[Deduction] = []
    cut: list[Deduction] = []
    for d in deds:
        if d.points != _r(d.points):
            d = replace(d, points=_r(d.points))
        if total + d.points > cap + 1e-9:
            keep = max(0.0, cap - total)
            if keep > 1e-9:
                out.append(replace(d, points=_r(keep), reason=d.reason + "（扣分不超过本项分值）"))
                total += keep
            else:
                cut.append(d)
        else:
            out.append(d)
            total += d.points
    return tuple(out), total, tuple(cut)


def score_branch(rubric: Rubric, facts: BranchFacts, year: int, as_of: date,
                 tiers: Mapping[str, Mapping[str, float]] | None = None) -> ScoreCard:
    """Score one branch for `year` as known on `as_of` (activities after `as_of` or outside `year` do not count).

    `tiers` = {"self"|"group"|"office": {item_id: points}}: people's scores; a later tier overrides
    an item only where it gave one. `total` uses each item's final score; `tier_totals[t]` is the
    column total where an item that tier left blank takes the previous tier's (or the computed) score.
    """
    check_year(year)
    acts, warnings = screen_activities(facts, year, as_of)
    return score_indexed(rubric, facts, index_activities(acts, year, as_of), year, as_of, tiers, warnings)


def check_year(year: int) -> None:
    """Refuse a year the calendar cannot hold with one clear line (not a ValueError from `date`)."""
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise YearError(f"评价年度 year 应为 {MIN_YEAR} 到 {MAX_YEAR} 之间的整数，实际是 {year!r}")


def screen_activities(facts: BranchFacts, year: int, as_of: date) -> tuple[list[Activity], tuple[str, ...]]:
    """The activities to count, and a word for each one that is not counted or looks wrong: outside the
    year (not counted), the same `id` twice (counted once)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    seen: set[str] = set()
    out: list[Activity] = []
    warnings: list[str] = []
    for a in facts.activities:
        what = f"{activity_label(a.code)}（{a.date.isoformat()}）"
        if a.id is not None:
            if a.id in seen:
                warnings.append(f"{what}记录编号 {a.id} 重复，只计一次")
                continue
            seen.add(a.id)
        if not first <= a.date <= last:
            warnings.append(f"{what}不在{year}年度内，未计入")
            continue
        out.append(a)  # one before `founded` is counted and said by the rules' context (`Ctx`), on both paths
    return out, tuple(warnings)


def _exemptions(rubric: Rubric, facts: BranchFacts, warnings: list[str]) -> dict[str, list[Exemption]]:
    """Approved "不涉及" per item; a pending one or one naming no item of the rubric is said, not applied."""
    ids = {it.id for it in rubric.items}
    out: dict[str, list[Exemption]] = {}
    for e in facts.exemptions:
        if e.item not in ids:
            warnings.append(f"不涉及：评分细则 {rubric.id} 没有项目 {e.item}，未采用")
        elif not e.approved:
            warnings.append(f"不涉及：项目 {e.item}{'（' + e.key + '）' if e.key else ''} {e.reason}——待办公室同意，未采用")
        else:
            out.setdefault(e.item, []).append(e)
    return out


def _rule_keys(rule: object) -> set[str]:
    keys = set(getattr(rule, "codes", ()) or ()) | set(getattr(rule, "keys", ()) or ())
    key = getattr(rule, "key", None)
    if key:
        keys.add(key)
    return keys


def score_indexed(rubric: Rubric, facts: BranchFacts, activities: ActivityIndex, year: int, as_of: date,
                  tiers: Mapping[str, Mapping[str, float]] | None = None,
                  warnings: tuple[str, ...] = ()) -> ScoreCard:
    """`score_branch` with the activities already indexed (`scoring.index.index_rows`, built for the same
    `year` and `as_of`): a committee's store builds them from query rows, with no `Activity` per record.
    `facts.activities` is not read; `warnings` are the screening's (`screen_activities`)."""
    check_year(year)
    if tiers:
        _check_tiers(rubric, tiers)
    ctx = Ctx(facts, calendar(year), as_of, rubric.no_double_deduction, activities)
    exempt = _exemptions(rubric, facts, ctx.warnings) if facts.exemptions else {}
    kind = facts.kind
    plan = _plan(rubric)
    items: list[ItemResult] = []
    cols = plan.cols
    col_totals = dict.fromkeys(cols, 0.0)
    base_total = 0.0
    computed = 0.0
    ded: list = []
    miss: list = []
    reqs: list = []
    no_incidents = not ctx.incidents
    given: dict[str, float] = {}
    for item, untouched, rules, incidents_only in plan.items.get(kind) or plan.for_kind(kind):
        na: tuple[str, ...] = ()
        if exempt and item.id in exempt and rules is not None:  # 不涉及的不扣分 (office-approved)
            whole = [e for e in exempt[item.id] if e.key is None]
            parts = [e for e in exempt[item.id] if e.key is not None]
            na = tuple(e.reason if e.key is None else f"{e.key}：{e.reason}" for e in whole + parts)
            for e in parts:
                if not any(e.key in _rule_keys(r) for r in rules):
                    ctx.warnings.append(f"不涉及：项目 {item.id} 没有 {e.key} 这一要求，未采用")
            rules = () if whole else tuple(r for r in rules if not any(e.key in _rule_keys(r) for e in parts))
            untouched = replace(untouched, applies=not whole, not_applicable=na)
        if tiers:
            given = {}
            for t in TIERS:
                scores = tiers.get(t)
                if scores is not None and item.id in scores:
                    given[t] = float(scores[item.id])
        if rules and not (incidents_only and no_incidents):
            for rule in rules:
                if rule.unless is None or not ctx.declared(rule.unless):
                    rule.run(ctx, item.id, ded, miss, reqs)
        if given or ded or miss or reqs:
            if not tiers:
                given = {}  # a card's own (the shared `given` stays empty)
            if rules is None:  # the item does not apply to this kind of branch: full points
                res = ItemResult(item.id, item.section, item.title, item.max, item.max, item.source, False,
                                 tiers=given, assumption=item.assumption)
            else:
                cut: tuple[Deduction, ...] = ()
                if ded:
                    deds, taken, cut = _clamp(ded, item.max)
                    points = _r(max(0.0, item.max - taken))
                    ded.clear()
                else:
                    deds, points = (), untouched.points
                res = ItemResult(item.id, item.section, item.title, item.max, points, item.source, untouched.applies,
                                 deds, tuple(miss), given, tuple(reqs), item.assumption, na, cut)
                miss.clear()
                reqs.clear()
        else:
            res = untouched  # nothing to report and no one's score: the same result for every branch
        items.append(res)
        computed += res.points
        if tiers:
            cur = res.points
            for t in cols:
                if t in given:
                    cur = given[t]
                col_totals[t] += cur
            base_total += res.final if given else res.points
    if not tiers:  # every column and the base total added the same points in the same order
        base_total = computed
        col_totals = dict.fromkeys(cols, computed)
    bonus: list[BonusResult] = []
    bonus_sum = 0.0
    for b in rubric.bonus:
        pts = 0.0
        reasons: list[str] = []
        for rule in b.compiled:
            p, why = rule.run(ctx)
            pts += p
            reasons.extend(why)
        if b.cap is not None and pts > b.cap:
            reasons.append(f"加分最高不超过{b.cap:g}分")
            pts = b.cap
        if reasons or pts:
            bonus.append(BonusResult(b.id, b.title, _r(pts), b.cap, tuple(reasons), b.source))
        else:
            bonus.append(plan.no_bonus[b.id])
        bonus_sum += pts
    if rubric.bonus_cap is not None:
        bonus_sum = min(bonus_sum, rubric.bonus_cap)
    bonus_total = _r(bonus_sum)
    vetoes: list[VetoResult] = []
    vetoed = False
    for v in rubric.vetoes:
        reasons = []
        for rule in v.compiled:
            reasons.extend(rule.run(ctx))
        if reasons:
            vetoes.append(VetoResult(v.id, v.title, True, tuple(reasons), v.source))
            vetoed = True
        else:
            vetoes.append(plan.no_veto[v.id])
    total = _r(base_total + bonus_total)
    if vetoed:
        grade = rubric.veto_grade
    else:
        grade = rubric.grades[-1].label
        for band in rubric.grades:  # sorted high to low at load
            if total >= band.min - 1e-9:
                grade = band.label
                break
    return ScoreCard(
        rubric_id=rubric.id, branch_id=facts.branch_id, name=facts.name, year=year, as_of=as_of,
        items=tuple(items), bonus=tuple(bonus), vetoes=tuple(vetoes), base_total=_r(base_total),
        bonus_total=bonus_total, total=total, grade=grade, group=facts.group,
        tier_totals={t: _r(x + bonus_total) for t, x in col_totals.items()},
        computed_total=_r(computed + bonus_total), warnings=tuple(warnings) + tuple(ctx.warnings),
        grade_assumed=rubric.grade_assumed(grade, vetoed))


class _Plan:
    """A rubric laid out for scoring, once per rubric: per branch kind, each item with the rules that apply
    (None: the item does not apply) and its result when nothing is to be reported (full points, no
    deduction, nothing missing, no requirement, no one's score); the results of a bonus item that gives
    nothing and of a veto not triggered. Those results are shared by every card that has them (frozen;
    `ItemResult.tiers` of a shared one is an empty dict nobody may fill)."""

    __slots__ = ("rubric", "cols", "items", "no_bonus", "no_veto")

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric  # held, so the id() key below stays this rubric's
        self.cols = tuple(t for t in TIERS if not rubric.columns or any(c.tier == t for c in rubric.columns))
        self.items: dict[str, tuple] = {}
        for kind in ("formal", "functional"):
            self.for_kind(kind)
        self.no_bonus = {b.id: BonusResult(b.id, b.title, 0.0, b.cap, (), b.source) for b in rubric.bonus}
        self.no_veto = {v.id: VetoResult(v.id, v.title, False, (), v.source) for v in rubric.vetoes}

    def for_kind(self, kind: str) -> tuple:
        out = []
        for section in self.rubric.sections:
            for item in section.items:
                if kind in item.applies_to:
                    untouched = ItemResult(item.id, item.section, item.title, item.max, _r(max(0.0, item.max)),
                                           item.source, True, (), (), {}, (), item.assumption)
                    rules = tuple(r for r in item.compiled if kind in r.applies_to)
                    # an item of incident rules only has nothing to say about a branch without incidents
                    out.append((item, untouched, rules, all(isinstance(r, IncidentRule) for r in rules)))
                else:
                    out.append((item, ItemResult(item.id, item.section, item.title, item.max, item.max, item.source,
                                                 False, tiers={}, assumption=item.assumption), None, False))
        items = self.items[kind] = tuple(out)
        return items


_PLANS: dict[int, _Plan] = {}


def _plan(rubric: Rubric) -> _Plan:
    plan = _PLANS.get(id(rubric))
    if plan is None or plan.rubric is not rubric:
        if len(_PLANS) > 64:
            _PLANS.clear()
        plan = _PLANS[id(rubric)] = _Plan(rubric)
    return plan
