"""Outbound messages: raw platform clients, a shared token store, an exactly-once outbox, and the Sender.

Layers, each usable alone:
- raw clients (`WecomApp`, `WecomRobot`, `DingTalkRobot`, `DingTalkApp`): one HTTP call each, platform
  errors raised as `PlatformError` (classified: retry later / refresh the token / give up);
- `TokenStore`: access tokens in the `api_token` table, refreshed once for all workers under a row lock;
- `Outbox`: every message gets a row in `outbound_message` (unique `idem_key` = sent at most once across
  processes and restarts), per-robot rate limits by waiting (never by dropping) counted in the database for
  every process (`SharedRateLimiter`; `RateLimiter` counts in memory, for one process), retries with backoff;
- `PlatformSender`: the `bot.messages.Sender` the handlers and the scheduler use.

Secrets (corp secret, app secret, robot keys, access tokens, signatures) never reach a log line: targets are
logged by name, and `install_redaction` scrubs query strings in library loggers (urllib3, werkzeug).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import threading
import time
import uuid
from collections import deque
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import quote_plus, unquote, urlsplit

import requests
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .config import Config
from .models import ApiToken, OutboundMessage, Person, PushTarget, RateHit, SharedVersion, utcnow

log = logging.getLogger("bot.push")

# ---------------------------------------------------------------------------------------------------------
# redaction

_SECRET_PARAMS = re.compile(
    r"((?:access_token|corpsecret|appsecret|appSecret|secret|key|sign|session|echostr|msg_signature|Signature|"
    r"OSSAccessKeyId|security-token)=)[^&\s\"']+",
)


def redact(text: str) -> str:
    return _SECRET_PARAMS.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    """Scrubs secret query parameters from a record's message (library loggers print whole URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not our business here
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_REDACTED_LOGGERS = ("urllib3.connectionpool", "werkzeug", "bot", "bot.push", "bot.channels",
                     "bot.channels.wecom", "bot.channels.dingtalk", "bot.channels.web", "gunicorn.access")


def install_redaction() -> None:
    for name in _REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


# ---------------------------------------------------------------------------------------------------------
# platform errors

RETRY, REFRESH, FAIL = "retry", "refresh", "fail"

WECOM_TOKEN_ERRORS = {40014, 42001, 41001}
WECOM_RETRY_ERRORS = {-1, 45009, 45033, 45047, 6000}
DINGTALK_TOKEN_ERRORS = {40014, 42001, 41001}
DINGTALK_RETRY_ERRORS = {-1, 130101, 90018, 90002, 88_0001}
DINGTALK_RETRY_SUBCODES = {"130101", "90018", "-1"}
RATE_LIMIT_CODES = {45009, 130101, 45033, 90018}


class PlatformError(Exception):
    def __init__(self, platform: str, code: int | str, message: str, action: str) -> None:
        super().__init__(f"{platform} error {code}: {message}")
        self.platform, self.code, self.message, self.action = platform, code, message, action

    @property
    def rate_limited(self) -> bool:
        try:
            return int(self.code) in RATE_LIMIT_CODES
        except (TypeError, ValueError):
            return str(self.code).lower().startswith(("throttl", "forbidden.accessdenied.qps"))


def wecom_check(data: Any) -> dict:
    """Raise PlatformError for a WeChat Work answer that is not errcode 0."""
    if not isinstance(data, dict):
        raise PlatformError("wecom", "bad-json", "answer is not a JSON object", RETRY)
    code = data.get("errcode", 0)
    if code in (0, None):
        return data
    action = REFRESH if code in WECOM_TOKEN_ERRORS else RETRY if code in WECOM_RETRY_ERRORS else FAIL
    raise PlatformError("wecom", code, str(data.get("errmsg", ""))[:200], action)


def dingtalk_check(data: Any, status: int = 200) -> dict:
    """Old API (errcode/sub_code) and new API (HTTP status + code) answers of DingTalk."""
    if status >= 400 or (isinstance(data, dict) and "code" in data and "errcode" not in data and status != 200):
        code = data.get("code", status) if isinstance(data, dict) else status
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        if status in (401,) or str(code).startswith("InvalidAuthentication"):
            action = REFRESH
        elif status == 429 or status >= 500 or str(code).lower().startswith(("throttl", "forbidden.accessdenied.qps")):
            action = RETRY
        else:
            action = FAIL
        raise PlatformError("dingtalk", code, message[:200], action)
    if not isinstance(data, dict):
        raise PlatformError("dingtalk", "bad-json", "answer is not a JSON object", RETRY)
    code = data.get("errcode", 0)
    if code in (0, None):
        return data
    sub = str(data.get("sub_code", ""))
    if code in DINGTALK_TOKEN_ERRORS or (code == 88 and (sub.isascii() and sub.isdigit()) and int(sub) in DINGTALK_TOKEN_ERRORS):
        action = REFRESH
    elif code in DINGTALK_RETRY_ERRORS or (code == 88 and sub in DINGTALK_RETRY_SUBCODES):
        action = RETRY
    else:
        action = FAIL
    raise PlatformError("dingtalk", code if not sub else f"{code}/{sub}", str(data.get("errmsg", ""))[:200], action)


# ---------------------------------------------------------------------------------------------------------
# HTTP

