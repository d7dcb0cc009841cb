"""`zhibu export …` through click's runner against a demo committee in a SQLite file."""
from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from bot.cli import main

from .demo import cli_database


@pytest.fixture()
def db(tmp_path, monkeypatch):
    cli_database(tmp_path, monkeypatch)
    return tmp_path


def _run(*args):
    return CliRunner().invoke(main, ["export", "--as-of", "2022-12-26", *args], catch_exceptions=False)


def test_export_all_forms(db):
    out = db / "out"
    r = _run("--out", str(out), "annex2", "--all")
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in out.glob("*.xlsx"))
    assert files == ["2022年第一党建协作组评分结果汇总表.xlsx", "2022年第三党建协作组评分结果汇总表.xlsx",
                     "2022年第二党建协作组评分结果汇总表.xlsx"]
    assert "汇总表" in r.output and "3/3" in r.output  # the progress bar's last state
    r = _run("--out", str(out), "annex1", "--branch", "第2组乙协会")
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(data_only=True, filename=out / "2022年第2组乙协会党支部党建工作自评表.xlsx").active
    assert ws["A2"].value == "2022 年 第2组乙协会党支部党建工作自评表"
    for args in (("record-book", "--all"), ("report",), ("summary", "--branch", "第1组甲协会党支部"), ("chart",)):
        r = _run("--out", str(out), *args)
        assert r.exit_code == 0, r.output
    assert len(list(out.glob("*工作活动记录本.docx"))) == 9
    assert (out / "2022年度工业行业综合党委质效评估报告.docx").is_file()
    assert (out / "2022年工业行业综合党委排名.png").read_bytes()[:4] == b"\x89PNG"


def test_friendly_errors(db):
    r = _run("annex1")
    assert r.exit_code == 2 and "请用 --branch" in r.output
    r = _run("annex1", "--branch", "不存在的支部")
    assert r.exit_code == 1 and "没有找到党支部“不存在的支部”" in r.output and "Traceback" not in r.output


def test_check_summary(tmp_path):
    """The committee's year given: the outline's keywords alone do not pass (tests/exports/test_check_summary.py)."""
    keywords = tmp_path / "s.txt"
    keywords.write_text("学习党的二十大精神；习近平新时代中国特色社会主义思想；三会一课；三服务；依法执业；经费保障；"
                        "存在的问题；2023年工作计划", encoding="utf-8")
    r = CliRunner().invoke(main, ["export", "--year", "2022", "check-summary", str(keywords)])
    assert r.exit_code == 1 and "结论：需修改（8 个方面不合格）" in r.output and r.output.count("✗") == 8
    bad = tmp_path / "b.txt"
    bad.write_text("党的二十大" + "好" * 3000, encoding="utf-8")
    r = CliRunner().invoke(main, ["export", "--year", "2022", "check-summary", str(bad)])
    assert r.exit_code == 1 and "字数：3005（上限 3000），超出上限" in r.output and r.output.count("✗") == 8


def test_the_default_year_is_the_one_under_review(tmp_path, monkeypatch):
    """Issue 13: the demo built on 2026-12-02 closed 2025 (its first evaluation year, `Organisation.year`); the
    default export is 2026's, not 2025's (it read `Organisation.year`), and in January 2027 still 2026's."""
    from datetime import date

    from bot.commands import export_cmd
    from bot.demo import seed_demo

    cli_database(tmp_path, monkeypatch, build=lambda s: (seed_demo(s, date(2026, 12, 2)), s.commit()))
    for today, year in ((date(2026, 12, 2), 2026), (date(2027, 1, 20), 2026)):
        monkeypatch.setattr(export_cmd, "_today", lambda today=today: today)
        out = tmp_path / today.isoformat()
        r = CliRunner().invoke(main, ["export", "--out", str(out), "annex1", "--branch", "重庆市机械工业协会党支部"],
                               catch_exceptions=False)
        assert r.exit_code == 0, r.output
        assert [p.name for p in out.glob("*.xlsx")] == [f"{year}年重庆市机械工业协会党支部党建工作自评表.xlsx"]
    assert export_cmd._committee_year() == 2026


def test_the_default_year_without_a_database_follows_the_default_calendar():
    from datetime import date

    from bot.season import review_year_without_org

    assert [review_year_without_org(d) for d in (date(2027, 1, 19), date(2027, 1, 20), date(2026, 12, 2))] == [
        2026, 2027, 2026]
