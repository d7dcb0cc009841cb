"""The Sender: the one outbound API of the bot (bot.messages.Sender), over the platforms it is handed.

It never imports a platform: `bot.platforms.build_sender` hands it the registered ones, in order. For each
message it asks them in turn for an `Outgoing` (the first that can reach the person or chat prepares it) and
runs it through the outbox: a row in `outbound_message` per message, whose `target` is `person:<id>`,
`target:<id>` or `user:<account>` (the web chat reads a person's rows from there).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..models import Person, PushTarget
from .outbox import Delivery, Outbox, Outgoing

log = logging.getLogger("bot.push")


@dataclass(frozen=True)
class Chat:
    """A group chat the bot pushes to (a `push_target` row), as the platforms read it."""

    id: int
    kind: str  # push_target.platform: which platform serves it and how (wecom_robot, dingtalk_app, web, …)
    name: str
    webhook: str | None = None
    secret: str | None = None
    chat_id: str | None = None


@dataclass(frozen=True)
class Picture:
    """An image for a chat: uploaded where the platform takes one, else shown by its link."""

    path: Path
    title: str
    url: str  # where it can be fetched (signed, time-limited)
    alt: str = "图片"


class Outlet(Protocol):
    """What the sender asks of a platform (bot/platforms/base.py `Platform` implements it): None = not mine."""

    name: str

    @property
    def addressable(self) -> bool: ...  # people have accounts of their own on it (a late reply can reach them)

    @property
    def enabled(self) -> bool: ...

    def account_of(self, person: Person) -> str | None: ...

    def to_account(self, account: str, text: str, markdown: str | None) -> Outgoing | None: ...

    def late_reply(self, account: str, text: str, markdown: str | None) -> Outgoing | None: ...

    def file_to_account(self, account: str, path: Path) -> Outgoing | None: ...

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None: ...

    def image_to_chat(self, chat: Chat, picture: Picture) -> Outgoing | None: ...


@dataclass
class PlatformSender:
    """`bot.messages.Sender` over the platforms it is handed (registration order = the order they are tried)."""

    sessions: sessionmaker[Session]
    outbox: Outbox
    platforms: Sequence[Outlet] = field(default_factory=tuple)

    @staticmethod
    def _key(key: str | None) -> str:
        return key or f"auto:{uuid.uuid4().hex}"

    def platform(self, name: str) -> Outlet | None:
        return next((p for p in self.platforms if p.name == name), None)

    def deliver(self, key: str, out: Outgoing, *, target: str, payload: dict, reason: str) -> Delivery:
        """Send (or, for a message only logged, record) one prepared message exactly once under `key`."""
        payload = out.payload if out.payload is not None else payload
        if out.call is None:
            return self.outbox.record(key, platform=out.channel, target=target, kind=out.kind, payload=payload,
                                      reason=reason)
        return self.outbox.deliver(key, platform=out.channel, target=target, kind=out.kind, payload=payload,
                                   reason=reason, call=out.call, rate_key=target if out.rate_limited else None)

    def known(self, key: str) -> bool:
        """Whether anything was ever sent, or tried, under this key."""
        return self.outbox.known(key)

    def _person(self, person_id: int) -> tuple[Person | None, list[tuple[Outlet, str | None]]]:
        with self.sessions() as s:
            person = s.get(Person, person_id)
            return person, [(p, p.account_of(person) if person else None) for p in self.platforms]

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *,
                       key: str | None = None, reason: str = "") -> bool:
        person, accounts = self._person(person_id)
        idem, target = self._key(key), f"person:{person_id}"
        payload = {"text": text, "markdown": markdown}
        if person is None:
            log.error("send_to_person: no person %s", person_id)
            return False
        for platform, account in accounts:
            out = platform.to_account(account, text, markdown) if account else None
            if out is not None:
                return self.deliver(idem, out, target=target, payload=payload, reason=reason).sent
        self.outbox.record(idem, platform="none", target=target, kind="text", payload=payload, reason=reason,
                           status="failed", error="no channel for this person")
        log.error("no channel to reach person %s", person_id)
        return False

    def send_file_to_person(self, person_id: int, path: Path, *, key: str | None = None, reason: str = "") -> bool:
        _, accounts = self._person(person_id)
        idem, target, payload = self._key(key), f"person:{person_id}", {"file": Path(path).name}
        for platform, account in accounts:
            out = platform.file_to_account(account, Path(path)) if account else None
            if out is not None:
                return self.deliver(idem, out, target=target, payload=payload, reason=reason).sent
        return False

    def send_to_user_id(self, platform: str, user_id: str, text: str, markdown: str | None = None, *,
                        key: str, reason: str = "", files: Sequence[Path] = ()) -> bool | None:
        """A late reply to whoever wrote (the account may not be in the roster yet). None: that channel has no
        accounts of its own (the web chat, the console): the caller reaches the person instead."""
        outlet = self.platform(platform)
        if outlet is None or not outlet.addressable:
            return None
        if not outlet.enabled:
            return False
        ok, target = True, f"user:{user_id}"
        out = outlet.late_reply(user_id, text, markdown) if text else None
        if out is not None:
            ok = self.deliver(key, out, target=target, payload={"text": text, "markdown": markdown}, reason=reason).sent
        for i, path in enumerate(files):
            out = outlet.file_to_account(user_id, Path(path))
            ok = out is not None and self.deliver(f"{key}:file:{i}", out, target=target,
                                                  payload={"file": Path(path).name}, reason=reason).sent and ok
        return ok

    def _chat(self, target_id: int, mentions: Sequence[int] = ()) -> tuple[Chat | None, list[Person]]:
        with self.sessions() as s:
            t = s.get(PushTarget, target_id)
            if t is None:
                return None, []
            people = list(s.execute(select(Person).where(Person.id.in_(list(mentions)))).scalars()) if mentions else []
            return Chat(t.id, t.platform, t.name, t.webhook_url, t.secret, t.chat_id), people

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *,
                       mentions: Sequence[int] = (), key: str | None = None, reason: str = "") -> bool:
        chat, people = self._chat(target_id, mentions)
        if chat is None:
            log.error("send_to_target: no push target %s", target_id)
            return False
        idem, target = self._key(key), f"target:{target_id}"
        payload = {"text": text, "markdown": markdown, "mentions": list(mentions), "name": chat.name}
        for platform in self.platforms:
            out = platform.to_chat(chat, text, markdown, people)
            if out is not None:
                return self.deliver(idem, out, target=target, payload=payload, reason=reason).sent
        log.error("push target %s (%s) cannot be reached with this configuration", target_id, chat.kind)
        return False

    def send_image_to_target(self, target_id: int, picture: Picture, text: str, markdown: str | None = None, *,
                             key: str, reason: str = "") -> bool:
        """An image where the chat's platform takes one (or its link, where it cannot upload), else `text` /
        `markdown` as a message (the web chat)."""
        chat, _ = self._chat(target_id)
        if chat is None:
            log.error("image push: no push target %s", target_id)
            return False
        payload = {"image": Path(picture.path).name, "title": picture.title, "url": picture.url}
        for platform in self.platforms:
            out = platform.image_to_chat(chat, picture)
            if out is not None:
                return self.deliver(key, out, target=f"target:{target_id}", payload=payload, reason=reason).sent
        return self.send_to_target(target_id, text, markdown, key=key, reason=reason)
