"""The evaluation report draft (质效评估报告, seed 004's outline) as .docx, from a committee's score cards.

Filled from data: the grade distribution (counts and shares), the common deductions ("问题不足"), the
branches that improved or fell most since last year. The rest is left blank for people to write.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from docx.shared import Pt

from scoring.card import ScoreCard
from scoring.rubric import Rubric

from .docx_style import cell_text, heading, new_document, run
from .layout import load_data
from .xlsx_style import num_text

ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class GradeCount:
    grade: str
    n: int
    share: float  # 0..1


@dataclass(frozen=True)
class CommonDeduction:
    item_id: str
    section: str
    title: str
    branches: int
    share: float
    points: float
    rules: tuple[tuple[str, int], ...]  # (rule wording, branches) most frequent first


@dataclass(frozen=True)
class Mover:
    branch_id: str
    name: str
    prev: float
    now: float

    @property
    def delta(self) -> float:
        return round(self.now - self.prev, 2)


def pct(x: float) -> str:
    return f"{round(x * 100, 1):g}%"


def grade_counts(rubric: Rubric, cards: Sequence[ScoreCard]) -> list[GradeCount]:
    """Every grade of the rubric in its order (best first), the veto grade included, zero counts kept."""
    order = [g.label for g in sorted(rubric.grades, key=lambda g: -g.min)]
    if rubric.veto_grade not in order:
        order.append(rubric.veto_grade)
    counts = Counter(c.grade for c in cards)
    order += [g for g in counts if g not in order]
    n = len(cards) or 1
    return [GradeCount(g, counts.get(g, 0), counts.get(g, 0) / n) for g in order]


def common_deductions(cards: Sequence[ScoreCard], top: int = 5) -> list[CommonDeduction]:
    """Items most branches lost points on (ties: more points first)."""
    hit: dict[str, set[str]] = defaultdict(set)
    points: dict[str, float] = defaultdict(float)
    rules: dict[str, Counter] = defaultdict(Counter)
    meta: dict[str, tuple[str, str]] = {}
    for card in cards:
        for it in card.items:
            lost = sum(d.points for d in it.deductions)
            if lost <= 0:
                continue
            hit[it.id].add(card.branch_id)
            points[it.id] += min(lost, it.max)
            meta[it.id] = (it.section, it.title)
            for rule in {d.rule for d in it.deductions}:
                rules[it.id][rule] += 1
    n = len(cards) or 1
    out = [CommonDeduction(i, meta[i][0], meta[i][1], len(hit[i]), len(hit[i]) / n, round(points[i], 2),
                           tuple(rules[i].most_common(2))) for i in hit]
    out.sort(key=lambda d: (-d.branches, -d.points, d.item_id))
    return out[:top]


def movers(cards: Sequence[ScoreCard], prev_cards: Sequence[ScoreCard], top: int = 5) -> tuple[list[Mover], list[Mover]]:
    """(most improved, most fallen) among branches scored in both years; unchanged ones are neither."""
    before = {c.branch_id: c for c in prev_cards}
    both = [Mover(c.branch_id, c.name, before[c.branch_id].total, c.total) for c in cards if c.branch_id in before]
    up = sorted((m for m in both if m.delta > 0), key=lambda m: (-m.delta, m.name))[:top]
    down = sorted((m for m in both if m.delta < 0), key=lambda m: (m.delta, m.name))[:top]
    return up, down


def write_report(rubric: Rubric, cards: Sequence[ScoreCard], path: str | Path, *,
                 prev_cards: Sequence[ScoreCard] | None = None, meta: dict[str, Any] | None = None,
                 layout: dict[str, Any] | None = None) -> Path:
    layout = layout or load_data("report", rubric.id)
    meta = dict(meta or {})
    words = layout.get("words") or {}
    fonts = layout.get("fonts") or {}
    top = int(layout.get("top_n", 5))
    year = meta.get("year") or (cards[0].year if cards else "")
    org = meta.get("org", "综合党委")
    doc = new_document(layout)
    heading(doc, str(layout.get("title", "")).format(year=year, org=org), fonts.get("title"))

    def para(text: str, font_key: str = "body", indent: bool = True) -> None:
        p = doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(2 * float(fonts.get("body", {}).get("size", 14)))
        run(p, text, fonts.get(font_key))

    def blank() -> None:
        para(str(layout.get("blank", "（请填写）")))

    def auto(kind: str) -> None:
        if kind == "grades":
            groups = meta.get("groups", len({c.group for c in cards if c.group}))
            para(words["grades_intro"].format(org=org, groups=groups, count=len(cards), year=year))
            counts = grade_counts(rubric, cards)
            para("；".join(words["grade_line"].format(grade=g.grade, n=g.n, share=pct(g.share)) for g in counts) + "。")
            table = doc.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for i, h in enumerate(("等次", "党支部数", "占比")):
                cell_text(table.rows[0].cells[i], h, fonts.get("table"), center=True, bold=True)
            for g in counts:
                cells = table.add_row().cells
                for i, v in enumerate((g.grade, str(g.n), pct(g.share))):
                    cell_text(cells[i], v, fonts.get("table"), center=True)
            vetoed = [c.name for c in cards if c.vetoed]
            if vetoed:
                para(words["vetoed"].format(n=len(vetoed), names="、".join(vetoed)))
            if cards:
                totals = [c.total for c in cards]
                para(words["average"].format(avg=num_text(round(sum(totals) / len(totals), 1)),
                                             max=num_text(max(totals)), min=num_text(min(totals))))
        elif kind == "deductions":
            common = common_deductions(cards, top)
            if not common:
                para(words["no_deductions"])
                return
            para(words["deductions_intro"])
            for i, d in enumerate(common):
                rules = "；".join(f"“{r}”（{n} 个）" for r, n in d.rules)
                para(words["deduction_line"].format(ordinal=ORDINALS[i], section=d.section, title=d.title,
                                                    n=d.branches, share=pct(d.share), points=num_text(d.points),
                                                    rules=f"涉及细则：{rules}。" if rules else ""))
        elif kind == "movers":
            if not prev_cards:
                para(words["movers_none"])
                return
            up, down = movers(cards, prev_cards, top)
            for intro, group in ((words["up_intro"], up), (words["down_intro"], down)):
                para(intro + ("无。" if not group else ""))
                for m in group:
                    sign = f"+{num_text(m.delta)}" if m.delta > 0 else num_text(m.delta)
                    para(words["mover_line"].format(name=m.name, prev=num_text(m.prev), now=num_text(m.now), delta=sign))

    for sec in layout.get("sections") or []:
        heading(doc, sec["title"], fonts.get("h1"), center=False)
        if sec.get("auto"):
            auto(sec["auto"])
        children = sec.get("children") or []
        for child in children:
            child = child if isinstance(child, dict) else {"title": child}
            heading(doc, child["title"], fonts.get("h2"), center=False)
            auto(child["auto"]) if child.get("auto") else blank()
        if not sec.get("auto") and not children:
            blank()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
