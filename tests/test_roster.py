"""Roster import: idempotent, changed rows update, bad rows refused with a reason; the CLI around it."""
from __future__ import annotations

import csv
from datetime import date, datetime

from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.cli import main
from bot.models import ActivityRecord, AuditLog, Branch, ConversationState, Group, Person
from bot.store import Store
from bot.roster import ensure_organisation, import_roster, read_rows

HEADER = ["协作组", "党支部", "姓名", "角色", "企业微信账号", "钉钉账号"]
ROWS = [
    ["第一协作组", "机械协会党支部", "王建国", "书记", "wang", "dt-wang"],
    ["第一协作组", "机械协会党支部", "李秀英", "组织委员", "li", ""],
    ["第一协作组", "汽车协会党支部", "张伟", "党员", "zhang", ""],
    ["第一协作组", "", "刘组长", "协作组组长", "liu", ""],
    ["", "", "陈主任", "办公室", "chen", ""],
    ["第一协作组", "机械协会党支部", "赵某", "宣传委员", "zhao", ""],  # unknown role
    ["第一协作组", "机械协会党支部", "孙某", "党员", "wang", ""],  # duplicate account in the file
    ["第一协作组", "", "周某", "书记", "zhou", ""],  # missing branch
]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _import(sessions, path, *, apply: bool = True, deactivate: bool = False):
    with sessions() as s:
        org = ensure_organisation(s, date(2022, 12, 26))
        report = import_roster(s, org, read_rows(path), deactivate_missing=deactivate)
        s.commit() if apply else s.rollback()
        return report


