"""DingTalk enterprise robot HTTP push, as separately testable steps (no Flask here).

check_sign   : `timestamp` header within one hour, `sign` = Base64(HmacSHA256(appSecret, timestamp + "\\n" + appSecret))
parse_payload: JSON body → DingMessage (type-checked; an @-mention of the robot stripped)
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import Rejected

MAX_BODY = 64 * 1024
MAX_SKEW_MS = 3600 * 1000
MAX_CONTENT = 4000


def dingtalk_sign(timestamp_ms: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_robot(msg: "DingMessage", app_key: str | None) -> None:
    """The message must be for our robot: its robotCode is the app key (when one is configured)."""
    if app_key and msg.robot_code != app_key:
        raise Rejected(403, "robotCode is not this app's")


def check_sign(timestamp: str | None, sign: str | None, secret: str, *, now_ms: float | None = None) -> None:
    if not timestamp or not sign:
        raise Rejected(401, "missing timestamp or sign header")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16 or len(sign) > 200:
        raise Rejected(400, "bad timestamp or sign header")
    now_ms = time.time() * 1000 if now_ms is None else now_ms
    if abs(now_ms - int(timestamp)) > MAX_SKEW_MS:
        raise Rejected(403, "stale timestamp")
    if not hmac.compare_digest(dingtalk_sign(timestamp, secret), sign):
        raise Rejected(403, "bad sign")


@dataclass(frozen=True)
class DingMessage:
    msg_id: str
    msg_type: str  # text / picture / file / richText / …
    sender_staff_id: str
    sender_nick: str
    conversation_type: str  # "1" one-to-one, "2" group
    conversation_id: str
    session_webhook: str
    text: str = ""
    download_code: str = ""
    filename: str = ""
    robot_code: str = ""

    @property
    def is_group(self) -> bool:
        return self.conversation_type == "2"


_MENTION = re.compile(r"^(?:\s*@\S+)+\s*")


def strip_mention(text: str) -> str:
    """Drop leading @-mentions ("@支部助手 今天开了支委会" → "今天开了支委会")."""
    return _MENTION.sub("", text.replace("\u2005", " ")).strip()


def _str(body: dict, key: str, *, limit: int = 300, required: bool = False) -> str:
    value = body.get(key, "")
    if value is None:
        value = ""
    if isinstance(value, (int,)) and not isinstance(value, bool) and key == "conversationType":
        value = str(value)
    if not isinstance(value, str):
        raise Rejected(400, f"{key} must be a string")
    if len(value) > limit:
        raise Rejected(400, f"{key} too long")
    if required and not value:
        raise Rejected(400, f"{key} missing")
    return value


def parse_payload(raw: bytes) -> DingMessage:
    if len(raw) > MAX_BODY:
        raise Rejected(413, "body too large")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Rejected(400, "malformed json") from None
    if not isinstance(body, dict):
        raise Rejected(400, "json body must be an object")
    msg_type = _str(body, "msgtype", limit=40) or "text"
    text = ""
    download_code = filename = ""
    content = body.get("content")
    if msg_type == "text":
        inner = body.get("text")
        if not isinstance(inner, dict) or not isinstance(inner.get("content", ""), str):
            raise Rejected(400, "text.content must be a string")
        text = strip_mention(inner.get("content", ""))[:MAX_CONTENT]
    elif isinstance(content, dict):
        code = content.get("downloadCode", "")
        name = content.get("fileName", "")
        download_code = code if isinstance(code, str) else ""
        filename = name if isinstance(name, str) else ""
    return DingMessage(
        msg_id=_str(body, "msgId", limit=128, required=True),
        msg_type=msg_type,
        sender_staff_id=_str(body, "senderStaffId", limit=100) or _str(body, "senderId", limit=200, required=True),
        sender_nick=_str(body, "senderNick", limit=100),
        conversation_type=_str(body, "conversationType", limit=4) or "1",
        conversation_id=_str(body, "conversationId", limit=200),
        session_webhook=_str(body, "sessionWebhook", limit=1000),
        text=text, download_code=download_code[:500], filename=filename[:300],
        robot_code=_str(body, "robotCode", limit=200),
    )


def webhook_allowed(url: str, api_base: str) -> bool:
    """A sessionWebhook must point at the DingTalk API host we are configured for (no request forgery)."""
    if not url:
        return False
    got, base = urlsplit(url), urlsplit(api_base)
    return got.scheme in ("https", "http") and got.scheme == base.scheme and got.netloc == base.netloc
