"""The store side of the exports: read branches, score cards and records, call the pure writers.

These are what the CLI (`zhibu export`), the chat `export` intent and the dashboard call. Scores always come
from bot.facts.score_cards (the scoring core), never from here.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import ActivityRecord, Branch, Declaration, Group, Organisation, Person, Submission
from scoring.card import ScoreCard

from .annex1 import write_annex1
from .annex2 import write_annex2
from .filenames import safe_name
from .gaps import gaps_by_month
from .record_book import ActivityRow, write_record_book
from .report import write_report
from .summary import summary_figures, write_summary_outline


def _facts():
    from bot import facts  # imported late: the conversation core may not be importable in every tool

    return facts


def org_of(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise LookupError(f"没有编号为 {org_id} 的组织")
    return org


def rubric_of(org: Organisation):
    return _facts().rubric_for(org.rubric_id)


def ranked_cards(session: Session, org: Organisation, year: int, as_of: date,
                 group_id: int | None = None) -> list[tuple[int, ScoreCard]]:
    from scoring import rank

    return rank(_facts().score_cards(session, org, year, as_of, group_id))


def branch_card(session: Session, branch: Branch, year: int, as_of: date) -> ScoreCard:
    org = org_of(session, branch.org_id)
    cards = _facts().score_cards(session, org, year, as_of, branch_ids=[branch.id])
    if not cards:
        raise LookupError(f"{branch.name} 不在评价范围内（已停用？）")
    return cards[0]


def _person(session: Session, role: str, *, branch_id: int | None = None, group_id: int | None = None) -> Person | None:
    q = select(Person).where(Person.role == role, Person.active.is_(True))
    if branch_id is not None:
        q = q.where(Person.branch_id == branch_id)
    if group_id is not None:
        q = q.where(Person.group_id == group_id)
    return session.scalars(q.order_by(Person.id).limit(1)).first()


def annex1_xlsx(session: Session, branch: Branch, year: int, as_of: date, out_dir: str | Path) -> Path:
    """附件1 自评表 of one branch: `<out_dir>/<year>年<branch>党建工作自评表.xlsx`."""
    org = org_of(session, branch.org_id)
    card = branch_card(session, branch, year, as_of)
    sec = _person(session, "secretary", branch_id=branch.id)
    meta = {"year": year, "branch": branch.name, "filler": sec.name if sec else "", "phone": (sec.phone or "") if sec else ""}
    return write_annex1(rubric_of(org), card, Path(out_dir) / f"{year}年{safe_name(branch.name)}党建工作自评表.xlsx", meta)


def annex2_xlsx(session: Session, org: Organisation, group: Group, year: int, as_of: date, out_dir: str | Path) -> Path:
    """附件2 汇总表 of one group, branches in ranking order: `<out_dir>/<year>年<group>评分结果汇总表.xlsx`."""
    cards = [card for _, card in ranked_cards(session, org, year, as_of, group.id)]
    leader = _person(session, "group_leader", group_id=group.id)
    sub = session.scalars(select(Submission).where(Submission.org_id == org.id, Submission.year == year,
                                                   Submission.tier == "group", Submission.group_id == group.id)).first()
    meta = {"group": group.name, "year": year, "org": org.name,
            "contact": f"{leader.name} {leader.phone or ''}".strip() if leader else "",
            "filled_on": sub.submitted_at.date() if sub else ""}
    return write_annex2(rubric_of(org), cards, Path(out_dir) / f"{year}年{safe_name(group.name)}评分结果汇总表.xlsx", meta)


def activity_rows(session: Session, branch: Branch, year: int) -> list[ActivityRow]:
    from scoring import activity_label

    recs = session.scalars(select(ActivityRecord).where(
        ActivityRecord.branch_id == branch.id, ActivityRecord.deleted_at.is_(None),
        ActivityRecord.date >= date(year, 1, 1), ActivityRecord.date <= date(year, 12, 31))
        .order_by(ActivityRecord.date, ActivityRecord.id))
    rows = []
    for r in recs:
        speaker = f"{r.speaker}（{r.speaker_role}）" if r.speaker and r.speaker_role else (r.speaker or r.speaker_role)
        rows.append(ActivityRow(r.date, r.code, activity_label(r.code), r.expected, r.present, speaker, r.topic,
                                evidence_names(r.evidence)))
    return rows


def month_grid(session: Session, cards: Sequence[ScoreCard], year: int) -> list[tuple[ScoreCard, list]]:
    """The dashboard's branch × month grid: each card's gaps (its own deductions) by month, with the month's
    activity count from the store."""
    from .gaps import month_cells

    ids = [int(c.branch_id) for c in cards]
    days: dict[int, list[date]] = {i: [] for i in ids}
    if ids:
        for bid, day in session.execute(select(ActivityRecord.branch_id, ActivityRecord.date).where(
                ActivityRecord.branch_id.in_(ids), ActivityRecord.deleted_at.is_(None),
                ActivityRecord.date >= date(year, 1, 1), ActivityRecord.date <= date(year, 12, 31))):
            days[bid].append(day)
    return [(c, month_cells(c, days[int(c.branch_id)])) for c in cards]


def evidence_names(evidence: Sequence) -> tuple[str, ...]:
    """佐证 as a clerk reads it: the files' own names, and photos without a name counted ("照片3张")."""
    names, photos, others = [], 0, 0
    for e in evidence:
        name = e.filename or (Path(e.local_file).name if e.local_file and e.kind != "image" else None)
        if name:
            names.append(name)
        elif e.kind == "image":
            photos += 1
        else:
            others += 1
    return tuple(names + ([f"照片{photos}张"] if photos else []) + ([f"文件{others}个"] if others else []))


