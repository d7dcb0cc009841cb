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
from zoneinfo import ZoneInfo

from . import lexicon as lx
from .correction import NOT_BUT, NOT_VALUE, correction
from .counts import find_counts
from .dates import AHEAD, FUTURE, PAST, DateHit, best_date, find_dates  # noqa: F401 (DateHit: re-exported)
from .fields import read_declaration, read_grade, read_season, read_speaker, read_target, read_top, read_topic
from .hits import Hits, content_filter, held_with_activity, no_such_activity, scan, shape_activities, typo_activities
from .signals import (
    ALMOST_NOT, CLOCK, COMING, DAY_PART, DEFERRED, DONE_AFTER_ALL, HELD, HOW_OFTEN, HOWTO, NEGATION, OBLIGATION,
    QUESTION_MARK, STRONG_QUESTION, TAIL_QUESTION, TIMES_HELD, UNSURE, WH_QUESTION, asks_a_not_a, asks_how_many,
    asks_which,
)
from .types import Parsed

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_BYTES = 2048

# Full-width ASCII -> half-width, ideographic space -> space, zero-width characters dropped.
_NORMALISE = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {
    0x3000: " ", 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0x2060: None,
    ord("\n"): " ", ord("\r"): " ", ord("\t"): " ", 0x3002: "。",
    ord("冇"): "没",  # Cantonese 冇 (没有): "今天冇开党小组会"
}
_NORMALISE = str.maketrans(_NORMALISE)
_TO_NORMALISE = re.compile("[" + "".join(re.escape(chr(c)) for c in _NORMALISE if chr(c) != _NORMALISE[c]) + "]")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
# Letters of scripts a Chinese secretary does not write in: a message in them is not for us.
_FOREIGN = re.compile(
    r"[\u0370-\u03ff\u0400-\u052f\u0590-\u06ff\u0700-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1100-\u11ff"
    r"\u3040-\u30ff\u3130-\u318f\uac00-\ud7af]"
)
_RANKING = re.compile(r"前\s*(?:\d{1,3}|[一二三四五六七八九十百]{1,3})\s*名|全委前")
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
_WHY = re.compile(r"为什么|为啥|凭什么|为何|怎么会|咋会|咋就|怎么就")

# 'Send me' words that ask for an export only when something exportable is named.
_SEND_ME = frozenset({"发我", "发给我", "发一下", "传我", "给我一份", "要一份", "发一份", "发到群里", "发群里", "发到群", "推送到群"})
_EXPORTABLE = re.compile(r"(?<!代)表(?!决|扬|彰|态|达|现|示)|excel|报告|排名|得分|分数|结果|链接|后台|提纲", re.IGNORECASE)
_NOT_A_CALLER = re.compile(r"[@\s,，。.!！?？~]|支部助手|小助手|助手|机器人|你|您")
_DELETE = frozenset({"删掉", "删除", "删了", "删去", "删一下", "删下", "撤销", "撤回", "撤消", "撤掉", "作废", "不要了",
                     "别算", "别算数", "不作数", "不算", "不算数", "别记了", "不用记了"})
# "把评分提交了吧": an order, though it says 了
_SUBMIT_ORDER = re.compile(r"把.{0,12}?(?:提交|交|上报|报送|确认)(?:了|上去)?吧[。.!！~\s]*$")
# Cues of lines that are never about one activity: no typo scan for them (speed).
_NOT_ABOUT_AN_ACTIVITY = frozenset({"ranking", "export", "deadline", "query_score", "help", "greet", "thanks", "submit"})
_QUERY_INTENTS = frozenset({"query_progress", "query_score", "ranking", "export", "deadline"})


def normalise(text: str) -> str:
    """Full-width ASCII to half-width, odd spaces out (translate only when there is something to change: speed)."""
    return (text.translate(_NORMALISE) if _TO_NORMALISE.search(text) else text).strip()


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


