"""Channel-neutral messages: what adapters hand to the conversation core and get back.

No Flask object crosses this line: the channel adapters are thin translators.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Sequence


@dataclass(frozen=True)
class Inbound:
    channel: str  # "wecom" | "dingtalk" | "web" | "console"
    account: str  # the sender's user id on that channel (web/console: a person's wecom id or person id)
    dedup_key: str  # MsgId / msgId / FromUserName+CreateTime; unique per channel
    text: str = ""
    kind: str = "text"  # text / image / file / event
    received_at: datetime | None = None  # UTC, naive; None = now
    conversation_id: str | None = None
    is_group: bool = False
    media: dict | None = None  # {"media_id":…, "filename":…, "url":…, "pic_url":…}
    event: str | None = None  # e.g. "enter_agent"


@dataclass
class Reply:
    text: str  # plain text, always present
    markdown: str | None = None  # where the platform renders markdown
    files: list[Path] = field(default_factory=list)  # exports handed over to the person
    duplicate: bool = False  # the inbound message was a platform retry: the adapter sends nothing new


class Sender(Protocol):
    """How handlers, reminders and the platforms' adapters reach people outside the current reply
    (bot/push/sender.py implements it over the registered platforms).

    `key` is an idempotency key: the same key is sent at most once, across processes and restarts.
    Returns True when the message was sent (or had already been sent under that key).
    """

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *,
                       key: str | None = None, reason: str = "") -> bool: ...

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *,
                       mentions: Sequence[int] = (), key: str | None = None, reason: str = "") -> bool: ...

    def send_to_user_id(self, platform: str, user_id: str, text: str, markdown: str | None = None, *,
                        key: str, reason: str = "", files: Sequence[Path] = ()) -> bool | None:
        """To an account on the channel a message came from; None when that channel has no accounts of its own
        (the web chat, the console): the caller reaches the person instead."""
        ...

    def send_image_to_target(self, target_id: int, picture: Any, text: str, markdown: str | None = None, *,
                             key: str, reason: str = "") -> bool:
        """An image (bot.push.sender.Picture) where the chat's platform takes one, else `text` / `markdown`."""
        ...


@dataclass
class RecordingSender:
    """A Sender for tests: keeps a transcript instead of sending (zulip's StubBotHandler idea)."""

    sent: list[dict] = field(default_factory=list)

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *,
                       key: str | None = None, reason: str = "") -> bool:
        if key is not None and any(m.get("key") == key for m in self.sent):
            return True
        self.sent.append({"to": "person", "id": person_id, "text": text, "markdown": markdown, "key": key, "reason": reason})
        return True

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *,
                       mentions: Sequence[int] = (), key: str | None = None, reason: str = "") -> bool:
        if key is not None and any(m.get("key") == key for m in self.sent):
            return True
        self.sent.append({"to": "target", "id": target_id, "text": text, "markdown": markdown,
                          "mentions": list(mentions), "key": key, "reason": reason})
        return True

    def send_to_user_id(self, platform: str, user_id: str, text: str, markdown: str | None = None, *,
                        key: str, reason: str = "", files: Sequence[Path] = ()) -> bool | None:
        """No platform accounts here: the caller reaches the person."""
        return None

    def send_image_to_target(self, target_id: int, picture: Any, text: str, markdown: str | None = None, *,
                             key: str, reason: str = "") -> bool:
        """An image is recorded as the message a chat without images gets."""
        return self.send_to_target(target_id, text, markdown, key=key, reason=reason)
