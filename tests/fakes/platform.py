"""A fake WeChat Work + DingTalk API server on 127.0.0.1, for the push clients and the channel tests.

It issues access tokens, checks them (42001 expired / 40014 invalid on WeChat Work; 88+40014 on DingTalk's
old API, HTTP 401 InvalidAuthentication on the new one), checks DingTalk robot signatures, enforces the
group robots' rate limit (45009 / 130101), and can be told to fail the next calls on a path.
Everything it receives is kept in `received` for the tests to read.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_plus

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

CORP_SECRET = "fake-corp-secret-0123456789"
DING_APP_KEY = "dingfakeappkey"
DING_APP_SECRET = "fake-ding-app-secret-abcdefghijklmnop"


@dataclass
class FakeState:
    tokens: dict[str, str] = field(default_factory=dict)  # token -> platform
    expired: set[str] = field(default_factory=set)
    token_calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    received: list[dict] = field(default_factory=list)
    failures: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    robot_secrets: dict[str, str] = field(default_factory=dict)  # DingTalk robot access_token -> secret
    robot_limit: int = 20
    robot_window: float = 60.0
    robot_sends: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    token_delay: float = 0.0
    media: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # media_id -> (filename, data, type)
    media_delay: float = 0.0
    media_chunk_delay: float = 0.0  # DingTalk download URL: seconds between 1 KB chunks (a slow download)


class FakePlatform:
    def __init__(self) -> None:
        self.state = FakeState()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.app = self._build()
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- control -----------------------------------------------------------------------------------
    def start(self) -> "FakePlatform":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def reset(self) -> None:
        with self._lock:
            self.state = FakeState()

    def fail_next(self, path: str, *answers: dict | tuple[int, dict]) -> None:
        """Answer the next calls on `path` with these JSON bodies (or (HTTP status, body))."""
        self.state.failures[path].extend(answers)

    def serve_media(self, media_id: str, data: bytes, filename: str = "", content_type: str = "application/octet-stream") -> None:
        """What GET /cgi-bin/media/get answers for this media id (unknown ids: errcode 40007); also a DingTalk
        downloadCode's file (POST /v1.0/robot/messageFiles/download, then GET its downloadUrl)."""
        self.state.media[media_id] = (filename, data, content_type)

    def expire_tokens(self) -> None:
        self.state.expired |= set(self.state.tokens)

    def messages(self, path: str | None = None) -> list[dict]:
        return [m for m in self.state.received if path is None or m["path"] == path]

    # -- helpers -----------------------------------------------------------------------------------
    def _issue(self, platform: str) -> str:
        token = f"{platform}-token-{next(self._ids)}"
        self.state.tokens[token] = platform
        self.state.token_calls[platform] += 1
        return token

    def _failure(self):
        queue = self.state.failures.get(request.path)
        if queue:
            answer = queue.popleft()
            if isinstance(answer, tuple):
                return jsonify(answer[1]), answer[0]
            return jsonify(answer)
        return None

    def _record(self, **extra) -> None:
        body = request.get_json(silent=True)
        self.state.received.append({"path": request.path, "args": dict(request.args), "json": body,
                                    "files": {k: (f.filename, len(f.read())) for k, f in request.files.items()},
                                    "headers": {"x-acs-dingtalk-access-token": request.headers.get("x-acs-dingtalk-access-token")},
                                    "at": time.monotonic(), **extra})

    def _download_url(self):
        """DingTalk's answer to messageFiles/download: a short-lived URL of the file (here on this server)."""
        body = request.get_json(silent=True) or {}
        if body.get("robotCode") != DING_APP_KEY:
            return jsonify(code="invalidParameter.robotCode", message="robotCode不合法"), 400
        code = body.get("downloadCode")
        if not isinstance(code, str) or code not in self.state.media:
            return jsonify(code="invalidParameter.downloadCode", message="downloadCode已过期或不存在"), 400
        return jsonify(downloadUrl=f"{request.host_url}fake-oss/{quote(code, safe='')}"
                                   "?Expires=1&OSSAccessKeyId=fake&Signature=fake")

    def _robot_limited(self, key: str) -> bool:
        with self._lock:
            sends = self.state.robot_sends[key]
            now = time.monotonic()
            while sends and now - sends[0] >= self.state.robot_window:
                sends.popleft()
            if len(sends) >= self.state.robot_limit:
                return True
            sends.append(now)
            return False

    def _wecom_token_error(self):
        token = request.args.get("access_token", "")
        if token in self.state.expired:
            return jsonify(errcode=42001, errmsg="access_token expired")
        if self.state.tokens.get(token) != "wecom":
            return jsonify(errcode=40014, errmsg="invalid access_token")
        return None

    def _ding_token_error(self, new_api: bool):
        token = request.headers.get("x-acs-dingtalk-access-token") if new_api else request.args.get("access_token", "")
        if token in self.state.expired or self.state.tokens.get(token) != "dingtalk":
            if new_api:
                return jsonify(code="InvalidAuthentication", message="不合法的access_token"), 401
            return jsonify(errcode=88, sub_code="40014", sub_msg="不合法的access_token", errmsg="ding talk error[subcode=40014]")
        return None

    # -- routes --------------------------------------------------------------------------------------
    def _build(self) -> Flask:
        app = Flask("fake_platform")
        fake = self

        @app.get("/cgi-bin/gettoken")
        def wecom_gettoken():
            if request.args.get("corpsecret") != CORP_SECRET:
                return jsonify(errcode=40001, errmsg="invalid credential")
            if fake.state.token_delay:
                time.sleep(fake.state.token_delay)
            return jsonify(errcode=0, errmsg="ok", access_token=fake._issue("wecom"), expires_in=7200)

        @app.post("/cgi-bin/message/send")
        @app.post("/cgi-bin/appchat/send")
        def wecom_send():
            return fake._wecom_token_error() or fake._failure() or (fake._record() or jsonify(errcode=0, errmsg="ok", msgid="m1"))

        @app.post("/cgi-bin/media/upload")
        def wecom_upload():
            return fake._wecom_token_error() or fake._failure() or (
                fake._record() or jsonify(errcode=0, errmsg="ok", type="file", media_id=f"media-{next(fake._ids)}"))

        @app.get("/cgi-bin/media/get")
        def wecom_media_get():
            err = fake._wecom_token_error() or fake._failure()
            if err:
                return err
            fake._record()
            if fake.state.media_delay:
                time.sleep(fake.state.media_delay)
            found = fake.state.media.get(request.args.get("media_id", ""))
            if found is None:
                return jsonify(errcode=40007, errmsg="invalid media_id")
            filename, data, ctype = found
            headers = {"Content-Disposition": f"attachment; filename=\"{quote(filename)}\""} if filename else {}
            return Response(data, 200, headers=headers, content_type=ctype)

        @app.post("/cgi-bin/webhook/send")
        def wecom_robot():
            failure = fake._failure()
            if failure:
                return failure
            if fake._robot_limited("wecom:" + request.args.get("key", "")):
                return jsonify(errcode=45009, errmsg="api freq out of limit")
            fake._record()
            return jsonify(errcode=0, errmsg="ok")

        @app.post("/cgi-bin/webhook/upload_media")
        def wecom_robot_upload():
            fake._record()
            return jsonify(errcode=0, errmsg="ok", type="file", media_id=f"rmedia-{next(fake._ids)}")

        @app.get("/gettoken")
        def ding_gettoken():
            if request.args.get("appkey") != DING_APP_KEY or request.args.get("appsecret") != DING_APP_SECRET:
                return jsonify(errcode=40089, errmsg="不合法的corpid或corpsecret")
            if fake.state.token_delay:
                time.sleep(fake.state.token_delay)
            return jsonify(errcode=0, errmsg="ok", access_token=fake._issue("dingtalk"), expires_in=7200)

        @app.post("/robot/send")
        def ding_robot():
            token = request.args.get("access_token", "")
            secret = fake.state.robot_secrets.get(token)
            if secret is None:
                return jsonify(errcode=300001, errmsg="token is not exist")
            ts, sign = request.args.get("timestamp", ""), request.args.get("sign", "")
            want = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()).decode()
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600_000 or unquote_plus(sign) != want and sign != want:
                return jsonify(errcode=310000, errmsg="sign not match")
            failure = fake._failure()
            if failure:
                return failure
            if fake._robot_limited("ding:" + token):
                return jsonify(errcode=130101, errmsg="send too fast, exceed 20 times per minute")
            fake._record()
            return jsonify(errcode=0, errmsg="ok")

        @app.post("/robot/sendBySession")
        def ding_session():
            failure = fake._failure()
            if failure:
                return failure
            fake._record()
            return jsonify(errcode=0, errmsg="ok")

        @app.post("/v1.0/robot/oToMessages/batchSend")
        @app.post("/v1.0/robot/groupMessages/send")
        @app.post("/v1.0/robot/messageFiles/download")
        def ding_robot_api():
            err = fake._ding_token_error(new_api=True) or fake._failure()
            if err:
                return err
            fake._record()
            if request.path.endswith("/messageFiles/download"):
                return fake._download_url()
            return jsonify(processQueryKey=f"pqk-{next(fake._ids)}")

        @app.get("/fake-oss/<path:code>")
        def ding_download_url(code: str):
            fake._record()
            found = fake.state.media.get(code)
            if found is None:
                return Response("NoSuchKey", 404, content_type="application/xml")
            filename, data, ctype = found
            delay = fake.state.media_chunk_delay

            def chunks():
                for i in range(0, len(data), 1024):
                    if delay:
                        time.sleep(delay)
                    yield data[i:i + 1024]
            headers = {"Content-Disposition": f"attachment; filename=\"{quote(filename)}\""} if filename else {}
            return Response(chunks(), 200, headers=headers, content_type=ctype)

        @app.post("/media/upload")
        def ding_upload():
            err = fake._ding_token_error(new_api=False) or fake._failure()
            if err:
                return err
            fake._record()
            return jsonify(errcode=0, errmsg="ok", type="file", media_id=f"@dmedia-{next(fake._ids)}")

        return app
