"""Read a rubric YAML file into a validated, compiled `Rubric`, or refuse it with a `RubricError`.

Every field is checked (unknown keys too, so a typo is not silently ignored); every rule is compiled
into an object from `rules.py` (count_rules, fact_rules, bonus_veto_rules) so scoring does no parsing.
See docs/scoring.md for the format.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from . import rules as R
from . import yaml_text
from .errors import RubricRuleError, RubricSchemaError, RubricSyntaxError, RubricTotalError
from .periods import PERIOD_KINDS
from .rubric import BonusItem, GradeBand, Item, Rubric, ScoreColumn, Section, VetoItem
from .vocabulary import (ACTIVITIES, AWARD_LEVELS, AWARDS, DECLARATIONS, INCIDENTS, SPEAKER_ROLES, STAR_RATINGS,
                         activity_label, declaration_label, speaker_role)

KINDS = ("formal", "functional")
TIER_NAMES = ("self", "group", "office")
_TOP = {"id", "title", "source", "total", "sections", "bonus", "bonus_cap", "vetoes", "veto_grade", "grades",
        "columns", "notes", "assumptions", "options", "meta", "veto_grade_source"}
_SECTION = {"id", "title", "max", "items"}
_ITEM = {"id", "title", "max", "content", "rule_text", "source", "rules", "applies_to", "assumption"}
_BONUS = {"id", "title", "content", "cap", "source", "rules", "assumption"}
_VETO = {"id", "title", "content", "source", "rules", "assumption"}
_COMMON = {"kind", "text", "applies_to", "unless"}
_RULE_KEYS: dict[str, set[str]] = {
    "per_period": _COMMON | {"codes", "period", "min", "per_miss", "cap", "label", "key", "by_day", "speaker_role"},
    "count": _COMMON | {"codes", "min", "min_by_kind", "per_miss", "cap", "label", "key", "measure",
                        "default_hours", "prorate", "speaker_role", "overlaps"},
    "incident": _COMMON | {"keys", "per_event", "cap"},
    "declaration": _COMMON | {"key", "label", "points", "min", "per_miss", "due", "overlaps"},
    "proportional": _COMMON | {"key", "label", "weight", "due", "if_absent"},
    "variety": _COMMON | {"codes", "min", "per_miss", "label", "key"},
    "judgment": _COMMON | {"note"},
}
_BONUS_KEYS = {"award_by_level": {"kind", "keys", "levels", "mode"}, "declaration_level": {"kind", "key", "levels"}}
_VETO_KEYS = {"incident_any": {"kind", "keys"}, "no_activity": {"kind", "codes"}}


class _V:
    """Field checks that raise a RubricError naming the file and the item."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str | None, problem: str, cls: type = RubricSchemaError) -> None:
        raise cls(self.file, where, problem)

    def mapping(self, x: Any, where: str | None, allowed: set[str], what: str) -> dict:
        if not isinstance(x, dict):
            self.fail(where, f"{what}应为映射（key: value），实际是 {type(x).__name__}")
        unknown = sorted(str(k) for k in x if k not in allowed)
        if unknown:
            self.fail(where, f"未知字段 {', '.join(unknown)}（允许：{', '.join(sorted(allowed))}）")
        return x

    def req(self, d: dict, key: str, where: str | None) -> Any:
        if key not in d or d[key] is None:
            self.fail(where, f"缺少字段 {key}")
        return d[key]

    def text(self, d: dict, key: str, where: str | None, required: bool = True, default: str = "") -> str:
        if key not in d or d[key] is None:
            if required:
                self.fail(where, f"缺少字段 {key}")
            return default
        v = d[key]
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        if not isinstance(v, str):
            self.fail(where, f"{key} 应为文字，实际是 {type(v).__name__}")
        return v.strip()

    def number(self, d: dict, key: str, where: str | None, required: bool = True, default: float | None = None,
               positive: bool = False, lo: float | None = 0.0, hi: float | None = None,
               cls: type = RubricSchemaError) -> float | None:
        if key not in d or d[key] is None:
            if required:
                self.fail(where, f"缺少字段 {key}", cls)
            return default
        v = d[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v) or math.isinf(v):
            self.fail(where, f"{key} 应为数字，实际是 {v!r}", cls)
        if positive and v <= 0:
            self.fail(where, f"{key} 应大于0，实际是 {v}", cls)
        if lo is not None and v < lo:
            self.fail(where, f"{key} 不能小于{lo:g}，实际是 {v}", cls)
        if hi is not None and v > hi:
            self.fail(where, f"{key} 不能大于{hi:g}，实际是 {v}", cls)
        return float(v)

    def str_list(self, d: dict, key: str, where: str | None, vocab: dict[str, str] | None, what: str,
                 required: bool = True) -> tuple[str, ...]:
        if key not in d or d[key] is None:
            if required:
                self.fail(where, f"缺少字段 {key}", RubricRuleError)
            return ()
        v = d[key]
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            self.fail(where, f"{key} 应为非空的文字列表", RubricRuleError)
        if vocab is not None:
            for x in v:
                if x not in vocab:
                    self.fail(where, f"未知的{what} {x!r}（见 scoring/vocabulary.yaml）", RubricRuleError)
        return tuple(v)

    def kinds(self, d: dict, where: str | None) -> tuple[str, ...]:
        v = d.get("applies_to")
        if v is None:
            return KINDS
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not v or any(x not in KINDS for x in v):
            self.fail(where, f"applies_to 只能是 formal / functional 的列表，实际是 {v!r}")
        return tuple(v)

    def due(self, d: dict, key: str, where: str | None) -> tuple[int, int, int] | None:
        """"MM-DD" (in the evaluation year) or "+1-MM-DD" (in the year after it, e.g. a summary due
        "于 2023 年 1 月 10 日前" for 2022) -> (years after, month, day).  02-29 is refused: it does not
        exist every year, and a rubric is used for many."""
        v = d.get(key)
        if v is None:
            return None
        text = v.strip() if isinstance(v, str) else ""
        after = 0
        if text.startswith("+1-"):
            after, text = 1, text[3:]
        parts = text.split("-")
        ok = len(parts) == 2 and all(p.isdigit() and len(p) == 2 for p in parts)
        if ok:
            m, dd = int(parts[0]), int(parts[1])
            try:
                from datetime import date
                date(2023, m, dd)  # not a leap year: 02-29 fails here
            except ValueError:
                ok = False
        if not ok:
            self.fail(where, f"{key} 应为每年都有的日期 \"MM-DD\"（如 \"12-31\"），或次年的 \"+1-MM-DD\"（如 \"+1-01-10\"），"
                             f"实际是 {v!r}", RubricRuleError)
        return after, m, dd

    def roles(self, d: dict, key: str, where: str | None) -> tuple[str, ...] | None:
        """The speaker roles that satisfy a rule (vocabulary.yaml speaker_roles, or their aliases)."""
        v = d.get(key)
        if v is None:
            return None
        raw = [v] if isinstance(v, str) else v
        if not isinstance(raw, list) or not raw:
            self.fail(where, f"{key} 应为讲课人身份或其列表，实际是 {v!r}", RubricRuleError)
        out = []
        for x in raw:
            r = speaker_role(x)
            if r is None:
                self.fail(where, f"{key}：未知的讲课人身份 {x!r}（可用：{', '.join(SPEAKER_ROLES)}）", RubricRuleError)
            out.append(r)
        return tuple(dict.fromkeys(out))


