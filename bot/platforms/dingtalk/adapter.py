"""DingTalk adapter: POST /dingtalk/callback (enterprise robot, HTTP mode). Thin: steps in `protocol`.
Stream mode (`stream`) feeds its messages into the same `handle_message` and `answer`.

The callback is answered at once with an empty JSON object; the reply goes through the message's
`sessionWebhook` (markdown where the reply has it), logged and sent exactly once under `reply:dingtalk:<msgId>`.
A retry of the same msgId is recognised by the conversation core's store and sends nothing.
A picture or file (its `downloadCode`) is fetched through the robot file API before the core sees it
(`media_fetch`, as for WeChat Work), inside the same budget.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, jsonify, request

from ...config import Config
from ...media import MediaStore
from ...messages import Inbound, Reply
from ...push.outbox import Outgoing
from ..errors import Rejected
from ..media_fetch import MEDIA_DEADLINE, downloader, handle_with_media
from ..window import Background, within_window
from .client import DingTalkApp, session_payload
from .protocol import MAX_BODY, DingMessage, check_robot, check_sign, parse_payload, webhook_allowed

log = logging.getLogger("bot.platforms.dingtalk")
KINDS = {"text": "text", "picture": "image", "file": "file"}


def to_inbound(msg: DingMessage) -> Inbound:
    media = None
    if msg.download_code:
        media = {"media_id": msg.download_code, **({"filename": msg.filename} if msg.filename else {})}
    return Inbound(channel="dingtalk", account=msg.sender_staff_id, dedup_key=msg.msg_id, text=msg.text,
                   kind=KINDS.get(msg.msg_type, msg.msg_type[:20]), received_at=datetime.now(timezone.utc).replace(tzinfo=None),
                   conversation_id=msg.conversation_id or None, is_group=msg.is_group, media=media)


@dataclass
class DingTalkChannel:
    app_secret: str
    api_base: str
    conversation: object
    sender: object  # PlatformSender
    background: Background
    budget: float = 10.0
    clock: Callable[[], float] = field(default=time.time)
    media_store: MediaStore | None = None  # built from `config` on first use
    media_deadline: float = MEDIA_DEADLINE
    app_key: str | None = None  # robotCode every message must carry
    sessions: Any = None  # where seen (timestamp, sign) pairs are remembered (the app's session factory)
    client: DingTalkApp | None = None  # the robot API (session replies, media downloads)
    config: Config | None = None  # where media is stored
    sorry: str = ""  # what a person is told when the core itself fails

    def _handle(self, inbound: Inbound) -> Reply:
        """Text goes straight to the core; a picture/file is downloaded first (inside the budget)."""
        return handle_with_media(self, inbound, downloader(self.client), platform="钉钉")

    def receive(self, headers, body: bytes) -> tuple[int, dict]:
        check_sign(headers.get("timestamp"), headers.get("sign"), self.app_secret, now_ms=self.clock() * 1000)
        msg = parse_payload(body)
        check_robot(msg, self.app_key)
        self._check_replay(headers.get("timestamp"), headers.get("sign"), msg)
        on_time, reply = self.handle_message(msg)
        if on_time and reply is not None:
            self.background.submit(self.answer, msg, reply)
        return 200, {}

    def handle_message(self, msg: DingMessage) -> tuple[bool, Reply | None]:
        """The one path of a robot message, whether it came by HTTP callback or over the Stream connection:
        to_inbound → (media fetch) → the core (stored raw first, dedup by msgId) within the budget.
        (True, reply) when done in time; (False, None) when not, the reply then going out by itself when ready."""
        inbound = to_inbound(msg)
        try:
            return within_window(self.background, lambda: self._handle(inbound),
                                 lambda late: self.answer(msg, late), self.budget)
        except Exception:
            log.exception("conversation failed on dingtalk message %s", msg.msg_id)
            return True, Reply(text=self.sorry)

    def _check_replay(self, timestamp: str, sign: str, msg: DingMessage) -> None:
        """A (timestamp, sign) pair signs one message: it is accepted again only for that msgId (DingTalk's own
        retry, answered once by the dedup), never for another body — a captured pair cannot carry a forged sender."""
        if self.sessions is None:
            return
        from ...security import tokens

        seen = {"msg": msg.msg_id, "sender": msg.sender_staff_id}
        with self.sessions() as s:
            first = tokens.first_use(s, "dingtalk_sign", f"{timestamp}\n{sign}", tokens.SIGN_TTL, seen)
        if first != seen:
            raise Rejected(403, "timestamp/sign already used for another message")

    def answer(self, msg: DingMessage, reply: Reply) -> Any:
        """Send the reply once (key `reply:dingtalk:<msgId>`); the outbox's Delivery of the text, or None.
        The Stream runner reads it: a reply another live process is still sending is not acknowledged yet."""
        if reply.duplicate or not (reply.text or reply.files):
            return None
        key = f"reply:dingtalk:{msg.msg_id}"
        delivery = None
        if reply.text:
            if not webhook_allowed(msg.session_webhook, self.api_base):
                log.error("dingtalk message %s: sessionWebhook missing or not on the DingTalk API host", msg.msg_id)
            else:
                payload = session_payload(reply.text, reply.markdown, at_user=msg.sender_staff_id if msg.is_group else None)
                client = self.client
                out = Outgoing("dingtalk_session", payload["msgtype"],
                               lambda: client.reply_session(msg.session_webhook, payload))
                delivery = self.sender.deliver(key, out, target=f"user:{msg.sender_staff_id}", reason="reply",
                                               payload={"text": reply.text, "markdown": reply.markdown})
        if reply.files:
            self.sender.send_to_user_id("dingtalk", msg.sender_staff_id, "", key=f"{key}:files", reason="reply files",
                                        files=list(reply.files))
        return delivery


bp = Blueprint("dingtalk", __name__)


@bp.post("/dingtalk/callback")
def callback() -> Response:
    channel: DingTalkChannel | None = current_app.extensions["zhibu"].services.get("dingtalk_channel")
    if channel is None:
        return Response("DingTalk is not configured", 404, mimetype="text/plain")
    request.max_content_length = MAX_BODY
    try:
        status, answer = channel.receive(request.headers, request.get_data(cache=False))
    except Rejected as exc:
        log.warning("dingtalk callback refused: %s", exc.reason)
        return Response("refused", exc.status, mimetype="text/plain")
    return jsonify(answer), status
