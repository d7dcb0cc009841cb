"""The facts file format (JSON or YAML) <-> BranchFacts.  Strict: a typo is an error, not a silent 0.

    branch_id: b001                 # optional when name is given
    name: 某某协会党支部
    kind: formal                    # formal (正式党支部) | functional (功能型特设党支部)
    founded: 2022-07-01             # optional
    group: 第三协作组                # optional
    activities:                     # code (or its 中文 label), date; the rest optional
      - {code: branch_committee, date: 2022-01-10, expected: 5, present: 5}
      - {code: party_lecture, date: 2022-03-28, speaker_role: 书记, hours: 2}
    declarations:                   # key, value (default true), date
      - {key: annual_plan, date: 2022-01-15}
      - {key: star_rating, value: 4A}
    incidents:                      # key, date, count (default 1), event (same event: deducted once)
      - {key: criticized, date: 2022-05-01, event: E1, note: 市级通报}
    awards:                         # key, level (or 市级/省级/国家级 …), date
      - {key: commendation, level: municipal, date: 2022-06-01}
    not_applicable:                 # 不涉及的不扣分: an item (or one requirement of it), office-approved
      - {item: "3.3", key: branch_committee, reason: 党员不足7人，未设支委会, approved: true}

Values are read as the rubrics mean them or refused by name: a level is one of vocabulary.yaml's
award_levels (or an alias: 市级, 省部级, 国家级 …), star_rating 3A/4A/5A (4a, AAAA, 四A …),
speaker_role one of speaker_roles (支部书记, secretary … are aliases), appraisal_ratio a share of 1
(85, "85%" -> 0.85).  A declaration may name the evaluation `year` it is about.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from .errors import FactsError
from .facts import Activity, Award, BranchFacts, Declaration, Exemption, Incident
from .vocabulary import (AWARD_LEVELS, AWARDS, DECLARATIONS, INCIDENTS, SPEAKER_ROLES, STAR_RATINGS, activity_code,
                         award_level, ratio, speaker_role, star_rating)
from .yaml_text import PlainDatesLoader

_TOP = {"branch_id", "name", "kind", "founded", "group", "activities", "declarations", "incidents", "awards", "extra",
        "not_applicable"}
_ACT = {"code", "date", "expected", "present", "hours", "speaker", "speaker_role", "topic", "id"}
_DECL = {"key", "value", "date", "id", "year"}
_NA = {"item", "key", "reason", "approved"}
_INC = {"key", "date", "count", "event", "note", "id"}
_AW = {"key", "level", "date", "note", "id"}
_KIND = {"formal": "formal", "functional": "functional", "正式": "formal", "正式党支部": "formal",
         "功能型": "functional", "功能型特设党支部": "functional"}


# a facts file is read with dates as text, so `_date` refuses `2022-02-30` naming the entry and the field
FactsLoader = PlainDatesLoader


def _date(x: Any, where: str, required: bool = True, field: str = "date") -> date | None:
    if x is None:
        if required:
            raise FactsError(f"{where}：缺少日期 {field}（格式 YYYY-MM-DD）")
        return None
    if isinstance(x, datetime):
        return x.date()
    if isinstance(x, date):
        return x
    if isinstance(x, str):
        try:
            return date.fromisoformat(x.strip())
        except ValueError:
            try:  # "2022-03-28 14:00": YAML read it as a datetime before dates were kept as text
                return datetime.fromisoformat(x.strip()).date()
            except ValueError:
                pass
    raise FactsError(f"{where}：{field} 日期 {x!r} 无法识别（应为存在的日期，格式 YYYY-MM-DD）")


def _int(x: Any, where: str, field: str) -> int | None:
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, int) or x < 0:
        raise FactsError(f"{where}：{field} 应为非负整数，实际是 {x!r}")
    return x


def _opt_str(x: Any, where: str, field: str) -> str | None:
    if x is None:
        return None
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return str(x)
    if not isinstance(x, str):
        raise FactsError(f"{where}：{field} 应为文字，实际是 {x!r}")
    return x


def _entries(d: Mapping[str, Any], key: str, allowed: set[str], what: str) -> list[tuple[str, dict]]:
    raw = d.get(key) or []
    if not isinstance(raw, list):
        raise FactsError(f"{key} 应为列表")
    out = []
    for i, e in enumerate(raw, 1):
        where = f"第{i}条{what}"
        if not isinstance(e, Mapping):
            raise FactsError(f"{where}：应为映射（如 {{code: ..., date: ...}}），实际是 {e!r}")
        unknown = sorted(str(k) for k in e if k not in allowed)
        if unknown:
            raise FactsError(f"{where}：未知字段 {', '.join(unknown)}（允许：{', '.join(sorted(allowed))}）")
        out.append((where, dict(e)))
    return out


def _key(e: dict, where: str, vocab: Mapping[str, str], what: str) -> str:
    key = e.get("key")
    if not isinstance(key, str) or key not in vocab:
        raise FactsError(f"{where}：未知的{what} {key!r}（可用：{', '.join(vocab)}）")
    return key


def facts_from_dict(d: Mapping[str, Any]) -> BranchFacts:
    """Read one branch's facts (a parsed JSON/YAML mapping); raise FactsError naming the entry and field."""
    if not isinstance(d, Mapping):
        raise FactsError("事实文件顶层应为映射（name、activities …）")
    unknown = sorted(str(k) for k in d if k not in _TOP)
    if unknown:
        raise FactsError(f"未知字段 {', '.join(unknown)}（允许：{', '.join(sorted(_TOP))}）")
    name = _opt_str(d.get("name"), "支部", "name")
    branch_id = _opt_str(d.get("branch_id"), "支部", "branch_id")
    if not name and not branch_id:
        raise FactsError("缺少支部名称 name（或 branch_id）")
    kind = _KIND.get(str(d.get("kind", "formal")))
    if kind is None:
        raise FactsError(f"kind 应为 formal（正式党支部）或 functional（功能型特设党支部），实际是 {d.get('kind')!r}")
    acts = []
    for where, e in _entries(d, "activities", _ACT, "活动"):
        raw = e.get("code")
        code = activity_code(raw) if isinstance(raw, str) else None
        if code is None:
            raise FactsError(f"{where}：未知的活动代码 {raw!r}（见 scoring/vocabulary.yaml 的 activities）")
        hours = e.get("hours")
        if hours is not None and (isinstance(hours, bool) or not isinstance(hours, (int, float)) or hours < 0):
            raise FactsError(f"{where}：hours 应为非负数，实际是 {hours!r}")
        acts.append(Activity(code=code, date=_date(e.get("date"), where), expected=_int(e.get("expected"), where, "expected"),
                             present=_int(e.get("present"), where, "present"),
                             hours=float(hours) if hours is not None else None,
                             speaker=_opt_str(e.get("speaker"), where, "speaker"),
                             speaker_role=_role(e.get("speaker_role"), where),
                             topic=_opt_str(e.get("topic"), where, "topic"), id=_opt_str(e.get("id"), where, "id")))
    decls = []
    for where, e in _entries(d, "declarations", _DECL, "申报"):
        value = e.get("value", True)
        if not isinstance(value, (str, int, float, bool)):
            raise FactsError(f"{where}：value 应为文字、数字或 true/false，实际是 {value!r}")
        key = _key(e, where, DECLARATIONS, "申报键")
        year = e.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9998):
            raise FactsError(f"{where}：year 应为评价年度（如 2022），实际是 {year!r}")
        decls.append(Declaration(key=key, value=_decl_value(key, value, where),
                                 date=_date(e.get("date"), where, required=False), id=_opt_str(e.get("id"), where, "id"),
                                 year=year))
    incs = []
    for where, e in _entries(d, "incidents", _INC, "事件"):
        count = _int(e.get("count", 1), where, "count")
        incs.append(Incident(key=_key(e, where, INCIDENTS, "事件键"), date=_date(e.get("date"), where), count=count or 0,
                             event=_opt_str(e.get("event"), where, "event"), note=_opt_str(e.get("note"), where, "note") or "",
                             id=_opt_str(e.get("id"), where, "id")))
    awards = []
    for where, e in _entries(d, "awards", _AW, "奖励"):
        raw_level = _opt_str(e.get("level"), where, "level")
        if not raw_level:
            raise FactsError(f"{where}：缺少级别 level（如 municipal / provincial / national）")
        level = award_level(raw_level)
        if level is None:
            raise FactsError(f"{where}：level 级别 {raw_level!r} 无法识别（可用：{', '.join(AWARD_LEVELS)}，"
                             "或 市级、省部级、国家级、全国性行业协会、所在部门）")
        awards.append(Award(key=_key(e, where, AWARDS, "奖励键"), level=level, date=_date(e.get("date"), where),
                            note=_opt_str(e.get("note"), where, "note") or "", id=_opt_str(e.get("id"), where, "id")))
    exemptions = []
    for where, e in _entries(d, "not_applicable", _NA, "不涉及"):
        item = _opt_str(e.get("item"), where, "item")
        reason = _opt_str(e.get("reason"), where, "reason")
        if not item or not reason:
            raise FactsError(f"{where}：需要 item（项目编号）和 reason（不涉及的理由），实际是 item={item!r} reason={reason!r}")
        approved = e.get("approved", False)
        if not isinstance(approved, bool):
            raise FactsError(f"{where}：approved 应为 true 或 false（办公室是否已同意），实际是 {approved!r}")
        exemptions.append(Exemption(item=item, reason=reason, key=_opt_str(e.get("key"), where, "key"), approved=approved))
    extra = d.get("extra") or {}
    if not isinstance(extra, Mapping):
        raise FactsError("extra 应为映射")
    return BranchFacts(branch_id=branch_id or name, name=name or branch_id, kind=kind,
                       founded=_date(d.get("founded"), "支部", required=False, field="founded"),
                       group=_opt_str(d.get("group"), "支部", "group"),
                       activities=tuple(acts), declarations=tuple(decls), incidents=tuple(incs), awards=tuple(awards),
                       extra=dict(extra), exemptions=tuple(exemptions))


