"""record: "今天开了支委会" -> one activity record per activity named, with a one-line confirmation."""
from __future__ import annotations

from datetime import date

from nlp.types import Parsed

from . import plan
from .activities import is_planned, record_activities
from .base import BRANCH_ROLES, Context, ReplyData, refused
from .registry import IntentSpec
from .values import check_counts, check_day, impossible_day

INTENT = IntentSpec("record", "记录活动", BRANCH_ROLES,
                    {"secretary": "今天开了支委会，应到7人实到6人", "organiser": "今天开了支委会，应到7人实到6人"})
SCOPE = "own_branch"  # a message naming another branch or group is refused before this runs (handlers/dispatch.py)


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
    if not is_planned("record", day, ctx.today) and (problem := check_day(day, open_year=ctx.open_year_for(day))) is not None:
        return problem.reply()
    if not parsed.activities:
        ctx.store.set_state(ctx.person.id, "await_activity", _pending(parsed, day), ctx.expires(30))
        return ReplyData("record_which", {"date": day})
    if is_planned("record", day, ctx.today):
        return plan.handle(parsed, ctx)
    return record_activities(ctx, list(dict.fromkeys(parsed.activities)), day, parsed)


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
