"""Logging in to the office pages (bot/web/auth.py): password and one-time link, forgeries refused."""
from __future__ import annotations

from tests.support.office import login_link as _link, password_login as _login


def test_pages_need_a_login(app):
    c = app.test_client()
    r = c.get("/office/")
    assert r.status_code == 302 and "/office/login" in r.headers["Location"]
    assert _login(c, password="wrong").status_code == 401
    assert _login(c, name="书记00").status_code == 401  # a secretary is not office


def test_one_time_link_logs_in_once_and_forgeries_do_not(app):
    c = app.test_client()
    link = _link(app, 1, "http://127.0.0.1:8000/")
    assert link.startswith("http://127.0.0.1:8000/office/auth/")
    path = link.replace("http://127.0.0.1:8000", "")
    c2 = app.test_client()
    assert c2.get(path[:-2] + "xx").status_code == 403
    r = c.get(path)
    assert r.status_code == 302 and c.get("/office/").status_code == 200
    assert c2.get(path).status_code == 403  # used once: a second use opens nothing
    assert c2.get("/office/").status_code == 302
