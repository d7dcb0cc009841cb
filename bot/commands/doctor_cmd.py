"""`zhibu doctor`: list what is unsafe in the current settings (bot/security/doctor.py); exit 1 on a danger."""
from __future__ import annotations

import click

LABELS = {"danger": "危险", "warning": "注意", "ok": "正常"}


def run_checks(workers: int | None = None, default_workers: int = 1) -> list:
    """The findings for the environment's settings and database (the database is read, never changed), for
    `workers` processes (else ZHIBU_WORKERS, else `default_workers`)."""
    from sqlalchemy import inspect

    from bot.config import Config
    from bot.db import make_engine, make_session_factory
    from bot.security.doctor import findings

    config = Config.from_env()
    workers = workers or config.workers or default_workers
    engine = make_engine(config.database_url)
    try:
        if "organisation" in inspect(engine).get_table_names():
            with make_session_factory(engine)() as s:
                return findings(config, s, workers)
        return findings(config, None, workers)
    finally:
        engine.dispose()


def echo_findings(found: list) -> None:
    for f in found:
        click.echo(f"[{LABELS.get(f.level, f.level)}] {f.setting}: {f.message}")


@click.command()
@click.option("--workers", default=None, type=int, help="按这个进程数检查（默认 ZHIBU_WORKERS 或 1）")
def doctor(workers: int | None) -> None:
    """检查当前设置是否安全（密钥、演示模式、网页聊天、对外地址、数据库）。"""
    from bot.security.doctor import dangers

    found = run_checks(workers)
    echo_findings(found)
    if dangers(found):
        raise SystemExit(1)
