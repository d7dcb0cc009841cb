"""record / evidence / undo / correct through the conversation core, with hand-built parses."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from bot.models import ActivityRecord, AuditLog, Evidence, InboundMessage

from tests.support.committee import P


def _live(sessions, code=None):
    with sessions() as s:
        q = select(ActivityRecord).where(ActivityRecord.deleted_at.is_(None))
        if code:
            q = q.where(ActivityRecord.code == code)
        return list(s.scalars(q.order_by(ActivityRecord.id)))


def test_record_confirms_with_this_years_count(chat, sessions, ids):
    for d in (date(2022, 10, 28), date(2022, 11, 22)):  # within two months: not asked about (issue 13)
        chat.say("sec1", "开了支委会", P("record", "branch_committee", date=d))
    r = chat.say("sec1", "今天开了支委会，应到7人实到6人", P("record", "branch_committee", expected=7, present=6))
    assert "已记录：支委会 12月26日（今年第3次）" in r.text
    assert "应到7人" in r.text and "实到6人" in r.text
    recs = _live(sessions)
    assert len(recs) == 3
    last = recs[-1]
    assert (last.date, last.expected, last.present, last.reported_by, last.branch_id) == (
        date(2022, 12, 26), 7, 6, ids["sec1"], ids["b0"])
    with sessions() as s:
        msg = s.get(InboundMessage, last.message_id)
        assert msg.text.startswith("今天开了支委会") and msg.status == "handled" and msg.intent == "record"
        assert msg.reply_text == r.text
        audit = s.scalars(select(AuditLog).where(AuditLog.entity == "activity_record", AuditLog.entity_id == last.id)).all()
        assert [a.action for a in audit] == ["create"] and audit[0].actor_id == ids["sec1"]


def test_two_activities_make_two_records(chat, sessions):
    r = chat.say("org1", "支委会和党课", P("record", "branch_committee", "party_lecture", speaker="王书记"))
    assert "支委会 12月26日（今年第1次）" in r.text and "党课 12月26日（今年第1次）" in r.text
    recs = _live(sessions)
    assert [x.code for x in recs] == ["branch_committee", "party_lecture"]
    assert recs[1].speaker == "王书记" and recs[1].speaker_role == "书记"


def test_duplicate_is_pointed_out_not_stored(chat, sessions):
    chat.say("sec1", "x", P("record", "theme_day"))
    r = chat.say("org1", "y", P("record", "theme_day"))
    assert "已经记录过了" in r.text and "共1次" in r.text
    assert len(_live(sessions, "theme_day")) == 1


def test_no_activity_named_asks_which_then_records(chat, sessions):
    r = chat.say("sec1", "今天开了会，应到9人实到8人", P("record", date=date(2022, 12, 25), expected=9, present=8))
    assert "什么活动" in r.text and "12月25日" in r.text
    assert _live(sessions) == []
    r = chat.say("sec1", "党员大会", P("unknown", "member_assembly"))
    assert "已记录：党员大会 12月25日（今年第1次）" in r.text
    rec = _live(sessions)[0]
    assert (rec.code, rec.expected, rec.present) == ("member_assembly", 9, 8)


def test_photo_within_minutes_is_evidence(chat, sessions):
    chat.say("sec1", "x", P("record", "branch_committee"))
    chat.advance(minutes=3)
    r = chat.say("sec1", kind="image", media={"media_id": "MEDIA1", "pic_url": "http://x/1.jpg"})
    assert "佐证资料" in r.text and "支委会 12月26日" in r.text
    chat.advance(minutes=30)
    r = chat.say("sec1", kind="file", media={"media_id": "MEDIA2", "filename": "签到表.pdf"})
    assert "不知道该附到哪一条" in r.text
    with sessions() as s:
        ev = s.scalars(select(Evidence)).all()
        assert [(e.kind, e.media_id, e.url) for e in ev] == [("image", "MEDIA1", "http://x/1.jpg")]


def test_undo_last_and_named(chat, sessions):
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 20)))
    chat.say("sec1", "x", P("record", "party_lecture", date=date(2022, 12, 21)))
    r = chat.say("sec1", "撤销", P("undo"))
    assert "已撤销：党课 12月21日" in r.text and "现为0次" in r.text
    r = chat.say("sec1", "撤销12月20日的支委会", P("undo", "branch_committee", date=date(2022, 12, 20)))
    assert "已撤销：支委会 12月20日" in r.text
    assert _live(sessions) == []
    r = chat.say("sec1", "撤销", P("undo"))
    assert "没有找到" in r.text
    with sessions() as s:
        assert s.scalar(select(func.count(ActivityRecord.id))) == 2  # soft-deleted, kept for the audit trail
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
        assert actions == ["create", "create", "undo", "undo"]


def test_undo_takes_only_the_reporters_own_last(chat, sessions):
    chat.say("sec1", "x", P("record", "branch_committee"))
    r = chat.say("org1", "撤销", P("undo"))
    assert "没有找到" in r.text
    assert len(_live(sessions)) == 1


def test_correct_changes_code_date_and_counts(chat, sessions):
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 20)))
    r = chat.say("sec1", "刚才那条改成党员大会", P("correct", "member_assembly"))
    assert "已修改：支委会 12月20日 → 党员大会 12月20日" in r.text and "共1次" in r.text
    r = chat.say("sec1", "日期改成12月22日，实到12人", P("correct", date=date(2022, 12, 22), present=12))
    assert "党员大会 12月22日" in r.text and "实到12人" in r.text
    rec = _live(sessions)[0]
    assert (rec.code, rec.date, rec.present) == ("member_assembly", date(2022, 12, 22), 12)
    with sessions() as s:
        trail = s.scalars(select(AuditLog).where(AuditLog.entity_id == rec.id, AuditLog.action == "correct")
                          .order_by(AuditLog.id)).all()
        assert trail[0].before["code"] == "branch_committee" and trail[0].after["code"] == "member_assembly"
        assert trail[1].before["date"] == "2022-12-20" and trail[1].after["date"] == "2022-12-22"


def test_a_correction_naming_an_activity_changes_that_record_not_the_last_one(chat, sessions):
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 20)))
    chat.say("sec1", "x", P("record", "party_lecture", date=date(2022, 12, 21)))
    r = chat.say("sec1", "刚才那条支委会的日期不对，应该是12月3日", P("correct", date=date(2022, 12, 3),
                                                            subject="branch_committee"))
    assert "已修改：支委会 12月20日 → 支委会 12月3日" in r.text
    assert [(x.code, x.date) for x in _live(sessions)] == [("branch_committee", date(2022, 12, 3)),
                                                          ("party_lecture", date(2022, 12, 21))]
    r = chat.say("sec1", "刚才的党员大会日期错了", P("correct", subject="member_assembly"))
    assert r.text.startswith("没有找到党员大会记录")
    r = chat.say("sec1", "党课主讲人写错了，是李书记", P("correct", speaker="李书记", subject="party_lecture"))
    assert _live(sessions, "party_lecture")[0].speaker == "李书记" and _live(sessions, "branch_committee")[0].speaker is None


def test_correct_into_an_existing_record_is_refused(chat, sessions):
    chat.say("sec1", "x", P("record", "member_assembly", date=date(2022, 12, 20)))
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 20)))
    r = chat.say("sec1", "改成党员大会", P("correct", "member_assembly"))
    assert "已经有一条记录" in r.text
    assert sorted(x.code for x in _live(sessions)) == ["branch_committee", "member_assembly"]


def test_declare_and_plan(chat, sessions):
    from bot.models import Award, Declaration, Plan

    r = chat.say("sec1", "年度工作计划已制定", P("declare", declaration="annual_plan"))
    assert "已登记：年度党建工作计划" in r.text
    r = chat.say("sec1", "年度工作计划已制定", P("declare", declaration="annual_plan"))
    assert "已经登记过了" in r.text
    r = chat.say("sec1", "获得市级表彰", P("declare", declaration="commendation", value="municipal"))
    assert "市级" in r.text
    r = chat.say("sec1", "保持4A等级", P("declare", declaration="star_rating", value="4A"))
    assert "4A" in r.text
    r = chat.say("sec1", "12月28日讲党课", P("plan", "party_lecture", date=date(2022, 12, 28)))
    assert "已记下计划：党课 12月28日" in r.text and "12月29日" in r.text
    with sessions() as s:
        assert [(d.key, d.value, d.year) for d in s.scalars(select(Declaration).order_by(Declaration.id))] == [
            ("annual_plan", None, 2022), ("star_rating", "4A", 2022)]
        assert [(a.key, a.level) for a in s.scalars(select(Award))] == [("commendation", "municipal")]
        assert s.scalar(select(func.count(Plan.id))) == 1
    # the day after, the next message also asks whether it happened; "开了" records it
    chat.on(date(2022, 12, 29))
    r = chat.say("sec1", "帮助", P("help"))
    assert "12月28日计划的党课开了吗" in r.text
    r = chat.say("sec1", "开了")
    assert "已记录：党课 12月28日（今年第1次）" in r.text
    with sessions() as s:
        assert s.scalars(select(Plan)).one().status == "held"


def test_plan_not_held_is_cancelled(chat, sessions):
    from bot.models import Plan

    chat.say("sec1", "x", P("plan", "theme_day", date=date(2022, 12, 27)))
    chat.on(date(2022, 12, 28))
    r = chat.say("sec1", "进度", P("help"))
    assert "开了吗" in r.text
    r = chat.say("sec1", "没开")
    assert "计划已取消" in r.text
    assert _live(sessions) == []
    with sessions() as s:
        assert s.scalars(select(Plan)).one().status == "cancelled"
