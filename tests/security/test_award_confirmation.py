"""Self-declared awards (issue 12, finding 9): a secretary's "获得国家级表彰" counts only once the office confirms it.

The attack: a secretary declares a national commendation (+3), then the same one again (+3 more): on the old code
both counted at once, unchecked, up to the +5 cap. Now a declared award is stored once, shown as 待确认 on the
score reply and the office's page, and moves the score only after the office confirms it there.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot import facts
from bot.app import create_app
from bot.config import Config
from bot.security.login_links import office_login_link
from bot.models import AuditLog, Award, Branch, Organisation
from tests.support.committee import Chat, build_org

TODAY = date(2022, 12, 26)


def _totals(sessions, branch_id: int) -> tuple[float, float, float]:
    """(committee fast path, one-branch statement, bonus) of a branch: both ways a card is built must agree."""
    with sessions() as s:
        org = s.scalars(select(Organisation)).one()
        card = next(c for c in facts.score_cards(s, org, 2022, TODAY) if int(c.branch_id) == branch_id)
        one = facts.branch_card(s, org, s.get(Branch, branch_id), 2022, TODAY)
        return card.total, one.total, card.bonus_total


@pytest.fixture()
def office(db_url, engine):
    """The app over this backend's test database, the handlers' committee, a chat on the same database and a
    logged-in office client (with its form token)."""
    cfg = Config.from_env(env_file=None, database_url=db_url, demo=False, secret_key="test-secret-award-confirm")
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    app.config["TESTING"] = True
    sessions = app.extensions["zhibu"].sessions
    ids = build_org(sessions)
    chat = Chat(sessions, datetime(2022, 12, 26, 2, tzinfo=timezone.utc))
    yield app, chat, ids, sessions
    app.extensions["zhibu"].engine.dispose()


def _client(app, sessions, person_id: int):
    client = app.test_client()
    with sessions() as s:
        link = office_login_link(s, person_id)
        s.commit()
    assert client.get(link).status_code == 302
    html = client.get("/office/incidents").get_data(as_text=True) if client else ""
    token = re.search(r'name="csrf" value="([^"]+)"', html)
    return client, (token.group(1) if token else "")


def test_a_declared_national_award_waits_for_the_office_and_counts_once_confirmed(office):
    app, chat, ids, sessions = office
    before = _totals(sessions, ids["b0"])
    r = chat.say("sec1", "我们支部获得国家级表彰")
    assert "已登记：书面表彰 国家级" in r.text and "待综合党委办公室确认" in r.text
    assert _totals(sessions, ids["b0"]) == before  # not a point before the office confirms
    score = chat.say("sec1", "我们支部现在多少分").text
    assert "待确认" in score and "书面表彰 国家级" in score
    with sessions() as s:
        award = s.scalars(select(Award)).one()
        assert (award.key, award.level, award.pending, award.recorded_by) == ("commendation", "national", True,
                                                                             ids["sec1"])

    client, token = _client(app, sessions, ids["office1"])
    assert "有1项支部自报的表彰待确认" in client.get("/office/").get_data(as_text=True)
    page = client.get("/office/incidents").get_data(as_text=True)
    row = re.search(rf'<tr id="award-{award.id}">.*?</tr>', page, re.S).group(0)
    assert "待确认" in row and "确认" in row
    r = client.post(f"/office/awards/{award.id}/review", data={"decision": "confirm", "csrf": token})
    assert r.status_code == 302
    after = _totals(sessions, ids["b0"])
    assert after[0] == after[1] == before[0] + 3 and after[2] == before[2] + 3
    with sessions() as s:
        award = s.get(Award, award.id)
        assert (award.pending, award.confirmed_by) == (False, ids["office1"]) and award.confirmed_at is not None
        trail = [(a.action, a.actor_id) for a in s.scalars(select(AuditLog).where(
            AuditLog.entity == "award", AuditLog.entity_id == award.id).order_by(AuditLog.id))]
        assert trail == [("create", ids["sec1"]), ("confirm", ids["office1"])]
    assert "待确认" not in chat.say("sec1", "我们支部现在多少分").text
    assert "待确认" not in client.get("/office/").get_data(as_text=True)
    row = re.search(rf'<tr id="award-{award.id}">.*?</tr>',
                    client.get("/office/incidents").get_data(as_text=True), re.S).group(0)
    assert "待确认" not in row


def test_the_same_award_declared_twice_is_stored_once(office):
    app, chat, ids, sessions = office
    chat.say("sec1", "获得国家级表彰")
    r = chat.say("sec1", "获得国家级表彰")
    assert "已经登记过了" in r.text
    chat.advance(days=1)
    assert "已经登记过了" in chat.say("sec1", "获得国家级表彰").text  # the same words another day: the same award
    with sessions() as s:
        assert [(a.key, a.level) for a in s.scalars(select(Award))] == [("commendation", "national")]


def test_the_office_can_refuse_a_declared_award_and_it_never_counts(office):
    app, chat, ids, sessions = office
    before = _totals(sessions, ids["b0"])
    chat.say("sec1", "获得国家级表彰")
    with sessions() as s:
        award_id = s.scalars(select(Award.id)).one()
    client, token = _client(app, sessions, ids["office1"])
    assert client.post(f"/office/awards/{award_id}/review", data={"decision": "reject", "csrf": token}).status_code == 302
    assert _totals(sessions, ids["b0"]) == before
    with sessions() as s:
        award = s.get(Award, award_id)
        assert award.deleted_at is not None and award.pending
    assert "待确认" not in chat.say("sec1", "我们支部现在多少分").text


def test_only_the_office_of_the_same_organisation_confirms_with_a_form_token(office):
    app, chat, ids, sessions = office
    chat.say("sec1", "获得国家级表彰")
    with sessions() as s:
        award_id = s.scalars(select(Award.id)).one()
    client, token = _client(app, sessions, ids["office1"])
    assert client.post(f"/office/awards/{award_id}/review", data={"decision": "confirm"}).status_code == 400
    assert client.post(f"/office/awards/{award_id + 99}/review",
                       data={"decision": "confirm", "csrf": token}).status_code == 404
    assert client.post(f"/office/awards/{award_id}/review",
                       data={"decision": "maybe", "csrf": token}).status_code == 400
    leader, _ = _client(app, sessions, ids["lead1"])
    assert leader.post(f"/office/awards/{award_id}/review", data={"decision": "confirm"}).status_code in (400, 403)
    with sessions() as s:
        assert s.get(Award, award_id).pending is True


def test_an_award_the_office_records_itself_counts_at_once(office):
    app, chat, ids, sessions = office
    before = _totals(sessions, ids["b0"])
    client, token = _client(app, sessions, ids["office1"])
    form = {"branch_id": str(ids["b0"]), "key": "commendation", "level": "provincial", "date": "2022-07-01",
            "csrf": token}
    assert client.post("/office/awards/add", data=form).status_code == 302
    assert _totals(sessions, ids["b0"])[0] == before[0] + 2
    with sessions() as s:
        assert s.scalars(select(Award)).one().pending is False
