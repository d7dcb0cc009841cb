"""A small organisation in the store, and senders that fail on purpose."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Sequence

from bot.messages import RecordingSender
from bot.models import Branch, Group, Organisation, Person, Plan, PushTarget, Submission


def seed_org(session, *, settings: dict | None = None, webhook: str | None = None) -> dict[str, int]:
    """第一协作组 (2 branches, its own chat) + 第二协作组 (1 branch, no chat) + the committee chat + 2 office people."""
    org = Organisation(name="测试综合党委", year=2022, settings=settings or {})
    session.add(org)
    session.flush()
    g1, g2 = Group(org_id=org.id, name="第一协作组"), Group(org_id=org.id, name="第二协作组")
    session.add_all([g1, g2])
    session.flush()
    b1 = Branch(org_id=org.id, group_id=g1.id, name="机械协会党支部")
    b2 = Branch(org_id=org.id, group_id=g1.id, name="电子协会党支部")
    b3 = Branch(org_id=org.id, group_id=g2.id, name="汽车协会党支部")
    gone = Branch(org_id=org.id, group_id=g1.id, name="已撤销党支部", active=False)
    session.add_all([b1, b2, b3, gone])
    session.flush()
    people = {
        "zhang": Person(org_id=org.id, name="张书记", role="secretary", branch_id=b1.id, wecom_userid="zhang"),
        "zhao": Person(org_id=org.id, name="赵书记", role="secretary", branch_id=b2.id, wecom_userid="zhao"),
        "qian": Person(org_id=org.id, name="钱书记", role="secretary", branch_id=b3.id, wecom_userid="qian"),
        "wang": Person(org_id=org.id, name="王组长", role="group_leader", group_id=g1.id, wecom_userid="wang"),
        "li": Person(org_id=org.id, name="李组长", role="group_leader", group_id=g2.id, wecom_userid="li"),
        "office": Person(org_id=org.id, name="汪庆", role="office", wecom_userid="wangqing"),
        "member": Person(org_id=org.id, name="普通党员", role="member", branch_id=b1.id),
    }
    session.add_all(people.values())
    t1 = PushTarget(org_id=org.id, group_id=g1.id, platform="wecom_robot", name="第一协作组群",
                    webhook_url=webhook and f"{webhook}/cgi-bin/webhook/send?key=g1")
    tc = PushTarget(org_id=org.id, group_id=None, platform="wecom_robot", name="综合党委群",
                    webhook_url=webhook and f"{webhook}/cgi-bin/webhook/send?key=org")
    session.add_all([t1, tc])
    session.commit()
    ids = {"org": org.id, "g1": g1.id, "g2": g2.id, "b1": b1.id, "b2": b2.id, "b3": b3.id, "t1": t1.id, "tc": tc.id}
    ids.update({k: p.id for k, p in people.items()})
    return ids


def submit(session, org_id: int, tier: str, *, branch_id: int | None = None, group_id: int | None = None,
           year: int = 2022) -> None:
    session.add(Submission(org_id=org_id, year=year, tier=tier, branch_id=branch_id, group_id=group_id, total=90))
    session.commit()


def add_plan(session, branch_id: int, code: str, day: date, created_by: int | None) -> int:
    plan = Plan(branch_id=branch_id, code=code, date=day, created_by=created_by)
    session.add(plan)
    session.commit()
    return plan.id


@dataclass
class FlakySender(RecordingSender):
    """Fails every `every`-th call (raises), like an endpoint that drops a third of the calls."""

    every: int = 3
    calls: int = 0
    failures: int = 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.calls % self.every == 0:
            self.failures += 1
            raise ConnectionError("fake endpoint: 502 Bad Gateway")

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *,
                       key: str | None = None, reason: str = "") -> bool:
        self._maybe_fail()
        return super().send_to_person(person_id, text, markdown, key=key, reason=reason)

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *,
                       mentions: Sequence[int] = (), key: str | None = None, reason: str = "") -> bool:
        self._maybe_fail()
        return super().send_to_target(target_id, text, markdown, mentions=mentions, key=key, reason=reason)


@dataclass
class Clock:
    """A frozen UTC clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2022, 12, 1, 1, 0))

    def __call__(self) -> datetime:
        return self.now
