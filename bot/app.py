"""The Flask app factory (as in Flask's tutorial): config, store, blueprints."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Config
from .db import create_schema, make_engine, make_session_factory


@dataclass
class Runtime:
    """What every request handler needs, built once per process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    services: dict[str, Any] = field(default_factory=dict)  # conversation core, pushers, … (set by their owners)


def create_app(config: Config | None = None, *, init_schema: bool = True) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__, template_folder="../templates", static_folder=None)
    app.config["SECRET_KEY"] = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # hostile bodies get a 413, not our memory
    engine = make_engine(config.database_url)
    if init_schema:
        create_schema(engine)
    runtime = Runtime(config=config, engine=engine, sessions=make_session_factory(engine))
    app.extensions["zhibu"] = runtime

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    @app.get("/")
    def index() -> str:
        return "<!doctype html><meta charset=utf-8><title>支部助手</title><h1>支部助手 zhibu-bot</h1>"

    return app


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["zhibu"]
