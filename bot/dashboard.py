"""The office's web pages under /office/: rankings per group, the branch × month grid of required meetings,
messages the bot did not understand (one click turns one into a record), the year-end workflow status,
the ranking chart and the forms as downloads.

Login: a signed link the bot sends (`office_login_link`, itsdangerous with the app's SECRET_KEY), or, for the
demo, an office person's name and the password ZHIBU_OFFICE_PASSWORD (default "demo" while ZHIBU_DEMO is on).
The office sees everything; a group leader sees their own group.
"""
from __future__ import annotations

import hmac
import os
import tempfile
from datetime import date, datetime, timezone
from functools import wraps
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import (Blueprint, Flask, abort, current_app, g, redirect, render_template, request, send_file, session,
                   url_for)
from sqlalchemy import select

from .security.web import check_csrf, csrf_token
from .models import ActivityRecord, Award, Branch, Group, InboundMessage, Incident, Organisation, Person, Submission

bp = Blueprint("office", __name__, url_prefix="/office")
LINK_MAX_AGE = 15 * 60  # a login link: 15 minutes, single use
ALLOWED_ROLES = ("office", "group_leader")


# ------------------------------------------------------------------ login links
def office_login_link(db: Any, person_id: int, base_url: str = "") -> str:
    """What the bot sends an office member or group leader, one-to-one: opens the dashboard already logged in.

    A random id, single use, valid LINK_MAX_AGE seconds; only its digest is stored (bot/security/tokens.py).
    The caller commits."""
    from bot.security import tokens

    raw = tokens.issue(db, "login_link", tokens.LOGIN_LINK_TTL, person_id=person_id)
    return f"{base_url.rstrip('/')}/office/auth/{raw}"


# ------------------------------------------------------------------ request context
def _runtime():
    return current_app.extensions["zhibu"]


def _db():
    if "office_db" not in g:
        g.office_db = _runtime().sessions()
    return g.office_db


@bp.teardown_app_request
def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("office_db", None)
    if db is not None:
        db.close()


def _today() -> date:
    rt = _runtime()
    clock = rt.services.get("clock")
    now = clock() if clock else datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(ZoneInfo(rt.config.timezone)).date()


def _period(org: Organisation) -> tuple[int, date]:
    """The year asked for (`?year=`), within 2000–2100; anything else is a 400, never a 500."""
    raw = request.args.get("year") or str(_review_year(org))
    if not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100):
        abort(400, "年份请写成四位数字，例如 ?year=2022")
    year = int(raw)
    return year, min(_today(), date(year, 12, 31))


def _review_year(org: Organisation) -> int:
    """The year under review today (bot/season.py): last year until the office closes it."""
    from bot import season
    from bot.store import Store

    return season.view(Store(_db()), org, _today()).review_year


_csrf = csrf_token
_check_csrf = check_csrf


def office_only(view: Callable) -> Callable:
    """After `login_required`: pages and forms for the office alone (a group leader gets a 403)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if g.person.role != "office":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _session_person() -> Person | None:
    """The person of this browser's live dashboard session: the session id must still be stored (logout, a move or
    a deactivation deletes it, on every process) and belong to an active office member or group leader."""
    from bot.security import tokens

    raw, pid = session.get("office_sid"), session.get("office_person")
    row = tokens.lookup(_db(), "session", raw) if isinstance(raw, str) else None
    if row is None or row.person_id != pid:
        return None
    person = _db().get(Person, pid)
    if person is None or not person.active or person.role not in ALLOWED_ROLES:
        return None
    return person


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        person = _session_person()
        if person is None:
            session.pop("office_person", None)
            session.pop("office_sid", None)
            return redirect(url_for("office.login", next=request.path))
        g.person = person
        g.org = _db().get(Organisation, person.org_id)
        return view(*args, **kwargs)

    return wrapped


def _start_session(person: Person) -> None:
    """A new server-side session (the cookie holds its random id); the old cookie's contents are dropped."""
    from bot.security import tokens

    raw = tokens.issue(_db(), "session", tokens.SESSION_TTL, person_id=person.id)
    _db().commit()
    session.clear()
    session["office_person"] = person.id
    session["office_sid"] = raw


def _visible_groups() -> list[Group]:
    q = select(Group).where(Group.org_id == g.org.id).order_by(Group.id)
    if g.person.role == "group_leader":
        q = q.where(Group.id == g.person.group_id)
    return list(_db().scalars(q))


