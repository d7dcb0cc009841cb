"""Bonus rules (return points and reasons: awards by level, a declared level such as 评星定级) and veto rules
(return reasons, empty when not triggered: an incident of these keys, a year without any activity)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .rule_context import Ctx, md, num
from .vocabulary import award_label, award_level, declaration_label, incident_label, star_rating


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
                    reasons.append(f"{award_label(key)}（{w.level}，{md(w.date)}）级别{what}，未加分")
                    continue
                total += pts
                best = max(best, pts)
                note = f"：{w.note}" if w.note else ""
                reasons.append(f"{award_label(key)}（{w.level}，{md(w.date)}）+{num(pts)}{note}")
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
                reason = [f"{declaration_label(self.key)} {value} +{num(pts)}"]
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
                out.append(f"{incident_label(key)}（{md(inc.date)}）{note}")
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
