"""confirm: an unsure reading is asked about, never stored silently (issue 14).

When nlp.parse is unsure of a record or plan (`Parsed.confirm`: a pinyin typo, nothing saying it happened …) the
bot answers with its reading and one short question — "记为：支委会 3月14日，实到9人？回复“是”，或直接说正确的" —
and keeps the reading in the conversation state `confirm_record`. Only "是" stores it; a corrected line stores the
corrected reading; "不是"/"不用" drops it; anything else (or silence until the state expires) stores nothing.
A confirmed or corrected reading is learned for the organisation (bot/learned.py), so the same phrasing is
understood next time without asking; a line the rules did not understand at all is read through those phrasings too.
"""
from __future__ import annotations

import calendar
from datetime import date

from nlp.types import Parsed

from .base import BRANCH_ROLES, Context, ReplyData, answer_kind

STATE = "confirm_record"
ASK_MINUTES = 30  # after that the question lapses and nothing was stored


def unsure(parsed: Parsed, ctx: Context) -> ReplyData | None:
    """Before a record/plan/unknown line is handled: a phrasing this organisation taught wins; an unsure
    record or plan is asked about. None: handle the line as usual."""
    if ctx.person.role not in BRANCH_ROLES or ctx.person.branch_id is None or parsed.negated:
        return None
    if parsed.intent == "unknown" or parsed.confirm or not parsed.activities:  # not understood, unsure, or "which?"
        from bot.learned import recall

        learned = recall(ctx.store.session, ctx.org.id, ctx.text, ctx.today)
        if learned is not None:  # a record with a vague day (上个月) still asks which day: never stored as today
            return ask(learned, ctx) if learned.intent == "record" and learned.date is None else _store(learned, ctx)
    if parsed.confirm and parsed.activities:
        return ask(parsed, ctx)
    if parsed.intent == "record" and parsed.activities and long_ago(parsed.date, ctx):
        return ask(parsed, ctx, long_ago=True)  # "12月20日…" sent on Dec 2: last year's Dec 20? ask (issue 13)
    return None


def long_ago(day: date | None, ctx: Context) -> bool:
    """A record's date more than two months back, in a year still open: asked about before storing. A date in a
    closed year is not asked about: the record handler refuses it (the year is read-only)."""
    if day is None:
        return False
    y, m = divmod(ctx.today.year * 12 + ctx.today.month - 1 - 2, 12)
    limit = date(y, m + 1, min(ctx.today.day, calendar.monthrange(y, m + 1)[1]))
    return day < limit and not ctx.season.is_closed(day.year)


def ask(parsed: Parsed, ctx: Context, *, long_ago: bool = False) -> ReplyData:
    """Say the reading and wait for 是 / a corrected line (`long_ago`: only the date is in question, 是 or 不是)."""
    payload = _payload(parsed)
    payload["text"] = ctx.text[:500]
    if long_ago:
        payload["long_ago"] = True
    ctx.store.set_state(ctx.person.id, STATE, payload, ctx.expires(ASK_MINUTES))
    return ReplyData("confirm_ask", _reading(parsed, ctx.today))


def answer(parsed: Parsed | None, ctx: Context, payload: dict) -> ReplyData | None:
    """The reply to the question: 是 stores the reading, a corrected line the corrected one, 不是 nothing.
    None: not an answer (the question is dropped, the message handled as usual, nothing stored)."""
    kind = answer_kind(ctx.text)
    pending = _parsed(payload)
    if payload.get("long_ago") and kind is None:  # only its date was in question: another line is its own message
        return None
    if kind == "yes" and pending.date is None and pending.intent == "record":
        return ReplyData("confirm_ask", _reading(pending, ctx.today))  # "是" does not say which day: ask again
    if kind == "yes":
        ctx.store.clear_state(ctx.person.id)
        if not payload.get("long_ago"):  # the phrasing was never in doubt, only the date
            _learn(ctx, payload, pending, "confirmed")
        return _store(pending, ctx)
    if kind == "no":
        ctx.store.clear_state(ctx.person.id)
        return ReplyData("confirm_dropped", {})
    said = _day_said(ctx.text, ctx.today, pending.intent)
    if parsed is not None and not parsed.activities and said is not None:  # "12月20日": the day the reading lacked
        parsed = Parsed(pending.intent, activities=pending.activities, date=said)
    corrected = _corrected(parsed, pending, said is not None) if parsed is not None else None
    if corrected is None:
        return None
    ctx.store.clear_state(ctx.person.id)
    _learn(ctx, payload, corrected, "corrected")
    return _store(corrected, ctx)


