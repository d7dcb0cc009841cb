"""Dates in a chat line, resolved against the day the message was sent (Asia/Shanghai).

A date without a year is put in the year that makes it nearest to `today` ("12月28日" sent on Jan 5 is
last December); a report ("…开了") takes the latest past reading, a plan ("准备…") the next one, and a
bare date more than a month ahead is read as a past one (secretaries report far more than they plan). A bare weekday ("周五") is the most recent
one, or the next one in a plan. Vague words ("前几天", "上周", "下个月") say "a date, but not which": the
parser then leaves the date empty rather than invent one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from .numbers import CN_DIGITS, to_int, year_of

# Day words are data (nlp/data/days.yaml): colloquial relative days, named days (fixed and lunar), offsets.
_DAYS = yaml.safe_load((Path(__file__).with_name("data") / "days.yaml").read_text(encoding="utf-8"))
_REL_DAYS: dict[str, int] = _DAYS["relative_days"]
_FIXED_DAYS: dict[str, tuple[int, int]] = {k: tuple(v) for k, v in _DAYS["fixed_days"].items()}
_LUNAR_DAYS: dict[str, tuple[int, int]] = {k: tuple(v) for k, v in _DAYS["lunar_days"].items()}
_NAMED_OFFSETS: dict[str, int] = _DAYS["named_offsets"]


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


RELATIVE_DAY_WORDS = _alt(_REL_DAYS)  # for other patterns that must skip a day word (a speaker's lead-in)
_NAMED = _alt(list(_FIXED_DAYS) + list(_LUNAR_DAYS))
_WEEK_WORDS = _alt(_DAYS["week_words"])
_NAMED_START = "".join(sorted({w[0] for w in [*_FIXED_DAYS, *_LUNAR_DAYS]}))  # a cheap skip before the alternations
_REL_START = "".join(sorted({w[0] for w in _REL_DAYS}))

N = r"(?:\d{1,2}|[〇零一二两三四五六七八九十廿]{1,3})"
_YEAR = r"(?:\d{4}|\d{2}|[〇零一二三四五六七八九]{2,4})"

# Every alternative below starts with one of these characters; the lookahead lets the regex engine skip
# other positions at once (6x faster on a typical line than trying all alternatives at every position).
_START_CHARS = "0-9〇零一二两三四五六七八九十廿今昨前明后大周星礼本这上下当去元节春年最近之那某过改以月"
DATE_START = _START_CHARS + "".join(sorted({w[0] for w in [*_REL_DAYS, *_FIXED_DAYS, *_LUNAR_DAYS]} - set(_START_CHARS)))
_DATE_RE = re.compile(
    rf"(?=[{DATE_START}])(?:"
    rf"(?P<y>{_YEAR})\s*年\s*(?P<ym>{N})\s*月\s*(?P<yd>{N})\s*[日号]?"
    rf"|(?<![\d.])(?P<sy>\d{{4}})\s*[./\-]\s*(?P<sm>\d{{1,2}})\s*[./\-]\s*(?P<sd>\d{{1,2}})(?![\d.])"
    rf"|(?P<ry>去年|今年|前年|明年)\s*(?P<rm>{N})\s*月\s*(?P<rd>{N})\s*[日号]?"
    rf"|(?P<m>{N})\s*月\s*(?P<d>{N})(?:\s*[日号])?"
    rf"|(?<![\d.])(?P<nm>\d{{1,2}})\s*[./\-]\s*(?P<nd>\d{{1,2}})(?![\d.%])"
    rf"|(?P<mrel>本月|这个月|这月|当月|上个月|上月|下个月|下月)\s*(?P<mrd>{N})\s*[日号]"
    rf"|(?P<wrel>本|这个?|上上个?|下下个?|上个?|下个?)?\s*(?:{_WEEK_WORDS})(?P<wd>[一二三四五六日天1-7])"
    rf"|(?P<ago>{N})\s*天(?:前|以前|之前)"
    # a named day: 七一, 国庆节前一天, 三八节那天; "元旦前" alone is vague. Not inside a number (十七一, 五一个).
    rf"|(?=[{_NAMED_START}])(?<![〇零一二两三四五六七八九十百\d])(?P<named>{_NAMED})(?![个名位人次号日月点届])\s*(?:(?P<noff>{_alt(_NAMED_OFFSETS)})|(?P<nvague>{_alt(_DAYS['named_vague'])}))?"
    rf"|(?=[{_REL_START}])(?P<rel>{_alt(_REL_DAYS)})"
    rf"|(?P<monly>(?:去年|今年|前年|明年)?\s*{N}\s*月份?)"
    rf"|(?<![\d第.])(?P<bd>{N})\s*[日号](?![子楼])"
    r"|(?P<wkend>(?:这个|这|本)?周末|(?:这个|这|本)?礼拜天?末)"
    r"|(?P<vpast>前几天|前两天|前些天|前段时间|前阵子|上周|上个星期|上星期|上礼拜|上个月|上月|月初|之前|最近|这几天|那天|去年|前年)"
    r"|(?P<vfut>下个?周末|下周|下个星期|下星期|下礼拜|下个月|下月|月底|年底|近期|过几天|过两天|改天|以后|明年|节后|年后|过完年|节前)"
    r")"
)

_REL_YEARS = {"前年": -2, "去年": -1, "今年": 0, "明年": 1}
_MONTH_OFFSET = {"本月": 0, "这个月": 0, "这月": 0, "当月": 0, "上个月": -1, "上月": -1, "下个月": 1, "下月": 1}
_WEEK_OFFSET = {
    "本": 0, "这": 0, "这个": 0, "上": -1, "上个": -1, "上上": -2, "上上个": -2, "下": 1, "下个": 1, "下下": 2, "下下个": 2,
}
_WEEKDAY = {c: i for i, c in enumerate("一二三四五六")} | {"日": 6, "天": 6} | {str(i): i - 1 for i in range(1, 8)}
_YEAR = 366
_SOON = 31  # a bare date further ahead than this is read as a past one

PAST, FUTURE = "past", "future"


@dataclass(frozen=True, slots=True)
class DateHit:
    start: int
    end: int
    value: date | None  # None: a vague date, or a date that does not exist (2月30日)
    vague: str | None = None  # "past" / "future" for vague words
    today_word: bool = False  # 今天/今日…: weaker than any explicit date in the same message


def find_dates(text: str, today: date, lean: str | None) -> list[DateHit]:
    """Every date expression in `text`, in order."""
    out = []
    for m in _DATE_RE.finditer(text):
        out.append(_resolve(m, today, lean))
    return out


def _safe(y: int | None, m: int | None, d: int | None) -> date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _pick(candidates: list[date], today: date, lean: str | None) -> date | None:
    """The reading a secretary means: the latest past one in a report ("…开了"), the next one in a plan,
    else the nearest, except that a bare date more than a month ahead is taken as a past one."""
    if not candidates:
        return None
    past = [c for c in candidates if c <= today and (today - c).days <= _YEAR]
    future = [c for c in candidates if c >= today and (c - today).days <= _YEAR]
    if lean == PAST and past:
        return max(past)
    if lean == FUTURE and future:
        return min(future)
    nearest = min(candidates, key=lambda c: (abs((c - today).days), c > today))
    if nearest > today and (nearest - today).days > _SOON and past:
        return max(past)
    return nearest


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _resolve(m: re.Match[str], today: date, lean: str | None) -> DateHit:
    g = m.group
    start, end = m.span()
    if g("y"):
        return DateHit(start, end, _safe(year_of(g("y")), to_int(g("ym")), to_int(g("yd"))))
    if g("sy"):
        return DateHit(start, end, _safe(int(g("sy")), int(g("sm")), int(g("sd"))))
    if g("ry"):
        year = today.year + _REL_YEARS[g("ry")]
        return DateHit(start, end, _safe(year, to_int(g("rm")), to_int(g("rd"))))
    if g("m") or g("nm"):
        month = to_int(g("m") or g("nm"))
        day = to_int(g("d") or g("nd"))
        candidates = [c for y in (today.year - 1, today.year, today.year + 1) if (c := _safe(y, month, day))]
        return DateHit(start, end, _pick(candidates, today, lean))
    if g("mrel"):
        y, mo = _add_months(today.year, today.month, _MONTH_OFFSET[g("mrel")])
        return DateHit(start, end, _safe(y, mo, to_int(g("mrd"))))
    if g("wd"):
        weekday = _WEEKDAY[g("wd")]
        if g("wrel"):
            monday = today - timedelta(days=today.weekday())
            return DateHit(start, end, monday + timedelta(days=7 * _WEEK_OFFSET[g("wrel")] + weekday))
        back = (today.weekday() - weekday) % 7
        if lean == FUTURE:
            return DateHit(start, end, today + timedelta(days=(weekday - today.weekday()) % 7))
        return DateHit(start, end, today - timedelta(days=back))
    if g("ago"):
        days = to_int(g("ago"))
        return DateHit(start, end, today - timedelta(days=days) if days is not None and days < 400 else None)
    if g("rel"):
        offset = _REL_DAYS[g("rel")]
        return DateHit(start, end, today + timedelta(days=offset), today_word=offset == 0)
    if g("monly"):
        return DateHit(start, end, None, vague=PAST)
    if g("bd"):
        day = to_int(g("bd"))
        candidates = []
        for delta in (-1, 0, 1):
            y, mo = _add_months(today.year, today.month, delta)
            if c := _safe(y, mo, day):
                candidates.append(c)
        return DateHit(start, end, _pick(candidates, today, lean))
    if g("named"):
        return _named(g("named"), g("noff"), g("nvague"), start, end, today, lean)
    if g("wkend"):  # "这周末": a weekend, not a day — ahead unless the line says it is done
        return DateHit(start, end, None, vague=PAST if lean == PAST else FUTURE)
    if g("vpast"):
        return DateHit(start, end, None, vague=PAST)
    return DateHit(start, end, None, vague=FUTURE)


@lru_cache(maxsize=256)
def named_day(word: str, year: int) -> date | None:
    """The day a named day falls on in `year`: fixed ones from the table, lunar ones through `lunardate`."""
    if word in _FIXED_DAYS:
        month, day = _FIXED_DAYS[word]
        return _safe(year, month, day)
    month, day = _LUNAR_DAYS[word]
    try:
        from lunardate import LunarDate

        if day == 0:  # 除夕: the day before the new lunar year
            return LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)
        return LunarDate(year, month, day).to_solar_date()
    except (ValueError, ImportError):
        return None


def _named(word: str, offset: str | None, vague: str | None, start: int, end: int, today: date,
           lean: str | None) -> DateHit:
    """七一 / 国庆节前一天 / 三八节那天: the reading nearest `today` (or as the message leans).
    "元旦前" / "国庆节以后" say a time around the day, not which day: vague, future or past as the day is."""
    candidates = [d for y in (today.year - 1, today.year, today.year + 1) if (d := named_day(word, y))]
    if offset:
        candidates = [d + timedelta(days=_NAMED_OFFSETS[offset]) for d in candidates]
    day = _pick(candidates, today, lean)
    if vague:
        ahead = day is not None and (day > today or (day == today and vague in ("之后", "以后", "后")))
        return DateHit(start, end, None, vague=FUTURE if ahead else PAST)
    return DateHit(start, end, day)


def best_date(hits: list[DateHit], *, last: bool = False) -> DateHit | None:
    """The date a message is about: an explicit date over 今天 ("今天补报12月20日的支委会")."""
    if not hits:
        return None
    if len(hits) > 1:
        hits = [h for h in hits if h.vague is None] or hits
        hits = [h for h in hits if not h.today_word] or hits
    return hits[-1] if last else hits[0]


__all__ = ["CN_DIGITS", "DateHit", "FUTURE", "PAST", "best_date", "find_dates"]
