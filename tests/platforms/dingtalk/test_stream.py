"""DingTalk Stream mode against a fake gateway on 127.0.0.1 (tests/fakes/dingtalk_stream_gateway.py), with the
official SDK pointed at it by its own OPEN_CONNECTION_API, the real conversation core and the fake platform
(sessionWebhook, robot API) — on SQLite, PostgreSQL and MariaDB.

Scenarios: messages in → replies out; a dropped connection and reconnect (with failing connection-open calls);
a disconnect frame; bad frames (a clear log line, the connection kept); a redelivery answered once; a process
killed after storing and before acknowledging answers once after restart.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.platforms.dingtalk import stream as dingtalk_stream
from bot.platforms.dingtalk.stream import StreamRunner, from_runtime
from bot.config import Config
from bot.models import InboundMessage, Organisation, OutboundMessage, Person, utcnow
from bot.push.outbox import Backoff
from tests.fakes.dingtalk_stream_gateway import ROBOT_TOPIC, FakeStreamGateway
from tests.fakes.platform import DING_APP_KEY, DING_APP_SECRET

OFFICE = "dt-office-1"
# MariaDB keeps whole seconds in the lease's DATETIME: a TTL of a few seconds, not one
FAST = dict(lease_ttl=3.0, heartbeat=0.2, backoff=(0.05, 0.4), store_wait=5.0, drain=0.5)


@pytest.fixture(scope="module")
def gateway():
    gw = FakeStreamGateway(DING_APP_KEY, DING_APP_SECRET).start()
    yield gw
    gw.stop()


@pytest.fixture()
def gw(gateway):
    """The module's gateway, emptied for each test."""
    with gateway._lock:
        gateway.opens.clear(); gateway.pending.clear(); gateway.acks.clear(); gateway.deliveries.clear()
        gateway.open_failures = 0
        gateway.lose_acks = 0; gateway.lost_acks.clear()
    gateway.drop()
    with gateway._lock:
        gateway.connections = 0
    return gateway


@pytest.fixture()
def bots(db_url, engine, platform, gw, tmp_path):
    """bots() builds one 'process': the app (real core) over the test database and its stream runner."""
    built: list = []
    with engine.begin() as c:
        org_id = c.execute(Organisation.__table__.insert().values(name="测试综合党委", rubric_id="seed000", year=2026,
                                                                   settings={})).inserted_primary_key[0]
        c.execute(Person.__table__.insert().values(org_id=org_id, name="王办公", role="office", dingtalk_userid=OFFICE,
                                                   active=True))

    def build(start: bool = True) -> tuple:
        config = Config.from_env(env_file=None, database_url=db_url, demo=False, secret_key="x" * 40,
                                 dingtalk_app_key=DING_APP_KEY, dingtalk_app_secret=DING_APP_SECRET,
                                 dingtalk_mode="stream", dingtalk_api_base=platform.base,
                                 dingtalk_new_api_base=platform.base,
                                 extra={"media_dir": str(tmp_path / "media"), "dingtalk_stream_endpoint": gw.base})
        app = create_app(config)
        rt = app.extensions["zhibu"]
        rt.services["sender"].outbox.backoff = Backoff(attempts=3, base=0.01, sleep=time.sleep)
        rt.services["sender"].outbox.keeper.ttl = timedelta(seconds=1)  # a dead sender's claim lapses in 1 s
        runner = from_runtime(rt, **FAST)
        built.append((rt, runner))
        if start:
            runner.start()
        return rt, runner

    yield build
    for rt, runner in built:
        runner.stop()
        rt.services["background"].join(5)
        rt.engine.dispose()


