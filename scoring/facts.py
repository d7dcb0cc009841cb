"""What the scoring core is told about a branch's year: plain, immutable facts.

The store (bot/) turns database rows into these; a facts file (`zhibu score --facts`) is read into
them too. Nothing here knows about Flask, SQLAlchemy or the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

BranchKind = Literal["formal", "functional"]


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity held by the branch (codes: scoring/vocabulary.yaml's activities)."""

    code: str
    date: date
    expected: int | None = None
    present: int | None = None
    hours: float | None = None  # study hours, for rubrics that count 学时 (seed 002)
    speaker: str | None = None
    speaker_role: str | None = None  # e.g. "书记", "党员领导干部": seed 000 二.2, seed 003 item 3
    topic: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Declaration:
    """A fact that is not an activity: a plan or summary written, a rating kept, an appraisal result."""

    key: str  # e.g. "annual_plan", "annual_summary", "star_rating", "appraisal_ratio"
    value: str | float | bool = True
    date: date | None = None
    id: str | None = None
    year: int | None = None  # the evaluation year it is about (the store knows it); None: read off `date`


@dataclass(frozen=True, slots=True)
class Exemption:
    """"不涉及的不扣分" (seed 000, note under annex 1): an item, or one requirement of it (`key`: an
    activity code, a rule's key or a declaration key), does not apply to this branch, e.g. 支委会 for a
    branch too small to elect one.  Only an office-approved exemption is applied; the reason is printed
    on the card either way."""

    item: str
    reason: str
    key: str | None = None
    approved: bool = False


@dataclass(frozen=True, slots=True)
class Incident:
    """Something that costs points or vetoes: 通报批评, 处分, 投诉属实 …

    `event` names the real-world event: one event touching several items is deducted once
    (seed 000, note under annex 1: 同一件事情涉及多项的不重复扣分).
    """

    key: str
    date: date
    count: int = 1
    event: str | None = None
    note: str = ""
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Award:
    """A commendation, a star rating (评星定级), a media report, a published article …"""

    key: str  # e.g. "commendation", "star_rating", "media_report", "article", "demonstration"
    level: str  # e.g. "municipal", "provincial", "national", "department", "3A" …
    date: date
    note: str = ""
    id: str | None = None


@dataclass(frozen=True, slots=True)
class BranchFacts:
    """Everything the rubric may look at for one branch."""

    branch_id: str
    name: str
    kind: BranchKind = "formal"
    founded: date | None = None
    group: str | None = None
    activities: tuple[Activity, ...] = ()
    declarations: tuple[Declaration, ...] = ()
    incidents: tuple[Incident, ...] = ()
    awards: tuple[Award, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
    exemptions: tuple[Exemption, ...] = ()
