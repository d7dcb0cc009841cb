"""The office records incidents (通报批评, 处分 …) and awards from the dashboard: CSRF, audit, the score moves."""
from __future__ import annotations

import re
from datetime import date

from bot.exports.office import ranked_cards
from bot.security.login_links import office_login_link
from bot.models import AuditLog, Award, Branch, Incident, Organisation, Person

from tests.support.office import password_login as _login


def _total(app, branch_id: int) -> float:
    with app.extensions["zhibu"].sessions() as s:
        org = s.query(Organisation).one()
        return next(c.total for _, c in ranked_cards(s, org, 2022, date(2022, 12, 26)) if int(c.branch_id) == branch_id)


def test_office_records_an_incident_and_an_award(app):  # noqa: F811
    c = app.test_client()
    _login(c)
    html = c.get("/office/incidents").get_data(as_text=True)
    assert "登记扣分事项" in html and "受到通报批评" in html and "书面表彰" in html
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    with app.extensions["zhibu"].sessions() as s:
        branch = s.query(Branch).order_by(Branch.id).all()[1]  # the first one has a group score for 1.1
        bid, office_id = branch.id, s.query(Person).filter_by(role="office").one().id
        n_inc, n_aw = s.query(Incident).count(), s.query(Award).count()
    before = _total(app, bid)
    form = {"branch_id": str(bid), "key": "criticized", "date": "2022-08-01", "count": "1", "note": "市级通报"}
    assert c.post("/office/incidents/add", data=form).status_code == 400  # no CSRF token
    r = c.post("/office/incidents/add", data={**form, "csrf": token})
    assert r.status_code == 302 and "done=incident-" in r.headers["Location"]
    with app.extensions["zhibu"].sessions() as s:
        inc = s.query(Incident).filter_by(branch_id=bid, key="criticized", note="市级通报").one()
        assert (inc.branch_id, inc.key, inc.date, inc.count, inc.recorded_by) == (bid, "criticized", date(2022, 8, 1), 1, office_id)
        audit = s.query(AuditLog).filter_by(entity="incident", entity_id=inc.id, action="create").one()
        assert audit.actor_id == office_id and audit.after["key"] == "criticized"
    assert _total(app, bid) < before  # the scoring core counts it
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "已登记扣分事项" in page and "市级通报" in page

    award = {"branch_id": str(bid), "key": "commendation", "level": "municipal", "date": "2022-07-01", "csrf": token}
    assert c.post("/office/awards/add", data=award).status_code == 302
    with app.extensions["zhibu"].sessions() as s:
        aw = s.query(Award).filter_by(branch_id=bid, date=date(2022, 7, 1), recorded_by=office_id).one()
        assert (aw.key, aw.level, aw.recorded_by) == ("commendation", "municipal", office_id)
        assert s.query(AuditLog).filter_by(entity="award", entity_id=aw.id, action="create").count() == 1

    with_both = _total(app, bid)
    # bad input: a 400 with a Chinese message, nothing written
    for bad in ({**form, "csrf": token, "key": "no_such_thing"}, {**form, "csrf": token, "date": "八月一日"},
                {**form, "csrf": token, "count": "²"}, {**award, "level": "national", "key": "demonstration", "branch_id": "99999"},
                {**award, "level": "galactic"}):
        path = "/office/awards/add" if bad.get("level") else "/office/incidents/add"
        assert c.post(path, data=bad).status_code == 400
    # undo from the page: soft delete with an audit row
    assert c.post(f"/office/incidents/{inc.id}/remove", data={"csrf": token}).status_code == 302
    with app.extensions["zhibu"].sessions() as s:
        assert s.get(Incident, inc.id).deleted_at is not None
        assert s.query(AuditLog).filter_by(entity="incident", entity_id=inc.id, action="undo").count() == 1
        assert s.query(Incident).count() == n_inc + 1 and s.query(Award).count() == n_aw + 1
    assert _total(app, bid) > with_both  # the deduction is gone again


def test_group_leader_cannot_record_incidents(app):  # noqa: F811
    leader = app.test_client()
    with app.extensions["zhibu"].sessions() as s:
        pid = s.query(Person).filter_by(name="组长2").one().id
    with app.extensions["zhibu"].sessions() as s:
        link = office_login_link(s, pid)
        s.commit()
    leader.get(link)
    assert leader.get("/office/incidents").status_code == 403
    assert leader.post("/office/incidents/add", data={"branch_id": "1", "key": "criticized", "date": "2022-08-01"}).status_code == 403
    assert "扣分事项与表彰" not in leader.get("/office/").get_data(as_text=True)
