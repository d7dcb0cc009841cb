"""The typed result of nlp.parse: what one chat line means."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Intent = Literal[
    "record", "plan", "declare", "grade", "query_progress", "query_score", "ranking", "deadline",
    "undo", "correct", "submit", "export", "help", "season", "unknown",
]
INTENTS: tuple[str, ...] = (
    "record", "plan", "declare", "grade", "query_progress", "query_score", "ranking", "deadline",
    "undo", "correct", "submit", "export", "help", "season", "unknown",
)

CONFIRM_BELOW = 0.75  # a record or plan read less surely than this is asked about, not stored (handlers/confirm.py)


@dataclass(frozen=True, slots=True)
class Parsed:
    intent: str
    activities: tuple[str, ...] = ()  # activity codes, in the order the message names them
    date: date | None = None  # the activity's date (record/plan/correct), resolved against `today`
    expected: int | None = None  # 应到
    present: int | None = None  # 实到 / 到会 / 参加
    speaker: str | None = None  # 主讲人, e.g. "张书记"
    topic: str | None = None  # e.g. "学习二十大精神"
    period: str | None = None  # asked-about period: this_month, this_quarter, this_year, last_year, last_month, last_quarter
    target: str | None = None  # a branch or group named in the message: "第三协作组", "第二党支部"
    item: str | None = None  # rubric item named by a grader: "3.3"
    score: float | None = None  # points given by a grader: "打6分"
    declaration: str | None = None  # key of a declared fact: "annual_plan", "star_rating", "commendation" …
    value: str | None = None  # its value: "4A", "municipal" …
    negated: bool = False  # "今天没开支委会"
    top: int | None = None  # "全委排名前十" -> 10
    deduction: float | None = None  # points a grader takes off: "3.3 扣1分" -> 1.0 (score stays None)
    form: str | None = None  # export: "self_evaluation", "group_summary", "record_book", "report", "summary", "dashboard" …
    subject: str | None = None  # correct: the activity of the record meant, "支委会的日期错了" -> "branch_committee"
    action: str | None = None  # season: "close" or "reopen" an evaluation year ("关闭2022年度考核")
    year: int | None = None  # season: the year named (None: the handler takes the year under review)
    confidence: float = 1.0  # how sure the reading of a record/plan is (typo, nothing saying it happened …)

    @property
    def confirm(self) -> bool:
        """Ask before storing: a record or plan read with confidence under CONFIRM_BELOW."""
        return self.intent in ("record", "plan") and self.confidence < CONFIRM_BELOW

    def to_json(self) -> dict:
        """The `zhibu parse` line: the contract keys first, then the rest where set."""
        out: dict = {
            "intent": self.intent,
            "activities": list(self.activities),
            "date": self.date.isoformat() if self.date else None,
            "expected": self.expected,
            "present": self.present,
        }
        for key in ("speaker", "topic", "period", "target", "item", "score", "deduction", "declaration", "value", "top",
                    "form", "subject", "action", "year"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        if self.negated:
            out["negated"] = True
        if self.confirm:
            out["confirm"] = True
        return out
