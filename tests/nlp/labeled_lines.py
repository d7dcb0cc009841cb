"""Labeled chat lines (corpus.yaml, heldout.yaml, final_holdout.yaml) and per-field scoring of nlp.parse on them.

File format: a YAML list of flow mappings. Keys: t text; i intent; a activities; d date; e expected; p present;
now: the day it was sent (default 2022-12-28); any other Parsed field by its name. A field a line does not
label must come out empty.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from nlp.parser import _parse

HERE = Path(__file__).parent
DEFAULT_TODAY = date(2022, 12, 28)
FIELDS = ("intent", "activities", "date", "expected", "present", "speaker", "topic", "period", "target",
          "item", "score", "deduction", "declaration", "value", "top", "negated", "form", "subject", "action", "year")
SHORT = {"i": "intent", "a": "activities", "d": "date", "e": "expected", "p": "present"}


def load(name: str) -> list[dict]:
    """Rows of a labeled file under tests/nlp: text, today and every labeled field (long names)."""
    rows = []
    for raw in yaml.safe_load((HERE / name).read_text(encoding="utf-8")):
        row = {SHORT.get(k, k): v for k, v in raw.items()}
        row["text"] = row.pop("t")
        row["today"] = row.pop("now", DEFAULT_TODAY)
        row["activities"] = tuple(row.get("activities") or ())
        row.setdefault("negated", False)
        unknown = set(row) - set(FIELDS) - {"text", "today"}
        assert not unknown, f"{name} line {row['text']!r}: unknown keys {unknown}"
        rows.append(row)
    return rows


def actual(row: dict) -> dict:
    parsed = _parse(row["text"], row["today"])
    return {f: getattr(parsed, f) for f in FIELDS}


def wrong_lines(rows: list[dict], field: str) -> list[str]:
    """One readable line per row where `field` came out wrong."""
    wrong = []
    for row in rows:
        expected = row.get(field)
        if field == "activities":
            expected = tuple(expected or ())
        got = actual(row)[field]
        if got != expected:
            wrong.append(f"  {row['text'][:60]!r} (sent {row['today']}): expected {expected!r}, got {got!r}")
    return wrong


def wrong_rows(rows: list[dict]) -> list[str]:
    """One readable line per row with any field wrong (all fields compared)."""
    out = []
    for row in rows:
        got = actual(row)
        bad = [f"{f}: expected {row.get(f) if f != 'activities' else tuple(row.get(f) or ())!r}, got {got[f]!r}"
               for f in FIELDS if got[f] != (tuple(row.get(f) or ()) if f == "activities" else row.get(f))]
        if bad:
            out.append(f"  {row['text'][:60]!r} (sent {row['today']}): " + "; ".join(bad))
    return out
