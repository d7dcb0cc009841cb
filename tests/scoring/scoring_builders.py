"""Realistic branch facts for the rubric tests: a full year of 三会一课 and friends, then variations."""
from __future__ import annotations

from datetime import date, timedelta

from scoring import Activity, BranchFacts, Declaration, Incident

Y = 2022


def monthly(code: str, months=range(1, 13), day: int = 10, **kw) -> list[Activity]:
    return [Activity(code, date(Y, m, day), **kw) for m in months]


def quarterly(code: str, quarters=range(1, 5), day: int = 20, **kw) -> list[Activity]:
    return [Activity(code, date(Y, 3 * q - 1, day), **kw) for q in quarters]


def fortnightly(code: str, skip=(), **kw) -> list[Activity]:
    jan1 = date(Y, 1, 1)
    return [Activity(code, jan1 + timedelta(days=14 * k + 3), **kw) for k in range(26) if k not in skip]


def facts(acts, decls=(), incidents=(), awards=(), kind="formal", founded=None, name="某协会党支部") -> BranchFacts:
    return BranchFacts(branch_id=name, name=name, kind=kind, founded=founded, activities=tuple(acts),
                       declarations=tuple(decls), incidents=tuple(incidents), awards=tuple(awards))


def seed000_full_acts(months=range(1, 13), quarters=range(1, 5)) -> list[Activity]:
    acts = monthly("branch_committee", months) + monthly("group_meeting", months, day=12) + monthly("theme_day", months, day=15)
    acts += quarterly("member_assembly", quarters) + quarterly("study_session", quarters, day=22)
    acts += quarterly("party_lecture", quarters, day=25, speaker_role="书记")
    last = max(months)
    acts += [Activity("org_life_meeting", date(Y, last, 20)), Activity("democratic_review", date(Y, last, 21))]
    return acts


SEED000_DECLS = [Declaration("annual_plan", True, date(Y, 1, 15)), Declaration("annual_summary", True, date(Y, 12, 20)),
                 Declaration("rules_established", 6)]


def seed000_full(**kw) -> BranchFacts:
    return facts(seed000_full_acts(), SEED000_DECLS, **kw)


def incident(key: str, d: date, event: str | None = None, count: int = 1) -> Incident:
    return Incident(key, d, count=count, event=event)
