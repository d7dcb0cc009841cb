"""The office's forms (Flask-WTF): a not-understood message turned into a record, an incident, an award, the
review of a declared award, a failed reminder retried, and closing or reopening the evaluation year.

Each POST is checked for CSRF first (bot/security/web.py, so the forms themselves carry no token field), then
parsed by its form class; bad input is a 400 with a short Chinese line, never a traceback. Every change is
audited as the office person (bot/store.py).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from flask import abort, redirect, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, Regexp

from bot.security.web import check_csrf

from .context import bp, db, login_required, now_utc, office_only, org, person, reads, refuse_absurd, store, today

DIGITS = Regexp(r"^[0-9]+$")  # ASCII digits only: "²" or "٣" is not a count


class Form(FlaskForm):
    class Meta:
        csrf = False  # checked before the form is read (check_csrf), as for every POST of the office pages


class BranchDayForm(Form):
    branch_id = IntegerField(validators=[InputRequired()])
    date = DateField(validators=[InputRequired()])


class RecordForm(BranchDayForm):
    code = StringField()
    expected = IntegerField(validators=[Optional()])
    present = IntegerField(validators=[Optional()])
    topic = StringField()


class IncidentForm(BranchDayForm):
    key = StringField()
    count = StringField(filters=[lambda v: (v or "1").strip()], validators=[DIGITS])
    event = StringField(filters=[lambda v: (v or "").strip()[:100] or None])
    note = StringField(filters=[lambda v: (v or "").strip()[:500] or None])


class AwardForm(BranchDayForm):
    key = StringField()
    level = StringField()
    note = StringField(filters=[lambda v: (v or "").strip()[:500] or None])


class ReviewForm(Form):
    decision = StringField(validators=[AnyOf(("confirm", "reject"))])


class SeasonForm(Form):
    action = StringField(validators=[AnyOf(("close", "reopen"))])
    year = StringField(validators=[DIGITS])


class RetryForm(Form):
    key = StringField(validators=[Length(max=200)])


@lru_cache(maxsize=1)
def award_levels() -> dict[str, list[str]]:
    """Award key → the levels the vocabulary allows ("书面表彰 (department/municipal/…)")."""
    import yaml

    path = Path(__file__).resolve().parents[2] / "scoring" / "vocabulary.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for key, label in (raw.get("awards") or {}).items():
        m = re.search(r"[（(]([a-z/ ]+)[)）]\s*$", str(label))
        out[key] = [x.strip() for x in m.group(1).split("/")] if m else ["municipal"]
    return out


def _branch_day(cls: type[BranchDayForm]) -> tuple:
    """An incident or award form, read after its CSRF check: (form, the branch of this organisation), its date
    checked like a chat message's; else a 400."""
    check_csrf()
    form = cls()
    form.validate()
    if form.branch_id.errors or form.date.errors:
        abort(400, "请选择党支部并填写正确的日期（YYYY-MM-DD）")
    branch = reads().branch(form.branch_id.data)
    if branch is None or branch.org_id != org().id:
        abort(400, "请选择本组织的党支部")
    refuse_absurd(form.date.data)
    return form, branch


# ------------------------------------------------------------------ not-understood message → record
@bp.post("/unknown/<int:message_id>/record")
@login_required
@office_only
def unknown_to_record(message_id: int):
    """Turn a message the bot did not understand into an activity record (audited, linked to the message)."""
    from bot.learned import learn
    from scoring import ACTIVITIES

    check_csrf()
    msg = reads().message(message_id)
    if msg is None or not store().not_understood(org().id, 1, message_id=message_id):
        abort(404)
    form = RecordForm()
    if not form.validate():
        abort(400, "请填写正确的支部、日期（YYYY-MM-DD）和人数")
    branch = reads().branch(form.branch_id.data)
    if branch is None or branch.org_id != org().id or form.code.data not in ACTIVITIES:
        abort(400, "请选择本组织的党支部和活动类别")
    day, expected, present = form.date.data, form.expected.data, form.present.data
    refuse_absurd(day, expected, present)
    store().add_activity(branch_id=branch.id, code=form.code.data, day=day, reported_by=person().id,
                         message_id=msg.id, expected=expected, present=present, topic=form.topic.data or None)
    # The phrasing is kept for this organisation: the next line like it is understood (issue 14, docs/nlp.md).
    learn(db(), org().id, msg.text or "", day, "record", [form.code.data], person_id=person().id, source="office",
          now=datetime.now(timezone.utc).replace(tzinfo=None))
    msg.status, msg.intent = "handled", "record"
    db().commit()
    return redirect(url_for("office.unknown", done=msg.id))


