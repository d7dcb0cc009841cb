"""Progress answers ("党课: 要求每季度1次，已完成3次，本季度还差1次，12月31日前"), read off a score card."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .card import ScoreCard


@dataclass(frozen=True, slots=True)
class Progress:
    code: str  # activity code (or the rule's key for a group of codes, e.g. "centralized_activity")
    label: str  # "党课"
    requirement: str  # "每季度1次" / "全年不少于4次"
    done: float  # held this year up to as_of
    required: float  # for the whole year (only periods the branch exists for)
    period_short: float  # still missing in the current period (0: met)
    due: date  # by when the current period's requirement must be met
    text: str
    item_id: str = ""
    missed: float = 0  # misses in periods already closed (already deducted)
    period: str = ""


def _n(x: float) -> str:
    return f"{x:g}"


def _text(label: str, requirement: str, done: float, short: float, word: str, due: date, missed: float, unit: str) -> str:
    head = f"{label}: 要求{requirement}，已完成{_n(done)}{unit}"
    if short > 0:
        tail = f"{word}还差{_n(short)}{unit}，{due.month}月{due.day}日前"
    else:
        tail = f"{word}已完成"
    if missed > 0:
        tail += f"（此前已缺{_n(missed)}{unit}，已扣分）"
    return f"{head}，{tail}"


def progress(card: ScoreCard, code: str | None = None) -> list[Progress]:
    """Every count requirement on the card (or those of one activity code / key / 中文 label)."""
    out: list[Progress] = []
    seen: set[tuple[str, str, str]] = set()
    for item in card.items:
        for r in item.requirements:
            if code is not None and code != r.code and code != r.label and code not in r.codes:
                continue
            sig = (r.code, r.requirement, item.id)
            if sig in seen:
                continue
            seen.add(sig)
            unit = "学时" if r.requirement.endswith("学时") else "类" if r.requirement.endswith("类") else "次"
            out.append(Progress(r.code, r.label, r.requirement, r.done, r.required, r.period_short, r.due,
                                _text(r.label, r.requirement, r.done, r.period_short, r.period_word, r.due, r.missed, unit),
                                item.id, r.missed, r.period))
    if code is not None:
        out.sort(key=lambda p: p.code != code and p.label != code)  # exact matches first, stable
    return out