def _compile_item_rule(v: _V, r: Any, where: str, item: dict, item_max: float) -> R.RuleBase:
    if not isinstance(r, dict):
        v.fail(where, "规则应为映射（kind: …）", RubricRuleError)
    kind = r.get("kind")
    if kind not in _RULE_KEYS:
        v.fail(where, f"未知的规则类型 kind={kind!r}（可用：{', '.join(_RULE_KEYS)}）", RubricRuleError)
    v.mapping(r, where, _RULE_KEYS[kind], "规则")
    text = v.text(r, "text", where, required=False) or item.get("rule_text") or ""
    applies = v.kinds(r, where)
    unless = v.text(r, "unless", where, required=False) or None
    if unless is not None and unless not in DECLARATIONS:
        v.fail(where, f"unless：未知的申报键 {unless!r}（见 scoring/vocabulary.yaml）", RubricRuleError)
    common = (applies, unless)
    num = lambda key, **kw: v.number(r, key, where, cls=RubricRuleError, **kw)  # noqa: E731
    if kind in ("per_period", "count"):
        codes = v.str_list(r, "codes", where, ACTIVITIES, "活动代码")
        label = v.text(r, "label", where, required=False) or "、".join(activity_label(c) for c in codes)
        key = v.text(r, "key", where, required=False) or codes[0]
        if len(codes) > 1 and "key" not in r:
            v.fail(where, "多个活动代码合计时需要给出 key（如 centralized_activity）和 label", RubricRuleError)
        role = v.roles(r, "speaker_role", where)
        per_miss = num("per_miss", positive=True)
        cap = num("cap", required=False, positive=True)
        if kind == "per_period":
            period = r.get("period")
            if period not in PERIOD_KINDS:
                v.fail(where, f"period 应为 {' / '.join(PERIOD_KINDS)} 之一，实际是 {period!r}", RubricRuleError)
            mn = num("min", required=False, default=1, positive=True)
            if mn != int(mn):
                v.fail(where, f"min 应为整数，实际是 {mn}", RubricRuleError)
            by_day = r.get("by_day")
            if by_day is not None and (isinstance(by_day, bool) or not isinstance(by_day, int) or not 1 <= by_day <= 31):
                v.fail(where, f"by_day 应为1到31的整数，实际是 {by_day!r}", RubricRuleError)
            return R.PerPeriod(text, *common, codes, period, int(mn), per_miss, cap, label, key, by_day, role,
                               R.period_requirement(period, int(mn)))
        measure = r.get("measure", "count")
        if measure not in ("count", "hours"):
            v.fail(where, f"measure 应为 count 或 hours，实际是 {measure!r}", RubricRuleError)
        mbk = r.get("min_by_kind") or {}
        if not isinstance(mbk, dict) or any(k not in KINDS for k in mbk):
            v.fail(where, "min_by_kind 应为 {formal: 数字, functional: 数字}", RubricRuleError)
        min_by_kind = {k: v.number(mbk, k, where, cls=RubricRuleError) for k in mbk}
        mn = num("min", required=not min_by_kind, default=max(min_by_kind.values(), default=0))
        prorate = r.get("prorate", True)
        if not isinstance(prorate, bool):
            v.fail(where, "prorate 应为 true 或 false", RubricRuleError)
        return R.Count(text, *common, codes, mn, min_by_kind, per_miss, cap, label, key, measure,
                       num("default_hours", required=False, default=0.0), prorate, role,
                       "学时" if measure == "hours" else "次", _overlaps(v, r, where, item))
    if kind == "variety":
        codes = v.str_list(r, "codes", where, ACTIVITIES, "活动代码")
        mn = num("min", positive=True)
        if mn != int(mn) or mn > len(codes):
            v.fail(where, f"min 应为不超过 codes 个数（{len(codes)}）的整数，实际是 {mn:g}", RubricRuleError)
        return R.Variety(text, *common, codes, int(mn), num("per_miss", positive=True),
                         v.text(r, "label", where, required=False) or "活动类型", v.text(r, "key", where, required=False) or "activity_kinds")
    if kind == "incident":
        keys = v.str_list(r, "keys", where, INCIDENTS, "事件键")
        return R.IncidentRule(text, *common, keys, num("per_event", positive=True), num("cap", required=False, positive=True))
    if kind == "declaration":
        key = v.text(r, "key", where)
        if key not in DECLARATIONS:
            v.fail(where, f"未知的申报键 {key!r}（见 scoring/vocabulary.yaml）", RubricRuleError)
        mn = num("min", required=False, positive=True)
        if mn is None:
            points = num("points", positive=True)
            per_miss = 0.0
        else:
            points = 0.0
            per_miss = num("per_miss", positive=True)
        return R.DeclarationRule(text, *common, key, v.text(r, "label", where, required=False) or declaration_label(key),
                                 points, mn, per_miss, v.due(r, "due", where), _overlaps(v, r, where, item))
    if kind == "proportional":
        key = v.text(r, "key", where)
        if key not in DECLARATIONS:
            v.fail(where, f"未知的申报键 {key!r}（见 scoring/vocabulary.yaml）", RubricRuleError)
        weight = num("weight", required=False, default=item_max, positive=True)
        if weight > item_max:
            v.fail(where, f"weight {weight:g} 超过本项分值 {item_max:g}", RubricRuleError)
        if_absent = r.get("if_absent", "zero")
        if if_absent not in ("zero", "full"):
            v.fail(where, f"if_absent 应为 zero 或 full，实际是 {if_absent!r}", RubricRuleError)
        return R.Proportional(text, *common, key, v.text(r, "label", where, required=False) or declaration_label(key),
                              weight, v.due(r, "due", where), if_absent)
    return R.Judgment(text, *common, v.text(r, "note", where, required=False))