# ------------------------------------------------------------------ failed reminders
@bp.post("/failed/retry")
@login_required
@office_only
def failed_retry():
    """Make one of this organisation's failed reminders due now; the scheduler's retry job sends it."""
    from bot.reminders.failures import failed_sends, retry_reminders

    check_csrf()
    form = RetryForm()
    form.validate()
    if form.key.data not in {f.key for f in failed_sends(db(), org().id) if f.what == "reminder"}:
        abort(404)
    done = retry_reminders(db(), [form.key.data])
    db().commit()
    return redirect(url_for("office.failed", retried=len(done)))


# ------------------------------------------------------------------ incidents and awards
@bp.post("/incidents/add")
@login_required
@office_only
def incident_add():
    """Record an incident (通报批评, 处分 …): counted by the scoring core, audited with the office member."""
    from handlers.labels import vocabulary

    form, branch = _branch_day(IncidentForm)
    if form.key.data not in vocabulary().get("incidents", {}):
        abort(400, "请选择扣分事项")
    if form.count.errors or not 1 <= int(form.count.data) <= 99:
        abort(400, "次数请填 1–99 的数字")
    row = store().add_incident(branch_id=branch.id, key=form.key.data, day=form.date.data, count=int(form.count.data),
                               event=form.event.data, note=form.note.data, recorded_by=person().id)
    db().commit()
    return redirect(url_for("office.incidents", done=f"incident-{row.id}", year=form.date.data.year))


@bp.post("/incidents/<int:incident_id>/remove")
@login_required
@office_only
def incident_remove(incident_id: int):
    check_csrf()
    row = reads().incident_of(org().id, incident_id)
    if row is None:
        abort(404)
    store().delete_incident(incident_id, person().id)
    db().commit()
    return redirect(url_for("office.incidents", done=f"removed-{incident_id}", year=row.date.year))


@bp.post("/awards/add")
@login_required
@office_only
def award_add():
    """Record an award (书面表彰, 媒体报道 …) at a level the vocabulary allows; audited."""
    form, branch = _branch_day(AwardForm)
    levels = award_levels()
    if form.key.data not in levels or form.level.data not in levels[form.key.data]:
        abort(400, "请选择表彰事项和它允许的级别")
    row = store().add_award(branch_id=branch.id, key=form.key.data, level=form.level.data, day=form.date.data,
                            note=form.note.data, recorded_by=person().id, message_id=None)
    db().commit()
    return redirect(url_for("office.incidents", done=f"award-{row.id}", year=form.date.data.year))


@bp.post("/awards/<int:award_id>/review")
@login_required
@office_only
def award_review(award_id: int):
    """A branch's own declared award (待确认): `confirm` makes it count, `reject` takes it back; both audited."""
    check_csrf()
    row = reads().live_award_of(org().id, award_id)
    if row is None:
        abort(404)
    form = ReviewForm()
    if not form.validate():
        abort(400, "请选择确认或不予确认")
    if row.pending and form.decision.data == "confirm":
        store().confirm_award(row, person().id)
    elif row.pending:
        store().soft_delete(row, person().id, None)
    db().commit()
    return redirect(url_for("office.incidents", done=f"{form.decision.data}ed-{award_id}", year=row.date.year))


# ------------------------------------------------------------------ the evaluation year
@bp.post("/workflow/season")
@login_required
@office_only
def workflow_season():
    """The "关闭年度考核" / "重新打开" buttons (the page asks for a confirmation first): the same change as the
    chat's "关闭2022年度考核", audited as this office person (bot/season.py)."""
    from bot import season

    check_csrf()
    form = SeasonForm()
    if not form.validate():
        abort(400, "请求不完整，请回到年终报送页面再点一次")
    action, year, st = form.action.data, int(form.year.data), store()
    view = season.view(st, org(), today())
    wanted = season.REVIEW if action == "close" else season.CLOSED
    if view.state(year) != wanted or action == "reopen" and year != today().year - 1:
        abort(400, f"{year}年度考核现在不能{'关闭' if action == 'close' else '重新打开'}")
    change = season.close if action == "close" else season.reopen
    change(st, org(), year, actor_id=person().id, message_id=None, now=now_utc().replace(tzinfo=None))
    db().commit()
    return redirect(url_for("office.workflow", year=year, done=action))