def robot(platform, msg_id: str, text: str, *, group: bool = False, sender: str = OFFICE) -> dict:
    """A robot message as DingTalk puts it in a Stream callback's data (the same JSON as an HTTP callback)."""
    return {"conversationId": "cid-stream-1", "senderStaffId": sender, "senderNick": "王办公", "robotCode": DING_APP_KEY,
            "msgtype": "text", "msgId": msg_id, "conversationType": "2" if group else "1", "isInAtList": group,
            "sessionWebhook": f"{platform.base}/robot/sendBySession?session=s-{msg_id}",
            "sessionWebhookExpiredTime": int(time.time() * 1000) + 5_400_000, "createAt": int(time.time() * 1000),
            "text": {"content": ("@支部助手 " if group else "") + text}}


def sent(platform) -> list[dict]:
    return platform.messages("/robot/sendBySession")


def rows(rt) -> list[InboundMessage]:
    with rt.sessions() as s:
        return list(s.scalars(select(InboundMessage).order_by(InboundMessage.id)))


def count_sent(rt, key: str) -> int:
    with rt.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboundMessage).where(OutboundMessage.idem_key == key,
                                                                              OutboundMessage.status == "sent"))


def _outbound_status(rt, key: str) -> str | None:
    with rt.sessions() as s:
        return s.scalar(select(OutboundMessage.status).where(OutboundMessage.idem_key == key))


def wait_for(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.02)
    return check()


def test_messages_in_replies_out(bots, gw, platform, caplog):
    caplog.set_level(logging.INFO)
    rt, runner = bots()
    assert gw.wait_connections(1)
    opened = gw.opens[0]
    assert opened["clientId"] == DING_APP_KEY and opened["clientSecret"] == DING_APP_SECRET
    assert opened["subscriptions"] == [{"type": "CALLBACK", "topic": ROBOT_TOPIC}]
    assert opened["localIp"] == "127.0.0.1"
    ping = gw.ping()
    ack = gw.wait_ack(ping)
    assert ack is not None and json.loads(ack["data"]) == {"opaque": ping}  # the SDK echoes the ping's data
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # a ping is no warning
    one = gw.send_robot(robot(platform, "msg-one", "帮助"))
    two = gw.send_robot(robot(platform, "msg-two", "帮助", group=True))
    assert gw.wait_ack(one) and gw.wait_ack(two)
    assert json.loads(gw.wait_ack(one)["data"]) == {"response": "ok"}
    stored = {r.dedup_key: r for r in rows(rt)}
    assert set(stored) == {"msg-one", "msg-two"}
    assert stored["msg-two"].text == "帮助" and stored["msg-two"].account == OFFICE  # the @-mention is gone
    assert all(r.status != "received" and r.reply_text for r in stored.values())
    out = {m["args"]["session"]: m["json"] for m in sent(platform)}
    assert set(out) == {"s-msg-one", "s-msg-two"}
    body = out["s-msg-one"]
    shown = body["markdown"]["text"] if body["msgtype"] == "markdown" else body["text"]["content"]
    assert shown.replace("*", "")[:8] in stored["msg-one"].reply_text.replace("*", "")
    assert out["s-msg-two"]["at"] == {"atUserIds": [OFFICE], "isAtAll": False}
    assert "at" not in out["s-msg-one"]
    assert count_sent(rt, "reply:dingtalk:msg-one") == 1
    assert gw.pending == {} and gw.connections == 1 and runner.connections == 1


def test_a_dropped_connection_reconnects_with_backoff(bots, gw, platform, caplog):
    caplog.set_level(logging.INFO, logger="bot.platforms.dingtalk.stream")
    rt, runner = bots()
    assert gw.wait_connections(1)
    gw.open_failures = 2  # DingTalk's open call fails twice: backoff 0.05 s, then 0.1 s
    t0 = time.monotonic()
    gw.drop()
    assert gw.wait_connections(2)
    took = time.monotonic() - t0
    assert len(gw.opens) == 4 and took >= 0.05 + 0.1
    assert any("connection lost" in r.message or "connection closed" in r.message for r in caplog.records)
    assert sum("could not open a connection" in r.message for r in caplog.records) == 2
    mid = gw.send_robot(robot(platform, "msg-after-drop", "帮助"))
    assert gw.wait_ack(mid)
    assert [m["args"]["session"] for m in sent(platform)] == ["s-msg-after-drop"]
    assert runner.connections == 2


