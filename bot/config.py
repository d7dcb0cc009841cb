"""The settings: one typed object (pydantic-settings) read from the environment and an optional `.env` file, once
per process (`settings()`, or the app's own `Config.from_env()`); every `ZHIBU_…` name is listed in
deploy/zhibu.env.example and explained in docs/deployment.md.

`Config(...)` made in code (tests) reads nothing: defaults, the given values and a random key for this process.
`Config.from_env()` reads `ZHIBU_<FIELD>` (an empty value counts as unset) and the `.env` file; keyword overrides
fill what the environment leaves unset for the secret key, and win for everything else.
"""
from __future__ import annotations

import os
import secrets
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .security.keys import key_file, load_or_create

DEFAULT_SQLITE = "sqlite:///var/zhibu.sqlite3"
PREFIX = "ZHIBU_"
_READING_ENV: ContextVar[bool] = ContextVar("zhibu_reading_env", default=False)


class Config(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="ignore", frozen=True,
                                      env_file_encoding="utf-8")

    database_url: str = DEFAULT_SQLITE
    timezone: str = "Asia/Shanghai"
    wecom_corp_id: str | None = None
    wecom_token: str | None = None
    wecom_aes_key: str | None = None
    wecom_secret: str | None = None
    wecom_agent_id: str | None = None
    wecom_api_base: str = "https://qyapi.weixin.qq.com"
    dingtalk_app_key: str | None = None
    dingtalk_app_secret: str | None = None
    dingtalk_api_base: str = "https://oapi.dingtalk.com"
    dingtalk_new_api_base: str = "https://api.dingtalk.com"
    dingtalk_mode: str = "http"  # http: DingTalk POSTs to /dingtalk/callback; stream: the bot connects out
    secret_key: str = ""  # empty: a random key for this process only (from_env keeps one under var/)
    secret_key_file: str | None = None  # where from_env keeps the generated key (default var/secret_key)
    var_dir: str = "var"
    public_url: str = "http://127.0.0.1:8000"  # how people reach the dashboard (links the bot sends)
    demo: bool = True  # seed a demo organisation when the database is empty
    web_chat: str = "auto"  # local web chat at "/": auto (only when no platform is configured) / on / off
    office_password: str | None = None  # optional dashboard password (≥ 12 characters; the bot's links need none)
    export_dir: str = "var/exports"  # files the chat's exports write
    media_dir: str | None = None  # files people send (default bot/media.py's DEFAULT_DIR)
    media_max_mb: str | None = None  # a number; anything else: the default limit
    scheduler: bool = False  # run the reminder scheduler inside the web app (`zhibu serve` turns it on)
    # gunicorn (`zhibu serve`, bot/gunicorn_conf.py)
    bind: str = "127.0.0.1:8000"
    workers: int | None = None  # default: 2 × CPU for serve, 1 for doctor
    threads: int = 2
    worker_timeout: int = 30
    worker_class: str = "gthread"
    max_requests: int = 20000
    access_log: str | None = None
    log_level: str = "info"
    forwarded_allow_ips: str = "127.0.0.1"
    extra: dict = {}

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        """The environment and `.env` only through from_env: a Config made in code is what the code says."""
        if _READING_ENV.get():
            return init_settings, env_settings, dotenv_settings
        return (init_settings,)

    @field_validator("demo", mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        """As ever: only 0 / false / no turn the demo off."""
        return value not in ("0", "false", "no") if isinstance(value, str) else value

    @field_validator("scheduler", mode="before")
    @classmethod
    def _on(cls, value: Any) -> Any:
        return value.lower() in ("1", "true", "yes", "on") if isinstance(value, str) else value

    @field_validator("dingtalk_mode", mode="before")
    @classmethod
    def _mode(cls, value: Any) -> Any:
        return (value or "http").strip().lower() if isinstance(value, str) else value

    @field_validator("workers", "threads", "worker_timeout", "max_requests", mode="before")
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> Any:
        """A count that is not a number is ignored (the default applies), as gunicorn's settings always did."""
        if isinstance(value, str) and not value.strip().isdigit():
            return cls.model_fields[info.field_name].default
        return value

    def model_post_init(self, _context: Any) -> None:
        if not self.secret_key and not _READING_ENV.get():  # never a built-in key: made in code, a random one
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides: Any) -> "Config":
        """The environment's settings (and `env_file`'s, when it exists), with `overrides` (tests, the CLI)."""
        given_key = overrides.pop("secret_key", None)
        token = _READING_ENV.set(True)
        try:
            found = env_file if env_file and Path(env_file).is_file() else None
            config = cls(_env_file=found, **overrides)
        finally:
            _READING_ENV.reset(token)
        key = config.secret_key or given_key or load_or_create(key_file(config.secret_key_file, config.var_dir))
        return config.model_copy(update={"secret_key": key})

    @property
    def wecom_enabled(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_token and self.wecom_aes_key)

    @property
    def dingtalk_enabled(self) -> bool:
        return bool(self.dingtalk_app_secret)


def settings() -> Config:
    """This process's settings, read once — again only when its `ZHIBU_` environment changes (a test's
    monkeypatch; gunicorn's master handing the scheduler to its workers)."""
    return _read(frozenset((k, v) for k, v in os.environ.items() if k.startswith(PREFIX)))


@lru_cache(maxsize=8)
def _read(_environment: frozenset) -> Config:
    return Config.from_env()