def _role(x: Any, where: str) -> str | None:
    raw = _opt_str(x, where, "speaker_role")
    if raw is None or not raw.strip():
        return None
    role = speaker_role(raw)
    if role is None:
        raise FactsError(f"{where}：speaker_role 讲课人身份 {raw!r} 无法识别（可用：{', '.join(SPEAKER_ROLES)}，"
                         "或 支部书记、secretary、领导干部、教授 等）")
    return role


def _decl_value(key: str, value: Any, where: str) -> str | float | bool:
    """The value as the rubrics read it; a value they would silently misread is refused here."""
    if key == "star_rating":
        star = star_rating(value)
        if star is None:
            raise FactsError(f"{where}：star_rating 评星定级等级 {value!r} 无法识别（可用：{', '.join(STAR_RATINGS)}，"
                             "如 4a、AAAA、4A级）")
        return star
    if key == "appraisal_ratio":
        r = ratio(value)
        if r is None:
            raise FactsError(f"{where}：appraisal_ratio 测评得分率 {value!r} 无法识别（0–1 的小数，或 0–100 的百分数，如 0.85、85、\"85%\"）")
        return r
    return value


def _clean(obj: Any, fields: tuple[str, ...], defaults: Mapping[str, Any] | None = None) -> dict:
    out = {}
    for f in fields:
        v = getattr(obj, f)
        if v is None or (defaults and f in defaults and defaults[f] == v):
            continue
        out[f] = v.isoformat() if isinstance(v, date) else v
    return out


def facts_to_dict(facts: BranchFacts) -> dict[str, Any]:
    """The inverse of facts_from_dict: JSON-ready (dates as YYYY-MM-DD, empty optional fields left out)."""
    d: dict[str, Any] = {"branch_id": facts.branch_id, "name": facts.name, "kind": facts.kind}
    if facts.founded:
        d["founded"] = facts.founded.isoformat()
    if facts.group:
        d["group"] = facts.group
    d["activities"] = [_clean(a, ("code", "date", "expected", "present", "hours", "speaker", "speaker_role", "topic", "id"))
                       for a in facts.activities]
    d["declarations"] = [_clean(x, ("key", "value", "date", "id", "year")) for x in facts.declarations]
    d["incidents"] = [_clean(x, ("key", "date", "count", "event", "note", "id"), {"count": 1, "note": ""}) for x in facts.incidents]
    d["awards"] = [_clean(x, ("key", "level", "date", "note", "id"), {"note": ""}) for x in facts.awards]
    if facts.extra:
        d["extra"] = dict(facts.extra)
    if facts.exemptions:
        d["not_applicable"] = [_clean(x, ("item", "key", "reason", "approved")) for x in facts.exemptions]
    return d
