"""The Flask app factory (as in Flask's tutorial): config, store, services, blueprints.

Everything slow happens here, once per process and before gunicorn forks (`--preload`): jieba's
dictionaries, the schema, the demo organisation. Requests then only do the per-message work.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .config import Config
from .db import create_schema, make_engine, make_session_factory

log = logging.getLogger("bot")


@dataclass
class Runtime:
    """What every request handler needs, built once per process."""

    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    services: dict[str, Any] = field(default_factory=dict)  # conversation core, pushers, … (set by their owners)


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


def create_app(config: Config | None = None, *, init_schema: bool = True, conversation: Any = None,
               clock: Callable[[], datetime] | None = None) -> Flask:
    """`conversation` and `clock` let tests hand in fakes; by default the real conversation core is used."""
    config = config or Config.from_env()
    app = Flask(__name__, template_folder="../templates", static_folder=None)
    app.config["SECRET_KEY"] = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024  # hostile bodies get a 413, not our memory
    app.json.ensure_ascii = False
    engine = make_engine(config.database_url)
    if init_schema:
        create_schema(engine)
    runtime = Runtime(config=config, engine=engine, sessions=make_session_factory(engine))
    app.extensions["zhibu"] = runtime

    from .platforms import build_sender
    from .push.http import install_redaction

    install_redaction()
    clock = clock or utc_clock
    _warm_up_nlp()
    sender = build_sender(config, runtime.sessions)
    runtime.services["sender"] = sender
    runtime.services["platforms"] = sender.platforms
    runtime.services["clock"] = clock
    if conversation is None:
        conversation = _build_conversation(runtime, clock, sender)
    runtime.services["conversation"] = conversation
    from .security.demo_mode import platform_configured

    if config.demo and not platform_configured(config):  # a deployment with a platform never gets demo people
        _seed_demo(runtime, clock)

    from . import platforms
    from .platforms.window import Background

    from handlers.replies import render

    platforms.register(app, runtime, runtime.services.setdefault("background", Background()),
                       sorry=render("channel_sorry", {})[0])
    from . import web
    from .security.web import harden

    harden(app, config.public_url)  # CSRF (Flask-WTF), cookie flags, anti-framing headers
    web.register(app)  # the office pages (Flask-Login sessions)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    from .scheduler import init_app as init_scheduler

    init_scheduler(app)  # only when ZHIBU_SCHEDULER=1; under gunicorn the leader lease keeps one sender
    return app


def _warm_up_nlp() -> None:
    """Load jieba's dictionary before the first message, not during it."""
    import nlp

    nlp.warm_up()


def _build_conversation(runtime: Runtime, clock: Callable[[], datetime], sender: Any) -> Any:
    from .conversation import Conversation

    return Conversation(runtime.sessions, clock, sender, timezone=runtime.config.timezone, config=runtime.config)


def _seed_demo(runtime: Runtime, clock: Callable[[], datetime]) -> None:
    from .demo import seed_demo_if_empty

    now = clock()
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    today: date = now.astimezone(ZoneInfo(runtime.config.timezone)).date()
    if seed_demo_if_empty(runtime.sessions, today):
        log.info("demo organisation created")


def runtime_of(app: Flask) -> Runtime:
    return app.extensions["zhibu"]
