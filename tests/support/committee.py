"""A small committee (two groups, three branches, every role) and a chat driver over the real conversation core."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.conversation import Conversation
from bot.messages import Inbound, RecordingSender, Reply
from bot.models import Branch, Group, Organisation, Person
from nlp.types import Parsed

ACCOUNTS = {
    # account: (name, role, branch index, group index)
    "sec1": ("王书记", "secretary", 0, 0), "org1": ("李组织", "organiser", 0, 0), "mem1": ("赵党员", "member", 0, 0),
    "sec2": ("孙书记", "secretary", 1, 0), "sec3": ("周书记", "secretary", 2, 1),
    "lead1": ("吴组长", "group_leader", None, 0), "lead2": ("郑组长", "group_leader", None, 1),
    "office1": ("钱主任", "office", None, None),
}
BRANCHES = (("第一党支部", 0), ("第二党支部", 0), ("第三党支部", 1))
GROUPS = ("第一协作组", "第二协作组")


def build_org(sessions, year: int = 2022) -> dict[str, int]:
    """Returns {account: person id} plus 'org', 'b0'.., 'g0'.. ids."""
    ids: dict[str, int] = {}
    with sessions() as s:
        org = Organisation(name="测试综合党委", rubric_id="seed000", year=year)
        s.add(org)
        s.flush()
        groups = [Group(org_id=org.id, name=n) for n in GROUPS]
        s.add_all(groups)
        s.flush()
        branches = [Branch(org_id=org.id, group_id=groups[g].id, name=n, kind="formal", founded=date(2015, 1, 1))
                    for n, g in BRANCHES]
        s.add_all(branches)
        s.flush()
        for account, (name, role, b, g) in ACCOUNTS.items():
            p = Person(org_id=org.id, name=name, role=role, branch_id=branches[b].id if b is not None else None,
                       group_id=groups[g].id if g is not None else None, wecom_userid=account,
                       dingtalk_userid=f"dt-{account}")
            s.add(p)
            s.flush()
            ids[account] = p.id
        ids["org"] = org.id
        ids.update({f"b{i}": b.id for i, b in enumerate(branches)})
        ids.update({f"g{i}": g.id for i, g in enumerate(groups)})
        s.commit()
    return ids


class Chat:
    """Drives Conversation.handle like a channel adapter would; `parsed=` bypasses the parser."""

    def __init__(self, sessions, start: datetime) -> None:
        self.now = start  # UTC aware
        self.sender = RecordingSender()
        self._next: Parsed | None = None
        self._seq = itertools.count(1)
        self.conv = Conversation(sessions, lambda: self.now, self.sender, parser=self._parse)
        self.transcript: list[tuple[str, str, str]] = []

    def _parse(self, text: str, today: date) -> Parsed:
        if self._next is not None:
            p, self._next = self._next, None
            return p
        from nlp import parse

        return parse(text, today)

    def say(self, account: str, text: str = "", parsed: Parsed | None = None, *, kind: str = "text",
            media: dict | None = None, channel: str = "console", dedup: str | None = None) -> Reply:
        self._next = parsed
        reply = self.conv.handle(Inbound(channel=channel, account=account, dedup_key=dedup or f"m{next(self._seq)}",
                                         text=text, kind=kind, media=media))
        self.transcript.append((account, text, reply.text))
        return reply

    def advance(self, **kw: Any) -> None:
        self.now += timedelta(**kw)

    def on(self, day: date, hour: int = 10) -> None:
        """Local (Asia/Shanghai) `hour` on `day`."""
        self.now = datetime(day.year, day.month, day.day, hour - 8, tzinfo=timezone.utc)


def P(intent: str, *codes: str, **kw: Any) -> Parsed:
    return Parsed(intent=intent, activities=tuple(codes), **kw)
