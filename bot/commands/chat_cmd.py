"""`zhibu chat --as ACCOUNT [--today YYYY-MM-DD]`: talk to the bot from a terminal, one message per line.

Lines "/image [name]" and "/file NAME" send a photo or a file (evidence); "/as ACCOUNT" switches the
person; messages the bot sends to other people are printed as "→ name: text". Scriptable:
`printf '今天开了支委会\n撤销\n' | zhibu chat --as demo-sec-1 --today 2022-12-26`.
"""
from __future__ import annotations

import sys
import uuid
from datetime import datetime
from typing import Sequence

import click


class PrintingSender:
    """Notifications to other people, printed instead of sent (once per key)."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.keys: set[str] = set()

    def _name(self, person_id: int) -> str:
        from bot.models import Person

        with self.sessions() as s:
            p = s.get(Person, person_id)
            return p.name if p else str(person_id)

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *, key: str | None = None,
                       reason: str = "") -> bool:
        if key is None or key not in self.keys:
            self.keys.add(key or "")
            click.echo(f"→ {self._name(person_id)}：{text}")
        return True

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *, mentions: Sequence[int] = (),
                       key: str | None = None, reason: str = "") -> bool:
        if key is None or key not in self.keys:
            self.keys.add(key or "")
            click.echo(f"→ 群{target_id}：{text}")
        return True


@click.command()
@click.option("--as", "account", required=True, help="以谁的身份发消息（企业微信账号、钉钉账号或人员编号）")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="把这一天当作今天")
@click.option("--channel", default="console", show_default=True, help="console / web / wecom / dingtalk")
@click.option("--demo/--no-demo", default=True, show_default=True, help="数据库为空时创建演示组织")
def chat(account: str, today: datetime | None, channel: str, demo: bool) -> None:
    """在终端里和机器人对话：每行一条消息，打印回复。"""
    from bot.commands.db_cmd import open_store
    from bot.config import Config
    from bot.conversation import Conversation, fixed_clock
    from bot.messages import Inbound

    config = Config.from_env()
    engine, sessions = open_store()
    if today is not None:
        clock = fixed_clock(today.date(), tz=config.timezone)
    else:
        from datetime import timezone

        clock = lambda: datetime.now(timezone.utc)  # noqa: E731
    if demo:
        from zoneinfo import ZoneInfo

        from bot.demo import seed_demo_if_empty

        seed_demo_if_empty(sessions, clock().astimezone(ZoneInfo(config.timezone)).date())
    conv = Conversation(sessions, clock, PrintingSender(sessions), timezone=config.timezone, config=config)
    interactive = sys.stdin.isatty()
    run = uuid.uuid4().hex[:8]
    n = 0
    while True:
        if interactive:
            click.echo(f"{account}> ", nl=False)
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("/as "):
            account = text[4:].strip()
            continue
        n += 1
        kind, media = "text", None
        if text.startswith("/image") or text.startswith("/file"):
            kind = "image" if text.startswith("/image") else "file"
            name = text.split(maxsplit=1)[1] if " " in text else f"{kind}-{n}"
            media = {"media_id": f"console-{run}-{n}", "filename": name}
            text = ""
        reply = conv.handle(Inbound(channel=channel, account=account, dedup_key=f"console-{run}-{n}", text=text,
                                    kind=kind, media=media))
        click.echo(reply.text)
        for f in reply.files:
            click.echo(f"[文件] {f}")
        if not interactive:
            click.echo("")
    engine.dispose()
