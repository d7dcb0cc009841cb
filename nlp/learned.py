"""Phrasings an organisation taught the bot: the pure part (the storage is bot/learned.py).

A phrasing is kept as its *shape*: the normalised line with every date expression and number replaced by a
placeholder, so "昨天搞了个党建沙龙 来了8人" and "12月3日搞了个党建沙龙 来了11人" are one phrasing. What was
learned is the meaning the rules could not find (intent and activities); dates and counts are always read
again by the rules from the new line (`reading`), never copied from the line that taught it.
"""
from __future__ import annotations

import re
from datetime import date

from .counts import NUM, find_counts
from .dates import FUTURE, PAST, best_date, find_dates
from .parser import normalise
from .types import Parsed

_NUMBER = re.compile(rf"{NUM}")
_NOISE = re.compile(r"[\s,，。.!！?？、;；:：~～\"“”'‘’()（）\[\]【】@]+")
MAX_SHAPE = 200


def shape(text: str, today: date) -> str:
    """The line with dates → 〈日〉 and numbers → 〈数〉, punctuation and spaces dropped, Latin letters lower-cased."""
    text = normalise(text)
    out, last = [], 0
    for hit in find_dates(text, today, None):
        out.append(text[last:hit.start])
        out.append("〈日〉")
        last = hit.end
    out.append(text[last:])
    flat = _NUMBER.sub("〈数〉", "".join(out))
    return _NOISE.sub("", flat).lower()[:MAX_SHAPE]


def reading(text: str, today: date, intent: str, activities: tuple[str, ...]) -> Parsed:
    """What a learned phrasing means on this line: the learned intent and activities, with the date and
    attendance the rules find in it (a record without a date word is today, as in nlp.parse)."""
    text = normalise(text)
    hit = best_date(find_dates(text, today, FUTURE if intent == "plan" else PAST))
    when = hit.value if hit is not None else (None if intent == "plan" else today)
    if intent == "record" and when is not None and when > today:
        intent = "plan"
    expected, present = find_counts(text)
    return Parsed(intent, activities=tuple(activities), date=when, expected=expected, present=present)


__all__ = ["shape", "reading"]
