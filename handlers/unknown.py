"""unknown: say what was not understood and what to send instead (the office can list these messages)."""
from __future__ import annotations

from .base import ALL_ROLES, Context, ReplyData
from .registry import IntentSpec

INTENT = IntentSpec("unknown", "未识别", ALL_ROLES)


def handle(_parsed, ctx: Context) -> ReplyData:
    return ReplyData("unknown", {"role": ctx.person.role}, status="not_understood")
