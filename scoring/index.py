"""A branch's activities reduced to what the rules read, built in one pass (also for a whole committee).

The rules only ask: how many activities of a code, on which days, and — for the few rules about a
speaker or study hours — each activity's `speaker_role` and `hours`.  So an index keeps, per code,
the ordinal days of the activities that count (inside the year, on or before `as_of`), and only for
codes where some activity has a speaker role or hours, the `(day, speaker_role, hours)` of each.

`score_branch` builds one from `BranchFacts.activities`; the store (bot/facts.py) builds them for a
whole committee straight from query rows, without making an `Activity` object per record.
Nothing a rule computes depends on the order of the rows.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Hashable, Iterable, Mapping

from .vocabulary import role_from_title, speaker_role


class ActivityIndex:
    """The counted activities of one branch for one (year, as_of)."""

    __slots__ = ("first", "limit", "ords", "extra")

    def __init__(self, first: int, limit: int) -> None:
        self.first = first  # ordinal of 1 January
        self.limit = limit  # last ordinal that counts: min(as_of, 31 December)
        self.ords: dict[str, list[int]] = {}  # code -> ordinal days
        self.extra: dict[str, list[tuple[int, str | None, float | None]]] = {}  # code -> (day, role, hours), same order

    @property
    def n(self) -> int:
        return sum(map(len, self.ords.values()))


def year_window(year: int, as_of: date) -> tuple[int, int]:
    """(first, limit): the ordinal days an activity must fall in to count for `year` as of `as_of`."""
    first = date(year, 1, 1).toordinal()
    return first, min(as_of.toordinal(), date(year, 12, 31).toordinal())


def index_rows(rows: Iterable[tuple[Hashable, str, date, str | None, float | None]], year: int,
               as_of: date) -> dict[Any, ActivityIndex]:
    """`(key, code, date, speaker_role, hours)` rows -> {key: ActivityIndex}, one pass.

    Rows of one key need not be contiguous, but a store that sends them grouped by key saves a lookup
    per row.  Rows outside the year or after `as_of` are left out, as `score_branch` leaves them out.
    """
    first, limit = year_window(year, as_of)
    out: dict[Any, ActivityIndex] = {}
    last: Any = _NOTHING
    ords: dict[str, list[int]] = {}
    extra: dict[str, list[tuple[int, str | None, float | None]]] = {}
    for key, code, d, role, hours in rows:
        if key != last:
            idx = out.get(key)
            if idx is None:
                idx = out[key] = ActivityIndex(first, limit)
            ords = idx.ords
            extra = idx.extra
            last = key
        o = d.toordinal()
        if o < first or o > limit:
            continue
        lst = ords.get(code)
        if lst is None:
            lst = ords[code] = [o]
        else:
            lst.append(o)
        if role is not None or hours is not None or (extra and code in extra):
            if role is not None:
                role = speaker_role(role) or role  # "支部书记", "secretary" -> "书记"; an unknown role stays as said
            ex = extra.get(code)
            if ex is None:
                ex = extra[code] = [(p, None, None) for p in lst[:-1]]
            ex.append((o, role, hours))
    return out


def speaker_role_of(speaker: str | None, roster: Mapping[str, str] | None = None) -> str | None:
    """Who a 党课's speaker is: the roster's role when the speaker is a known person (name, or name and
    title: "张三", "张三书记"), else the title said ("李副书记" -> 副书记, "王教授" -> 专家); None when neither.
    `roster`: {name: role as the roster words it ("书记", "组织委员", "secretary" …)}."""
    if not speaker or not speaker.strip():
        return None
    s = speaker.strip()
    for name, role in (roster or {}).items():
        if name and (s == name or s.startswith(name)):
            known = speaker_role(role)
            if known is not None:
                return known
            break  # a known person without a role of the list (an ordinary member): the title may still say one
    return role_from_title(s)


def activity_role(speaker_role_said: str | None, speaker: str | None) -> str | None:
    """Who gave it: the role recorded, else the title said with the speaker's name ("张副书记" -> 副书记)."""
    if speaker_role_said:
        return speaker_role(speaker_role_said) or speaker_role_said
    return role_from_title(speaker)


def index_activities(activities: Iterable[Any], year: int, as_of: date) -> ActivityIndex:
    """One branch's `scoring.Activity` objects -> its index."""
    idx = index_rows(((None, a.code, a.date, activity_role(a.speaker_role, a.speaker), a.hours) for a in activities),
                     year, as_of).get(None)
    if idx is None:
        idx = ActivityIndex(*year_window(year, as_of))
    return idx


_NOTHING = object()
