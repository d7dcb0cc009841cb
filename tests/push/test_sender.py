"""Outbound clients against the fake platform server: tokens, rate limits, retries, exactly-once, no secrets in logs."""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.models import ApiToken, Organisation, OutboundMessage, Person, PushTarget
from bot.platforms import build_sender
from bot.platforms.dingtalk.client import DingTalkRobot
from bot.platforms.dingtalk.client import check as dingtalk_check
from bot.platforms.wecom.client import WecomApp, WecomRobot
from bot.platforms.wecom.client import check as wecom_check
from bot.push.http import FAIL, REFRESH, RETRY, PlatformError, redact
from bot.push.outbox import Backoff, Outbox
from bot.push.ratelimit import RateLimiter
from bot.push.sender import PlatformSender
from bot.push.tokens import TokenStore
from tests.fakes.platform import CORP_SECRET, DING_APP_KEY, DING_APP_SECRET

from tests.support.channels import CRED

ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_ROBOT_TOKEN = "f2c4b8e1d0a9c7b6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2"
DING_ROBOT_SECRET = "SECa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.fixture()
def config(platform) -> Config:
    w = CRED["wecom"]
    return Config(wecom_corp_id=w["corp_id"], wecom_token=w["token"], wecom_aes_key=w["aes_key"],
                  wecom_secret=CORP_SECRET, wecom_agent_id=w["agent_id"], wecom_api_base=platform.base,
                  dingtalk_app_key=DING_APP_KEY, dingtalk_app_secret=DING_APP_SECRET,
                  dingtalk_api_base=platform.base, dingtalk_new_api_base=platform.base)


@pytest.fixture()
def people(sessions, platform):
    platform.state.robot_secrets[DING_ROBOT_TOKEN] = DING_ROBOT_SECRET
    with sessions() as s:
        org = Organisation(name="测试综合党委", year=2022)
        s.add(org)
        s.flush()
        s.add_all([
            Person(id=1, org_id=org.id, name="张伟", role="secretary", wecom_userid="zhangwei"),
            Person(id=2, org_id=org.id, name="李娜", role="group_leader", dingtalk_userid="lina01"),
            Person(id=3, org_id=org.id, name="王芳", role="office"),
            PushTarget(id=1, org_id=org.id, platform="wecom_robot", name="第一协作组群", webhook_url=ROBOT_KEY),
            PushTarget(id=2, org_id=org.id, platform="dingtalk_robot", name="综合党委群",
                       webhook_url=DING_ROBOT_TOKEN, secret=DING_ROBOT_SECRET),
        ])
        s.commit()


def make_sender(config, sessions, *, limit=20, window=60.0, attempts=4, base=0.01) -> PlatformSender:
    return build_sender(config, sessions, limiter=RateLimiter(limit, window),
                                backoff=Backoff(attempts=attempts, base=base))


def rows(sessions) -> list[OutboundMessage]:
    with sessions() as s:
        return s.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()


# ------------------------------------------------------------------------------ classification

@pytest.mark.parametrize("answer, action", [
    ({"errcode": 42001, "errmsg": "access_token expired"}, REFRESH),
    ({"errcode": 40014, "errmsg": "invalid access_token"}, REFRESH),
    ({"errcode": 45009, "errmsg": "api freq out of limit"}, RETRY),
    ({"errcode": -1, "errmsg": "system busy"}, RETRY),
    ({"errcode": 60020, "errmsg": "not allow to access from your ip"}, FAIL),
    ({"errcode": 81013, "errmsg": "user & party & tag all invalid"}, FAIL),
])
def test_wecom_error_codes(answer, action):
    with pytest.raises(PlatformError) as err:
        wecom_check(answer)
    assert err.value.action == action
    assert wecom_check({"errcode": 0, "errmsg": "ok", "x": 1})["x"] == 1


