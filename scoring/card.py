"""What the scoring core answers: a score card per branch, item by item.

Handlers, exports, reminders and rankings all read these; none recomputes a score itself.
Fields may be added (with defaults); existing names are a contract across the packages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Tier = Literal["self", "group", "office"]
TIERS: tuple[Tier, ...] = ("self", "group", "office")


RequirementKind = Literal["period", "count", "variety", "declaration", "ratio"]
ACTIVITY_KINDS: tuple[RequirementKind, ...] = ("period", "count", "variety")  # count requirements of activities


@dataclass(frozen=True, slots=True)
class RequirementRef:
    """The requirement a deduction (or a `Missing`) is for, as data: readers (gaps, record book, dashboard grid,
    nudges, report) match on these fields, never on the reason's wording."""

    item_id: str  # "3.3"
    key: str  # the rule's key: `Requirement.code` / `Missing.code` ("branch_committee", "集中活动", "annual_plan")
    kind: RequirementKind  # period: 每月/每季度…; count / variety: 全年不少于; declaration: a document; ratio: 按比例
    period: str  # the period it was not met in: "2022年3月", "2022年第一季度", "2022年"

    @property
    def activity(self) -> bool:
        """A count requirement of activities (what the record book and the grid mark as a gap)."""
        return self.kind in ACTIVITY_KINDS


@dataclass(frozen=True, slots=True)
class Deduction:
    points: float  # positive number of points taken off
    reason: str  # e.g. "支委会 2022年3月 未召开"
    rule: str  # the rubric's own wording of the rule, e.g. "“三会一课”制度执行不到位，少一次扣0.5分"
    date: date | None = None
    event: str | None = None
    requirement: RequirementRef | None = None  # None for incidents (they name an `event` instead)


@dataclass(frozen=True, slots=True)
class Missing:
    """A requirement not yet met, and the date by which it must be."""

    code: str  # activity code or declaration key
    label: str  # 中文, e.g. "支委会"
    required: int
    done: int
    period: str  # e.g. "2022年12月", "2022年第4季度", "2022年"
    due: date
    kind: RequirementKind | None = None  # as RequirementRef.kind

    @property
    def activity(self) -> bool:
        """A count requirement of activities (what nudges ask for), not a document."""
        return self.kind in ACTIVITY_KINDS

    @property
    def short(self) -> int:
        return max(0, self.required - self.done)


@dataclass(frozen=True, slots=True)
class Requirement:
    """One count requirement of an item and where the branch stands on it (progress answers read these)."""

    item_id: str
    code: str  # activity code, declaration key, or the rule's own key for a group of codes ("集中活动")
    label: str  # 中文: "党课"
    requirement: str  # "每季度1次", "全年不少于4次"
    done: float  # counted this year up to as_of (all codes of the rule)
    required: float  # for the whole year (periods the branch exists for x minimum)
    period_short: float  # still missing in the current (open) period; 0 when met or none open
    due: date  # end of the current period (or of the year)
    period: str  # label of the current period: "2022年第四季度"
    period_word: str = "全年"  # "本季度"
    missed: float = 0  # misses in periods already closed (deducted)
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One item of a card. The engine hands the same result to every card where the item has nothing to
    report (full points, no deduction, nothing missing, no score given): treat it as read-only, `tiers` too."""

    id: str  # e.g. "3.3" (section.item), unique within the rubric
    section: str  # e.g. "三、组织建设"
    title: str
    max: float
    points: float  # computed by the engine, 0 <= points <= max
    source: str  # citation, e.g. "seed 000 附件1 三.3"
    applies: bool = True
    deductions: tuple[Deduction, ...] = ()
    missing: tuple[Missing, ...] = ()
    tiers: dict[str, float] = field(default_factory=dict)  # scores given by people, per tier
    requirements: tuple[Requirement, ...] = ()  # count requirements, for progress answers
    assumption: str | None = None  # the rubric's stated assumption for this item, if any
    not_applicable: tuple[str, ...] = ()  # office-approved "不涉及" of this item or of a requirement: the reasons
    capped: tuple[Deduction, ...] = ()  # deductions the item's cap left out (扣减分不超过单项指标的最高分), as made

    @property
    def final(self) -> float:
        """The latest tier that gave this item a score wins; otherwise the computed points."""
        for tier in ("office", "group", "self"):
            if tier in self.tiers:
                return self.tiers[tier]
        return self.points


@dataclass(frozen=True, slots=True)
class BonusResult:
    id: str
    title: str
    points: float
    cap: float | None
    reasons: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class VetoResult:
    id: str
    title: str
    triggered: bool
    reasons: tuple[str, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class ScoreCard:
    rubric_id: str
    branch_id: str
    name: str
    year: int
    as_of: date
    items: tuple[ItemResult, ...]
    bonus: tuple[BonusResult, ...]
    vetoes: tuple[VetoResult, ...]
    base_total: float
    bonus_total: float
    total: float
    grade: str
    group: str | None = None
    tier_totals: dict[str, float] = field(default_factory=dict)
    computed_total: float = 0.0  # the engine's own total (no tier overrides), bonus included
    warnings: tuple[str, ...] = ()  # facts not counted, or counted once, and why (outside the year, duplicate id …)
    grade_assumed: bool = False  # the grade's band is the rubric's assumption, not the seed's (print it as such)

    @property
    def vetoed(self) -> bool:
        return any(v.triggered for v in self.vetoes)

    def item(self, item_id: str) -> ItemResult:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)