def _group_or_404(group_id: int) -> Group:
    grp = _db().get(Group, group_id)
    if grp is None or grp.org_id != g.org.id:
        abort(404)
    if g.person.role == "group_leader" and g.person.group_id != grp.id:
        abort(403)
    return grp


def _render(template: str, **ctx: Any) -> str:
    return render_template(f"pages/office/{template}", person=g.get("person"), org=g.get("org"), csrf=_csrf(), **ctx)


# ------------------------------------------------------------------ login
def _password() -> str | None:
    """The office password: ZHIBU_OFFICE_PASSWORD, or "demo" while the database holds the demo committee alone."""
    pw = os.environ.get("ZHIBU_OFFICE_PASSWORD")
    if pw:
        return pw
    return "demo" if _demo() else None


def _demo() -> bool:
    from bot.security.demo_mode import demo_only

    rt = _runtime()
    return rt.config.demo and demo_only(_db(), rt.config)


def _login_page(error: str | None, status: int):
    password = _password()
    people = []
    if password and _demo():  # names only for the demo committee, never a real roster to anonymous visitors
        people = list(_db().scalars(select(Person).where(Person.role.in_(ALLOWED_ROLES), Person.active.is_(True))
                                    .order_by(Person.role.desc(), Person.id).limit(50)))
    return render_template("pages/office/login.html", error=error, csrf=_csrf(), password_login=bool(password),
                           people=people, person=None, org=None), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    from bot.security import login_limit

    if request.method == "GET":
        return _login_page(None, 200)
    _check_csrf()
    password = _password()
    if not password:
        return _login_page("请使用机器人发送的登录链接", 401)
    db, addr = _db(), request.remote_addr or "-"
    name = (request.form.get("name") or "").strip()[:100]
    if login_limit.blocked(db, addr, name):
        return _login_page("尝试次数太多，请 15 分钟后再试，或在机器人里发送“办公室登录”获取链接", 429)
    person = db.scalars(select(Person).where(Person.name == name, Person.role.in_(ALLOWED_ROLES),
                                             Person.active.is_(True)).limit(1)).first()
    given = request.form.get("password") or ""
    if person is None or not hmac.compare_digest(given.encode(), password.encode()):
        login_limit.failed(db, addr, name)
        db.commit()
        return _login_page("姓名或密码不对（只有办公室和协作组组长可以登录）", 401)
    _start_session(person)
    nxt = request.args.get("next") or ""
    return redirect(nxt if nxt.startswith("/office/") and "//" not in nxt else url_for("office.index"))


@bp.get("/auth/<token>")
def auth(token: str):
    """A login link from the bot: used once, then it opens nothing."""
    from bot.security import tokens

    row = tokens.redeem(_db(), "login_link", token)
    person = _db().get(Person, row.person_id) if row and row.person_id else None
    if person is None or not person.active or person.role not in ALLOWED_ROLES:
        _db().rollback()
        return _login_page("登录链接无效、已用过或已过期，请向机器人重新获取", 403)
    _db().commit()
    _start_session(person)
    if person.role == "group_leader" and person.group_id:
        return redirect(url_for("office.group", group_id=person.group_id))
    return redirect(url_for("office.index"))


@bp.post("/logout")
def logout():
    """Ends this session on the server too: a copy of the cookie opens nothing afterwards."""
    from bot.security import tokens

    _check_csrf()
    raw = session.get("office_sid")
    if isinstance(raw, str):
        tokens.revoke(_db(), "session", raw)
        _db().commit()
    session.clear()
    return redirect(url_for("office.login"))


# ------------------------------------------------------------------ pages
@bp.get("/")
@login_required
def index():
    from bot.exports.office import ranked_cards

    year, as_of = _period(g.org)
    groups = []
    for grp in _visible_groups():
        ranked = ranked_cards(_db(), g.org, year, as_of, grp.id)
        totals = [c.total for _, c in ranked]
        groups.append({"group": grp, "count": len(ranked), "avg": round(sum(totals) / len(totals), 2) if totals else None,
                       "top": ranked[0][1] if ranked else None})
    groups.sort(key=lambda row: (row["avg"] is None, -(row["avg"] or 0), row["group"].id))  # best average first
    from bot.store import Store

    unknown = next(iter(Store(_db()).not_understood(g.org.id, 1)), None)
    pending = len(_db().scalars(select(Award.id).join(Branch, Branch.id == Award.branch_id).where(  # 待确认
        Branch.org_id == g.org.id, Award.pending.is_(True), Award.deleted_at.is_(None))).all())
    return _render("index.html", groups=groups, year=year, as_of=as_of, has_unknown=unknown is not None,
                   pending_awards=pending)


