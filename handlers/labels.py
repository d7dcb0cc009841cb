"""Chinese labels of the shared vocabulary (scoring/vocabulary.yaml): read once. Intents' labels are declared
beside their handlers (handlers/registry.py)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

_VOCAB = Path(__file__).resolve().parent.parent / "scoring" / "vocabulary.yaml"

LEVEL_LABELS = {"department": "部门级", "municipal": "市级", "provincial": "省部级", "national": "国家级"}


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(_VOCAB.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, str]] = {}
    for section, entries in data.items():
        out[section] = {k: re.sub(r"\s*[（(].*?[)）]\s*$", "", str(v)) for k, v in (entries or {}).items()}
    return out


def activity_label(code: str) -> str:
    labels = vocabulary().get("activities", {})
    return {"member_assembly": "党员大会"}.get(code) or labels.get(code, code)


def fact_label(key: str) -> str:
    v = vocabulary()
    for section in ("declarations", "awards", "incidents"):
        if key in v.get(section, {}):
            return v[section][key]
    return key


def level_label(level: str | None) -> str:
    return LEVEL_LABELS.get(level or "", level or "")
