"""Accuracy of nlp.parse on the labeled corpus, field by field: each field must be right in ≥ 98 % of lines.

A failure lists every wrong line with what was expected and what came out.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from nlp.parser import _parse

CORPUS = Path(__file__).with_name("corpus.yaml")
DEFAULT_TODAY = date(2022, 12, 28)
THRESHOLD = 0.98
# Fields compared on every line; a field a line does not label must come out empty.
FIELDS = ("intent", "activities", "date", "expected", "present", "speaker", "topic", "period", "target",
          "item", "score", "deduction", "declaration", "value", "top", "negated", "form")
SHORT = {"i": "intent", "a": "activities", "d": "date", "e": "expected", "p": "present"}
INTENTS = {"record", "plan", "declare", "grade", "query_progress", "query_score", "ranking", "deadline",
           "undo", "correct", "submit", "export", "help", "unknown"}


def load_corpus() -> list[dict]:
    rows = []
    for raw in yaml.safe_load(CORPUS.read_text(encoding="utf-8")):
        row = {SHORT.get(k, k): v for k, v in raw.items()}
        row["text"] = row.pop("t")
        row["today"] = row.pop("now", DEFAULT_TODAY)
        row["activities"] = tuple(row.get("activities") or ())
        row.setdefault("negated", False)
        unknown = set(row) - set(FIELDS) - {"text", "today"}
        assert not unknown, f"corpus line {row['text']!r}: unknown keys {unknown}"
        rows.append(row)
    # Lines too long to write by hand: over 2,048 bytes is `unknown`, whatever it says.
    rows.append({"text": "今天开了支委会，" * 100, "today": DEFAULT_TODAY, "intent": "unknown",
                 "activities": (), "negated": False})
    rows.append({"text": "支委会" * 228, "today": DEFAULT_TODAY, "intent": "unknown",
                 "activities": (), "negated": False})
    return rows


ROWS = load_corpus()


def _actual(row: dict) -> dict:
    parsed = _parse(row["text"], row["today"])
    return {f: getattr(parsed, f) for f in FIELDS}


def test_corpus_is_big_and_covers_every_intent_and_activity() -> None:
    assert len(ROWS) >= 400
    intents = Counter(r["intent"] for r in ROWS)
    assert set(intents) == INTENTS, INTENTS - set(intents)
    assert min(intents.values()) >= 8, intents
    codes = {c for r in ROWS for c in r["activities"]}
    design_codes = {"branch_committee", "member_assembly", "group_meeting", "party_lecture", "theme_day",
                    "org_life_meeting", "democratic_review", "study_session", "integrity_education"}
    assert design_codes <= codes, design_codes - codes
    assert sum(1 for r in ROWS if len(r["activities"]) == 2 and r["intent"] in ("record", "plan")) >= 15
    assert sum(1 for r in ROWS if r["negated"]) >= 15
    assert sum(1 for r in ROWS if r["today"].month == 1 and r.get("date") and r["date"].year < r["today"].year) >= 10


@pytest.mark.parametrize("field", FIELDS)
def test_field_accuracy(field: str) -> None:
    wrong = []
    for row in ROWS:
        expected = row.get(field)
        if field == "activities":
            expected = tuple(expected or ())
        actual = _actual(row)[field]
        if actual != expected:
            wrong.append(f"  {row['text'][:60]!r} (sent {row['today']}): expected {expected!r}, got {actual!r}")
    accuracy = 1 - len(wrong) / len(ROWS)
    assert accuracy >= THRESHOLD, (
        f"{field}: {accuracy:.1%} right ({len(wrong)} wrong of {len(ROWS)}):\n" + "\n".join(wrong)
    )
