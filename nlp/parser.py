"""`parse(text, today) -> Parsed`: what a secretary's chat line means.

One pass of jieba (our own tokenizer with the project's user dictionary, no HMM) cuts the line into
words; a greedy longest match over adjacent tokens turns them into keyword hits (activities, intent cues,
periods …, from nlp/data/keywords.yaml); precompiled regexes read what has a shape (dates, counts, scores,
declarations). The intent is then decided by a fixed order of rules, the first that applies wins.
It never invents a record: a negated, vague or future activity is not a `record`.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from . import lexicon as lx
from .counts import NUM, find_counts
from .dates import FUTURE, PAST, RELATIVE_DAY_WORDS, DateHit, best_date, find_dates
from .numbers import to_float, to_int
from .types import Parsed

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_BYTES = 2048

# Full-width ASCII -> half-width, ideographic space -> space, zero-width characters dropped.
_NORMALISE = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {
    0x3000: " ", 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x2060: None,
    ord("\n"): " ", ord("\r"): " ", ord("\t"): " ", 0x3002: "。",
}
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
# Letters of scripts a Chinese secretary does not write in: a message in them is not for us.
_FOREIGN = re.compile(
    r"[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0700-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1100-\u11ff"
    r"\u3040-\u30ff\u3130-\u318f\uac00-\ud7af]"
)
# Question words after the question marks (one list for both patterns below).
# (A不A / A没A — "开不开", "进没进" — is `_A_NOT_A` below, tried only when the line has 不 or 没.)
_QUESTION_WORDS = (
    r"了没|没有$|有没有|是不是|是否|多少|几|什么|啥|哪|谁|多久|多长|怎么|怎样|如何|咋|对吧|是吧|对不对|对不|"
    r"(?<![也都还并决就绝从])不[?？。.!！~\s]*$"
)
_QUESTION_MARK = re.compile(r"[?？吗呢么]|" + _QUESTION_WORDS)
# Asking even though the line says 了 ("党小组会够了没", "主题党日搞了没有", "民主评议搞了吗"): the question is at the end.
_TAIL_QUESTION = re.compile(r"(?:了没有?|了吗|了么|没有|[吗么])[?？!！。.~\s]*$")
# How often an activity is due ("党小组会每个月都得开吧"): a progress question, never a record or plan.
_HOW_OFTEN = re.compile(r"每(?:个)?(?:月|季度|季|年|周|星期|半年)(?:都|至少)?(?:得|要|需要|应该|必须|应当)")
# Asking whether something is so, wherever it stands: "你说支委会算不算开过了", "这次是不是开过了".
_A_NOT_A = re.compile(r"(?P<qc>[\u4e00-\u9fa5])[不没](?P=qc)|是不是|是否|对不对")
# A question word other than a sentence-final 呢 ("组织生活会还没召开呢" is a statement).
_STRONG_QUESTION = re.compile(r"[?？吗么]|" + _QUESTION_WORDS)

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
_TOP = re.compile(rf"前\s*(?P<n>\d{{1,3}}|[一二三四五六七八九十百]{{1,3}})\s*(?:名|位|个)?")
# Everything up to the last of these is not part of a speaker's name ("明天请王书记" -> "王书记").
_SPEAKER_PREFIX = re.compile(
    rf"^.*(?:{RELATIVE_DAY_WORDS}|今天|昨天|前天|明天|后天|今早|今晚|昨晚|上午|下午|晚上|早上|中午|周[一二三四五六日天]|[日号]|由|请|邀请|特邀|"
    r"召开|支委会|党员大会|党课|会上|会后|会议上|是|的|[,，。、\s])"
)
_NEGATION = re.compile(
    r"(?<!离)(?:没有?|未|尚未|还没有?|没能|没来得及|不)(?:再)?(?:开|召开|举行|举办|组织|开展|讲|搞|进行)(?!心|通|放|发|玩|户|除|具|展示)"
    r"|没有?上(?!报|传|交|级)|(?<![上])不上(?!报|传|交|级|网|班)|没(?:空|时间)(?:开|上|讲|搞|组织)|取消了|延期|推迟|延后|顺延|改期|暂停|没开成"
    r"|(?:改|调|换|挪|推|延)到"
)
# A completed-activity verb: evidence that a named activity happened (with a past marker, a date or attendance).
_HELD = re.compile(r"开完|搞完|结束|开过|举行过|召开过|圆满|顺利|已召开|已开|已举行|已开展|(?:开|讲|上|搞|办|召开|举行|开展|组织)了")
_CLOCK = re.compile(r"\d{1,2}\s*(?:点|:\d\d)|[一二三四五六七八九十两]{1,3}点")
_TIMES_HELD = re.compile(  # "开了2次" is a tally; "搞了一次廉政教育" is one activity
    r"(?:开|上|讲|搞|组织|召开|开展|举行)了?\s*(?!一次|1次|一回)(?:\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:次|回)")
_RANKING = re.compile(r"前\s*(?:\d{1,3}|[一二三四五六七八九十百]{1,3})\s*名|全委前")
_NOT_A_TARGET = re.compile(r"[我咱在里这那哪们的]")
_TOPIC = re.compile(
    r"(?:主题|题目|内容|议题)\s*(?:是|为|:|：)\s*[“\"《]?(?P<t>[^，,。；;！!？?”\"》\s]+)"
    r"|《(?P<b>[^》]{1,40})》"
    r"|(?P<s>(?:传达学习|学习宣传贯彻|学习贯彻|深入学习|学习|传达)[^，,。；;！!？?\s]{2,24}?(?:精神|讲话|报告|决定|条例|党章|党史)(?:精神)?)"
)
_BOOK = re.compile(r"《(?P<b>[^》]{1,40})》")
_TOPIC_GATE = re.compile(r"主题|题目|内容|议题|《|精神|讲话|报告|决定|条例|党章|党史")
_NOT_BUT = re.compile(r"不是.{1,20}?[,，\s]?(?:而是|应该是|应为|是)|(?:讲课的|主讲的|主讲人)是\S{1,10}\s*[,，]?\s*不是"
                      r"|(?:刚才|刚刚|上一条|那条).{0,12}?是.{1,12}?不是")  # "刚才发的那个党课是上周五开的不是今天"
_CORRECT_FIELD = re.compile(
    r"(?P<f>应到|实到|到会|参会|出席|参加|人数|日期|日子|时间|哪天|活动|会议|类型|主讲人|主讲|讲课人|讲课的|讲课)(?:人数|的人数|的)?\s*"
    r"(?:改成|改为|修改为|修改成|更正为|应该是|应为|应是|是|为|写成|改"
    r"|(?:搞|弄|记|写|填|报|打)?错了?|不对|有误|有错|不是[^。；;]{1,10}?(?:而是|应该是|应为|是))"
)
_CORRECTED_NAME = re.compile(r"[\u4e00-\u9fa5]{2,8}")
# "应到是16人 不是15": a value denied at the end of the line makes it a correction too.
_NOT_VALUE = re.compile(rf"不是\s*(?:{NUM})\s*(?:人|个|名|位|号|日)?[,，。.!！~\s]*$")
_CORRECT_CUE = re.compile(r"改成|改为|修改为|修改成|更正为|更正成|应该是|应为|而是|其实是|实际上是|实际是|不是.{1,20}?是|改")
_RECORDED_AS = re.compile(r"(?:记|写|录|报|当|弄)成")
_BARE_COUNT = re.compile(rf"(?P<n>{NUM})\s*(?:人|名|位)?")

# How-to questions name an action ("怎么撤销刚才的记录", "请问怎么给支部打分"): help, not the action itself.
_HOWTO = re.compile(
    r"(?:怎么|怎样|如何|咋)[^，,。？?！!没]{0,6}?"
    r"(?:撤销|撤回|删除|删|导出|下载|提交|打分|评分|改|修改|更正|上报|报|记录|录入|补录|补报|补|交|用|使用|操作|填|查|上传|传|发送|发|写)"
)
# The year-end submission: an order ("提交协作组评分", "确认最终得分") is `submit`; a statement or question about
# it ("自评已经提交了", "自评提交了吗", "2023年1月10日前提交自评") is `deadline`, whose reply says whether and when
# it was submitted and how long is left; "先不提交" is neither.
_SUBMIT_OBJECT = re.compile(r"自评|汇总表|汇总|评分|得分|评价结果")
_SUBMIT_VERB = re.compile(r"提交|上报|报送|交|报|确认|确定")
_SUBMITTED = re.compile(
    r"(?:已经?|都|早就?)(?:提交|交|上报|报送|报|确认)|(?:提交|交|上报|报送|报|确认)(?:上去|上来)?(?:了|好|完|过)"
)
_NOT_SUBMITTED = re.compile(r"(?:没有?|未|还没有?|尚未)(?:提交|交|上报|报送|报|确认)")
_HOLD_SUBMIT = re.compile(r"(?:先不|暂不|不要|先别|别|不用|不)(?:提交|交|上报|确认)")
_BY_DATE = re.compile(r"[日号]\s*(?:之|以)?前")

_DELETE = frozenset({"删掉", "删除", "删了", "删去", "删一下", "删下", "撤销", "撤回", "撤消", "撤掉", "作废", "不要了"})
# Cues of lines that are never about one activity: no typo scan for them (speed).
_NOT_ABOUT_AN_ACTIVITY = frozenset({"ranking", "export", "deadline", "query_score", "help", "greet", "thanks", "submit"})
_QUERY_INTENTS = frozenset({"query_progress", "query_score", "ranking", "export", "deadline"})


def normalise(text: str) -> str:
    return text.translate(_NORMALISE).strip()


def parse(text: object, today: date | datetime | None = None) -> Parsed:
    """What `text` means, with dates resolved against `today` (a date, or now in Asia/Shanghai).

    Never raises: anything it cannot read is `unknown`.
    """
    try:
        return _parse(text, _today(today))
    except Exception:  # a bot never answers with a traceback; tests call _parse directly
        return Parsed("unknown")


def _today(today: date | datetime | None) -> date:
    if today is None:
        return datetime.now(SHANGHAI).date()
    if isinstance(today, datetime):
        return today.astimezone(SHANGHAI).date() if today.tzinfo else today.date()
    return today


def _scan(tokens: list[str], lex: lx.Lexicon) -> list[tuple[int, str, str, str]]:
    """Keyword hits (token index, kind, value, word), greedy longest match over adjacent tokens."""
    words, prefixes = lex.words, lex.prefixes
    hits: list[tuple[int, str, str, str]] = []
    i, n = 0, len(tokens)
    while i < n:
        acc = tokens[i]
        if acc not in prefixes:
            i += 1
            continue
        best, best_end = (acc if acc in words else None), i + 1
        j = i + 1
        while j < n and j - i < lx.MAX_JOIN:
            acc += tokens[j]
            if acc not in prefixes:
                break
            j += 1
            if acc in words:
                best, best_end = acc, j
        if best is None:
            i += 1
            continue
        for kind, value in words[best]:
            hits.append((i, kind, value, best))
        i = best_end
    return hits


class _Hits:
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


def _parse(text: object, today: date) -> Parsed:
    if not isinstance(text, str) or not text:
        return Parsed("unknown")
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Parsed("unknown")
    text = normalise(text)
    if not _MEANINGFUL.search(text) or _FOREIGN.search(text):
        return Parsed("unknown")

    lex = lx.lexicon()
    tokens = lex.tokenizer.lcut(text, HMM=False)
    h = _Hits(_scan(tokens, lex))
    if not h.activities and not h.cues.keys() & _NOT_ABOUT_AN_ACTIVITY:
        _typo_activities(tokens, h, lex)
    modifier_only = False
    if h.activities:
        modifier_only = _content_filter(text, tokens, h, lex)
        _held_with_activity(tokens, h)
    cues = h.cues
    is_question = h.question or _QUESTION_MARK.search(text) is not None or _asks_a_not_a(text)

    if is_question and _HOWTO.search(text):  # "怎么撤销刚才的记录": how to, not the action
        return Parsed("help")

    # Corrections and undo: about the previous message.
    not_but = "不是" in text and (_NOT_BUT.search(text) or _NOT_VALUE.search(text))
    if "correct" in cues and "undo" in cues and cues["undo"] > cues["correct"] and h.cue_words["undo"] in _DELETE:
        # "前天报的那个支委会弄错了 整条删掉": wrong, and the order is to delete it
        hit = best_date(find_dates(text, today, PAST)) if h.activities else None
        return Parsed("undo", activities=h.codes(), date=hit.value if hit else None)
    if "correct" in cues or not_but:
        corrected = _correction(text, tokens, h, today)
        if corrected is not None:
            return corrected
    if "undo" in cues and not _cancelled(text, h):  # "支委会取消了" is a negation, "取消今天的支委会记录" an undo
        hit = best_date(find_dates(text, today, PAST)) if h.activities else None
        return Parsed("undo", activities=h.codes(), date=hit.value if hit else None)

    # Leaders and the office.
    if "分" in text and (graded := _grade(text)) is not None:
        return graded
    if "deadline" in cues:
        return Parsed("deadline", activities=h.codes(), period=_period(h))
    if "ranking" in cues or ("前" in text and _RANKING.search(text)):
        return Parsed("ranking", target=_target(text), top=_top(text), period=_period(h))
    if "export" in cues:
        return Parsed("export", target=_target(text), period=_period(h), form=h.forms[0] if h.forms else None)

    if "help" in cues:
        return Parsed("help")

    if not is_question and (declared := _declare(text, lex)) is not None:
        return declared

    if not h.activities and (submission := _submission(text, h, is_question)) is not None:
        return submission

    if "query_score" in cues and "query_progress" not in cues:
        return Parsed("query_score", activities=h.codes(), target=_target(text), period=_period(h))
    if "query_progress" in cues or ("query_score" in cues):
        return Parsed("query_progress", activities=h.codes(), target=_target(text), period=_period(h))

    if h.activities or h.generic:
        strong_question = h.strong_question or _STRONG_QUESTION.search(text) is not None or _asks_a_not_a(text)
        if (h.neg or _NEGATION.search(text)) and not strong_question:
            hit = best_date(find_dates(text, today, None))
            return Parsed("unknown", activities=h.codes(), date=hit.value if hit else None, negated=True)
        if "undo" in cues and _cancelled(text, h):  # "支委会取消了"
            hit = best_date(find_dates(text, today, None))
            return Parsed("unknown", activities=h.codes(), date=hit.value if hit else None, negated=True)
        if modifier_only and not find_dates(text, today, None) and find_counts(text) == (None, None):
            return Parsed("unknown")  # "党课讲稿谁来写", "组织生活会的通知大家看一下": about a thing, not the activity
        if (not h.past and _HOW_OFTEN.search(text)) or (
                is_question and (not h.past or _TAIL_QUESTION.search(text) or _asks_a_not_a(text))) or (
                "次" in text and _TIMES_HELD.search(text)):
            # "支委会开了吗", and "本季度党员大会开了2次": a tally, not one activity to record
            return Parsed("query_progress", activities=h.codes(), period=_period(h))
        return _report(text, h, today, modifier_only)

    expected, present = find_counts(text)
    if expected is not None or present is not None:  # attendance with no activity named: the handler asks
        return _report(text, h, today)
    if "submit" in cues and not is_question:
        if _HOLD_SUBMIT.search(text):  # "先不提交": a no
            return Parsed("unknown")
        return Parsed("submit", target=_target(text))
    if "undo" in cues:
        return Parsed("undo")
    if "greet" in cues and "thanks" not in cues:  # "谢谢支部助手" is not a request for help
        return Parsed("help")
    return Parsed("unknown")


def _asks_a_not_a(text: str) -> bool:
    """'开不开', '进没进', '是不是', '算不算开过了': asking whether, wherever it stands."""
    return ("不" in text or "没" in text or "否" in text) and _A_NOT_A.search(text) is not None


def _cancelled(text: str, h: _Hits) -> bool:
    """'支委会取消了', '下午的活动取消了': 取消 after the activity it cancels (before it, it takes back a record)."""
    if "取消" not in text or not (h.activities or h.generic):
        return False
    first = min([i for i, _ in h.activities] + ([h.generic_at] if h.generic else []))
    return h.cue_words.get("undo") == "取消" and h.cues["undo"] > first


def _submission(text: str, h: _Hits, is_question: bool) -> Parsed | None:
    """'提交协作组评分' -> submit; '自评已经提交了', '自评提交了吗', '1月10日前提交自评' -> deadline; '先不提交' -> unknown."""
    has_object = _SUBMIT_OBJECT.search(text) is not None
    if not has_object or _SUBMIT_VERB.search(text) is None:
        return None
    if _HOLD_SUBMIT.search(text):
        return Parsed("unknown")
    if is_question:
        return None if "query_score" in h.cues else Parsed("deadline")
    if _SUBMITTED.search(text) or _NOT_SUBMITTED.search(text) or _BY_DATE.search(text):
        return Parsed("deadline")
    return Parsed("submit", target=_target(text))


def _period(h: _Hits) -> str | None:
    return h.periods[0] if h.periods else None


def _report(text: str, h: _Hits, today: date, modifier_only: bool = False) -> Parsed:
    """A record, or a plan when the date is ahead or the words say so; `confirm` when the reading is unsure."""
    planned = h.plan or (("点" in text or ":" in text) and _CLOCK.search(text) is not None)  # "下午3点开会": an announcement
    lean = FUTURE if planned and not h.past else (PAST if h.past else None)
    hits = find_dates(text, today, lean)
    hit = best_date(hits)
    when: date | None
    if hit is None:
        when = None if h.plan else today  # "下午3点开会": today, a plan
    else:
        when = hit.value
    future = (when is not None and when > today) or (hit is not None and hit.vague == FUTURE)
    intent = "plan" if future or (planned and not h.past and (when is None or when >= today)) else "record"
    expected, present = find_counts(text)
    if modifier_only and hit is None and expected is None and present is None:
        return Parsed("unknown")  # "支委会的记录本放在我办公桌上了": about a thing of the activity, not a report
    confidence = 1.0
    if h.typo:
        confidence -= 0.5  # 党棵 read as 党课: likely, but a guess
    if modifier_only:
        confidence -= 0.5
    if intent == "record" and h.activities:
        held = h.past or hit is not None or expected is not None or present is not None or _HELD.search(text)
        if not held:  # "支委会 学习二十大精神": nothing says it happened
            confidence -= 0.5
    if expected is not None and present is not None and present > expected:
        confidence -= 0.5
    if intent == "record" and when is None:  # "上个月开了组织生活会": which day? ask, never store today's date
        confidence -= 0.5
    if intent == "plan" and h.past and when is not None and hit is not None and not h.plan:
        confidence -= 0.5  # "这个礼拜天搞了主题党日" on a Wednesday: said as done, dated ahead
    return Parsed(
        intent, activities=h.codes(), date=when, expected=expected, present=present,
        speaker=_speaker(text, lx.lexicon()), topic=_topic(text), confidence=max(confidence, 0.0),
    )


def _typo_activities(tokens: list[str], h: _Hits, lex: lx.Lexicon) -> None:
    """No activity named: look for one with a character a pinyin keyboard confused (党棵, 党小组回, 廉正教育).

    Over jieba's tokens like the keyword scan (a typo is cut into known pieces: 党小组|回, 廉正|教育), longest first."""
    prefixes, typos = lex.typo_prefixes, lex.typos
    i, n = 0, len(tokens)
    while i < n:
        acc = tokens[i]
        if acc not in prefixes:
            i += 1
            continue
        best, best_end = typos.get(acc), i + 1
        j = i + 1
        while j < n and j - i < lx.MAX_JOIN:
            acc += tokens[j]
            if acc not in prefixes:
                break
            j += 1
            if acc in typos:
                best, best_end = typos[acc], j
        if best is None:
            i += 1
            continue
        h.activities.append((i, best))
        h.act_words[i] = "".join(tokens[i:best_end])
        h.typo = True
        i = best_end


