"""Logging in to the office pages: the bot's single-use login link, or (optional) a password limited in the
database; server-side sessions through Flask-Login; logout ends the session on every process.

The session is a row (`security_token`, kind `session`, bot/security/tokens.py): Flask-Login keeps only its random
id in the cookie (`get_id`), and `load_user` asks the row each request — a logout, a move or a deactivation deletes
or refuses it, so a copied cookie opens nothing afterwards.
"""
from __future__ import annotations

import hmac

from flask import Flask, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, login_user, logout_user

from bot.models import Organisation, Person
from bot.office_store import DASHBOARD_ROLES
from bot.security import login_limit, tokens
from bot.security.web import check_csrf, csrf_token

from .context import bp, db, reads, runtime


class OfficeUser(UserMixin):
    """A live dashboard session: its id is the session token (never the person's id)."""

    def __init__(self, sid: str, person: Person, org: Organisation | None) -> None:
        self.sid, self.person, self.org = sid, person, org

    def get_id(self) -> str:
        return self.sid


def _may_log_in(person: Person | None) -> bool:
    return person is not None and person.active and person.role in DASHBOARD_ROLES


def load_user(sid: str) -> OfficeUser | None:
    """The person of this browser's session: the id must still be stored and belong to an active office member or
    group leader."""
    row = tokens.lookup(db(), "session", sid) if isinstance(sid, str) else None
    person = reads().person(row.person_id) if row is not None else None
    if not _may_log_in(person):
        return None
    return OfficeUser(sid, person, reads().organisation(person.org_id))


def _to_login():
    """Not logged in (or the session ended): to the login page, back here afterwards."""
    session.pop("_user_id", None)
    return redirect(url_for("office.login", next=request.path))


def init_login(app: Flask) -> None:
    manager = LoginManager()
    manager.session_protection = None  # the session row decides; an address change does not end it
    manager.user_loader(load_user)
    manager.unauthorized_handler(_to_login)
    manager.init_app(app)


def _start_session(person: Person) -> None:
    """A new server-side session (the cookie holds its random id); the old cookie's contents are dropped."""
    raw = tokens.issue(db(), "session", tokens.SESSION_TTL, person_id=person.id)
    db().commit()
    session.clear()
    login_user(OfficeUser(raw, person, None))


# ------------------------------------------------------------------ password login
def _demo() -> bool:
    from bot.security.demo_mode import demo_only

    config = runtime().config
    return config.demo and demo_only(db(), config)


def _password() -> str | None:
    """The office password: ZHIBU_OFFICE_PASSWORD, or "demo" while the database holds the demo committee alone."""
    return runtime().config.office_password or ("demo" if _demo() else None)


def _login_page(error: str | None, status: int):
    password = _password()
    # names only for the demo committee, never a real roster to anonymous visitors
    people = reads().dashboard_people() if password and _demo() else []
    return render_template("pages/office/login.html", error=error, csrf=csrf_token(), password_login=bool(password),
                           people=people, person=None, org=None), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return _login_page(None, 200)
    check_csrf()
    password = _password()
    if not password:
        return _login_page("请使用机器人发送的登录链接", 401)
    addr = request.remote_addr or "-"
    name = (request.form.get("name") or "").strip()[:100]
    if login_limit.blocked(db(), addr, name):
        return _login_page("尝试次数太多，请 15 分钟后再试，或在机器人里发送“办公室登录”获取链接", 429)
    person = reads().dashboard_person(name)
    given = request.form.get("password") or ""
    if person is None or not hmac.compare_digest(given.encode(), password.encode()):
        login_limit.failed(db(), addr, name)
        db().commit()
        return _login_page("姓名或密码不对（只有办公室和协作组组长可以登录）", 401)
    _start_session(person)
    nxt = request.args.get("next") or ""
    return redirect(nxt if nxt.startswith("/office/") and "//" not in nxt else url_for("office.index"))


# ------------------------------------------------------------------ login link, logout
@bp.get("/auth/<token>")
def auth(token: str):
    """A login link from the bot: used once, then it opens nothing."""
    row = tokens.redeem(db(), "login_link", token)
    person = reads().person(row.person_id) if row else None
    if not _may_log_in(person):
        db().rollback()
        return _login_page("登录链接无效、已用过或已过期，请向机器人重新获取", 403)
    db().commit()
    _start_session(person)
    if person.role == "group_leader" and person.group_id:
        return redirect(url_for("office.group", group_id=person.group_id))
    return redirect(url_for("office.index"))


@bp.post("/logout")
def logout():
    """Ends this session on the server too: a copy of the cookie opens nothing afterwards."""
    check_csrf()
    raw = session.get("_user_id")
    if isinstance(raw, str):
        tokens.revoke(db(), "session", raw)
        db().commit()
    logout_user()
    session.clear()
    return redirect(url_for("office.login"))
