"""handlers/confirm.py through the conversation core with the real parser: an unsure reading is asked, never
stored silently; "是" stores it, a corrected line stores the corrected reading, anything else stores nothing;
what was confirmed or corrected is learned for the organisation only."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.learned import forget, learn, listing
from bot.models import ActivityRecord, ConversationState, LearnedPhrase, Organisation, Person, Plan
from nlp import parse

TODAY = date(2022, 12, 26)


def _records(sessions):
    with sessions() as s:
        return [(r.code, r.date, r.expected, r.present) for r in s.scalars(
            select(ActivityRecord).where(ActivityRecord.deleted_at.is_(None)).order_by(ActivityRecord.id))]


def _state(sessions, person_id):
    with sessions() as s:
        st = s.scalars(select(ConversationState).where(ConversationState.person_id == person_id)).first()
        return st.kind if st else None


def test_the_parser_marks_unsure_readings_and_only_them():
    typo = parse("昨天党小组回开了 8个党员都参加了", TODAY)
    assert (typo.intent, typo.activities, typo.date, typo.present, typo.confirm) == (
        "record", ("group_meeting",), date(2022, 12, 25), 8, True)
    assert typo.to_json()["confirm"] is True and list(typo.to_json())[:5] == [
        "intent", "activities", "date", "expected", "present"]
    sure = parse("昨天开了党小组会 8个党员都参加了", TODAY)
    assert sure.confirm is False and "confirm" not in sure.to_json()
    assert parse("支委会", TODAY).confirm is True  # nothing says it happened
    assert parse("支委会开了吗", TODAY).confirm is False  # a question is not a record at all


def test_an_unsure_line_is_asked_and_yes_stores_it(chat, sessions, ids):
    r = chat.say("sec1", "昨天党小组回开了 8个党员都参加了")
    assert r.text == "记为：党小组会 12月25日，实到8人？回复“是”，或直接说正确的。"
    assert _records(sessions) == [] and _state(sessions, ids["sec1"]) == "confirm_record"
    r = chat.say("sec1", "是")
    assert "已记录：党小组会 12月25日" in r.text and "实到8人" in r.text
    assert _records(sessions) == [("group_meeting", date(2022, 12, 25), None, 8)]
    assert _state(sessions, ids["sec1"]) is None


def test_a_corrected_line_stores_the_corrected_reading(chat, sessions, ids):
    chat.say("sec1", "昨天党小组回开了 8个党员都参加了")
    r = chat.say("sec1", "不是党小组会，是支委会，实到7人")
    assert "已记录：支委会 12月25日" in r.text
    assert _records(sessions) == [("branch_committee", date(2022, 12, 25), None, 7)]


def test_a_new_day_in_the_answer_corrects_the_day(chat, sessions):
    chat.say("sec1", "党棵")
    r = chat.say("sec1", "12月20日开的党课")
    assert "已记录：党课 12月20日" in r.text
    assert _records(sessions) == [("party_lecture", date(2022, 12, 20), None, None)]


def test_no_or_another_message_or_silence_stores_nothing(chat, sessions, ids):
    chat.say("sec1", "昨天党小组回开了")
    assert chat.say("sec1", "不是").text == "好的，这条没有记录。"
    chat.say("sec1", "昨天党小组回开了")
    r = chat.say("sec1", "我们支部得了多少分")  # not an answer: handled as itself, the reading dropped
    assert "记为" not in r.text and _state(sessions, ids["sec1"]) == "more_deductions"  # the score's list, not the reading
    chat.say("sec1", "昨天党小组回开了")
    chat.advance(minutes=31)  # silence: the question lapses
    r = chat.say("sec1", "是")
    assert "已记录" not in r.text
    assert _records(sessions) == []


def test_a_question_is_answered_not_recorded(chat, sessions):
    r = chat.say("sec1", "上礼拜那次党课算数不")
    assert "已记录" not in r.text and "记为" not in r.text
    chat.say("sec1", "支委会的记录本放在我办公桌上了")
    assert _records(sessions) == []


def test_an_unsure_plan_is_asked_too(chat, sessions):
    r = chat.say("sec1", "明儿上午开党小组回")
    assert r.text.startswith("记为计划：党小组会 12月27日？")
    chat.say("sec1", "是")
    with sessions() as s:
        assert [(p.code, p.date) for p in s.scalars(select(Plan))] == [("group_meeting", date(2022, 12, 27))]
    assert _records(sessions) == []


def test_a_confirmed_phrasing_is_learned_for_that_organisation_only(chat, sessions, ids):
    chat.say("sec1", "昨天党小组回开了 8个党员都参加了")
    chat.say("sec1", "是")
    with sessions() as s:
        learned = listing(s, ids["org"])
        assert [(p.intent, p.activities, p.source, p.example) for p in learned] == [
            ("record", ["group_meeting"], "confirmed", "昨天党小组回开了 8个党员都参加了")]
    # the same phrasing with another day and count: understood at once, with the new line's date and count
    r = chat.say("sec1", "前天党小组回开了 6个党员都参加了")
    assert "已记录：党小组会 12月24日" in r.text and "实到6人" in r.text
    assert _records(sessions)[-1] == ("group_meeting", date(2022, 12, 24), None, 6)
    with sessions() as s:
        other = Organisation(name="另一个综合党委", rubric_id="seed000", year=2022)
        s.add(other)
        s.flush()
        assert listing(s, other.id) == []
        assert forget(s, other.id, learned[0].id) is False  # another organisation cannot remove it
        assert forget(s, ids["org"], learned[0].id) is True
        s.commit()
    r = chat.say("sec1", "前天党小组回开了 5个党员都参加了")
    assert r.text.startswith("记为：")  # removed: asked again


def test_a_corrected_unknown_phrasing_is_learned(chat, sessions, ids):
    r = chat.say("sec1", "昨天搞了个党建沙龙 来了8人")
    assert "已记录" not in r.text
    with sessions() as s:
        learn(s, ids["org"], "昨天搞了个党建沙龙 来了8人", TODAY, "record", ["study_session"], person_id=ids["office1"],
              source="office", now=chat.now.replace(tzinfo=None))
        s.commit()
    r = chat.say("sec1", "12月20日搞了个党建沙龙 来了11人")
    assert "已记录：集中学习 12月20日" in r.text
    assert _records(sessions)[-1] == ("study_session", date(2022, 12, 20), None, 11)
    with sessions() as s:
        assert s.scalars(select(LearnedPhrase)).one().uses == 1


def test_people_outside_a_branch_are_never_asked(chat, sessions):
    r = chat.say("office1", "昨天党小组回开了")
    assert "记为" not in r.text
    with sessions() as s:
        assert s.scalars(select(Person).where(Person.role == "office")).first() is not None


def test_a_vague_day_is_asked_for_never_stored_as_today(chat, sessions, ids):
    r = chat.say("sec1", "上个月开了组织生活会 忘了报")
    assert r.text == "记为：组织生活会，是哪天开的？请回复日期（例如“12月20日”），或直接说正确的。"
    assert chat.say("sec1", "是").text == r.text  # "是" names no day: asked again, nothing stored
    assert _records(sessions) == []
    r = chat.say("sec1", "11月18号")
    assert "已记录：组织生活会 11月18日" in r.text
    assert _records(sessions) == [("org_life_meeting", date(2022, 11, 18), None, None)]


def test_a_learned_phrasing_with_a_vague_day_still_asks_for_the_day(chat, sessions, ids):
    with sessions() as s:
        learn(s, ids["org"], "上个月搞了个党建沙龙", TODAY, "record", ["study_session"], person_id=ids["sec1"],
              source="corrected", now=chat.now.replace(tzinfo=None))
        s.commit()
    r = chat.say("sec1", "上个月搞了个党建沙龙")
    assert r.text == "记为：集中学习，是哪天开的？请回复日期（例如“12月20日”），或直接说正确的。"
    assert _records(sessions) == []
    assert "已记录：集中学习 11月25日" in chat.say("sec1", "11月25日").text