def test_a_message_sent_while_the_connection_is_down_arrives_after_the_reconnect(bots, gw, platform):
    rt, runner = bots()
    assert gw.wait_connections(1)
    gw.open_failures = 3
    gw.drop()
    mid = gw.send_robot(robot(platform, "msg-while-down", "帮助"))  # nobody connected: pending at the gateway
    assert gw.wait_ack(mid, timeout=15)
    assert len(sent(platform)) == 1 and len(rows(rt)) == 1


def test_a_disconnect_frame_reconnects_at_once(bots, gw, platform, caplog):
    caplog.set_level(logging.INFO, logger="bot.platforms.dingtalk.stream")
    rt, runner = bots()
    assert gw.wait_connections(1)
    t0 = time.monotonic()
    gw.disconnect()
    assert gw.wait_connections(2)
    assert time.monotonic() - t0 < 2.0
    assert any("disconnect frame" in r.message for r in caplog.records)
    mid = gw.send_robot(robot(platform, "msg-after-disconnect", "帮助"))
    assert gw.wait_ack(mid)
    assert len(sent(platform)) == 1


def test_bad_frames_are_logged_and_the_connection_is_kept(bots, gw, platform, caplog):
    caplog.set_level(logging.INFO, logger="bot.platforms.dingtalk.stream")
    rt, runner = bots()
    assert gw.wait_connections(1)
    gw.send_raw("this is not json")
    gw.send_raw("[1, 2, 3]")
    gw.send_raw(json.dumps({"type": "CALLBACK", "headers": {"messageId": "bad-data", "topic": ROBOT_TOPIC},
                            "data": "{not json"}))
    no_msgid = robot(platform, "x", "帮助")
    del no_msgid["msgId"]
    refused = gw.send_robot(no_msgid)
    other_robot = gw.send_robot({**robot(platform, "msg-other-robot", "帮助"), "robotCode": "someone-else"})
    good = gw.send_robot(robot(platform, "msg-good", "帮助"))
    assert gw.wait_ack(good)
    assert gw.wait_ack(refused, code=400)["message"] == "msgId missing"
    assert gw.wait_ack(other_robot, code=400)["message"] == "robotCode is not this app's"
    bad = [r.message for r in caplog.records if "bad frame skipped, connection kept" in r.message]
    assert len(bad) == 3
    assert "not JSON: this is not json" in bad[0] and "[1, 2, 3]" in bad[1] and "JSONDecodeError" in bad[2]
    assert any("robot message refused (msgId missing)" in r.message for r in caplog.records)
    assert gw.connections == 1 and runner.connections == 1  # never reconnected
    assert [r.dedup_key for r in rows(rt)] == ["msg-good"]
    assert [m["args"]["session"] for m in sent(platform)] == ["s-msg-good"]


def test_a_redelivered_unacknowledged_message_is_answered_once(bots, gw, platform):
    rt, runner = bots()
    assert gw.wait_connections(1)
    gw.lose_acks = 1  # the first acknowledgement is lost on the way: DingTalk delivers the message again
    mid = gw.send_robot(robot(platform, "msg-redelivered", "帮助"))
    assert wait_for(lambda: gw.lost_acks) and mid in gw.pending and len(sent(platform)) == 1
    assert gw.redeliver() == [mid]
    assert wait_for(lambda: gw.acks_for(mid))
    assert gw.pending == {}
    assert gw.deliveries.count(mid) == 2
    assert len(rows(rt)) == 1 and len(sent(platform)) == 1
    assert count_sent(rt, "reply:dingtalk:msg-redelivered") == 1


def test_the_same_message_twice_at_once_is_answered_once(bots, gw, platform):
    rt, runner = bots()
    assert gw.wait_connections(1)
    body = robot(platform, "msg-twice", "帮助")
    first = gw.send_robot(body)
    second = gw.send_robot(body)  # DingTalk's retry under a new frame id, while the first is at work
    assert gw.wait_ack(first)
    for _ in range(30):  # whichever was not acknowledged (its answer was in flight in the other) comes again
        if not gw.pending:
            break
        time.sleep(0.3)
        gw.redeliver()
    assert gw.pending == {} and gw.acks_for(second)
    assert len(rows(rt)) == 1 and len(sent(platform)) == 1


