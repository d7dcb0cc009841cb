"""`check-summary` as a gate (issue 17, point 4): the eight topics of seed 000 (section 一) each a section of its own
with the branch's own writing, negations flagged for a person, at most 3,000 characters, the committee's year."""
from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from bot.exports.summary import check_summary, read_text, write_summary_outline

from .demo import cli_database

GOOD = """重庆市机械工业协会党支部2022年度工作总结

一、学习宣传贯彻党的二十大精神情况
党的二十大召开后，支部第一时间组织党员收看开幕会直播，随后召开专题学习会三次，书记围绕报告中关于社会组织发展的论述讲专题党课，党员撰写心得体会十二篇。
二、深入学习贯彻习近平新时代中国特色社会主义思想的情况
支部坚持“第一议题”制度，全年集中学习十一次，党员通过“学习强国”平台自学，人均积分较上年提高三成，深刻领悟“两个确立”的决定性意义，自觉做到“两个维护”。
三、健全完善工作制度，严肃党内政治生活，积极开展党组织活动的情况
严格落实“三会一课”制度，全年召开支委会十二次、党员大会四次，每月开展主题党日，修订完善学习、议事和党费管理等六项制度，按时召开组织生活会并开展民主评议。
四、在“三服务”和制造强市建设中发挥作用的情况
组织党员专家走访会员企业四十余家，帮助解决技术改造和融资难题，在成渝地区双城经济圈产业协同对接会上牵线项目五个，党员先锋模范作用明显。
五、引导社会组织依法执业、诚信从业的情况
开展法律法规宣讲两次，引导协会修订章程和会员自律公约，建立会员诚信档案，全年未发生违规收费和投诉事件，协会获评4A级社会组织。
六、落实党建人员、经费和活动阵地的情况
协会为支部配备兼职党务工作者两名，年度党建工作经费列入协会预算并足额保障，改造党员活动室一间，配齐党建书籍和学习设备，活动阵地得到保障。
七、存在的问题及下一步改进措施
一是活动形式还不够丰富，没有形成品牌；二是党建与业务融合不够深入。下一步将开展“支部帮带”，每季度组织一次现场党课，推动党建和业务同部署同检查。
八、2023年工作计划
2023年支部将围绕学习贯彻党的二十大精神这一主线，完善年度学习计划，按月开展主题党日，年内发展入党积极分子两名，争创市级“过硬党支部”。
"""


def _status(result) -> list[str]:
    return [t.status for t in result.topics]


def test_a_good_summary_passes():
    r = check_summary(GOOD, 2022)
    assert r.ok and _status(r) == ["ok"] * 8 and not r.flagged and r.chars < 3000


def test_the_bots_own_blank_outline_fails(tmp_path):
    figures = {"study_session": 3, "party_lecture": 4, "twentieth": 2, "secretary_lectures": 1, "theme_day": 11,
               "branch_committee": 12, "member_assembly": 4, "group_meeting": 10, "org_life_meeting": 1,
               "democratic_review": 1, "activities": 40, "attendance": "85%", "integrity_education": 1, "total": "96",
               "grade": "优秀", "deductions": "扣分项：三会一课扣2分。"}
    path = write_summary_outline("甲协会党支部", 2022, figures, tmp_path / "outline.docx")
    r = check_summary(read_text(path), 2022)
    assert not r.ok and _status(r) == ["thin"] * 8
    assert r.topics[0].detail == "只有提纲的提示或预填的数字，本支部自己的内容 0 字，至少 40 字"


def test_a_list_of_keywords_fails():
    text = "学习党的二十大精神；习近平新时代中国特色社会主义思想；三会一课；三服务；依法执业；经费保障；存在的问题；2023年工作计划"
    r = check_summary(text, 2022)
    assert len(text) < 80 and not r.ok and _status(r) == ["missing"] * 8  # no section at all
    # the same keywords, each under its heading
    heads = "一二三四五六七八"
    listed = "\n".join(f"{heads[i]}、{t.title[2:]}\n{kw}" for i, (t, kw) in enumerate(zip(r.topics, text.split("；"))))
    r = check_summary(listed, 2022)
    assert not r.ok and _status(r) == ["thin"] * 8


def test_negations_are_flagged_for_a_person():
    text = GOOD.replace("党的二十大召开后，支部第一时间组织党员收看开幕会直播，", "今年支部没有学习二十大精神，")
    text = text.replace("年度党建工作经费列入协会预算并足额保障", "支部没有经费，活动靠党员自掏腰包")
    r = check_summary(text, 2022)
    assert not r.ok
    assert _status(r) == ["negated", "ok", "ok", "ok", "ok", "negated", "ok", "ok"]
    assert r.topics[0].detail == "有否定表述“今年支部没有学习二十大精神”，请人工核对"
    assert "没有经费" in r.topics[5].detail
    assert check_summary(GOOD, 2022).topics[6].ok  # 七、problems are written as what is lacking ("没有形成品牌")


def test_over_long_fails():
    text = GOOD.replace("八、2023年工作计划\n", "八、2023年工作计划\n" + "支部将认真落实各项工作。" * 250)
    r = check_summary(text, 2022)
    assert r.too_long and not r.ok and _status(r) == ["ok"] * 8 and r.chars > 3000


def test_one_topic_missing_fails_and_says_which():
    start, end = GOOD.index("五、"), GOOD.index("六、")
    r = check_summary(GOOD[:start] + GOOD[end:], 2022)
    assert not r.ok and _status(r) == ["ok"] * 4 + ["missing"] + ["ok"] * 3
    assert r.topics[4].detail.startswith("没有单列这一部分（应写：教育引导党员群众遵守法律法规")
    merged = GOOD.replace("\n八、2023年工作计划\n", "\n")  # the plan folded into section 七: not a section of its own
    assert _status(check_summary(merged, 2022))[7] == "missing"


def test_the_committees_year_not_the_machines(tmp_path, monkeypatch):
    """On Jan 5 2023 the demo committee reviews 2022 (bot/season.py): 八、 must be the 2023 plan, not the machine's
    year's. --as-of plays that day (it was ignored by check-summary, which then asked for the 2026 plan)."""
    cli_database(tmp_path, monkeypatch)
    path = tmp_path / "s.txt"
    path.write_text(GOOD, encoding="utf-8")
    r = CliRunner().invoke(main, ["export", "--as-of", "2023-01-05", "check-summary", str(path)])
    assert r.exit_code == 0, r.output
    assert "✓ 八、2023年工作计划" in r.output and "结论：符合要求" in r.output
    body5 = GOOD[GOOD.index("开展法律法规宣讲"):GOOD.index("六、")]
    path.write_text(GOOD.replace(body5, "（请结合本支部实际补充具体做法和成效。）\n"), encoding="utf-8")
    r = CliRunner().invoke(main, ["export", "--as-of", "2023-01-05", "check-summary", str(path)])
    assert r.exit_code == 1 and "✗ 五、" in r.output and "结论：需修改（1 个方面不合格）" in r.output
    assert "只有提纲的提示或预填的数字" in r.output
