"""unknown: say what was not understood and what to send instead (the office can list these messages)."""
from __future__ import annotations

from .base import ALL_ROLES, Context, ReplyData
from .registry import IntentSpec

INTENT = IntentSpec("unknown", "未识别", ALL_ROLES)


def handle(_parsed, ctx: Context) -> ReplyData:
    from .season import command  # phrases the parser does not know yet: 关闭2022年度考核, 办公室登录

    if (reply := command(ctx)) is not None:
        return reply
    return ReplyData("unknown", {"role": ctx.person.role}, status="not_understood")
