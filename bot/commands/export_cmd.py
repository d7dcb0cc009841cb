"""`zhibu export …`: the office's tables and documents, written to a folder (default ./exports).

    zhibu export annex1 --branch NAME | --all        附件1 自评表 (.xlsx), one per branch
    zhibu export annex2 --group NAME | --all         附件2 协作组汇总表 (.xlsx), one per group
    zhibu export record-book --branch NAME | --all   活动记录本 (.docx)
    zhibu export report                              质效评估报告 draft (.docx)
    zhibu export summary --branch NAME | --all       工作总结 outline (.docx)
    zhibu export check-summary FILE                  字数 and the eight topics of a summary (.docx / .txt)
    zhibu export chart [--group NAME] [--push]       排名图 (.png); --push sends it to the group's chat

Long exports show a progress bar. Bad input gets a one-line Chinese message, never a traceback.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Callable, Iterator, Sequence

import click


@click.group()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("exports"),
              show_default=True, help="输出目录")
@click.option("--year", type=int, default=None, help="评价年度（默认：今天或 --as-of 那天正在考核的年度，办公室关闭前为上一年度）")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="按哪一天的数据计算（默认：今天与该年12月31日中较早者）")
@click.option("--org", "org_id", type=int, default=None, help="组织编号（默认：第一个组织）")
@click.option("--jobs", type=click.IntRange(1, 64), default=None, help="--all 时同时写几个文件（默认：CPU 核数）")
@click.pass_context
def export(ctx: click.Context, out_dir: Path, year: int | None, as_of, org_id: int | None, jobs: int | None) -> None:
    """导出自评表、汇总表、记录本、评估报告、工作总结提纲、排名图。"""
    ctx.obj = {"out": out_dir, "year": year, "as_of": as_of.date() if as_of else None, "org_id": org_id, "jobs": jobs}


@contextmanager
def _session(ctx: click.Context) -> Iterator[tuple]:
    """(session, org, year, as_of) from the configured database."""
    from bot.config import Config
    from bot import season
    from bot.db import create_schema, make_engine, make_session_factory
    from bot.store import Store

    config = Config.from_env()
    engine = make_engine(config.database_url)
    create_schema(engine)
    session = make_session_factory(engine)()
    try:
        org = Store(session).organisation(ctx.obj["org_id"])
        if org is None:
            raise click.ClickException("数据库里还没有组织：请先导入名册（zhibu roster import）或运行 zhibu run 生成演示数据")
        today = ctx.obj["as_of"] or _today()  # --as-of plays that day: its year under review is the default
        year = ctx.obj["year"] or season.view(Store(session), org, today).review_year
        as_of = ctx.obj["as_of"] or min(today, date(year, 12, 31))
        yield session, org, year, as_of
    finally:
        session.close()
        engine.dispose()


def _today() -> date:
    """Today as the chat and the dashboard count it (tests replace it)."""
    from bot import season

    return season.local_today()


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    transient=False)


def _run_each(ctx: click.Context, kind: str, label: str, things: Sequence, name: Callable, session, org,
              year: int, as_of: date) -> list[Path]:
    """Write one `kind` form per thing (bot/exports/parallel.py: on every core when there are several), with a
    progress bar when there is more than one."""
    from bot.exports.parallel import Job, export_all

    ids, names = [t.id for t in things], {t.id: name(t) for t in things}
    job = Job(session.get_bind().url.render_as_string(hide_password=False), org.id, year, as_of, str(ctx.obj["out"]))
    if len(ids) <= 1:
        paths = export_all(kind, ids, job, session=session)
    else:
        with _progress() as progress:
            task = progress.add_task(label, total=len(ids))

            def done(thing_id: int, _path: Path) -> None:
                progress.update(task, description=f"{label}：{names[thing_id]}", advance=1)

            paths = export_all(kind, ids, job, processes=ctx.obj.get("jobs"), on_done=done, session=session)
    for p in paths:
        click.echo(f"已导出：{p}")
    return paths


def _pick(session, org, name: str | None, all_: bool, *, kind: str):
    """The branches (kind "branch") or groups (kind "group") an export names: one by name, or --all."""
    from bot.store import Store

    store = Store(session)
    label, option = ("党支部", "--branch") if kind == "branch" else ("协作组", "--group")
    if all_:
        found = store.branches(org.id) if kind == "branch" else store.groups(org.id)
        if not found:
            raise click.ClickException(f"没有{label}可导出")
        return found
    if not name:
        raise click.UsageError(f"请用 {option} {label}名称 指定{label}，或用 --all 导出全部")
    one = store.find_branch(org.id, name) if kind == "branch" else store.find_group(org.id, name)
    if one is None:
        raise click.ClickException(f"没有找到{label}“{name}”")
    return [one]


def _branches(session, org, name: str | None, all_: bool):
    return _pick(session, org, name, all_, kind="branch")


def _groups(session, org, name: str | None, all_: bool):
    return _pick(session, org, name, all_, kind="group")


branch_option = click.option("--branch", "branch", default=None, help="党支部名称")
all_option = click.option("--all", "all_", is_flag=True, help="全部")


@export.command("annex1")
@branch_option
@all_option
@click.pass_context
def annex1_cmd(ctx: click.Context, branch: str | None, all_: bool) -> None:
    """附件1：党支部党建工作自评表（.xlsx）。"""
    with _session(ctx) as (s, org, year, as_of):
        _run_each(ctx, "annex1", "自评表", _branches(s, org, branch, all_), lambda b: b.name, s, org, year, as_of)


@export.command("annex2")
@click.option("--group", "group", default=None, help="协作组名称")
@all_option
@click.pass_context
def annex2_cmd(ctx: click.Context, group: str | None, all_: bool) -> None:
    """附件2：协作组党支部工作评分结果汇总表（.xlsx）。"""
    with _session(ctx) as (s, org, year, as_of):
        _run_each(ctx, "annex2", "汇总表", _groups(s, org, group, all_), lambda g: g.name, s, org, year, as_of)


@export.command("record-book")
@branch_option
@all_option
@click.pass_context
def record_book_cmd(ctx: click.Context, branch: str | None, all_: bool) -> None:
    """社会组织党支部工作活动记录本（.docx）：按日期列出全部活动，标出缺会的月份。"""
    with _session(ctx) as (s, org, year, as_of):
        _run_each(ctx, "record-book", "记录本", _branches(s, org, branch, all_), lambda b: b.name, s, org, year, as_of)


@export.command("report")
@click.pass_context
def report_cmd(ctx: click.Context) -> None:
    """质效评估报告初稿（.docx）：等次分布、活动次数、共性扣分，其余留空待填写。"""
    from bot.exports import report_docx

    with _session(ctx) as (s, org, year, as_of):
        with _progress() as progress:
            task = progress.add_task("评估报告：计算全委得分", total=None)
            path = report_docx(s, org, year, as_of, ctx.obj["out"])
            progress.update(task, total=1, completed=1)
        click.echo(f"已导出：{path}")


@export.command("summary")
@branch_option
@all_option
@click.pass_context
def summary_cmd(ctx: click.Context, branch: str | None, all_: bool) -> None:
    """党支部年度工作总结提纲（.docx）：八个方面，预填本支部的数字。"""
    with _session(ctx) as (s, org, year, as_of):
        _run_each(ctx, "summary", "工作总结提纲", _branches(s, org, branch, all_), lambda b: b.name, s, org, year, as_of)


@export.command("check-summary")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def check_summary_cmd(ctx: click.Context, file: Path) -> None:
    """检查一份工作总结：八个方面是否各成一节、写了实际内容（不是提纲提示或关键词），有无否定表述，字数不超过3000。"""
    from bot.exports.summary import check_summary, read_text

    try:
        text = read_text(file)
    except Exception as exc:  # a damaged .docx or an unknown encoding: say so in one line
        raise click.ClickException(f"无法读取 {file.name}：{exc}") from None
    year = ctx.obj["year"] or _committee_year(ctx.obj["as_of"])
    result = check_summary(text, year)
    click.echo(f"字数：{result.chars}（上限 {result.max_chars}）" + ("，超出上限，请删减" if result.too_long else ""))
    for t in result.topics:
        mark = "✓" if t.ok else ("?" if t.status == "negated" else "✗")
        click.echo(f"  {mark} {t.title}" + (f"\n      {t.detail}" if t.detail else ""))
    problems = [f"{len(result.missing)} 个方面不合格" if result.missing else "", "字数超出" if result.too_long else ""]
    if result.ok:
        click.echo("结论：符合要求（八个方面各成一节，内容不是提纲的提示，字数不超过上限）")
    else:
        click.echo("结论：需修改（" + "，".join(p for p in problems if p) + "）"
                   + ("；标“?”的方面有否定表述，请人工核对" if result.flagged else ""))
    ctx.exit(0 if result.ok else 1)


def _committee_year(as_of: date | None = None) -> int:
    """The year under review on `as_of` (default today; bot/season.py: last year until the office closes it), from
    the database's first organisation; without a database, the year the default calendar is reviewing."""
    from bot import season

    today = as_of or _today()
    try:
        from bot.config import Config
        from bot.db import make_engine, make_session_factory
        from bot.models import Organisation
        from bot.store import Store
        from sqlalchemy import inspect, select

        engine = make_engine(Config.from_env().database_url)
        try:
            if inspect(engine).has_table("organisation"):
                with make_session_factory(engine)() as s:
                    org = s.scalars(select(Organisation).order_by(Organisation.id).limit(1)).first()
                    if org is not None:
                        return season.view(Store(s), org, today).review_year
        finally:
            engine.dispose()
    except Exception:  # no database configured or reachable: the default calendar's answer
        pass
    return season.review_year_without_org(today)


