"""dashboard: "打开办公室后台", "给我看板链接" → a login link to /office/ (bot/security/login_links.py).

The link is a random id stored as a digest: single use, valid 15 minutes, opening what the asker's role allows
(the office: everything; a group leader: their own group). It is only ever sent one-to-one: asked for in a group
chat, the bot says to ask privately and sends nothing there. The reply stored on the message has the link cut
out (ReplyData.secrets), so the message table never holds a usable link. Branch people are told politely that
the dashboard is not theirs.
"""
from __future__ import annotations

from bot.security.login_links import ALLOWED_ROLES, LINK_MAX_AGE, office_login_link

from .base import ALL_ROLES, Context, ReplyData
from .registry import IntentSpec

INTENT = IntentSpec("dashboard", "打开后台", ALL_ROLES)  # branch people get this module's own, friendlier refusal


def handle(_parsed, ctx: Context) -> ReplyData:
    person = ctx.person
    if person.role not in ALLOWED_ROLES or (person.role == "group_leader" and person.group_id is None):
        return ReplyData("dashboard_link_refused", {"role": ctx.role_label, "leaderless": person.role == "group_leader"},
                         status="refused")
    if ctx.is_group:
        return ReplyData("dashboard_link_private", {}, status="refused")
    link = office_login_link(ctx.store.session, person.id, ctx.config.public_url)  # the serving app's address
    return ReplyData("dashboard_link", {"link": link, "minutes": LINK_MAX_AGE // 60, "role": person.role,
                                        "group": person.group.name if person.group else None}, secrets=[link])
