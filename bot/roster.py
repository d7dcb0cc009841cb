"""The roster: who is who (协作组, 党支部, 姓名, 角色, 企业微信账号, 钉钉账号), from .xlsx or .csv.

Idempotent: a person is matched by an account, else by name within their branch (or group, or the
office); importing the same file twice changes nothing, a changed row updates that person. Rows that
cannot be taken are refused with a reason (unknown role, duplicate account, missing branch, a name with
control characters or over 100 characters …).

The file is the whole roster: people it no longer lists are deactivated (`deactivate_missing`), and people
whose branch, group or role changed are reported as moved. A moved or deactivated person's pending question
is dropped at once and their rights follow the new row; their records stay, attributed to them.
"""
from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import ROLE_LABELS, Branch, ConversationState, Group, Organisation, Person
from .accounts import ACCOUNT_COLUMNS
from .store import Store, evaluation_year

HEADERS = {
    "协作组": "group", "党建协作组": "group", "group": "group",
    "党支部": "branch", "支部": "branch", "党支部名称": "branch", "branch": "branch",
    "姓名": "name", "name": "name",
    "角色": "role", "职务": "role", "role": "role",
    "企业微信账号": "wecom_userid", "企业微信": "wecom_userid", "企业微信userid": "wecom_userid", "wecom_userid": "wecom_userid",
    "钉钉账号": "dingtalk_userid", "钉钉": "dingtalk_userid", "钉钉userid": "dingtalk_userid",
    "dingtalk_userid": "dingtalk_userid",
}
ROLE_WORDS = {
    "书记": "secretary", "支部书记": "secretary", "党支部书记": "secretary", "secretary": "secretary",
    "组织委员": "organiser", "organiser": "organiser", "organizer": "organiser",
    "党员": "member", "member": "member",
    "协作组组长": "group_leader", "组长": "group_leader", "协作组副组长": "group_leader", "group_leader": "group_leader",
    "办公室": "office", "综合党委办公室": "office", "office": "office",
}
BRANCH_ROLES = {"secretary", "organiser", "member"}
MAX_NAME = 100  # Person.name's length: a longer name is refused, never cut
CONTROL_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}  # control, format (bidi overrides, zero-width), line/paragraph breaks


@dataclass
class RosterRow:
    line: int
    group: str = ""
    branch: str = ""
    name: str = ""
    role: str = ""
    wecom_userid: str = ""
    dingtalk_userid: str = ""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    groups_created: int = 0
    branches_created: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line in the file, reason)
    moved: list[str] = field(default_factory=list)  # "张伟：机械协会党支部 书记 → 汽车协会党支部 党员"
    deactivated: list[str] = field(default_factory=list)  # "李秀英（机械协会党支部 组织委员）": not in the file

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.refused)