def _parse(text: object, today: date) -> Parsed:
    if not isinstance(text, str) or not text:
        return Parsed("unknown")
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Parsed("unknown")
    text = normalise(text)
    if not _MEANINGFUL.search(text) or _FOREIGN.search(text):
        return Parsed("unknown")

    if ("说" in text or "告诉" in text or "补" in text) and (deferred := DEFERRED.search(text)):
        text = (text[:deferred.start()] + text[deferred.end():]).strip()  # "是什么会我等下再说": said later
    lex = lx.lexicon()
    tokens = lex.cut.lcut(text)  # = lex.tokenizer.lcut(text, HMM=False)
    h = Hits(scan(tokens, lex))
    if not h.activities and not h.cues.keys() & _NOT_ABOUT_AN_ACTIVITY:
        shape_activities(text, tokens, h, lex)
        if not h.activities:
            typo_activities(tokens, h, lex)
    modifier_only = False
    if h.activities:
        modifier_only = content_filter(text, tokens, h, lex)
        held_with_activity(tokens, h)
        no_such_activity(tokens, h)
    cues = h.cues
    is_question = h.question or QUESTION_MARK.search(text) is not None or asks_a_not_a(text) or asks_which(text)

    if is_question and HOWTO.search(text):  # "怎么撤销刚才的记录": how to, not the action
        return Parsed("help")
    if not is_question and (season := read_season(text, today.year)) is not None:  # "关闭2022年度考核"
        return season

    # Corrections and undo: about the previous message.
    not_but = "不是" in text and (NOT_BUT.search(text) or NOT_VALUE.search(text))
    if "correct" in cues and "undo" in cues and cues["undo"] > cues["correct"] and h.cue_words["undo"] in _DELETE:
        # "前天报的那个支委会弄错了 整条删掉": wrong, and the order is to delete it
        hit = best_date(find_dates(text, today, PAST)) if h.activities else None
        return Parsed("undo", activities=h.codes(), date=hit.value if hit else None)
    if "correct" in cues or not_but:
        corrected = correction(text, tokens, h, today)
        if corrected is not None:
            return corrected
    if "undo" in cues and not _cancelled(text, h):  # "支委会取消了" is a negation, "取消今天的支委会记录" an undo
        hit = best_date(find_dates(text, today, PAST)) if h.activities else None
        return Parsed("undo", activities=h.codes(), date=hit.value if hit else None)

    # Leaders and the office.
    if "分" in text and _WHY.search(text):  # "为什么3.3扣了1分": asks about a score, grades nothing
        return Parsed("query_score", activities=h.codes(), target=read_target(text), period=_period(h))
    if "分" in text and (graded := read_grade(text)) is not None:
        return graded
    if "deadline" in cues:
        return Parsed("deadline", activities=h.codes(), period=_period(h))
    if "ranking" in cues or ("前" in text and _RANKING.search(text)):
        return Parsed("ranking", target=read_target(text), top=read_top(text), period=_period(h))
    if "export" in cues:
        if not _just_send_me(text, h):
            return Parsed("export", target=read_target(text), period=_period(h), form=h.forms[0] if h.forms else None)
        if not h.past:  # "支委会上讨论的发展对象名单发我一下": a request to a colleague, no report
            return Parsed("unknown")

    if "help" in cues:
        return Parsed("help")

    if not is_question and (declared := read_declaration(text, lex)) is not None:
        return declared

    if not h.activities and (submission := _submission(text, h, is_question)) is not None:
        return submission

    if "query_score" in cues and "query_progress" not in cues:
        return Parsed("query_score", activities=h.codes(), target=read_target(text), period=_period(h))
    if "query_progress" in cues or ("query_score" in cues):
        return Parsed("query_progress", activities=h.codes(), target=read_target(text), period=_period(h))

    if h.activities or h.generic:
        strong_question = (h.strong_question or STRONG_QUESTION.search(text) is not None or asks_a_not_a(text)
                           or asks_which(text))
        if strong_question and not h.past and not h.activities[1:] and COMING.search(text):
            return Parsed("unknown")  # "明天开党员大会吗？": asks about the schedule, which the bot does not keep
        if strong_question and not h.activities and not h.periods and "没" not in text and not NEGATION.search(text):
            return Parsed("unknown")  # "今天开会的会议室空调坏了 谁找下物业": a meeting, but no activity asked about
        negated = (h.neg or NEGATION.search(text)) and not strong_question
        if negated and ALMOST_NOT.search(text) and DONE_AFTER_ALL.search(text):
            negated = False  # "差点没开成 最后还是开了"
        if negated:
            # "周五主题党日不搞了" is about the coming one; "周五没开支委会" about the last
            hit = best_date(find_dates(text, today, PAST if "没" in text or "未" in text else AHEAD))
            return Parsed("unknown", activities=h.codes(), date=hit.value if hit else None, negated=True)
        if "undo" in cues and _cancelled(text, h):  # "支委会取消了"
            hit = best_date(find_dates(text, today, None))
            return Parsed("unknown", activities=h.codes(), date=hit.value if hit else None, negated=True)
        if modifier_only and not any(d.value for d in find_dates(text, today, None)) and find_counts(text) == (None, None):
            return Parsed("unknown")  # "党课讲稿谁来写", "组织生活会的通知大家看一下": about a thing, not the activity
        if (not h.past and HOW_OFTEN.search(text)) or (
                is_question and (not h.past or TAIL_QUESTION.search(text) or asks_a_not_a(text)
                                 or WH_QUESTION.search(text) or asks_which(text) or asks_how_many(text))) or (
                "次" in text and TIMES_HELD.search(text)):
            # "支委会开了吗", and "本季度党员大会开了2次": a tally, not one activity to record
            return Parsed("query_progress", activities=h.codes(), target=read_target(text), period=_period(h))
        return _report(text, h, today, modifier_only, asked=strong_question)

    expected, present = find_counts(text)
    if expected is not None or present is not None:  # attendance with no activity named: the handler asks
        return _report(text, h, today)
    if "submit" in cues and not is_question:
        if _HOLD_SUBMIT.search(text):  # "先不提交": a no
            return Parsed("unknown")
        return Parsed("submit", target=read_target(text))
    if "undo" in cues:
        return Parsed("undo")
    if "greet" in cues and "thanks" not in cues and not _calls_someone(text, h):  # "谢谢支部助手" asks for nothing
        return Parsed("help")
    return Parsed("unknown")


