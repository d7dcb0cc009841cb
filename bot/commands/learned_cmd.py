"""`zhibu learned list|remove`: the phrasings each organisation taught the bot (bot/learned.py), for the office."""
from __future__ import annotations

import click


@click.group()
def learned() -> None:
    """学到的说法：查看、删除（按组织）。"""


def _org(session, org_id: int | None):
    from sqlalchemy import select

    from bot.models import Organisation

    orgs = list(session.scalars(select(Organisation).order_by(Organisation.id)))
    if org_id is not None:
        orgs = [o for o in orgs if o.id == org_id]
    if not orgs:
        raise click.ClickException("没有这个组织")
    if len(orgs) > 1:
        raise click.ClickException("有多个组织，请用 --org 指定组织编号")
    return orgs[0]


@learned.command("list")
@click.option("--org", "org_id", type=int, default=None, help="组织编号（只有一个组织时可省略）")
def list_cmd(org_id: int | None) -> None:
    """列出学到的说法：编号、说法（日期、数字已抽象）、理解为、来源、使用次数、原话。"""
    from bot.commands.db_cmd import open_store
    from bot.learned import listing
    from handlers.labels import activity_label

    engine, sessions = open_store()
    with sessions() as session:
        org = _org(session, org_id)
        rows = listing(session, org.id)
        if not rows:
            click.echo("还没有学到的说法。")
        for r in rows:
            meaning = ("计划" if r.intent == "plan" else "记录") + "：" + "、".join(activity_label(c) for c in r.activities)
            click.echo(f"{r.id}\t{r.shape}\t{meaning}\t{r.source}\t用过{r.uses}次\t原话：{r.example}")
    engine.dispose()


@learned.command("remove")
@click.argument("phrase_id", type=int)
@click.option("--org", "org_id", type=int, default=None, help="组织编号（只有一个组织时可省略）")
def remove_cmd(phrase_id: int, org_id: int | None) -> None:
    """删除一条学到的说法（以后再遇到这种说法会重新询问）。"""
    from bot.commands.db_cmd import open_store
    from bot.learned import forget

    engine, sessions = open_store()
    with sessions() as session:
        org = _org(session, org_id)
        if not forget(session, org.id, phrase_id):
            raise click.ClickException(f"没有编号为 {phrase_id} 的说法")
        session.commit()
    engine.dispose()
    click.echo(f"已删除第{phrase_id}条说法。")
