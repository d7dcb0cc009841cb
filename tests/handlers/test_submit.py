"""The office's confirmation of the final scores (handlers/submit.py). Issue 13 point 5 leftover: an incident the
office recorded after the self-evaluation (通报批评 of 2022, item 1.1, -3) was dropped from the final score,
because confirming copied the group's score of 1.1 into the office column; now the confirmation applies it, says
so, and annex 1's office column and the score reply agree."""
from __future__ import annotations

from datetime import date

import openpyxl
from bot.exports.annex1 import column_total
from bot.exports.office import annex1_xlsx, branch_card, org_of, rubric_of
from bot.models import Branch
from bot.store import Store


def test_office_confirmation_applies_the_incidents_it_recorded(chat, sessions, ids, tmp_path):
    chat.on(date(2023, 1, 8))
    chat.say("sec1", "提交自评")
    assert chat.say("sec1", "确认").text.startswith("已提交：第一党支部 2022年度自评 68分")
    with sessions() as s:  # recorded after the self-evaluation scored 1.1 (7/7)
        Store(s).add_incident(branch_id=ids["b0"], key="criticized", day=date(2022, 11, 1), count=1, event=None,
                              note="市级通报", recorded_by=ids["office1"])
        s.commit()
    chat.on(date(2023, 1, 15))
    chat.say("lead1", "提交协作组评分")
    chat.say("lead1", "确认")
    before = chat.say("sec1", "我们支部现在多少分").text
    assert before.startswith("第一党支部 2022年度协作组评分 68分（合格），待办公室确认。\n")
    assert "办公室登记的事项未计入协作组评分（以办公室评分为准）：\n· 1.1 政治统领 受到通报批评（11月1日）：市级通报 -3" in before

    chat.on(date(2023, 1, 25))
    chat.say("office1", "提交第一协作组")
    done = chat.say("office1", "确认").text
    assert "办公室登记的事项已计入最终得分：第一党支部 1.1 政治统领 -3" in done
    after = chat.say("sec1", "我们支部现在多少分").text
    assert after.startswith("第一党支部 2022年度最终得分 65分（合格）。\n")
    assert "未计入" not in after

    with sessions() as s:  # annex 1: the office column says the same
        branch = s.get(Branch, ids["b0"])
        card = branch_card(s, branch, 2022, date(2023, 1, 25))
        path = annex1_xlsx(s, branch, 2022, date(2023, 1, 25), tmp_path)
        ws = openpyxl.load_workbook(path).active
        assert ws["F4"].value == 4 and ws["E4"].value == 7  # 1.1: the group's 7, the office's 7 - 3
        assert column_total(rubric_of(org_of(s, branch.org_id)), card, "office", True) == 65


def test_grades_of_assumed_bands_are_marked_wherever_the_chat_prints_them(chat, ids):
    """Seed 000 sets no grades (the rubric assumes the bands: ScoreCard.grade_assumed); the score card said so, the
    self-evaluation preview, the notices of a submission and of the final score and the ranking printed "合格" bare."""
    chat.on(date(2023, 1, 8))
    assert "68分（合格，假定分档）" in chat.say("sec1", "提交自评").text
    chat.say("sec1", "确认")
    assert chat.sender.sent[-1]["id"] == ids["lead1"]
    assert "68分（合格，假定分档）" in chat.sender.sent[-1]["text"]
    ranking = chat.say("lead1", "本组排名").text
    assert "68分 合格（假定分档）" in ranking, ranking
    assert "（合格，假定分档）：" in chat.say("sec1", "我们支部排第几").text
    chat.on(date(2023, 1, 25))
    chat.say("office1", "提交第一协作组")
    chat.say("office1", "确认")
    final = [m["text"] for m in chat.sender.sent if m["id"] == ids["sec1"]]
    assert final and "最终得分：68分（合格，假定分档）" in final[-1], final


def test_an_incident_applied_by_the_confirmation_is_not_said_to_be_left_out(chat, sessions, ids):
    """The group gave 1.3 full marks (6/6) over the computed 4 (no 年度计划); the office then recorded a
    责任制不到位 (-2): confirmed, 1.3 is 6 - 2 = 4 and the score reply does not call the incident 未计入."""
    chat.on(date(2023, 1, 8))
    chat.say("sec1", "提交自评")
    chat.say("sec1", "确认")
    chat.on(date(2023, 1, 15))
    chat.say("lead1", "给第一党支部 1.3 打6分")
    chat.say("lead1", "提交协作组评分")
    chat.say("lead1", "确认")
    with sessions() as s:
        Store(s).add_incident(branch_id=ids["b0"], key="responsibility_lapse", day=date(2022, 12, 1), count=1,
                              event=None, note="", recorded_by=ids["office1"])
        s.commit()
    chat.on(date(2023, 1, 25))
    chat.say("office1", "提交第一协作组")
    assert "第一党支部 1.3 党建工作责任制 -2" in chat.say("office1", "确认").text
    with sessions() as s:
        card = branch_card(s, s.get(Branch, ids["b0"]), 2022, date(2023, 1, 25))
        assert next(it for it in card.items if it.id == "1.3").tiers == {"self": 4, "group": 6, "office": 4}
    after = chat.say("sec1", "我们支部现在多少分").text
    assert after.startswith(f"第一党支部 2022年度最终得分 {card.total:g}分"), after
    assert "未计入" not in after, after
