"""DingTalk's outbound API: the app's enterprise robot (session-webhook replies, one-to-one and group messages,
files) and custom group robots (signed webhooks). One HTTP call each; errors raised as `PlatformError`."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import quote_plus, urlsplit

from ...config import Config
from ...push.http import FAIL, MEDIA_TIMEOUT, REFRESH, RETRY, Http, PlatformError, save_streamed
from ...push.tokens import TokenStore

TOKEN_ERRORS = {40014, 42001, 41001}
RETRY_ERRORS = {-1, 130101, 90018, 90002, 88_0001}
RETRY_SUBCODES = {"130101", "90018", "-1"}


def check(data: Any, status: int = 200) -> dict:
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
    if code in TOKEN_ERRORS or (code == 88 and (sub.isascii() and sub.isdigit()) and int(sub) in TOKEN_ERRORS):
        action = REFRESH
    elif code in RETRY_ERRORS or (code == 88 and sub in RETRY_SUBCODES):
        action = RETRY
    else:
        action = FAIL
    raise PlatformError("dingtalk", code if not sub else f"{code}/{sub}", str(data.get("errmsg", ""))[:200], action)



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
        return check(data, status)

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
        data = check(data, status)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError("dingtalk", "no-token", "gettoken returned no access_token", FAIL)
        return token, int(data.get("expires_in", 7200))

    def _with_token(self, call: Callable[[str], tuple[int, Any]]) -> dict:
        token = self.tokens.get(self.token_name, self._fetch_token)
        try:
            status, data = call(token)
            return check(data, status)
        except PlatformError as exc:
            if exc.action == REFRESH:
                self.tokens.invalidate(self.token_name, token)
            raise

    def reply_session(self, webhook: str, payload: dict) -> dict:
        status, data = self.http.request("POST", webhook, "dingtalk", json=payload)
        return check(data, status)

    def send_to_users(self, user_ids: Sequence[str], msg_key: str, msg_param: dict) -> dict:
        body = {"robotCode": self.app_key, "userIds": list(user_ids), "msgKey": msg_key,
                "msgParam": json.dumps(msg_param, ensure_ascii=False)}
        return self._with_token(lambda t: self.http.request(
            "POST", f"{self.new_base}/v1.0/robot/oToMessages/batchSend", "dingtalk",
            json=body, headers={"x-acs-dingtalk-access-token": t}))

    def send_to_group(self, open_conversation_id: str, msg_key: str, msg_param: dict) -> dict:
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
        resp = self.http.stream(url, "dingtalk", timeout=timeout)
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

