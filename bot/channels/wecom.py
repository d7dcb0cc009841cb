"""WeChat Work adapter: GET/POST /wecom/callback. Thin: the protocol steps live in wecom_protocol.

A message is answered passively (encrypted XML in the HTTP response) when the conversation core answers
within `budget` seconds; otherwise the callback gets an empty 200 inside WeChat Work's 5 s window and the
reply follows through the application message API. Files of a reply (exports) always go that way.
A platform retry (same MsgId, or FromUserName+CreateTime for events) is recognised by the conversation
core's store and answered with an empty 200: one record, one reply.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterable, Iterator

from flask import Blueprint, Response, current_app, request

from ..media import CONTENT_TYPE_EXT, MediaStore, MediaTooLarge, sanitise
from ..messages import Inbound, Reply
from .errors import Rejected
from .wecom_protocol import MAX_BODY, WecomCrypto, WecomMessage, parse_message
from .window import Background, within_window

log = logging.getLogger("bot.channels.wecom")

FORWARDED_EVENTS = {"enter_agent", "subscribe"}
SORRY = "抱歉，我这边出了点问题，请稍后再发一次。"
MEDIA_SORRY = "抱歉，没能从企业微信取到这个{what}（{why}）。消息已记下，请稍后重新发送一次。"
MEDIA_DEADLINE = 60.0  # seconds for a whole download; each read also has its own timeout


def _bounded_in_time(chunks: Iterable[bytes], seconds: float) -> Iterator[bytes]:
    deadline = time.monotonic() + seconds
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise TimeoutError("media download too slow")
        yield chunk


def fetch_media(inbound: Inbound, app, store: MediaStore) -> tuple[Inbound, str | None]:
    """Download an image/file message's MediaId into the media store: (inbound with media["path"], None),
    or (inbound with media["error"], a friendly line) when it cannot be had. Never raises."""
    media = dict(inbound.media or {})
    media_id = media.get("media_id")
    if inbound.kind not in ("image", "file") or not media_id or app is None or not getattr(app, "enabled", False):
        return inbound, None
    what = "图片" if inbound.kind == "image" else "文件"

    def save(chunks: Iterator[bytes], header_name: str, ctype: str):
        fallback = f"{inbound.kind}{CONTENT_TYPE_EXT.get(ctype, '')}"
        name = sanitise(media.get("filename") or header_name, fallback)
        dest = store.path_for("wecom", inbound.dedup_key, name)
        return dest, name, store.save_chunks(_bounded_in_time(chunks, MEDIA_DEADLINE), dest)

    try:
        path, name, size = app.download_media(media_id, save)
    except MediaTooLarge:
        why, code = f"超过 {store.max_bytes // (1024 * 1024)} MB", "too_large"
    except TimeoutError:
        why, code = "下载超时", "timeout"
    except OSError:
        log.exception("could not save media of wecom message %s", inbound.dedup_key)
        why, code = "保存失败", "save_failed"
    except Exception as exc:  # PlatformError and anything the HTTP layer throws
        log.warning("media download for wecom message %s failed: %s", inbound.dedup_key, exc)
        why, code = "下载失败", "download_failed"
    else:
        media.update(path=str(path), filename=name, size=size, url=str(path))  # url: Evidence.url is where it is
        return replace(inbound, media=media), None
    media["error"] = code
    return replace(inbound, media=media), MEDIA_SORRY.format(what=what, why=why)


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
    budget: float = 3.5  # seconds; WeChat Work gives up after 5
    media_store: MediaStore | None = None  # built from the sender's config on first use

    def _media_store(self) -> MediaStore:
        if self.media_store is None:
            self.media_store = MediaStore.from_config(getattr(self.sender, "config", None))
        return self.media_store

    def _handle(self, inbound: Inbound) -> Reply:
        """Text goes straight to the core; an image/file is downloaded first (inside the callback window)."""
        if inbound.kind not in ("image", "file"):
            return self.conversation.handle(inbound)
        inbound, sorry = fetch_media(inbound, getattr(self.sender, "wecom", None), self._media_store())
        reply = self.conversation.handle(inbound)
        if sorry and not reply.duplicate:
            return Reply(text=sorry)
        return reply

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
            return 200, self.crypto.seal_reply(msg.from_user, SORRY, nonce=nonce)
        if not on_time or reply is None or reply.duplicate:
            return 200, ""
        if reply.files:
            self.background.submit(self.sender.send_to_user_id, "wecom", msg.from_user, "", "",
                                   key=f"reply:wecom:{msg.dedup_key}", reason="reply files", files=list(reply.files))
        if not reply.text:
            return 200, ""
        return 200, self.crypto.seal_reply(msg.from_user, reply.text, nonce=nonce)

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
