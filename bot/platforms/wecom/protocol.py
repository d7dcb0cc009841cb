"""WeChat Work callback protocol, as separately testable steps (no Flask here).

verify_url  : GET  URL verification → the decrypted `echostr`
open_envelope: POST body → signature checked, decrypted inner XML (wrong corp id refused)
parse_message: inner XML → WecomMessage (text / image / file / event)
seal_reply  : a passive text reply, encrypted and signed the way WeChat Work expects it

All XML goes through defusedxml with DTDs forbidden, so an entity bomb is refused before any expansion;
wechatpy is used for its AES/PKCS#7 part only (`PrpCrypto`), never for parsing.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.utils import random_string

from ..errors import Rejected

MAX_BODY = 64 * 1024  # a real callback is < 4 KB; anything larger is refused with 413 before parsing
MAX_ECHOSTR = 2048
STALE_AFTER = 24 * 3600  # WeChat Work retries for minutes, not days: older timestamps are replays


def signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    """SHA1 of the four strings sorted and joined (WeChat Work's msg_signature)."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()


def _safe_xml(data: bytes | str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError, TypeError) as exc:
        raise Rejected(400, f"malformed xml: {type(exc).__name__}") from None


def _text(root: Element, tag: str) -> str:
    el = root.find(tag)
    if el is None or len(el):  # missing, or an element where a string belongs
        return ""
    return (el.text or "").strip()


class WecomCrypto:
    def __init__(self, token: str, aes_key: str, corp_id: str, *, now=time.time) -> None:
        try:
            key = base64.b64decode(aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("ZHIBU_WECOM_AES_KEY must be the 43-character EncodingAESKey") from None
        if len(key) != 32:
            raise ValueError("ZHIBU_WECOM_AES_KEY must be the 43-character EncodingAESKey")
        self._token = token
        self._key = key
        self.corp_id = corp_id
        self._now = now

    # -- steps ---------------------------------------------------------------------------------
    def check(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        if not (msg_signature and timestamp and nonce and encrypt):
            raise Rejected(400, "missing signature parameters")
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12 or len(nonce) > 64:
            raise Rejected(400, "bad timestamp or nonce")
        if abs(self._now() - int(timestamp)) > STALE_AFTER:
            raise Rejected(403, "stale timestamp")
        expected = signature(self._token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected, msg_signature.lower()):
            raise Rejected(403, "bad msg_signature")

    def decrypt(self, encrypt: str) -> str:
        try:
            plain = PrpCrypto(self._key).decrypt(encrypt, self.corp_id)
        except Exception as exc:  # wrong corp id, bad padding, bad base64: all the same to a caller
            name = type(exc).__name__
            raise Rejected(403 if name == "InvalidCorpIdException" else 400, f"cannot decrypt: {name}") from None
        return plain

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        if len(echostr) > MAX_ECHOSTR:
            raise Rejected(400, "echostr too long")
        self.check(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def open_envelope(self, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> str:
        if len(body) > MAX_BODY:
            raise Rejected(413, "body too large")
        root = _safe_xml(body)
        encrypt = _text(root, "Encrypt")
        to_user = _text(root, "ToUserName")
        if not encrypt:
            raise Rejected(400, "no Encrypt element")
        if to_user and to_user != self.corp_id:
            raise Rejected(403, "wrong corp id")
        self.check(msg_signature, timestamp, nonce, encrypt)
        return self.decrypt(encrypt)

    def seal(self, plain_xml: str, nonce: str | None = None, timestamp: str | None = None) -> str:
        nonce = nonce or random_string(10)
        timestamp = timestamp or str(int(self._now()))
        encrypt = PrpCrypto(self._key).encrypt(plain_xml, self.corp_id).decode()
        sig = signature(self._token, timestamp, nonce, encrypt)
        return (f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><MsgSignature><![CDATA[{sig}]]></MsgSignature>"
                f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>")

    def seal_reply(self, to_user: str, content: str, nonce: str | None = None, create_time: int | None = None) -> str:
        return self.seal(passive_text_xml(to_user, self.corp_id, content, create_time or int(self._now())), nonce)


def cdata(value: str) -> str:
    """A CDATA section that stays one even when the value contains `]]>`."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def passive_text_xml(to_user: str, from_corp: str, content: str, create_time: int) -> str:
    return (f"<xml><ToUserName>{cdata(to_user)}</ToUserName><FromUserName>{cdata(from_corp)}</FromUserName>"
            f"<CreateTime>{int(create_time)}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content>{cdata(content)}</Content></xml>")


@dataclass(frozen=True)
class WecomMessage:
    msg_type: str  # text / image / file / event / (other types are kept, answered with help)
    from_user: str
    to_user: str
    create_time: int
    msg_id: str
    agent_id: str
    content: str = ""
    media_id: str = ""
    pic_url: str = ""
    filename: str = ""
    event: str = ""

    @property
    def dedup_key(self) -> str:
        """MsgId for messages; FromUserName+CreateTime for events (they carry no MsgId)."""
        if self.msg_id:
            return self.msg_id
        return f"{self.from_user}:{self.create_time}:{self.event or self.msg_type}"


MAX_CONTENT = 4000


def parse_message(xml: str) -> WecomMessage:
    root = _safe_xml(xml.encode("utf-8") if isinstance(xml, str) else xml)
    if root.tag != "xml":
        raise Rejected(400, "unexpected root element")
    msg_type = _text(root, "MsgType").lower()
    from_user = _text(root, "FromUserName")
    create_time = _text(root, "CreateTime")
    msg_id = _text(root, "MsgId")
    if not msg_type or not from_user or len(from_user) > 100 or not (create_time.isascii() and create_time.isdigit()) or len(create_time) > 12:
        raise Rejected(400, "message lacks MsgType, FromUserName or CreateTime")
    if msg_id and (len(msg_id) > 64 or not (msg_id.isascii() and msg_id.isdigit())):
        raise Rejected(400, "bad MsgId")
    if msg_type != "event" and not msg_id:
        raise Rejected(400, "message without MsgId")
    return WecomMessage(
        msg_type=msg_type, from_user=from_user, to_user=_text(root, "ToUserName"),
        create_time=int(create_time), msg_id=msg_id, agent_id=_text(root, "AgentID"),
        content=_text(root, "Content")[:MAX_CONTENT], media_id=_text(root, "MediaId")[:300],
        pic_url=_text(root, "PicUrl")[:1000],
        filename=(_text(root, "FileName") or _text(root, "Title"))[:300],
        event=_text(root, "Event").lower()[:40],
    )
