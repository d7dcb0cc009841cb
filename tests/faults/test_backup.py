"""Issue 15, point 7: `zhibu db backup FILE` / `zhibu db restore FILE` round-trip every table, on every backend."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.backup import backup, read_info, restore
from bot.cli import main
from bot.demo import seed_demo_if_empty
from bot.models import (
    ActivityRecord, ApiToken, AuditLog, Award, Base, Branch, ConversationState, Evidence, InboundMessage, Organisation,
    OutboundMessage, Person, Plan, RateHit, ReminderDelivery, SchedulerLease, ScoreEntry, SharedVersion, Submission,
)


def _fill(sessions) -> None:
    """The demo committee, and a row in each table the demo leaves empty (JSON, dates, times, booleans, floats)."""
    seed_demo_if_empty(sessions, date(2022, 12, 26))
    with sessions() as s:
        person = s.scalars(select(Person).where(Person.branch_id.is_not(None)).order_by(Person.id)).first()
        branch = s.get(Branch, person.branch_id)
        rec = s.scalars(select(ActivityRecord).order_by(ActivityRecord.id)).first()
        msg = InboundMessage(channel="wecom", dedup_key="m-1", account="acc", kind="image", text="照片",
                             media={"media_id": "M1", "path": "var/media/x.jpg", "中文": [1, 2.5, None]},
                             received_at=datetime(2022, 12, 1, 8, 30, 15), status="handled", reply_text="好的")
        s.add(msg)
        s.flush()
        s.add_all([
            Evidence(activity_id=rec.id, message_id=msg.id, kind="image", media_id="M1", path="var/media/x.jpg"),
            Plan(branch_id=branch.id, code="party_lecture", date=date(2022, 12, 30), created_by=person.id),
            ScoreEntry(branch_id=branch.id, year=2022, tier="self", item_id="3.3", points=4.5, given_by=person.id),
            Submission(org_id=branch.org_id, year=2022, tier="self", branch_id=branch.id, total=91.25),
            ConversationState(person_id=person.id, kind="confirm_plan", payload={"plan": 1},
                              expires_at=datetime(2022, 12, 26, 3)),
            AuditLog(actor_id=person.id, action="create", entity="activity", entity_id=rec.id, after={"a": "乙"}),
            OutboundMessage(idem_key="k1", platform="wecom_robot", target="target:1", kind="text",
                            payload={"text": "提醒"}, status="sent", attempts=2, sent_at=datetime(2022, 12, 1, 1)),
            ReminderDelivery(key="k1", org_id=branch.org_id, kind="deadline_self", day=date(2023, 1, 7),
                             payload={"to": "target"}, status="sent", attempts=2),
            ApiToken(name="wecom:x", token="t", expires_at=datetime(2022, 12, 1, 3)),
            Award(branch_id=branch.id, key="award", level="city", date=date(2022, 6, 1), note="市级先进"),
            SchedulerLease(name="reminders", holder="h:1:a", expires_at=datetime(2022, 12, 1, 1)),
            SharedVersion(name="directory", value=7),
            RateHit(key="target:1", at=datetime(2022, 12, 1, 1, 0, 1)),
        ])
        s.commit()


def _snapshot(engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


def test_backup_and_restore_round_trip_every_table(engine, sessions, tmp_path):
    _fill(sessions)
    before = _snapshot(engine)
    empty = {name for name, rows in before.items() if not rows}
    assert empty <= {"security_token", "login_attempt", "learned_phrase"}  # tables of others' work in progress
    info = backup(engine, tmp_path / "zhibu-backup.sqlite3")
    assert info.rows == {name: len(rows) for name, rows in before.items()} and info.total > 600
    assert read_info(tmp_path / "zhibu-backup.sqlite3").rows == info.rows

    with sessions() as s:  # what a bad day does: records lost, a name changed, rows added
        s.query(Evidence).delete()
        s.query(ActivityRecord).filter(ActivityRecord.id > 100).delete()
        s.scalars(select(Person)).first().name = "被改掉的名字"
        s.add(Organisation(name="多出来的组织", year=2022))
        s.commit()
    assert _snapshot(engine) != before

    restore(engine, tmp_path / "zhibu-backup.sqlite3")
    assert _snapshot(engine) == before
    with sessions() as s:  # new rows get fresh ids after a restore (PostgreSQL's sequences moved on)
        org = Organisation(name="恢复后新建", year=2023)
        s.add(org)
        s.flush()
        s.add(ActivityRecord(branch_id=before["branch"][0]["id"], code="branch_committee", date=date(2023, 1, 2)))
        s.commit()
        assert org.id > max(r["id"] for r in before["organisation"])
        assert s.scalar(select(func.count(ActivityRecord.id))) == len(before["activity_record"]) + 1


def test_backup_never_overwrites_and_restore_refuses_a_foreign_file(engine, sessions, tmp_path):
    _fill(sessions)
    target = tmp_path / "b.sqlite3"
    backup(engine, target)
    with pytest.raises(FileExistsError):
        backup(engine, target)
    (tmp_path / "other.sqlite3").write_bytes(b"")
    with pytest.raises(ValueError):
        restore(engine, tmp_path / "other.sqlite3")
    assert len(_snapshot(engine)["activity_record"]) > 500  # nothing was touched


def test_cli_backup_then_restore(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/live.sqlite3"
    monkeypatch.setenv("ZHIBU_DATABASE_URL", url)
    runner = CliRunner()
    assert "已创建演示组织" in runner.invoke(main, ["db", "demo", "--today", "2022-12-26"]).output
    out = runner.invoke(main, ["db", "backup", str(tmp_path / "bk.sqlite3")])
    assert out.exit_code == 0 and "已备份到" in out.output, out.output
    again = runner.invoke(main, ["db", "backup", str(tmp_path / "bk.sqlite3")])
    assert again.exit_code != 0 and "已存在" in again.output
    from bot.db import make_engine, make_session_factory

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as s:
        records = s.scalar(select(func.count(ActivityRecord.id)))
        s.query(Evidence).delete()
        s.query(ActivityRecord).delete()
        s.commit()
    assert records > 500
    declined = runner.invoke(main, ["db", "restore", str(tmp_path / "bk.sqlite3")], input="n\n")
    assert declined.exit_code != 0
    with sessions() as s:
        assert s.scalar(select(func.count(ActivityRecord.id))) == 0
    done = runner.invoke(main, ["db", "restore", str(tmp_path / "bk.sqlite3"), "--yes"])
    assert done.exit_code == 0 and "已恢复" in done.output, done.output
    with sessions() as s:
        assert s.scalar(select(func.count(ActivityRecord.id))) == records
    engine.dispose()
