"""Rubric files: every shipped one is valid and cites its seed; a broken copy is refused naming file, item, problem."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scoring import (DEFAULT_RUBRIC, RubricError, RubricNotFound, RubricRuleError, RubricSchemaError, RubricSyntaxError,
                     RubricTotalError, list_rubrics, load_rubric)
from scoring.loader import read_rubric_file

SEED_FILES = {"seed000": "000_d2b2623fdfe84af5", "seed001": "001_d60bb0bc5035fed0", "seed002": "002_7c909e84e9160c76",
              "seed003": "003_fa043e417f07a33c", "seed004": "004_0f0b1f38311e3480"}


def test_shipped_rubrics_list_default_first():
    infos = list_rubrics()
    assert [i.id for i in infos] == ["seed000", "seed001", "seed002", "seed003", "seed004"] and DEFAULT_RUBRIC == "seed000"
    for info in infos:
        r = load_rubric(info.id)
        assert SEED_FILES[info.id] in r.source and r.max_total == 100
        n = info.id[-3:]
        assert all(it.source.startswith(f"seed {n}") for it in r.items)
        assert load_rubric(info.path) is r  # cached per path


def test_seed000_shape():
    r = load_rubric("seed000")
    assert [(s.title, s.max) for s in r.sections] == [("政治建设", 25), ("思想建设", 25), ("组织建设", 25), ("作风和纪律建设", 25)]
    assert len(r.items) == 15 and r.bonus_cap == 10 and [b.cap for b in r.bonus] == [5, 5]
    assert [v.id for v in r.vetoes] == ["V1", "V2", "V3"]
    assert [c.label for c in r.columns] == ["自评", "协作组评分", "综合党委办公室评分"]
    assert len(r.notes) == 3 and r.no_double_deduction


def _broken(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(Path(load_rubric("seed000").path).read_text(encoding="utf-8"))
    edit(data)
    p = tmp_path / "office_copy.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def item(data, iid):
    return next(it for s in data["sections"] for it in s["items"] if it["id"] == iid)


@pytest.mark.parametrize("edit, cls, where, problem", [
    (lambda d: item(d, "1.1")["rules"][0].update(kind="per_week"), RubricRuleError, "项目 1.1 规则1", "未知的规则类型 kind='per_week'"),
    (lambda d: item(d, "2.3")["rules"][0].update(codes=["theme_days"]), RubricRuleError, "项目 2.3 规则1", "未知的活动代码 'theme_days'"),
    (lambda d: item(d, "2.3")["rules"][0].update(per_miss="half"), RubricRuleError, "项目 2.3 规则1", "per_miss 应为数字"),
    (lambda d: item(d, "2.3").update(max=7), RubricTotalError, "二、思想建设", "各项分值之和 26 与本部分分值 25 不符"),
    (lambda d: d.update(total=110), RubricTotalError, None, "各部分分值之和 100 与总分 total 110 不符"),
    (lambda d: item(d, "3.3")["rules"][0].update(period="weekly"), RubricRuleError, "项目 3.3 规则1", "period 应为"),
    (lambda d: item(d, "1.1")["rules"][0].update(keys=["criticised"]), RubricRuleError, "项目 1.1 规则1", "未知的事件键 'criticised'"),
    (lambda d: item(d, "1.1").update(titel="x"), RubricSchemaError, "项目 1.1", "未知字段 titel"),
    (lambda d: item(d, "1.2").update(id="1.1"), RubricSchemaError, "项目 1.1", "项目编号重复"),
    (lambda d: d["bonus"][0]["rules"][0].update(kind="medal"), RubricRuleError, "加分项 B1 规则1", "未知的加分规则类型"),
    (lambda d: d["vetoes"][0]["rules"][0].update(keys=["murder"]), RubricRuleError, "否定项 V1 规则1", "未知的事件键 'murder'"),
    (lambda d: item(d, "1.3")["rules"][1].update(due="02-30"), RubricRuleError, "项目 1.3 规则2", "due 应为"),
    (lambda d: d["grades"][1].pop("assumed"), RubricSchemaError, "等次 第2项", "原文未规定的标明 assumed: true"),
    (lambda d: d["grades"][0].update(assumed="yes"), RubricSchemaError, "等次 第1项", "assumed 应为 true 或 false"),
])
def test_invalid_copy_is_refused_naming_file_item_and_problem(tmp_path, edit, cls, where, problem):
    p = _broken(tmp_path, edit)
    with pytest.raises(cls) as exc:
        read_rubric_file(p)
    err = exc.value
    assert err.file == str(p) and err.item == where and problem in err.problem
    assert str(p) in str(err)


def test_grade_bands_the_seed_does_not_give_are_flagged_assumed():
    """Seed 000, 003 and 004 give no score bands (seed 004 names 优秀/合格, seed 001 优秀/不合格, without thresholds);
    seed 002 gives all four ("90分以上为优秀,80分至89分为良好、70分至79分为一般、69分以下为较差")."""
    flags = {rid: [(g.label, g.assumed) for g in load_rubric(rid).grades] for rid in SEED_FILES}
    assert flags["seed002"] == [("优秀", False), ("良好", False), ("一般", False), ("较差", False)]
    assert all(a for rid in ("seed000", "seed001", "seed003", "seed004") for _, a in flags[rid])
    assert all(g.source.startswith("seed 002") for g in load_rubric("seed002").grades)
    r1 = load_rubric("seed001")  # its veto grade is the seed's: "直接确定为不合格"
    assert r1.grade_assumed("不合格", vetoed=True) is False and r1.grade_assumed("不合格") is True
    assert load_rubric("seed000").grade_assumed("不合格", vetoed=True) is True


def test_the_card_says_whether_its_grade_is_assumed():
    from datetime import date

    from scoring import BranchFacts, score_branch

    empty = BranchFacts(branch_id="x", name="x")
    assert score_branch(load_rubric("seed000"), empty, 2022, date(2022, 6, 30)).grade_assumed is True
    card = score_branch(load_rubric("seed002"), empty, 2022, date(2022, 6, 30))
    assert card.grade_assumed is False and card.grade in {"优秀", "良好", "一般", "较差"}


def test_an_office_copy_with_other_points_scores_differently(tmp_path):
    from datetime import date

    from scoring import Activity, score_branch
    from scoring_builders import SEED000_DECLS, facts, seed000_full_acts

    def edit(d):
        item(d, "2.3")["rules"][0].update(per_miss=1, period="quarter")
        d["id"] = "office2023"
    r = load_rubric(_broken(tmp_path, edit))
    acts = [a for a in seed000_full_acts() if a.code != "theme_day"] + [Activity("theme_day", date(2022, 2, 1))]
    assert score_branch(r, facts(acts, SEED000_DECLS), 2022, date(2022, 12, 31)).item("2.3").points == 3


def test_bad_yaml_and_missing_file(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("id: x\nsections: [\n", encoding="utf-8")
    with pytest.raises(RubricSyntaxError, match="YAML 格式错误"):
        read_rubric_file(p)
    with pytest.raises(RubricNotFound):
        load_rubric("seed999")
    with pytest.raises(RubricError, match="文件不存在"):
        load_rubric(tmp_path / "none.yaml")


def test_facts_round_trip():
    from scoring import facts_from_dict, facts_to_dict

    d = {"name": "甲支部", "kind": "功能型特设党支部", "founded": "2022-07-01",
         "activities": [{"code": "党课", "date": "2022-09-28", "speaker_role": "书记", "hours": 2}],
         "declarations": [{"key": "star_rating", "value": "4A"}],
         "incidents": [{"key": "criticized", "date": "2022-08-01", "event": "E1"}],
         "awards": [{"key": "commendation", "level": "municipal", "date": "2022-10-01"}]}
    f = facts_from_dict(d)
    assert f.kind == "functional" and f.activities[0].code == "party_lecture"
    assert facts_from_dict(facts_to_dict(f)) == f
