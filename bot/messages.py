"""Channel-neutral messages: what adapters hand to the conversation core and get back.

No Flask object crosses this line (DESIGN.md: adapters are thin translators).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


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
