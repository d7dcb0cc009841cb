"""The branch's year-end work summary (工作总结, seed 000): an outline pre-filled with the branch's own
figures, and a check of a summary a secretary sends in (length limit, which of the eight topics it covers).

Topics, keywords and wording: templates/exports/summary.yaml.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from docx.shared import Pt

from scoring.card import ScoreCard

from .annex1 import branch_full
from .docx_style import heading, new_document, run
from .layout import load_data
from .xlsx_style import num_text

FIGURE_CODES = ("branch_committee", "member_assembly", "group_meeting", "party_lecture", "theme_day",
                "org_life_meeting", "democratic_review", "study_session", "integrity_education")


@dataclass(frozen=True)
class SummaryCheck:
    chars: int
    max_chars: int
    covered: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def too_long(self) -> bool:
        return self.chars > self.max_chars

    @property
    def ok(self) -> bool:
        return not self.too_long and not self.missing


def count_chars(text: str) -> int:
    """字数 as the office counts it: every character but whitespace."""
    return len(re.sub(r"\s+", "", text))


def _topics(year: int, layout: dict[str, Any]) -> list[dict[str, Any]]:
    nxt = year + 1
    out = []
    for t in layout.get("topics") or []:
        out.append({"title": str(t["title"]).format(next_year=nxt),
                    "keywords": [str(k).format(next_year=nxt) for k in t.get("keywords") or []],
                    "draft": str(t.get("draft") or "")})
    return out


def check_summary(text: str, year: int, layout: dict[str, Any] | None = None) -> SummaryCheck:
    """Which topics the text covers (any keyword of the topic appears) and whether it is within the limit."""
    layout = layout or load_data("summary")
    flat = re.sub(r"\s+", "", text)
    covered, missing = [], []
    for t in _topics(year, layout):
        (covered if any(re.sub(r"\s+", "", k) in flat for k in t["keywords"]) else missing).append(t["title"])
    return SummaryCheck(count_chars(text), int(layout.get("max_chars", 3000)), tuple(covered), tuple(missing))


def read_text(path: str | Path) -> str:
    """A summary file as text: .docx (paragraphs and tables) or plain text (UTF-8, or GB18030 from Windows)."""
    path = Path(path)
    if path.suffix.lower() == ".docx":
        from docx import Document

        doc = Document(path)
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
        return "\n".join(parts)
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ValueError("无法识别文件编码，请另存为 UTF-8 文本或 .docx")


def summary_figures(card: ScoreCard | None, activities: Iterable[Any]) -> dict[str, Any]:
    """The branch's figures for the outline. activities: objects with code, date, expected, present, topic, speaker_role."""
    acts = list(activities)
    counts = Counter(a.code for a in acts)
    figures: dict[str, Any] = {code: counts.get(code, 0) for code in FIGURE_CODES}
    figures["activities"] = len(acts)
    figures["twentieth"] = sum(1 for a in acts if a.topic and "二十大" in a.topic)
    figures["secretary_lectures"] = sum(1 for a in acts if a.code == "party_lecture"
                                        and (getattr(a, "speaker_role", None) or "") in ("书记", "secretary"))
    pairs = [(a.expected, a.present) for a in acts if a.expected and a.present is not None]
    figures["attendance"] = f"{round(100 * sum(p for _, p in pairs) / sum(e for e, _ in pairs), 1):g}%" if pairs else "—"
    if card is not None:
        figures["total"], figures["grade"] = num_text(card.total), card.grade
        lost = [(it.title, sum(d.points for d in it.deductions)) for it in card.items if it.deductions]
        figures["deductions"] = ("扣分项：" + "；".join(f"{t}扣{num_text(p)}分" for t, p in lost) + "。") if lost \
            else "暂无扣分项。"
    else:
        figures.update(total="—", grade="—", deductions="")
    return figures


def write_summary_outline(branch: str, year: int, figures: dict[str, Any], path: str | Path,
                          layout: dict[str, Any] | None = None) -> Path:
    layout = layout or load_data("summary")
    fonts = layout.get("fonts") or {}
    doc = new_document(layout)
    heading(doc, str(layout["title"]).format(branch_full=branch_full(branch), branch=branch, year=year), fonts.get("title"))
    max_chars = int(layout.get("max_chars", 3000))
    heading(doc, str(layout.get("intro", "")).format(year=year, max_chars=max_chars), fonts.get("hint"), center=False)
    indent = Pt(2 * float(fonts.get("body", {}).get("size", 14)))
    for t in _topics(year, layout):
        heading(doc, t["title"], fonts.get("h1"), center=False)
        if t["draft"]:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            run(p, t["draft"].format_map(_Missing(figures)), fonts.get("body"))
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = indent
        run(p, str(layout.get("hint", "")), fonts.get("hint"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


class _Missing(dict):
    """format_map that shows a figure the store does not have as "—" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "—"


def topic_titles(year: int, layout: dict[str, Any] | None = None) -> Sequence[str]:
    return [t["title"] for t in _topics(year, layout or load_data("summary"))]
