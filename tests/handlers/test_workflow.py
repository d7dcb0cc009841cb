"""submit / grade / export: each step confirmed, stored per tier, audited, and the next person notified."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.models import AuditLog, ScoreEntry, Submission

from tests.support.committee import P


def _entries(sessions, tier):
    with sessions() as s:
        return {(e.branch_id, e.item_id): e.points for e in s.scalars(select(ScoreEntry).where(ScoreEntry.tier == tier))}


def test_year_end_workflow(chat, sessions, ids, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path))
    chat.say("sec1", "x", P("record", "branch_committee", date=date(2022, 12, 5)))
    # secretary: preview first, nothing stored until confirmed
    r = chat.say("sec1", "提交自评", P("submit"))
    assert "确认" in r.text and "自评" in r.text
    total = r.text.split("自评：", 1)[1].split("分", 1)[0]
    assert _entries(sessions, "self") == {}
    r = chat.say("sec1", "确认")
    assert f"已提交：第一党支部 2022年度自评 {total}分" in r.text and "吴组长" in r.text
    assert len(_entries(sessions, "self")) == 15  # every item of seed 000
    assert chat.sender.sent[-1]["id"] == ids["lead1"] and total in chat.sender.sent[-1]["text"]
    # a "取消" drops a pending confirmation
    chat.say("sec2", "提交自评", P("submit"))
    assert "已取消" in chat.say("sec2", "取消").text
    # group leader grades an item of their group, outside range refused, outside group refused
    r = chat.say("lead1", "给第一党支部 3.3 打6分", P("grade", target="第一党支部", item="3.3", score=6))
    assert "第一党支部 3.3" in r.text and "6分（满分7分）" in r.text
    assert "不在0到7之间" in chat.say("lead1", "x", P("grade", target="第一党支部", item="3.3", score=9)).text
    assert "没有项目" in chat.say("lead1", "x", P("grade", target="第一党支部", item="9.9", score=1)).text
    assert "只能给本协作组" in chat.say("lead1", "x", P("grade", target="第三党支部", item="3.3", score=1)).text
    assert "请按这样发" in chat.say("lead1", "打分", P("grade")).text
    r = chat.say("lead1", "提交", P("submit"))
    assert "还没交自评：第二党支部" in r.text
    r = chat.say("lead1", "确认")
    assert "已提交：第一协作组" in r.text and "钱主任" in r.text
    group = _entries(sessions, "group")
    assert group[(ids["b0"], "3.3")] == 6 and len(group) == 30  # both branches, every item
    assert chat.sender.sent[-1]["id"] == ids["office1"]
    # office: its own score for an item, then the final confirmation notifies secretaries and leaders
    chat.say("office1", "给第一党支部 3.3 打5分", P("grade", target="第一党支部", item="3.3", score=5))
    chat.say("office1", "确认最终得分", P("submit"))
    before = len(chat.sender.sent)
    r = chat.say("office1", "确认")
    assert "已确认：测试综合党委 2022年度最终得分（3个支部）" in r.text
    sent = chat.sender.sent[before:]
    assert {m["id"] for m in sent} == {ids["sec1"], ids["sec2"], ids["sec3"], ids["lead1"], ids["lead2"]}
    assert _entries(sessions, "office")[(ids["b0"], "3.3")] == 5
    with sessions() as s:
        assert sorted(x.tier for x in s.scalars(select(Submission))) == ["group", "office", "self"]
        score_audit = s.scalars(select(AuditLog).where(AuditLog.action == "score", AuditLog.actor_id == ids["lead1"],
                                                       AuditLog.after["item_id"].as_string() == "3.3")).all()
        assert score_audit and score_audit[0].after["points"] == 6
    # exports hand over the files
    r = chat.say("office1", "导出汇总表", P("export"))
    assert len(r.files) == 2 and all(p.exists() and p.suffix == ".xlsx" for p in r.files)
    r = chat.say("lead1", "导出第一党支部自评表", P("export", target="第一党支部"))
    assert len(r.files) == 1 and "第一党支部" in r.files[0].name and "自评表" in r.files[0].name
    r = chat.say("lead1", "导出第二协作组", P("export", target="第二协作组"))
    assert r.files == [] and "只能导出本协作组" in r.text
