"""chart push: "把排名图发到群里" → the ranking chart (PNG) pushed into a group chat (bot.exports.chart_push).

A group leader: their own group's chat. The office: a named group's chat, else the committee's chat.
The chart goes out after the message is committed (a rolled-back message sends nothing), under an
idempotency key made from the message id, so a platform retry of the message never pushes it twice.
"""
from __future__ import annotations

import logging
import re

from sqlalchemy import event

from nlp.types import Parsed

from .base import ALL_ROLES, Context, ReplyData, refused
from .registry import IntentSpec

INTENT = IntentSpec("chart_push", "发送排名图", ALL_ROLES)  # branch people get this module's own refusal, not "导出表格"
log = logging.getLogger(__name__)
_GROUP_NAME = re.compile(r"第[一二三四五六七八九十百0-9]+(?:党建)?协作组")


def handle(parsed: Parsed, ctx: Context) -> ReplyData:
    from bot.exports import chart_push

    store, person = ctx.store, ctx.person
    if person.role not in ("group_leader", "office"):
        return refused(ctx, "把排名图发到群里", "只有协作组组长（本组）和综合党委办公室可以推送排名图")
    named = _named_group(parsed, ctx)
    if named is False:
        return ReplyData("branch_not_found", {"name": parsed.target})
    group = named
    if person.role == "group_leader":
        if group is not None and group.id != person.group_id:
            return refused(ctx, "把排名图发到其他协作组的群里", "只能发到本协作组的群")
        group = person.group
        if group is None:
            return refused(ctx, "推送排名图", "您的账号没有关联协作组")
    from .export import export_dir

    config = ctx.config
    out = export_dir() / str(ctx.year)
    try:
        push = chart_push.prepare(store.session, ctx.org, group, ctx.year, ctx.as_of, out,
                                  secret_key=config.secret_key, public_url=config.public_url)
    except chart_push.NoPushTarget as exc:
        return ReplyData("chart_push_no_target", {"message": str(exc)}, status="refused")
    key = f"chart:{ctx.org.id}:{group.id if group else 'org'}:{ctx.year}:msg:{ctx.message_id}"
    session, sender = store.session, ctx.sender

    def after_commit(_session) -> None:  # the conversation core commits the message, then this runs
        try:
            chart_push.send(sender, push, key, reason=f"ranking chart by person {person.id}")
        except Exception:  # the reply is already decided; a failed push is logged and in outbound_message
            log.exception("chart push %s failed", key)

    event.listen(session, "after_commit", after_commit, once=True)
    return ReplyData("chart_push", {"title": push.title, "chats": [name for _, name in push.targets],
                                    "group": group.name if group else None, "url": push.url})


def _named_group(parsed: Parsed, ctx: Context):
    """The group named in the message; None when none is named; False when a name matches no group."""
    m = _GROUP_NAME.search(ctx.text or "")
    for name in ([m.group(0)] if m else []) + ([parsed.target] if parsed.target else []):
        found = ctx.store.find_group(ctx.org.id, name)
        if found is not None:
            return found
    return False if m else None