def _compile_bonus_rule(v: _V, r: Any, where: str) -> Any:
    if not isinstance(r, dict) or r.get("kind") not in _BONUS_KEYS:
        kind = r.get("kind") if isinstance(r, dict) else r
        v.fail(where, f"未知的加分规则类型 kind={kind!r}（可用：{', '.join(_BONUS_KEYS)}）", RubricRuleError)
    v.mapping(r, where, _BONUS_KEYS[r["kind"]], "加分规则")
    levels = r.get("levels")
    if not isinstance(levels, dict) or not levels:
        v.fail(where, "levels 应为 {等级: 分数} 映射", RubricRuleError)
    table = {str(k): v.number(levels, k, where, positive=True, cls=RubricRuleError) for k in levels}
    known = AWARD_LEVELS if r["kind"] == "award_by_level" else STAR_RATINGS if r.get("key") == "star_rating" else None
    for k in table:
        if known is not None and k not in known:
            v.fail(where, f"levels：未知的等级 {k!r}（可用：{', '.join(known)}；见 scoring/vocabulary.yaml）", RubricRuleError)
    if r["kind"] == "award_by_level":
        mode = r.get("mode", "sum")
        if mode not in ("sum", "max"):
            v.fail(where, f"mode 应为 sum 或 max，实际是 {mode!r}", RubricRuleError)
        return R.AwardByLevel(v.str_list(r, "keys", where, AWARDS, "奖励键"), table, mode)
    key = v.text(r, "key", where)
    if key not in DECLARATIONS:
        v.fail(where, f"未知的申报键 {key!r}（见 scoring/vocabulary.yaml）", RubricRuleError)
    return R.DeclarationLevel(key, table)


