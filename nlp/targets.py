"""The branch or group a line names, for any intent: handlers use it to refuse a message about someone else's
branch ("撤销<其他支部>的支委会") even where `parse` keeps no target (records, undo, corrections)."""
from __future__ import annotations

import re

from .fields import read_target as _target

_WEEKDAY_BEFORE = re.compile(r"(?:周|星期|礼拜)$")


def named_target(text: str) -> str | None:
    """"第三党支部", "科协机关党支部", "第二协作组" …; None for "我们支部", "本支部" or no name; a 党小组 is not one."""
    text = text or ""
    name = _target(text)
    if name is None or name.endswith(("党小组", "小组")):
        return None
    at = text.find(name)
    if at > 0 and _WEEKDAY_BEFORE.search(text[:at]):  # "上周五支部大会": a weekday, not 五支部
        return None
    return name