def _content_filter(text: str, tokens: list[str], h: _Hits, lex: lx.Lexicon) -> bool:
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


def _held_with_activity(tokens: list[str], h: _Hits) -> None:
    """"过主题党日" is holding one, not a past marker: 过 right before an activity is not 'past'."""
    if not h.past or any(word != "过" for _, word in h.past_at):
        return
    acts = {index for index, _ in h.activities}
    if all(index + 1 in acts for index, _ in h.past_at):
        h.past = False


def _correction(text: str, tokens: list[str], h: _Hits, today: date) -> Parsed | None:
    """'刚才那条改成党员大会', '日期改成12月20日', '实到改成14人', '不是支委会，是党员大会'."""
    field = _CORRECT_FIELD.search(text)
    cue = field
    if cue is None:
        matches = list(_CORRECT_CUE.finditer(text))
        cue = matches[-1] if matches else None
    tail = text[cue.end():] if cue else text
    if field is not None:
        name = field.group("f")
        # "刚才那条支委会的日期不对": the activity before the field names the record, it is not a new value
        before = _token_at(tokens, field.start())
        named = _codes([(i, c) for i, c in h.activities if i < before], 0)
        subject = named[-1] if named else None
        if name in ("应到", "实到", "到会", "参会", "出席", "参加", "人数"):
            m = _BARE_COUNT.search(tail)
            number = to_int(m.group("n")) if m else None
            if number is not None:
                expected, present = find_counts(tail[m.end():])  # "应到人数改为8人，实到7人"
                if name == "应到":
                    return Parsed("correct", expected=number, present=present, subject=subject)
                return Parsed("correct", expected=expected, present=number, subject=subject)
        if name in ("日期", "日子", "时间", "哪天"):
            hit = best_date(find_dates(tail, today, PAST), last=True)
            return Parsed("correct", date=hit.value if hit else None, subject=subject)
        if name in ("主讲人", "主讲", "讲课人", "讲课的", "讲课"):  # "党课主讲人写错了，是李书记"
            m = _CORRECTED_NAME.search(re.sub(r"^[,，。:：\s]*(?:应该是|应为|是|为)?", "", tail))
            return Parsed("correct", speaker=m.group() if m else None, subject=subject)
    # Activity named after the cue ("…改成党员大会"), else any activity in the message.
    tail_index = _token_at(tokens, len(text) - len(tail))
    # The handler's convention: one code is the new activity of the last record; two are (old, new),
    # the old one named before the cue or after 不是 ("把12月20日的支委会改成党员大会", "不是支委会，是党员大会").
    denied = {index + 1 for index, token in enumerate(tokens) if token in ("不是", "而不是", "并非")}
    new = _codes([(i, c) for i, c in h.activities if i >= tail_index and i not in denied], -1)
    old = _codes([(i, c) for i, c in h.activities if i < tail_index or i in denied], -1)
    if swapped := _RECORDED_AS.search(text):  # "党课记成支委会了": the record says 支委会, it was a 党课
        cut_index = _token_at(tokens, swapped.start())
        new = _codes([(i, c) for i, c in h.activities if i < cut_index], -1)
        old = _codes([(i, c) for i, c in h.activities if i >= cut_index], -1)
    hit = best_date(find_dates(tail, today, PAST), last=True)
    if new and old and old[0] != new[0]:
        codes: tuple[str, ...] = (old[0], new[0])
        if hit is None:  # the date names the old record
            hit = best_date(find_dates(text[: len(text) - len(tail)], today, PAST))
    else:
        codes = new or old
    expected, present = find_counts(tail)
    if not codes and hit is None and expected is None and present is None:
        if "undo" in h.cues:
            return None
        if "correct" in h.cues:
            return Parsed("correct")
        return None
    return Parsed(
        "correct", activities=codes, date=hit.value if hit else None, expected=expected, present=present,
    )