def _compile_veto_rule(v: _V, r: Any, where: str) -> Any:
    if not isinstance(r, dict) or r.get("kind") not in _VETO_KEYS:
        kind = r.get("kind") if isinstance(r, dict) else r
        v.fail(where, f"未知的否决规则类型 kind={kind!r}（可用：{', '.join(_VETO_KEYS)}）", RubricRuleError)
    v.mapping(r, where, _VETO_KEYS[r["kind"]], "否决规则")
    if r["kind"] == "incident_any":
        return R.IncidentAny(v.str_list(r, "keys", where, INCIDENTS, "事件键"))
    return R.NoActivity(v.str_list(r, "codes", where, ACTIVITIES, "活动代码", required=False))


def _overlaps(v: _V, r: dict, where: str, item: dict) -> str | None:
    """`overlaps: KEY`: this rule's misses are the same events as those of the item's rule with that key
    (同一件事情不重复扣分): only misses beyond that rule's are deducted.  KEY must be an earlier rule's."""
    key = v.text(r, "overlaps", where, required=False) or None
    if key is None:
        return None
    earlier = []
    for x in item.get("rules") or ():
        if x is r:
            break
        if isinstance(x, dict):
            codes = x.get("codes") or []
            earlier.append(x.get("key") or (codes[0] if isinstance(codes, list) and codes else None))
    if key not in earlier:
        v.fail(where, f"overlaps：本项前面没有 key 为 {key!r} 的次数或申报规则（可用：{', '.join(k for k in earlier if k) or '无'}）",
               RubricRuleError)
    return key


