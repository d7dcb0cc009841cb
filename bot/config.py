"""Configuration from the environment (optionally a `.env` file); the names are listed in docs/deployment.md."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path

from .security.keys import load_or_create

DEFAULT_SQLITE = "sqlite:///var/zhibu.sqlite3"


def _env(name: str, default: str | None = None) -> str | None:
    val = os.environ.get(name)
    return val if val not in (None, "") else default


@dataclass(frozen=True)
class Config:
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
    dingtalk_mode: str = "http"  # http: DingTalk POSTs to /dingtalk/callback; stream: the bot connects out (no public address)
    secret_key: str = ""  # empty: a random key for this process only (from_env keeps one under var/)
    public_url: str = "http://127.0.0.1:8000"  # how people reach the dashboard (links the bot sends)
    demo: bool = True  # seed a demo organisation when the database is empty
    web_chat: str = "auto"  # local web chat at "/": auto (only when no platform is configured) / on / off
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides) -> "Config":
        if env_file and Path(env_file).is_file():
            from dotenv import load_dotenv

            load_dotenv(env_file, override=False)
        values = {
            "database_url": _env("ZHIBU_DATABASE_URL", DEFAULT_SQLITE),
            "timezone": _env("ZHIBU_TIMEZONE", "Asia/Shanghai"),
            "wecom_corp_id": _env("ZHIBU_WECOM_CORP_ID"),
            "wecom_token": _env("ZHIBU_WECOM_TOKEN"),
            "wecom_aes_key": _env("ZHIBU_WECOM_AES_KEY"),
            "wecom_secret": _env("ZHIBU_WECOM_SECRET"),
            "wecom_agent_id": _env("ZHIBU_WECOM_AGENT_ID"),
            "wecom_api_base": _env("ZHIBU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
            "dingtalk_app_key": _env("ZHIBU_DINGTALK_APP_KEY"),
            "dingtalk_app_secret": _env("ZHIBU_DINGTALK_APP_SECRET"),
            "dingtalk_api_base": _env("ZHIBU_DINGTALK_API_BASE", "https://oapi.dingtalk.com"),
            "dingtalk_new_api_base": _env("ZHIBU_DINGTALK_NEW_API_BASE", "https://api.dingtalk.com"),
            "dingtalk_mode": (_env("ZHIBU_DINGTALK_MODE", "http") or "http").strip().lower(),
            "secret_key": _env("ZHIBU_SECRET_KEY") or overrides.get("secret_key") or load_or_create(),
            "public_url": _env("ZHIBU_PUBLIC_URL", "http://127.0.0.1:8000"),
            "demo": _env("ZHIBU_DEMO", "1") not in ("0", "false", "no"),
            "web_chat": _env("ZHIBU_WEB_CHAT", "auto"),
        }
        known = {f.name for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if k in known})
        return cls(**values)

    def __post_init__(self) -> None:
        if not self.secret_key:  # never a built-in key: a Config made in code gets a random one
            object.__setattr__(self, "secret_key", secrets.token_urlsafe(48))

    @property
    def wecom_enabled(self) -> bool:
        return bool(self.wecom_corp_id and self.wecom_token and self.wecom_aes_key)

    @property
    def dingtalk_enabled(self) -> bool:
        return bool(self.dingtalk_app_secret)
