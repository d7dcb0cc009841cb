"""WeChat Work callback through the real Flask app, with recorded (encrypted, signed) payloads."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import func, select, update

from bot.platforms.errors import Rejected
from bot.platforms.wecom.protocol import WecomCrypto, parse_message
from bot.models import InboundMessage, OutboundMessage

from tests.support.channels import CRED, TS, fixture, open_reply, wecom_envelope, wecom_text_xml


def _post(client, fx: dict, **extra_query):
    return client.post("/wecom/callback", query_string={**fx["query"], **extra_query}, data=fx["body"].encode(),
                       content_type="text/xml")


def _count(app, model=InboundMessage) -> int:
    with app.extensions["zhibu"].sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_official_documentation_example_verifies():
    fx = fixture("wecom/official_url_verify.json")
    cred = CRED["official_sample"]
    crypto = WecomCrypto(cred["token"], cred["aes_key"], cred["corp_id"], now=lambda: int(fx["query"]["timestamp"]))
    q = fx["query"]
    assert crypto.verify_url(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"]) == fx["echo"]


def test_url_verification_answers_the_decrypted_echostr(make_app):
    fx = fixture("wecom/url_verify.json")
    resp = make_app().test_client().get("/wecom/callback", query_string=fx["query"])
    assert resp.status_code == 200
    assert resp.mimetype == "text/plain"
    assert resp.get_data(as_text=True) == fx["echo"]


def test_url_verification_with_a_bad_signature_is_refused(make_app):
    fx = fixture("wecom/url_verify.json")
    query = {**fx["query"], "msg_signature": "0" * 40}
    resp = make_app().test_client().get("/wecom/callback", query_string=query)
    assert resp.status_code == 403
    assert fx["echo"] not in resp.get_data(as_text=True)


def test_text_message_gets_an_encrypted_passive_reply(make_app):
    app = make_app()
    resp = _post(app.test_client(), fixture("wecom/text.json"))
    assert resp.status_code == 200
    inner = fromstring(open_reply(resp.get_data(as_text=True)))
    assert inner.findtext("ToUserName") == "zhangwei"
    assert inner.findtext("FromUserName") == CRED["wecom"]["corp_id"]
    assert inner.findtext("MsgType") == "text"
    assert inner.findtext("Content") == "已记录：今天开了支委会，应到7人，实到6人"
    with app.extensions["zhibu"].sessions() as s:
        row = s.scalars(select(InboundMessage)).one()
    assert (row.channel, row.dedup_key, row.account) == ("wecom", "7181593622548561234", "zhangwei")


@pytest.mark.parametrize("name, kind, media, event", [
    ("image", "image", {"media_id": "1Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0StUvWxYz_signin", "pic_url": "https://wework.qpic.cn/wwpic/12345/0"}, None),
    ("file", "file", {"media_id": "2Ab2Cd3Ef4Gh5Ij6Kl7Mn8Op9Qr0_minutes", "filename": "支委会会议记录.docx"}, None),
    ("enter_agent", "event", None, "enter_agent"),
])
def test_image_file_and_enter_agent_reach_the_conversation(make_app, platform, name, kind, media, event):
    app = make_app()
    data = b"\x89PNG fake" if kind == "image" else b"PK\x03\x04 docx"
    if media:
        platform.serve_media(media["media_id"], data, "signin.png",
                             "image/png" if kind == "image" else "application/octet-stream")
    resp = _post(app.test_client(), fixture(f"wecom/{name}.json"))
    assert resp.status_code == 200
    inbound = app.extensions["zhibu"].services["conversation"].handled[-1]
    got = dict(inbound.media or {}) or None
    if media:
        path = got.pop("path")
        assert open(path, "rb").read() == data
        assert "url" not in got and got.pop("size") == len(data)  # a local file is a path, never a url
        media = {**media, "filename": "signin.png" if kind == "image" else "支委会会议记录.docx"}
    assert (inbound.kind, got, inbound.event) == (kind, media, event)
    assert inbound.account == "zhangwei"
    content = fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content")
    assert content.startswith("欢迎使用" if event else "已收到")


def test_event_dedup_key_is_sender_and_create_time():
    msg = parse_message(fixture("wecom/enter_agent.json")["plain"])
    assert msg.msg_id == "" and msg.dedup_key == f"zhangwei:{TS + 5}:enter_agent"


def test_the_same_callback_three_times_concurrently_makes_one_record_and_one_reply(make_app):
    app = make_app()
    fx = fixture("wecom/text.json")
    answers: list[str] = []
    barrier = threading.Barrier(3)

    def deliver():
        client = app.test_client()
        barrier.wait()
        answers.append(_post(client, fx).get_data(as_text=True))

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert _count(app) == 1
    assert len(app.extensions["zhibu"].services["conversation"].handled) == 1
    # A copy that arrived while the first was being processed gets an empty 200; one that came after it gets the
    # same stored answer (WeChat Work shows the one answer it receives). Never a second, different one.
    contents = {fromstring(open_reply(a)).findtext("Content") for a in answers if a}
    assert len(contents) == 1 and sum(bool(a) for a in answers) >= 1


def test_a_retry_after_a_restart_gets_the_stored_answer_and_changes_nothing(make_app):
    fx = fixture("wecom/text.json")
    first = make_app()
    answer = fromstring(open_reply(_post(first.test_client(), fx).get_data(as_text=True))).findtext("Content")
    restarted = make_app()  # a new process: nothing in memory, the same database
    for _ in range(2):  # WeChat Work retries only what it got no answer for: the first answer was lost
        resp = _post(restarted.test_client(), fx)
        assert resp.status_code == 200 and fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content") == answer
    assert _count(restarted) == 1
    assert restarted.extensions["zhibu"].services["conversation"].handled == []


def test_a_retry_of_a_message_answered_through_the_api_gets_an_empty_200(make_app, platform):
    app = make_app()
    rt = app.extensions["zhibu"]
    rt.services["wecom_channel"].budget = 0.1
    query, body = wecom_envelope(wecom_text_xml("慢慢来：全委排名", "7181593622548569998"))
    assert app.test_client().post("/wecom/callback", query_string=query, data=body).get_data() == b""
    assert rt.services["background"].join(5)
    again = app.test_client().post("/wecom/callback", query_string=query, data=body)
    assert again.status_code == 200 and again.get_data() == b""
    assert len(platform.messages("/cgi-bin/message/send")) == 1  # answered once, through the API


def test_slow_work_answers_empty_in_time_and_replies_through_the_api(make_app, platform):
    app = make_app()
    rt = app.extensions["zhibu"]
    rt.services["wecom_channel"].budget = 0.1
    query, body = wecom_envelope(wecom_text_xml("慢慢来：全委排名", "7181593622548569999"))
    started = time.monotonic()
    resp = app.test_client().post("/wecom/callback", query_string=query, data=body)
    assert time.monotonic() - started < 0.4
    assert resp.status_code == 200 and resp.get_data() == b""
    assert rt.services["background"].join(5)
    sent = platform.messages("/cgi-bin/message/send")
    assert [(m["json"]["touser"], m["json"]["text"]["content"]) for m in sent] == [("zhangwei", "已记录：慢慢来：全委排名")]
    with rt.sessions() as s:
        row = s.scalars(select(OutboundMessage)).one()
    assert (row.idem_key, row.status, row.platform) == ("reply:wecom:7181593622548569999", "sent", "wecom_app")


def test_reply_files_go_out_as_file_messages(make_app, platform):
    app = make_app()
    query, body = wecom_envelope(wecom_text_xml("导出汇总表", "7181593622548560001"))
    resp = app.test_client().post("/wecom/callback", query_string=query, data=body)
    assert fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content") == "汇总表已生成。"
    assert app.extensions["zhibu"].services["background"].join(5)
    upload = platform.messages("/cgi-bin/media/upload")
    assert upload[0]["files"]["media"][0] == "第一协作组评分结果汇总表.xlsx"
    sent = platform.messages("/cgi-bin/message/send")
    assert sent[0]["json"]["msgtype"] == "file" and sent[0]["json"]["file"]["media_id"].startswith("media-")


# ----------------------------------------------------------------------------------------- refusals

def _refused(app, resp, status):
    assert resp.status_code == status
    assert _count(app) == 0
    assert app.extensions["zhibu"].services["conversation"].handled == []


def test_bad_signature_is_refused_and_changes_nothing(make_app):
    app = make_app()
    _refused(app, _post(app.test_client(), fixture("wecom/text.json"), msg_signature="a" * 40), 403)


def test_stale_timestamp_is_refused(make_app):
    app = make_app()
    query, body = wecom_envelope(wecom_text_xml("旧消息", "7181593622548560002"), timestamp=TS - 3 * 86400)
    _refused(app, app.test_client().post("/wecom/callback", query_string=query, data=body), 403)


def test_a_message_encrypted_for_another_corp_is_refused(make_app):
    app = make_app()
    _refused(app, _post(app.test_client(), fixture("wecom/wrong_corp.json")), 403)


def test_outer_xml_addressed_to_another_corp_is_refused(make_app):
    app = make_app()
    fx = fixture("wecom/text.json")
    fx["body"] = fx["body"].replace(CRED["wecom"]["corp_id"], "ww1111111111111111")
    _refused(app, _post(app.test_client(), fx), 403)


@pytest.mark.parametrize("name", ["entity_bomb.xml", "external_entity.xml"])
def test_entity_tricks_are_refused_before_expansion(make_app, name):
    from tests.support.channels import FIXTURES

    app = make_app()
    body = (FIXTURES / "wecom" / name).read_bytes()
    started = time.monotonic()
    resp = app.test_client().post("/wecom/callback", query_string=fixture("wecom/text.json")["query"], data=body)
    assert time.monotonic() - started < 0.5
    _refused(app, resp, 400)


@pytest.mark.parametrize("body", [
    b"", b"not xml at all", b"<xml><Encrypt>", b"<xml><Encrypt><b>nested</b></Encrypt></xml>",
    "<xml><Encrypt><![CDATA[短]]></Encrypt></xml>".encode(), b"\xff\xfe\x00garbage",
])
def test_malformed_bodies_get_a_4xx(make_app, body):
    app = make_app()
    resp = app.test_client().post("/wecom/callback", query_string=fixture("wecom/text.json")["query"], data=body)
    assert 400 <= resp.status_code < 500
    assert _count(app) == 0


def test_a_huge_body_is_refused_with_413(make_app):
    app = make_app()
    body = b"<xml><Encrypt>" + b"A" * (200 * 1024) + b"</Encrypt></xml>"
    _refused(app, app.test_client().post("/wecom/callback", query_string=fixture("wecom/text.json")["query"], data=body), 413)


def test_inner_xml_with_wrong_types_is_refused():
    for bad in ["<xml><MsgType>text</MsgType><FromUserName>u</FromUserName><CreateTime>abc</CreateTime><MsgId>1</MsgId></xml>",
                "<xml><MsgType>text</MsgType><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgId>x1</MsgId></xml>",
                "<xml><MsgType>text</MsgType><FromUserName>u</FromUserName><CreateTime>1</CreateTime></xml>",
                "<notxml/>"]:
        with pytest.raises(Rejected):
            parse_message(bad)


def test_wechatpys_own_parser_refuses_entity_declarations_too():
    """We never hand XML to wechatpy's parser, but if someone does, xmltodict (its parser) refuses entities."""
    from wechatpy.enterprise import parse_message as wechatpy_parse

    from tests.support.channels import FIXTURES

    with pytest.raises(ValueError):
        wechatpy_parse((FIXTURES / "wecom" / "entity_bomb.xml").read_text())


