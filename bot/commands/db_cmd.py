"""`zhibu db init|upgrade|demo|backup|restore`: create the schema, migrate it with Alembic, seed the demo committee,
copy the whole store to one file and back (bot/backup.py)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    from bot.config import Config

    return Config.from_env().database_url


def open_store():
    """(engine, session factory) for the configured database, schema created if missing."""
    from bot.db import create_schema, make_engine, make_session_factory

    engine = make_engine(database_url())
    create_schema(engine)
    return engine, make_session_factory(engine)


def alembic_config(url: str | None = None):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return cfg


@click.group()
def db() -> None:
    """数据库：建表、迁移、演示数据。"""


@db.command()
def init() -> None:
    """建表（全新数据库），并把迁移版本标记为最新。"""
    from alembic import command
    from sqlalchemy import inspect

    from bot.db import create_schema, make_engine

    url = database_url()
    engine = make_engine(url)
    existing = set(inspect(engine).get_table_names())
    if existing and "alembic_version" in existing:
        engine.dispose()
        click.echo("数据库已初始化；升级请用 `zhibu db upgrade`。")
        return
    create_schema(engine)
    engine.dispose()
    command.stamp(alembic_config(url), "head")
    click.echo("已建表，迁移版本：head")


@db.command()
def upgrade() -> None:
    """按迁移脚本升级到最新版本（alembic upgrade head）。"""
    from alembic import command

    command.upgrade(alembic_config(), "head")
    click.echo("已升级到最新版本")


@db.command()
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="演示数据的“今天”")
def demo(today) -> None:
    """数据库为空时创建演示综合党委（3个协作组、14个党支部、一年的活动记录）。"""
    from bot.demo import seed_demo_if_empty

    engine, sessions = open_store()
    day = today.date() if today else date.today()
    created = seed_demo_if_empty(sessions, day)
    engine.dispose()
    click.echo("已创建演示组织" if created else "数据库里已有组织，没有创建演示数据")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False))
def backup(file: str) -> None:
    """备份整个数据库到一个文件（SQLite 格式；运行中也可备份，不会覆盖已有文件）。"""
    from bot.backup import backup as take
    from bot.db import make_engine

    engine = make_engine(database_url())
    try:
        info = take(engine, file)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"已备份到 {info.path}：{len(info.rows)} 张表，共 {info.total} 行（迁移版本 {info.revision or '未知'}）。")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="不再确认，直接用备份替换当前数据库里的全部数据")
def restore(file: str, yes: bool) -> None:
    """用备份文件替换当前数据库的全部数据（请先停止服务；一次事务，失败则不改动）。"""
    from bot.backup import read_info, restore as put_back
    from bot.db import make_engine

    try:
        info = read_info(file)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"备份时间 {info.taken_at:%Y-%m-%d %H:%M} UTC，来自 {info.source}，共 {info.total} 行。")
    if not yes:
        click.confirm("这会替换当前数据库里的全部数据，继续吗？", abort=True)
    engine = make_engine(database_url())
    try:
        put_back(engine, file)
    finally:
        engine.dispose()
    click.echo(f"已恢复：{len(info.rows)} 张表，共 {info.total} 行。请重新启动服务。")