def record_book_docx(session: Session, branch: Branch, year: int, as_of: date, out_dir: str | Path) -> Path:
    org = org_of(session, branch.org_id)
    group = session.get(Group, branch.group_id) if branch.group_id else None
    card = branch_card(session, branch, year, as_of)
    return write_record_book(branch.name, year, activity_rows(session, branch, year),
                             Path(out_dir) / f"{year}年{safe_name(branch.name)}工作活动记录本.docx",
                             as_of=as_of, group=group.name if group else "", rubric_id=org.rubric_id,
                             gaps=gaps_by_month(card))


def report_docx(session: Session, org: Organisation, year: int, as_of: date, out_dir: str | Path) -> Path:
    """The evaluation report draft: every active branch's final scores, what each declared, the activity counts."""
    cards = _facts().score_cards(session, org, year, as_of)
    groups = session.scalar(select(func.count(Group.id)).where(Group.org_id == org.id)) or 0
    declared: dict[str, set[str]] = {c.branch_id: set() for c in cards}
    for bid, key in session.execute(select(Declaration.branch_id, Declaration.key).join(
            Branch, Branch.id == Declaration.branch_id).where(
            Branch.org_id == org.id, Declaration.year == year, Declaration.deleted_at.is_(None))):
        declared.setdefault(str(bid), set()).add(key)
    counts = dict(session.execute(select(ActivityRecord.code, func.count(ActivityRecord.id)).join(
        Branch, Branch.id == ActivityRecord.branch_id).where(
        Branch.org_id == org.id, Branch.active.is_(True), ActivityRecord.deleted_at.is_(None),
        ActivityRecord.date >= date(year, 1, 1), ActivityRecord.date <= min(as_of, date(year, 12, 31)))
        .group_by(ActivityRecord.code)).all())
    return write_report(rubric_of(org), cards, Path(out_dir) / f"{year}年度{safe_name(org.name)}质效评估报告.docx",
                        meta={"org": org.name, "year": year, "groups": groups, "as_of": as_of, "declared": declared,
                              "activity_counts": counts})


def summary_docx(session: Session, branch: Branch, year: int, as_of: date, out_dir: str | Path) -> Path:
    card = branch_card(session, branch, year, as_of)
    facts = _facts().branch_facts(session, branch, year)
    figures = summary_figures(card, facts.activities)
    return write_summary_outline(branch.name, year, figures,
                                 Path(out_dir) / f"{year}年{safe_name(branch.name)}工作总结提纲.docx")


def chart_png(session: Session, org: Organisation, year: int, as_of: date, path: str | Path,
              group: Group | None = None) -> Path:
    from .chart import ranking_chart_png

    ranked = ranked_cards(session, org, year, as_of, group.id if group else None)
    title = f"{group.name if group else org.name} {year}年度党支部得分排名"
    return ranking_chart_png([c for _, c in ranked], path, title, ranked=ranked)  # type: ignore[return-value]
