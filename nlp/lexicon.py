"""The parser's vocabulary: data files under nlp/data loaded once into a jieba tokenizer and lookup tables.

`lexicon()` builds everything on first use (about 0.8 s, mostly jieba's main dictionary) and keeps it;
`nlp.warm_up()` calls it before a WSGI server forks, so workers share the loaded pages.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from .segment import NoHmmCut


def _import_jieba():
    """jieba, imported without pkg_resources: jieba 0.42 imports it only to find its own data files and opens them
    by path without it; importing pkg_resources costs ~0.2 s of the cold start (and warns of its deprecation).
    Another module that imported pkg_resources already is left as it is."""
    import sys

    if "pkg_resources" in sys.modules or "jieba" in sys.modules:
        import jieba
        return jieba
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` raise ImportError
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]
    return jieba


jieba = _import_jieba()

DATA = Path(__file__).with_name("data")

# Kinds of a keyword hit.
ACT = "act"  # value: activity code
GENERIC = "generic"  # a meeting or activity with no name
CUE = "cue"  # value: intent name
PLAN = "plan"
PAST = "past"
PERIOD = "period"  # value: period key
FORM = "form"  # value: export form key
NEG = "neg"
QUESTION = "q"
NEUTRAL = "neutral"  # a word that only keeps its parts from matching

MAX_JOIN = 5  # a keyword may span this many jieba tokens


@dataclass(frozen=True, slots=True)
class Declaration:
    key: str
    gate: re.Pattern[str]  # one of the rule's gate words must be in the message (cheaper than the pattern)
    pattern: re.Pattern[str]
    value: str | None = None
    group: str | None = None
    suffix: str = ""
    ratio: str | None = None
    levels: tuple[tuple[str, str], ...] = ()  # (word, level), longest words first


@dataclass(frozen=True, slots=True)
class Lexicon:
    tokenizer: jieba.Tokenizer
    cut: NoHmmCut  # tokenizer.lcut(text, HMM=False), twice as fast (nlp/segment.py)
    words: dict[str, tuple[tuple[str, str], ...]]  # surface word -> ((kind, value), ...)
    prefixes: frozenset[str]  # every prefix of every word: where a multi-token match may continue
    declarations: tuple[Declaration, ...]
    declaration_gate: re.Pattern[str]  # any rule's gate word: most lines declare nothing
    speaker: re.Pattern[str]  # groups sp / sp2 / sp3: who gave a lecture (nlp/data/speakers.yaml)
    speaker_gate: re.Pattern[str]  # a title or 主讲: most lines name no speaker
    typos: dict[str, str]  # an activity name with one character a pinyin keyboard confuses -> activity code
    typo_prefixes: frozenset[str]  # every prefix of every typo: where a match over jieba tokens may continue
    embedded_before: re.Pattern[str]  # "研究…", "选举产生…": an activity named after these is content, not a report
    embedded_gate: re.Pattern[str]  # any of the words embedded_before starts with (most lines have none)
    embedded_after: re.Pattern[str]  # "…安排", "…的筹备": an activity named before these is content
    modifier_after: re.Pattern[str]  # "支委会的记录本", "组织生活会的通知": the activity only qualifies a thing
    modifier_start: re.Pattern[str]  # any such thing in the line at all (most lines have none: skip the offsets)
    activity_shapes: tuple[tuple[re.Pattern[str], str], ...]  # (shape, activity code): "向…党工委汇报" …


_LOCK = threading.Lock()
_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The loaded vocabulary (built once per process)."""
    global _LEXICON
    if _LEXICON is None:
        with _LOCK:
            if _LEXICON is None:
                _LEXICON = _build()
    return _LEXICON


def _variants(word: str) -> set[str]:
    if word.isascii():
        return {word, word.lower(), word.upper(), word.capitalize()}
    return {word}


def _keyword_entries(table: dict) -> list[tuple[str, str, str]]:
    """(word, kind, value) for every keyword of keywords.yaml."""
    out: list[tuple[str, str, str]] = []
    for code, words in table["activities"].items():
        out += [(w, ACT, code) for w in words]
    for word, codes in table["groups"].items():
        out += [(word, ACT, code) for code in codes]
    out += [(w, GENERIC, "") for w in table["generic_activity"]]
    for intent, words in table["cues"].items():
        out += [(w, CUE, intent) for w in words]
    out += [(w, PLAN, "") for w in table["plan"]]
    out += [(w, PAST, "") for w in table["past"]]
    for period, words in table["periods"].items():
        out += [(w, PERIOD, period) for w in words]
    for form, words in table["forms"].items():
        out += [(w, FORM, form) for w in words]
    out += [(w, NEG, "") for w in table["negation"]]
    out += [(w, QUESTION, "") for w in table["question"]]
    out += [(w, NEUTRAL, "") for w in table.get("neutral", ())]
    return out


