"""The branch's year-end work summary (工作总结, seed 000): an outline pre-filled with the branch's own
figures, and a check of a summary a secretary sends in (length limit, which of the eight topics it covers).

Topics, keywords and wording: templates/exports/summary.yaml.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from docx.shared import Pt

from scoring.card import ScoreCard

from .annex1 import branch_full
from .docx_style import heading, new_document, page_numbers, run
from .layout import load_data
from .xlsx_style import num_text

FIGURE_CODES = ("branch_committee", "member_assembly", "group_meeting", "party_lecture", "theme_day",
                "org_life_meeting", "democratic_review", "study_session", "integrity_education")


@dataclass(frozen=True)
class TopicCheck:
    """One of the eight topics in a summary: its verdict and, when it fails, what is missing in a sentence."""

    title: str
    status: str  # ok / missing (no section of its own) / thin (prompts, keywords, too little) / negated (for a human)
    detail: str = ""
    chars: int = 0  # the section's own content, prompts and keywords left out

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class SummaryCheck:
    chars: int
    max_chars: int
    covered: tuple[str, ...]
    missing: tuple[str, ...]
    topics: tuple[TopicCheck, ...] = ()
    year: int = 0

    @property
    def too_long(self) -> bool:
        return self.chars > self.max_chars

    @property
    def flagged(self) -> tuple[TopicCheck, ...]:
        """Topics whose wording negates them ("没有学习二十大"): a person must read them."""
        return tuple(t for t in self.topics if t.status == "negated")

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
                    "draft": str(t.get("draft") or ""),
                    "hint": str(t.get("hint") or layout.get("hint") or "").format(next_year=nxt),
                    "negation_ok": bool(t.get("negation_ok", False))})
    return out


HEADING = re.compile(r"^\s*([一二三四五六七八九十]{1,2})\s*[、.．]\s*(.*)$")
ORDINAL = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


def _ordinal(numeral: str) -> int:
    if len(numeral) == 2 and numeral[0] == "十":
        return 10 + ORDINAL.get(numeral[1], 0)
    return ORDINAL.get(numeral, 0)


def sections(text: str) -> list[tuple[int, str, str]]:
    """(number, heading, body) for each top-level "一、…" section; text before the first heading is dropped."""
    out: list[tuple[int, str, list[str]]] = []
    for line in text.splitlines():
        m = HEADING.match(line)
        if m:
            out.append((_ordinal(m.group(1)), m.group(2).strip(), []))
        elif out:
            out[-1][2].append(line)
    return [(n, h, "\n".join(body)) for n, h, body in out]


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _prompt_free(body: str, topic: dict[str, Any], layout: dict[str, Any]) -> str:
    """The section's own writing: without the outline's prompts ("（请……）") and its pre-filled sentences."""
    text = _flat(body)
    for hint in (layout.get("hint"), layout.get("intro")):
        if hint:
            text = text.replace(_flat(str(hint)), "")
    text = re.sub(r"[（(][^（）()]*请[^（）()]*[）)]", "", text)
    if topic["draft"]:
        parts = re.split(r"\{[^{}]*\}", _flat(topic["draft"]))
        pattern = "[^。；]*?".join(re.escape(p) for p in parts)
        if len(parts) > 1 and not parts[-1]:  # ends with a figure (a sentence of its own): up to its full stop
            pattern += "[^。]*。?"
        text = re.sub(pattern, "", text)
    return text


def _substance(text: str, layout: dict[str, Any], topics: list[dict[str, Any]]) -> int:
    """Characters left once every topic keyword and all punctuation are taken out: a keyword list scores ~0."""
    for t in topics:
        for k in sorted(t["keywords"], key=len, reverse=True):
            text = text.replace(_flat(k), "")
    return len(re.sub(r"[\W_\d]+", "", text))


def _negation(text: str, topic: dict[str, Any], layout: dict[str, Any]) -> str | None:
    """The first clause that negates one of the topic's keywords ("没有学习二十大精神", "无经费"), if any.
    `negations` (regular expressions) negate anywhere in the clause; `negations_before` only right before
    the keyword ("无经费", not "无私奉献")."""
    anywhere = layout.get("negations") or ["没有", "尚未", "从未", "不曾"]
    before = layout.get("negations_before") or ["无"]
    for clause in re.split(r"[，。；！？,;!?\n]", text):
        flat = _flat(clause)
        for k in topic["keywords"]:
            kf = _flat(k)
            if not kf or kf not in flat:
                continue
            if any(re.search(w, flat) for w in anywhere) or any(f"{w}{kf}" in flat for w in before):
                return clause.strip()
    return None


def check_summary(text: str, year: int, layout: dict[str, Any] | None = None) -> SummaryCheck:
    """Each of the eight topics must be a section of its own ("一、" … "八、") with the branch's own writing: not the
    outline's prompts or pre-filled sentences, not a bare keyword; a clause that negates the topic is flagged for
    a person; at most `max_chars` characters. `year` is the committee's evaluation year (八、<year+1>年工作计划)."""
    layout = layout or load_data("summary")
    topics = _topics(year, layout)
    min_chars = int(layout.get("min_chars", 40))
    found = sections(text)
    assigned: dict[int, list[tuple[int, str, str]]] = {}
    for n, heading, body in found:
        hits = [i for i, t in enumerate(topics, 1) if any(_flat(k) in _flat(heading) for k in t["keywords"])]
        k = n if (n in hits or (not hits and 1 <= n <= len(topics))) else (hits[0] if hits else 0)
        if k:
            assigned.setdefault(k, []).append((n, heading, body))
    results = []
    for i, t in enumerate(topics, 1):
        parts = assigned.get(i)
        if not parts:
            elsewhere = next((h for n, h, _ in found if n == i), None)
            results.append(TopicCheck(t["title"], "missing", f"没有单列这一部分（应写：{t['title'][2:]}）"
                                      + (f"；“{t['title'][:2]}”一节写的是“{elsewhere[:16]}”" if elsewhere else "")))
            continue
        heading = "".join(h for _, h, _ in parts)
        body = "\n".join(b for _, _, b in parts)
        own = _prompt_free(body, t, layout)
        if not any(_flat(k) in _flat(heading) + own for k in t["keywords"]) and not any(
                _flat(k) in _flat(body) for k in t["keywords"]):
            results.append(TopicCheck(t["title"], "missing", f"这一节没有写到本方面（如{'、'.join(t['keywords'][:4])}）"))
            continue
        substance = _substance(own, layout, topics)
        if substance < min_chars:
            what = "只有提纲的提示或预填的数字" if substance == 0 else "只有关键词或寥寥数语"
            results.append(TopicCheck(t["title"], "thin", f"{what}，本支部自己的内容 {substance} 字，至少 {min_chars} 字",
                                      substance))
            continue
        negated = None if t["negation_ok"] else _negation(body, t, layout)
        if negated:
            results.append(TopicCheck(t["title"], "negated", f"有否定表述“{negated}”，请人工核对", substance))
            continue
        results.append(TopicCheck(t["title"], "ok", "", substance))
    return SummaryCheck(count_chars(text), int(layout.get("max_chars", 3000)),
                        tuple(r.title for r in results if r.ok), tuple(r.title for r in results if not r.ok),
                        tuple(results), year)


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
        figures["total"], figures["grade"] = num_text(card.total), card.grade + ("，按假定分档" if card.grade_assumed else "")
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
    page_numbers(doc, fonts.get("hint"))
    heading(doc, str(layout["title"]).format(branch_full=branch_full(branch), branch=branch, year=year), fonts.get("title"))
    max_chars = int(layout.get("max_chars", 3000))
    heading(doc, str(layout.get("intro", "")).format(year=year, max_chars=max_chars), fonts.get("hint"), center=False)
    indent = Pt(2 * float(fonts.get("body", {}).get("size", 14)))
    for t in _topics(year, layout):
        head = heading(doc, t["title"], fonts.get("h1"), center=False)
        head.paragraph_format.keep_with_next = True  # a topic's heading never stands alone at a page's foot
        if t["draft"]:
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = indent
            run(p, t["draft"].format_map(_Missing(figures)), fonts.get("body"))
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = indent
        run(p, t["hint"], fonts.get("hint"))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


class _Missing(dict):
    """format_map that shows a figure the store does not have as "—" instead of failing."""

    def __missing__(self, key: str) -> str:
        return "—"
