"""Storing reported activities, shared by record (a line about the past) and plan (a planned day that came).

The one rule that tells a record from a plan by its day lives here too, so neither handler re-decides it."""
from __future__ import annotations

from datetime import date

from nlp.types import Parsed

from .base import Context, ReplyData
from .values import check_counts, check_day


def is_planned(intent: str, day: date, today: date) -> bool:
    """Whether a line about `day` is stored as a plan: a later day always is, an earlier one never ("计划" about a past
    day is a record); today follows what the line said ("今天开了支委会" a record, "今天下午开支委会" a plan)."""
    return day > today or (day == today and intent == "plan")


def speaker_role(speaker: str | None, roster: dict[str, str] | None = None) -> str | None:
    """The roster's role when the speaker is a known person, else the title said ("李副书记" -> 副书记, not 书记)."""
    from scoring import speaker_role_of

    return speaker_role_of(speaker, roster)


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