def _token_at(tokens: list[str], position: int) -> int:
    """Index of the first token starting at or after character `position` (tokens cover the text)."""
    offset = 0
    for index, token in enumerate(tokens):
        if offset >= position:
            return index
        offset += len(token)
    return len(tokens)


def _codes(activities: list[tuple[int, str]], after: int) -> tuple[str, ...]:
    seen: list[str] = []
    for index, code in activities:
        if index >= after and code not in seen:
            seen.append(code)
    return tuple(seen)


def _grade(text: str) -> Parsed | None:
    score = deduction = None
    if m := _SCORE.search(text):
        score = to_float(m.group("s"))
    elif m := _DEDUCT.search(text):
        deduction = to_float(m.group("s"))
    elif m := _BARE_SCORE.search(text):  # "第六党支部 2.4项 7分": only with both a branch and an item
        score = to_float(m.group("s"))
    else:
        return None
    target = _target(text)
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


def _target(text: str) -> str | None:
    if m := _TARGET_NUMBERED.search(text):
        return m.group()
    if m := _TARGET_NAMED.search(text):
        name = _TARGET_PREFIX.sub("", m.group())
        if (name not in ("党支部", "协作组", "支部", "") and not _NOT_A_TARGET.search(name)
                and not name.startswith(("本", "该"))):  # 本协作组, 该支部: the asker's own, not a name
            return name
    return None


def _top(text: str) -> int | None:
    m = _TOP.search(text)
    return to_int(m.group("n")) if m else None


def _speaker(text: str, lex: lx.Lexicon) -> str | None:
    if not lex.speaker_gate.search(text):
        return None
    m = lex.speaker.search(text)
    if m is None:
        return None
    name = m.group("sp") or m.group("sp2") or m.group("sp3")
    name = _SPEAKER_PREFIX.sub("", name)
    if name == "同志":  # "请纪委的同志做了辅导": names nobody ("书记讲党课" does: the branch's secretary)
        return None
    return name or None


def _topic(text: str) -> str | None:
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


def _declare(text: str, lex: lx.Lexicon) -> Parsed | None:
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
            raw = m.group(rule.group) or m.groupdict().get(rule.group + "2")
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


__all__ = ["parse", "normalise", "DateHit"]
