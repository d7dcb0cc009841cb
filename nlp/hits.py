"""Keyword hits of one tokenised line: activities (also through a pinyin typo), intent cues, plan/past words,
periods, forms, negation and question words — and the filters that drop an activity named as another one's
content or only owning a thing."""
from __future__ import annotations

from . import lexicon as lx


def longest(tokens: list[str], prefixes: frozenset[str], table: dict) -> list[tuple[int, int, str]]:
    """(first token, end token, word) of each word of `table` found as adjacent tokens, greedy longest first.

    `prefixes` holds every prefix of every word: where a match over several tokens may continue."""
    found: list[tuple[int, int, str]] = []
    i, n = 0, len(tokens)
    while i < n:
        acc = tokens[i]
        if acc not in prefixes:
            i += 1
            continue
        best, best_end = (acc if acc in table else None), i + 1
        j = i + 1
        while j < n and j - i < lx.MAX_JOIN:
            acc += tokens[j]
            if acc not in prefixes:
                break
            j += 1
            if acc in table:
                best, best_end = acc, j
        if best is None:
            i += 1
            continue
        found.append((i, best_end, best))
        i = best_end
    return found


def scan(tokens: list[str], lex: lx.Lexicon) -> list[tuple[int, str, str, str]]:
    """Keyword hits (token index, kind, value, word), greedy longest match over adjacent tokens."""
    words = lex.words
    return [(i, kind, value, word) for i, _, word in longest(tokens, lex.prefixes, words) for kind, value in words[word]]


class Hits:
    """Keyword hits sorted by kind, for the rules below."""

    __slots__ = ("activities", "generic", "cues", "plan", "past", "periods", "forms", "neg", "question", "cue_words",
                 "strong_question", "generic_at", "act_words", "past_at", "typo")

    def __init__(self, hits: list[tuple[int, str, str, str]]) -> None:
        self.activities: list[tuple[int, str]] = []
        self.act_words: dict[int, str] = {}  # token index of an activity hit -> the words it matched
        self.past_at: list[tuple[int, str]] = []
        self.typo = False  # an activity read through a one-character typo (党棵): confirm before storing
        self.generic = self.plan = self.past = self.neg = self.question = self.strong_question = False
        self.cues: dict[str, int] = {}
        self.cue_words: dict[str, str] = {}
        self.generic_at = -1
        self.periods: list[str] = []
        self.forms: list[str] = []
        for index, kind, value, word in hits:
            if kind == lx.ACT:
                self.activities.append((index, value))
                self.act_words[index] = word
            elif kind == lx.CUE:
                self.cues.setdefault(value, index)
                self.cue_words.setdefault(value, word)
            elif kind == lx.GENERIC:
                if not self.generic:
                    self.generic_at = index
                self.generic = True
            elif kind == lx.PLAN:
                self.plan = True
            elif kind == lx.PAST:
                self.past = True
                self.past_at.append((index, word))
            elif kind == lx.PERIOD:
                self.periods.append(value)
            elif kind == lx.FORM:
                self.forms.append(value)
            elif kind == lx.NEG:
                self.neg = True
            elif kind == lx.QUESTION:
                self.question = True
                if word != "呢":  # "还没召开呢" is a statement
                    self.strong_question = True

    def codes(self, after: int = -1) -> tuple[str, ...]:
        seen: list[str] = []
        for index, code in self.activities:
            if index >= after and code not in seen:
                seen.append(code)
        return tuple(seen)


def typo_activities(tokens: list[str], h: Hits, lex: lx.Lexicon) -> None:
    """No activity named: look for one with a character a pinyin keyboard confused (党棵, 党小组回, 廉正教育).

    Over jieba's tokens like the keyword scan (a typo is cut into known pieces: 党小组|回, 廉正|教育), longest first."""
    for i, end, word in longest(tokens, lex.typo_prefixes, lex.typos):
        h.activities.append((i, lex.typos[word]))
        h.act_words[i] = word
        h.typo = True


def shape_activities(text: str, tokens: list[str], h: Hits, lex: lx.Lexicon) -> None:
    """No activity word: an activity said by its shape ("向街道党工委汇报了…", "协作组组织的联合学习活动")."""
    for shape, code in lex.activity_shapes:
        if m := shape.search(text):
            i = token_at(tokens, m.start())
            h.activities.append((i, code))
            h.act_words[i] = m.group()
            h.activities.sort()
            return


def content_filter(text: str, tokens: list[str], h: Hits, lex: lx.Lexicon) -> bool:
    """Drop an activity named as another one's subject matter ("支委会研究下周党课安排": one 支委会); say whether
    every activity named only qualifies a thing ("支委会的记录本", "组织生活会的通知")."""
    first = h.activities[0][1]
    if all(code == first for _, code in h.activities) and not lex.modifier_start.search(text):
        return False  # the common case: one activity, and no word it could own
    starts = [0]
    for token in tokens:
        starts.append(starts[-1] + len(token))
    spans = [(starts[i], starts[i] + len(h.act_words.get(i, "")), i, code) for i, code in h.activities]
    if len({code for *_, code in spans}) > 1:
        kept = [spans[0]]
        for start, end, index, code in spans[1:]:
            before = text[kept[-1][1]:start]
            if lex.embedded_before.search(before) or lex.embedded_after.match(text[end:]):
                continue
            kept.append((start, end, index, code))
        h.activities = [(index, code) for _, _, index, code in kept]
        spans = kept
    return all(lex.modifier_after.match(text[end:]) for _, end, _, _ in spans)


def held_with_activity(tokens: list[str], h: Hits) -> None:
    """"过主题党日" is holding one, not a past marker: 过 right before an activity is not 'past'."""
    if not h.past or any(word != "过" for _, word in h.past_at):
        return
    acts = {index for index, _ in h.activities}
    if all(index + 1 in acts for index, _ in h.past_at):
        h.past = False


# "今天没有党小组会", "本周没党课": the activity itself said not to exist that day — a negation with no verb.
NO_SUCH = frozenset({"没有", "没", "无", "并没有", "也没有", "都没有", "还没有", "没得"})


def no_such_activity(tokens: list[str], h: Hits) -> None:
    """An activity named right after 没有/没 (no verb between) did not happen: mark the line negated."""
    if any(index > 0 and tokens[index - 1] in NO_SUCH for index, _ in h.activities):
        h.neg = True


def token_at(tokens: list[str], position: int) -> int:
    """Index of the first token starting at or after character `position` (tokens cover the text)."""
    offset = 0
    for index, token in enumerate(tokens):
        if offset >= position:
            return index
        offset += len(token)
    return len(tokens)


def codes_after(activities: list[tuple[int, str]], after: int) -> tuple[str, ...]:
    seen: list[str] = []
    for index, code in activities:
        if index >= after and code not in seen:
            seen.append(code)
    return tuple(seen)
