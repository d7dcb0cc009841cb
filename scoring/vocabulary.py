"""The shared fact vocabulary (vocabulary.yaml), loaded once at import: codes and their 中文 labels."""
from __future__ import annotations

from pathlib import Path

import yaml

_PATH = Path(__file__).with_name("vocabulary.yaml")


def _load() -> dict[str, dict[str, str]]:
    with _PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {section: {str(k): str(v) for k, v in (data.get(section) or {}).items()}
            for section in ("activities", "declarations", "incidents", "awards")}


VOCABULARY = _load()
ACTIVITIES: dict[str, str] = VOCABULARY["activities"]
DECLARATIONS: dict[str, str] = VOCABULARY["declarations"]
INCIDENTS: dict[str, str] = VOCABULARY["incidents"]
AWARDS: dict[str, str] = VOCABULARY["awards"]

# 中文 label -> code, so a facts file may say "支委会" instead of "branch_committee"
ACTIVITY_BY_LABEL: dict[str, str] = {label: code for code, label in ACTIVITIES.items()}


def _short(label: str) -> str:
    """Drop the bracketed hint: "评星定级等级 (3A/4A/5A)" -> "评星定级等级"."""
    return label.split(" (")[0].split("（")[0].strip()


def activity_label(code: str) -> str:
    """"branch_committee" -> "支委会"; an unknown code is returned unchanged."""
    return ACTIVITIES.get(code, code)


def declaration_label(key: str) -> str:
    return _short(DECLARATIONS[key]) if key in DECLARATIONS else key


def incident_label(key: str) -> str:
    return _short(INCIDENTS[key]) if key in INCIDENTS else key


def award_label(key: str) -> str:
    return _short(AWARDS[key]) if key in AWARDS else key


def activity_code(code_or_label: str) -> str | None:
    """A known activity code for a code or a 中文 label; None when neither."""
    if code_or_label in ACTIVITIES:
        return code_or_label
    return ACTIVITY_BY_LABEL.get(code_or_label)