def _just_send_me(text: str, h: Hits) -> bool:
    """"主题党日的照片谁那有 发群里一下": 'send me' with nothing the bot exports (no form, period, branch or table)."""
    return (h.cue_words.get("export") in _SEND_ME and not h.forms and not h.periods
            and _EXPORTABLE.search(text) is None and read_target(text) is None)


def _calls_someone(text: str, h: Hits) -> bool:
    """"书记在吗": asking whether a person is there, not greeting the bot."""
    word = h.cue_words.get("greet", "")
    return word in ("在吗", "在不在") and _NOT_A_CALLER.sub("", text.split(word)[0]) != ""


def _cancelled(text: str, h: Hits) -> bool:
    """'支委会取消了', '下午的活动取消了': 取消 after the activity it cancels (before it, it takes back a record)."""
    if "取消" not in text or not (h.activities or h.generic):
        return False
    first = min([i for i, _ in h.activities] + ([h.generic_at] if h.generic else []))
    return h.cue_words.get("undo") == "取消" and h.cues["undo"] > first


def _submission(text: str, h: Hits, is_question: bool) -> Parsed | None:
    """'提交协作组评分' -> submit; '自评已经提交了', '自评提交了吗', '1月10日前提交自评' -> deadline; '先不提交' -> unknown."""
    has_object = _SUBMIT_OBJECT.search(text) is not None
    if not has_object or _SUBMIT_VERB.search(text) is None:
        return None
    if _HOLD_SUBMIT.search(text):
        return Parsed("unknown")
    if is_question:
        return None if "query_score" in h.cues else Parsed("deadline")
    if _SUBMIT_ORDER.search(text):
        return Parsed("submit", target=read_target(text))
    if _SUBMITTED.search(text) or _NOT_SUBMITTED.search(text) or _BY_DATE.search(text):
        return Parsed("deadline")
    return Parsed("submit", target=read_target(text))