@pytest.mark.parametrize("answer, status, action", [
    ({"errcode": 130101, "errmsg": "send too fast"}, 200, RETRY),
    ({"errcode": 88, "sub_code": "40014", "errmsg": "ding talk error[subcode=40014]"}, 200, REFRESH),
    ({"errcode": 88, "sub_code": "130101", "errmsg": "too fast"}, 200, RETRY),
    ({"errcode": 310000, "errmsg": "sign not match"}, 200, FAIL),
    ({"errcode": 300001, "errmsg": "token is not exist"}, 200, FAIL),
    ({"code": "InvalidAuthentication", "message": "不合法的access_token"}, 401, REFRESH),
    ({"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "qps"}, 403, RETRY),
    ({"code": "param.invalid", "message": "userIds"}, 400, FAIL),
])
def test_dingtalk_error_codes(answer, status, action):
    with pytest.raises(PlatformError) as err:
        dingtalk_check(answer, status)
    assert err.value.action == action


# ------------------------------------------------------------------------------ WeChat Work app messages

def test_app_message_to_a_person_is_sent_and_logged(config, sessions, people, platform):
    sender = make_sender(config, sessions)
    assert sender.send_to_person(1, "请于1月10日前提交自评表。", key="remind:self:1", reason="deadline")
    [msg] = platform.messages("/cgi-bin/message/send")
    assert msg["json"] == {"touser": "zhangwei", "msgtype": "text", "agentid": 1000002,
                           "text": {"content": "请于1月10日前提交自评表。"}}
    [row] = rows(sessions)
    assert (row.idem_key, row.status, row.attempts, row.target, row.reason) == ("remind:self:1", "sent", 1, "person:1", "deadline")
    assert row.sent_at is not None


def test_markdown_goes_as_markdown(config, sessions, people, platform):
    make_sender(config, sessions).send_to_person(1, "plain", "**还差** 2 次党课")
    [msg] = platform.messages("/cgi-bin/message/send")
    assert msg["json"]["msgtype"] == "markdown" and msg["json"]["markdown"]["content"] == "**还差** 2 次党课"


def test_the_same_key_is_sent_once_also_concurrently(config, sessions, people, platform):
    senders = [make_sender(config, sessions) for _ in range(4)]  # four worker processes
    barrier = threading.Barrier(4)
    results = []

    def go(sender):
        barrier.wait()
        results.append(sender.send_to_person(1, "提醒", key="remind:once"))

    threads = [threading.Thread(target=go, args=(s,)) for s in senders]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # one sender sent it; the others were told "sent" or "still in flight" (not accepted yet: False), never twice
    assert results.count(True) >= 1 and len(results) == 4
    assert len(platform.messages("/cgi-bin/message/send")) == 1
    assert all(make_sender(config, sessions).send_to_person(1, "提醒", key="remind:once") for _ in range(3))
    assert make_sender(config, sessions).send_to_person(1, "提醒", key="remind:once")  # after a restart too
    assert len(platform.messages("/cgi-bin/message/send")) == 1


@pytest.mark.parametrize("how", ["expired", "invalid"])
def test_a_rejected_token_is_refreshed_once_and_the_message_resent(config, sessions, people, platform, how):
    sender = make_sender(config, sessions)
    assert sender.send_to_person(1, "第一条")
    if how == "expired":
        platform.expire_tokens()  # → 42001
    else:
        with sessions() as s:  # somebody stored garbage → 40014
            s.get(ApiToken, f"wecom:{config.wecom_corp_id}:{config.wecom_agent_id}").token = "garbage"
            s.commit()
        sender = make_sender(config, sessions)
    assert sender.send_to_person(1, "第二条")
    assert platform.state.token_calls["wecom"] == 2
    assert [m["json"]["text"]["content"] for m in platform.messages("/cgi-bin/message/send")] == ["第一条", "第二条"]
    assert rows(sessions)[-1].attempts == 2


def test_token_is_fetched_once_for_all_workers(config, sessions, platform):
    platform.state.token_delay = 0.2
    clients = [WecomApp(config, TokenStore(sessions)) for _ in range(6)]  # six processes: own memory, one DB
    barrier = threading.Barrier(6)
    tokens = []

    def go(client):
        barrier.wait()
        tokens.append(client.tokens.get(client.token_name, client._fetch_token))

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert platform.state.token_calls["wecom"] == 1
    assert len(set(tokens)) == 1


def test_freq_limit_is_retried_with_backoff(config, sessions, people, platform):
    platform.fail_next("/cgi-bin/message/send", {"errcode": 45009, "errmsg": "api freq out of limit"},
                       {"errcode": -1, "errmsg": "system busy"})
    sleeps = []
    sender = build_sender(config, sessions, backoff=Backoff(attempts=5, base=0.5, sleep=sleeps.append))
    assert sender.send_to_person(1, "提醒")
    assert sleeps == [0.5, 1.0]
    assert rows(sessions)[0].attempts == 3 and rows(sessions)[0].status == "sent"


def test_a_permanent_error_is_a_clear_logged_failure(config, sessions, people, platform, caplog):
    platform.fail_next("/cgi-bin/message/send", {"errcode": 60020, "errmsg": "not allow to access from your ip"})
    with caplog.at_level(logging.ERROR, logger="bot.push"):
        assert not make_sender(config, sessions).send_to_person(1, "提醒", key="k1")
    [row] = rows(sessions)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "60020: not allow to access from your ip")
    assert "giving up on wecom_app text to person:1" in caplog.text


def test_retries_run_out(config, sessions, people, platform):
    platform.fail_next("/cgi-bin/message/send", *[{"errcode": -1, "errmsg": "busy"}] * 6)
    assert not make_sender(config, sessions, attempts=3).send_to_person(1, "提醒", key="k2")
    assert rows(sessions)[0].status == "failed" and rows(sessions)[0].attempts == 3
    # a later call under the same key tries again (failed is not sent)
    assert make_sender(config, sessions).send_to_person(1, "提醒", key="k2")
    assert rows(sessions)[0].status == "sent"


def test_file_via_media_upload(config, sessions, people, platform, tmp_path):
    path = tmp_path / "自评表.xlsx"
    path.write_bytes(b"PK fake")
    assert make_sender(config, sessions).send_file_to_person(1, path, key="export:1")
    [up] = platform.messages("/cgi-bin/media/upload")
    assert up["args"]["type"] == "file" and up["files"]["media"] == ("自评表.xlsx", 7)
    [msg] = platform.messages("/cgi-bin/message/send")
    assert msg["json"]["file"]["media_id"].startswith("media-")


# ------------------------------------------------------------------------------ group robots

def test_wecom_robot_text_markdown_image_file(platform, tmp_path):
    robot = WecomRobot(ROBOT_KEY, platform.base)
    img = tmp_path / "chart.png"
    img.write_bytes(b"\x89PNG fake")
    doc = tmp_path / "汇总表.xlsx"
    doc.write_bytes(b"PK")
    robot.send_text("提醒", ["zhangwei"])
    robot.send_markdown("**截止** 1月19日")
    robot.send_image(img)
    robot.send_file(doc)
    sent = platform.messages("/cgi-bin/webhook/send")
    assert [m["json"]["msgtype"] for m in sent] == ["text", "markdown", "image", "file"]
    assert sent[0]["json"]["text"]["mentioned_list"] == ["zhangwei"]
    import hashlib
    assert sent[2]["json"]["image"]["md5"] == hashlib.md5(b"\x89PNG fake").hexdigest()
    assert platform.messages("/cgi-bin/webhook/upload_media")[0]["files"]["media"][0] == "汇总表.xlsx"
    assert all(m["args"]["key"] == ROBOT_KEY for m in sent)


def test_dingtalk_robot_signed_text_markdown_action_card(platform):
    platform.state.robot_secrets[DING_ROBOT_TOKEN] = DING_ROBOT_SECRET
    robot = DingTalkRobot(DING_ROBOT_TOKEN, DING_ROBOT_SECRET, platform.base)
    robot.send_text("请各支部按时提交 @lina01", ["lina01"])
    robot.send_markdown("截止提醒", "### 1月10日截止")
    robot.send_action_card("自评表", "请提交自评表", "查看", "https://example.org/x")
    sent = platform.messages("/robot/send")
    assert [m["json"]["msgtype"] for m in sent] == ["text", "markdown", "actionCard"]
    assert sent[0]["json"]["at"]["atUserIds"] == ["lina01"]
    with pytest.raises(PlatformError) as err:
        DingTalkRobot(DING_ROBOT_TOKEN, "wrong-secret", platform.base).send_text("x")
    assert err.value.code == 310000 and err.value.action == FAIL


def test_robot_rate_limit_is_respected_by_queuing(config, sessions, people, platform):
    platform.state.robot_limit, platform.state.robot_window = 5, 0.5
    sender = make_sender(config, sessions, limit=5, window=0.5)
    started = time.monotonic()
    assert all(sender.send_to_target(1, f"第{i}条") for i in range(12))
    elapsed = time.monotonic() - started
    sent = platform.messages("/cgi-bin/webhook/send")
    assert [m["json"]["text"]["content"] for m in sent] == [f"第{i}条" for i in range(12)]  # none dropped, in order
    assert elapsed >= 1.0  # 12 messages at 5 per 0.5 s need two full windows of waiting
    assert all(r.status == "sent" and r.attempts == 1 for r in rows(sessions))  # the platform never had to refuse


def test_platform_rate_limit_errors_are_retried_not_dropped(config, sessions, people, platform):
    platform.state.robot_limit, platform.state.robot_window = 3, 0.3
    sender = build_sender(config, sessions, limiter=RateLimiter(1000, 0.3),
                                  backoff=Backoff(attempts=6, base=0.1))
    assert all(sender.send_to_target(2, f"通知{i}") for i in range(5))  # DingTalk robot: 130101 when too fast
    assert [m["json"]["text"]["content"] for m in platform.messages("/robot/send")] == [f"通知{i}" for i in range(5)]
    assert max(r.attempts for r in rows(sessions)) >= 2


def test_mentions_reach_the_robot(config, sessions, people, platform):
    sender = make_sender(config, sessions)
    assert sender.send_to_target(2, "请李娜组长审核", mentions=[2])
    [m] = platform.messages("/robot/send")
    assert m["json"]["at"]["atUserIds"] == ["lina01"] and m["json"]["text"]["content"].endswith("@lina01")


# ------------------------------------------------------------------------------ DingTalk robot API

def test_dingtalk_one_to_one_message_and_token_refresh(config, sessions, people, platform):
    sender = make_sender(config, sessions)
    assert sender.send_to_person(2, "请审核第一支部的自评表")
    platform.expire_tokens()  # → HTTP 401 InvalidAuthentication
    assert sender.send_to_person(2, "第二条", "**第二条**")
    sent = platform.messages("/v1.0/robot/oToMessages/batchSend")
    assert [m["json"]["msgKey"] for m in sent] == ["sampleText", "sampleMarkdown"]
    assert sent[0]["json"]["userIds"] == ["lina01"] and sent[0]["json"]["robotCode"] == DING_APP_KEY
    assert platform.state.token_calls["dingtalk"] == 2
    assert sent[1]["headers"]["x-acs-dingtalk-access-token"] != sent[0]["headers"]["x-acs-dingtalk-access-token"]


def test_a_late_dingtalk_reply_without_a_session_webhook_goes_one_to_one_once(config, sessions, people, platform):
    """bot/recovery.py answers a message left behind long after its sessionWebhook expired."""
    sender = make_sender(config, sessions)
    assert sender.send_to_user_id("dingtalk", "stranger-9", "（补发）…已记录", key="reply:dingtalk:m-1", reason="recovered reply")
    assert sender.send_to_user_id("dingtalk", "stranger-9", "（补发）…已记录", "**已记录**", key="reply:dingtalk:m-1")
    [sent] = platform.messages("/v1.0/robot/oToMessages/batchSend")
    assert (sent["json"]["userIds"], sent["json"]["msgKey"]) == (["stranger-9"], "sampleText")
    assert json.loads(sent["json"]["msgParam"]) == {"content": "（补发）…已记录"}
    [row] = rows(sessions)
    assert (row.idem_key, row.platform, row.status) == ("reply:dingtalk:m-1", "dingtalk_app", "sent")


def test_dingtalk_file_through_old_api_upload_with_88_refresh(config, sessions, people, platform, tmp_path):
    path = tmp_path / "汇总表.xlsx"
    path.write_bytes(b"PK")
    sender = make_sender(config, sessions)
    sender.send_to_person(2, "先拿个 token")
    platform.expire_tokens()  # the old API answers errcode 88 / sub_code 40014
    assert sender.send_file_to_person(2, path)
    [up] = platform.messages("/media/upload")
    assert up["files"]["media"][0] == "汇总表.xlsx"
    last = platform.messages("/v1.0/robot/oToMessages/batchSend")[-1]["json"]
    assert last["msgKey"] == "sampleFile" and '"fileType": "xlsx"' in last["msgParam"]


# ------------------------------------------------------------------------------ no platform: the web inbox

def test_without_a_platform_messages_land_in_the_web_inbox(sessions, people, platform):
    sender = make_sender(Config(), sessions)
    assert sender.send_to_person(3, "办公室：请导出汇总表", key="k-web")
    [row] = rows(sessions)
    assert (row.platform, row.status, row.target) == ("web", "sent", "person:3")
    assert platform.messages() == []


# ------------------------------------------------------------------------------ secrets

def test_no_secret_reaches_the_log(config, sessions, people, platform, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    sender = make_sender(config, sessions)
    sender.send_to_person(1, "a")
    platform.expire_tokens()
    sender.send_to_person(1, "b")
    sender.send_to_person(2, "c")
    sender.send_to_target(1, "d")
    sender.send_to_target(2, "e")
    platform.fail_next("/cgi-bin/message/send", {"errcode": 60020, "errmsg": "ip"})
    sender.send_to_person(1, "f")
    with sessions() as s:
        tokens = [t.token for t in s.scalars(select(ApiToken))]
    assert len(tokens) == 2 and len(caplog.records) > 5
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in [CORP_SECRET, DING_APP_SECRET, ROBOT_KEY, DING_ROBOT_TOKEN, DING_ROBOT_SECRET, *tokens,
                   *platform.state.tokens]:
        assert secret not in logged
    for row in rows(sessions):
        assert ROBOT_KEY not in row.target and DING_ROBOT_TOKEN not in str(row.payload)


def test_redact():
    assert redact("GET /cgi-bin/gettoken?corpid=ww1&corpsecret=abc HTTP/1.1") == "GET /cgi-bin/gettoken?corpid=ww1&corpsecret=*** HTTP/1.1"
    assert redact("/robot/send?access_token=t0k&timestamp=1&sign=s%2B") == "/robot/send?access_token=***&timestamp=1&sign=***"
