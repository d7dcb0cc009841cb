"""dashboard: "打开办公室后台", "给我看板链接" → a signed login link to /office/ (bot.dashboard.office_login_link).

The link carries only the asker's person id; what it opens is decided by their role when it is used (the office:
everything; a group leader: their own group). Branch people are told politely that the dashboard is not theirs.
"""
from __future__ import annotations

from bot.dashboard import LINK_MAX_AGE, ALLOWED_ROLES, office_login_link

from .base import ALL_ROLES, Context, ReplyData

ROLES = ALL_ROLES  # the refusal for branch people is this module's own, friendlier than not_allowed


def handle(_parsed, ctx: Context) -> ReplyData:
    person = ctx.person
    if person.role not in ALLOWED_ROLES or (person.role == "group_leader" and person.group_id is None):
        return ReplyData("dashboard_link_refused", {"role": ctx.role_label, "leaderless": person.role == "group_leader"},
                         status="refused")
    from bot.exports.chart_push import app_config

    config = app_config(ctx.store.session)  # the serving app's secret key and public URL
    link = office_login_link(config.secret_key, person.id, config.public_url)
    return ReplyData("dashboard_link", {"link": link, "days": LINK_MAX_AGE // 86400, "role": person.role,
                                        "group": person.group.name if person.group else None})