def _rule_list(v: _V, x: Any, where: str) -> list:
    if x is None:
        return []
    if not isinstance(x, list):
        v.fail(where, "rules 应为列表", RubricRuleError)
    return x


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def build_rubric(data: Any, file: str, path: str | None = None) -> Rubric:
    """Validate and compile a parsed YAML document."""
    v = _V(file)
    d = v.mapping(data, None, _TOP, "评分细则文件")
    rid = v.text(d, "id", None)
    title = v.text(d, "title", None)
    source = v.text(d, "source", None)
    total = v.number(d, "total", None, positive=True)
    raw_sections = v.req(d, "sections", None)
    if not isinstance(raw_sections, list) or not raw_sections:
        v.fail(None, "sections 应为非空列表")
    seen: set[str] = set()
    sections = []
    for si, s in enumerate(raw_sections, 1):
        swhere = f"第{si}部分"
        s = v.mapping(s, swhere, _SECTION, "部分")
        sid = v.text(s, "id", swhere)
        stitle = v.text(s, "title", swhere)
        swhere = f"{sid}、{stitle}"
        smax = v.number(s, "max", swhere, positive=True)
        raw_items = v.req(s, "items", swhere)
        if not isinstance(raw_items, list) or not raw_items:
            v.fail(swhere, "items 应为非空列表")
        items = []
        for ii, it in enumerate(raw_items, 1):
            iwhere = f"{swhere} 第{ii}项"
            if isinstance(it, dict) and isinstance(it.get("id"), (str, int, float)):
                iwhere = f"项目 {it['id']}"
            it = v.mapping(it, iwhere, _ITEM, "评分项")
            iid = v.text(it, "id", iwhere)
            iwhere = f"项目 {iid}"
            if iid in seen:
                v.fail(iwhere, "项目编号重复")
            seen.add(iid)
            imax = v.number(it, "max", iwhere, positive=True)
            compiled = tuple(_compile_item_rule(v, r, f"{iwhere} 规则{ri}", it, imax)
                             for ri, r in enumerate(_rule_list(v, it.get("rules"), iwhere), 1))
            items.append(Item(
                id=iid, section=swhere, title=v.text(it, "title", iwhere), max=imax,
                content=v.text(it, "content", iwhere, required=False), rule_text=v.text(it, "rule_text", iwhere, required=False),
                source=v.text(it, "source", iwhere), rules=tuple(it.get("rules") or ()), applies_to=v.kinds(it, iwhere),
                assumption=v.text(it, "assumption", iwhere, required=False) or None, compiled=compiled))
        ssum = sum(i.max for i in items)
        if not _same(ssum, smax):
            v.fail(swhere, f"各项分值之和 {ssum:g} 与本部分分值 {smax:g} 不符", RubricTotalError)
        sections.append(Section(id=sid, title=stitle, max=smax, items=tuple(items)))
    tsum = sum(s.max for s in sections)
    if not _same(tsum, total):
        v.fail(None, f"各部分分值之和 {tsum:g} 与总分 total {total:g} 不符", RubricTotalError)

    bonus = []
    for bi, b in enumerate(d.get("bonus") or [], 1):
        bwhere = f"加分项 {b['id']}" if isinstance(b, dict) and b.get("id") else f"加分项 第{bi}项"
        b = v.mapping(b, bwhere, _BONUS, "加分项")
        bid = v.text(b, "id", bwhere)
        bwhere = f"加分项 {bid}"
        if bid in seen:
            v.fail(bwhere, "项目编号重复")
        seen.add(bid)
        bonus.append(BonusItem(
            id=bid, title=v.text(b, "title", bwhere), content=v.text(b, "content", bwhere, required=False),
            cap=v.number(b, "cap", bwhere, required=False, positive=True), source=v.text(b, "source", bwhere),
            rules=tuple(b.get("rules") or ()), assumption=v.text(b, "assumption", bwhere, required=False) or None,
            compiled=tuple(_compile_bonus_rule(v, r, f"{bwhere} 规则{ri}")
                           for ri, r in enumerate(_rule_list(v, b.get("rules"), bwhere), 1))))
    vetoes = []
    for vi, x in enumerate(d.get("vetoes") or [], 1):
        vwhere = f"否定项 {x['id']}" if isinstance(x, dict) and x.get("id") else f"否定项 第{vi}项"
        x = v.mapping(x, vwhere, _VETO, "否定项")
        xid = v.text(x, "id", vwhere)
        vwhere = f"否定项 {xid}"
        if xid in seen:
            v.fail(vwhere, "项目编号重复")
        seen.add(xid)
        compiled = tuple(_compile_veto_rule(v, r, f"{vwhere} 规则{ri}")
                         for ri, r in enumerate(_rule_list(v, x.get("rules"), vwhere), 1))
        vetoes.append(VetoItem(id=xid, title=v.text(x, "title", vwhere), content=v.text(x, "content", vwhere, required=False),
                               source=v.text(x, "source", vwhere), rules=tuple(x.get("rules") or ()),
                               assumption=v.text(x, "assumption", vwhere, required=False) or None, compiled=compiled))

    grades = []
    for gi, g in enumerate(d.get("grades") or [], 1):
        gwhere = f"等次 第{gi}项"
        g = v.mapping(g, gwhere, {"label", "min", "assumed", "source"}, "等次")
        assumed = g.get("assumed", False)
        if not isinstance(assumed, bool):
            v.fail(gwhere, f"assumed 应为 true 或 false，实际是 {assumed!r}")
        cited = v.text(g, "source", gwhere, required=False)
        if not assumed and not cited:  # a band is either the seed's (cited) or said to be assumed, never silent
            v.fail(gwhere, "等次应引用原文（source: …），原文未规定的标明 assumed: true")
        grades.append(GradeBand(label=v.text(g, "label", gwhere), min=v.number(g, "min", gwhere, lo=None),
                                assumed=assumed, source=cited))
    grades.sort(key=lambda g: -g.min)
    if not grades:
        v.fail("grades", "至少需要一个等次（label, min）")
    labels = [g.label for g in grades]
    for label in labels:
        if labels.count(label) > 1:
            v.fail("grades", f"等次 label {label!r} 重复")
    veto_grade = v.text(d, "veto_grade", None, required=False, default="不合格")
    if veto_grade not in labels:
        v.fail("veto_grade", f"veto_grade 应为 grades 中的一个等次（{'、'.join(labels)}），实际是 {veto_grade!r}")
    columns = []
    for ci, c in enumerate(d.get("columns") or [], 1):
        cwhere = f"评分栏 第{ci}项"
        c = v.mapping(c, cwhere, {"tier", "label"}, "评分栏")
        tier = v.text(c, "tier", cwhere)
        if tier not in TIER_NAMES:
            v.fail(cwhere, f"tier 应为 self / group / office 之一，实际是 {tier!r}")
        label = v.text(c, "label", cwhere)
        for prev in columns:
            if prev.tier == tier:
                v.fail(cwhere, f"tier {tier!r} 重复（每个评分层级只能有一栏）")
            if prev.label == label:
                v.fail(cwhere, f"label {label!r} 重复（两栏同名）")
        columns.append(ScoreColumn(tier=tier, label=label))
    options = v.mapping(d.get("options") or {}, "options", {"no_double_deduction"}, "options")
    ndd = options.get("no_double_deduction", True)
    if not isinstance(ndd, bool):
        v.fail("options", "no_double_deduction 应为 true 或 false")

    def strings(key: str) -> tuple[str, ...]:
        x = d.get(key) or []
        if not isinstance(x, list) or not all(isinstance(s, str) for s in x):
            v.fail(key, f"{key} 应为文字列表")
        return tuple(s.strip() for s in x)

    meta = d.get("meta") or {}
    if not isinstance(meta, dict):
        v.fail("meta", "meta 应为映射")
    return Rubric(
        id=rid, title=title, source=source, sections=tuple(sections), bonus=tuple(bonus),
        bonus_cap=v.number(d, "bonus_cap", None, required=False, positive=True), vetoes=tuple(vetoes),
        veto_grade=veto_grade, grades=tuple(grades),
        veto_grade_source=v.text(d, "veto_grade_source", None, required=False),
        columns=tuple(columns), notes=strings("notes"), assumptions=strings("assumptions"), path=path,
        meta=dict(meta), total=total, no_double_deduction=ndd)


def read_rubric_file(path: str | Path) -> Rubric:
    """Parse, validate and compile one rubric file (no caching: `load_rubric` caches)."""
    p = Path(path)
    name = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        from .errors import RubricNotFound
        raise RubricNotFound(name, None, "文件不存在") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricSyntaxError(name, None, f"无法读取：{exc}") from None
    try:
        data = yaml_text.load(text)  # an unquoted due: 2023-02-30 is refused by the due check, not by PyYAML
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"第{mark.line + 1}行" if mark is not None else None
        raise RubricSyntaxError(name, at, f"YAML 格式错误：{getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise RubricSyntaxError(name, None, "文件顶层应为映射（id、title、sections …）")
    return build_rubric(data, name, str(p.resolve()))