def test_import_twice_changes_nothing(sessions, tmp_path):
    path = _xlsx(tmp_path / "名册.xlsx", ROWS)
    first = _import(sessions, path)
    assert (first.created, first.updated, first.groups_created, first.branches_created) == (5, 0, 1, 2)
    assert [line for line, _ in first.refused] == [7, 8, 9]
    reasons = dict(first.refused)
    assert "未知角色" in reasons[7] and "账号重复" in reasons[8] and "缺少党支部" in reasons[9]
    with sessions() as s:
        audit_before = s.scalar(select(func.count(AuditLog.id)))
    second = _import(sessions, path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    with sessions() as s:
        assert s.scalar(select(func.count(Person.id))) == 5
        assert s.scalar(select(func.count(AuditLog.id))) == audit_before
        wang = s.scalars(select(Person).where(Person.wecom_userid == "wang")).one()
        assert (wang.role, wang.branch.name, wang.group.name, wang.dingtalk_userid) == (
            "secretary", "机械协会党支部", "第一协作组", "dt-wang")
        assert s.scalars(select(Person).where(Person.wecom_userid == "liu")).one().role == "group_leader"


def test_changed_row_updates_the_person(sessions, tmp_path):
    _import(sessions, _xlsx(tmp_path / "a.xlsx", ROWS[:5]))
    changed = [list(r) for r in ROWS[:5]]
    changed[1][3] = "书记"  # 李秀英 becomes secretary
    changed[2][4] = "zhang-new"  # 张伟 gets a new wecom id (matched by name within the branch)
    changed[2][0] = "第二协作组"  # and the 汽车协会 branch moves to another group
    report = _import(sessions, _xlsx(tmp_path / "b.xlsx", changed))
    assert (report.created, report.updated, report.unchanged) == (0, 2, 3)
    with sessions() as s:
        assert s.scalars(select(Person).where(Person.name == "李秀英")).one().role == "secretary"
        zhang = s.scalars(select(Person).where(Person.name == "张伟")).one()
        assert zhang.wecom_userid == "zhang-new" and zhang.group.name == "第二协作组"
        assert s.scalars(select(Branch).where(Branch.name == "汽车协会党支部")).one().group.name == "第二协作组"
        assert s.scalar(select(func.count(Group.id))) == 2


def test_account_of_someone_else_is_refused(sessions, tmp_path):
    _import(sessions, _xlsx(tmp_path / "a.xlsx", ROWS[:2]))
    # 李秀英 (matched by her wecom id) given 王建国's DingTalk id, in a new branch
    report = _import(sessions, _xlsx(tmp_path / "b.xlsx", [["第一协作组", "新支部", "李秀英", "组织委员", "li", "dt-wang"]]))
    assert report.updated == 0 and "已属于王建国" in report.refused[0][1]
    with sessions() as s:  # a refused row creates no branch either
        assert s.scalars(select(Branch).where(Branch.name == "新支部")).first() is None


def test_csv_with_english_headers_and_cli(tmp_path, monkeypatch):
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["group", "branch", "name", "role", "wecom_userid", "dingtalk_userid"])
        w.writerow(["G1", "B1", "Wang", "secretary", "w1", ""])
        w.writerow(["G1", "B1", "Li", "boss", "l1", ""])
    monkeypatch.setenv("ZHIBU_DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    runner = CliRunner()
    preview = runner.invoke(main, ["roster", "import", str(path)])
    assert preview.exit_code == 0, preview.output
    assert "【预览，未写入】" in preview.output and "将新增1人" in preview.output and "--apply" in preview.output
    result = runner.invoke(main, ["roster", "import", str(path), "--apply"])
    assert result.exit_code == 0, result.output
    assert "新增1人" in result.output and "拒绝1行" in result.output and "未知角色" in result.output
    again = runner.invoke(main, ["roster", "import", str(path), "--apply"])
    assert "新增0人，更新0人，未变1人" in again.output
    bad = runner.invoke(main, ["roster", "import", str(tmp_path / "roster.csv"), "--org-name", "x"])
    assert bad.exit_code == 0
    (tmp_path / "x.txt").write_text("foo,bar\n1,2\n", encoding="utf-8")
    bad = runner.invoke(main, ["roster", "import", str(tmp_path / "x.txt")])
    assert bad.exit_code != 0 and "表头缺少" in bad.output


def test_db_and_incident_commands(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", f"sqlite:///{tmp_path}/z.sqlite3")
    runner = CliRunner()
    assert "已建表" in runner.invoke(main, ["db", "init"]).output
    assert "已升级" in runner.invoke(main, ["db", "upgrade"]).output
    assert "已创建演示组织" in runner.invoke(main, ["db", "demo", "--today", "2022-12-26"]).output
    assert "已有组织" in runner.invoke(main, ["db", "demo"]).output
    r = runner.invoke(main, ["incident", "add", "--branch", "重庆市化工学会党支部", "--key", "通报批评",
                             "--date", "2022-08-01", "--today", "2022-12-26", "--by", "demo-office", "--note", "测试"])
    assert r.exit_code == 0 and "criticized" in r.output, r.output
    assert "重庆市化工学会党支部\tcriticized" in runner.invoke(main, ["incident", "list", "--year", "2022"]).output
    r = runner.invoke(main, ["incident", "add", "--branch", "不存在", "--key", "处分"])
    assert r.exit_code != 0 and "没有找到" in r.output
    r = runner.invoke(main, ["incident", "add", "--branch", "重庆市化工学会党支部", "--key", "处分", "--by", "demo-sec-1"])
    assert r.exit_code != 0 and "不是办公室人员" in r.output


def _people(sessions) -> dict[str, tuple]:
    with sessions() as s:
        return {p.name: (p.active, p.role, p.branch.name if p.branch else None) for p in s.scalars(select(Person))}


def test_reimport_shows_then_applies_moves_and_deactivations_records_stay(sessions, tmp_path):
    """Issue 15, point 6: people left out of a new roster lose their role and rights; a move is shown first."""
    _import(sessions, _xlsx(tmp_path / "a.xlsx", ROWS[:5]), deactivate=True)
    with sessions() as s:
        wang = s.scalars(select(Person).where(Person.name == "王建国")).one()
        zhang = s.scalars(select(Person).where(Person.name == "张伟")).one()
        s.add(ActivityRecord(branch_id=wang.branch_id, code="branch_committee", date=date(2022, 12, 1),
                             reported_by=wang.id))
        s.add(ConversationState(person_id=zhang.id, kind="confirm_plan", payload={"branch_id": zhang.branch_id},
                                expires_at=datetime(2030, 1, 1)))
        s.commit()
        wang_id, zhang_id = wang.id, zhang.id
    new = [list(r) for r in ROWS[1:5]]  # 王建国 is no longer listed
    new[1][1], new[1][3] = "机械协会党支部", "组织委员"  # 张伟 moves to 机械协会 as 组织委员
    before = _people(sessions)

    preview = _import(sessions, _xlsx(tmp_path / "b.xlsx", new), apply=False)
    assert preview.deactivated == ["王建国（机械协会党支部 书记）"]
    assert preview.moved == ["张伟：汽车协会党支部 党员 → 机械协会党支部 组织委员"]
    assert _people(sessions) == before  # a preview writes nothing

    report = _import(sessions, _xlsx(tmp_path / "b.xlsx", new), deactivate=True)
    assert (report.deactivated, report.moved, report.updated) == (preview.deactivated, preview.moved, 1)
    after = _people(sessions)
    assert after["王建国"] == (False, "secretary", "机械协会党支部")
    assert after["张伟"] == (True, "organiser", "机械协会党支部")
    with sessions() as s:
        store = Store(s)
        assert store.person_by_account("wecom", "wang") is None  # no rights left
        assert store.person_by_account("wecom", "zhang").branch.name == "机械协会党支部"
        assert s.scalars(select(ConversationState).where(ConversationState.person_id == zhang_id)).first() is None
        rec = s.scalars(select(ActivityRecord)).one()  # the record stays, attributed to who reported it
        assert rec.reported_by == wang_id
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "deactivate")).one()
        assert (audit.entity_id, audit.before["active"], audit.after["active"]) == (wang_id, True, False)
    again = _import(sessions, _xlsx(tmp_path / "b.xlsx", new), deactivate=True)
    assert (again.deactivated, again.moved, again.updated) == ([], [], 0)


def test_cli_preview_then_apply_deactivates(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    runner = CliRunner()
    assert runner.invoke(main, ["roster", "import", str(_xlsx(tmp_path / "a.xlsx", ROWS[:5])), "--apply"]).exit_code == 0
    shorter = _xlsx(tmp_path / "b.xlsx", ROWS[1:5])
    out = runner.invoke(main, ["roster", "import", str(shorter)]).output
    assert "将停用1人" in out and "王建国（机械协会党支部 书记）" in out
    out = runner.invoke(main, ["roster", "import", str(shorter)]).output
    assert "将停用1人" in out  # the preview changed nothing
    out = runner.invoke(main, ["roster", "import", str(shorter), "--apply"]).output
    assert "停用1人" in out and "将停用" not in out
    assert "停用0人" in runner.invoke(main, ["roster", "import", str(shorter)]).output
