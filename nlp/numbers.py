"""Numbers cut out of a message by a rule: digits or Chinese numerals, one span at a time.

cn2an converts only the span a rule has cut out (run on a whole sentence it corrupts 三会一课 and 二十大);
spans repeat a lot (十二, 二十五 …), so conversions are cached.
"""
from __future__ import annotations

from functools import lru_cache

import cn2an

CN_DIGITS = "〇零一二两三四五六七八九"
CN_NUMERAL = "〇零一二两三四五六七八九十廿百"
_DIGIT_OF = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2}
# Financial numerals (拾壹人) and the spoken 仨/俩 (到了仨) read as the common ones before cn2an sees them.
COLLOQUIAL_NUMERALS = "壹贰叁肆伍陆柒捌玖拾佰仨俩"
_PLAIN = str.maketrans(COLLOQUIAL_NUMERALS, "一二三四五六七八九十百三两")


def to_int(span: str) -> int | None:
    """'13' -> 13, '二十五' -> 25, '两' -> 2; None when the span is not a number."""
    if span.isdigit():
        return int(span) if span.isascii() else _unicode_digits(span)
    return _cn_int(span)


def year_of(span: str) -> int | None:
    """A written year: '2022', '22' (-> 2022), '二〇二二' / '二零二二' (digit by digit)."""
    if span.isdigit():
        value = int(span)
        return 2000 + value if len(span) == 2 else value
    if all(c in _DIGIT_OF for c in span):
        value = int("".join(str(_DIGIT_OF[c]) for c in span))
        return 2000 + value if len(span) == 2 else value
    return None


def _unicode_digits(span: str) -> int | None:
    try:
        return int(span)
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _cn_int(span: str) -> int | None:
    try:
        value = cn2an.cn2an(span.translate(_PLAIN), "smart")
    except Exception:  # cn2an raises ValueError and friends on malformed spans
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    return int(value)


@lru_cache(maxsize=1024)
def to_float(span: str) -> float | None:
    """'6' -> 6.0, '2.5' -> 2.5, '六' -> 6.0."""
    try:
        return float(span)
    except ValueError:
        pass
    try:
        return float(cn2an.cn2an(span, "smart"))
    except Exception:
        return None