@export.command("chart")
@click.option("--group", "group", default=None, help="协作组名称（默认：全委）")
@click.option("--push", is_flag=True, help="同时发到该协作组的群聊（不指定协作组：综合党委的群）")
@click.pass_context
def chart_cmd(ctx: click.Context, group: str | None, push: bool) -> None:
    """排名图（.png）：全委或一个协作组；--push 发到群聊。"""
    from bot.exports import chart_png
    from bot.exports.office import safe_name

    with _session(ctx) as (s, org, year, as_of):
        g = _groups(s, org, group, False)[0] if group else None
        if push:
            _push_chart(ctx, s, org, g, year, as_of)
            return
        name = safe_name(g.name if g else org.name)
        path = chart_png(s, org, year, as_of, Path(ctx.obj["out"]) / f"{year}年{name}排名.png", g)
        click.echo(f"已导出：{path}")


def _push_chart(ctx: click.Context, session, org, group, year: int, as_of: date) -> None:
    """Write the chart, then send it to each of the group's chats (one idempotency key per chat and day)."""
    from bot.config import Config
    from bot.db import make_session_factory
    from bot.exports import chart_push
    from bot.platforms import build_sender

    config = Config.from_env()
    try:
        prepared = chart_push.prepare(session, org, group, year, as_of, Path(ctx.obj["out"]),
                                      secret_key=config.secret_key, public_url=config.public_url)
    except chart_push.NoPushTarget as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已导出：{prepared.path}")
    sender = build_sender(config, make_session_factory(session.get_bind()))
    key = f"chart:{org.id}:{group.id if group else 'org'}:{year}:{as_of.isoformat()}:cli:{date.today().isoformat()}"
    chart_push.send(sender, prepared, key, reason="zhibu export chart --push")
    failed = [name for (_, name), ok in zip(prepared.targets, prepared.sent) if not ok]
    for (_, name), ok in zip(prepared.targets, prepared.sent):
        click.echo(f"{'已发送' if ok else '发送失败'}：{name}")
    if failed:
        raise click.ClickException("有群没有发出去，原因见日志和 zhibu remind --failed；"
                                   "今天已发出的群再次运行不会重复发送")
