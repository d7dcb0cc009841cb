"""Fields with a shape, read by regex for any intent: a grade (item, score, deduction), the branch or group named,
a ranking's top N, a lecture's speaker and topic, and the declarations of nlp/data/declarations.yaml."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from . import lexicon as lx
from .counts import NUM
from .dates import RELATIVE_DAY_WORDS
from .numbers import to_float, to_int, year_of
from .types import Parsed

_SCORE = re.compile(rf"(?:打|给|评|得|记|计)\s*(?P<s>\d+(?:\.\d+)?|{NUM})\s*分(?!钟|之)")
_DEDUCT = re.compile(rf"扣(?:掉|除|了)?\s*(?P<s>\d+(?:\.\d+)?|{NUM})\s*分(?!钟|之)")
_BARE_SCORE = re.compile(rf"(?<![\d.点])(?P<s>\d+(?:\.\d+)?|{NUM})\s*分(?!钟|之|数|值|项|析|别|享|解)")
_ITEM = re.compile(
    r"(?<![\d.])(?P<i>\d{1,2}(?:\.\d{1,2}){1,2})(?![\d.])(?!\s*分)|第\s*(?P<ci>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[项条]"
    r"|(?<![一二三四五六七八九十])(?P<cm>[一二三四五六七八九])点(?P<cn>[一二三四五六七八九])(?![一二三四五六七八九十]|分)"
)
_TARGET_NUMBERED = re.compile(r"第?[一二三四五六七八九十\d]{1,3}(?:党支部|支部|协作组|党小组|小组)")
_TARGET_NAMED = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{1,12}?(?:党支部|协作组)")
_TARGET_PREFIX = re.compile(
    r"^(?:给|为|对|把|帮我|帮|向|将|请|查一下|查查|查|看看|看一下|看|问一下|问|请问|我们|咱们|我的|我|的|今年|去年|本季度|这个|那个|"
    r"各|所有|全部|每个|全委|提交|确认|导出|下载|打印|生成|发)+"
)
_TOP = re.compile(rf"前\s*(?P<n>\d{{1,3}}|[一二三四五六七八九十百]{{1,3}})\s*(?:名|位|个)?"
                  rf"|(?:最前面|最靠前|排在前面|靠前|排前面)的?\s*(?P<n2>\d{{1,3}}|[一二三四五六七八九十两]{{1,3}})\s*(?:名|位|个)")
# The office closes or reopens an evaluation year: "关闭2022年度考核", "重新打开2022年度考核", "把2022年的考核关了".
_YEAR_WORD = r"(?P<y{n}>\d{{4}}|[〇零一二三四五六七八九]{{4}}|去年|今年|前年)?\s*(?:年度|年的|年)?\s*的?"
_RELATIVE_YEAR = {"前年": -2, "去年": -1, "今年": 0}
_SEASON = re.compile(
    r"(?P<v>关闭|结束|关掉|重新打开|重新开启|重新开放|重开|再打开)\s*" + _YEAR_WORD.format(n=1) + r"(?:年度)?(?:考核|考评|评价|评估)"
    r"|" + _YEAR_WORD.format(n=2) + r"(?:考核|考评|评价|评估)\s*(?P<v2>关闭|结束|关掉|关了|重新打开|重新开启|重开|再打开)"
)
_REOPEN = ("重新打开", "重新开启", "重新开放", "重开", "再打开")
# Everything up to the last of these is not part of a speaker's name ("明天请王书记" -> "王书记").
_SPEAKER_PREFIX = re.compile(
    rf"^.*(?:{RELATIVE_DAY_WORDS}|今天|昨天|前天|明天|后天|今早|今晚|昨晚|上午|下午|晚上|早上|中午|周[一二三四五六日天]|[日号]|由|请|邀请|特邀|"
    r"召开|支委会|党员大会|党课|会上|会后|会议上|是|的|[,，。、\s]"
    r"|(?:周|星期|礼拜)[一二三四五六日天]|礼拜天|礼拜日|科协|党校|大学|学院|组织部|宣传部|统战部"
    r"|[〇零一二两三四五六七八九十百\d]\s*(?:个人|人|名|位))"  # "实到三十二人赵老师讲了党课": a count is no name
)
_COUNT_WORDS = frozenset("名位人个")
_NUMERALS = frozenset("〇零一二两三四五六七八九十百0123456789")
_NOT_A_TARGET = re.compile(r"[我咱在里这那哪们的]")
_TOPIC = re.compile(
    r"(?:主题|题目|内容|议题)\s*(?:是|为|:|：)\s*[“\"《]?(?P<t>[^，,。；;！!？?”\"》\s]+)"
    r"|《(?P<b>[^》]{1,40})》"
    r"|(?P<s>(?:传达学习|学习宣传贯彻|学习贯彻|深入学习|学习|传达)[^，,。；;！!？?\s]{2,24}?(?:精神|讲话|报告|决定|条例|党章|党史)(?:精神)?)"
)
_BOOK = re.compile(r"《(?P<b>[^》]{1,40})》")
_TOPIC_GATE = re.compile(r"主题|题目|内容|议题|《|精神|讲话|报告|决定|条例|党章|党史")


def read_grade(text: str) -> Parsed | None:
    score = deduction = None
    if m := _SCORE.search(text):
        score = to_float(m.group("s"))
    elif m := _DEDUCT.search(text):
        deduction = to_float(m.group("s"))
    elif m := _BARE_SCORE.search(text):  # "第六党支部 2.4项 7分": only with both a branch and an item
        score = to_float(m.group("s"))
    else:
        return None
    target = read_target(text)
    item = None
    if im := _ITEM.search(text):
        if im.group("i"):
            item = im.group("i")
        elif im.group("ci"):
            item = str(to_int(im.group("ci")))
        else:  # "三点三" -> "3.3"
            item = f"{to_int(im.group('cm'))}.{to_int(im.group('cn'))}"
    if target is None and item is None:
        return None
    if m.re is _BARE_SCORE and (target is None or item is None):
        return None
    return Parsed("grade", target=target, item=item, score=score, deduction=deduction)


def read_target(text: str) -> str | None:
    if m := _TARGET_NUMBERED.search(text):
        return m.group()
    if m := _TARGET_NAMED.search(text):
        name = _TARGET_PREFIX.sub("", m.group())
        if (name not in ("党支部", "协作组", "支部", "") and not _NOT_A_TARGET.search(name)
                and not name.startswith(("本", "该"))):  # 本协作组, 该支部: the asker's own, not a name
            return name
    return None


def read_top(text: str) -> int | None:
    m = _TOP.search(text)
    return to_int(m.group("n") or m.group("n2")) if m else None


def read_season(text: str, this_year: int) -> Parsed | None:
    """"关闭2022年度考核" -> season close 2022; "重新打开去年的考核" -> reopen this_year - 1; "重新打开年度考核" ->
    reopen, no year (the handler picks it)."""
    if "考" not in text and "评" not in text:
        return None
    m = _SEASON.search(text)
    if m is None:
        return None
    verb, year = m.group("v") or m.group("v2"), m.group("y1") or m.group("y2")
    number = this_year + _RELATIVE_YEAR[year] if year in _RELATIVE_YEAR else (year_of(year) if year else None)
    return Parsed("season", action="reopen" if verb in _REOPEN else "close", year=number)


def read_speaker(text: str, lex: lx.Lexicon) -> str | None:
    if not lex.speaker_gate.search(text):
        return None
    m = lex.speaker.search(text)
    if m is None:
        return None
    group = "sp" if m.group("sp") else ("sp2" if m.group("sp2") else "sp3")
    name = m.group(group)
    if name[:1] in _COUNT_WORDS and text[m.start(group) - 1:m.start(group)] in _NUMERALS:
        name = name[1:]  # "实到9名王老师": the 名 of the count
    name = _SPEAKER_PREFIX.sub("", name)
    if name == "同志":  # "请纪委的同志做了辅导": names nobody ("书记讲党课" does: the branch's secretary)
        return None
    return name or None


def read_topic(text: str) -> str | None:
    if not _TOPIC_GATE.search(text):
        return None
    m = _TOPIC.search(text)
    if m is None:
        return None
    if m.group("s") and "《" in text and (b := _BOOK.search(text)):  # "学习了《中国共产党章程》": the title
        m = b
    groups = m.groupdict()
    topic = (groups.get("t") or groups.get("b") or groups.get("s") or "").strip()
    return topic or None


def read_declaration(text: str, lex: lx.Lexicon) -> Parsed | None:
    if not lex.declaration_gate.search(text):
        return None
    for rule in lex.declarations:
        if not rule.gate.search(text):
            continue
        m = rule.pattern.search(text)
        if m is None:
            continue
        value: str | None = rule.value
        if rule.group:
            groups = m.groupdict()
            raw = m.group(rule.group) or groups.get(rule.group + "2") or groups.get(rule.group + "3")
            number = to_int(raw) if raw else None
            value = f"{number}{rule.suffix}" if number is not None else None
        elif rule.ratio:
            value = _ratio(m.group(rule.ratio) or "", m.groupdict().get("cn" + rule.ratio))
        elif rule.levels:
            value = next((level for word, level in rule.levels if word in text), None)
        return Parsed("declare", declaration=rule.key, value=value)
    return None


def _ratio(pct: str, cn_pct: str | None) -> str | None:
    try:
        if pct:
            number = Decimal(pct)
        elif cn_pct:
            number = Decimal(str(to_float(cn_pct)))
        else:
            return None
    except (InvalidOperation, TypeError):
        return None
    if not 0 <= number <= 100:
        return None
    return format((number / 100).normalize(), "f")
