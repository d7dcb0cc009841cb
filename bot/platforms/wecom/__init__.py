"""WeChat Work (企业微信): a self-built app's callback (`adapter`, `protocol`) and its message API and group
robots (`client`). docs/channels.md says how to set one up."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ...models import Person
from ...push.outbox import Outgoing
from ...push.sender import Chat, Picture
from ..base import Limits, Platform, Wiring
from .client import WecomApp, WecomRobot
from .protocol import MAX_BODY


class Wecom(Platform):
    name, label, account_column = "wecom", "企业微信", "wecom_userid"
    limits = Limits(answer_within=3.5, max_body=MAX_BODY, chat_per_minute=20)  # WeChat Work gives up after 5 s
    client_class = WecomApp
    app: WecomApp

    def to_account(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        if not self.enabled:
            return None
        if markdown:
            return Outgoing("wecom_app", "markdown", lambda: self.app.send_markdown(account, markdown))
        return Outgoing("wecom_app", "text", lambda: self.app.send_text(account, text))

    def late_reply(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        """A late reply goes out as plain text (the passive reply it replaces was text)."""
        return Outgoing("wecom_app", "text", lambda: self.app.send_text(account, text), payload={"text": text})

    def file_to_account(self, account: str, path: Path) -> Outgoing | None:
        return Outgoing("wecom_app", "file", lambda: self.app.send_file(account, path)) if self.enabled else None

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None:
        kind = "markdown" if markdown else "text"
        if chat.kind == "wecom_robot" and chat.webhook:
            robot = WecomRobot(chat.webhook, self.config.wecom_api_base, self.http)
            ids = [p.wecom_userid for p in mentions if p.wecom_userid]
            call = (lambda: robot.send_markdown(markdown + "".join(f"\n<@{i}>" for i in ids))) if markdown \
                else (lambda: robot.send_text(text, ids))
            return Outgoing("wecom_robot", kind, call, rate_limited=True)
        if chat.kind == "wecom_app" and chat.chat_id and self.enabled:
            return Outgoing("wecom_app", kind, lambda: self.app.send(kind, {"content": markdown or text},
                                                                     chatid=chat.chat_id))
        return None

    def image_to_chat(self, chat: Chat, picture: Picture) -> Outgoing | None:
        """A robot takes the image itself (base64 + md5, ≤ 2 MB); an app chat gets it uploaded as image media."""
        if chat.kind == "wecom_robot" and chat.webhook:
            robot = WecomRobot(chat.webhook, self.config.wecom_api_base, self.http)
            return Outgoing("wecom_robot", "image", lambda: robot.send_image(Path(picture.path)), rate_limited=True)
        if chat.kind == "wecom_app" and chat.chat_id and self.enabled:
            app = self.app
            return Outgoing("wecom_app", "image", lambda: app.send(
                "image", {"media_id": app.upload_media(Path(picture.path), "image")}, chatid=chat.chat_id))
        return None

    def adapter(self, wiring: Wiring) -> Any:
        """The callback handler, when the callback settings (corp id, token, AES key) are there."""
        if not self.config.wecom_enabled:
            return None
        from .adapter import WecomChannel
        from .protocol import WecomCrypto

        crypto = WecomCrypto(self.config.wecom_token, self.config.wecom_aes_key, self.config.wecom_corp_id)
        return WecomChannel(crypto, wiring.conversation, wiring.sender, wiring.background, client=self.app,
                            config=self.config, sorry=wiring.sorry, budget=self.limits.answer_within)
