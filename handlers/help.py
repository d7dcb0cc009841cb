"""help: what the bot does for this person's role, with the example lines its intents declare (handlers/registry.py)."""
from __future__ import annotations

from . import registry
from .base import ALL_ROLES, Context, ReplyData, a_branch_in_scope
from .registry import IntentSpec

INTENT = IntentSpec("help", "帮助", ALL_ROLES)
EXAMPLE_BRANCH = "第二党支部"  # the branch the declared example lines name ("给第二党支部 3.3 打6分")


def handle(_parsed, ctx: Context) -> ReplyData:
    branch = ctx.person.branch.name if ctx.person.branch else None
    group = ctx.person.group.name if ctx.person.group else None
    return ReplyData("help", {"role": ctx.person.role, "role_label": ctx.role_label, "name": ctx.person.name,
                              "branch": branch, "group": group, "examples": examples(ctx)})


def examples(ctx: Context) -> list[str]:
    """The role's example lines, sendable as they are: where the organisation has no 第二党支部 (the demo's branches
    are named after associations), a line naming it names a branch the asker may act on instead."""
    lines = registry.examples(ctx.person.role)
    if not any(EXAMPLE_BRANCH in line for line in lines) or ctx.store.find_branch(ctx.org.id, EXAMPLE_BRANCH):
        return lines
    branch = a_branch_in_scope(ctx)
    return [line.replace(EXAMPLE_BRANCH, branch.name) for line in lines] if branch else lines
