"""What a line says about itself: a question, a negation or postponement, evidence that an activity happened.

These decide issue 14's first rule: a question, negation, cancellation or postponement is never a record or plan,
and a record needs evidence it happened. Plain regexes, compiled once.
"""
from __future__ import annotations

import re

# Question words after the question marks (one list for both patterns below).
# (A不A / A没A — "开不开", "进没进" — is `A_NOT_A` below, tried only when the line has 不 or 没.)
QUESTION_WORDS = (
    r"了没|没有$|有没有|是不是|是否|多少|(?<![这那前过好十廿])几(?!天前|天以前)|什么|啥|哪|谁|多久|多长|怎么|怎样|如何|咋|对吧|是吧|对不对|对不|"
    r"(?<![也都还并决就绝从])不[?？。.!！~\s]*$"
)
QUESTION_MARK = re.compile(r"[?？吗呢么]|吧\s*[?？]|" + QUESTION_WORDS)
# Asking even though the line says 了 ("党小组会够了没", "主题党日搞了没有", "民主评议搞了吗"): the question is at the end.
TAIL_QUESTION = re.compile(r"(?:了没有?|了吗|了么|没有|[吗么])(?=[?？!！。.,，~\s]|$)|了吧\s*[?？]|吧\s*[?？]\s*$")
# How often an activity is due ("党小组会每个月都得开吧", "两周一次"): a progress question, never a record or plan.
HOW_OFTEN = re.compile(
    r"每(?:个)?(?:月|季度|季|年|周|星期|半年)(?:都|至少)?(?:得|要|需要|应该|必须|应当)"
    r"|(?:每|[一两二三四五六七八九十半\d])\s*(?:个)?(?:周|星期|礼拜|月|季度|季|年)(?:开|搞|上|召开|举行|组织)?\s*[一1两2]\s*(?:次|回)")
# Asking which of two ("两周一次还是一个月一次", "线上搞还是线下搞", "是书记讲还是委员讲"): 还是 between two
# alternatives — after a 是 in the same clause, or with both ending alike. Not 最后还是/结果还是 (after all).
_WHICH = re.compile(
    r"(?:是|要)[^，,。；;!！\s]{1,12}?(?<!最后)(?<!最终)(?<!终于)(?<!结果)(?<![但可却也倒])还是(?![^，,。；;!！\s]{0,3}?了)"
    r"|(?P<end>[\u4e00-\u9fa5])(?<!最后还)还是[^，,。；;!！\s]{0,12}?(?P=end)(?=[?？。.!！,，~\s吗呢啊呀]|$)"
)
# Asking how many were done, though the line says 了: "报了几条了", "交了几篇", "收了多少了" (not 十几, 有几个来不了).
COUNT_QUESTION = re.compile(
    r"(?<![这那前过好十廿有])几\s*(?:条|次|回|篇|场|期|项|份|个|人|名|位)?[^，,。；;!！\s]{0,6}?(?<!不)了[吗呢啊呀吧]?[?？。.!！~\s]*$"
    r"|(?<![这那前过好十廿有])几\s*(?:条|次|回|篇|场|期|项|份)[啊呀呢了]?[?？。.!！~\s]*$"
    r"|多少[^，,。；;!！\s]{0,6}?了[吗呢啊呀吧]?[?？。.!！~\s]*$"
)
# Asking whether something is so, wherever it stands: "你说支委会算不算开过了", "这次是不是开过了".
A_NOT_A = re.compile(r"(?P<qc>[\u4e00-\u9fa5])[不没](?P=qc)|是不是|是否|对不对")
# A question word other than a sentence-final 呢 ("组织生活会还没召开呢" is a statement).
STRONG_QUESTION = re.compile(r"[?？吗么]|" + QUESTION_WORDS)
NEGATION = re.compile(
    r"(?<!离)(?:没有?|未|尚未|还没有?|没能|没来得及|不)(?:再)?(?:顾上|来得及|能|去)?(?:开|召开|举行|举办|组织|开展|讲|搞|弄|进行)"
    r"(?!心|通|放|发|玩|户|除|具|展示)"
    r"|(?:开|搞|上|办|讲|组织)不(?:成|了)(?!吗|么)|还没有?(?:顾上|来得及|弄|落实|安排|写|动笔|交)|没顾上"
    r"|党费[^，,。；;]{0,6}?(?:没有?|未|尚未)(?:交|缴|上交|缴纳)|(?:没有?|还没有?|未)(?:交|缴纳?|上交)党费"
    # meant to, but did not: "今天应该开支委会的 结果书记临时有事", "本来打算…后来…"
    r"|(?:本来|原本|原定|原计划|应该)[^。；;]{0,12}?(?:结果|但是|可是|不过|后来)(?![^。；;]{0,6}?(?:还是|最后|最终|终于))"
    r"|没有?上(?!报|传|交|级)|(?<![上])不上(?!报|传|交|级|网|班)|没(?:空|时间)(?:开|上|讲|搞|组织)|取消了|延期|推迟|延后|顺延|改期|暂停|没开成"
    r"|(?:改|调|换|挪|推|延)到"
)
# "差点没开成 最后还是开了": almost not, but it was — a report, not a negation.
ALMOST_NOT = re.compile(r"(?:差点|差一点|险些)儿?没")
DONE_AFTER_ALL = re.compile(r"(?:还是|最后|终于|最终)[^，,。；;]{0,4}?(?:开|搞|上|办|讲|举行|召开|组织)了")
# A question about an activity still to come ("明天开党员大会吗", "今天下午是不是有党课啊"): the bot keeps no
# schedule to answer from, so it is not a progress question (and never a plan).
COMING = re.compile(r"今天|今儿|明天|明儿|后天|下周|下个?星期|下礼拜|下个?月|今晚|待会|一会儿?")
# The sender is not sure either (hearsay, memory): ask before storing.
UNSURE = re.compile(r"我忘了|记不清|记不太清|好像是?|大概是|可能是|我记得|似乎|听说|据说|应该是吧"
                    r"|他们支部|人家支部|别的支部|我没去|我没参加|没参加|我请假")
