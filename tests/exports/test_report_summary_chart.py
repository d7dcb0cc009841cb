"""The report draft, the summary outline and check, and the ranking chart, read back."""
from __future__ import annotations

import pytest

from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from docx import Document

from bot.exports.chart import cjk_font, ranking_chart_bytes, ranking_chart_png
from bot.exports.report import common_deductions, grade_counts
from bot.exports.summary import count_chars, read_text, summary_figures, write_summary_outline

from .factories import card_for, seed000_like


def _cards(year=2022, shift=0):
    r = seed000_like()
    return r, [
        card_for(r, "甲协会党支部", off={"三.3": 2, "二.3": 1}, year=year, branch_id="1"),
        card_for(r, "乙协会党支部", off={"三.3": 1 + shift}, year=year, branch_id="2"),
        card_for(r, "丙协会党支部", off={"三.3": 12, "一.3": 4, "二.2": 2}, year=year, branch_id="3", grade="良好"),
        card_for(r, "丁协会党支部", veto="V1", year=year, branch_id="4"),
        card_for(r, "戊协会党支部", off={"一.3": 2}, year=year, branch_id="5"),
    ]


def test_grade_counts_and_common_deductions():
    r, cards = _cards()
    counts = {g.grade: (g.n, g.share) for g in grade_counts(r, cards)}
    assert counts == {"优秀": (3, 0.6), "良好": (1, 0.2), "合格": (0, 0.0), "不合格": (1, 0.2)}
    common = common_deductions(cards)
    assert [(d.item_id, d.branches, d.points) for d in common[:2]] == [("三.3", 3, 10.0), ("一.3", 2, 6.0)]
    assert common[0].rules[0] == ("“三会一课”制度执行不到位，少一次扣0.5分。", 3)
    assert common[0].share == 0.6


def test_summary_outline_prefilled_with_figures(tmp_path):
    r, cards = _cards()
    acts = [SimpleNamespace(code="branch_committee", date=date(2022, m, 5), expected=5, present=4, topic=None,
                            speaker_role=None) for m in range(1, 13)]
    acts.append(SimpleNamespace(code="party_lecture", date=date(2022, 11, 2), expected=10, present=10,
                                topic="学习宣传贯彻党的二十大精神", speaker_role="书记"))
    assert summary_figures(cards[0], acts)["grade"] == "优秀"  # a band the seed gives
    figures = summary_figures(replace(cards[0], grade_assumed=True), acts)  # seed 000 gives none
    assert figures["branch_committee"] == 12 and figures["twentieth"] == 1 and figures["secretary_lectures"] == 1
    assert figures["attendance"] == "82.9%"  # (12*4 + 10) / (12*5 + 10)
    doc = Document(write_summary_outline("甲协会", 2022, figures, tmp_path / "s.docx"))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "甲协会党支部2022年度工作总结（提纲）"
    heads = [t for t in texts if t[:2] in {f"{n}、" for n in "一二三四五六七八"}]
    assert len(heads) == 8 and heads[-1] == "八、2023年工作计划"
    # a heading never ends a page alone; a plan is asked for as a plan, not for 做法和成效
    assert all(p.paragraph_format.keep_with_next for p in doc.paragraphs if p.text in heads)
    assert texts[-1] == "（请写明2023年的主要工作安排、措施和时间节点。）"
    joined = "\n".join(texts)
    assert "全年召开支委会 12 次" in joined and "党员平均出席率 82.9%" in joined
    assert "其中主题涉及党的二十大精神的活动 1 次" in joined
    assert "当前得分 97 分（优秀，按假定分档）。扣分项：思想建设3扣1分；组织建设3扣2分。" in joined


def test_check_summary_reads_gb18030_text(tmp_path):
    p = tmp_path / "s.txt"
    p.write_bytes("一、学习宣传贯彻党的二十大精神情况\n支部组织学习。".encode("gb18030"))
    assert read_text(p).startswith("一、学习宣传贯彻党的二十大精神情况")
    assert count_chars("一 二\n三") == 3


def test_ranking_chart_png(tmp_path):
    r, cards = _cards()
    path = ranking_chart_png(cards, tmp_path / "c.png", "第一协作组")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert ranking_chart_bytes(cards)[:4] == b"\x89PNG"
    from matplotlib import font_manager

    from bot.exports.chart import CJK_FILES

    has_cjk_file = any(k in Path(f).name.lower().replace("-", "").replace("_", "") for f in font_manager.findSystemFonts()
                       for k in CJK_FILES)
    assert (cjk_font() is not None) == has_cjk_file  # a CJK font on the machine is always the one used


def test_assumed_grades_are_starred_and_the_note_says_why(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from bot.exports.chart import ASSUMED_NOTE

    r, cards = _cards()
    seen: dict[str, list[str]] = {}
    real = Figure.savefig

    def spy(fig, *args, **kwargs):
        ax = fig.axes[0]
        seen.setdefault("labels", []).extend(t.get_text() for t in ax.texts)
        seen.setdefault("xlabel", []).append(ax.get_xlabel())
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    ranking_chart_png([replace(c, grade_assumed=c.grade != "良好") for c in cards], tmp_path / "a.png", "第一协作组")
    assert len(seen["labels"]) == 5 and all(t.endswith("*") == (not t.endswith("良好")) for t in seen["labels"])
    assert seen["xlabel"] == [f"得分　　*{ASSUMED_NOTE}"]
    seen.clear()
    ranking_chart_png(cards, tmp_path / "b.png", "第一协作组")
    assert not any(t.endswith("*") for t in seen["labels"]) and seen["xlabel"] == ["得分"]


def test_a_cjk_font_installed_after_matplotlib_cached_its_font_list_is_found(monkeypatch):
    """A stale ~/.cache/matplotlib font list without CJK fonts must not leave every name a box."""
    from matplotlib import font_manager

    from bot.exports import chart

    if not any(k in p.lower().replace("-", "") for p in font_manager.findSystemFonts() for k in chart.CJK_FILES):
        pytest.skip("no CJK font file on this machine (apt-get install fonts-noto-cjk)")
    stale = [f for f in font_manager.fontManager.ttflist if not any(
        w in f.name for w in ("CJK", "Hei", "Song", "Kai", "Ming", "WenQuanYi", "Source Han"))]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    chart.cjk_font.cache_clear()
    try:
        assert chart.cjk_font() in chart.CJK_FAMILIES
    finally:
        chart.cjk_font.cache_clear()


def test_a_long_committee_title_stays_inside_the_chart(tmp_path):
    """The committee's chart title ("中共重庆市…综合委员会（演示） 2022年度党支部得分排名") was cut off at the edges."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from bot.exports import chart

    r, cards = _cards()
    title = "中共重庆市工业行业社会组织综合委员会（演示） 2022年度党支部得分排名"
    assert chart.title_lines(title) == ["中共重庆市工业行业社会组织综合委员会（演示）", "2022年度党支部得分排名"]
    seen = {}
    real_savefig = Figure.savefig

    def spy(fig, *args, **kwargs):
        real_savefig(fig, *args, **kwargs)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
        seen["title"] = fig._suptitle.get_window_extent(renderer)
        seen["figure"] = fig.bbox

    matplotlib.figure.Figure.savefig = spy
    try:
        chart.ranking_chart_png(cards, tmp_path / "c.png", title)
    finally:
        matplotlib.figure.Figure.savefig = real_savefig
    t, f = seen["title"], seen["figure"]
    assert f.x0 <= t.x0 and t.x1 <= f.x1 and t.y1 <= f.y1
