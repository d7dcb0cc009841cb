"""Hostile content in the office's spreadsheets (issue 12, point 6): a branch, group or person whose name starts
with = + - @ (or a tab / carriage return) is written as text in every .xlsx the product writes — the CLI's and
the dashboard's downloads — never as a live formula; export file names are safe and bounded.

The attack: a secretary's association is registered as `=HYPERLINK("http://x","y")`. The group leader exports
annex 2 and opens it in Excel: before the fix the cell was a formula (a link the clerk clicks, or worse with
DDE payloads). The product's own formulas (the 合计 of annex 1) are fine; user text never becomes one.
"""
from __future__ import annotations

import inspect
import re
import zipfile
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.models import Branch, Group, Organisation, Person
from tests.exports.demo import cli_database

ATTACK = '=HYPERLINK("http://x","y")'
HOSTILE = (ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,1)", "\t=1+1", "\r=1+1")
LONG = "重庆市" + "非常" * 150 + "协会党支部"  # 306 characters, 900+ bytes in UTF-8


def _committee(session) -> Organisation:
    org = Organisation(name="注入测试综合党委", rubric_id="seed000", year=2022)
    session.add(org)
    session.flush()
    group = Group(org_id=org.id, name="@第一协作组")
    session.add(group)
    session.flush()
    session.add(Person(org_id=org.id, name="=组长", role="group_leader", group_id=group.id, phone="-13800000000",
                       wecom_userid="leader"))
    session.add(Person(org_id=org.id, name="办公室", role="office", wecom_userid="office"))
    for i, name in enumerate(HOSTILE + (LONG, "../../etc/passwd", "CON")):
        b = Branch(org_id=org.id, group_id=group.id, name=name)
        session.add(b)
        session.flush()
        session.add(Person(org_id=org.id, name=f"+书记{i}", role="secretary", branch_id=b.id, group_id=group.id,
                           phone="=1+1", wecom_userid=f"sec{i}"))
    session.commit()
    return org


def _live_formulas(path: Path) -> list[str]:
    """The formula texts in every sheet of the file, read from the XML itself (what Excel would evaluate)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                out += re.findall(r"<f>(.*?)</f>", z.read(name).decode("utf-8"))
    return out


def _own(formula: str) -> bool:
    """The product's own totals: SUM / ROUND / MIN / MAX / IF over cell references and numbers, nothing else."""
    return bool(re.fullmatch(r"(?:SUM|ROUND|MIN|MAX|IF|COUNTIF|[A-Z]{1,2}[0-9]+|[0-9.]+|[:,()+\-*/<>=]|&quot;[^&]*&quot;|\s)+",
                             formula))


def _assert_text_only(path: Path, hostile: tuple[str, ...]) -> None:
    """No hostile value is a formula; each one that is in the file is a text cell marked as text (quotePrefix)."""
    for f in _live_formulas(path):
        assert _own(f), (path.name, f)
    wb = openpyxl.load_workbook(path)
    found = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert c.data_type == "s", (path.name, c.coordinate, c.value)
                    assert c.quotePrefix, (path.name, c.coordinate, c.value)
                    found.add(c.value)
    assert found & set(hostile), f"{path.name}: none of the hostile names was written at all"


@pytest.fixture()
def db(tmp_path, monkeypatch):
    return cli_database(tmp_path, monkeypatch, _committee)


def _cli(*args: str):
    return CliRunner().invoke(main, ["export", "--as-of", "2022-12-26", "--jobs", "1", *args], catch_exceptions=False)


def test_cli_annex2_writes_a_hyperlink_branch_name_as_text(db, tmp_path):
    out = tmp_path / "out"
    r = _cli("--out", str(out), "annex2", "--all")
    assert r.exit_code == 0, r.output
    [path] = list(out.glob("*.xlsx"))
    assert _live_formulas(path) == []  # annex 2 has no formula of its own
    ws = openpyxl.load_workbook(path).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == ATTACK)
    assert cell.data_type == "s" and cell.quotePrefix
    _assert_text_only(path, HOSTILE)


def test_cli_annex1_of_every_hostile_branch(db, tmp_path):
    out = tmp_path / "out"
    r = _cli("--out", str(out), "annex1", "--all")
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("*.xlsx"))
    assert len(files) == len(HOSTILE) + 3
    for path in files:
        # the filler and phone lines start with a label; the hostile text is inside but never at the start
        assert all(_own(f) for f in _live_formulas(path)), path.name
        ws = openpyxl.load_workbook(path).active
        assert not [c.coordinate for row in ws.iter_rows() for c in row
                    if c.data_type == "f" and not _own(str(c.value)[1:])]


