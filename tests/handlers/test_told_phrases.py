"""Issue 13 point 5: every phrase the bot, its reminders or its pages tell people to send is understood.

The phrases are collected from templates/ (replies, reminders, pages): each “quoted” phrase, the lines after
"可以这样发：" and "请按这样发：", help's example lines (declared beside each handler, handlers/registry.py) and the
web chat's one-click examples (templates/pages/chat_examples.yaml). Each is sent, as the role the template speaks
to, on a January day of the season (2022 under review) after what the template answers (a record before "撤销",
a preview before "确认"), and must not be answered as not understood. A quoted text that is not a message to send
(what the person wrote, quoted back; a chat's name) is listed in ECHOES with the reason; a new quoted phrase in a
template fails `test_every_quoted_phrase_is_classified` until it is put in one of the two tables.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.models import InboundMessage
from handlers import registry

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ACCOUNTS = {"secretary": "sec1", "organiser": "org1", "member": "mem1", "group_leader": "lead1", "office": "office1"}
DAY = date(2023, 1, 20)  # 2022 under review: its submissions, previews, closing and reopening are all live
QUOTED = re.compile(r"“([^“”]+)”")

# Quoted texts that are not messages to send, and why.
ECHOES = {
    "{{ c }}": "chart_push.j2: the names of the chats the chart went to",
    "{{ item }}": "grade_no_item.j2: the item number the leader wrote, quoted back",
    "{{ name }}": "branch_not_found.j2: the name the person wrote, quoted back",
    "{{ points }}": "grade_not_number.j2: the points the leader wrote, quoted back",
    "{{ text }}{% if cut %}…{% endif %}": "late_reply.j2: the message answered late, quoted back",
    "{{ branch_example }}": "branch_not_found.j2: a branch's name, how to write one inside a message",
    "{{ group_example }}": "branch_not_found.j2: a group's name, how to write one inside a message",
}

REC = [("sec1", "今天开了支委会，应到7人实到7人")]  # a record to undo or correct
PLAN = [(date(2023, 1, 16), "sec1", "1月18日开支委会"), ("sec1", "我的党课还差几次")]  # asks "开了吗？" on the 20th
PREVIEW = [("sec1", "提交自评")]
OLD = [("sec1", "10月8日开了支委会")]  # more than two months back: "记为：…？回复“是”"
CARD = [("sec1", "我们支部现在多少分")]

# Each quoted phrase: the messages that send it (account, text, what comes before it).
PHRASES: dict[str, list[tuple[str, str, list]]] = {
    "12月20日": [("sec1", "12月20日", [("sec1", "党棵")])],
    "12月28日开{{ codes[0]|act }}": [("sec1", "1月28日开支委会", [])],
    "12月28日讲党课": [("sec1", "1月28日讲党课", [])],
    "下周三开支委会": [("sec1", "下周三开支委会", [])],
    "{{ date|md }}召开了{{ label }}，应到X人，实到Y人": [("sec1", "1月18日召开了支委会，应到7人，实到6人", [])],
    "{{ example }}": [("lead1", "第二党支部进度", []), ("lead1", "第一党支部还有哪些扣分项", [])],
    "今天召开了{{ items[0].label }}，应到15人，实到13人": [("sec1", "今天召开了党小组会，应到15人，实到13人", [])],
    "今天开了支委会": [("sec1", "今天开了支委会", [])],
    "保持4A等级": [("sec1", "保持4A等级", [])],
    "年度工作计划已制定": [("sec1", "年度工作计划已制定", [])],
    "年度工作总结已完成": [("sec1", "年度工作总结已完成", [])],
    "获得市级表彰": [("sec1", "获得市级表彰", [])],
    "关闭{{ review_year }}年度考核": [("office1", "关闭2022年度考核", [])],
    "关闭{{ year }}年度考核": [("office1", "关闭2022年度考核", [])],
    "重新打开{{ year }}年度考核": [("office1", "重新打开2022年度考核", [])],
    "刚才那条改成…": [("sec1", "刚才那条改成党员大会", REC)],
    "刚才那条改成党员大会": [("sec1", "刚才那条改成党员大会", REC)],
    "实到13人": [("sec1", "实到6人", REC)],
    "日期改成12月25日": [("sec1", "日期改成1月19日", REC)],
    "撤销": [("sec1", "撤销", REC)],
    "计划…": [("sec1", "计划下周三开支委会", [])],
    "办公室登录": [("office1", "办公室登录", []), ("lead1", "办公室登录", [])],
    "后台": [("office1", "后台", []), ("lead1", "后台", [])],
    "帮助": [(a, "帮助", []) for a in ACCOUNTS.values()],
    "确认": [("sec1", "确认", PREVIEW), ("office1", "确认", [("office1", "关闭2022年度考核")])],
    "取消": [("sec1", "取消", PREVIEW)],
    "是": [("sec1", "是", OLD)],
    "开了": [("sec1", "开了", PLAN)],
    "没开": [("sec1", "没开", PLAN)],
    "我的进度": [("sec1", "我的进度", [])],
    "把排名图发到群里": [("lead1", "把排名图发到群里", []), ("office1", "把排名图发到群里", [])],
    "提交自评": [("sec1", "提交自评", [])],
    "更多": [("sec1", "更多", CARD), ("lead1", "更多", [("lead1", "第一党支部多少分")])],
    "本组排名": [("lead1", "本组排名", [])],
    "全委排名前十": [("office1", "全委排名前十", [])],
    "还有哪些扣分项": [("sec1", "还有哪些扣分项", []), ("lead1", "还有哪些扣分项", [("lead1", "第一党支部多少分")])],
}

# Phrases the parser (nlp/, owned elsewhere) does not understand yet: (account, text) -> reason.
NOT_YET: dict[tuple[str, str], str] = {}


def quoted_phrases() -> dict[str, set[str]]:
    """Every “quoted” text of the reply, reminder and page templates, with the files that quote it."""
    out: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*")):
        if path.suffix in (".j2", ".html") and "exports" not in path.parts:
            for m in QUOTED.finditer(path.read_text(encoding="utf-8")):
                out.setdefault(m.group(1), set()).add(str(path.relative_to(TEMPLATES)))
    return out


def shown_lines() -> list[tuple[str, str]]:
    """(role, line) of the "发…" shapes: the "· " lines after "可以这样发：" (by the role block they stand in;
    an `{% else %}` block is the member's),
    what follows "请按这样发：", help's example lines and the web chat's examples."""
    out: list[tuple[str, str]] = []
    for path in sorted((TEMPLATES / "replies").glob("*.j2")):
        role, listing = None, False
        for line in path.read_text(encoding="utf-8").split("\n"):
            if m := re.search(r"{%\s*(?:el)?if role (?:==|in) \(?\"(\w+)\"", line):
                role = m.group(1)
            elif re.search(r"{%\s*else\s*%}", line):
                role = "member"  # the roles no branch above named: a member reads the branch, like a secretary
            if "可以这样发：" in line and "“" not in line:
                listing = True
            elif listing and line.startswith("· ") and "{" not in line:
                out.append((role or "secretary", line[2:]))
            if m := re.search(r"请按这样发：([^（“]+)", line):
                out.append(("group_leader", m.group(1).strip()))
    for role in ACCOUNTS:
        out += [(role, line) for line in registry.examples(role)]
    examples = yaml.safe_load((TEMPLATES / "pages" / "chat_examples.yaml").read_text(encoding="utf-8"))
    out += [(role, line) for role, lines in examples.items() for line in lines]
    return sorted(set(out))


def _cases() -> list:
    cases = [(acct, text, before) for sends in PHRASES.values() for acct, text, before in sends]
    cases += [(ACCOUNTS[role], line, CARD if line == "更多" else REC if line == "撤销" else [])
              for role, line in shown_lines()]
    seen, out = set(), []
    for acct, text, before in cases:
        if (acct, text) in seen:
            continue
        seen.add((acct, text))
        marks = [pytest.mark.xfail(strict=True, reason=NOT_YET[(acct, text)])] if (acct, text) in NOT_YET else []
        out.append(pytest.param(acct, text, before, id=f"{acct}:{text}", marks=marks))
    return out


def test_every_quoted_phrase_is_classified():
    found = quoted_phrases()
    assert set(found) == set(PHRASES) | set(ECHOES), {k: found.get(k) for k in set(found) ^ (set(PHRASES) | set(ECHOES))}
    assert not set(PHRASES) & set(ECHOES)
    assert len(shown_lines()) >= 20  # the "发…" lists were found (unknown, grade_how, help, the web chat)


@pytest.mark.parametrize("account,text,before", _cases())
def test_a_told_phrase_is_understood(chat, sessions, account, text, before):
    chat.on(DAY)
    for step in before:
        if isinstance(step[0], date):
            chat.on(step[0])
            step = step[1:]
        chat.say(*step)
        chat.on(DAY) if chat.now.date() != DAY else chat.advance(minutes=1)
    reply = chat.say(account, text, dedup="told").text
    with sessions() as s:
        status = s.scalars(select(InboundMessage.status).where(InboundMessage.dedup_key == "told")).one()
    assert status not in ("not_understood", "failed") and not reply.startswith("没看懂"), (status, reply)


def test_a_name_not_found_is_answered_with_names_that_exist(sessions):
    """On the demo (branches named after associations) "第二党支部多少分" was answered "没有找到“第二党支部”。…例如
    “第二党支部”“第三协作组”" — the example was the name just refused. The examples are the asker's own."""
    from datetime import datetime, timezone

    from bot.demo import seed_demo
    from tests.support.committee import Chat

    with sessions() as s:
        seed_demo(s, DAY)
        s.commit()
    chat = Chat(sessions, datetime(2023, 1, 20, 2, tzinfo=timezone.utc))
    reply = chat.say("demo-lead-1", "第二党支部多少分").text
    named = re.fullmatch(r"没有找到“第二党支部”。请写全支部或协作组名称，例如“(\S+党支部)”“(\S+协作组)”。", reply)
    assert named, reply
    assert chat.say("demo-lead-1", f"{named.group(1)}多少分").text.startswith(f"{named.group(1)} 2022年度")
    assert chat.say("demo-lead-1", f"{named.group(2)}排名").text.startswith(f"{named.group(2)} 2022年排名")


def test_help_names_a_branch_that_exists(sessions):
    """The leader's and the office's help said "给第二党支部 3.3 打6分"; on the demo no branch is called that."""
    from datetime import datetime, timezone

    from bot.demo import seed_demo
    from tests.support.committee import Chat

    with sessions() as s:
        seed_demo(s, DAY)
        s.commit()
    chat = Chat(sessions, datetime(2023, 1, 20, 2, tzinfo=timezone.utc))
    for account in ("demo-lead-1", "demo-office"):
        line = next(x[2:] for x in chat.say(account, "帮助").text.split("\n") if x.startswith("· 给"))
        assert "第二党支部" not in line and re.fullmatch(r"给\S+党支部 3\.3 打6分", line), line
        assert chat.say(account, line).text.startswith(f"已评分：{line[1:line.index(' ')]} 3.3 ")


def test_a_branch_is_asked_for_with_one_that_exists(sessions):
    """"我们协作组的进度" from a leader asks which branch; the example was "第二党支部进度" on every committee."""
    from datetime import datetime, timezone

    from bot.demo import seed_demo
    from tests.support.committee import Chat

    with sessions() as s:
        seed_demo(s, DAY)
        s.commit()
    chat = Chat(sessions, datetime(2023, 1, 20, 2, tzinfo=timezone.utc))
    for question, tail in (("进度怎么样", "进度"), ("还有哪些扣分项", "还有哪些扣分项")):
        asked = chat.say("demo-lead-1", question).text
        example = re.fullmatch(rf"请说明是哪个支部，例如“(\S+党支部){tail}”。", asked)
        assert example and example.group(1) != "第二党支部", asked
        assert chat.say("demo-lead-1", f"{example.group(1)}{tail}").text.startswith(example.group(1))


def test_unknown_names_a_branch_that_exists(sessions):
    """An unrecognised line from a leader suggested "给第二党支部 3.3 打6分"; on the demo no branch is called that."""
    from datetime import datetime, timezone

    from bot.demo import seed_demo
    from tests.support.committee import Chat

    with sessions() as s:
        seed_demo(s, DAY)
        s.commit()
    chat = Chat(sessions, datetime(2023, 1, 20, 2, tzinfo=timezone.utc))
    reply = chat.say("demo-lead-1", "今天天气真不错啊").text
    assert reply.startswith("没看懂这句话"), reply
    line = next(x[2:] for x in reply.split("\n") if x.startswith("· 给"))
    assert "第二党支部" not in line and re.fullmatch(r"给\S+党支部 3\.3 打6分", line), line
    assert chat.say("demo-lead-1", line).text.startswith(f"已评分：{line[1:line.index(' ')]} 3.3 ")
