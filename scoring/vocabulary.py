"""The shared fact vocabulary (vocabulary.yaml), loaded once at import: codes and their 中文 labels."""
from __future__ import annotations

from pathlib import Path

import yaml

_PATH = Path(__file__).with_name("vocabulary.yaml")


_SECTIONS = ("activities", "declarations", "incidents", "awards", "award_levels", "award_level_aliases",
             "star_ratings", "speaker_roles", "speaker_role_aliases")


def _load() -> dict[str, dict[str, str]]:
    with _PATH.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    return {section: {str(k): str(v) for k, v in (data.get(section) or {}).items()} for section in _SECTIONS}


VOCABULARY = _load()
ACTIVITIES: dict[str, str] = VOCABULARY["activities"]
DECLARATIONS: dict[str, str] = VOCABULARY["declarations"]
INCIDENTS: dict[str, str] = VOCABULARY["incidents"]
AWARDS: dict[str, str] = VOCABULARY["awards"]
AWARD_LEVELS: dict[str, str] = VOCABULARY["award_levels"]
STAR_RATINGS: dict[str, str] = VOCABULARY["star_ratings"]
SPEAKER_ROLES: dict[str, str] = VOCABULARY["speaker_roles"]
_LEVEL_BY_ALIAS = {k.lower(): v for k, v in VOCABULARY["award_level_aliases"].items()} | {k.lower(): k for k in AWARD_LEVELS}
_ROLE_BY_ALIAS = {k.lower(): v for k, v in VOCABULARY["speaker_role_aliases"].items()} | {k: k for k in SPEAKER_ROLES}
# titles longest first, so "张副书记" is read as 副书记 and not as 书记
_TITLES = sorted(_ROLE_BY_ALIAS, key=len, reverse=True)
_STAR_DIGITS = {"3": "3", "4": "4", "5": "5", "三": "3", "四": "4", "五": "5"}

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


def award_level(text: object) -> str | None:
    """"市级" / "Municipal" / "municipal" -> "municipal"; None when it is no level we know (a typo must not
    silently give 0 bonus: callers refuse it or say so on the card)."""
    if not isinstance(text, str):
        return None
    return _LEVEL_BY_ALIAS.get(text.strip().lower())


def star_rating(value: object) -> str | None:
    """"4A" / "4a" / "AAAA" / "4A级" / "四A" -> "4A"; None when it is not 3A, 4A or 5A."""
    if not isinstance(value, str):
        return None
    v = value.strip().upper().removesuffix("级").strip()
    if v and set(v) == {"A"}:
        v = f"{len(v)}A"
    if len(v) == 2 and v[1] == "A" and v[0] in _STAR_DIGITS:
        v = _STAR_DIGITS[v[0]] + "A"
    return v if v in STAR_RATINGS else None


def speaker_role(role: object) -> str | None:
    """A role as said ("支部书记", "secretary", "书记") -> the role ("书记"); None when unknown."""
    if not isinstance(role, str):
        return None
    r = role.strip()
    return _ROLE_BY_ALIAS.get(r) or _ROLE_BY_ALIAS.get(r.lower())


def role_from_title(speaker: object) -> str | None:
    """The role a speaker's title names: "张副书记" -> 副书记, "王教授" -> 专家, "李明" -> None."""
    if not isinstance(speaker, str) or not speaker.strip():
        return None
    s = speaker.strip()
    for title in _TITLES:
        if s.endswith(title) or s.lower().endswith(title):
            return _ROLE_BY_ALIAS[title]
    return None


def ratio(value: object) -> float | None:
    """An appraisal result as a share of 1: 0.85, 85, "85%", "85 %", "0.85" -> 0.85.

    A number above 1 (up to 100) is a percentage, as offices write it; None for anything else
    (negative, above 100, not a number), which callers refuse or report, never clamp."""
    if isinstance(value, bool):
        return None
    pct = False
    if isinstance(value, str):
        v = value.strip().replace("％", "%")
        if v.endswith("%"):
            pct, v = True, v[:-1].strip()
        try:
            x = float(v)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        x = float(value)
    else:
        return None
    if x != x or x < 0:
        return None
    if pct or x > 1:
        if x > 100:
            return None
        x /= 100
    return x
