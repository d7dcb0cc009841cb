"""The chat platforms, one folder each (bot/platforms/<name>/: inbound adapter, protocol, outbound client,
behind `base.Platform`), registered here and only here.

Adding a platform = its folder and one line in `REGISTERED` (docs/channels.md shows a skeleton). The order is
the order the sender tries them: a person is reached on the first platform that has an account of theirs; the
web chat, the last resort of a demo, comes last.
"""
from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from ..config import Config
from ..push.http import Http
from ..push.outbox import Outbox
from ..push.sender import PlatformSender
from ..push.tokens import TokenStore
from .base import Platform, Wiring
from .dingtalk import DingTalk
from .web import Web
from .wecom import Wecom

REGISTERED: tuple[type[Platform], ...] = (
    Wecom,
    DingTalk,
    Web,
)


def build(config: Config, sessions: sessionmaker[Session], *, http: Http | None = None) -> list[Platform]:
    """One of each registered platform, sharing one HTTP client and one token store."""
    http, tokens = http or Http(), TokenStore(sessions)
    return [platform(config, tokens=tokens, http=http) for platform in REGISTERED]


def build_sender(config: Config, sessions: sessionmaker[Session], *, http: Http | None = None,
                 **outbox_kwargs: Any) -> PlatformSender:
    """The bot's Sender over every registered platform (`outbox_kwargs`: limiter, backoff, claim_seconds, clock)."""
    return PlatformSender(sessions=sessions, outbox=Outbox(sessions, **outbox_kwargs),
                          platforms=build(config, sessions, http=http))


def register(app: Flask, runtime: Any, background: Any, sorry: str) -> None:
    """Every platform's routes, and the adapters they hand requests to (`services["<name>_channel"]`); `sorry` is
    what a person is told when the conversation core itself fails."""
    services = runtime.services
    wiring = Wiring(services["conversation"], services["sender"], background, runtime.sessions, sorry)
    for platform in services["platforms"]:
        bp = platform.blueprint()
        if bp is not None:
            app.register_blueprint(bp)
        adapter = platform.adapter(wiring)
        if adapter is not None:
            services[f"{platform.name}_channel"] = adapter


def start_connections(runtime: Any) -> list[Any]:
    """The connections platforms open themselves (DingTalk Stream mode), once per process."""
    started = [platform.start(runtime) for platform in runtime.services.get("platforms", ())]
    return [s for s in started if s is not None]
