"""`zhibu remind` (what goes out on a day, and the delivery log) and `zhibu scheduler` (run the clock)."""
from __future__ import annotations

from datetime import date, datetime

import click

from . import open_database


def _parse_day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"「{value}」不是日期，请写成 YYYY-MM-DD，如 2023-01-07") from None


@click.command()
@click.option("--date", "day", metavar="YYYY-MM-DD", help="哪一天（默认今天）")
@click.option("--dry-run", is_flag=True, help="只列出会发送什么、发给谁、为什么，不发送")
@click.option("--org", "org_id", type=int, help="只看一个综合党委（编号）")
@click.option("--failed", is_flag=True, help="列出发送失败、仍在重试、已放弃或卡住的提醒和消息（含平台答复）")
@click.option("--retry", "retry", metavar="编号|all", help="立即重试一条（或全部）失败或已放弃的提醒")
def remind(day: str | None, dry_run: bool, org_id: int | None, failed: bool, retry: str | None) -> None:
    """提醒：查看某日会发送的提醒（--dry-run），或立即发送当日提醒。"""
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    config, _engine, sessions = open_database()
    if failed:
        _show_failed(console, sessions)
        return
    if retry:
        _retry(console, config, sessions, retry)
        return
    from bot.reminders.planner import Planner

    the_day = _parse_day(day)
    if the_day is None:
        from zoneinfo import ZoneInfo

        the_day = datetime.now(ZoneInfo(config.timezone)).date()
    orgs = [org_id] if org_id is not None else None
    if dry_run:
        planner = Planner(sessions, tz=config.timezone)
        planned, errors = planner.preview(the_day, orgs)
        _show_preview(console, the_day, planned, errors, planner)
        return
    from bot.scheduler import build_sender

    planner = Planner(sessions, build_sender(config, sessions), tz=config.timezone)
    # Run by hand: failed rows are tried now, and a send a killed run left half-done is waited for (its claim
    # lapses within the claim's TTL) and then made by this run — so running a day again sends what is missing.
    report = planner.run_day(the_day, orgs, by_hand=True, wait_seconds=planner.delivery.policy.claim_seconds + 5)
    for e in report.errors:
        console.print(f"[red]{e}[/red]")
    labels = {"sent": "已发送", "failed": "失败，稍后重试", "dead": "已放弃", "sending": "另一进程正在发送"}
    for key, status in report.statuses.items():
        console.print(f"{labels.get(status, status)}  {key}")
    console.print(f"{the_day}：共 {len(report.statuses)} 条，已发送 {report.count('sent')} 条，失败 {report.count('failed')} 条。")
    if report.count("failed"):
        raise SystemExit(1)


def _show_preview(console, day: date, planned, errors, planner) -> None:
    from bot.reminders.delivery import Delivery

    console.print(f"[bold]{day.year}年{day.month}月{day.day}日 将发送的提醒（试运行，不会发送）[/bold]")
    for e in errors:
        console.print(f"[red]{e}[/red]")
    if not planned:
        console.print("这一天没有要发送的提醒。")
        return
    already = Delivery(planner.sessions, None).statuses(p.reminder.key for p in planned)  # type: ignore[arg-type]
    with planner.sessions() as s:
        from bot.models import Person

        names = {pid: n for pid, n in s.query(Person.id, Person.name)}
    for i, p in enumerate(planned, 1):
        r = p.reminder
        cal = planner.calendar(p.org_id, day)
        when = cal.send_time(day).strftime("%H:%M") if cal else "--:--"
        where = "群聊" if r.to == "target" else "私信"
        console.print(f"\n[bold]{i}. {when} {where} → {r.recipient_name}[/bold]")
        console.print(f"   原因：{r.reason}")
        if r.mentions:
            console.print("   @提醒：" + "、".join(names.get(m, str(m)) for m in r.mentions))
        state = already.get(r.key)
        if state:
            console.print(f"   状态：{ {'sent': '已发送过，不会重复发送'}.get(state, state) }")
        console.print(f"   编号：{r.key}", style="dim")
        for line in p.rendered.text.splitlines():
            console.print(f"   │ {line}")
    console.print(f"\n共 {len(planned)} 条。")


def _show_failed(console, sessions) -> None:
    """Failed, given-up and stuck sends, each with the platform's answer (bot/reminders/failures.py)."""
    from bot.reminders.failures import failed_sends

    with sessions() as s:
        rows = failed_sends(s)
    if not rows:
        console.print("没有发送失败或卡住的提醒和消息。")
        return
    for r in rows:
        nxt = f"，下次 {r.next_attempt_at:%m-%d %H:%M} UTC" if r.next_attempt_at else ""
        colour = "red" if r.state in ("dead", "gave_up") else "yellow"
        what = "提醒" if r.what == "reminder" else "消息"
        console.print(f"[{colour}]{r.label}[/] {what} → {r.target}：{r.reason}（已试 {r.attempts} 次{nxt}）")
        console.print(f"   {r.key}  平台答复：{r.error[:200] or '（无）'}", style="dim")
    console.print(f"共 {len(rows)} 条。重试：zhibu remind --retry 编号（或 --retry all）。")


def _retry(console, config, sessions, which: str) -> None:
    from bot.reminders.failures import retry_reminders
    from bot.reminders.planner import Planner
    from bot.scheduler import build_sender

    with sessions() as s:
        keys = retry_reminders(s, None if which == "all" else [which])
        s.commit()
    if not keys:
        raise click.ClickException(f"没有可重试的提醒：{which}（用 zhibu remind --failed 查看编号）")
    planner = Planner(sessions, build_sender(config, sessions), tz=config.timezone)
    results = {key: planner.delivery.attempt(key) for key in keys}
    labels = {"sent": "已发送", "failed": "仍失败，稍后自动重试", "dead": "已放弃", "sending": "另一进程正在发送"}
    for key, status in results.items():
        console.print(f"{labels.get(status, status)}  {key}")
    if any(v != "sent" for v in results.values()):
        raise SystemExit(1)


@click.command()
@click.option("--heartbeat", default=10.0, show_default=True, help="抢占/续约调度租约的间隔（秒）")
def scheduler(heartbeat: float) -> None:
    """在前台运行提醒调度器（多实例时只有一个在发送）。"""
    import logging

    from bot.config import Config
    from bot.scheduler import from_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sched = from_config(Config.from_env(), heartbeat=heartbeat)
    click.echo(f"提醒调度器已启动（{sched.lease.holder}），按 Ctrl+C 退出。")
    sched.run_forever()
