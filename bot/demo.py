"""A demo 综合党委 for `make run` and the web chat: 3 collaboration groups, 14 branches, last year's records (its
evaluation closed from February) and this year's up to today.

Deterministic (a seeded random generator), so a demo conversation shows the same numbers each run.
Accounts: demo-sec-N / demo-org-N (secretary / organiser of branch N), demo-lead-N (leader of group N),
demo-office (the office clerk), demo-mem-1 (a member). Each group and the committee have a demo group chat
(PushTarget, platform "web"): reminders and the ranking chart pushed there show in the web chat.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .models import (ROLE_LABELS, ActivityRecord, Award, Branch, Declaration, Group, Incident, Organisation,
                     Person, PushTarget, Season)

ORG_NAME = "中共重庆市工业行业社会组织综合委员会（演示）"
COMMITTEE_CHAT = "综合党委工作群（演示）"
# Demo group chats: platform "web", which no platform client sends to; the local web chat shows what the bot
# pushes to them in the chat of each of the group's people (bot/platforms/web/adapter.py `inbox`). Real chats are
# wecom_robot / dingtalk_robot rows with a webhook (docs/channels.md).
DEMO_CHAT_PLATFORM = "web"
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("第一党建协作组", ("重庆市机械工业协会", "重庆市汽车工业协会", "重庆市电子学会", "重庆市仪器仪表学会",
                 "重庆市机电一体化协会")),
    ("第二党建协作组", ("重庆市化工学会", "重庆市冶金行业协会", "重庆市建材行业协会", "重庆市轻工业协会",
                 "重庆市纺织工业协会")),
    ("第三党建协作组", ("重庆市软件行业协会", "重庆市信息通信行业协会", "重庆市节能协会", "重庆市质量协会")),
)
FUNCTIONAL = {"重庆市机电一体化协会", "重庆市节能协会"}  # 功能型特设党支部
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = ("建国", "志强", "秀英", "丽华", "海燕", "文军", "晓东", "春梅", "国庆", "红霞", "明辉", "玉兰", "德华", "静",
         "伟", "敏", "磊", "洁", "勇", "燕", "军", "艳", "涛", "芳", "斌", "霞", "杰", "娟", "鹏", "婷", "卫东", "桂芳",
         "永刚", "佳", "思远", "雪梅", "宏伟", "小平", "振华", "凤英")
# Topics by kind, each valid on some dates only: nobody studied the 20th Party Congress (16–22 Oct 2022) in
# January 2022, and a 学雷锋 day is in March. (topic, first day, last day, months) — None: no limit.
D = date
TOPICS: dict[str, tuple[tuple[str, date | None, date | None, tuple[int, ...] | None], ...]] = {
    "branch_committee": (
        ("研究制定年度党建工作计划", None, None, (1, 2)), ("研究本月党建工作安排", None, None, None),
        ("研究党员发展和入党积极分子培养工作", None, None, None), ("研究党费收缴和使用情况", None, None, (3, 6, 9, 12)),
        ("研究组织生活会和民主评议党员工作方案", None, None, (11, 12)), ("研究半年工作总结", None, None, (6, 7)),
        ("研究学习宣传贯彻党的二十大精神工作安排", D(2022, 10, 23), None, None),
    ),
    "theme_day": (
        ("重温入党誓词", None, None, None), ("参观红岩革命纪念馆", None, None, None),
        ("“学雷锋”志愿服务进社区", None, None, (3,)), ("“七一”建党纪念主题党日", None, None, (6, 7)),
        ("喜迎党的二十大主题党日", D(2022, 1, 1), D(2022, 10, 15), None),
        ("学习宣传贯彻党的二十大精神主题党日", D(2022, 10, 23), None, None),
        ("会员企业走访服务", None, None, None), ("清明祭英烈", None, None, (4,)),
    ),
    "group_meeting": (
        ("交流学习心得", None, None, None), ("学习《中国共产党支部工作条例（试行）》", None, None, None),
        ("开展批评与自我批评", None, None, (11, 12)), ("交流业务工作中发挥党员作用情况", None, None, None),
        ("交流学习党的二十大报告体会", D(2022, 10, 23), None, None),
    ),
    "member_assembly": (
        ("传达学习上级会议精神", None, None, None), ("通报支部上半年工作", None, None, (6, 7)),
        ("审议支部年度工作总结", None, None, (12,)), ("讨论确定发展对象", None, None, None),
        ("传达学习党的二十大精神", D(2022, 10, 23), None, None),
    ),
    "party_lecture": (
        ("践行初心使命专题党课", None, None, None), ("党史专题党课", None, None, None),
        ("以案说纪警示教育党课", None, None, None), ("学习党的二十大精神专题党课", D(2022, 10, 23), None, None),
        ("学习习近平新时代中国特色社会主义思想专题党课", None, None, None),
    ),
    "study_session": (
        ("学习习近平新时代中国特色社会主义思想", None, None, None), ("学习《中国共产党章程》", None, None, None),
        ("学习“两个确立”的决定性意义", None, None, None), ("学习党的十九届六中全会精神", D(2021, 11, 12), D(2022, 6, 30), None),
        ("学习重庆市第六次党代会精神", D(2022, 5, 31), D(2022, 12, 31), None),
        ("学习习近平总书记“7·26”重要讲话精神", D(2022, 7, 27), D(2022, 10, 15), None),
        ("学习党的二十大报告", D(2022, 10, 23), None, None),
    ),
}
# Who is expected: the committee (支委会), one party group (党小组会), or every member.
COMMITTEE_SIZE = ((15, 3), (10_000, 5))  # fewer than 15 members: a committee of 3, else 5


def topic_for(rng: random.Random, code: str, day: date) -> str | None:
    """A topic of this kind that fits the date (and month), or None for kinds without a pool."""
    fits = [t for t, first, last, months in TOPICS.get(code, ())
            if (first is None or day >= first) and (last is None or day <= last) and (months is None or day.month in months)]
    return rng.choice(fits) if fits else None


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def _reported(d: date) -> datetime:
    """Demo rows were reported on their day at local midnight (Asia/Shanghai, stored UTC): never after 'now', so a
    record the person makes today is the last one reported and "撤销" undoes it, not a demo row (issue 13)."""
    return datetime.combine(d, time(0)) - timedelta(hours=8)


def _day(rng: random.Random, year: int, month: int, today: date, lo: int = 3, hi: int = 26) -> date | None:
    d = date(year, month, rng.randint(lo, hi))
    return d if d <= today else None


def seed_demo_if_empty(sessions: sessionmaker[Session], today: date) -> bool:
    """Create the demo committee when there is no organisation yet; True when it was created."""
    with sessions() as session:
        if session.scalar(select(func.count(Organisation.id))):
            return False
        seed_demo(session, today)
        session.commit()
        return True


def seed_demo(session: Session, today: date) -> Organisation:
    """The demo around `today` (issue 13): last year's records in full and today's year up to today. Last year's
    evaluation is closed by the office on Feb 3 (bot/season.py), so from February the chat answers for this year
    and last year is read-only; in January last year is still under review, as in a real committee."""
    rng = random.Random(20221226)
    year = today.year
    org = Organisation(name=ORG_NAME, rubric_id="seed000", year=year - 1, settings={"demo": True})
    session.add(org)
    session.flush()
    names = iter(_names(rng, 80))
    office = Person(org_id=org.id, name=next(names), role="office", wecom_userid="demo-office",
                    dingtalk_userid="demo-office-dt", phone="023-63899070")
    session.add(office)
    session.add(PushTarget(org_id=org.id, group_id=None, platform=DEMO_CHAT_PLATFORM, name=COMMITTEE_CHAT))
    branch_no = 0
    for g_no, (group_name, branch_names) in enumerate(GROUPS, start=1):
        group = Group(org_id=org.id, name=group_name)
        session.add(group)
        session.flush()
        session.add(PushTarget(org_id=org.id, group_id=group.id, platform=DEMO_CHAT_PLATFORM,
                               name=f"{group_name}群（演示）"))
        session.add(Person(org_id=org.id, name=next(names), role="group_leader", group_id=group.id,
                           wecom_userid=f"demo-lead-{g_no}", dingtalk_userid=f"demo-lead-{g_no}-dt"))
        for assoc in branch_names:
            branch_no += 1
            branch = Branch(org_id=org.id, group_id=group.id, name=f"{assoc}党支部",
                            kind="functional" if assoc in FUNCTIONAL else "formal",
                            founded=date(rng.randint(2008, 2019), rng.randint(1, 12), 1))
            session.add(branch)
            session.flush()
            sec = Person(org_id=org.id, name=next(names), role="secretary", branch_id=branch.id, group_id=group.id,
                         wecom_userid=f"demo-sec-{branch_no}", dingtalk_userid=f"demo-sec-{branch_no}-dt")
            organiser = Person(org_id=org.id, name=next(names), role="organiser", branch_id=branch.id,
                               group_id=group.id, wecom_userid=f"demo-org-{branch_no}",
                               dingtalk_userid=f"demo-org-{branch_no}-dt")
            session.add_all([sec, organiser])
            if branch_no == 1:
                session.add(Person(org_id=org.id, name=next(names), role="member", branch_id=branch.id,
                                   group_id=group.id, wecom_userid="demo-mem-1", dingtalk_userid="demo-mem-1-dt"))
            session.flush()
            members = _history(session, rng, branch, sec, organiser, year - 1, date(year - 1, 12, 31))
            _history(session, rng, branch, sec, organiser, year, today, members=members)
    if today >= date(year, 2, 3):
        session.add(Season(org_id=org.id, year=year - 1, status="closed", changed_by=office.id,
                           changed_at=_reported(date(year, 2, 3))))
    session.flush()
    return org


def _history(session: Session, rng: random.Random, branch: Branch, sec: Person, organiser: Person, year: int,
             today: date, members: int | None = None) -> int:
    """Some months of plausible records: diligent branches hold nearly everything, others skip some. Attendance
    follows the branch's size and the meeting's kind (the committee, a party group, all members); topics fit dates."""
    diligence = rng.uniform(0.55, 0.98)
    members = members or rng.randint(7, 28)  # a branch of 7 or more has a committee (支部工作条例); one size a branch
    committee = next(size for limit, size in COMMITTEE_SIZE if members < limit)
    groups = 1 if members < 12 else 2 if members < 20 else 3
    expected_by_kind = {"branch_committee": committee, "group_meeting": members // groups}
    rows: list[ActivityRecord] = []

    def add(code: str, d: date | None, *, speaker: Person | None = None, role: str | None = None,
            topic: str | None = None) -> None:
        if d is None:
            return
        expected = expected_by_kind.get(code, members)
        away = rng.randint(0, max(1, expected // 6)) if rng.random() < 0.7 else 0
        reporter = sec if rng.random() < 0.7 else organiser
        host = speaker or (sec if code in ("branch_committee", "member_assembly", "org_life_meeting") else None)
        rows.append(ActivityRecord(
            branch_id=branch.id, code=code, date=d, expected=expected, present=expected - away,
            speaker=host.name if host else None, speaker_role=role or ("书记" if host is sec else None),
            topic=topic or topic_for(rng, code, d), reported_by=reporter.id, created_at=_reported(d)))

    for month in range(1, today.month + 1 if today.year == year else 13):
        for code, p in (("branch_committee", diligence), ("theme_day", diligence - 0.05),
                        ("group_meeting", diligence - 0.15)):
            if rng.random() < p:
                add(code, _day(rng, year, month, today))
        if month % 3 == 0 or month == today.month:
            q_start = month - (month - 1) % 3
            for code in ("member_assembly", "party_lecture", "study_session"):
                if rng.random() < diligence and not any(r.code == code and r.date.month >= q_start for r in rows):
                    by_secretary = code == "party_lecture" and rng.random() < 0.5
                    speaker = sec if by_secretary else organiser if code == "party_lecture" else None
                    add(code, _day(rng, year, rng.randint(q_start, month), today), speaker=speaker,
                        role="书记" if by_secretary else "组织委员" if speaker else None)
    if rng.random() < diligence:
        add("integrity_education", _day(rng, year, min(6, today.month) if today.year == year else 6, today),
            topic="警示教育：以案说纪")
    if today >= date(year, 11, 15) and rng.random() < diligence:
        d = today - timedelta(days=rng.randint(1, 20))
        add("org_life_meeting", d, topic=f"{year}年度组织生活会")
        if branch.kind == "formal":
            add("democratic_review", d, topic="民主评议党员")
    if rng.random() < 0.3:
        add("joint_activity", _day(rng, year, min(5, today.month) if today.year == year else 5, today),
            topic="协作组联合主题党日")
    session.add_all(rows)
    if rng.random() < 0.85 and date(year, 2, 20) <= today:  # nothing dated after the demo's today
        session.add(Declaration(branch_id=branch.id, year=year, key="annual_plan", date=date(year, 2, 20),
                                reported_by=sec.id, created_at=_reported(date(year, 2, 20))))
    if today >= date(year, 12, 1) and rng.random() < 0.6:
        session.add(Declaration(branch_id=branch.id, year=year, key="annual_summary", date=min(today, date(year, 12, 20)),
                                reported_by=sec.id, created_at=_reported(min(today, date(year, 12, 20)))))
    if rng.random() < 0.25 and date(year, 9, 1) <= today:
        session.add(Declaration(branch_id=branch.id, year=year, key="star_rating", value=rng.choice(("3A", "4A", "5A")),
                                date=date(year, 9, 1), reported_by=sec.id, created_at=_reported(date(year, 9, 1))))
    if rng.random() < 0.15 and date(year, 7, 1) <= today:
        session.add(Award(branch_id=branch.id, key="commendation", level="municipal", date=date(year, 7, 1),
                          note="重点工作受到市级部门书面表彰", recorded_by=sec.id,
                          created_at=_reported(date(year, 7, 1))))
    if rng.random() < 0.08 and date(year, 6, 30) <= today:
        session.add(Incident(branch_id=branch.id, key="record_book_late", date=date(year, 6, 30), count=1,
                             note="活动记录本填写不及时（演示数据）", created_at=_reported(date(year, 6, 30))))
    return members


def demo_people(sessions: sessionmaker[Session]) -> list[dict]:
    """Everyone the web chat's person picker may act as (office, leaders, secretaries, organisers, members)."""
    order = {"office": 0, "group_leader": 1, "secretary": 2, "organiser": 3, "member": 4}
    with sessions() as session:
        people = session.scalars(select(Person).where(Person.active.is_(True)).order_by(Person.id).limit(300)).all()
        out = [{"account": p.wecom_userid or p.dingtalk_userid or str(p.id), "name": p.name, "role": p.role,
                "role_label": ROLE_LABELS.get(p.role, p.role),
                "branch": p.branch.name if p.branch else None, "group": p.group.name if p.group else None}
               for p in people]
    return [d for _, d in sorted(enumerate(out), key=lambda x: (order.get(x[1]["role"], 9), x[0]))]
