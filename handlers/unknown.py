"""unknown: say what was not understood and what to send instead (the office can list these messages)."""
from __future__ import annotations

from .base import ALL_ROLES, Context, ReplyData, example_branch
from .registry import IntentSpec

INTENT = IntentSpec("unknown", "未识别", ALL_ROLES)


def handle(_parsed, ctx: Context) -> ReplyData:
    """The example lines name a branch the asker may act on (the demo's branches are named after associations)."""
    branch = example_branch(ctx) if ctx.person.role == "group_leader" else None
    return ReplyData("unknown", {"role": ctx.person.role, "branch": branch}, status="not_understood")