# Something still to be done ("支委会得赶紧开了", "争取这周开"): its 了 is no past, the line no record.
OBLIGATION = re.compile(r"赶紧|抓紧|争取|尽快|尽早|得开|该开了|需要开|必须开|务必")
# A part of the day with no day named ("下午开党小组会"): today.
DAY_PART = re.compile(r"(?<![昨前明后天])(?:上午|下午|晚上|中午|早上)|等下|等会|待会|一会儿|稍后|马上")
# Asking what, when, who, how long about something done ("昨天的党课讲了多久"): a question, never a record.
WH_QUESTION = re.compile(r"多久|多长时间|多少|什么时候|谁|哪(?!怕)|怎么样|咋样")  # not 几: "有几个来不了" is a few
# A detail the sender will give later ("是什么会我等下再说", "啥会回头告诉你"): no question to the bot and no plan;
# the parser reads the line without it (the handler asks which meeting).
DEFERRED = re.compile(
    r"(?:是|具体)?(?:什么|啥|哪个|哪种)(?:会|活动|内容|主题)?[,，\s]*(?:我|回头)?"
    r"(?:等下|等会儿?|待会儿?|回头|晚点|晚些|稍后|过会儿?|一会儿?|之后|改天)(?:再|儿再)?(?:说|告诉|补|发|报|讲)(?:你|您|大家)?"
)
# A completed-activity verb: evidence that a named activity happened (with a past marker, a date or attendance).
HELD = re.compile(r"开完|搞完|结束|开过|举行过|召开过|圆满|顺利|已召开|已开|已举行|已开展|(?:开|讲|上|搞|办|召开|举行|开展|组织)了")
CLOCK = re.compile(r"\d{1,2}\s*(?:点|:\d\d)|[一二三四五六七八九十两]{1,3}点")
TIMES_HELD = re.compile(  # "开了2次" is a tally; "搞了一次廉政教育" is one activity
    r"(?:开|上|讲|搞|组织|召开|开展|举行)了?\s*(?!一次|1次|一回)(?:\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:次|回)")
# How-to questions name an action ("怎么撤销刚才的记录", "请问怎么给支部打分"): help, not the action itself.
HOWTO = re.compile(
    r"(?:怎么|怎样|如何|咋)[^，,。？?！!没]{0,6}?"
    r"(?:撤销|撤回|删除|删|导出|下载|提交|打分|评分|改|修改|更正|上报|报|记录|录入|补录|补报|补|交|用|使用|操作|填|查|上传|传|发送|发|写)"
    r"|(?:在哪里?|在哪儿|去哪里?|哪里)(?:能|可以|才能)?(?:撤销|删|改|修改|更正|导出|下载|提交|填|补录|补报|录入)"
)


def asks_which(text: str) -> bool:
    """'两周一次还是一个月一次', '是书记讲还是委员讲': asking which of two, never reporting either."""
    return "还是" in text and _WHICH.search(text) is not None


def asks_how_many(text: str) -> bool:
    """'党建信息报了几条了', '调研文章交了几篇': a count asked about (not '十几个人参加了')."""
    return ("几" in text or "多少" in text) and COUNT_QUESTION.search(text) is not None


def asks_a_not_a(text: str) -> bool:
    """'开不开', '进没进', '是不是', '算不算开过了': asking whether, wherever it stands."""
    return ("不" in text or "没" in text or "否" in text) and A_NOT_A.search(text) is not None
