"""jieba's accurate cut without HMM (`Tokenizer.lcut(text, HMM=False)`), the same words in one tight loop.

`parse` spends about half its time in that one call. jieba builds a DAG dict, then a route dict with `max` over a
generator that takes `log` of every candidate word's frequency, and yields through two generators; this walks
each block once from the end, keeps the route in lists and takes each word's log-probability from a cache (a
pure function of the word for a finished dictionary). Same splitting regexes, same tie-breaking (the longest
word among equally likely ones, as `max` over (probability, end) picks it), so the same tokens:
tests/nlp/test_segment.py compares it with jieba on the labeled corpora.
"""
from __future__ import annotations

from math import log
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jieba

_UNSEEN = object()
_ENGLISH = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")  # jieba's re_eng


class NoHmmCut:
    """`lcut(text)` equal to `tokenizer.lcut(text, HMM=False)`; build it after the last `add_word`."""

    __slots__ = ("_freq", "_logtotal", "_unknown", "_weights", "_han", "_skip")

    def __init__(self, tokenizer: jieba.Tokenizer) -> None:
        import jieba  # imported here: nlp/lexicon.py imports it first, without pkg_resources

        self._han = jieba.re_han_default  # runs of Han, letters, digits and +#&._%-: cut by the dictionary
        self._skip = jieba.re_skip_default  # whitespace between them: kept; anything else one character each
        tokenizer.check_initialized()
        self._freq = tokenizer.FREQ
        self._logtotal = log(tokenizer.total)
        self._unknown = log(1) - self._logtotal  # a character the dictionary has no word for
        self._weights: dict[str, float | None] = {}  # dictionary entry -> log(frequency) - log(total), None for a
        # prefix-only entry; filled as entries are met (bounded by the dictionary), one lookup per fragment after

    def lcut(self, text: str) -> list[str]:
        han, skip = self._han, self._skip
        out: list[str] = []
        for block in han.split(text):
            if not block:
                continue
            if han.match(block):
                self._cut_block(block, out)
            else:
                for part in skip.split(block):
                    if skip.match(part):
                        out.append(part)
                    else:
                        out.extend(part)
        return out

    def _cut_block(self, block: str, out: list[str]) -> None:
        """The most probable path through the block's dictionary words (jieba's get_DAG + calc in one pass)."""
        freq, weights, unknown = self._freq, self._weights, self._unknown
        n = len(block)
        score = [0.0] * (n + 1)
        end = list(range(n))  # route: the last character of the word starting at each position
        for k in range(n - 1, -1, -1):
            best = None
            i = k
            frag = block[k]
            while True:
                w = weights.get(frag, _UNSEEN)
                if w is _UNSEEN:  # first time: a dictionary word (its weight), a prefix only (None), or no entry
                    f = freq.get(frag)
                    if f is None:
                        break
                    w = weights[frag] = log(f) - self._logtotal if f else None
                if w is not None:
                    p = w + score[i + 1]
                    if best is None or p >= best:  # ascending ends: on a tie the longer word wins, as in max()
                        best, end[k] = p, i
                i += 1
                if i >= n:
                    break
                frag = block[k:i + 1]
            score[k] = unknown + score[k + 1] if best is None else best
        x, buf = 0, ""
        while x < n:
            y = end[x] + 1
            word = block[x:y]
            if y - x == 1 and word in _ENGLISH:  # single letters and digits run together, as jieba does
                buf += word
            else:
                if buf:
                    out.append(buf)
                    buf = ""
                out.append(word)
            x = y
        if buf:
            out.append(buf)
