"""A loaded, validated rubric: the in-memory shape of one `scoring/rubrics/*.yaml` file.

Exports lay out their forms from these fields (sections, items, their wording, the score columns),
so another rubric exports its own table without new code. The loader fills them; a Rubric that
exists is valid (errors are raised at load time, never by `assert`).
Fields may be added (with defaults); existing names are a contract across the packages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoreColumn:
    """One score column of the printed form, e.g. tier "self" labelled "自评" (seed 000) or "自查得分" (seed 003)."""

    tier: str  # "self" | "group" | "office"
    label: str


@dataclass(frozen=True)
class Item:
    id: str  # "3.3": unique in the rubric
    section: str  # section title as printed: "三、组织建设"
    title: str  # short name: "三会一课"
    max: float
    content: str  # 具体内容及标准 (the form's middle column), verbatim from the seed
    rule_text: str  # 评分细则, verbatim from the seed
    source: str  # "seed 000 附件1 三.3"
    rules: tuple[dict[str, Any], ...] = ()  # the machine-readable rules (engine-specific shapes)
    applies_to: tuple[str, ...] = ("formal", "functional")
    assumption: str | None = None  # where the seed is silent or contradicts itself: what we assume
    compiled: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # rules, compiled at load


@dataclass(frozen=True)
class Section:
    id: str  # "三"
    title: str  # "组织建设"
    max: float
    items: tuple[Item, ...]


@dataclass(frozen=True)
class BonusItem:
    id: str
    title: str
    content: str
    cap: float | None
    source: str
    rules: tuple[dict[str, Any], ...] = ()
    assumption: str | None = None
    compiled: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class VetoItem:
    id: str
    title: str
    content: str
    source: str
    rules: tuple[dict[str, Any], ...] = ()
    assumption: str | None = None
    compiled: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class GradeBand:
    label: str  # "优秀"
    min: float  # inclusive lower bound of the total
    assumed: bool = False  # the seed gives no such band (label and threshold): every output that prints it says so
    source: str = ""  # the seed's words for it (required when not assumed)


@dataclass(frozen=True)
class Rubric:
    id: str  # "seed000"
    title: str  # "2022 年 XX 协会党支部党建工作自评表"
    source: str  # the seed file it encodes
    sections: tuple[Section, ...]
    bonus: tuple[BonusItem, ...] = ()
    bonus_cap: float | None = None
    vetoes: tuple[VetoItem, ...] = ()
    veto_grade: str = "不合格"
    grades: tuple[GradeBand, ...] = ()
    columns: tuple[ScoreColumn, ...] = ()
    notes: tuple[str, ...] = ()  # the notes under the table, verbatim
    assumptions: tuple[str, ...] = ()
    path: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    total: float = 100.0  # the declared total of the sections (checked at load)
    no_double_deduction: bool = True  # one event (Incident.event) is deducted in one item only
    veto_grade_source: str = ""  # the seed's words for the grade a veto gives; none: that grade is assumed

    def grade_assumed(self, grade: str, vetoed: bool = False) -> bool:
        """Whether `grade` (as the engine gave it) rests on an assumed band rather than on the seed's words."""
        if vetoed:
            return not self.veto_grade_source
        return any(b.assumed for b in self.grades if b.label == grade)

    @property
    def grades_assumed(self) -> bool:
        """Any band of the rubric is assumed (a report's grade table says so once)."""
        return any(b.assumed for b in self.grades)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(it for s in self.sections for it in s.items)

    @property
    def max_total(self) -> float:
        return sum(s.max for s in self.sections)