def test_one_connection_per_deployment(bots, gw, platform):
    """Two processes (two gunicorn workers, or two machines): the lease gives the connection to one of them."""
    rt1, r1 = bots()
    rt2, r2 = bots()
    assert gw.wait_connections(1)
    time.sleep(1.0)  # several heartbeats of both
    assert gw.connections == 1 and r1.connections + r2.connections == 1
    leader, other = (r1, r2) if r1.connections else (r2, r1)
    leader.stop()  # a clean stop lets go of the lease: the other takes over at its next beat
    assert gw.wait_connections(2, timeout=5)
    assert wait_for(lambda: other.connections == 1) and leader.connections == 1


@pytest.mark.parametrize("killed_at", ["after the reply was stored", "after the raw message was stored",
                                       "while sending the answer"])
def test_killed_after_storing_before_the_ack_answers_once_after_restart(bots, gw, platform, killed_at, db_url):
    rt1, r1 = bots()
    assert gw.wait_connections(1)
    frozen = threading.Event()

    class Killed(Exception):
        pass

    channel1 = rt1.services["dingtalk_channel"]
    if killed_at == "while sending the answer":  # the call to DingTalk never returns, the claim is never renewed
        outbox1 = rt1.services["sender"].outbox
        outbox1.keeper.renew = lambda keys: None

        def hang(webhook, payload):
            frozen.wait()
            raise Killed
        channel1.client.reply_session = hang
    elif killed_at == "after the reply was stored":
        def die(msg, reply):  # the process stops here for good: no answer, no acknowledgement
            frozen.wait()
            raise Killed
        channel1.answer = die
    else:
        core = channel1.conversation

        class StoreThenDie:
            def find(self, channel, key):
                return core.find(channel, key)

            def handle(self, inbound):
                with core._session() as s:
                    core._store_raw(s, inbound, utcnow())  # committed: the first thing the real core does
                frozen.wait()
                raise Killed
        channel1.conversation = StoreThenDie()
    mid = gw.send_robot(robot(platform, "msg-killed", "帮助"))
    assert wait_for(lambda: [r.status for r in rows(rt1)])
    r1.lease.release = lambda: None  # killed: the lease is not let go, it expires
    r1.stop()
    assert gw.acks_for(mid) == [] and sent(platform) == [] and mid in gw.pending

    if killed_at == "while sending the answer":
        assert wait_for(lambda: _outbound_status(rt1, "reply:dingtalk:msg-killed") == "pending")
    rt2, r2 = bots()  # the restart
    assert gw.wait_connections(2, timeout=10)
    for _ in range(40):  # an answer still claimed by the dead process is not acknowledged: DingTalk tries again
        if gw.acks_for(mid):
            break
        time.sleep(0.25)
        if mid in gw.pending and not gw.acks_for(mid):
            gw.redeliver()
    assert gw.wait_ack(mid)
    rt2.services["background"].join(5)
    [row] = rows(rt2)
    on_sqlite = db_url.startswith("sqlite")
    if killed_at == "after the raw message was stored" and on_sqlite:
        # SQLite has no row locks: the redelivery cannot tell a dead first delivery from a running one, so it is
        # acknowledged and the scheduler's inbox recovery answers it (through the robot API) once, a little later.
        from bot.recovery import recover

        assert sent(platform) == [] and row.status == "received"
        report = recover(rt2.services["conversation"], rt2.services["sender"], now=utcnow() + timedelta(minutes=3))
        again = recover(rt2.services["conversation"], rt2.services["sender"], now=utcnow() + timedelta(minutes=4))
        assert report.recovered == [row.id] and again.found == 0
        batch = platform.messages("/v1.0/robot/oToMessages/batchSend")
        assert len(batch) == 1 and batch[0]["json"]["userIds"] == [OFFICE]
    else:
        [answer] = sent(platform)
        assert answer["args"]["session"] == "s-msg-killed"
        assert platform.messages("/v1.0/robot/oToMessages/batchSend") == []
    assert count_sent(rt2, "reply:dingtalk:msg-killed") == 1
    [row] = rows(rt2)
    assert row.status != "received" and row.reply_text
    frozen.set()


