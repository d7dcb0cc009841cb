"""The office's page of failed reminders (bot/reminders/failures.py) and its retry button, and the learning of a
phrasing when the office turns a not-understood message into a record."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.config import Config
from bot.security.login_links import office_login_link
from bot.models import LearnedPhrase, Organisation, Person, ReminderDelivery

from tests.exports.demo import build_committee


@pytest.fixture()
def app(tmp_path):
    cfg = Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3", demo=False)
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    with app.extensions["zhibu"].sessions() as s:
        build_committee(s)
    yield app
    app.extensions["zhibu"].engine.dispose()


def _office(app):
    c = app.test_client()
    with app.extensions["zhibu"].sessions() as s:
        office = s.scalars(select(Person).where(Person.role == "office")).first()
        link = office_login_link(s, office.id)
        s.commit()
    assert c.get(link).status_code == 302
    return c


def test_failed_reminders_are_listed_with_the_platforms_answer_and_can_be_retried(app):
    with app.extensions["zhibu"].sessions() as s:
        org = s.scalars(select(Organisation)).first()
        s.add_all([ReminderDelivery(key="r:dead:1", org_id=org.id, kind="deadline", day=date(2022, 12, 26),
                                    payload={"recipient_name": "第一协作组群", "reason": "自评截止提醒"},
                                    status="dead", attempts=5, last_error="93000: invalid webhook url"),
                   ReminderDelivery(key="r:other-org", org_id=org.id + 99, kind="deadline", day=date(2022, 12, 26),
                                    payload={"recipient_name": "别人的群"}, status="dead", attempts=5, last_error="x")])
        s.commit()
    c = _office(app)
    html = c.get("/office/failed").get_data(as_text=True)
    assert "第一协作组群" in html and "93000: invalid webhook url" in html and "别人的群" not in html
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    assert c.post("/office/failed/retry", data={"key": "r:dead:1"}).status_code == 400  # no CSRF token
    assert c.post("/office/failed/retry", data={"key": "r:other-org", "csrf": token}).status_code == 404
    r = c.post("/office/failed/retry", data={"key": "r:dead:1", "csrf": token})
    assert r.status_code == 302 and "retried=1" in r.headers["Location"]
    with app.extensions["zhibu"].sessions() as s:
        row = s.scalars(select(ReminderDelivery).where(ReminderDelivery.key == "r:dead:1")).one()
        assert (row.status, row.attempts) == ("failed", 0) and row.next_attempt_at is not None


def test_the_office_turning_a_message_into_a_record_teaches_its_phrasing(app):
    c = _office(app)
    html = c.get("/office/unknown").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    form = {"branch_id": "2", "code": "theme_day", "date": "2022-12-19", "csrf": token}
    assert c.post("/office/unknown/1/record", data=form).status_code == 302
    with app.extensions["zhibu"].sessions() as s:
        learned = s.scalars(select(LearnedPhrase)).all()
        assert [(p.intent, p.activities, p.source, p.example) for p in learned] == [
            ("record", ["theme_day"], "office", "昨天搞了个活动挺好")]
