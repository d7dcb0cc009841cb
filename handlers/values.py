"""Sanity checks of the values a chat message or an office form would store: dates, attendance counts, scores.

One place, so the chat handlers and the dashboard refuse the same absurd input (a record in 1900, 实到 300 of
应到 3, a score of nan or −6) with the same words (templates/replies/), before anything is written. Pure: the
caller passes today and the open evaluation year.
"""
from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nlp.numbers import to_int, year_of

from .base import ReplyData
from .replies import render

EARLIEST = date(2000, 1, 1)  # nothing this bot keeps happened before: a 1900 date is a typo or an attack
MAX_PEOPLE = 9999  # attendance of one meeting; the parser reads at most four digits anyway


@dataclass(frozen=True)
class Refusal:
    """Why a value is refused: a reply template under templates/replies/ and what it renders."""

    template: str
    data: dict[str, Any] = field(default_factory=dict)

    def reply(self) -> ReplyData:
        """The chat answer (nothing was stored)."""
        return ReplyData(self.template, dict(self.data), status="refused")

    def text(self) -> str:
        """The same wording for a web form's 400."""
        return render(self.template, dict(self.data))[0]


def check_day(day: date, *, open_year: int, latest: date | None = None, action: str = "记录",
              too_far: bool = False) -> Refusal | None:
    """A date to store: not before 2000, not in an evaluation year already closed, not after `latest`.

    `open_year` is the earliest evaluation year not closed (`handlers.base.Context.open_year_for`, bot/season.py):
    last year stays open while the office reviews it; earlier years are closed, read-only. `too_far` words a late date as "too far ahead" (plans) rather than "not yet come" (records)."""
    data = {"date": day, "action": action}
    if day < EARLIEST:
        return Refusal("value_date_early", {**data, "earliest": EARLIEST})
    if day.year < open_year:
        return Refusal("value_date_closed", {**data, "year": day.year, "open_year": open_year})
    if latest is not None and day > latest:
        return Refusal("value_date_late", {**data, "latest": latest, "too_far": too_far})
    return None


def plan_latest(open_year: int) -> date:
    """The last day a plan may name: the end of the year after the open one."""
    return date(open_year + 1, 12, 31)


def check_counts(expected: int | None, present: int | None, *, action: str = "记录") -> Refusal | None:
    """应到 and 实到: whole numbers from 0 to MAX_PEOPLE, and no more present than expected."""
    data = {"expected": expected, "present": present, "action": action, "max": MAX_PEOPLE}
    for n in (expected, present):
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_PEOPLE):
            return Refusal("value_counts", data)
    if expected is not None and present is not None and present > expected:
        return Refusal("value_counts_over", data)
    return None


def check_points(points: float, item: Any) -> Refusal | None:
    """A score for a rubric item: a finite number from 0 to the item's maximum (nan passes `<` and `>` checks)."""
    data = {"item": item.id, "title": item.title, "max": item.max, "points": points}
    if not math.isfinite(points):
        return Refusal("grade_not_number", {**data, "points": str(points)})
    if points < 0:
        return Refusal("grade_negative", data)
    if points > item.max:
        return Refusal("grade_range", data)
    return None


_NUM = r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百点]+"
# A sign right before the points ("打-6分", "打负6分", "3.3 －6分"); not a range such as "5-6分".
_NEGATIVE = re.compile(rf"(?:(?<![\d.０-９])[-－−﹣–—]|负)\s*(?P<n>{_NUM})\s*分")


def negative_points(text: str) -> str | None:
    """The signed points written in a grading line ("-6分"), which the parser reads as 6; None if none."""
    m = _NEGATIVE.search(text or "")
    return m.group(0).replace(" ", "") if m else None


_CN = "〇零一二两三四五六七八九十"
_MONTH_DAY = re.compile(rf"(?:(?P<y>\d{{4}}|\d{{2}}|[〇零一二三四五六七八九]{{4}})\s*年\s*)?"
                        rf"(?P<m>\d{{1,2}}|[{_CN}]{{1,3}})\s*月\s*(?P<d>\d{{1,2}}|[{_CN}]{{1,3}})\s*[日号]")


def impossible_date(text: str, today: date) -> str | None:
    """A calendar day named in the text that does not exist ("2月30日", "13月5日"), as written; else None.

    The parser drops such a day, and a record without a day would be stored as today."""
    for m in _MONTH_DAY.finditer(text or ""):
        year = year_of(m.group("y")) if m.group("y") else today.year
        month, day = to_int(m.group("m")), to_int(m.group("d"))
        if year is None or month is None or day is None:
            continue
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(max(1, min(year, 9999)), month)[1]:
            return re.sub(r"\s+", "", m.group(0))
    return None


def impossible_day(text: str, today: date, action: str = "记录") -> Refusal | None:
    """`impossible_date` as a refusal."""
    written = impossible_date(text, today)
    return Refusal("value_date_impossible", {"written": written, "action": action}) if written else None
