"""The ranking chart as a PNG (matplotlib, Agg backend): for the dashboard and for a group chat.

A CJK font is looked for among the installed ones (Noto CJK, WenQuanYi, Source Han, SimHei, …); without
one the chart is still drawn (names may show as boxes) and `cjk_font()` returns None so callers can say so.
"""
from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path
from typing import IO, Sequence

from scoring.card import ScoreCard

log = logging.getLogger(__name__)

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback", "SimHei", "Microsoft YaHei",
                "PingFang SC", "AR PL UMing CN", "AR PL UKai CN")
GRADE_COLOURS = {"优秀": "#c0392b", "良好": "#e67e22", "合格": "#2e86c1", "一般": "#7f8c8d", "较差": "#7f8c8d",
                 "不合格": "#566573"}


# File names of CJK fonts, for fonts installed after matplotlib cached its font list (see cjk_font).
CJK_FILES = ("notosanscjk", "notoserifcjk", "wqy", "sourcehan", "simhei", "msyh", "droidsansfallback", "pingfang",
             "uming", "ukai")


def _known_cjk(font_manager) -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in installed:
            return fam
    for f in font_manager.fontManager.ttflist:  # any other font that says it is CJK
        if any(w in f.name for w in ("CJK", "Hei", "Song", "Kai", "Ming")):
            return f.name
    return None


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None.

    matplotlib caches the system's font list the first time it runs (~/.cache/matplotlib) and never looks again:
    a CJK font installed afterwards (`apt-get install fonts-noto-cjk` after the first chart) would stay unknown
    and every name a box. So when the cached list has none, the system's font files are searched once and the
    CJK ones added (`FontManager.addfont`)."""
    from matplotlib import font_manager

    found = _known_cjk(font_manager)
    if found is None:
        for path in font_manager.findSystemFonts():
            if any(k in Path(path).name.lower().replace("-", "").replace("_", "") for k in CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a damaged or unsupported font file
                    continue
        found = _known_cjk(font_manager)
    if found is None:
        log.warning("没有找到中文字体：排名图中的中文可能显示为方框（apt-get install fonts-noto-cjk）")
    return found


TITLE_WIDTH = 30  # CJK characters that fit across the 8-inch chart at 13 pt


def title_lines(title: str, width: int = TITLE_WIDTH) -> list[str]:
    """The title over the whole figure (not the bars' axes, which start after the names): a long committee name
    goes on a line of its own, broken at its spaces first, so nothing is cut off at the edge."""
    words, lines = title.split(" "), [""]
    for w in words:
        joined = f"{lines[-1]} {w}".strip()
        if len(joined) <= width or not lines[-1]:
            lines[-1] = joined
        else:
            lines.append(w)
    out = []
    for line in lines:
        out += [line[i:i + width] for i in range(0, len(line), width)] or [""]
    return out


ASSUMED_MARK = "*"
ASSUMED_NOTE = "等次按评分细则的假定分档（原文未规定等次）"


def ranking_chart_png(cards: Sequence[ScoreCard], path: str | Path | IO[bytes], title: str | None = None,
                      ranked: Sequence[tuple[int, ScoreCard]] | None = None, limit: int = 40) -> Path | IO[bytes]:
    """Horizontal bars, best at the top, each labelled with place, total and grade. Writes to a path or a stream."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    if ranked is None:
        from scoring import rank

        ranked = rank(list(cards))
    ranked = list(ranked)[:limit]
    family = cjk_font()
    rc = {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"], "axes.unicode_minus": False}
    n = max(1, len(ranked))
    with plt.rc_context(rc):
        fig = Figure(figsize=(8, 1.2 + 0.38 * n), dpi=110)
        ax = fig.add_subplot(1, 1, 1)
        names = [f"{place}. {card.name}" for place, card in ranked][::-1]
        totals = [card.total for _, card in ranked][::-1]
        colours = [GRADE_COLOURS.get(card.grade, "#2e86c1") for _, card in ranked][::-1]
        bars = ax.barh(range(len(names)), totals, color=colours, height=0.62)
        ax.set_yticks(range(len(names)), names, fontsize=10)
        top = max([100.0] + totals)
        ax.set_xlim(0, top * 1.18)
        for bar, (_, card) in zip(bars, list(ranked)[::-1]):
            ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                    f"{card.total:g} {card.grade}{ASSUMED_MARK if card.grade_assumed else ''}", va="center", fontsize=9)
        assumed = any(card.grade_assumed for _, card in ranked)
        ax.set_xlabel("得分" + (f"　　{ASSUMED_MARK}{ASSUMED_NOTE}" if assumed else ""))
        ax.spines[["top", "right"]].set_visible(False)
        lines = title_lines(title or "党支部得分排名")
        fig.suptitle("\n".join(lines), fontsize=13)
        if not ranked:
            ax.text(0.5, 0.5, "暂无数据", transform=ax.transAxes, ha="center")
        fig.set_size_inches(8, 1.2 + 0.38 * n + 0.24 * (len(lines) - 1))
        fig.tight_layout()  # makes room for the suptitle
        if isinstance(path, (str, Path)):
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    return path


def ranking_chart_bytes(cards: Sequence[ScoreCard], title: str | None = None,
                        ranked: Sequence[tuple[int, ScoreCard]] | None = None) -> bytes:
    """The same chart in memory (the dashboard serves it; the bot pushes it as an image message)."""
    buf = io.BytesIO()
    ranking_chart_png(cards, buf, title, ranked)
    return buf.getvalue()
