"""The `Platform` interface: everything the bot knows of one chat platform, behind one object.

A platform's folder (bot/platforms/<name>/) holds its inbound adapter (Flask routes, or a connection it opens
itself), its protocol (signatures, encryption, parsing) and its outbound client; its `__init__.py` defines a
`Platform` subclass, and bot/platforms/__init__.py registers it with one line. Nothing outside bot/platforms/
compares platform names: the sender asks each platform in turn (`None` = not mine), the conversation core and
the roster read a channel's account column from the `Person` table (`<name>_userid`, bot/store.py).

Inbound, each platform's adapter does the same four steps (their shapes differ too much to share one signature):
verify (signature, timestamp, replay; `Rejected` → a 4xx that changes nothing), parse (the platform's message →
`bot.messages.Inbound`), handle within the platform's answer window (`window.within_window`, media fetched first:
`media_fetch`), answer (in the HTTP response, through a session webhook, or late through the send API).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from flask import Blueprint

from ..config import Config
from ..messages import Sender
from ..models import Person
from ..push.http import Http
from ..push.outbox import Outgoing
from ..push.sender import Chat, Picture
from ..push.tokens import TokenStore


@dataclass(frozen=True)
class Wiring:
    """What an adapter is handed by the app: the conversation core, the sender, the pool for late work, the
    database, and the line a person gets when the core itself fails (templates/replies/channel_sorry.j2)."""

    conversation: Any
    sender: Sender
    background: Any
    sessions: Any
    sorry: str


@dataclass(frozen=True)
class Limits:
    """What the platform allows, as the code keeps to it."""

    answer_within: float | None = None  # seconds to answer a callback inside its window (None: no callback)
    max_body: int | None = None  # bytes of a callback body
    chat_per_minute: int | None = None  # messages a group robot takes a minute (queued, never dropped)


class Platform:
    """One chat platform. Outbound methods answer an `Outgoing` for the outbox, or None: not for this platform
    (another one is asked), or not configured."""

    name: str = ""  # the channel of its inbound messages (inbound_message.channel) and its folder's name
    label: str = ""  # how people call it (企业微信)
    account_column: str | None = None  # the Person column of its account ids; None: it speaks as roster people
    limits: Limits = Limits()
    client_class: type | None = None  # its send API: built as client_class(config, tokens, http)

    def __init__(self, config: Config, *, tokens: TokenStore | None = None, http: Http | None = None) -> None:
        self.config, self.http = config, http or Http()
        self.app = self.client_class(config, tokens, self.http) if self.client_class else None

    # -- outbound ---------------------------------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """Its send API is configured."""
        return bool(self.app is not None and self.app.enabled)

    @property
    def addressable(self) -> bool:
        """People have accounts of their own on it: a late reply can reach an account not (yet) in the roster."""
        return self.account_column is not None

    def account_of(self, person: Person) -> str | None:
        return getattr(person, self.account_column) if self.account_column else None

    def to_account(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        return None

    def late_reply(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        return self.to_account(account, text, markdown)

    def file_to_account(self, account: str, path: Path) -> Outgoing | None:
        return None

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None:
        return None

    def image_to_chat(self, chat: Chat, picture: Picture) -> Outgoing | None:
        return None

    # -- inbound ----------------------------------------------------------------------------------------------
    def blueprint(self) -> Blueprint | None:
        """Its routes (callbacks, pages), registered on every app: by convention `bp` of its folder's `adapter`."""
        name = f"{type(self).__module__}.adapter"
        try:
            adapter = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            return None
        return getattr(adapter, "bp", None)

    def adapter(self, wiring: Wiring) -> Any:
        """The object its routes hand requests to (None: inbound not configured); kept in the app's services."""
        return None

    def start(self, runtime: Any) -> Any:
        """A connection the platform opens itself (DingTalk Stream mode), started once per process; else None."""
        return None
