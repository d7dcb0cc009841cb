"""What every office page and form shares: the blueprint, this request's database session and reads, the
committee's today, the year asked for, the logged-in person's scope, and rendering with the CSRF token.

The logged-in person comes from Flask-Login (bot/web/auth.py): `current_user.person` / `.org`.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import wraps
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_login import current_user, login_required

from bot.models import Group, Organisation, Person
from bot.office_store import OfficeQueries
from bot.security.web import csrf_token
from bot.store import Store

bp = Blueprint("office", __name__, url_prefix="/office")
__all__ = ["bp", "login_required", "office_only"]


def runtime() -> Any:
    return current_app.extensions["zhibu"]


def db() -> Any:
    """This request's session (closed at teardown)."""
    if "office_db" not in g:
        g.office_db = runtime().sessions()
    return g.office_db


def reads() -> OfficeQueries:
    return OfficeQueries(db())


def store() -> Store:
    return Store(db())


@bp.teardown_app_request
def _close_db(_exc: BaseException | None) -> None:
    session = g.pop("office_db", None)
    if session is not None:
        session.close()


def now_utc() -> datetime:
    clock = runtime().services.get("clock")
    now = clock() if clock else datetime.now(timezone.utc)
    return (now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now).astimezone(timezone.utc)


def today() -> date:
    return now_utc().astimezone(ZoneInfo(runtime().config.timezone)).date()


def person() -> Person:
    return current_user.person


def org() -> Organisation:
    return current_user.org


def review_year(organisation: Organisation) -> int:
    """The year under review today (bot/season.py): last year until the office closes it."""
    from bot import season

    return season.view(store(), organisation, today()).review_year


def period(organisation: Organisation) -> tuple[int, date]:
    """The year asked for (`?year=`), within 2000–2100; anything else is a 400, never a 500."""
    raw = request.args.get("year") or str(review_year(organisation))
    if not (raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2100):
        abort(400, "年份请写成四位数字，例如 ?year=2022")
    year = int(raw)
    return year, min(today(), date(year, 12, 31))


def office_only(view: Callable) -> Callable:
    """After `login_required`: pages and forms for the office alone (a group leader gets a 403)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if person().role != "office":
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def visible_groups() -> list[Group]:
    """The office sees every group of its organisation; a group leader their own."""
    me = person()
    return reads().groups(org().id, me.group_id if me.role == "group_leader" else None)


def group_or_404(group_id: int) -> Group:
    grp = reads().group(group_id)
    if grp is None or grp.org_id != org().id:
        abort(404)
    if person().role == "group_leader" and person().group_id != grp.id:
        abort(403)
    return grp


def render(template: str, **ctx: Any) -> str:
    who = person() if current_user.is_authenticated else None
    return render_template(f"pages/office/{template}", person=who, org=org() if who else None, csrf=csrf_token(),
                           **ctx)


def refuse_absurd(day: date, expected: int | None = None, present: int | None = None) -> None:
    """A 400 in the chat's words (handlers/values.py) for a date before 2000, in a closed evaluation year or still
    ahead, and for counts out of range or 实到 > 应到: a form stores what a chat message could not."""
    from handlers.values import check_counts, check_day

    problem = check_day(day, open_year=review_year(org()), latest=today()) or check_counts(expected, present)
    if problem is not None:
        abort(400, problem.text())


@bp.app_template_filter("local")
def _local(moment: datetime | None) -> datetime | None:
    """A stored time (UTC, naive) in the committee's time zone, for display and for a form's default date."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(runtime().config.timezone))
