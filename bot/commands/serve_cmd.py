"""`zhibu run` (local, SQLite, demo organisation) and `zhibu serve` (gunicorn)."""
from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """本地运行：SQLite（var/zhibu.sqlite3）、演示组织、网页聊天 http://127.0.0.1:8000/"""
    from bot.app import create_app

    app = create_app()
    click.echo(f"支部助手已启动： http://{host}:{port}/")
    app.run(host=host, port=port, debug=False, use_reloader=False)


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=4, show_default=True, type=int)
def serve(bind: str, workers: int) -> None:
    """生产运行：gunicorn 多进程（配合 PostgreSQL）。"""
    import subprocess
    import sys

    raise SystemExit(subprocess.call([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", bind, "bot.wsgi:app"]))
