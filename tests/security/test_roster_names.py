"""Issue 12, point 6 (roster part): a name with control characters or over 100 characters is refused with its
row named — never stored, never cut short into someone else's name."""
from __future__ import annotations

import csv
from datetime import date

from sqlalchemy import select

from bot.models import Person
from bot.roster import ensure_organisation, import_roster, read_rows

HEADER = ["协作组", "党支部", "姓名", "角色", "企业微信账号"]


def _import(sessions, tmp_path, rows):
    """A CSV: Excel files cannot even hold some of these characters, a CSV can."""
    with open(tmp_path / "名册.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    with sessions() as s:
        report = import_roster(s, ensure_organisation(s, date(2022, 12, 26)), read_rows(tmp_path / "名册.csv"))
        s.commit()
    return report


def test_hostile_names_are_refused_with_their_row(sessions, tmp_path):
    long_name = "张" * 101
    report = _import(sessions, tmp_path, [
        ["第一协作组", "机械协会党支部", "王建国", "书记", "wang"],
        ["第一协作组", "机械协会党支部", "李\n秀英", "党员", "li"],  # a line break inside the name
        ["第一协作组", "机械协会党支部", "赵\u202e某", "党员", "zhao"],  # a right-to-left override
        ["第一协作组", "机械协会党支部", "钱\x07某", "党员", "qian"],  # a bell
        ["第一协作组", "机械协会党支部", long_name, "党员", "sun"],
        ["第一协作组", "机械协会党支部", "张" * 100, "党员", "zhou"],  # exactly 100: fine
        ["第一协作组", "机械\t党支部", "吴某", "党员", "wu"],  # a tab in the branch's name
    ])
    reasons = dict(report.refused)
    assert sorted(reasons) == [3, 4, 5, 6, 8]
    assert all("控制字符" in reasons[n] for n in (3, 4, 5, 8)) and "党支部名称" in reasons[8]
    assert reasons[6] == "姓名超过100个字（101个），请改正后再导入"
    with sessions() as s:
        assert sorted(s.scalars(select(Person.wecom_userid))) == ["wang", "zhou"]
        assert s.scalars(select(Person).where(Person.name.like("张张张%"))).one().name == "张" * 100
