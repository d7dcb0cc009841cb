"""Issue 13: `zhibu incident add` checks its date as the chat and the dashboard do (handlers/values.py check_day)
— not in a closed evaluation year, not after today — on a demo built that day. It stored any date before: a
2030 incident and one of 2019 (a closed year) went in and changed nothing anyone could see."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.models import Incident

BRANCH = "重庆市机械工业协会党支部"


def _add(day: str, today: str = "2027-01-20"):
    return CliRunner().invoke(main, ["incident", "add", "--branch", BRANCH, "--key", "通报批评", "--date", day,
                                     "--today", today, "--by", "demo-office"])


def test_incident_dates_are_checked_like_the_chat(engine, sessions, db_url, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    assert "已创建演示组织" in CliRunner().invoke(main, ["db", "demo", "--today", "2026-12-02"]).output
    # January 2027: 2026 is under review (the demo closed 2025), so 2026 and 2027 up to today are open
    r = _add("2025-11-01")
    assert r.exit_code == 1 and ("2025年11月1日属于2025年度，这一年度的评价已经结束，没有登记。现在登记的是2026年度；"
                                 "确需补登请联系综合党委办公室。") in r.output, r.output
    r = _add("2027-01-21")
    assert r.exit_code == 1 and "2027年1月21日还没到，没有登记。" in r.output, r.output
    r = _add("1999-12-31")
    assert r.exit_code == 1 and "没有登记" in r.output and "Traceback" not in r.output, r.output
    assert _add("2026-11-01").exit_code == 0 and _add("2027-01-20").exit_code == 0
    # March 2026: 2025 is closed, a date of 2026 after today is not yet
    assert _add("2026-03-02", today="2026-03-01").exit_code == 1
    with sessions() as s:
        stored = [(i.date.isoformat(), i.key) for i in s.scalars(select(Incident).order_by(Incident.id))]
    assert stored[-2:] == [("2026-11-01", "criticized"), ("2027-01-20", "criticized")]
    assert not any(d.startswith(("2025", "1999")) or d > "2027-01-20" for d, _ in stored)
