"""The project installs and its entry points answer."""
from click.testing import CliRunner

from bot.app import create_app
from bot.cli import main
from bot.config import Config


def test_cli_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("rubrics", "score", "parse", "roster", "chat", "export", "remind", "run"):
        assert name in result.output


def test_app_serves_health(tmp_path):
    app = create_app(Config.from_env(env_file=None, database_url=f"sqlite:///{tmp_path}/z.sqlite3"))
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"ok": True}
