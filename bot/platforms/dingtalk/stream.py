"""DingTalk Stream mode (ZHIBU_DINGTALK_MODE=stream): the bot connects out to DingTalk and receives the robot's
messages over that connection, so an office machine without a public address can run the DingTalk robot.

Thin, like the HTTP adapter. The official SDK (`dingtalk-stream`) opens the connection (POST
/v1.0/gateway/connections/open → endpoint + ticket; pointed elsewhere through its own `OPEN_CONNECTION_API`) and
reads the frames (SYSTEM ping / disconnect, CALLBACK on /v1.0/im/bot/messages/get, acknowledgements). Each robot
message goes through `DingTalkChannel.handle_message` and `answer`, exactly as a callback does. What is added here:

- acknowledged only once the message is stored (and its answer sent, or left to the late path): DingTalk delivers
  an unacknowledged message again, and the stored reply plus the outbox key (`reply:dingtalk:<msgId>`) make that
  redelivery answer at most once — also after the process was killed between storing and acknowledging;
- reconnect with exponential backoff (a disconnect frame reconnects at once); a bad frame is logged and skipped,
  the connection kept;
- one connection per deployment, not one per gunicorn worker: the database lease "dingtalk_stream"
  (bot/reminders/lease.py, the scheduler's notion) decides which process holds it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
import time
from typing import Any
from urllib.parse import quote_plus, urlsplit

import websockets
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage, Credential, DingTalkStreamClient
from dingtalk_stream.frames import Headers

from ...messages import Reply
from ...reminders.lease import Lease
from ..errors import Rejected
from .adapter import DingTalkChannel
from .protocol import check_robot, parse_payload


log = logging.getLogger("bot.platforms.dingtalk.stream")

TOPIC = ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
OPEN_PATH = "/v1.0/gateway/connections/open"
LEASE_NAME = "dingtalk_stream"
FRAME_TYPES = ("SYSTEM", "EVENT", "CALLBACK")
MAX_FRAME = 1024 * 1024


def stream_wanted(config: Any) -> bool:
    return bool(config.dingtalk_enabled and config.dingtalk_app_key and (config.dingtalk_mode or "http") == "stream")


def gateway_base(config: Any) -> str:
    """Where the connection is opened: DingTalk's API host unless a test or proxy says otherwise."""
    return ((getattr(config, "extra", None) or {}).get("dingtalk_stream_endpoint")
            or os.environ.get("ZHIBU_DINGTALK_STREAM_ENDPOINT") or config.dingtalk_new_api_base).rstrip("/")


def point_sdk_at(base: str) -> None:
    """The SDK reads its connection-open URL from this class attribute (one gateway per process)."""
    DingTalkStreamClient.OPEN_CONNECTION_API = base.rstrip("/") + OPEN_PATH


def _short(raw: Any, limit: int = 200) -> str:
    text = raw if isinstance(raw, str) else repr(raw)
    return text[:limit] + ("…" if len(text) > limit else "")


class _QuietPings(logging.Filter):
    """The SDK logs every SYSTEM frame but disconnect as an 'unknown message topic' warning, DingTalk's pings too."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (str(record.msg).startswith("unknown message topic") and record.args and record.args[0] == "ping")


_SDK_LOG = logging.getLogger("dingtalk_stream.client")
_SDK_LOG.addFilter(_QuietPings())


class _Client(DingTalkStreamClient):
    """The SDK's client; only the local IP it reports is found without a route lookup towards the internet."""

    def get_host_ip(self) -> str:
        host = urlsplit(DingTalkStreamClient.OPEN_CONNECTION_API).hostname or ""
        return "127.0.0.1" if host in ("127.0.0.1", "localhost", "::1") else super().get_host_ip()