class Http:
    """requests with timeouts and one session per thread; answers parsed as JSON."""

    def __init__(self, timeout: tuple[float, float] = (3.0, 10.0)) -> None:
        install_redaction()  # urllib3 logs whole URLs (access_token=…) at DEBUG
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
        return s

    def request(self, method: str, url: str, platform: str, **kwargs) -> tuple[int, Any]:
        try:
            resp = self._session().request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise PlatformError(platform, "network", type(exc).__name__, RETRY) from None
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 500 and not isinstance(data, dict):
            raise PlatformError(platform, resp.status_code, "server error", RETRY)
        return resp.status_code, data


MEDIA_TIMEOUT = (3.0, 10.0)  # connect, each read: a download's whole deadline is the caller's `save`


def save_streamed(resp: requests.Response, save: Callable[[Iterator[bytes], str, str], Any], platform: str) -> Any:
    """Hand a streamed file answer to `save(chunks, filename from Content-Disposition, content type)`."""
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", resp.headers.get("Content-Disposition", ""))
    try:
        return save(resp.iter_content(64 * 1024), unquote(match.group(1)) if match else "", ctype)
    except requests.RequestException as exc:
        raise PlatformError(platform, "network", type(exc).__name__, RETRY) from None


# ---------------------------------------------------------------------------------------------------------
# tokens shared by every worker

class TokenStore:
    """Access tokens cached in memory and in the `api_token` table.

    A stale token is refreshed by exactly one process: the refresher first UPDATEs the row (a write lock on
    SQLite, a row lock on PostgreSQL/MariaDB), reads it again, and only calls the platform when it is still
    stale; everybody else waits on the lock and then reads the fresh token.
    """

    MARGIN = timedelta(seconds=300)

    def __init__(self, sessions: sessionmaker[Session], *, now: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.now = now
        self._memo: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, fetch: Callable[[], tuple[str, int]]) -> str:
        memo = self._memo.get(name)
        if memo and memo[1] - self.MARGIN > self.now():
            return memo[0]
        with self._lock:  # one refresher per process; the DB lock below handles other processes
            with self.sessions() as s:
                row = s.get(ApiToken, name)
                if row and row.token and row.expires_at and row.expires_at - self.MARGIN > self.now():
                    self._memo[name] = (row.token, row.expires_at)
                    return row.token
            self._ensure_row(name)
            with self.sessions() as s:
                s.execute(update(ApiToken).where(ApiToken.name == name).values(refreshed_at=self.now()))
                row = s.execute(select(ApiToken).where(ApiToken.name == name).with_for_update()).scalar_one()
                s.refresh(row)
                if not (row.token and row.expires_at and row.expires_at - self.MARGIN > self.now()):
                    token, expires_in = fetch()
                    row.token = token
                    row.expires_at = self.now() + timedelta(seconds=int(expires_in))
                    log.info("access token %s refreshed", name)
                token, expires = row.token, row.expires_at
                s.commit()
            self._memo[name] = (token, expires)
            return token

    def _ensure_row(self, name: str) -> None:
        with self.sessions() as s:
            if s.get(ApiToken, name) is None:
                s.add(ApiToken(name=name))
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()

    def invalidate(self, name: str, token: str) -> None:
        """The platform said this token is expired or invalid: forget it (only if nobody replaced it yet)."""
        self._memo.pop(name, None)
        with self.sessions() as s:
            s.execute(update(ApiToken).where(ApiToken.name == name, ApiToken.token == token)
                      .values(expires_at=datetime(2000, 1, 1)))
            s.commit()


# ---------------------------------------------------------------------------------------------------------
# raw clients

