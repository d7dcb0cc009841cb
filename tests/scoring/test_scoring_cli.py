"""`zhibu rubrics …` and `zhibu score …` through click's runner."""
from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main

FACTS = """
name: 测试协会党支部
kind: formal
activities:
  - {code: 支委会, date: 2022-01-10, expected: 5, present: 5}
  - {code: party_lecture, date: 2022-03-28, speaker_role: 书记}
declarations:
  - {key: star_rating, value: 4A}
incidents:
  - {key: criticized, date: 2022-05-01, event: E1}
tiers:
  self: {"1.1": 7}
"""


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_rubrics_list_and_show():
    out = run("rubrics", "list").output
    assert "seed000（默认）" in out and "seed004" in out
    shown = run("rubrics", "show", "seed001")
    assert shown.exit_code == 0 and "书记年度述职测评" in shown.output and "按5分计" in shown.output
    missing = run("rubrics", "show", "seed9")
    assert missing.exit_code == 1 and "没有这个评分细则" in missing.output


def test_rubrics_validate(tmp_path):
    from scoring import load_rubric

    good = run("rubrics", "validate", load_rubric("seed003").path)
    assert good.exit_code == 0 and "有效：seed003" in good.output and "19 项" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(load_rubric("seed000").path, encoding="utf-8").read().replace("per_event: 3}", "per_event: three}"), encoding="utf-8")
    res = run("rubrics", "validate", str(bad))
    assert res.exit_code == 1 and "项目 1.1 规则1" in res.output and "per_event 应为数字" in res.output


def test_score_json_and_text(tmp_path):
    f = tmp_path / "facts.yaml"
    f.write_text(FACTS, encoding="utf-8")
    res = run("score", "--rubric", "seed000", "--year", "2022", "--facts", str(f), "--json")
    card = json.loads(res.output)
    assert len(card["items"]) == 15 and card["items"][0]["points"] == 4 and card["items"][0]["final"] == 7
    assert card["bonus_total"] == 3 and card["as_of"] == "2022-12-31"
    text = run("score", "--year", "2022", "--facts", str(f), "--as-of", "2022-06-30").output
    assert "测试协会党支部" in text and "受到通报批评" in text and "合计" in text and "自评" in text


def test_score_bad_facts_is_a_friendly_error(tmp_path):
    f = tmp_path / "facts.json"
    f.write_text(json.dumps({"name": "x", "activities": [{"code": "board", "date": "2022-01-01"}]}), encoding="utf-8")
    res = run("score", "--year", "2022", "--facts", str(f))
    assert res.exit_code == 1 and "第1条活动：未知的活动代码 'board'" in res.output and "Traceback" not in res.output
    res = run("score", "--year", "2022", "--facts", str(f), "--as-of", "yesterday")
    assert res.exit_code == 1 and "YYYY-MM-DD" in res.output