def _corrected(parsed: Parsed, pending: Parsed, names_day: bool) -> Parsed | None:
    """A line that says what was meant: a full report ("是党课，实到9人"), a correction ("不是支委会，是党员大会",
    "实到改成8人", "日期是12月20日"), or an activity name alone. What it does not say is kept from the reading."""
    if parsed.intent in ("record", "plan") and (parsed.activities or parsed.expected is not None
                                                 or parsed.present is not None):
        activities = parsed.activities or pending.activities
    elif parsed.intent == "correct":
        activities = parsed.activities[-1:] if parsed.activities else pending.activities
    elif parsed.intent == "unknown" and parsed.activities and not parsed.negated:
        activities = parsed.activities
    else:
        return None
    if not activities:
        return None
    day = parsed.date if parsed.date is not None and names_day else pending.date
    intent = pending.intent if parsed.intent not in ("record", "plan") else parsed.intent
    if parsed.intent == "record" and pending.intent == "plan" and parsed.date == pending.date:
        intent = "plan"
    return Parsed(intent, activities=tuple(activities), date=day,
                  expected=parsed.expected if parsed.expected is not None else pending.expected,
                  present=parsed.present if parsed.present is not None else pending.present,
                  speaker=parsed.speaker or pending.speaker, topic=parsed.topic or pending.topic)


def _day_said(text: str, today: date, intent: str) -> date | None:
    """The day a reply names (nlp.parse gives a record without a date word today's date: that corrects nothing)."""
    from nlp.dates import FUTURE, PAST, best_date, find_dates
    from nlp.parser import normalise

    hits = [h for h in find_dates(normalise(text), today, FUTURE if intent == "plan" else PAST) if h.value is not None]
    hit = best_date(hits)
    return hit.value if hit is not None else None


def _store(parsed: Parsed, ctx: Context) -> ReplyData:
    from . import plan, record

    ctx.store.clear_state(ctx.person.id)
    sure = Parsed(parsed.intent, activities=parsed.activities, date=parsed.date, expected=parsed.expected,
                  present=parsed.present, speaker=parsed.speaker, topic=parsed.topic)
    if sure.intent == "plan":
        return plan.handle(sure, ctx)
    return record.handle(sure, ctx)


def _learn(ctx: Context, payload: dict, reading: Parsed, source: str) -> None:
    from bot.learned import learn

    learn(ctx.store.session, ctx.org.id, payload.get("text") or "", ctx.today, reading.intent, reading.activities,
          person_id=ctx.person.id, source=source, now=ctx.now)


def _payload(parsed: Parsed) -> dict:
    return {"intent": parsed.intent, "activities": list(parsed.activities),
            "date": parsed.date.isoformat() if parsed.date else None, "expected": parsed.expected,
            "present": parsed.present, "speaker": parsed.speaker, "topic": parsed.topic}


def _parsed(payload: dict) -> Parsed:
    day = payload.get("date")
    return Parsed(payload.get("intent") or "record", activities=tuple(payload.get("activities") or ()),
                  date=date.fromisoformat(day) if day else None, expected=payload.get("expected"),
                  present=payload.get("present"), speaker=payload.get("speaker"), topic=payload.get("topic"))


def _reading(parsed: Parsed, today: date) -> dict:
    return {"plan": parsed.intent == "plan", "codes": list(parsed.activities), "date": parsed.date,
            "expected": parsed.expected, "present": parsed.present, "speaker": parsed.speaker,
            "other_year": parsed.date is not None and parsed.date.year != today.year}
