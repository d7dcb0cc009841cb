"""nlp/segment.py cuts exactly as jieba's `Tokenizer.lcut(text, HMM=False)` on the project's tokenizer."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlp import lexicon as lx
from nlp.parser import normalise
from labeled_lines import load

LINES = [row["text"] for path in sorted(Path(__file__).parent.glob("*.yaml")) for row in load(path.name)]
ODD = ["", " ", "a", "ab 12.16 3.3 x1y2", "王-小明#3&4_5%", "党课 \r\n 8人", "😀党课😀", "12月20日开了支委会。。",
       "zuotian开了支委会", "3.3打6分", "ABC党小组会abc"]


@pytest.mark.parametrize("text", ODD)
def test_odd_lines_cut_as_jieba(text: str) -> None:
    lex = lx.lexicon()
    assert lex.cut.lcut(text) == lex.tokenizer.lcut(text, HMM=False)


def test_every_labeled_line_cut_as_jieba() -> None:
    lex = lx.lexicon()
    assert len(LINES) > 1500
    texts = LINES + [normalise(t) for t in LINES] + [t + " ab1" for t in LINES]
    differ = [t for t in texts if lex.cut.lcut(t) != lex.tokenizer.lcut(t, HMM=False)]
    assert differ == []


def test_known_cut() -> None:
    """The dictionary's words, digits apart from their dot, spaces kept (what the keyword scan walks)."""
    assert lx.lexicon().cut.lcut("12.16 党小组会 到会8人") == ["12", ".", "16", " ", "党小组会", " ", "到会", "8", "人"]
