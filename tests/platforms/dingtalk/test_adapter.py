"""DingTalk enterprise robot callback through the real Flask app, with recorded signed payloads."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from bot.platforms.dingtalk.protocol import check_sign, dingtalk_sign, parse_payload, strip_mention, webhook_allowed
from bot.platforms.errors import Rejected
from bot.models import InboundMessage, OutboundMessage

from tests.support.channels import CRED, TS, fixture

SECRET = CRED["dingtalk"]["app_secret"]


def _load(name: str, platform) -> tuple[dict, bytes]:
    fx = fixture(f"dingtalk/{name}.json")
    body = json.dumps(fx["body"], ensure_ascii=False).replace("{API}", platform.base)
    return fx["headers"], body.encode()


def _post(client, headers, body):
    return client.post("/dingtalk/callback", headers=headers, data=body, content_type="application/json")


def _count(app, model=InboundMessage) -> int:
    with app.extensions["zhibu"].sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_sign_is_hmac_sha256_of_timestamp_and_secret_in_base64():
    # expected value computed independently: printf "1672020000000\nsecret" | openssl dgst -sha256 -hmac secret -binary | base64
    assert dingtalk_sign("1672020000000", "secret") == "cyUEvZkyXhAwCCP9KAxoYeFEXNTcfL+mDYdRg9L8yi4="
    check_sign("1672020000000", dingtalk_sign("1672020000000", SECRET), SECRET, now_ms=1672020000000 + 59 * 60_000)
    with pytest.raises(Rejected) as stale:
        check_sign("1672020000000", dingtalk_sign("1672020000000", SECRET), SECRET, now_ms=1672020000000 + 61 * 60_000)
    assert stale.value.status == 403


def test_group_message_is_recorded_and_answered_through_the_session_webhook(make_app, platform):
    app = make_app()
    headers, body = _load("group_text", platform)
    resp = _post(app.test_client(), headers, body)
    assert resp.status_code == 200 and resp.get_json() == {}
    rt = app.extensions["zhibu"]
    assert rt.services["background"].join(5)
    inbound = rt.services["conversation"].handled[0]
    assert inbound.text == "12月20日召开支部党员大会，应到15人，实到13人"  # the @-mention is gone
    assert (inbound.account, inbound.is_group, inbound.dedup_key) == ("lina01", True, "msgR2kqvG5h3ZqY1lUQ8mL9dHw==")
    assert inbound.conversation_id == "cidTdqkWJ1x8pZ0Ew9p4a5Hqg=="
    [sent] = platform.messages("/robot/sendBySession")
    assert sent["args"]["session"] == "c8a1e7b2f0d94e3f9b6a1d2c3e4f5a6b"
    assert sent["json"]["msgtype"] == "markdown"
    assert sent["json"]["markdown"]["text"] == "**已记录**：12月20日召开支部党员大会，应到15人，实到13人"
    assert sent["json"]["at"] == {"atUserIds": ["lina01"], "isAtAll": False}
    with rt.sessions() as s:
        out = s.scalars(select(OutboundMessage)).one()
    assert (out.idem_key, out.status, out.platform) == ("reply:dingtalk:msgR2kqvG5h3ZqY1lUQ8mL9dHw==", "sent", "dingtalk_session")
    assert "session=" not in out.target


def test_one_to_one_message(make_app, platform):
    app = make_app()
    headers, body = _load("single_text", platform)
    assert _post(app.test_client(), headers, body).status_code == 200
    app.extensions["zhibu"].services["background"].join(5)
    inbound = app.extensions["zhibu"].services["conversation"].handled[0]
    assert (inbound.text, inbound.is_group) == ("我的党课还差几次", False)
    [sent] = platform.messages("/robot/sendBySession")
    assert "at" not in sent["json"]


def test_the_same_msgid_three_times_concurrently_and_after_a_restart(make_app, platform):
    app = make_app()
    headers, body = _load("group_text", platform)
    barrier = threading.Barrier(3)

    def deliver():
        client = app.test_client()
        barrier.wait()
        assert _post(client, headers, body).status_code == 200

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    app.extensions["zhibu"].services["background"].join(5)
    restarted = make_app()
    assert _post(restarted.test_client(), headers, body).status_code == 200
    restarted.extensions["zhibu"].services["background"].join(5)
    assert _count(app) == 1
    assert len(platform.messages("/robot/sendBySession")) == 1


def test_a_session_webhook_on_another_host_is_never_called(make_app, platform):
    app = make_app()
    headers, body = _load("single_text", platform)
    body = body.replace(platform.base.encode(), b"http://169.254.169.254")
    assert _post(app.test_client(), headers, body).status_code == 200
    app.extensions["zhibu"].services["background"].join(5)
    assert platform.messages() == []
    assert not webhook_allowed("http://169.254.169.254/robot/sendBySession", platform.base)
    assert webhook_allowed(platform.base + "/robot/sendBySession?session=x", platform.base)


@pytest.mark.parametrize("change, status", [
    (lambda h: {**h, "sign": dingtalk_sign(h["timestamp"], "another-secret")}, 403),
    (lambda h: {"timestamp": str((TS - 7200) * 1000), "sign": dingtalk_sign(str((TS - 7200) * 1000), SECRET)}, 403),
    (lambda h: {"timestamp": h["timestamp"]}, 401),
    (lambda h: {"timestamp": "abc", "sign": h["sign"]}, 400),
])
def test_bad_headers_are_refused_and_change_nothing(make_app, platform, change, status):
    app = make_app()
    headers, body = _load("group_text", platform)
    resp = _post(app.test_client(), change(headers), body)
    assert resp.status_code == status
    assert _count(app) == 0 and platform.messages() == []


@pytest.mark.parametrize("body", [
    b"", b"{", b"[]", b'"text"', b'{"msgId": 5, "text": {"content": "x"}}',
    b'{"msgId": "m1", "msgtype": "text", "text": "not an object"}',
    b'{"msgId": "m1", "msgtype": "text", "text": {"content": ["a"]}}',
    b'{"msgtype": "text", "text": {"content": "no msgId"}}',
    b"[" * 5000 + b"]" * 5000,
])
def test_malformed_json_gets_a_4xx(make_app, platform, body):
    app = make_app()
    headers, _ = _load("group_text", platform)
    resp = _post(app.test_client(), headers, body)
    assert 400 <= resp.status_code < 500
    assert _count(app) == 0


def test_a_huge_body_is_refused(make_app, platform):
    app = make_app()
    headers, _ = _load("group_text", platform)
    body = json.dumps({"msgId": "m", "text": {"content": "x" * 300_000}}).encode()
    assert _post(app.test_client(), headers, body).status_code == 413


def test_strip_mention():
    assert strip_mention("@支部助手 今天开了支委会") == "今天开了支委会"
    assert strip_mention(" @支部助手\u2005@张三 撤销") == "撤销"
    assert strip_mention("邮箱a@b.com") == "邮箱a@b.com"


def test_parse_payload_reads_a_picture_download_code():
    msg = parse_payload(json.dumps({"msgId": "m9", "msgtype": "picture", "senderStaffId": "u1", "conversationType": "1",
                                    "content": {"downloadCode": "dc-123"}}).encode())
    assert (msg.msg_type, msg.download_code, msg.text) == ("picture", "dc-123", "")