@bp.get("/group/<int:group_id>")
@login_required
def group(group_id: int):
    from bot.exports.annex1 import column_total
    from bot.exports.gaps import requirement_legend
    from bot.exports.office import month_grid, ranked_cards, rubric_of

    grp = _group_or_404(group_id)
    year, as_of = _period(g.org)
    ranked = ranked_cards(_db(), g.org, year, as_of, grp.id)
    subs = {s.branch_id: s for s in _db().scalars(select(Submission).where(
        Submission.org_id == g.org.id, Submission.year == year, Submission.tier == "self"))}
    cards = [c for _, c in ranked]
    grid = month_grid(_db(), cards, year)  # ✗ exactly where the score card deducts (bot/exports/gaps.py)
    rubric = rubric_of(g.org)
    # Tier totals only where that tier has actually scored (the core carries earlier scores forward).
    given = {c.branch_id: {t: column_total(rubric, c, t, False) for t in ("self", "group")} for _, c in ranked}
    return _render("group.html", group=grp, ranked=ranked, subs=subs, grid=grid, year=year, as_of=as_of,
                   months=range(1, 13), given=given, legend=requirement_legend(cards))


@bp.get("/group/<int:group_id>/chart.png")
@login_required
def group_chart(group_id: int):
    from bot.exports.chart import ranking_chart_bytes
    from bot.exports.office import ranked_cards

    grp = _group_or_404(group_id)
    year, as_of = _period(g.org)
    ranked = ranked_cards(_db(), g.org, year, as_of, grp.id)
    data = ranking_chart_bytes([c for _, c in ranked], f"{grp.name} {year}年度排名", ranked=ranked)
    return current_app.response_class(data, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/chart/<token>.png")
def signed_chart(token: str):
    """The chart behind a link the bot pushed into a group chat (DingTalk robots cannot upload images):
    no login, but only for a signed, unexpired (group, year, as-of) the bot itself chose."""
    from bot.exports.chart import ranking_chart_bytes
    from bot.exports.chart_push import read_chart_token
    from bot.exports.office import ranked_cards

    data = read_chart_token(current_app.config["SECRET_KEY"], token)
    org = _db().get(Organisation, data["o"]) if data else None
    grp = _db().get(Group, data["g"]) if data and data.get("g") is not None else None
    if org is None or (data.get("g") is not None and (grp is None or grp.org_id != org.id)):
        abort(404)
    ranked = ranked_cards(_db(), org, data["y"], data["d"], grp.id if grp else None)
    title = f"{grp.name if grp else org.name} {data['y']}年度党支部得分排名"
    return current_app.response_class(ranking_chart_bytes([c for _, c in ranked], title, ranked=ranked),
                                      mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


def _send(path: Path):
    return send_file(path, as_attachment=True, download_name=path.name)


@bp.get("/group/<int:group_id>/annex2.xlsx")
@login_required
def group_annex2(group_id: int):
    from bot.exports.office import annex2_xlsx

    grp = _group_or_404(group_id)
    year, as_of = _period(g.org)
    tmp = Path(tempfile.mkdtemp(prefix="zhibu-office-"))
    return _send(annex2_xlsx(_db(), g.org, grp, year, as_of, tmp))


@bp.get("/branch/<int:branch_id>/<kind>")
@login_required
def branch_file(branch_id: int, kind: str):
    from bot.exports import office as ex

    branch = _db().get(Branch, branch_id)
    if branch is None or branch.org_id != g.org.id:
        abort(404)
    if g.person.role == "group_leader" and branch.group_id != g.person.group_id:
        abort(403)
    writers = {"annex1.xlsx": ex.annex1_xlsx, "record_book.docx": ex.record_book_docx, "summary.docx": ex.summary_docx}
    if kind not in writers:
        abort(404)
    year, as_of = _period(g.org)
    return _send(writers[kind](_db(), branch, year, as_of, Path(tempfile.mkdtemp(prefix="zhibu-office-"))))


@bp.get("/report.docx")
@login_required
@office_only
def report():
    from bot.exports.office import report_docx

    year, as_of = _period(g.org)
    return _send(report_docx(_db(), g.org, year, as_of, Path(tempfile.mkdtemp(prefix="zhibu-office-"))))


@bp.get("/unknown")
@login_required
@office_only
def unknown():
    from bot.store import Store
    from scoring import ACTIVITIES

    msgs = Store(_db()).not_understood(g.org.id, 200)
    branches = list(_db().scalars(select(Branch).where(Branch.org_id == g.org.id, Branch.active.is_(True))
                                  .order_by(Branch.group_id, Branch.id)))
    senders = {p.id: p for p in _db().scalars(select(Person).where(
        Person.id.in_([m.person_id for m in msgs if m.person_id])))} if msgs else {}
    return _render("unknown.html", msgs=msgs, branches=branches, activities=ACTIVITIES, senders=senders,
                   done=request.args.get("done"))


@bp.post("/unknown/<int:message_id>/record")
@login_required
@office_only
def unknown_to_record(message_id: int):
    """Turn a message the bot did not understand into an activity record (audited, linked to the message)."""
    from bot.store import Store
    from scoring import ACTIVITIES

    _check_csrf()
    db = _db()
    msg = db.get(InboundMessage, message_id)
    if msg is None or not Store(db).not_understood(g.org.id, 1, message_id=message_id):
        abort(404)
    try:
        branch_id = int(request.form.get("branch_id", ""))
        day = date.fromisoformat(request.form.get("date", ""))
        code = request.form.get("code", "")
        expected = int(request.form["expected"]) if request.form.get("expected") else None
        present = int(request.form["present"]) if request.form.get("present") else None
    except ValueError:
        abort(400, "请填写正确的支部、日期（YYYY-MM-DD）和人数")
    branch = db.get(Branch, branch_id)
    if branch is None or branch.org_id != g.org.id or code not in ACTIVITIES:
        abort(400, "请选择本组织的党支部和活动类别")
    _refuse_absurd(day, expected, present)
    Store(db).add_activity(branch_id=branch.id, code=code, day=day, reported_by=g.person.id, message_id=msg.id,
                           expected=expected, present=present, topic=request.form.get("topic") or None)
    from bot.learned import learn

    # The phrasing is kept for this organisation: the next line like it is understood (issue 14, docs/nlp.md).
    learn(db, g.org.id, msg.text or "", day, "record", [code], person_id=g.person.id, source="office",
          now=datetime.now(timezone.utc).replace(tzinfo=None))
    msg.status, msg.intent = "handled", "record"
    db.commit()
    return redirect(url_for("office.unknown", done=msg.id))


@bp.get("/failed")
@login_required
@office_only
def failed():
    """Reminders that failed, gave up or got stuck (their sender died), with the platform's answer and a retry."""
    from bot.reminders.failures import failed_sends

    return _render("failed_sends.html", sends=failed_sends(_db(), g.org.id), retry_url=url_for("office.failed_retry"),
                   retried=request.args.get("retried"))


@bp.post("/failed/retry")
@login_required
@office_only
def failed_retry():
    """Make one of this organisation's failed reminders due now; the scheduler's retry job sends it."""
    from bot.reminders.failures import failed_sends, retry_reminders

    _check_csrf()
    key = request.form.get("key", "")
    if key not in {f.key for f in failed_sends(_db(), g.org.id) if f.what == "reminder"}:
        abort(404)
    done = retry_reminders(_db(), [key])
    _db().commit()
    return redirect(url_for("office.failed", retried=len(done)))


def _award_levels() -> dict[str, list[str]]:
    """Award key → the levels the vocabulary allows ("书面表彰 (department/municipal/…)")."""
    import re

    import yaml

    raw = yaml.safe_load((Path(__file__).resolve().parents[1] / "scoring" / "vocabulary.yaml").read_text(encoding="utf-8"))
    out = {}
    for key, label in (raw.get("awards") or {}).items():
        m = re.search(r"[（(]([a-z/ ]+)[)）]\s*$", str(label))
        out[key] = [x.strip() for x in m.group(1).split("/")] if m else ["municipal"]
    return out


@bp.get("/incidents")
@login_required
@office_only
def incidents():
    """The year's incidents (通报批评, 处分 …) and awards, and the forms that record them (office only)."""
    from handlers.labels import LEVEL_LABELS, vocabulary

    year, _ = _period(g.org)
    db = _db()
    branches = list(db.scalars(select(Branch).where(Branch.org_id == g.org.id, Branch.active.is_(True))
                               .order_by(Branch.group_id, Branch.id)))
    names = {b.id: b.name for b in branches}
    in_year = lambda col: (col >= date(year, 1, 1), col <= date(year, 12, 31))  # noqa: E731
    inc = list(db.scalars(select(Incident).join(Branch, Branch.id == Incident.branch_id).where(
        Branch.org_id == g.org.id, Incident.deleted_at.is_(None), *in_year(Incident.date)).order_by(Incident.date, Incident.id)))
    aw = list(db.scalars(select(Award).join(Branch, Branch.id == Award.branch_id).where(
        Branch.org_id == g.org.id, Award.deleted_at.is_(None), *in_year(Award.date)).order_by(Award.date, Award.id)))
    vocab = vocabulary()
    return _render("incidents.html", year=year, branches=branches, names=names, incidents=inc, awards=aw,
                   incident_kinds=vocab.get("incidents", {}), award_kinds=vocab.get("awards", {}),
                   award_levels=_award_levels(), level_labels=LEVEL_LABELS, today=_today(),
                   done=request.args.get("done"))


def _office_form_branch() -> tuple[Branch, date, str | None]:
    """The branch, date and note of an incident/award form, checked (CSRF, own organisation; the views are office_only)."""
    _check_csrf()
    try:
        branch_id = int(request.form.get("branch_id", ""))
        day = date.fromisoformat(request.form.get("date", ""))
    except ValueError:
        abort(400, "请选择党支部并填写正确的日期（YYYY-MM-DD）")
    branch = _db().get(Branch, branch_id)
    if branch is None or branch.org_id != g.org.id:
        abort(400, "请选择本组织的党支部")
    _refuse_absurd(day)
    note = (request.form.get("note") or "").strip()[:500] or None
    return branch, day, note


def _refuse_absurd(day: date, expected: int | None = None, present: int | None = None) -> None:
    """A 400 in the chat's words (handlers/values.py) for a date before 2000, in a closed evaluation year or still
    ahead, and for counts out of range or 实到 > 应到: a form stores what a chat message could not."""
    from handlers.values import check_counts, check_day

    today = _today()
    problem = check_day(day, open_year=_review_year(g.org), latest=today) or (
        check_counts(expected, present))
    if problem is not None:
        abort(400, problem.text())


@bp.post("/incidents/add")
@login_required
@office_only
def incident_add():
    """Record an incident (通报批评, 处分 …): counted by the scoring core, audited with the office member."""
    from bot.store import Store
    from handlers.labels import vocabulary

    branch, day, note = _office_form_branch()
    key = request.form.get("key", "")
    count_raw = (request.form.get("count") or "1").strip()
    if key not in vocabulary().get("incidents", {}):
        abort(400, "请选择扣分事项")
    if not (count_raw.isascii() and count_raw.isdigit()) or not 1 <= int(count_raw) <= 99:
        abort(400, "次数请填 1–99 的数字")
    event = (request.form.get("event") or "").strip()[:100] or None
    row = Store(_db()).add_incident(branch_id=branch.id, key=key, day=day, count=int(count_raw), event=event, note=note,
                                    recorded_by=g.person.id)
    _db().commit()
    return redirect(url_for("office.incidents", done=f"incident-{row.id}", year=day.year))


@bp.post("/incidents/<int:incident_id>/remove")
@login_required
@office_only
def incident_remove(incident_id: int):
    from bot.store import Store

    _check_csrf()
    row = _db().get(Incident, incident_id)
    branch = _db().get(Branch, row.branch_id) if row else None
    if row is None or branch is None or branch.org_id != g.org.id:
        abort(404)
    Store(_db()).delete_incident(incident_id, g.person.id)
    _db().commit()
    return redirect(url_for("office.incidents", done=f"removed-{incident_id}", year=row.date.year))


@bp.post("/awards/add")
@login_required
@office_only
def award_add():
    """Record an award (书面表彰, 媒体报道 …) at a level the vocabulary allows; audited."""
    from bot.store import Store

    branch, day, note = _office_form_branch()
    key, level = request.form.get("key", ""), request.form.get("level", "")
    levels = _award_levels()
    if key not in levels or level not in levels[key]:
        abort(400, "请选择表彰事项和它允许的级别")
    row = Store(_db()).add_award(branch_id=branch.id, key=key, level=level, day=day, note=note,
                                 recorded_by=g.person.id, message_id=None)
    _db().commit()
    return redirect(url_for("office.incidents", done=f"award-{row.id}", year=day.year))


@bp.post("/awards/<int:award_id>/review")
@login_required
@office_only
def award_review(award_id: int):
    """A branch's own declared award (待确认): `confirm` makes it count, `reject` takes it back; both audited."""
    from bot.store import Store

    _check_csrf()
    row = _db().get(Award, award_id)
    branch = _db().get(Branch, row.branch_id) if row else None
    if row is None or row.deleted_at is not None or branch is None or branch.org_id != g.org.id:
        abort(404)
    decision = request.form.get("decision", "")
    if decision not in ("confirm", "reject"):
        abort(400, "请选择确认或不予确认")
    if row.pending and decision == "confirm":
        Store(_db()).confirm_award(row, g.person.id)
    elif row.pending:
        Store(_db()).soft_delete(row, g.person.id, None)
    _db().commit()
    return redirect(url_for("office.incidents", done=f"{decision}ed-{award_id}", year=row.date.year))


@bp.get("/workflow")
@login_required
def workflow():
    from bot.season import deadlines as deadline_dates

    year, _ = _period(g.org)
    deadlines = deadline_dates(g.org, year)
    subs = list(_db().scalars(select(Submission).where(Submission.org_id == g.org.id, Submission.year == year)))
    self_subs = {s.branch_id: s for s in subs if s.tier == "self"}
    group_subs = {s.group_id: s for s in subs if s.tier == "group"}
    office_sub = next((s for s in subs if s.tier == "office"), None)
    rows = []
    for grp in _visible_groups():
        branches = list(_db().scalars(select(Branch).where(Branch.group_id == grp.id, Branch.active.is_(True))
                                      .order_by(Branch.id)))
        rows.append({"group": grp, "branches": [(b, self_subs.get(b.id)) for b in branches],
                     "done": sum(1 for b in branches if b.id in self_subs), "group_sub": group_subs.get(grp.id)})
    from bot import season
    from bot.store import Store

    state = season.view(Store(_db()), g.org, _today()).state(year)
    return _render("workflow.html", rows=rows, year=year, deadlines=deadlines, office_sub=office_sub, today=_today(),
                   season_state=state, done=request.args.get("done"))


@bp.post("/workflow/season")
@login_required
@office_only
def workflow_season():
    """The "关闭年度考核" / "重新打开" buttons (the page asks for a confirmation first): the same change as the
    chat's "关闭2022年度考核", audited as this office person (bot/season.py)."""
    from bot import season
    from bot.store import Store

    _check_csrf()
    action, raw = request.form.get("action"), request.form.get("year", "")
    if action not in ("close", "reopen") or not (raw.isascii() and raw.isdigit()):
        abort(400, "请求不完整，请回到年终报送页面再点一次")
    year, store = int(raw), Store(_db())
    view = season.view(store, g.org, _today())
    wanted = season.REVIEW if action == "close" else season.CLOSED
    if view.state(year) != wanted or action == "reopen" and year != _today().year - 1:
        abort(400, f"{year}年度考核现在不能{'关闭' if action == 'close' else '重新打开'}")
    change = season.close if action == "close" else season.reopen
    clock = _runtime().services.get("clock")
    now = (clock() if clock else datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    change(store, g.org, year, actor_id=g.person.id, message_id=None, now=now)
    _db().commit()
    return redirect(url_for("office.workflow", year=year, done=action))


@bp.app_template_filter("local")
def _local(moment: datetime | None) -> datetime | None:
    """A stored time (UTC, naive) in the committee's time zone, for display and for a form's default date."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(_runtime().config.timezone))


def register(app: Flask) -> None:
    """Called by the app factory: `dashboard.register(app)`."""
    app.register_blueprint(bp)
    rt = app.extensions.get("zhibu")
    if rt is not None and rt.services.get("sender") is not None:  # the chat's "把排名图发到群里" sends through it
        from bot.exports.chart_push import use_sender

        use_sender(rt.services["sender"], rt.engine, rt.config)
