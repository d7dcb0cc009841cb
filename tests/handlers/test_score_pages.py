"""Issue 13 point 5: "还有哪些扣分项" lists every deduction, a page at a time — "回复“更多”" gives the next page of the
same list, for the same person and question, until the end. The place in the list is conversation state in the
store (another worker, on any of the three databases, answers the next page). Before: the card said "……还有12项，
发“还有哪些扣分项”看全部", "更多" was not understood, and a group leader's "还有哪些扣分项" got the group's ranking."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from sqlalchemy import select

from bot.facts import score_cards
from bot.models import ConversationState, Organisation
from handlers.base import fmt_points
from handlers.score import MAX_DEDUCTIONS, PAGE

from tests.support.committee import Chat

MORE = "回复“更多”看下一页"


def _listed(text: str) -> list[str]:
    return [x for x in text.split("\n") if re.match(r"^· \d+\.\d+ ", x)]


def _deductions(sessions, ids, name: str) -> list[str]:
    """The card's deductions as a reply lists them, largest first (no tier has scored yet: the computed ones)."""
    with sessions() as s:
        card = next(c for c in score_cards(s, s.get(Organisation, ids["org"]), 2022, date(2022, 12, 26))
                    if c.name == name)
    rows = sorted(((d.points, it.id, d.reason) for it in card.items for d in it.deductions), key=lambda r: -r[0])
    return [f"· {i} {why} -{fmt_points(p)}" for p, i, why in rows]


def _state(sessions, person_id: int):
    with sessions() as s:
        st = s.scalars(select(ConversationState).where(ConversationState.person_id == person_id)).first()
        return (st.kind, {k: v for k, v in st.payload.items() if k != "resume"}) if st else None


def test_the_card_then_more_pages_to_the_end(chat, sessions, ids):
    every = _deductions(sessions, ids, "第三党支部")  # a branch with no records: a long list
    assert len(every) > MAX_DEDUCTIONS + 2 * PAGE - 5
    card = chat.say("sec3", "我们支部现在多少分").text
    assert _listed(card) == every[:MAX_DEDUCTIONS]
    assert f"……还有{len(every) - MAX_DEDUCTIONS}项，{MORE}" in card
    assert _state(sessions, ids["sec3"]) == ("more_deductions", {"branch_id": ids["b2"], "year": 2022,
                                                                  "shown": MAX_DEDUCTIONS})
    seen, start = _listed(card), MAX_DEDUCTIONS
    other = Chat(sessions, chat.now)  # another worker: the place in the list is in the store
    while start < len(every):
        page = (other if start % 2 else chat).say("sec3", "更多").text
        rows = _listed(page)
        end = start + len(rows)
        assert page.startswith(f"第三党支部 2022年度扣分项（续，第{start + 1}至{end}项，共{len(every)}项）：\n")
        assert rows == every[start:end] and len(rows) == min(PAGE, len(every) - start)
        seen += rows
        start = end
    assert seen == every  # every deduction once, in order
    total = sum(float(x.rsplit(" -", 1)[1]) for x in every)
    assert page.endswith(f"以上是全部{len(every)}项，共扣{fmt_points(total)}分。") and MORE not in page
    assert _state(sessions, ids["sec3"]) is None
    assert chat.say("sec3", "更多").text == "现在没有可以接着看的列表。看扣分项请发“还有哪些扣分项”。"


def test_asking_for_the_deductions_pages_them_and_another_message_ends_the_list(chat, sessions, ids):
    every = _deductions(sessions, ids, "第三党支部")
    first = chat.say("sec3", "还有哪些扣分项").text
    assert _listed(first) == every[:PAGE] and f"……还有{len(every) - PAGE}项，{MORE}" in first
    assert _listed(chat.say("sec3", "更多").text) == every[PAGE:2 * PAGE]
    assert "还差" in chat.say("sec3", "我的党课还差几次").text  # another question: the list is over
    assert chat.say("sec3", "更多").text.startswith("现在没有可以接着看的列表")
    assert chat.say("sec2", "更多").text.startswith("现在没有可以接着看的列表")  # nobody else's list


def test_a_group_leader_pages_a_branch_of_the_group(chat, sessions, ids):
    every = _deductions(sessions, ids, "第二党支部")
    assert chat.say("lead1", "还有哪些扣分项").text == "请说明是哪个支部，例如“第一党支部还有哪些扣分项”。"
    card = chat.say("lead1", "第二党支部多少分").text
    assert card.startswith("第二党支部 2022年 现在") and _listed(card) == every[:MAX_DEDUCTIONS]
    again = chat.say("lead1", "还有哪些扣分项").text  # the same list, not the group's ranking
    assert _listed(again) == every[MAX_DEDUCTIONS:MAX_DEDUCTIONS + PAGE]
    assert _listed(chat.say("lead1", "更多").text) == every[MAX_DEDUCTIONS + PAGE:MAX_DEDUCTIONS + 2 * PAGE]
    assert _listed(chat.say("lead1", "第一党支部还有哪些扣分项").text) == _deductions(sessions, ids, "第一党支部")[:PAGE]


def test_a_planned_meeting_question_is_set_aside_and_comes_back(chat, sessions, ids):
    chat.on(date(2022, 12, 20))
    chat.say("sec3", "12月22日开支委会")
    chat.on(date(2022, 12, 26))
    assert chat.say("sec3", "我的党课还差几次").text.endswith("12月22日计划的支委会开了吗？开了请回复“开了”，没开请回复“没开”。")
    assert MORE in chat.say("sec3", "还有哪些扣分项").text  # the plan's question stays open under the list
    assert _listed(chat.say("sec3", "更多").text)
    assert chat.say("sec3", "开了").text.startswith("已记录：支委会 12月22日")  # the plan's answer, not lost
    assert _state(sessions, ids["sec3"]) is None