def _still_a_question(text: str) -> bool:
    """A question mark or word left in a line read as a report (not a bare 几: "有几个来不了" is a few)."""
    return (any(m.group() != "几" for m in STRONG_QUESTION.finditer(text)) or asks_a_not_a(text)
            or asks_which(text) or asks_how_many(text))


def _period(h: Hits) -> str | None:
    return h.periods[0] if h.periods else None


def lex_content_before(before: str) -> bool:
    """A date right after 研究/讨论/部署 … is the date of what was discussed, not of the meeting."""
    return lx.lexicon().embedded_before.search(before) is not None


def _report(text: str, h: Hits, today: date, modifier_only: bool = False, asked: bool | None = None) -> Parsed:
    """A record, or a plan when the date is ahead or the words say so; `confirm` when the reading is unsure."""
    expected, present = find_counts(text)
    obliged = OBLIGATION.search(text) is not None  # "支委会得赶紧开了", "争取这周开": to be done
    past = h.past and not obliged
    # "下午3点开会": an announcement — unless it says who came ("9:30召开党员大会，…实到24名")
    planned = h.plan or obliged or (
        present is None and ("点" in text or ":" in text) and CLOCK.search(text) is not None)
    evidence = past or present is not None or (past == h.past and HELD.search(text) is not None)
    # nothing says done or planned: a bare weekday is the coming one ("周六组织大家去看红色电影 算主题党日")
    lean = FUTURE if planned and not past else (PAST if past else (None if evidence else AHEAD))
    hits = find_dates(text, today, lean)
    if hits and h.activities and lx.lexicon().embedded_gate.search(text):
        # "开了支委会 研究了下个月的主题党日": 下个月 is the content's, not the report's
        hits = [d for d in hits if not lex_content_before(text[:d.start])] or ([] if past else hits)
    hit = best_date(hits)
    when: date | None
    if hit is None:  # "下午3点开会", "大家准备一下 下午开党小组会": today
        when = None if (h.plan or obliged) and not DAY_PART.search(text) else today
    else:
        when = hit.value
    future = (when is not None and when > today) or (hit is not None and hit.vague == FUTURE)
    intent = "plan" if future or (planned and not past and (when is None or when >= today)) else "record"
    if modifier_only and hit is None and expected is None and present is None:
        return Parsed("unknown")  # "支委会的记录本放在我办公桌上了": about a thing of the activity, not a report
    confidence = 1.0
    if h.typo or (hit is not None and hit.typo):
        confidence -= 0.5  # 党棵 read as 党课, 作天 as 昨天: likely, but a guess
    if modifier_only:
        confidence -= 0.5
    if intent == "record" and h.activities:
        held = past or hit is not None or expected is not None or present is not None or HELD.search(text)
        if not held:  # "支委会 学习二十大精神": nothing says it happened
            confidence -= 0.5
    if expected is not None and present is not None and present > expected:
        confidence -= 0.5
    if intent == "record" and when is None:  # "上个月开了组织生活会": which day? ask, never store today's date
        confidence -= 0.5
    if intent == "plan" and past and when is not None and hit is not None and not h.plan:
        confidence -= 0.5  # "这个礼拜天搞了主题党日" on a Wednesday: said as done, dated ahead
    if UNSURE.search(text):
        confidence -= 0.5  # "昨天是开了支委会吧 我忘了", "听说…开了": the sender is not sure either
    if asked is not False and _still_a_question(text):  # (asked: a question word is in the line, when known)
        confidence -= 0.5  # a question shape no rule above took for one: asked, never stored silently
    return Parsed(
        intent, activities=h.codes(), date=when, expected=expected, present=present,
        speaker=read_speaker(text, lx.lexicon()), topic=read_topic(text), confidence=max(confidence, 0.0),
    )


__all__ = ["parse", "normalise", "DateHit"]
