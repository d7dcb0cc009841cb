"""`zhibu roster import FILE`: the roster from .xlsx or .csv, with a progress bar and a report of refused rows."""
from __future__ import annotations

from datetime import date

import click


@click.group()
def roster() -> None:
    """名册：导入党员名册（协作组、党支部、姓名、角色、企业微信账号、钉钉账号）。"""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org-name", default="综合党委", show_default=True, help="数据库里还没有组织时新建的组织名称")
def import_cmd(file: str, org_name: str) -> None:
    """导入名册（重复导入不会重复添加；有变化的行会更新该人员）。"""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from bot.commands.db_cmd import open_store
    from bot.roster import RosterFormatError, ensure_organisation, import_roster, read_rows

    console = Console()
    try:
        rows = read_rows(file)
    except RosterFormatError as exc:
        raise click.ClickException(str(exc)) from exc
    engine, sessions = open_store()
    with sessions() as session:
        org = ensure_organisation(session, date.today(), org_name)
        with Progress(TextColumn("导入名册"), BarColumn(), MofNCompleteColumn(), console=console,
                      disable=not console.is_terminal) as bar:
            task = bar.add_task("rows", total=len(rows))
            report = import_roster(session, org, rows, on_row=lambda _row: bar.advance(task))
        session.commit()
    engine.dispose()
    console.print(f"共{report.total}行：新增{report.created}人，更新{report.updated}人，未变{report.unchanged}人，"
                  f"拒绝{len(report.refused)}行；新建协作组{report.groups_created}个、党支部{report.branches_created}个。")
    if report.refused:
        table = Table("行号", "原因", title="未导入的行")
        for line, reason in report.refused:
            table.add_row(str(line), reason)
        console.print(table)