class RosterFormatError(ValueError):
    """The file cannot be read as a roster (wrong type, no header row, a required column missing)."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(path: str | Path) -> list[RosterRow]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise RosterFormatError(f"读不了这个 Excel 文件：{exc}") from exc
        table = [[_cell(c) for c in row] for row in wb.active.iter_rows(values_only=True)]
        wb.close()
    elif suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterFormatError("CSV 文件的编码无法识别（请用 UTF-8 或 GBK）")
        table = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise RosterFormatError("名册请用 .xlsx 或 .csv 文件")
    return rows_from_table(table)


def rows_from_table(table: list[list[str]]) -> list[RosterRow]:
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise RosterFormatError("文件是空的")
    header = [HEADERS.get(h.strip().lower().replace(" ", ""), HEADERS.get(h.strip())) for h in table[start]]
    missing = {"name", "role"} - set(filter(None, header))
    if missing:
        raise RosterFormatError("表头缺少：" + "、".join({"name": "姓名", "role": "角色"}[m] for m in sorted(missing)))
    rows = []
    for n, raw in enumerate(table[start + 1:], start=start + 2):
        if not any(raw):
            continue
        row = RosterRow(line=n)
        for key, value in zip(header, raw):
            if key:
                setattr(row, key, value)
        rows.append(row)
    return rows


def ensure_organisation(session: Session, today: date, name: str = "综合党委") -> Organisation:
    org = Store(session).organisation()
    if org is None:
        org = Organisation(name=name, rubric_id="seed000", year=evaluation_year(today))
        session.add(org)
        session.flush()
    return org


def import_roster(session: Session, org: Organisation, rows: Iterable[RosterRow], *,
                  on_row: Callable[[RosterRow], None] | None = None, actor_id: int | None = None,
                  deactivate_missing: bool = False) -> ImportReport:
    """Apply the rows to the store (the caller commits, or rolls back for a preview). Refused rows change
    nothing. Active people of the organisation the file does not list are reported in `deactivated`, and
    deactivated when `deactivate_missing` (a refused row protects whoever it names)."""
    report = ImportReport()
    store = Store(session)
    groups = {g.name: g for g in store.groups(org.id)}
    branches = {b.name: b for b in session.scalars(select(Branch).where(Branch.org_id == org.id))}
    seen_accounts: dict[tuple[str, str], int] = {}
    listed: set[int] = set()
    refused_names: set[str] = set()
    for row in rows:
        reason = _apply(session, store, org, row, groups, branches, seen_accounts, report, actor_id, listed)
        if reason:
            report.refused.append((row.line, reason))
            refused_names.add(row.name)
        if on_row:
            on_row(row)
    session.flush()
    names = {b.id: b.name for b in branches.values()} | {-g.id: g.name for g in groups.values()}
    for person in session.scalars(select(Person).where(Person.org_id == org.id, Person.active.is_(True))
                                  .order_by(Person.id)):
        if person.id in listed or person.name in refused_names:
            continue
        report.deactivated.append(f"{person.name}（{_where(person, names)}）")
        if deactivate_missing:
            before = _snapshot(person)
            person.active = False
            store.audit(actor_id, "deactivate", "person", person.id, before, _snapshot(person))
            _drop_pending(session, person.id)
    session.flush()
    return report


def _where(p: Person, names: dict[int, str]) -> str:
    place = names.get(p.branch_id) if p.branch_id else names.get(-p.group_id) if p.group_id else None
    return " ".join(x for x in (place, ROLE_LABELS.get(p.role, p.role)) if x)


def _drop_pending(session: Session, person_id: int) -> None:
    """A question the bot asked about the old branch must not be answered for it after a move."""
    session.execute(delete(ConversationState).where(ConversationState.person_id == person_id)
                    .execution_options(synchronize_session=False))


def bad_text(value: str, what: str, limit: int) -> str | None:
    """Why a name cannot be stored as written (None: it can)."""
    if any(unicodedata.category(ch) in CONTROL_CATEGORIES for ch in value):
        return f"{what}含有控制字符（如换行、制表符或不可见字符），请改正后再导入"
    if len(value) > limit:
        return f"{what}超过{limit}个字（{len(value)}个），请改正后再导入"
    return None


def _apply(session: Session, store: Store, org: Organisation, row: RosterRow, groups: dict, branches: dict,
           seen: dict, report: ImportReport, actor_id: int | None, listed: set[int]) -> str | None:
    if not row.name:
        return "缺少姓名"
    for value, what, limit in ((row.name, "姓名", MAX_NAME), (row.branch, "党支部名称", 200), (row.group, "协作组名称", 100)):
        why = bad_text(value, what, limit)
        if why:
            return why
    role = ROLE_WORDS.get(row.role.strip()) or ROLE_WORDS.get(row.role.strip().lower())
    if role is None:
        return f"未知角色“{row.role}”（可用：书记、组织委员、党员、协作组组长、办公室）"
    if role in BRANCH_ROLES and not row.branch:
        return "缺少党支部"
    if role == "group_leader" and not row.group:
        return "缺少协作组"
    for col in ACCOUNT_COLUMNS.values():
        acc = getattr(row, col)
        if acc and (col, acc) in seen:
            return f"账号重复：{acc}（与第{seen[(col, acc)]}行相同）"
    # who this is (by account, else by name where they belong), and whether an account is someone else's
    known_group = groups.get(row.group) if row.group else None
    known_branch = branches.get(row.branch) if (row.branch and role in BRANCH_ROLES) else None
    if row.branch and role in BRANCH_ROLES and known_branch is None:
        person = _match(session, org, row, role, None, known_group, by_name=False)
    else:
        person = _match(session, org, row, role, known_branch, known_group)
    for col in ACCOUNT_COLUMNS.values():
        acc = getattr(row, col)
        if acc:
            owner = session.scalars(select(Person).where(getattr(Person, col) == acc)).first()
            if owner is not None and (person is None or owner.id != person.id):
                return f"账号重复：{acc} 已属于{owner.name}"
    # the group and branch (created when new; a branch named under another group moves there)
    group = known_group
    if row.group and group is None:
        group = Group(org_id=org.id, name=row.group[:100])
        session.add(group)
        session.flush()
        groups[group.name] = group
        report.groups_created += 1
    branch = known_branch
    if row.branch and role in BRANCH_ROLES:
        if branch is None:
            branch = Branch(org_id=org.id, name=row.branch[:200], group_id=group.id if group else None)
            session.add(branch)
            session.flush()
            branches[branch.name] = branch
            report.branches_created += 1
        elif group is not None and branch.group_id != group.id:
            store.audit(actor_id, "import", "branch", branch.id, {"group_id": branch.group_id}, {"group_id": group.id})
            branch.group_id = group.id
        if group is None and branch.group_id is not None:
            group = session.get(Group, branch.group_id)
    want = {"name": row.name[:100], "role": role, "branch_id": branch.id if branch else None,
            "group_id": group.id if group else None, "active": True}
    for col in ACCOUNT_COLUMNS.values():
        if getattr(row, col):
            want[col] = getattr(row, col)[:100]
            seen[(col, getattr(row, col))] = row.line
    if person is None:
        person = Person(org_id=org.id, **want)
        session.add(person)
        session.flush()
        listed.add(person.id)
        store.audit(actor_id, "import", "person", person.id, None, _snapshot(person))
        report.created += 1
        return None
    listed.add(person.id)
    before = _snapshot(person)
    changed = {k: v for k, v in want.items() if getattr(person, k) != v}
    if not changed:
        report.unchanged += 1
        return None
    if {"branch_id", "group_id", "role"} & set(changed) and person.active:
        names = {b.id: b.name for b in branches.values()} | {-g.id: g.name for g in groups.values()}
        old = _where(person, names)
        for k, v in changed.items():
            setattr(person, k, v)
        report.moved.append(f"{person.name}：{old} → {_where(person, names)}")
        _drop_pending(session, person.id)
    else:
        for k, v in changed.items():
            setattr(person, k, v)
    session.flush()
    store.audit(actor_id, "import", "person", person.id, before, _snapshot(person))
    report.updated += 1
    return None


def _match(session: Session, org: Organisation, row: RosterRow, role: str, branch: Branch | None,
           group: Group | None, *, by_name: bool = True) -> Person | None:
    for col in ACCOUNT_COLUMNS.values():
        acc = getattr(row, col)
        if acc:
            person = session.scalars(select(Person).where(getattr(Person, col) == acc)).first()
            if person is not None:
                return person
    if not by_name:
        return None
    q = select(Person).where(Person.org_id == org.id, Person.name == row.name)
    if branch is not None:
        q = q.where(Person.branch_id == branch.id)
    elif role == "group_leader" and group is not None:
        q = q.where(Person.role == "group_leader", Person.group_id == group.id)
    else:
        q = q.where(Person.role == role)
    return session.scalars(q.order_by(Person.id)).first()


def _snapshot(p: Person) -> dict:
    return {"name": p.name, "role": p.role, "branch_id": p.branch_id, "group_id": p.group_id,
            **{col: getattr(p, col) for col in ACCOUNT_COLUMNS.values()}, "active": p.active}
