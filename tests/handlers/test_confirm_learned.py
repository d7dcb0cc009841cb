"""`zhibu learned list|remove`: the office sees and removes what one organisation taught the bot."""
from __future__ import annotations

from datetime import date, datetime

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.learned import learn, recall
from bot.models import LearnedPhrase

NOW = datetime(2022, 12, 26, 2)
TODAY = date(2022, 12, 26)


def test_the_office_lists_and_removes_learned_phrasings(sessions, ids, db_url, monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", db_url)
    with sessions() as s:
        row = learn(s, ids["org"], "昨天搞了个党建沙龙 来了8人", TODAY, "record", ["study_session"], person_id=ids["sec1"],
                    source="corrected", now=NOW)
        s.commit()
        phrase_id = row.id
    listed = CliRunner().invoke(main, ["learned", "list"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.strip() == (f"{phrase_id}\t〈日〉搞了个党建沙龙来了〈数〉人\t记录：集中学习\tcorrected\t用过0次\t"
                                     "原话：昨天搞了个党建沙龙 来了8人")
    assert CliRunner().invoke(main, ["learned", "remove", str(phrase_id + 100)]).exit_code == 1
    removed = CliRunner().invoke(main, ["learned", "remove", str(phrase_id)])
    assert removed.exit_code == 0 and f"已删除第{phrase_id}条说法" in removed.output
    with sessions() as s:
        assert s.scalars(select(LearnedPhrase)).all() == []
        assert recall(s, ids["org"], "昨天搞了个党建沙龙 来了8人", TODAY) is None
    assert CliRunner().invoke(main, ["learned", "list"]).output.strip() == "还没有学到的说法。"


def test_learning_the_same_phrasing_again_updates_it(sessions, ids):
    with sessions() as s:
        learn(s, ids["org"], "昨天搞了个党建沙龙", TODAY, "record", ["study_session"], person_id=ids["sec1"],
              source="confirmed", now=NOW)
        learn(s, ids["org"], "12月3日搞了个党建沙龙", TODAY, "record", ["theme_day"], person_id=ids["sec1"],
              source="corrected", now=NOW)
        assert learn(s, ids["org"], "随便说说", TODAY, "unknown", [], person_id=None, source="office", now=NOW) is None
        rows = s.scalars(select(LearnedPhrase)).all()
        assert [(r.activities, r.source, r.example) for r in rows] == [(["theme_day"], "corrected", "12月3日搞了个党建沙龙")]
        got = recall(s, ids["org"], "前天搞了个党建沙龙", TODAY)
        assert (got.intent, got.activities, got.date) == ("record", ("theme_day",), date(2022, 12, 24))
