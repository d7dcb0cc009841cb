"""A fake DingTalk Stream gateway on 127.0.0.1: the protocol the official SDK (`dingtalk-stream`) speaks.

- HTTP `POST /v1.0/gateway/connections/open` with {clientId, clientSecret, subscriptions, ua, localIp}: answers
  {"endpoint": "ws://127.0.0.1:<port>/connect", "ticket": …} (a single-use ticket), 401 for a wrong secret, or a
  scripted failure (`fail_opens`).
- WebSocket `/connect?ticket=…`: the gateway sends JSON frames {specVersion, type, headers, data} — SYSTEM `ping`
  (the client acks with the same data) and `disconnect`, CALLBACK on /v1.0/im/bot/messages/get with the robot
  message as a JSON string in `data`; the client answers each with an ack {code, headers: {messageId, …},
  message, data}. A callback not acknowledged with code 200 stays pending: it is delivered again on the next
  connection (as DingTalk does), or when the test calls `redeliver`.
Everything received is kept for the tests to read.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.asyncio.server import serve

ROBOT_TOPIC = "/v1.0/im/bot/messages/get"


class FakeStreamGateway:
    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.opens: list[dict] = []  # bodies of connection-open calls
        self.tickets: set[str] = set()
        self.open_failures = 0  # answer the next N open calls with 503
        self.connections = 0  # WebSocket connections accepted
        self.pending: dict[str, dict] = {}  # messageId -> CALLBACK frame not yet acknowledged with 200
        self.acks: list[dict] = []  # every ack frame received, in order
        self.deliveries: list[str] = []  # messageIds of CALLBACK frames sent, in order (redeliveries repeat)
        self.redeliver_on_connect = True
        self.lose_acks = 0  # the next N acks of callbacks are lost on the way (kept in `lost_acks`, not counted)
        self.lost_acks: list[dict] = []
        self._ws: Any = None
        self._connected = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run_loop, name="fake-stream-gateway", daemon=True)
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._http.server_port}"
        self._http_thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self.ws_port = 0

    # -- control ---------------------------------------------------------------------------------------------
    def start(self) -> "FakeStreamGateway":
        self._thread.start()
        self._ready.wait(10)
        self._http_thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def wait_connections(self, n: int, timeout: float = 10.0) -> bool:
        """Until `n` WebSocket connections in all have been accepted (and one is open)."""
        deadline = time.monotonic() + timeout
        with self._connected:
            while self.connections < n or self._ws is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._connected.wait(left)
        return True

    def wait_ack(self, message_id: str, timeout: float = 10.0, code: int | None = 200) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for ack in self.acks:
                    if ack.get("headers", {}).get("messageId") == message_id and (code is None or ack.get("code") == code):
                        return ack
            time.sleep(0.02)
        return None

    def acks_for(self, message_id: str) -> list[dict]:
        with self._lock:
            return [a for a in self.acks if a.get("headers", {}).get("messageId") == message_id]

    # -- frames the gateway sends ----------------------------------------------------------------------------
    def send_robot(self, body: dict, message_id: str | None = None) -> str:
        """A robot message as a CALLBACK frame; kept pending until acknowledged with code 200."""
        mid = message_id or f"stream-{next(self._ids)}-{uuid.uuid4().hex[:8]}"
        frame = {"specVersion": "1.0", "type": "CALLBACK",
                 "headers": {"appId": "fake-app", "connectionId": "conn", "contentType": "application/json",
                             "messageId": mid, "time": str(int(time.time() * 1000)), "topic": ROBOT_TOPIC},
                 "data": json.dumps(body, ensure_ascii=False)}
        with self._lock:
            self.pending[mid] = frame
        self._call(self._send(frame, mid))
        return mid

    def ping(self) -> str:
        mid = f"ping-{next(self._ids)}"
        self._call(self._send({"specVersion": "1.0", "type": "SYSTEM",
                               "headers": {"messageId": mid, "topic": "ping", "contentType": "application/json",
                                           "time": str(int(time.time() * 1000))},
                               "data": json.dumps({"opaque": mid})}))
        return mid

    def disconnect(self) -> None:
        """DingTalk's notice that this connection ends: the client should open a new one."""
        self._call(self._send({"specVersion": "1.0", "type": "SYSTEM",
                               "headers": {"messageId": f"dc-{next(self._ids)}", "topic": "disconnect",
                                           "contentType": "application/json"},
                               "data": json.dumps({"reason": "gateway restarting"})}))

    def send_raw(self, text: str) -> None:
        """Anything, as one text frame (bad frames)."""
        self._call(self._send_text(text))

    def redeliver(self) -> list[str]:
        """Send every pending (unacknowledged) callback again on the open connection."""
        with self._lock:
            frames = list(self.pending.items())
        for mid, frame in frames:
            self._call(self._send(frame, mid))
        return [mid for mid, _ in frames]

    def drop(self) -> None:
        """Cut the open connection without a closing handshake (a network failure)."""
        self._call(self._drop())

    # -- internals --------------------------------------------------------------------------------------------
    def _call(self, coro) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _send(self, frame: dict, mid: str | None = None) -> None:
        if mid is not None:
            with self._lock:
                self.deliveries.append(mid)
        await self._send_text(json.dumps(frame, ensure_ascii=False))

    async def _send_text(self, text: str) -> None:
        ws = self._ws
        if ws is None:
            return  # nobody connected: a callback stays pending and goes out on the next connection
        try:
            await ws.send(text)
        except websockets.exceptions.ConnectionClosed:
            pass

    async def _drop(self) -> None:
        ws = self._ws
        if ws is not None:
            ws.transport.abort()

    async def _shutdown(self) -> None:
        self._server.close()

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def boot() -> None:
            self._server = await serve(self._session, "127.0.0.1", 0, process_request=self._check_ticket)
            self.ws_port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(boot())
        self._loop.run_forever()

    def _check_ticket(self, connection, request):
        query = parse_qs(urlsplit(request.path).query)
        ticket = (query.get("ticket") or [""])[0]
        with self._lock:
            if ticket not in self.tickets:
                return connection.respond(403, "bad ticket\n")
            self.tickets.discard(ticket)  # single use
        return None

    async def _session(self, ws) -> None:
        with self._connected:
            old, self._ws = self._ws, ws
            self.connections += 1
            self._connected.notify_all()
            pending = list(self.pending.items()) if self.redeliver_on_connect else []
        if old is not None:
            old.transport.abort()
        for mid, frame in pending:
            await self._send(frame, mid)
        try:
            async for raw in ws:
                try:
                    ack = json.loads(raw)
                except ValueError:
                    continue
                with self._lock:
                    mid = (ack.get("headers") or {}).get("messageId") if isinstance(ack, dict) else None
                    if self.lose_acks > 0 and mid in self.pending:
                        self.lose_acks -= 1
                        self.lost_acks.append(ack)
                        continue
                    self.acks.append(ack)
                    if ack.get("code") == 200 and mid in self.pending:
                        del self.pending[mid]
        except websockets.exceptions.ConnectionClosed:
            pass
        finally:
            with self._connected:
                if self._ws is ws:
                    self._ws = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                return

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                if self.path != "/v1.0/gateway/connections/open":
                    return self._json(404, {"code": "NotFound"})
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self._json(400, {"code": "InvalidBody"})
                with gateway._lock:
                    gateway.opens.append(body)
                    if gateway.open_failures > 0:
                        gateway.open_failures -= 1
                        return self._json(503, {"code": "ServiceUnavailable"})
                if body.get("clientId") != gateway.client_id or body.get("clientSecret") != gateway.client_secret:
                    return self._json(401, {"code": "InvalidAuthentication"})
                ticket = uuid.uuid4().hex
                with gateway._lock:
                    gateway.tickets.add(ticket)
                return self._json(200, {"endpoint": f"ws://127.0.0.1:{gateway.ws_port}/connect", "ticket": ticket})

        return Handler