def _any_of(words: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _declarations(rules: list[dict]) -> tuple[Declaration, ...]:
    out = []
    for rule in rules:
        levels = [(word, level) for level, words in (rule.get("levels") or {}).items() for word in words]
        levels.sort(key=lambda wl: -len(wl[0]))
        out.append(Declaration(
            key=rule["key"], gate=_any_of(rule["gate"]), pattern=re.compile(rule["pattern"]), value=rule.get("value"),
            group=rule.get("group"), suffix=rule.get("suffix", ""), ratio=rule.get("ratio"),
            levels=tuple(levels),
        ))
    return tuple(out)


def _alternatives(words: list[str]) -> str:
    """A regex alternation of literal words, longest first; 上 is never the 上 of 上级."""
    special = {"上": "上(?!级)", "讲": "讲(?!话)"}  # 讲话 is a speech, not a lecture given
    return "|".join(special.get(w) or re.escape(w) for w in sorted(words, key=len, reverse=True))


def _speaker(table: dict) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """'<name><title> [lead-ins] <verb>', '主讲人：<name>', '<role><name> <verb>' (and the gate: any title or 主讲)."""
    titles, lead_ins = _alternatives(table["titles"]), _alternatives(table["lead_ins"])
    day = f"(?:{_alternatives(table['days'])})?(?:{_alternatives(table['day_parts'])})?"
    verbs, roles = _alternatives(table["verbs"]), _alternatives(table["roles"])
    pattern = re.compile(
        rf"(?P<sp>[\u4e00-\u9fa5]{{0,6}}?(?:{titles}))(?:同志)?{day}(?:{lead_ins}){{0,2}}(?:{verbs})"
        r"|(?:主讲|讲课|speaker)(?:人|嘉宾)?\s*(?:是|为|:|定了|定为|定的是|换成|改成)?\s*(?P<sp2>[\u4e00-\u9fa5]{2,8}?)(?=[,，。;；\s]|$|讲|同志)"
        rf"|(?P<sp3>(?:{roles})(?:(?![参加了的在和与给为对把是开召组织])[\u4e00-\u9fa5]){{2,3}}?)(?:同志)?{day}(?:{lead_ins}){{0,2}}(?:{verbs})"
    )
    return pattern, _any_of(table["titles"] + ["主讲", "讲课人", "speaker"])


def _typos(table: dict, homophones: dict[str, str], freq: dict[str, int]) -> dict[str, str]:
    """Every activity name with one character swapped for a homophone (党棵, 党小组回, 廉正教育), except variants
    that are words of their own in jieba's dictionary (当日 is not 党日) or that name another activity."""
    names = {w: code for code, words in table["activities"].items() for w in words}
    out: dict[str, str] = {}
    for word, code in names.items():
        if len(word) < 2:
            continue
        for i, char in enumerate(word):
            for other in homophones.get(char, ""):
                variant = word[:i] + other + word[i + 1:]
                if variant in names or freq.get(variant, 0) > 0:
                    continue
                out.setdefault(variant, code)
    return out


def _build() -> Lexicon:
    jieba.setLogLevel(logging.WARNING)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    table = yaml.load((DATA / "keywords.yaml").read_text(encoding="utf-8"), Loader=loader)
    entries = _keyword_entries(table)

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(DATA / "userdict.txt"))
    for word, _kind, _value in entries:
        if len(word) > 1 and not word.isascii() and tokenizer.FREQ.get(word, 0) < 1000:
            tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word, 0), 20000))

    words: dict[str, list[tuple[str, str]]] = {}
    for word, kind, value in entries:
        for variant in _variants(word):
            hits = words.setdefault(variant, [])
            if (kind, value) not in hits:
                hits.append((kind, value))
    prefixes = frozenset(w[:i] for w in words for i in range(1, len(w) + 1))
    rules = yaml.load((DATA / "declarations.yaml").read_text(encoding="utf-8"), Loader=loader)
    speaker, speaker_gate = _speaker(yaml.load((DATA / "speakers.yaml").read_text(encoding="utf-8"), Loader=loader))
    homophones = yaml.load((DATA / "homophones.yaml").read_text(encoding="utf-8"), Loader=loader) or {}
    typos = _typos(table, homophones, tokenizer.FREQ)
    content = table["content"]
    return Lexicon(
        tokenizer=tokenizer,
        cut=NoHmmCut(tokenizer),
        words={w: tuple(h) for w, h in words.items()},
        prefixes=prefixes,
        declarations=_declarations(rules),
        declaration_gate=_any_of([w for rule in rules for w in rule["gate"]]),
        speaker=speaker,
        speaker_gate=speaker_gate,
        typos=typos,
        typo_prefixes=frozenset(t[:i] for t in typos for i in range(1, len(t) + 1)),
        embedded_before=re.compile(f"(?:{_alternatives(content['before'])})[^，,。；;！!？?\\s]{{0,8}}$"),
        embedded_gate=_any_of(content["before"]),
        embedded_after=re.compile(f"^(?:的)?(?:{_alternatives(content['after'])})"),
        modifier_after=re.compile(f"^(?:会?上)?(?:的那个|的这个|那个|这个|的)?(?:{_alternatives(content['modified'])})"),
        modifier_start=_any_of(content["modified"]),
        activity_shapes=tuple((re.compile(rx), code) for code, shapes in table["activity_shapes"].items() for rx in shapes),
    )
