"""The settings (bot/config.py): one typed object from the environment and `.env`, read as the old reader did."""
from __future__ import annotations

from bot.config import Config, settings


def test_from_env_reads_prefixed_names_and_treats_empty_as_unset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZHIBU_DATABASE_URL", "sqlite:///x.sqlite3")
    monkeypatch.setenv("ZHIBU_TIMEZONE", "")
    monkeypatch.setenv("ZHIBU_DINGTALK_MODE", " Stream ")
    monkeypatch.setenv("ZHIBU_DEMO", "no")
    monkeypatch.setenv("ZHIBU_WORKERS", "3")
    monkeypatch.setenv("ZHIBU_THREADS", "many")  # not a number: the default, as gunicorn's settings always did
    monkeypatch.setenv("ZHIBU_OFFICE_PASSWORD", "a-long-office-password")
    config = Config.from_env(env_file=None)
    assert config.database_url == "sqlite:///x.sqlite3" and config.timezone == "Asia/Shanghai"
    assert config.dingtalk_mode == "stream" and config.demo is False
    assert (config.workers, config.threads, config.office_password) == (3, 2, "a-long-office-password")


def test_the_demo_switch_keeps_its_old_reading(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for raw, on in (("0", False), ("false", False), ("no", False), ("1", True), ("yes", True), ("False", True)):
        monkeypatch.setenv("ZHIBU_DEMO", raw)
        assert Config.from_env(env_file=None).demo is on, raw


def test_a_dotenv_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ZHIBU_PUBLIC_URL=https://dj.example.org\nZHIBU_WEB_CHAT=off\n", encoding="utf-8")
    monkeypatch.setenv("ZHIBU_WEB_CHAT", "on")
    config = Config.from_env()
    assert (config.public_url, config.web_chat) == ("https://dj.example.org", "on")
    assert Config.from_env(env_file=None).public_url == "http://127.0.0.1:8000"


def test_the_secret_key_comes_from_the_environment_then_the_override_then_the_kept_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZHIBU_SECRET_KEY", raising=False)
    monkeypatch.delenv("ZHIBU_SECRET_KEY_FILE", raising=False)
    kept = Config.from_env(env_file=None).secret_key
    assert (tmp_path / "var" / "secret_key").read_text().strip() == kept and len(kept) >= 32
    assert Config.from_env(env_file=None, secret_key="given-key").secret_key == "given-key"
    monkeypatch.setenv("ZHIBU_SECRET_KEY", "from-the-environment")
    assert Config.from_env(env_file=None, secret_key="given-key").secret_key == "from-the-environment"


def test_a_config_made_in_code_reads_nothing(monkeypatch):
    monkeypatch.setenv("ZHIBU_DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("ZHIBU_SECRET_KEY", "from-the-environment")
    config = Config(timezone="UTC")
    assert config.database_url == "sqlite:///var/zhibu.sqlite3" and config.timezone == "UTC"
    assert config.secret_key != "from-the-environment" and len(config.secret_key) >= 32
    assert Config(secret_key="x" * 40).secret_key == "x" * 40


def test_settings_are_read_once_per_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "a"))
    first = settings()
    assert settings() is first and first.export_dir == str(tmp_path / "a")
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "b"))
    assert settings().export_dir == str(tmp_path / "b")


def test_the_example_environment_file_lists_every_setting():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "deploy" / "zhibu.env.example").read_text(encoding="utf-8")
    listed = {line.lstrip("# ").split("=", 1)[0] for line in text.splitlines() if "ZHIBU_" in line.split("=", 1)[0]}
    wanted = {f"ZHIBU_{name.upper()}" for name in Config.model_fields if name != "extra"}
    assert wanted - listed == set()
    assert "ZHIBU_DINGTALK_MODE" in listed and "ZHIBU_OFFICE_PASSWORD" in listed
