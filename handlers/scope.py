"""A message that names another branch or group than the sender's own is refused before it acts.

"撤销<其他支部>的支委会" or "给<其他支部>记一次支委会" from a secretary must not touch the sender's own records
(nor anyone else's): the handlers that act on the sender's branch declare `SCOPE = "own_branch"`, and dispatch
asks this module first. Only a name that resolves to another branch or group of the organisation is refused:
"先进党支部" in an award, "协作组活动" or a weekday ("上周五支部大会") are not names of anyone. A numbered name
("第二党支部") that is not the sender's own is refused even when no branch is called that.
"""
from __future__ import annotations

import re

from nlp.targets import named_target

from .base import Context, ReplyData, refused

# "第二党支部", "三支部", "第3协作组": a numbered name always means a particular branch or group, so one that is not the
# sender's own is refused even when the organisation has no branch called that (a plain mistake or a probe).
_NUMBERED = re.compile(r"^第?[一二三四五六七八九十\d]{1,3}(?:党支部|支部|党建协作组|协作组)$")


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
    if group is not None:
        if group.id == person.group_id:
            return None
        return refused(ctx, f"{what}（{group.name}）", "只能处理本支部的记录")
    if _NUMBERED.match(name):
        return refused(ctx, f"{what}（{name}）", "只能处理本支部的记录，不用写支部名称")
    return None
