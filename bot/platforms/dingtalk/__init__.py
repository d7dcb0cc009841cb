"""DingTalk (钉钉): an app's enterprise robot, by HTTP callback (`adapter`, `protocol`) or over the connection
the bot opens itself (`stream`, Stream mode), its robot API and custom group robots (`client`)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ...models import Person
from ...push.outbox import Outgoing
from ...push.sender import Chat, Picture
from ..base import Limits, Platform, Wiring
from .client import DingTalkApp, DingTalkRobot
from .protocol import MAX_BODY

TITLE = "支部助手"


def message(text: str, markdown: str | None) -> tuple[str, dict]:
    """The robot API's msgKey and msgParam: markdown where the message has it, text otherwise."""
    return ("sampleMarkdown", {"title": TITLE, "text": markdown}) if markdown else ("sampleText", {"content": text})


class DingTalk(Platform):
    name, label, account_column = "dingtalk", "钉钉", "dingtalk_userid"
    limits = Limits(answer_within=10.0, max_body=MAX_BODY, chat_per_minute=20)
    client_class = DingTalkApp
    app: DingTalkApp

    def to_account(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        if not self.enabled:
            return None
        key, param = message(text, markdown)
        return Outgoing("dingtalk_app", "markdown" if markdown else "text",
                        lambda: self.app.send_to_users([account], key, param))

    def late_reply(self, account: str, text: str, markdown: str | None) -> Outgoing | None:
        """A reply normally goes through the message's sessionWebhook; this is for one without it."""
        key, param = message(text, markdown)
        return Outgoing("dingtalk_app", key, lambda: self.app.send_to_users([account], key, param))

    def file_to_account(self, account: str, path: Path) -> Outgoing | None:
        if not self.enabled:
            return None
        return Outgoing("dingtalk_app", "file", lambda: self.app.send_file_to_users([account], path))

    def to_chat(self, chat: Chat, text: str, markdown: str | None, mentions: Sequence[Person]) -> Outgoing | None:
        kind = "markdown" if markdown else "text"
        if chat.kind == "dingtalk_robot" and chat.webhook:
            robot = DingTalkRobot(chat.webhook, chat.secret, self.config.dingtalk_api_base, self.http)
            ids = [p.dingtalk_userid for p in mentions if p.dingtalk_userid]
            at_line = " ".join(f"@{i}" for i in ids)
            call = (lambda: robot.send_markdown(TITLE, markdown + (f"\n\n{at_line}" if at_line else ""), ids)) \
                if markdown else (lambda: robot.send_text(text + (f" {at_line}" if at_line else ""), ids))
            return Outgoing("dingtalk_robot", kind, call, rate_limited=True)
        if chat.kind == "dingtalk_app" and chat.chat_id and self.enabled:
            key, param = message(text, markdown)
            return Outgoing("dingtalk_app", kind, lambda: self.app.send_to_group(chat.chat_id, key, param))
        return None

    def image_to_chat(self, chat: Chat, picture: Picture) -> Outgoing | None:
        """DingTalk robots cannot upload an image: a custom robot gets markdown with the link, an app group
        `sampleImageMsg` with it."""
        if chat.kind == "dingtalk_robot" and chat.webhook:
            robot = DingTalkRobot(chat.webhook, chat.secret, self.config.dingtalk_api_base, self.http)
            text = f"#### {picture.title}\n\n![{picture.alt}]({picture.url})"
            return Outgoing("dingtalk_robot", "markdown", lambda: robot.send_markdown(picture.title, text),
                            rate_limited=True)
        if chat.kind == "dingtalk_app" and chat.chat_id and self.enabled:
            return Outgoing("dingtalk_app", "image", lambda: self.app.send_to_group(
                chat.chat_id, "sampleImageMsg", {"photoURL": picture.url}))
        return None

    def adapter(self, wiring: Wiring) -> Any:
        if not self.config.dingtalk_enabled:
            return None
        from .adapter import DingTalkChannel

        return DingTalkChannel(self.config.dingtalk_app_secret, self.config.dingtalk_api_base, wiring.conversation,
                               wiring.sender, wiring.background, app_key=self.config.dingtalk_app_key,
                               sessions=wiring.sessions, client=self.app, config=self.config, sorry=wiring.sorry,
                               budget=self.limits.answer_within)

    def start(self, runtime: Any) -> Any:
        """Stream mode: the lease heartbeat (and so, in one process of the deployment, the connection)."""
        from .stream import start_for

        return start_for(runtime)
