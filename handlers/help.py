"""help: what the bot does for this person's role, with the example lines its intents declare (handlers/registry.py)."""
from __future__ import annotations

from . import registry
from .base import ALL_ROLES, Context, ReplyData
from .registry import IntentSpec

INTENT = IntentSpec("help", "帮助", ALL_ROLES)


def handle(_parsed, ctx: Context) -> ReplyData:
    branch = ctx.person.branch.name if ctx.person.branch else None
    group = ctx.person.group.name if ctx.person.group else None
    return ReplyData("help", {"role": ctx.person.role, "role_label": ctx.role_label, "name": ctx.person.name,
                              "branch": branch, "group": group, "examples": registry.examples(ctx.person.role)})