def test_export_file_names_are_safe_and_bounded(db, tmp_path):
    out = tmp_path / "out"
    r = _cli("--out", str(out), "annex1", "--all")
    assert r.exit_code == 0, r.output
    names = [p.name for p in out.iterdir()]
    assert len(names) == len(HOSTILE) + 3  # every branch got its own file, none overwritten another
    for name in names:
        assert len(name.encode("utf-8")) <= 200, name
        assert not re.search(r'[\x00-\x1f\\/:*?"<>|]', name), name
        assert not name.startswith(("=", "+", "-", "@", ".")), name
    assert all(p.parent == out for p in out.iterdir())  # "../../etc/passwd" stayed inside
    assert not any(n.split(".")[0].upper() == "CON" for n in names)


def test_safe_name_unit():
    from bot.exports.filenames import safe_name

    assert safe_name("重庆市机械工业协会党支部") == "重庆市机械工业协会党支部"
    assert safe_name("重庆市 机械工业协会") == "重庆市_机械工业协会"
    # a name that had to lose characters keeps a short hash of the original: "\t=1+1" and "\r=1+1" stay two files
    assert re.fullmatch(r"etc_passwd_[0-9a-f]{8}", safe_name("../../etc/passwd"))
    assert re.fullmatch(r"HYPERLINK\(_http_x_,_y_\)_[0-9a-f]{8}", safe_name(ATTACK))
    assert safe_name("\t=1+1") != safe_name("\r=1+1")
    assert safe_name("CON") == "_CON" and safe_name("nul.txt") == "_nul.txt"
    assert safe_name("\x00\r\n") == "export"
    assert len(safe_name(LONG).encode()) <= 120 and safe_name(LONG) != safe_name(LONG[:-1] + "甲")  # bounded, still distinct


def test_dashboard_downloads_write_names_as_text(db, tmp_path):
    from bot.app import create_app
    from bot.config import Config
    from bot.security.login_links import office_login_link

    cfg = Config.from_env(env_file=None, database_url=db, demo=False, secret_key="test-secret-" + "x" * 32)
    app = create_app(cfg, clock=lambda: datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc))
    app.config["TESTING"] = True
    with app.extensions["zhibu"].sessions() as s:
        office = s.query(Person).filter_by(role="office").one()
        group = s.query(Group).one()
        branch = s.query(Branch).filter_by(name=ATTACK).one()
        ids = (office.id, group.id, branch.id)
    c = app.test_client()
    if "secret_key" in inspect.signature(office_login_link).parameters:  # before the single-use links of issue 12
        link = office_login_link(app.config["SECRET_KEY"], ids[0])
    else:
        with app.extensions["zhibu"].sessions() as s:
            link = office_login_link(s, ids[0])
            s.commit()
    assert c.get(link).status_code == 302
    r = c.get(f"/office/group/{ids[1]}/annex2.xlsx")
    assert r.status_code == 200
    p = tmp_path / "dl_annex2.xlsx"
    p.write_bytes(r.data)
    assert _live_formulas(p) == []
    _assert_text_only(p, HOSTILE)
    assert not re.search(r"[\r\n]", r.headers["Content-Disposition"])
    r = c.get(f"/office/branch/{ids[2]}/annex1.xlsx")
    assert r.status_code == 200
    p = tmp_path / "dl_annex1.xlsx"
    p.write_bytes(r.data)
    assert all(_own(f) for f in _live_formulas(p))


def test_csv_cells_and_the_workbook_guard():
    from openpyxl import Workbook

    from bot.exports.cells import csv_cell, formula, neutralise

    assert [csv_cell(v) for v in (ATTACK, "-2+3", "重庆", 85.25, "\t=1")] == [f"'{ATTACK}", "'-2+3", "重庆", 85.25, "'\t=1"]
    wb = Workbook()
    ws = wb.active
    ws["A1"] = ATTACK
    formula(ws, 2, 1, "=SUM(B1:B3)", 6)
    assert neutralise(wb) == 1
    assert ws["A1"].data_type == "s" and ws["A2"].data_type == "f"