class WecomApp:
    """WeChat Work application messages (text, markdown, file via media upload) to users or app chats."""

    def __init__(self, config: Config, tokens: TokenStore, http: Http | None = None) -> None:
        self.base = config.wecom_api_base.rstrip("/")
        self.corp_id, self.secret, self.agent_id = config.wecom_corp_id, config.wecom_secret, config.wecom_agent_id
        self.tokens, self.http = tokens, http or Http()
        self.token_name = f"wecom:{self.corp_id}:{self.agent_id}"

    @property
    def enabled(self) -> bool:
        return bool(self.corp_id and self.secret and self.agent_id)

    def _fetch_token(self) -> tuple[str, int]:
        _, data = self.http.request("GET", f"{self.base}/cgi-bin/gettoken", "wecom",
                                    params={"corpid": self.corp_id, "corpsecret": self.secret})
        data = wecom_check(data)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError("wecom", "no-token", "gettoken returned no access_token", FAIL)
        return token, int(data.get("expires_in", 7200))

    def _call(self, method: str, path: str, **kwargs) -> dict:
        token = self.tokens.get(self.token_name, self._fetch_token)
        try:
            _, data = self.http.request(method, f"{self.base}{path}", "wecom",
                                        params={**kwargs.pop("params", {}), "access_token": token}, **kwargs)
            return wecom_check(data)
        except PlatformError as exc:
            if exc.action == REFRESH:
                self.tokens.invalidate(self.token_name, token)
            raise

    def send(self, msgtype: str, body: dict, *, touser: str = "", chatid: str = "") -> dict:
        if chatid:
            return self._call("POST", "/cgi-bin/appchat/send", json={"chatid": chatid, "msgtype": msgtype, msgtype: body})
        payload = {"touser": touser, "msgtype": msgtype, "agentid": int(self.agent_id or 0), msgtype: body}
        return self._call("POST", "/cgi-bin/message/send", json=payload)

    def send_text(self, touser: str, text: str) -> dict:
        return self.send("text", {"content": text}, touser=touser)

    def send_markdown(self, touser: str, markdown: str) -> dict:
        return self.send("markdown", {"content": markdown}, touser=touser)

    def upload_media(self, path: Path, kind: str = "file") -> str:
        with open(path, "rb") as fh:
            data = self._call("POST", "/cgi-bin/media/upload", params={"type": kind},
                              files={"media": (path.name, fh, "application/octet-stream")})
        return str(data["media_id"])

    def send_file(self, touser: str, path: Path) -> dict:
        return self.send("file", {"media_id": self.upload_media(path)}, touser=touser)

    def download_media(self, media_id: str, save: Callable[[Iterator[bytes], str, str], Any], *,
                       timeout: tuple[float, float] = MEDIA_TIMEOUT, retry_token: bool = True) -> Any:
        """GET /cgi-bin/media/get, streamed: `save(chunks, filename from the header, content type)`.

        WeChat Work answers a JSON error (errcode) instead of the file when the media id or token is bad; an
        expired token is refreshed once. The caller's `save` bounds the size (it may stop reading early)."""
        token = self.tokens.get(self.token_name, self._fetch_token)
        try:
            resp = self.http._session().get(f"{self.base}/cgi-bin/media/get", timeout=timeout, stream=True,
                                            params={"access_token": token, "media_id": media_id})
        except requests.RequestException as exc:
            raise PlatformError("wecom", "network", type(exc).__name__, RETRY) from None
        with resp:
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if resp.status_code >= 400 or ctype in ("application/json", "text/plain"):
                try:
                    data = resp.json() if resp.status_code < 500 else None
                except ValueError:
                    data = None
                try:
                    wecom_check(data if isinstance(data, dict) else {"errcode": -1, "errmsg": f"HTTP {resp.status_code}"})
                except PlatformError as exc:
                    if exc.action == REFRESH and retry_token:
                        self.tokens.invalidate(self.token_name, token)
                        return self.download_media(media_id, save, timeout=timeout, retry_token=False)
                    raise
                raise PlatformError("wecom", "no-file", "media/get answered without a file", FAIL)
            return save_streamed(resp, save, "wecom")


class WecomRobot:
    """A WeChat Work group robot (webhook): text, markdown, image, file. The key is a secret."""

    def __init__(self, webhook: str, api_base: str, http: Http | None = None) -> None:
        base = api_base.rstrip("/")
        self.url = webhook if webhook.startswith("http") else f"{base}/cgi-bin/webhook/send?key={webhook}"
        parts = urlsplit(self.url)
        self.upload_url = f"{parts.scheme}://{parts.netloc}/cgi-bin/webhook/upload_media?{parts.query}"
        self.http = http or Http()

    def _post(self, payload: dict) -> dict:
        _, data = self.http.request("POST", self.url, "wecom", json=payload)
        return wecom_check(data)

    def send_text(self, text: str, mentioned: Sequence[str] = ()) -> dict:
        return self._post({"msgtype": "text", "text": {"content": text, "mentioned_list": list(mentioned)}})

    def send_markdown(self, markdown: str) -> dict:
        return self._post({"msgtype": "markdown", "markdown": {"content": markdown}})

    def send_image(self, path: Path) -> dict:
        raw = Path(path).read_bytes()
        return self._post({"msgtype": "image", "image": {"base64": base64.b64encode(raw).decode(),
                                                         "md5": hashlib.md5(raw).hexdigest()}})

    def send_file(self, path: Path) -> dict:
        with open(path, "rb") as fh:
            _, data = self.http.request("POST", self.upload_url + "&type=file", "wecom",
                                        files={"media": (Path(path).name, fh, "application/octet-stream")})
        media_id = wecom_check(data)["media_id"]
        return self._post({"msgtype": "file", "file": {"media_id": media_id}})


def dingtalk_robot_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


