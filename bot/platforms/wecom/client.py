"""WeChat Work's outbound API: application messages (users and app chats, media upload and download) and
group robots (webhooks). One HTTP call each; a platform error raised as a classified `PlatformError`."""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence
from urllib.parse import urlsplit

from ...config import Config
from ...push.http import FAIL, MEDIA_TIMEOUT, REFRESH, RETRY, Http, PlatformError, save_streamed
from ...push.tokens import TokenStore

TOKEN_ERRORS = {40014, 42001, 41001}
RETRY_ERRORS = {-1, 45009, 45033, 45047, 6000}


def check(data: Any) -> dict:
    """Raise PlatformError for a WeChat Work answer that is not errcode 0."""
    if not isinstance(data, dict):
        raise PlatformError("wecom", "bad-json", "answer is not a JSON object", RETRY)
    code = data.get("errcode", 0)
    if code in (0, None):
        return data
    action = REFRESH if code in TOKEN_ERRORS else RETRY if code in RETRY_ERRORS else FAIL
    raise PlatformError("wecom", code, str(data.get("errmsg", ""))[:200], action)



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
        data = check(data)
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise PlatformError("wecom", "no-token", "gettoken returned no access_token", FAIL)
        return token, int(data.get("expires_in", 7200))

    def _call(self, method: str, path: str, **kwargs) -> dict:
        token = self.tokens.get(self.token_name, self._fetch_token)
        try:
            _, data = self.http.request(method, f"{self.base}{path}", "wecom",
                                        params={**kwargs.pop("params", {}), "access_token": token}, **kwargs)
            return check(data)
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
        resp = self.http.stream(f"{self.base}/cgi-bin/media/get", "wecom", timeout=timeout,
                                params={"access_token": token, "media_id": media_id})
        with resp:
            ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if resp.status_code >= 400 or ctype in ("application/json", "text/plain"):
                try:
                    data = resp.json() if resp.status_code < 500 else None
                except ValueError:
                    data = None
                try:
                    check(data if isinstance(data, dict) else {"errcode": -1, "errmsg": f"HTTP {resp.status_code}"})
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
        return check(data)

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
        media_id = check(data)["media_id"]
        return self._post({"msgtype": "file", "file": {"media_id": media_id}})

