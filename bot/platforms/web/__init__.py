"""The local web chat (demo): a visitor picks a demo person and talks to the bot (`adapter`), replies shown as
the platforms show them (`render`). It sends nothing anywhere: what the bot sends a person or a chat outside
a reply is only logged (`outbound_message`), and the chat page reads it from there."""
from __future__ import annotations

from typing import Any, Sequence

from ...models import Person
from ...push.outbox import Outgoing
from ...push.sender import Chat
from ..base import Limits, Platform
from .mode import web_chat_enabled


class Web(Platform):
    name, label, account_column = "web", "网页对话", None
    limits = Limits()

    @property
    def enabled(self) -> bool:
        return web_chat_enabled(self.config)

    def account_of(self, person: Person) -> str | None:
        """Everyone has a web inbox while the web chat is on (the last resort: tried after the real platforms)."""
        return str(person.id) if self.enabled else None

    def to_account(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        return Outgoing("web", "markdown" if markdown else "text", None) if self.enabled else None

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None:
        """Any chat no platform could reach shows in the web chat of its members."""
        return Outgoing("web", "markdown" if markdown else "text", None) if self.enabled else None