def test_callbacks_are_404_when_wecom_is_not_configured(make_app):
    app = make_app(wecom=False)
    assert app.test_client().get("/wecom/callback", query_string=fixture("wecom/url_verify.json")["query"]).status_code == 404


def test_a_retry_while_the_first_delivery_still_runs_waits_for_its_answer(make_app, engine):
    """The first delivery queued behind a burst and started late: WeChat Work has cut it off and retries while it
    runs. The retry waits (within the budget) for the first one's answer and gives it, instead of an empty 200."""
    from bot.conversation import Conversation
    from bot.messages import RecordingSender

    app = make_app()
    rt = app.extensions["zhibu"]
    real = Conversation(rt.sessions, lambda: datetime(2022, 12, 26, 2, tzinfo=timezone.utc), RecordingSender())
    rt.services["wecom_channel"].conversation = real
    msg_id = "7181593622548569997"
    with rt.sessions() as s:
        s.add(InboundMessage(channel="wecom", dedup_key=msg_id, account="zhangwei", kind="text", text="今天开了支委会",
                             status="received"))
        s.commit()
    first = engine.connect()  # the first delivery: holds the message row while it works
    first.execute(select(InboundMessage.id).where(InboundMessage.dedup_key == msg_id).with_for_update())

    def finish() -> None:
        time.sleep(0.3)
        first.execute(update(InboundMessage).where(InboundMessage.dedup_key == msg_id)
                      .values(status="handled", reply_text="已记录：支委会 12月26日（今年第1次）"))
        first.commit()
        first.close()

    worker = threading.Thread(target=finish)
    worker.start()
    query, body = wecom_envelope(wecom_text_xml("今天开了支委会", msg_id))
    resp = app.test_client().post("/wecom/callback", query_string=query, data=body)
    worker.join()
    assert fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content") == "已记录：支委会 12月26日（今年第1次）"
    assert _count(app) == 1
