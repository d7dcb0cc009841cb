"""Every intent tried by every role (and a stranger): where the role does not allow it, nothing changes."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from bot.models import (ActivityRecord, AuditLog, Award, ConversationState, Declaration, Plan, ScoreEntry,
                        Submission)
from handlers import registry
from handlers.dispatch import allowed

from tests.support.committee import P

INTENTS = {
    "record": P("record", "branch_committee"),
    "plan": P("plan", "party_lecture", date=date(2022, 12, 30)),
    "declare": P("declare", declaration="annual_plan"),
    "grade": P("grade", target="第一党支部", item="3.3", score=5),
    "query_progress": P("query_progress"),
    "query_score": P("query_score"),
    "ranking": P("ranking"),
    "deadline": P("deadline"),
    "undo": P("undo"),
    "correct": P("correct", "member_assembly"),
    "submit": P("submit"),
    "export": P("export"),
    "help": P("help"),
    "season": P("season", action="close", year=2022),  # anyone may ask; the handler refuses all but the office
    "unknown": P("unknown"),
}
# who may do what (the permission table of docs/conversation.md)
MAY = {
    "record": {"sec1", "org1"}, "plan": {"sec1", "org1"}, "declare": {"sec1", "org1"}, "undo": {"sec1", "org1"},
    "correct": {"sec1", "org1"}, "grade": {"lead1", "office1"}, "submit": {"sec1", "lead1", "office1"},
    "export": {"sec1", "lead1", "office1"},  # a secretary: their own branch's forms (issue 17, point 6)
}
PEOPLE = ("sec1", "org1", "mem1", "lead1", "office1", "stranger")
TABLES = (ActivityRecord, Declaration, Award, Plan, ScoreEntry, Submission, AuditLog, ConversationState)


def _counts(sessions):
    with sessions() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


# every intent a message can parse to, as the handlers declare them (handlers/registry.py)
PARSED_INTENTS = sorted(s.name for s in registry.specs() if s.name not in ("dashboard", "chart_push"))


def test_every_declared_intent_is_tried():
    assert set(INTENTS) == set(PARSED_INTENTS)


@pytest.mark.parametrize("intent", PARSED_INTENTS)
def test_every_role_every_intent(intent, chat, sessions, ids, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path))
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 1)))  # something to undo / correct
    for who in PEOPLE:
        before = _counts(sessions)
        reply = chat.say(who, "x", INTENTS[intent])
        after = _counts(sessions)
        assert "Traceback" not in reply.text and reply.text
        if who == "stranger":
            assert "名册" in reply.text and after == before
        elif intent in MAY and who not in MAY[intent]:
            assert "不能" in reply.text, (who, intent, reply.text)
            assert after == before, (who, intent)
        else:
            assert "不能" not in reply.text or intent in ("grade", "season"), (who, intent, reply.text)
            if intent == "season" and who != "office1":
                assert "只有综合党委办公室可以操作" in reply.text and after == before, (who, reply.text)
        chat.say(who, "取消", P("unknown"))  # drop any confirmation the step asked for


def test_permission_table_is_what_dispatch_enforces():
    roles = {"sec1": "secretary", "org1": "organiser", "mem1": "member", "lead1": "group_leader", "office1": "office"}
    for intent, who in MAY.items():
        for account, role in roles.items():
            assert allowed(intent, role) == (account in who), (intent, role)