class _RobotMessages(CallbackHandler):
    """Robot messages: the work runs in a thread (database, HTTP); None means 'no acknowledgement'."""

    def __init__(self, runner: "StreamRunner") -> None:
        super().__init__()
        self.runner = runner

    async def raw_process(self, callback_message: CallbackMessage) -> AckMessage | None:
        try:
            code, note = await asyncio.to_thread(self.runner.deliver, callback_message.data)
        except Exception:  # noqa: BLE001 - not acknowledged: DingTalk delivers it again
            log.exception("dingtalk stream: message %s failed; not acknowledged", callback_message.headers.message_id)
            return None
        if code is None:
            return None
        ack = AckMessage()
        ack.code = code
        ack.headers.message_id = callback_message.headers.message_id
        ack.headers.content_type = Headers.CONTENT_TYPE_APPLICATION_JSON
        ack.message = "OK" if code == AckMessage.STATUS_OK else note
        ack.data = {"response": note}
        return ack


class StreamRunner:
    """Holds the lease and, while it does, one Stream connection; feeds robot messages to the channel."""

    def __init__(self, channel: DingTalkChannel, sessions: Any, app_key: str, app_secret: str, *, endpoint: str,
                 lease_ttl: float = 30.0, heartbeat: float = 10.0, backoff: tuple[float, float] = (1.0, 60.0),
                 store_wait: float = 30.0, drain: float = 5.0, holder: str | None = None) -> None:
        self.channel = channel
        self.endpoint = endpoint.rstrip("/")
        self.lease = Lease(sessions, LEASE_NAME, ttl=lease_ttl, holder=holder)
        self.heartbeat = heartbeat
        self.backoff_min, self.backoff_max = backoff
        self.store_wait = store_wait
        self.drain = drain
        point_sdk_at(self.endpoint)
        self.client = _Client(Credential(app_key, app_secret), logger=_SDK_LOG)
        self.client.register_callback_handler(TOPIC, _RobotMessages(self))
        self.client.pre_start()
        self.connected = threading.Event()
        self.connections = 0  # how many times a connection was opened (the tests and the log read it)
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None
        self._conn: threading.Thread | None = None
        self._aloop: asyncio.AbstractEventLoop | None = None
        self._astop: asyncio.Event | None = None

    # -- one robot message ------------------------------------------------------------------------------
    def deliver(self, data: Any) -> tuple[int | None, str]:
        """(ack code, note). 200 once the message is stored and answered (or its answer is on the late path);
        None — no acknowledgement, DingTalk delivers it again — while it is not stored or its answer is being
        sent by another live process; 400 for a message that can never be taken (refused, logged)."""
        try:
            raw = json.dumps(data, ensure_ascii=False).encode() if not isinstance(data, bytes) else data
            msg = parse_payload(raw)
            check_robot(msg, self.channel.app_key)
        except Rejected as exc:
            log.warning("dingtalk stream: robot message refused (%s); acknowledged as a bad request", exc.reason)
            return AckMessage.STATUS_BAD_REQUEST, exc.reason
        on_time, reply = self.channel.handle_message(msg)
        if not self._stored(msg.msg_id, wait=0.0 if on_time else self.store_wait):
            log.warning("dingtalk stream: message %s not stored; not acknowledged (DingTalk delivers it again)", msg.msg_id)
            return None, "not stored"
        if not on_time or reply is None:
            return AckMessage.STATUS_OK, "stored; the answer follows"
        if reply.duplicate and reply.text:
            # A redelivery (e.g. the last process died before acknowledging): the stored answer, under the same
            # outbox key, so it goes out only if it never did.
            reply = Reply(text=reply.text)
        delivery = self.channel.answer(msg, reply)
        if delivery is not None and delivery.status == "in_flight":
            log.info("dingtalk stream: answer to %s is being sent elsewhere; not acknowledged yet", msg.msg_id)
            return None, "answer in flight"
        return AckMessage.STATUS_OK, "ok"

    def _stored(self, msg_id: str, wait: float) -> bool:
        """Whether the core has the message (a slow core: wait for its first commit, which comes first)."""
        find = getattr(self.channel.conversation, "find", None)
        if find is None:
            return True  # a core without a lookup stores before it answers
        deadline = time.monotonic() + wait
        while True:
            try:
                if find("dingtalk", msg_id) is not None:
                    return True
            except Exception:  # the database is down: not stored as far as we can tell
                log.warning("dingtalk stream: could not look up message %s", msg_id, exc_info=True)
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    # -- the connection -----------------------------------------------------------------------------------
    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless asked to stop; True when asked to stop."""
        try:
            await asyncio.wait_for(self._astop.wait(), seconds)
            return True
        except asyncio.TimeoutError:
            return False

    async def _run(self) -> None:
        self._astop = asyncio.Event()
        delay = self.backoff_min
        while not self._astop.is_set():
            connection = await asyncio.to_thread(self.client.open_connection)
            if not isinstance(connection, dict) or not connection.get("endpoint") or not connection.get("ticket"):
                log.warning("dingtalk stream: could not open a connection at %s; retrying in %.1fs", self.endpoint, delay)
                if await self._sleep(delay):
                    return
                delay = min(self.backoff_max, delay * 2)
                continue
            uri = f'{connection["endpoint"]}?ticket={quote_plus(str(connection["ticket"]))}'
            reason = "dropped"
            try:
                async with websockets.connect(uri, open_timeout=10, ping_interval=20, ping_timeout=20,
                                              close_timeout=2, max_size=MAX_FRAME) as ws:
                    self.client.websocket = ws
                    self.connections += 1
                    self.connected.set()
                    log.info("dingtalk stream: connected (%s)", urlsplit(str(connection["endpoint"])).netloc)
                    delay = self.backoff_min
                    reason = await self._receive(ws)
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                log.warning("dingtalk stream: connection lost (%s: %s)", type(exc).__name__, exc)
            finally:
                self.connected.clear()
                self.client.websocket = None
            if reason == "stop":
                return
            if reason == "disconnect":
                log.info("dingtalk stream: DingTalk asked to reconnect (disconnect frame); reconnecting now")
                continue
            log.warning("dingtalk stream: connection closed; reconnecting in %.1fs", delay)
            if await self._sleep(delay):
                return
            delay = min(self.backoff_max, delay * 2)

    async def _receive(self, ws: Any) -> str:
        """Read frames until the connection ends: 'stop', 'disconnect' or 'dropped'."""
        state = {"disconnect": False}
        tasks: set[asyncio.Task] = set()
        stop = asyncio.create_task(self._astop.wait())

        async def frames() -> None:
            async for raw in ws:
                frame = self._frame(raw)
                if frame is not None:
                    task = asyncio.create_task(self._route(frame, ws, state))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)

        reading = asyncio.create_task(frames())
        await asyncio.wait({stop, reading}, return_when=asyncio.FIRST_COMPLETED)
        if stop.done():
            reading.cancel()
            if tasks:  # a clean stop: messages at work get their acknowledgement if they finish soon
                await asyncio.wait(set(tasks), timeout=self.drain)
            for task in list(tasks):
                task.cancel()  # not acknowledged: DingTalk delivers it again, the dedup answers it once
            await ws.close()
            return "stop"
        stop.cancel()
        exc = reading.exception()
        if exc is not None and not isinstance(exc, websockets.exceptions.ConnectionClosed):
            raise exc
        return "disconnect" if state["disconnect"] else "dropped"

    @staticmethod
    def _frame(raw: Any) -> dict | None:
        """The frame as a dict, or None after a clear log line (the connection is kept)."""
        try:
            frame = json.loads(raw)
        except (ValueError, TypeError, RecursionError):
            log.warning("dingtalk stream: bad frame skipped, connection kept: not JSON: %s", _short(raw))
            return None
        if not isinstance(frame, dict) or frame.get("type") not in FRAME_TYPES or not isinstance(frame.get("headers"), dict):
            log.warning("dingtalk stream: bad frame skipped, connection kept: no known type/headers: %s", _short(raw))
            return None
        return frame

    async def _route(self, frame: dict, ws: Any, state: dict) -> None:
        """CALLBACK frames here (acknowledged on the connection they came by); SYSTEM/EVENT through the SDK."""
        try:
            if frame["type"] == CallbackMessage.TYPE:
                message = CallbackMessage.from_dict(frame)
                handler = self.client.callback_handler_map.get(message.headers.topic)
                if handler is None:
                    log.warning("dingtalk stream: callback on topic %s not subscribed; skipped", _short(message.headers.topic))
                    return
                ack = await handler.raw_process(message)
                if ack is not None:
                    await ws.send(json.dumps(ack.to_dict()))
                return
            if await self.client.route_message(frame) == DingTalkStreamClient.TAG_DISCONNECT:
                state["disconnect"] = True
                await ws.close()
        except websockets.exceptions.ConnectionClosed:
            log.warning("dingtalk stream: connection closed before the acknowledgement; DingTalk delivers it again")
        except Exception as exc:  # noqa: BLE001 - one bad frame never takes the connection down
            log.warning("dingtalk stream: bad frame skipped, connection kept: %s: %s: %s", type(exc).__name__, exc,
                        _short(json.dumps(frame, ensure_ascii=False)))

    def _connection_thread(self) -> None:
        loop = asyncio.new_event_loop()
        self._aloop = loop
        try:
            loop.run_until_complete(self._run())
        except Exception:  # noqa: BLE001 - the heartbeat starts a new one
            log.exception("dingtalk stream: connection loop failed")
        finally:
            loop.close()
            self._aloop = None

    def _open(self) -> None:
        self._conn = threading.Thread(target=self._connection_thread, name="zhibu-dingtalk-stream", daemon=True)
        self._conn.start()

    def _close(self) -> None:
        conn, loop = self._conn, self._aloop
        if loop is not None and self._astop is not None:
            try:
                loop.call_soon_threadsafe(self._astop.set)
            except RuntimeError:  # the loop is already closed
                pass
        if conn is not None:
            conn.join(timeout=10)
        self._conn = None

    # -- leadership -----------------------------------------------------------------------------------------
    def step(self) -> bool:
        """One heartbeat: hold or take the lease; open or close the connection accordingly."""
        try:
            held = self.lease.acquire()
        except Exception:  # noqa: BLE001 - a database hiccup: act as if the lease were lost
            log.exception("dingtalk stream lease: database error")
            held = False
        running = self._conn is not None and self._conn.is_alive()
        if held and not running:
            log.info("dingtalk stream lease taken by %s: opening the connection", self.lease.holder)
            self._open()
        elif not held and running:
            log.warning("dingtalk stream lease held elsewhere: closing this connection")
            self._close()
        return held

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.step()
            self._stop.wait(self.heartbeat)
        self._close()
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001
            log.exception("could not release the dingtalk stream lease")

    def start(self) -> "StreamRunner":
        """Heartbeat in a daemon thread (inside `zhibu serve`'s workers or `zhibu run`)."""
        self._beat = threading.Thread(target=self._loop, name="zhibu-dingtalk-lease", daemon=True)
        self._beat.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=15)

    def run_forever(self) -> None:
        """Foreground (`zhibu dingtalk-stream`): until SIGINT/SIGTERM."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self._stop.set())
        self._loop()


def from_runtime(runtime: Any, **kwargs: Any) -> StreamRunner | None:
    """A runner over the app's DingTalk channel when Stream mode is configured, else None."""
    config = runtime.config
    channel = runtime.services.get("dingtalk_channel")
    if not stream_wanted(config) or channel is None:
        return None
    return StreamRunner(channel, runtime.sessions, config.dingtalk_app_key, config.dingtalk_app_secret,
                        endpoint=gateway_base(config), **kwargs)


def start_for(runtime: Any) -> StreamRunner | None:
    """Start the lease heartbeat (and so, in one process of the deployment, the connection); None in HTTP mode."""
    runner = from_runtime(runtime)
    if runner is None:
        return None
    runtime.services["dingtalk_stream"] = runner
    runner.start()
    import atexit

    atexit.register(runner.stop)
    return runner
