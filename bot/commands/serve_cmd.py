"""`zhibu run` (local, SQLite, demo organisation, web chat) and `zhibu serve` (gunicorn, production)."""
from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """本地运行：SQLite（var/zhibu.sqlite3）、演示组织、网页聊天 http://127.0.0.1:8000/"""
    from bot.app import create_app
    from bot.platforms import start_connections
    from bot.platforms.web.mode import web_chat_enabled

    app = create_app()
    config = app.extensions["zhibu"].config
    stream = start_connections(app.extensions["zhibu"])  # DingTalk Stream mode: the bot connects out (one connection)
    click.echo(f"支部助手已启动： http://{host}:{port}/")
    if web_chat_enabled(config):
        click.echo("  网页聊天：打开上面的地址，选一位演示人员开始对话。")
    if config.wecom_enabled:
        click.echo(f"  企业微信回调： http://{host}:{port}/wecom/callback")
    if stream:
        click.echo("  钉钉：Stream 模式（机器人主动连接钉钉，无需公网地址）")
    elif config.dingtalk_enabled:
        click.echo(f"  钉钉回调： http://{host}:{port}/dingtalk/callback")
    click.echo("  按 Ctrl+C 停止。")
    app.run(host=host, port=port, debug=False, use_reloader=False, threaded=True)


@click.command()
@click.option("--bind", default=None, help="host:port（默认 127.0.0.1:8000，或 ZHIBU_BIND）")
@click.option("--workers", default=None, type=int, help="进程数（默认 2×CPU，或 ZHIBU_WORKERS）")
@click.option("--threads", default=None, type=int, help="每个进程的线程数（默认 2，或 ZHIBU_THREADS）")
@click.option("--timeout", default=None, type=int, help="工作进程无响应多少秒后重启（默认 30）")
@click.option("--no-scheduler", is_flag=True, help="不在 web 进程里运行提醒调度器（另行运行 `zhibu scheduler` 时）")
def serve(bind: str | None, workers: int | None, threads: int | None, timeout: int | None, no_scheduler: bool) -> None:
    """生产运行：gunicorn 多进程（bot/gunicorn_conf.py：preload、fork 后重建连接池、调度器租约）。"""
    import os
    import sys

    from bot.commands.doctor_cmd import echo_findings, run_checks
    from bot.security.doctor import dangers

    found = run_checks(workers, default_workers=2)
    if dangers(found):
        echo_findings(dangers(found))
        raise click.ClickException("设置不安全，拒绝启动：请按上面的提示修改（`zhibu doctor` 可随时复查）")
    from bot.config import settings

    env = dict(os.environ)  # handed on to gunicorn, whose app reads its settings again (bot/config.py)
    chosen = settings()  # ZHIBU_SCHEDULER from the environment or .env; unset: on
    wanted = chosen.scheduler if "scheduler" in chosen.model_fields_set else True
    env["ZHIBU_SCHEDULER"] = "1" if wanted and not no_scheduler else "0"
    for name, value in (("ZHIBU_BIND", bind), ("ZHIBU_WORKERS", workers), ("ZHIBU_THREADS", threads),
                        ("ZHIBU_WORKER_TIMEOUT", timeout)):
        if value is not None:
            env[name] = str(value)
    argv = [sys.executable, "-m", "gunicorn", "-c", "python:bot.gunicorn_conf", "bot.wsgi:app"]
    # exec, not a child process: systemd's SIGTERM (graceful stop) and SIGHUP (reload) reach the gunicorn
    # master itself, and no orphaned server outlives `zhibu serve`.
    os.execve(sys.executable, argv, env)


@click.command("dingtalk-stream")
def dingtalk_stream() -> None:
    """只运行钉钉 Stream 连接（ZHIBU_DINGTALK_MODE=stream；与 `zhibu serve` 同时运行也安全：全部署只保持一条连接）。"""
    from bot.app import create_app
    from bot.platforms.dingtalk.stream import from_runtime

    runner = from_runtime(create_app().extensions["zhibu"])
    if runner is None:
        raise click.ClickException("未启用钉钉 Stream 模式：请设置 ZHIBU_DINGTALK_APP_KEY、ZHIBU_DINGTALK_APP_SECRET 和 ZHIBU_DINGTALK_MODE=stream")
    click.echo("钉钉 Stream 模式：连接中（Ctrl+C 停止）")
    runner.run_forever()
