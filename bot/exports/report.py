"""The evaluation report draft (质效评估报告) as .docx, in seed 004's outline and nothing else.

Filled from data, from one tier of scores (each branch's final score, stated in the text): the grade distribution,
the committee's activity counts, the items most branches lost points on — with points lost for lack of a
declaration told apart as missing data, not presented as a finding. Grade bands the rubric only assumes are
printed as assumed. Everything the data cannot say is a marked 【请填写：…】 prompt. Layout: templates/exports/report.yaml.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Sequence

from docx.shared import Pt

from scoring.card import Deduction, ScoreCard
from scoring.rubric import Rubric

from .docx_style import cell_text, heading, new_document, page_numbers, run
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
class DataGap:
    """Points lost only because a branch declared nothing (no 制度 count, no plan): missing data, not a finding."""

    key: str
    label: str
    branches: int
    points: float


def pct(x: float) -> str:
    return f"{round(x * 100, 1):g}%"


def quote(text: str) -> str:
    """“text”, with quotes inside turned to ‘ ’ (no ““doubled”” quotes)."""
    text = text.strip().rstrip("。；")
    if text.startswith("“") and text.endswith("”") and text.count("“") == 1:
        return text
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def card_tier(card: ScoreCard) -> str:
    """The latest tier that scored any item of the card, else "computed" (the bot's count of the records)."""
    for tier in ("office", "group", "self"):
        if any(tier in it.tiers for it in card.items):
            return tier
    return "computed"


def grades_assumed(rubric: Rubric) -> bool:
    """The rubric flags a grade band as assumed (seed 000 gives none): GradeBand.assumed, checked at load."""
    return rubric.grades_assumed


def grade_counts(rubric: Rubric, cards: Sequence[ScoreCard]) -> list[GradeCount]:
    """Every grade of the rubric in its order (best first), the veto grade included, zero counts kept."""
    order = [g.label for g in sorted(rubric.grades, key=lambda g: -g.min)]
    if rubric.veto_grade not in order:
        order.append(rubric.veto_grade)
    counts = Counter(c.grade for c in cards)
    order += [g for g in counts if g not in order]
    n = len(cards) or 1
    return [GradeCount(g, counts.get(g, 0), counts.get(g, 0) / n) for g in order]


def _declaration_key(d: Deduction) -> str | None:
    """The declaration a deduction is owed to, from the scoring core's structured requirement (as gaps.py reads
    it), never from the reason's wording: a document or number declared by a due date, or a declared ratio."""
    ref = d.requirement
    if ref is None or ref.kind not in ("declaration", "ratio"):
        return None
    from scoring import DECLARATIONS

    return ref.key if ref.key in DECLARATIONS else None


def split_losses(cards: Sequence[ScoreCard], declared: Mapping[str, set[str]] | None = None
                 ) -> tuple[list[CommonDeduction], list[DataGap]]:
    """Final-score losses per item (max − final), with the part owed only to a missing declaration set apart.

    `declared`: branch id -> the declaration keys it has declared; None treats every declaration as given."""
    from scoring import declaration_label

    hit: dict[str, set[str]] = defaultdict(set)
    points: dict[str, float] = defaultdict(float)
    rules: dict[str, Counter] = defaultdict(Counter)
    meta: dict[str, tuple[str, str]] = {}
    gap_branches: dict[str, set[str]] = defaultdict(set)
    gap_points: dict[str, float] = defaultdict(float)
    for card in cards:
        for it in card.items:
            lost = round(min(it.max, it.max - it.final), 2)
            if lost <= 0:
                continue
            if declared is not None and it.final == it.points:  # no person overrode it: the deductions explain it
                for d in it.deductions:
                    key = _declaration_key(d)
                    if key and key not in declared.get(card.branch_id, set()) and d.points > 0:
                        gap_branches[key].add(card.branch_id)
                        gap_points[key] += d.points
                        lost = round(lost - d.points, 2)
            if lost <= 0:
                continue
            hit[it.id].add(card.branch_id)
            points[it.id] += lost
            meta[it.id] = (it.section, it.title)
            for rule in {d.rule for d in it.deductions if d.points > 0}:
                rules[it.id][rule] += 1
    n = len(cards) or 1
    out = [CommonDeduction(i, meta[i][0], meta[i][1], len(hit[i]), len(hit[i]) / n, round(points[i], 2),
                           tuple(rules[i].most_common(2))) for i in hit]
    out.sort(key=lambda d: (-d.branches, -d.points, d.item_id))
    gaps = [DataGap(k, declaration_label(k), len(b), round(gap_points[k], 2)) for k, b in gap_branches.items()]
    gaps.sort(key=lambda g: (-g.branches, g.key))
    return out, gaps


def common_deductions(cards: Sequence[ScoreCard], top: int = 5) -> list[CommonDeduction]:
    """Items most branches lost points on by their final score (ties: more points first)."""
    return split_losses(cards)[0][:top]


def _section_name(section: str) -> str:
    return section.split("、", 1)[-1]


def write_report(rubric: Rubric, cards: Sequence[ScoreCard], path: str | Path, *,
                 meta: dict[str, Any] | None = None, layout: dict[str, Any] | None = None) -> Path:
    """meta: org, year, groups, as_of (date), declared ({branch id: declared keys}), activity_counts ({code: n})."""
    layout = layout or load_data("report", rubric.id)
    meta = dict(meta or {})
    words = layout.get("words") or {}
    fonts = layout.get("fonts") or {}
    top = int(layout.get("top_n", 5))
    year = meta.get("year") or (cards[0].year if cards else "")
    org = meta.get("org", "综合党委")
    as_of: date = meta.get("as_of") or (cards[0].as_of if cards else date.today())
    as_of_text = f"{as_of.year}年{as_of.month}月{as_of.day}日"
    doc = new_document(layout)
    page_numbers(doc, fonts.get("footer"), str(layout.get("page_number", "— {page} —")))
    heading(doc, str(layout.get("title", "")).format(year=year, org=org), fonts.get("title"))
    indent = Pt(2 * float(fonts.get("body", {}).get("size", 14)))

    def para(text: str, font_key: str = "body") -> None:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = indent
        run(p, text, fonts.get(font_key))

    def prompt(text: str | None) -> None:
        if text:
            para(str(layout.get("prompt", "【请填写：{prompt}】")).format(prompt=text), "prompt")

    def grades() -> None:
        groups = meta.get("groups", len({c.group for c in cards if c.group}))
        tiers = Counter(card_tier(c) for c in cards)
        names = words.get("tiers") or {}
        tier_text = "，".join(f"{names.get(t, t)}{tiers[t]}个" for t in ("office", "group", "self", "computed")
                              if tiers.get(t))
        para(words["basis"].format(as_of=as_of_text, tiers=tier_text or "—"))
        if as_of < date(int(year), 12, 31) if year else False:
            para(words["not_year_end"].format(year=year, as_of=as_of_text))
        para(words["grades_intro"].format(org=org, groups=groups, count=len(cards), year=year))
        counts = grade_counts(rubric, cards)
        assumed = grades_assumed(rubric)
        if assumed:
            bands = "，".join(f"{num_text(g.min)}分及以上为{quote(g.label)}" if g.min > 0 else f"其余为{quote(g.label)}"
                              for g in sorted(rubric.grades, key=lambda g: -g.min))
            para(words["grades_assumed"].format(bands=bands))
            line = words["grade_line_assumed"]
        else:
            para(words["grades_given"])
            line = words["grade_line"]
        para("；".join(line.format(grade=g.grade, n=g.n, share=pct(g.share)) for g in counts) + "。")
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for i, h in enumerate(("等次（假定）" if assumed else "等次", "党支部数", "占比")):
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
            para(words["average"].format(avg=num_text(round(sum(totals) / len(totals), 2)),
                                         max=num_text(max(totals)), min=num_text(min(totals))))

    def activities() -> None:
        counts = meta.get("activity_counts")
        if counts is not None:
            para(words["activities"].format_map(defaultdict(int, counts)))

    def deductions() -> None:
        common, gaps = split_losses(cards, meta.get("declared"))
        if not common:
            para(words["no_deductions"])
        else:
            para(words["deductions_intro"])
            for i, d in enumerate(common[:top]):
                rules = "；".join(f"{quote(r)}（{n}个）" for r, n in d.rules)
                para(words["deduction_line"].format(
                    ordinal=ORDINALS[i], section=_section_name(d.section), title=quote(d.title), n=d.branches,
                    share=pct(d.share), points=num_text(d.points),
                    rules=words["rules"].format(rules=rules) if rules else ""))
        if gaps:
            para(words["data_gaps_intro"])
            for g in gaps:
                para(words["data_gap_line"].format(n=g.branches, label=quote(g.label), points=num_text(g.points)))

    autos = {"grades": grades, "activities": activities, "deductions": deductions}
    for sec in layout.get("sections") or []:
        heading(doc, sec["title"], fonts.get("h1"), center=False)
        if sec.get("auto"):
            autos[sec["auto"]]()
        prompt(sec.get("prompt"))
        for child in sec.get("children") or []:
            child = child if isinstance(child, dict) else {"title": child}
            heading(doc, child["title"], fonts.get("h2"), center=False)
            if child.get("auto"):
                autos[child["auto"]]()
            prompt(child.get("prompt"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path
