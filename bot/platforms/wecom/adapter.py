"""WeChat Work adapter: GET/POST /wecom/callback. Thin: the protocol steps live in `protocol`.

A message is answered passively (encrypted XML in the HTTP response) when the conversation core answers
within `budget` seconds; otherwise the callback gets an empty 200 inside WeChat Work's 5 s window and the
reply follows through the application message API. Files of a reply (exports) always go that way.
A platform retry (same MsgId, or FromUserName+CreateTime for events) is recognised by the conversation
core's store: nothing is done twice, and the retry gets the stored answer again when the first one was passive
(WeChat Work only retries what it got no answer for), else an empty 200 (`_answer_retry`).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, request

from ...config import Config
from ...media import MediaStore
from ...messages import Inbound, Reply
from ..errors import Rejected
from ..media_fetch import MEDIA_DEADLINE, downloader, handle_with_media
from ..window import Background, within_window
from .client import WecomApp
from .protocol import MAX_BODY, WecomCrypto, WecomMessage, parse_message

log = logging.getLogger("bot.platforms.wecom")

FORWARDED_EVENTS = {"enter_agent", "subscribe"}


def to_inbound(msg: WecomMessage) -> Inbound | None:
    """The channel-neutral message, or None for events nobody needs to hear about (menu clicks, location)."""
    received = datetime.fromtimestamp(msg.create_time, timezone.utc).replace(tzinfo=None)
    if msg.msg_type == "event":
        if msg.event not in FORWARDED_EVENTS:
            return None
        return Inbound(channel="wecom", account=msg.from_user, dedup_key=msg.dedup_key, kind="event",
                       event=msg.event, received_at=received)
    media = None
    if msg.media_id or msg.pic_url:
        media = {k: v for k, v in (("media_id", msg.media_id), ("pic_url", msg.pic_url), ("filename", msg.filename)) if v}
    kind = msg.msg_type if msg.msg_type in ("text", "image", "file") else msg.msg_type[:20]
    return Inbound(channel="wecom", account=msg.from_user, dedup_key=msg.dedup_key, text=msg.content,
                   kind=kind, received_at=received, media=media)


@dataclass
class WecomChannel:
    crypto: WecomCrypto
    conversation: object  # .handle(Inbound) -> Reply
    sender: object  # PlatformSender (late replies, files)
    background: Background
    client: WecomApp | None = None  # the message API (media downloads)
    config: Config | None = None  # where media is stored
    sorry: str = ""  # what a person is told when the core itself fails
    budget: float = 3.5  # seconds; WeChat Work gives up after 5
    media_store: MediaStore | None = None  # built from `config` on first use
    media_deadline: float = MEDIA_DEADLINE

    def _handle(self, inbound: Inbound) -> Reply:
        """Text goes straight to the core; an image/file is downloaded first (inside the callback window)."""
        return handle_with_media(self, inbound, downloader(self.client), platform="企业微信")

    def verify(self, args) -> tuple[int, str]:
        echo = self.crypto.verify_url(args.get("msg_signature", ""), args.get("timestamp", ""),
                                      args.get("nonce", ""), args.get("echostr", ""))
        return 200, echo

    def receive(self, body: bytes, args) -> tuple[int, str]:
        nonce = args.get("nonce", "")
        plain = self.crypto.open_envelope(body, args.get("msg_signature", ""), args.get("timestamp", ""), nonce)
        msg = parse_message(plain)
        inbound = to_inbound(msg)
        if inbound is None:
            return 200, ""
        try:
            on_time, reply = within_window(self.background, lambda: self._handle(inbound),
                                           lambda late: self._send_late(msg, late), self.budget)
        except Exception:
            log.exception("conversation failed on wecom message %s", msg.dedup_key)
            return 200, self.crypto.seal_reply(msg.from_user, self.sorry, nonce=nonce)
        if reply is not None and reply.duplicate:
            return 200, self._answer_retry(msg, reply, nonce)
        if not on_time or reply is None:
            return 200, ""
        if reply.files:
            self.background.submit(self.sender.send_to_user_id, "wecom", msg.from_user, "", "",
                                   key=f"reply:wecom:{msg.dedup_key}", reason="reply files", files=list(reply.files))
        if not reply.text:
            return 200, ""
        return 200, self.crypto.seal_reply(msg.from_user, reply.text, nonce=nonce)

    def _answer_retry(self, msg: WecomMessage, reply: Reply, nonce: str) -> str:
        """WeChat Work retries a callback only when it got no answer within 5 s. So a retry of a message that was
        answered passively means that answer never arrived (written after WeChat Work gave up, e.g. while the
        request queued behind a burst): give the stored answer again. Nothing new is done. A message still being
        processed, or answered through the message API (an `outbound_message` under its reply key), gets the
        empty 200 as before, so nobody is answered twice."""
        text = reply.text or self._wait_for_answer(msg)
        if not text or self.sender.known(f"reply:wecom:{msg.dedup_key}"):
            return ""
        return self.crypto.seal_reply(msg.from_user, text, nonce=nonce)

    def _wait_for_answer(self, msg: WecomMessage, step: float = 0.1) -> str | None:
        """The retry came while the first delivery is still being processed (it queued behind a burst and started
        late): its answer will be written to a connection WeChat Work has closed. Wait for it, within the budget."""
        stored = getattr(self.conversation, "stored_reply", None)
        if stored is None:
            return None
        deadline = time.monotonic() + self.budget
        while time.monotonic() < deadline:
            try:
                text = stored("wecom", msg.dedup_key)
            except Exception:  # noqa: BLE001 - the database is away: the empty 200, as before
                log.exception("looking up the answer of wecom message %s failed", msg.dedup_key)
                return None
            if text is not None:  # finished (an event, say, has no answer to give)
                return text or None
            time.sleep(step)
        return None

    def _send_late(self, msg: WecomMessage, reply: Reply) -> None:
        if reply.duplicate or not (reply.text or reply.files):
            return
        sent = self.sender.send_to_user_id("wecom", msg.from_user, reply.text, reply.markdown,
                                           key=f"reply:wecom:{msg.dedup_key}", reason="late reply", files=list(reply.files))
        if not sent:
            log.error("late reply to wecom message %s not delivered (ZHIBU_WECOM_SECRET / AGENT_ID set?)", msg.dedup_key)


bp = Blueprint("wecom", __name__)


def _channel() -> WecomChannel | None:
    return current_app.extensions["zhibu"].services.get("wecom_channel")


@bp.get("/wecom/callback")
def verify_url() -> Response:
    channel = _channel()
    if channel is None:
        return Response("WeChat Work is not configured", 404, mimetype="text/plain")
    try:
        status, body = channel.verify(request.args)
    except Rejected as exc:
        log.warning("wecom url verification refused: %s", exc.reason)
        return Response("refused", exc.status, mimetype="text/plain")
    return Response(body, status, mimetype="text/plain")


@bp.post("/wecom/callback")
def callback() -> Response:
    channel = _channel()
    if channel is None:
        return Response("WeChat Work is not configured", 404, mimetype="text/plain")
    request.max_content_length = MAX_BODY
    try:
        body = request.get_data(cache=False)
        status, answer = channel.receive(body, request.args)
    except Rejected as exc:
        log.warning("wecom callback refused: %s", exc.reason)
        return Response("refused", exc.status, mimetype="text/plain")
    return Response(answer, status, mimetype="application/xml" if answer else "text/plain")
