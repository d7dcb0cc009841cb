"""The demo committee has group chats (PushTarget, platform "web"): reminders go to them with @-mentions and
the local web chat shows them to the group's people."""
from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import select

from bot.commands.remind_cmd import remind
from bot.config import Config
from bot.db import create_schema, make_engine, make_session_factory
from bot.demo import COMMITTEE_CHAT, GROUPS, seed_demo_if_empty
from bot.models import Group, PushTarget


def test_fresh_demo_reminders_go_to_the_group_chats_and_show_in_the_web_chat(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/demo.sqlite3"
    monkeypatch.setenv("ZHIBU_DATABASE_URL", url)
    monkeypatch.setenv("ZHIBU_WEB_CHAT", "on")
    engine = make_engine(url)
    create_schema(engine)
    sessions = make_session_factory(engine)
    assert seed_demo_if_empty(sessions, date(2023, 1, 7))
    with sessions() as s:
        chats = {t.group_id: t for t in s.scalars(select(PushTarget))}
        groups = {g.id: g.name for g in s.scalars(select(Group))}
    assert len(chats) == len(GROUPS) + 1 and chats[None].name == COMMITTEE_CHAT
    assert {t.platform for t in chats.values()} == {"web"} and set(chats) - {None} == set(groups)

    out = CliRunner().invoke(remind, ["--date", "2023-01-07", "--dry-run"]).output
    for gid, name in groups.items():
        assert f"群聊 → {chats[gid].name}" in out
    assert f"群聊 → {COMMITTEE_CHAT}" in out and "@提醒：" in out

    from bot.platforms.web.adapter import inbox
    from bot.platforms import build_sender

    sender = build_sender(Config.from_env(env_file=None, database_url=url), sessions)
    first = min(groups)
    assert sender.send_to_target(chats[first].id, "【测试】群提醒", key="demo-chat-test")
    seen = inbox(sessions, "demo-sec-1")  # branch 1 is in the first group
    assert [(m["from"], m["group"], m["text"]) for m in seen] == [(chats[first].name, True, "【测试】群提醒")]
    assert inbox(sessions, "demo-sec-14") == []  # another group's chat is not shown
    engine.dispose()