def test_one_setting_switches_dingtalk_to_stream_mode(monkeypatch):
    for name, value in (("ZHIBU_DINGTALK_APP_KEY", DING_APP_KEY), ("ZHIBU_DINGTALK_APP_SECRET", DING_APP_SECRET)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ZHIBU_DINGTALK_MODE", raising=False)
    assert Config.from_env(env_file=None, secret_key="x" * 40).dingtalk_mode == "http"  # the default, as before
    assert not dingtalk_stream.stream_wanted(Config.from_env(env_file=None, secret_key="x" * 40))
    monkeypatch.setenv("ZHIBU_DINGTALK_MODE", " Stream ")
    config = Config.from_env(env_file=None, secret_key="x" * 40)
    assert config.dingtalk_mode == "stream" and dingtalk_stream.stream_wanted(config)
    assert dingtalk_stream.gateway_base(config) == "https://api.dingtalk.com"  # the SDK's own default host


def test_the_command_refuses_without_stream_mode(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.commands.serve_cmd import dingtalk_stream as command

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(command, [], env={"ZHIBU_DATABASE_URL": f"sqlite:///{tmp_path / 'z.sqlite3'}",
                                             "ZHIBU_DINGTALK_MODE": "http", "ZHIBU_DEMO": "0",
                                             "ZHIBU_DINGTALK_APP_SECRET": DING_APP_SECRET})
    assert r.exit_code != 0 and "ZHIBU_DINGTALK_MODE=stream" in r.output


def test_doctor_says_each_platforms_mode_and_whether_it_is_reachable(gw):
    from bot.security.doctor import findings

    def modes(**values):
        config = Config.from_env(env_file=None, secret_key="x" * 40, demo=False, **values)
        return {(f.level, f.setting): f.message for f in findings(config, None)
                if f.setting in ("企业微信", "钉钉", "ZHIBU_DINGTALK_MODE") or "企业微信" in f.message}

    ding = dict(dingtalk_app_key=DING_APP_KEY, dingtalk_app_secret=DING_APP_SECRET)
    stream = modes(**ding, dingtalk_mode="stream", extra={"dingtalk_stream_endpoint": gw.base})
    assert stream == {("ok", "钉钉"): "Stream 模式：已连通钉钉（机器人主动连接，无需公网地址）"}
    assert gw.opens[-1]["clientId"] == DING_APP_KEY
    wrong = modes(dingtalk_app_key=DING_APP_KEY, dingtalk_app_secret="wrong", dingtalk_mode="stream",
                  extra={"dingtalk_stream_endpoint": gw.base})
    assert "HTTP 401" in wrong[("warning", "ZHIBU_DINGTALK_MODE")]
    unreachable = modes(**ding, dingtalk_mode="stream", extra={"dingtalk_stream_endpoint": "http://127.0.0.1:9"})
    assert "ConnectionError" in unreachable[("warning", "ZHIBU_DINGTALK_MODE")]
    office = modes(**ding, public_url="http://127.0.0.1:8000")  # http mode without a public address
    assert "ZHIBU_DINGTALK_MODE=stream" in office[("warning", "ZHIBU_DINGTALK_MODE")]
    public = modes(**ding, public_url="https://bot.example.org", wecom_corp_id="ww1", wecom_token="t",
                   wecom_aes_key="a" * 43)
    assert public[("ok", "钉钉")] == "HTTP 回调模式：https://bot.example.org/dingtalk/callback"
    assert public[("ok", "企业微信")].startswith("回调模式：https://bot.example.org/wecom/callback")
