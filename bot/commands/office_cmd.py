"""`zhibu incident add|list|remove`: the office records 通报批评, 处分, 投诉属实 … (audited)."""
from __future__ import annotations

from datetime import date

import click

ALIASES = {"通报批评": "criticized", "处分": "member_discipline", "党纪处分": "member_discipline",
           "投诉属实": "complaint_verified", "记录本不及时": "record_book_late"}


def incident_key(word: str) -> str | None:
    from handlers.labels import vocabulary

    incidents = vocabulary().get("incidents", {})
    if word in incidents:
        return word
    if word in ALIASES:
        return ALIASES[word]
    for key, label in incidents.items():
        if word == label or word in label:
            return key
    return None


@click.group()
def incident() -> None:
    """办公室登记通报批评、处分等事项（计入评分，留痕）。"""


@incident.command("add")
@click.option("--branch", required=True, help="党支部名称")
@click.option("--key", "kind", required=True, help="事项：criticized / member_discipline / … 或中文（通报批评、处分）")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="日期，默认今天")
@click.option("--count", default=1, show_default=True, type=int, help="次数（人次）")
@click.option("--event", default=None, help="同一件事的编号：涉及多项时只扣一次")
@click.option("--note", default=None, help="说明")
@click.option("--by", "by", default=None, help="登记人账号（办公室）")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="把这一天当作今天")
def add(branch: str, kind: str, day, count: int, event: str | None, note: str | None, by: str | None,
        today) -> None:
    """The date is checked as the chat and the dashboard check it (handlers/values.py): not in a closed
    evaluation year, not after today; the year under review is bot/season.py's."""
    from bot import season
    from bot.commands.db_cmd import open_store
    from bot.store import Store
    from handlers.values import check_day

    key = incident_key(kind)
    if key is None:
        raise click.ClickException(f"不认识的事项“{kind}”。可用：" + "、".join(sorted(ALIASES)) + " 或 scoring/vocabulary.yaml 的 incidents")
    if count < 1:
        raise click.ClickException("次数至少为1")
    engine, sessions = open_store()
    with sessions() as session:
        store = Store(session)
        org = store.organisation()
        b = store.find_branch(org.id, branch) if org else None
        if b is None:
            raise click.ClickException(f"没有找到党支部“{branch}”")
        actor = store.person_by_account("console", by) if by else None
        if by and (actor is None or actor.role != "office"):
            raise click.ClickException(f"{by} 不是办公室人员")
        now = today.date() if today else season.local_today()
        when = day.date() if day else now
        problem = check_day(when, open_year=season.view(store, org, now).review_year, latest=now, action="登记")
        if problem is not None:
            raise click.ClickException(problem.text())
        row = store.add_incident(branch_id=b.id, key=key, day=when, count=count,
                                 event=event, note=note, recorded_by=actor.id if actor else None)
        session.commit()
        click.echo(f"已登记 #{row.id}：{b.name} {key} {row.date.isoformat()} ×{count}")
    engine.dispose()


@incident.command("list")
@click.option("--year", type=int, default=None)
def list_cmd(year: int | None) -> None:
    from bot.commands.db_cmd import open_store
    from bot.models import Branch
    from bot.store import Store

    engine, sessions = open_store()
    with sessions() as session:
        store = Store(session)
        org = store.organisation()
        for row in (store.incidents(org.id, year) if org else []):
            click.echo(f"#{row.id}\t{row.date.isoformat()}\t{session.get(Branch, row.branch_id).name}\t{row.key}\t×{row.count}\t{row.note or ''}")
    engine.dispose()


@incident.command("remove")
@click.argument("incident_id", type=int)
def remove(incident_id: int) -> None:
    from bot.commands.db_cmd import open_store
    from bot.store import Store

    engine, sessions = open_store()
    with sessions() as session:
        row = Store(session).delete_incident(incident_id, None)
        session.commit()
    engine.dispose()
    if row is None:
        raise click.ClickException(f"没有 #{incident_id}")
    click.echo(f"已撤销 #{incident_id}（留痕）")
