"""Heavy and absurd input (issue 12, finding 8): every path that stores a score, a date or an attendance count
refuses what cannot be true with one short Chinese line, and stores nothing.

Attacks: a 5,000-row grading table (215 KB; it held SQLite's write lock for 12 s), a table over the byte limit,
nan/inf/negative scores in a table, "打-6分" in chat (read as 6), 实到 300 with 应到 3, dates in 1900/1999, 2月30日,
dates in a closed evaluation year, a plan for 9999 — by chat (record, plan, correct, declare, grade) and through
the office dashboard's record, incident and award forms.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.app import create_app
from bot.config import Config
from bot.security.login_links import office_login_link
from bot.models import ActivityRecord, Award, Branch, Declaration, Incident, Plan, ScoreEntry
from tests.support.committee import build_org

MAX_TABLE_ROWS, MAX_TABLE_BYTES = 2000, 512 * 1024  # what the reply promises (handlers/grade.py)


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _scores(sessions) -> dict:
    with sessions() as s:
        return {(e.branch_id, e.item_id): e.points for e in s.scalars(select(ScoreEntry))}


def _csv(tmp_path: Path, rows: list[tuple], name: str = "评分表.csv") -> dict:
    path = tmp_path / name
    lines = ["党支部名称,项目,得分"] + [",".join(str(c) for c in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"path": str(path), "filename": name}


# ---------------------------------------------------------------- grading tables
def test_a_5000_row_grading_table_is_refused_whole_and_names_the_limit(chat, sessions, tmp_path):
    rows = [(("第一党支部", "第二党支部", "第三党支部")[i % 3], "3.3", i % 7) for i in range(5000)]
    media = _csv(tmp_path, rows)
    size = Path(media["path"]).stat().st_size
    assert 100 * 1024 < size < MAX_TABLE_BYTES  # refused for its rows, not its bytes
    r = chat.say("office1", kind="file", media=media)
    assert f"最多{MAX_TABLE_ROWS}行" in r.text and "5000" in r.text and "没有导入" in r.text
    assert _count(sessions, ScoreEntry) == 0


def test_a_grading_table_over_the_byte_limit_is_refused_unread(chat, sessions, tmp_path):
    media = _csv(tmp_path, [("第一党支部", "3.3", 5)] + [("第一党支部" + "x" * 2000, "3.3", 5)] * 400)
    assert Path(media["path"]).stat().st_size > MAX_TABLE_BYTES
    r = chat.say("office1", kind="file", media=media)
    assert f"{MAX_TABLE_BYTES // 1024} KB" in r.text and "没有导入" in r.text
    assert _count(sessions, ScoreEntry) == 0


def test_nan_inf_and_negative_scores_in_a_table_are_refused_row_by_row(chat, sessions, ids, tmp_path):
    rows = [("第一党支部", "3.3", "nan"), ("第一党支部", "3.4", "inf"), ("第二党支部", "3.3", "-inf"),
            ("第二党支部", "3.4", "-6"), ("第一党支部", "1.1", "1e999"), ("第二党支部", "1.1", "NaN"),
            ("第一党支部", "1.2", 3)]
    r = chat.say("office1", kind="file", media=_csv(tmp_path, rows))
    assert "评分表已导入1条" in r.text
    for n in (2, 3, 4, 6, 7):
        assert f"第{n}行：得分不是有效的数字" in r.text, r.text
    assert "第5行：分数不能是负数" in r.text
    assert _scores(sessions) == {(ids["b0"], "1.2"): 3.0}


def test_the_limits_are_the_handlers():
    from handlers import grade

    assert (grade.MAX_TABLE_ROWS, grade.MAX_TABLE_BYTES) == (MAX_TABLE_ROWS, MAX_TABLE_BYTES)


def test_a_table_at_the_limit_is_validated_first_then_written_in_one_short_burst(chat, sessions, ids, engine,
                                                                                tmp_path):
    """No SELECT once the first score is written (SQLite holds its write lock from there to COMMIT), and the
    rows go in a few statements, not three per row."""
    items = ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3")
    with sessions() as s:
        s.add_all([Branch(org_id=ids["org"], group_id=ids["g0"], name=f"测试{i}党支部") for i in range(134)])
        s.commit()
    names = ["第一党支部", "第二党支部", "第三党支部"] + [f"测试{i}党支部" for i in range(134)]
    rows = [(names[i // 15], items[i % 15], 1) for i in range(MAX_TABLE_ROWS)]
    chat.say("office1", "给第一党支部 1.1 打2分")  # one existing score: the table replaces it (an UPDATE)
    statements: list[tuple[str, str]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement.lstrip().split(None, 1)[0].upper(), statement))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        r = chat.say("office1", kind="file", media=_csv(tmp_path, rows))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert f"评分表已导入{MAX_TABLE_ROWS}条" in r.text and "没有导入的行" not in r.text
    first = next(i for i, (verb, sql) in enumerate(statements) if verb != "SELECT" and "score_entry" in sql)
    after = [verb for verb, _ in statements[first:]]
    assert "SELECT" not in after, after[:20]
    assert len(after) <= 12, after[:20]
    got = _scores(sessions)
    assert len(got) == MAX_TABLE_ROWS and set(got.values()) == {1.0}


# ---------------------------------------------------------------- chat: grade
@pytest.mark.parametrize("text", ["给第一党支部 3.3 打-6分", "给第一党支部 3.3 打负6分", "第一党支部 3.3 -6分",
                                  "给第一党支部 3.3 打－6分"])
def test_a_negative_chat_score_is_refused_not_read_as_positive(chat, sessions, text):
    r = chat.say("lead1", text)
    assert "不能是负数" in r.text and "没有记录" in r.text, r.text
    assert _count(sessions, ScoreEntry) == 0


# ---------------------------------------------------------------- chat: record, plan, correct, declare
@pytest.mark.parametrize("text, words", [
    ("今天开了支委会，应到3人，实到300人", ("实到300人", "应到3人")),
    ("1900年3月1日开了支委会", ("1900年3月1日", "2000年")),
    ("1999年12月31日开了党员大会", ("1999年12月31日", "2000年")),
    ("2月30日开了支委会", ("2月30日", "没有这一天")),
    ("2021年5月1日开了支委会", ("2021年度", "已经结束")),
    ("计划9999年1月1日开支委会", ("9999年1月1日", "太远")),
    ("计划2月30日开支委会", ("2月30日", "没有这一天")),
    ("计划1900年1月1日开支委会", ("1900年1月1日", "2000年")),
])
def test_absurd_records_and_plans_are_refused_and_nothing_is_stored(chat, sessions, text, words):
    r = chat.say("sec1", text)
    if "是哪天" in r.text:  # a record whose day was dropped is asked about (handlers/confirm.py): still no record
        assert _count(sessions, ActivityRecord) == 0
        chat.say("sec1", "是")
        assert _count(sessions, ActivityRecord) == 0 and _count(sessions, Plan) == 0
        return
    if "回复“是”" in r.text:  # an unsure reading is asked about first (handlers/confirm.py): "是" must not store it
        assert _count(sessions, ActivityRecord) == 0
        r = chat.say("sec1", "是")
    for w in words:
        assert w in r.text, r.text
    assert "没有记录" in r.text
    assert _count(sessions, ActivityRecord) == 0 and _count(sessions, Plan) == 0


def test_a_plan_answered_after_its_year_closed_is_not_recorded(chat, sessions):
    assert "已记下计划" in chat.say("sec1", "计划12月28日开支委会").text
    chat.on(date(2023, 1, 25))
    with sessions() as s:  # the office closed 2022's evaluation (bot/season.py; before that it stays open)
        from bot.models import Organisation, Season

        s.add(Season(org_id=s.scalars(select(Organisation.id)).first(), year=2022, status="closed"))
        s.commit()
    assert "开了吗" in chat.say("sec1", "帮助").text
    r = chat.say("sec1", "开了")
    assert "2022年度" in r.text and "已经结束" in r.text and "没有记录" in r.text
    assert _count(sessions, ActivityRecord) == 0
    with sessions() as s:
        assert s.scalars(select(Plan)).one().status != "held"


def test_counts_given_before_the_activity_is_named_are_refused_at_once(chat, sessions):
    r = chat.say("sec1", "应到3人实到300人")
    assert "实到300人" in r.text and "没有记录" in r.text
    assert _count(sessions, ActivityRecord) == 0
    r = chat.say("sec1", "支委会")  # no question was left open: the counts are not carried into this record
    assert "实到300人" not in r.text
    with sessions() as s:
        assert [(a.expected, a.present) for a in s.scalars(select(ActivityRecord))] in ([], [(None, None)])


@pytest.mark.parametrize("text, words", [
    ("刚才那条实到改成300人", ("实到300人", "应到5人")),
    ("刚才那条日期改成1900年1月1日", ("1900年1月1日", "2000年")),
    ("刚才那条日期改成2021年5月1日", ("2021年度", "已经结束")),
    ("刚才那条日期改成2月30日", ("2月30日", "没有这一天")),
])
def test_absurd_corrections_are_refused_and_the_record_is_unchanged(chat, sessions, text, words):
    chat.say("sec1", "12月20日开了支委会，应到5人，实到5人")
    r = chat.say("sec1", text)
    for w in words:
        assert w in r.text, r.text
    assert "没有修改" in r.text
    with sessions() as s:
        rec = s.scalars(select(ActivityRecord)).one()
        assert (rec.date, rec.expected, rec.present) == (date(2022, 12, 20), 5, 5)


def test_a_declaration_with_an_impossible_date_is_refused(chat, sessions):
    r = chat.say("sec1", "2月30日获得市级表彰")
    assert "2月30日" in r.text and "没有记录" in r.text
    assert _count(sessions, Award) == 0 and _count(sessions, Declaration) == 0


# ---------------------------------------------------------------- the office dashboard's forms
@pytest.fixture()
def office(db_url, engine):
    """The app over this backend's test database, the handlers' committee, and a logged-in office client."""
    cfg = Config.from_env(env_file=None, database_url=db_url, demo=False, secret_key="test-secret-absurd-input")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    app.config["TESTING"] = True
    sessions = app.extensions["zhibu"].sessions
    people = build_org(sessions)
    client = app.test_client()
    with sessions() as s:
        link = office_login_link(s, people["office1"])
        s.commit()
    assert client.get(link).status_code == 302
    html = client.get("/office/incidents").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    yield app, client, token, people, sessions
    app.extensions["zhibu"].engine.dispose()


def _unknown_message(sessions, ids) -> int:
    from bot.models import InboundMessage

    with sessions() as s:
        msg = InboundMessage(channel="console", dedup_key="u1", account="sec1", person_id=ids["sec1"],
                             text="昨天搞了个活动", status="not_understood")
        s.add(msg)
        s.commit()
        return msg.id


@pytest.mark.parametrize("change, words", [
    ({"expected": "3", "present": "300"}, "实到300人"),
    ({"expected": "-5"}, "人数"),
    ({"present": "100000"}, "人数"),
    ({"date": "1900-01-01"}, "2000年"),
    ({"date": "2021-05-01"}, "已经结束"),
    ({"date": "2023-03-01"}, "还没到"),
])
def test_the_dashboards_record_form_refuses_absurd_values(office, change, words):
    app, client, token, people, sessions = office
    mid = _unknown_message(sessions, people)
    form = {"branch_id": str(people["b0"]), "code": "theme_day", "date": "2022-12-19", "expected": "12",
            "present": "11", "csrf": token, **change}
    r = client.post(f"/office/unknown/{mid}/record", data=form)
    assert r.status_code == 400 and words in r.get_data(as_text=True)
    assert _count(sessions, ActivityRecord) == 0


@pytest.mark.parametrize("path, extra", [("/office/incidents/add", {"key": "criticized", "count": "1"}),
                                         ("/office/awards/add", {"key": "commendation", "level": "municipal"})])
@pytest.mark.parametrize("day, words", [("1900-01-01", "2000年"), ("2021-05-01", "已经结束"), ("2023-03-01", "还没到")])
def test_the_dashboards_incident_and_award_forms_refuse_absurd_dates(office, path, extra, day, words):
    app, client, token, people, sessions = office
    r = client.post(path, data={"branch_id": str(people["b0"]), "date": day, "csrf": token, **extra})
    assert r.status_code == 400 and words in r.get_data(as_text=True)
    assert _count(sessions, Incident) == 0 and _count(sessions, Award) == 0


def test_sane_values_still_go_through_every_path(chat, sessions, ids, tmp_path):
    """The checks refuse only the absurd: ordinary records, plans, corrections and scores are stored."""
    assert "已记录" in chat.say("sec1", "12月20日开了支委会，应到5人，实到5人").text
    assert "已修改" in chat.say("sec1", "刚才那条实到改成4人").text
    assert "已记下计划" in chat.say("sec1", "计划2023年1月5日开党员大会").text
    assert "已评分" in chat.say("lead1", "给第一党支部 3.3 打6分").text
    assert "评分表已导入1条" in chat.say("office1", kind="file",
                                          media=_csv(tmp_path, [("第二党支部", "3.3", "0")])).text
    with sessions() as s:
        rec = s.scalars(select(ActivityRecord)).one()
        assert (rec.date, rec.expected, rec.present) == (date(2022, 12, 20), 5, 4)
        assert s.scalars(select(Plan)).one().date == date(2023, 1, 5)
    assert _scores(sessions) == {(ids["b0"], "3.3"): 6.0, (ids["b1"], "3.3"): 0.0}
