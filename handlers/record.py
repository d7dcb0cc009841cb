"""record: "今天开了支委会" -> one activity record per activity named, with a one-line confirmation."""
from __future__ import annotations

from datetime import date

from nlp.types import Parsed

from .base import BRANCH_ROLES, Context, ReplyData, refused
from .registry import IntentSpec
from .values import check_counts, check_day, impossible_day

INTENT = IntentSpec("record", "记录活动", BRANCH_ROLES,
                    {"secretary": "今天开了支委会，应到7人实到6人", "organiser": "今天开了支委会，应到7人实到6人"})
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)


def speaker_role(speaker: str | None, roster: dict[str, str] | None = None) -> str | None:
    """The roster's role when the speaker is a known person, else the title said ("李副书记" -> 副书记, not 书记)."""
    from scoring import speaker_role_of

    return speaker_role_of(speaker, roster)


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    if ctx.person.branch_id is None:
        return refused(ctx, "记录活动", "您的账号没有关联党支部")
    if parsed.negated:
        return ReplyData("record_negated", {"codes": list(parsed.activities)})
    problem = (impossible_day(ctx.text, ctx.today) if parsed.date is None else None) or check_counts(
        parsed.expected, parsed.present)  # refused before "which activity?" is even asked
    if problem is not None:
        return problem.reply()
    day = parsed.date or ctx.today
    if day <= ctx.today and (problem := check_day(day, open_year=ctx.open_year_for(day))) is not None:
        return problem.reply()
    if not parsed.activities:
        ctx.store.set_state(ctx.person.id, "await_activity", _pending(parsed, day), ctx.expires(30))
        return ReplyData("record_which", {"date": day})
    if day > ctx.today:
        from . import plan

        return plan.handle(parsed, ctx)
    return record_activities(ctx, list(dict.fromkeys(parsed.activities)), day, parsed)


def record_activities(ctx: Context, codes: list[str], day: date, parsed: Parsed | None) -> ReplyData:
    problem = check_day(day, open_year=ctx.open_year_for(day), latest=ctx.today) or (
        check_counts(parsed.expected, parsed.present) if parsed else None)  # every way in: record, plan, 开了
    if problem is not None:
        return problem.reply()
    store, branch_id = ctx.store, ctx.person.branch_id
    lines = []
    for code in codes:
        duplicate, count = store.activity_tally(branch_id, code, day)  # one query: that day's record? the year's count
        if duplicate:
            lines.append({"code": code, "date": day, "duplicate": True, "count": count})
            continue
        lecture = code == "party_lecture"
        rec = store.add_activity(
            branch_id=branch_id, code=code, day=day, reported_by=ctx.person.id, message_id=ctx.message_id,
            expected=parsed.expected if parsed else None, present=parsed.present if parsed else None,
            speaker=(parsed.speaker if parsed else None),
            speaker_role=speaker_role(parsed.speaker, {p.name: p.role for p in store.people(
                ctx.person.org_id, branch_id=branch_id)}) if lecture and parsed and parsed.speaker else None,
            topic=parsed.topic if parsed else None, now=ctx.now)
        lines.append({"code": code, "date": day, "duplicate": False, "id": rec.id, "count": count + 1,
                      "expected": rec.expected, "present": rec.present, "this_year": day.year == ctx.today.year})
    ctx.store.clear_state(ctx.person.id)
    return ReplyData("record", {"lines": lines, "year": day.year, "this_year": day.year == ctx.today.year})


def _pending(parsed: Parsed, day: date) -> dict:
    return {"date": day.isoformat(), "expected": parsed.expected, "present": parsed.present,
            "speaker": parsed.speaker, "topic": parsed.topic}


def complete_pending(parsed: Parsed, ctx: Context, payload: dict) -> ReplyData:
    """The answer to "which activity?": merge what the first message said with the activity named now."""
    day = parsed.date or date.fromisoformat(payload["date"])
    merged = Parsed(intent="record", activities=parsed.activities, date=day,
                    expected=parsed.expected if parsed.expected is not None else payload.get("expected"),
                    present=parsed.present if parsed.present is not None else payload.get("present"),
                    speaker=parsed.speaker or payload.get("speaker"), topic=parsed.topic or payload.get("topic"))
    return handle(merged, ctx)
