"""`zhibu inbox`: messages that were stored but never answered (a worker died mid-message; bot/recovery.py)."""
from __future__ import annotations

from datetime import timedelta

import click

from . import open_database


@click.group()
def inbox() -> None:
    """收件箱：列出或补处理未答复的消息（进程中途退出时留下的）。"""


@inbox.command()
@click.option("--minutes", default=2, show_default=True, help="收到后超过多少分钟仍未处理才算")
def stranded(minutes: int) -> None:
    """列出所有未答复的消息（不限时间），供办公室核对。"""
    from rich.console import Console
    from rich.table import Table

    from bot.models import utcnow
    from bot.recovery import stranded as find

    _config, _engine, sessions = open_database()
    rows = find(sessions, utcnow(), grace=timedelta(minutes=minutes), max_age=None, limit=10_000)
    console = Console(highlight=False, soft_wrap=True)
    if not rows:
        console.print("没有未答复的消息。")
        return
    table = Table("编号", "渠道", "账号", "收到（UTC）", "内容")
    for m in rows:
        table.add_row(str(m.id), m.channel, m.account, f"{m.received_at:%Y-%m-%d %H:%M}", (m.text or m.kind)[:40])
    console.print(table)
    console.print(f"共 {len(rows)} 条。`zhibu inbox recover` 补处理最近 24 小时内的（加 --all 不限时间）。")


@inbox.command()
@click.option("--minutes", default=2, show_default=True, help="收到后超过多少分钟仍未处理才算")
@click.option("--all", "everything", is_flag=True, help="不限时间（默认只补最近 24 小时内的）")
def recover(minutes: int, everything: bool) -> None:
    """补处理未答复的消息，并通过平台接口补发回复（调度器每分钟也会自动做）。"""
    from bot.conversation import Conversation
    from bot.models import utcnow
    from bot.recovery import MAX_AGE, RecoveryReport, recover as run
    from bot.scheduler import build_sender

    config, _engine, sessions = open_database()
    sender = build_sender(config, sessions)
    conversation = Conversation(sessions, utcnow, sender, timezone=config.timezone, config=config)
    total = RecoveryReport()
    while True:  # batches of 100 until none is left (each recovered message leaves `received`)
        report = run(conversation, sender, grace=timedelta(minutes=minutes), max_age=None if everything else MAX_AGE)
        total.add(report)
        if not report.recovered:
            break
    click.echo(f"未答复消息：{total.found} 条，补处理 {len(total.recovered)} 条，跳过 {len(total.skipped)} 条"
               f"（正在被处理或已处理），回复未能送达 {len(total.unsent)} 条。")
