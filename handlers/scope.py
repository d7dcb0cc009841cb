"""A message that names another branch or group than the sender's own is refused before it acts.

"撤销<其他支部>的支委会" or "给<其他支部>记一次支委会" from a secretary must not touch the sender's own records
(nor anyone else's): the handlers that act on the sender's branch declare `SCOPE = "own_branch"`, and dispatch
asks this module first. Only a name that resolves to another branch or group of the organisation is refused:
"先进党支部" in an award, "协作组活动" or a weekday ("上周五支部大会") are not names of anyone.
"""
from __future__ import annotations

from nlp.targets import named_target

from .base import Context, ReplyData, refused


def outside_own_branch(ctx: Context, what: str) -> ReplyData | None:
    """The refusal when the text names a branch or group the sender may not act for; None when it does not."""
    name = named_target(ctx.text)
    if not name:
        return None
    person, store = ctx.person, ctx.store
    branch = store.find_branch(ctx.org.id, name)
    if branch is not None:
        if branch.id == person.branch_id:
            return None
        return refused(ctx, f"{what}（{branch.name}）", "只能处理本支部的记录，其他支部请由该支部自己发送")
    group = store.find_group(ctx.org.id, name)
    if group is not None and group.id != person.group_id:
        return refused(ctx, f"{what}（{group.name}）", "只能处理本支部的记录")
    return None
