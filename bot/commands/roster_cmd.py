"""`zhibu roster import FILE [--apply]`: the roster from .xlsx or .csv — first what would change (who is added,
updated, moved to another branch or role, deactivated because the file no longer lists them, which rows are
refused and why), then, with --apply, the change itself."""
from __future__ import annotations

from datetime import date

import click


@click.group()
def roster() -> None:
    """名册：导入党员名册（协作组、党支部、姓名、角色、企业微信账号、钉钉账号）。"""


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org-name", default="综合党委", show_default=True, help="数据库里还没有组织时新建的组织名称")
@click.option("--apply", "apply_", is_flag=True,
              help="执行导入（不加时只列出将新增、更新、调动、停用的人员和拒绝的行，不写入）")
def import_cmd(file: str, org_name: str, apply_: bool) -> None:
    """导入名册：名册即全部人员——文件里没有的人将被停用，换了支部或角色的人将被调动（记录保留）。
    先不加 --apply 查看变化，确认后加 --apply 执行；重复导入不会重复添加。"""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from bot.commands.db_cmd import open_store
    from bot.roster import RosterFormatError, ensure_organisation, import_roster, read_rows

    console = Console(soft_wrap=True)
    try:
        rows = read_rows(file)
    except RosterFormatError as exc:
        raise click.ClickException(str(exc)) from exc
    engine, sessions = open_store()
    with sessions() as session:
        org = ensure_organisation(session, date.today(), org_name)
        with Progress(TextColumn("导入名册" if apply_ else "检查名册"), BarColumn(), MofNCompleteColumn(),
                      console=console, disable=not console.is_terminal) as bar:
            task = bar.add_task("rows", total=len(rows))
            report = import_roster(session, org, rows, on_row=lambda _row: bar.advance(task), deactivate_missing=apply_)
        if apply_:
            session.commit()
        else:
            session.rollback()
    engine.dispose()
    verb = "" if apply_ else "将"
    console.print(f"{'' if apply_ else '【预览，未写入】'}共{report.total}行：{verb}新增{report.created}人，{verb}更新{report.updated}人，"
                  f"未变{report.unchanged}人，拒绝{len(report.refused)}行；{verb}调动{len(report.moved)}人，"
                  f"{verb}停用{len(report.deactivated)}人；{verb}新建协作组{report.groups_created}个、党支部{report.branches_created}个。")
    for title, names in (("调动（原支部/角色的权限立即失效）", report.moved),
                         ("停用（名册中已没有；其记录保留）", report.deactivated)):
        if names:
            console.print(f"{verb}{title}：")
            for name in names:
                console.print(f"  {name}")
    if report.refused:
        table = Table("行号", "原因", title="未导入的行")
        for line, reason in report.refused:
            table.add_row(str(line), reason)
        console.print(table)
    if not apply_:
        console.print("确认无误后加 --apply 执行导入。")