class DingTalkRobot:
    """A DingTalk custom group robot: signed webhook URL; text, markdown, actionCard."""

    def __init__(self, webhook: str, secret: str | None, api_base: str, http: Http | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        base = api_base.rstrip("/")
        self.url = webhook if webhook.startswith("http") else f"{base}/robot/send?access_token={webhook}"
        self.secret, self.http, self.clock = secret, http or Http(), clock

    def signed_url(self) -> str:
        if not self.secret:
            return self.url
        ts = int(self.clock() * 1000)
        return f"{self.url}&timestamp={ts}&sign={dingtalk_robot_sign(self.secret, ts)}"

    def _post(self, payload: dict) -> dict:
        status, data = self.http.request("POST", self.signed_url(), "dingtalk", json=payload)
        return dingtalk_check(data, status)

    def send_text(self, text: str, at_user_ids: Sequence[str] = (), at_all: bool = False) -> dict:
        return self._post({"msgtype": "text", "text": {"content": text},
                           "at": {"atUserIds": list(at_user_ids), "isAtAll": at_all}})

    def send_markdown(self, title: str, text: str, at_user_ids: Sequence[str] = ()) -> dict:
        return self._post({"msgtype": "markdown", "markdown": {"title": title, "text": text},
                           "at": {"atUserIds": list(at_user_ids), "isAtAll": False}})

    def send_action_card(self, title: str, text: str, single_title: str, single_url: str) -> dict:
        return self._post({"msgtype": "actionCard", "actionCard": {
            "title": title, "text": text, "singleTitle": single_title, "singleURL": single_url}})


class DingTalkApp:
    """The enterprise robot of a DingTalk app: session-webhook replies, one-to-one and group sends, files."""

    def __init__(self, config: Config, tokens: TokenStore, http: Http | None = None) -> None:
        self.base = config.dingtalk_api_base.rstrip("/")
        self.new_base = config.dingtalk_new_api_base.rstrip("/")
        self.app_key, self.app_secret = config.dingtalk_app_key, config.dingtalk_app_secret
        self.tokens, self.http = tokens, http or Http()
        self.token_name = f"dingtalk:{self.app_key}"

    @property
    def enabled(self) -> bool:
        return bool(self.app_key and self.app_secret)

    def _fetch_token(self) -> tuple[str, int]:
        status, data = self.http.request("GET", f"{self.base}/gettoken", "dingtalk",
                                         params={"appkey": self.app_key, "appsecret": self.app_secret})
        data = dingtalk_check(data, status)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError("dingtalk", "no-token", "gettoken returned no access_token", FAIL)
        return token, int(data.get("expires_in", 7200))

    def _with_token(self, call: Callable[[str], tuple[int, Any]]) -> dict:
        token = self.tokens.get(self.token_name, self._fetch_token)
        try:
            status, data = call(token)
            return dingtalk_check(data, status)
        except PlatformError as exc:
            if exc.action == REFRESH:
                self.tokens.invalidate(self.token_name, token)
            raise

    def reply_session(self, webhook: str, payload: dict) -> dict:
        status, data = self.http.request("POST", webhook, "dingtalk", json=payload)
        return dingtalk_check(data, status)

    def send_to_users(self, user_ids: Sequence[str], msg_key: str, msg_param: dict) -> dict:
        import json

        body = {"robotCode": self.app_key, "userIds": list(user_ids), "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False)}
        return self._with_token(lambda t: self.http.request(
            "POST", f"{self.new_base}/v1.0/robot/oToMessages/batchSend", "dingtalk",
            json=body, headers={"x-acs-dingtalk-access-token": t}))

    def send_to_group(self, open_conversation_id: str, msg_key: str, msg_param: dict) -> dict:
        import json

        body = {"robotCode": self.app_key, "openConversationId": open_conversation_id, "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False)}
        return self._with_token(lambda t: self.http.request(
            "POST", f"{self.new_base}/v1.0/robot/groupMessages/send", "dingtalk",
            json=body, headers={"x-acs-dingtalk-access-token": t}))

    def upload_media(self, path: Path, kind: str = "file") -> str:
        def call(token: str):
            with open(path, "rb") as fh:
                return self.http.request("POST", f"{self.base}/media/upload", "dingtalk",
                                         params={"access_token": token, "type": kind},
                                         files={"media": (Path(path).name, fh, "application/octet-stream")})
        return str(self._with_token(call)["media_id"])

    def download_media(self, download_code: str, save: Callable[[Iterator[bytes], str, str], Any], *,
                       timeout: tuple[float, float] = MEDIA_TIMEOUT) -> Any:
        """A picture/file a person sent the robot: POST /v1.0/robot/messageFiles/download (downloadCode +
        robotCode = the app key) answers a short-lived `downloadUrl`, which is streamed into `save` like
        WeChat Work's media/get. A rejected token is refreshed once."""
        body = {"downloadCode": download_code, "robotCode": self.app_key}

        def call(token: str) -> tuple[int, Any]:
            return self.http.request("POST", f"{self.new_base}/v1.0/robot/messageFiles/download", "dingtalk",
                                     json=body, headers={"x-acs-dingtalk-access-token": token})
        try:
            data = self._with_token(call)
        except PlatformError as exc:
            if exc.action != REFRESH:
                raise
            data = self._with_token(call)
        url = data.get("downloadUrl")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("https", "http"):
            raise PlatformError("dingtalk", "no-url", "messageFiles/download answered no downloadUrl", FAIL)
        try:
            resp = self.http._session().get(url, timeout=timeout, stream=True)
        except requests.RequestException as exc:
            raise PlatformError("dingtalk", "network", type(exc).__name__, RETRY) from None
        with resp:
            if resp.status_code >= 400:
                action = RETRY if resp.status_code >= 500 else FAIL
                raise PlatformError("dingtalk", resp.status_code, "downloadUrl answered no file", action)
            return save_streamed(resp, save, "dingtalk")

    def send_file_to_users(self, user_ids: Sequence[str], path: Path) -> dict:
        media_id = self.upload_media(path)
        ext = Path(path).suffix.lstrip(".") or "file"
        return self.send_to_users(user_ids, "sampleFile", {"mediaId": media_id, "fileName": Path(path).name, "fileType": ext})


def session_payload(text: str, markdown: str | None, *, title: str = "支部助手", at_user: str | None = None) -> dict:
    """A sessionWebhook reply: markdown where the reply has it, text otherwise; @ the sender in a group."""
    at = {"atUserIds": [at_user], "isAtAll": False} if at_user else {}
    if markdown:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": markdown}, **({"at": at} if at else {})}
    return {"msgtype": "text", "text": {"content": text}, **({"at": at} if at else {})}


# ---------------------------------------------------------------------------------------------------------
# rate limits and the outbox

class RateLimiter:
    """At most `limit` sends per `window` seconds per robot, by waiting (queued, never dropped).

    The window is kept in memory and seeded from `outbound_message` on first use of a target, so a restart
    does not forget what was just sent; a send that still trips the platform's limit is retried by the outbox.
    """

    def __init__(self, limit: int = 20, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limit, self.window, self.clock, self.sleep = limit, window, clock, sleep
        self._sent: dict[str, deque[float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def seed(self, key: str, ages: Sequence[float]) -> None:
        """Sends that happened `ages` seconds ago (from the log)."""
        now = self.clock()
        with self._guard:
            if key not in self._sent:
                self._sent[key] = deque(sorted(now - a for a in ages if a < self.window))

    @contextmanager
    def slot(self, key: str) -> Iterator[float]:
        """Wait until a send to `key` is allowed, then hold the robot while sending (a queue per robot).

        The send is stamped when it has finished, so the window is counted no earlier than the platform
        counts it. Yields the seconds waited.
        """
        waited = 0.0
        with self._lock(key):
            sent = self._sent.setdefault(key, deque())
            while True:
                now = self.clock()
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.limit:
                    break
                pause = self.window - (now - sent[0]) + 0.001
                self.sleep(pause)
                waited += pause
            try:
                yield waited
            finally:
                sent.append(self.clock())

    def penalise(self, key: str) -> None:
        """The platform said 'too fast': treat the window as full."""
        with self._guard:
            sent = self._sent.setdefault(key, deque())
            now = self.clock()
            while len(sent) < self.limit:
                sent.append(now)


class SharedRateLimiter:
    """The robots' per-minute limit counted in the database, so every worker and machine shares one count.

    A send first takes a slot: under the robot's lock row (`shared_version` `rate:<robot>`: an UPDATE, a row lock
    on PostgreSQL/MariaDB, the write lock on SQLite) it counts the `rate_hit` rows of the last `window` seconds,
    and either adds its own and goes, or waits until the oldest one leaves the window (queued, never dropped).
    Works on SQLite alone for a single process, and on PostgreSQL/MariaDB for many.
    """

    def __init__(self, sessions: sessionmaker[Session], limit: int = 20, window: float = 60.0, *,
                 clock: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sessions, self.limit, self.window, self.clock, self.sleep = sessions, limit, window, clock, sleep
        self._known: set[str] = set()

    def _lock_row(self, s: Session, key: str) -> None:
        name = f"rate:{key}"[:300]
        if key not in self._known:
            if s.get(SharedVersion, name) is None:
                s.add(SharedVersion(name=name, value=0))
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()
            self._known.add(key)
        s.execute(update(SharedVersion).where(SharedVersion.name == name).values(value=SharedVersion.value + 1)
                  .execution_options(synchronize_session=False))

    def _take(self, key: str) -> tuple[float, int | None]:
        """A slot now (0.0 and its hit's id), or how long to wait before asking again."""
        with self.sessions() as s:
            self._lock_row(s, key)
            now = self.clock()
            since = now - timedelta(seconds=self.window)
            s.execute(delete(RateHit).where(RateHit.key == key, RateHit.at < since - timedelta(seconds=self.window)))
            hits = list(s.scalars(select(RateHit.at).where(RateHit.key == key, RateHit.at > since)
                                  .order_by(RateHit.at).limit(self.limit)))
            if len(hits) < self.limit:
                hit = RateHit(key=key, at=now)
                s.add(hit)
                s.commit()
                return 0.0, hit.id
            s.commit()
            return max(0.001, (hits[0] - since).total_seconds()), None

    def seed(self, key: str, ages: Sequence[float]) -> None:
        """Nothing to seed: the count lives in the database."""

    @contextmanager
    def slot(self, key: str) -> Iterator[float]:
        """Wait until a send to `key` is allowed (by every process's count), then send. Yields the seconds waited."""
        waited = 0.0
        while True:
            pause, hit_id = self._take(key)
            if not pause:
                break
            self.sleep(pause)
            waited += pause
        try:
            yield waited
        finally:  # counted from when the call ended: never earlier than the platform counts it
            with self.sessions() as s:
                s.execute(update(RateHit).where(RateHit.id == hit_id).values(at=self.clock()))
                s.commit()

    def penalise(self, key: str) -> None:
        """The platform said 'too fast': fill the window, for every process."""
        with self.sessions() as s:
            self._lock_row(s, key)
            now = self.clock()
            count = len(list(s.scalars(select(RateHit.id).where(
                RateHit.key == key, RateHit.at > now - timedelta(seconds=self.window)))))
            s.add_all([RateHit(key=key, at=now) for _ in range(max(0, self.limit - count))])
            s.commit()


@dataclass
class Backoff:
    attempts: int = 5
    base: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        return min(self.cap, self.base * self.factor ** (attempt - 1))


@dataclass
class Delivery:
    sent: bool
    status: str  # sent / duplicate / failed / in_flight
    attempts: int = 0
    error: str | None = None


class Outbox:
    """Exactly-once delivery with a log row per message (`outbound_message`, unique `idem_key`).

    A row is `sent` only once the platform accepted the call. While a process works on a row it holds a claim
    (`claimed_by`, `claimed_until`) that it keeps renewing (bot/reminders/lease.py `ClaimKeeper`): another
    process finds the row `in_flight` (not sent) while the holder lives, and takes it over once the claim has
    lapsed because the holder died.
    """

    CLAIM_SECONDS = 30.0

    def __init__(self, sessions: sessionmaker[Session], *, limiter: RateLimiter | SharedRateLimiter | None = None,
                 backoff: Backoff | None = None, claim_seconds: float | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        from .reminders.lease import ClaimKeeper, worker_id

        self.sessions = sessions
        self.limiter = limiter or SharedRateLimiter(sessions)  # shared by every process
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.holder = worker_id()
        self.keeper = ClaimKeeper(sessions, OutboundMessage, "idem_key", ("pending",), holder=self.holder,
                                  ttl=claim_seconds or self.CLAIM_SECONDS, clock=clock)

    def _claim(self, key: str, platform: str, target: str, kind: str, payload: dict, reason: str) -> str:
        """'new' when this call owns the message; 'sent' / 'in_flight' when someone else has it."""
        with self.sessions() as s:
            s.add(OutboundMessage(idem_key=key, platform=platform, target=target, kind=kind, payload=payload,
                                  reason=reason[:300], status="pending", claimed_by=self.holder,
                                  claimed_until=self.keeper.until()))
            try:
                s.commit()
                return "new"
            except IntegrityError:
                s.rollback()
            row = s.execute(select(OutboundMessage).where(OutboundMessage.idem_key == key)).scalar_one()
            if row.status == "sent":
                return "sent"
            # rows written before claims existed have no claimed_until: their creation time stands in for it
            until = row.claimed_until or (row.created_at + self.keeper.ttl if row.created_at else None)
            if row.status == "pending" and self.keeper.alive(until):
                return "in_flight"
            same = OutboundMessage.claimed_until.is_(None) if row.claimed_until is None \
                else OutboundMessage.claimed_until == row.claimed_until
            took = s.execute(update(OutboundMessage).where(OutboundMessage.id == row.id,
                                                           OutboundMessage.status == row.status,
                                                           OutboundMessage.attempts == row.attempts, same)
                             .values(status="pending", claimed_by=self.holder, claimed_until=self.keeper.until())
                             .execution_options(synchronize_session=False)).rowcount
            s.commit()
            return "new" if took == 1 else "in_flight"

    def known(self, key: str) -> bool:
        """Whether anything was ever sent, or tried, under this key."""
        with self.sessions() as s:
            return s.scalar(select(OutboundMessage.id).where(OutboundMessage.idem_key == key)) is not None

    def _finish(self, key: str, status: str, attempts: int, error: str | None) -> None:
        """Record the outcome. `sent` is the platform's word and always stands; a failure is recorded only by
        the claim's holder (a process whose claim lapsed and was taken over does not overwrite the new one)."""
        q = update(OutboundMessage).where(OutboundMessage.idem_key == key)
        if status != "sent":
            q = q.where(OutboundMessage.claimed_by == self.holder, OutboundMessage.status != "sent")
        with self.sessions() as s:
            s.execute(q.values(status=status, attempts=OutboundMessage.attempts + attempts, last_error=error,
                               sent_at=self.clock() if status == "sent" else None, claimed_until=None)
                      .execution_options(synchronize_session=False))
            s.commit()

    def _seed_limiter(self, rate_key: str, target: str) -> None:
        if not isinstance(self.limiter, RateLimiter) or rate_key in self.limiter._sent:
            return  # a shared limiter counts in the database already
        since = utcnow() - timedelta(seconds=self.limiter.window)
        with self.sessions() as s:
            times = s.execute(select(OutboundMessage.sent_at).where(
                OutboundMessage.target == target, OutboundMessage.status == "sent",
                OutboundMessage.sent_at >= since)).scalars().all()
        now = utcnow()
        self.limiter.seed(rate_key, [(now - t).total_seconds() for t in times if t])

    def deliver(self, key: str, *, platform: str, target: str, kind: str, payload: dict, reason: str,
                call: Callable[[], Any], rate_key: str | None = None) -> Delivery:
        claim = self._claim(key, platform, target, kind, payload, reason)
        if claim == "sent":
            return Delivery(True, "duplicate")
        if claim == "in_flight":  # another live process is sending it: not (yet) accepted, so not sent
            return Delivery(False, "in_flight", 0, "另一进程正在发送（尚未确认）")
        with self.keeper.holding(key):
            return self._attempts(key, platform=platform, target=target, kind=kind, call=call, reason=reason,
                                  rate_key=rate_key)

    def _attempts(self, key: str, *, platform: str, target: str, kind: str, call: Callable[[], Any], reason: str,
                  rate_key: str | None) -> Delivery:
        if rate_key:
            self._seed_limiter(rate_key, target)
        attempts, refreshed, error = 0, False, None
        while attempts < self.backoff.attempts:
            attempts += 1
            try:
                with self.limiter.slot(rate_key) if rate_key else nullcontext():
                    call()
                self._finish(key, "sent", attempts, None)
                log.info("sent %s %s to %s (%s)", platform, kind, target, reason or key)
                return Delivery(True, "sent", attempts)
            except PlatformError as exc:
                error = f"{exc.code}: {exc.message}"
                if exc.action == REFRESH and not refreshed:
                    refreshed = True  # the client dropped the token; the next call fetches a new one
                    log.warning("%s token rejected (%s), refreshing", platform, exc.code)
                    continue
                if exc.action in (RETRY, REFRESH) and attempts < self.backoff.attempts:
                    if exc.rate_limited and rate_key:
                        self.limiter.penalise(rate_key)
                    delay = self.backoff.delay(attempts)
                    log.warning("%s %s to %s failed (%s), retry in %.1fs", platform, kind, target, exc.code, delay)
                    self.backoff.sleep(delay)
                    continue
                break
            except Exception as exc:  # a bug or a missing file: logged, not retried
                error = f"{type(exc).__name__}: {redact(str(exc))[:200]}"
                break
        self._finish(key, "failed", attempts, error)
        log.error("giving up on %s %s to %s after %d attempt(s): %s", platform, kind, target, attempts, error)
        return Delivery(False, "failed", attempts, error)

    def record(self, key: str, *, platform: str, target: str, kind: str, payload: dict, reason: str,
               status: str = "sent", error: str | None = None) -> Delivery:
        """Log a message that needs no platform call (the local web chat inbox)."""
        claim = self._claim(key, platform, target, kind, payload, reason)
        if claim != "new":
            return Delivery(claim == "sent", "duplicate" if claim == "sent" else claim)
        self._finish(key, status, 1, error)
        return Delivery(status == "sent", status, 1, error)


# ---------------------------------------------------------------------------------------------------------
# the Sender

def web_chat_enabled(config: Config) -> bool:
    """The local web chat (anyone can speak as anyone): on when asked for, or a demo without any platform."""
    mode = (config.web_chat or "auto").lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    return mode == "auto" and config.demo and not (config.wecom_enabled or config.dingtalk_enabled)


@dataclass
class PlatformSender:
    """`bot.messages.Sender` over the configured platforms; the local web chat when none is configured.

    Every message gets an `outbound_message` row whose `target` is `person:<id>` or `target:<id>`, which is
    also how the web chat finds what the bot sent to a person outside a reply.
    """

    config: Config
    sessions: sessionmaker[Session]
    outbox: Outbox
    wecom: WecomApp | None = None
    dingtalk: DingTalkApp | None = None
    http: Http = field(default_factory=Http)

    @classmethod
    def build(cls, config: Config, sessions: sessionmaker[Session], **outbox_kwargs) -> "PlatformSender":
        tokens = TokenStore(sessions)
        http = Http()
        return cls(config=config, sessions=sessions, outbox=Outbox(sessions, **outbox_kwargs),
                   wecom=WecomApp(config, tokens, http), dingtalk=DingTalkApp(config, tokens, http), http=http)

    @property
    def web_inbox(self) -> bool:
        return web_chat_enabled(self.config)

    @staticmethod
    def _key(key: str | None) -> str:
        return key or f"auto:{uuid.uuid4().hex}"

    def send_to_person(self, person_id: int, text: str, markdown: str | None = None, *,
                       key: str | None = None, reason: str = "") -> bool:
        with self.sessions() as s:
            person = s.get(Person, person_id)
            wecom_id = person.wecom_userid if person else None
            ding_id = person.dingtalk_userid if person else None
        idem, target = self._key(key), f"person:{person_id}"
        payload = {"text": text, "markdown": markdown}
        if person is None:
            log.error("send_to_person: no person %s", person_id)
            return False
        if self.wecom and self.wecom.enabled and wecom_id:
            body = (lambda: self.wecom.send_markdown(wecom_id, markdown)) if markdown else (lambda: self.wecom.send_text(wecom_id, text))
            return self.outbox.deliver(idem, platform="wecom_app", target=target, kind="markdown" if markdown else "text",
                                       payload=payload, reason=reason, call=body).sent
        if self.dingtalk and self.dingtalk.enabled and ding_id:
            if markdown:
                call = lambda: self.dingtalk.send_to_users([ding_id], "sampleMarkdown", {"title": "支部助手", "text": markdown})
            else:
                call = lambda: self.dingtalk.send_to_users([ding_id], "sampleText", {"content": text})
            return self.outbox.deliver(idem, platform="dingtalk_app", target=target, kind="markdown" if markdown else "text",
                                       payload=payload, reason=reason, call=call).sent
        if self.web_inbox:
            return self.outbox.record(idem, platform="web", target=target, kind="markdown" if markdown else "text",
                                      payload=payload, reason=reason).sent
        self.outbox.record(idem, platform="none", target=target, kind="text", payload=payload, reason=reason,
                           status="failed", error="no channel for this person")
        log.error("no channel to reach person %s", person_id)
        return False

    def send_file_to_person(self, person_id: int, path: Path, *, key: str | None = None, reason: str = "") -> bool:
        with self.sessions() as s:
            person = s.get(Person, person_id)
            wecom_id = person.wecom_userid if person else None
            ding_id = person.dingtalk_userid if person else None
        idem, target, payload = self._key(key), f"person:{person_id}", {"file": Path(path).name}
        if self.wecom and self.wecom.enabled and wecom_id:
            return self.outbox.deliver(idem, platform="wecom_app", target=target, kind="file", payload=payload,
                                       reason=reason, call=lambda: self.wecom.send_file(wecom_id, Path(path))).sent
        if self.dingtalk and self.dingtalk.enabled and ding_id:
            return self.outbox.deliver(idem, platform="dingtalk_app", target=target, kind="file", payload=payload,
                                       reason=reason, call=lambda: self.dingtalk.send_file_to_users([ding_id], Path(path))).sent
        return False

    def send_to_user_id(self, platform: str, user_id: str, text: str, markdown: str | None = None, *,
                        key: str, reason: str = "", files: Sequence[Path] = ()) -> bool:
        """A late reply to whoever wrote (the account may not be in the roster yet)."""
        ok = True
        if platform == "wecom" and self.wecom and self.wecom.enabled:
            if text:
                ok = self.outbox.deliver(key, platform="wecom_app", target=f"user:{user_id}", kind="text",
                                         payload={"text": text}, reason=reason,
                                         call=lambda: self.wecom.send_text(user_id, text)).sent
            for i, path in enumerate(files):
                ok = self.outbox.deliver(f"{key}:file:{i}", platform="wecom_app", target=f"user:{user_id}", kind="file",
                                         payload={"file": Path(path).name}, reason=reason,
                                         call=lambda p=Path(path): self.wecom.send_file(user_id, p)).sent and ok
        elif platform == "dingtalk" and self.dingtalk and self.dingtalk.enabled:
            if text:  # a reply normally goes through the message's sessionWebhook; this is for one without it
                msg_key, param = (("sampleMarkdown", {"title": "支部助手", "text": markdown}) if markdown
                                  else ("sampleText", {"content": text}))
                ok = self.outbox.deliver(key, platform="dingtalk_app", target=f"user:{user_id}", kind=msg_key,
                                         payload={"text": text, "markdown": markdown}, reason=reason,
                                         call=lambda: self.dingtalk.send_to_users([user_id], msg_key, param)).sent
            for i, path in enumerate(files):
                ok = self.outbox.deliver(f"{key}:file:{i}", platform="dingtalk_app", target=f"user:{user_id}", kind="file",
                                         payload={"file": Path(path).name}, reason=reason,
                                         call=lambda p=Path(path): self.dingtalk.send_file_to_users([user_id], p)).sent and ok
        else:
            return False
        return ok

    def send_to_target(self, target_id: int, text: str, markdown: str | None = None, *,
                       mentions: Sequence[int] = (), key: str | None = None, reason: str = "") -> bool:
        with self.sessions() as s:
            t = s.get(PushTarget, target_id)
            if t is None:
                log.error("send_to_target: no push target %s", target_id)
                return False
            people = s.execute(select(Person).where(Person.id.in_(list(mentions)))).scalars().all() if mentions else []
            platform, webhook, secret, chat_id, name = t.platform, t.webhook_url, t.secret, t.chat_id, t.name
        idem, target = self._key(key), f"target:{target_id}"
        payload = {"text": text, "markdown": markdown, "mentions": list(mentions), "name": name}
        kind = "markdown" if markdown else "text"
        if platform == "wecom_robot" and webhook:
            robot = WecomRobot(webhook, self.config.wecom_api_base, self.http)
            ids = [p.wecom_userid for p in people if p.wecom_userid]
            call = (lambda: robot.send_markdown(markdown + "".join(f"\n<@{i}>" for i in ids))) if markdown \
                else (lambda: robot.send_text(text, ids))
            return self.outbox.deliver(idem, platform=platform, target=target, kind=kind, payload=payload,
                                       reason=reason, call=call, rate_key=target).sent
        if platform == "dingtalk_robot" and webhook:
            robot = DingTalkRobot(webhook, secret, self.config.dingtalk_api_base, self.http)
            ids = [p.dingtalk_userid for p in people if p.dingtalk_userid]
            at_line = " ".join(f"@{i}" for i in ids)
            call = (lambda: robot.send_markdown("支部助手", markdown + (f"\n\n{at_line}" if at_line else ""), ids)) if markdown \
                else (lambda: robot.send_text(text + (f" {at_line}" if at_line else ""), ids))
            return self.outbox.deliver(idem, platform=platform, target=target, kind=kind, payload=payload,
                                       reason=reason, call=call, rate_key=target).sent
        if platform == "wecom_app" and chat_id and self.wecom and self.wecom.enabled:
            call = lambda: self.wecom.send("markdown" if markdown else "text", {"content": markdown or text}, chatid=chat_id)
            return self.outbox.deliver(idem, platform=platform, target=target, kind=kind, payload=payload,
                                       reason=reason, call=call).sent
        if platform == "dingtalk_app" and chat_id and self.dingtalk and self.dingtalk.enabled:
            key_, param = ("sampleMarkdown", {"title": "支部助手", "text": markdown}) if markdown else ("sampleText", {"content": text})
            return self.outbox.deliver(idem, platform=platform, target=target, kind=kind, payload=payload,
                                       reason=reason, call=lambda: self.dingtalk.send_to_group(chat_id, key_, param)).sent
        if self.web_inbox:
            return self.outbox.record(idem, platform="web", target=target, kind=kind, payload=payload, reason=reason).sent
        log.error("push target %s (%s) cannot be reached with this configuration", target_id, platform)
        return False
