"""Hostile requests to both callback endpoints: each is refused (or answered harmlessly) and changes nothing.

forged signatures, replayed requests, stale timestamps, oversized bodies, XML entity expansion, and SQL or
template injection in message text (stored verbatim as data, never executed or rendered).
"""
from __future__ import annotations

import json

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import func, select, text

from bot.platforms.wecom.protocol import signature
from bot.models import InboundMessage, Person
from tests.support.channels import TS, open_reply, wecom_crypto, wecom_envelope
from tests.support.hostile import SECRET, W, ding_body, ding_headers, inner_text, post_ding, post_wecom, snapshot


def refused(resp, status: int) -> None:
    assert resp.status_code == status
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body and "Error" not in body


# ------------------------------------------------------------------ WeChat Work
def test_wecom_forged_signature_is_refused_and_changes_nothing(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    query, body = wecom_envelope(inner_text("今天开了支委会"))
    sig = query["msg_signature"]
    one_digit_off = sig[:-1] + ("1" if sig[-1] == "0" else "0")
    for forged in ("0" * 40, one_digit_off, "", "A" * 400):
        refused(post_wecom(real_app, {**query, "msg_signature": forged}, body), 400 if forged == "" else 403)
    # signed with the wrong token: a valid-looking signature that is not ours
    forged_sig = signature("not-our-token", query["timestamp"], query["nonce"],
                           body.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0])
    refused(post_wecom(real_app, {**query, "msg_signature": forged_sig}, body), 403)
    # signed over a different nonce than the one sent
    refused(post_wecom(real_app, {**query, "nonce": "123"}, body), 403)
    assert snapshot(sessions) == before


def test_wecom_unsigned_and_other_corp_messages_change_nothing(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    refused(post_wecom(real_app, {}, inner_text("今天开了支委会")), 400)  # plaintext, no signature at all
    query, body = wecom_envelope(inner_text("今天开了支委会"))
    refused(post_wecom(real_app, query, body.replace(W["corp_id"], "wwOtherCorp0000001", 1)), 403)
    assert snapshot(sessions) == before


def test_wecom_replay_is_processed_once_and_stored_once(real_app):
    """A replayed (or retried) callback changes nothing; it gets back the stored answer, sealed for the corp as
    before (WeChat Work retries only what it got no answer for), never a new one."""
    sessions = real_app.extensions["zhibu"].sessions
    query, body = wecom_envelope(inner_text("12月20日开了支委会，应到7人，实到6人"))
    first = post_wecom(real_app, query, body)
    answer = fromstring(open_reply(first.get_data(as_text=True))).findtext("Content")
    assert first.status_code == 200 and "已记录" in answer
    after_first = snapshot(sessions)
    for _ in range(3):
        again = post_wecom(real_app, query, body)
        assert again.status_code == 200 and fromstring(open_reply(again.get_data(as_text=True))).findtext("Content") == answer
    assert snapshot(sessions) == after_first


def test_wecom_stale_and_future_timestamps_are_refused(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    for ts in (TS - 2 * 86400, TS + 2 * 86400):
        query, body = wecom_envelope(inner_text("今天开了支委会", msg_id="7181593622548560001"), timestamp=ts)
        refused(post_wecom(real_app, query, body), 403)
    query, body = wecom_envelope(inner_text("今天开了支委会"))
    refused(post_wecom(real_app, {**query, "timestamp": "not-a-number"}, body), 400)
    for odd in ("²", "١٢", "1²"):  # str.isdigit() says yes to these, int() does not (found by fuzzing)
        refused(post_wecom(real_app, {**query, "timestamp": odd}, body), 400)
    assert snapshot(sessions) == before


def test_wecom_oversized_body_is_refused_before_parsing(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    query, body = wecom_envelope(inner_text("今天开了支委会"))
    huge = body.replace("</xml>", "<Pad>" + "A" * 70_000 + "</Pad></xml>")
    refused(post_wecom(real_app, query, huge), 413)
    refused(post_wecom(real_app, query, b"<xml>" + b"A" * (3 * 1024 * 1024) + b"</xml>"), 413)
    assert snapshot(sessions) == before


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
                  + ']><xml><ToUserName>&lol9;</ToUserName><Encrypt>x</Encrypt></xml>')
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>'


@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL], ids=["billion-laughs", "external-entity"])
def test_wecom_xml_entities_are_refused_outside_and_inside_the_envelope(real_app, hostile):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    refused(post_wecom(real_app, {"msg_signature": "x", "timestamp": str(TS), "nonce": "1"}, hostile), 400)
    # the same bomb inside a correctly encrypted and signed envelope
    inner = hostile.replace("<Encrypt>x</Encrypt>", "").replace("<Encrypt>&e;</Encrypt>", "<Content>&e;</Content>")
    query, body = wecom_envelope(inner)
    resp = post_wecom(real_app, query, body)
    refused(resp, 400)
    assert "root:" not in resp.get_data(as_text=True)
    assert snapshot(sessions) == before


SQL = ["'; DROP TABLE inbound_message; --", "1' OR '1'='1", "支委会'); DELETE FROM person; --",
       "\" UNION SELECT wecom_userid FROM person --"]
TEMPLATES = ["{{ 7*7 }}", "{{ config.items() }}", "{% for x in range(3) %}x{% endfor %}",
             "{{ ''.__class__.__mro__[1].__subclasses__() }}", "${7*7} #{7*7} <%= 7*7 %>"]


@pytest.mark.parametrize("payload", SQL + TEMPLATES)
def test_wecom_injection_in_text_is_stored_verbatim_and_never_executed(real_app, payload):
    rt = real_app.extensions["zhibu"]
    people_before = _people(rt.sessions)
    query, body = wecom_envelope(inner_text(f"今天开了支委会 {payload}"))
    resp = post_wecom(real_app, query, body)
    assert resp.status_code == 200
    reply = fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content") if resp.get_data() else ""
    _assert_harmless(reply)
    assert reply.startswith("已记录")  # the message itself was understood; the payload stayed text
    with rt.sessions() as s:
        row = s.scalars(select(InboundMessage)).one()
        assert row.text == f"今天开了支委会 {payload}"  # data, kept exactly as sent
        assert s.execute(text("SELECT count(*) FROM inbound_message")).scalar() == 1
    assert _people(rt.sessions) == people_before


def test_wecom_injection_in_the_sender_account_matches_nobody(real_app):
    rt = real_app.extensions["zhibu"]
    people_before = _people(rt.sessions)
    query, body = wecom_envelope(inner_text("我们支部现在多少分", user="x' OR '1'='1"))
    resp = post_wecom(real_app, query, body)
    assert resp.status_code == 200
    reply = fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content")
    assert "王建国" not in reply and "机械工业协会" not in reply  # not taken for the one person in the roster
    with rt.sessions() as s:
        assert s.scalars(select(InboundMessage)).one().person_id is None
    assert _people(rt.sessions) == people_before


# ------------------------------------------------------------------ DingTalk
def test_dingtalk_forged_missing_and_stale_signs_are_refused(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    body = ding_body("今天开了支委会")
    refused(post_ding(real_app, ding_headers(secret="not-our-secret"), body), 403)
    refused(post_ding(real_app, {**ding_headers(), "sign": "A" * 44}, body), 403)
    refused(post_ding(real_app, {}, body), 401)
    refused(post_ding(real_app, {"timestamp": str(TS * 1000)}, body), 401)
    refused(post_ding(real_app, ding_headers(ts_ms=(TS - 7200) * 1000), body), 403)  # correctly signed, 2 h old
    refused(post_ding(real_app, ding_headers(ts_ms=(TS + 7200) * 1000), body), 403)
    refused(post_ding(real_app, {"timestamp": "abc", "sign": "x"}, body), 400)
    refused(post_ding(real_app, {"timestamp": "²", "sign": "x"}, body), 400)
    assert snapshot(sessions) == before


def test_dingtalk_replay_is_stored_once(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    body = ding_body("12月20日开了支委会，应到7人，实到6人", msg_id="msgReplay0001")
    assert post_ding(real_app, ding_headers(), body).status_code == 200
    real_app.extensions["zhibu"].services["background"].join(5)
    after_first = snapshot(sessions)
    for _ in range(3):
        assert post_ding(real_app, ding_headers(), body).status_code == 200
    real_app.extensions["zhibu"].services["background"].join(5)
    assert snapshot(sessions) == after_first


def test_dingtalk_oversized_and_malformed_bodies_are_refused(real_app):
    sessions = real_app.extensions["zhibu"].sessions
    before = snapshot(sessions)
    refused(post_ding(real_app, ding_headers(), ding_body("支" * 40_000)), 413)
    refused(post_ding(real_app, ding_headers(), b"[" * 50_000), 400)  # nesting bomb
    refused(post_ding(real_app, ding_headers(), b"\xff\xfe not json"), 400)
    refused(post_ding(real_app, ding_headers(), {"msgtype": "text", "text": {"content": ["x"]}, "msgId": "m"}), 400)
    refused(post_ding(real_app, ding_headers(), b'"just a string"'), 400)
    assert snapshot(sessions) == before


@pytest.mark.parametrize("payload", SQL + TEMPLATES)
def test_dingtalk_injection_in_text_is_stored_verbatim_and_never_executed(real_app, payload):
    rt = real_app.extensions["zhibu"]
    people_before = _people(rt.sessions)
    resp = post_ding(real_app, ding_headers(), ding_body(f"我们支部现在多少分 {payload}"))
    assert resp.status_code == 200 and resp.get_json() == {}
    rt.services["background"].join(5)
    with rt.sessions() as s:
        row = s.scalars(select(InboundMessage)).one()
        assert row.text == f"我们支部现在多少分 {payload}"
        _assert_harmless(row.reply_text or "")
    assert _people(rt.sessions) == people_before


def _people(sessions) -> list:
    with sessions() as s:
        return [tuple(r) for r in s.execute(select(Person.id, Person.name, Person.role, Person.wecom_userid)).all()]


def _assert_harmless(reply: str) -> None:
    assert "49" not in reply  # {{ 7*7 }} was not evaluated
    assert "subclasses" not in reply and "<class" not in reply and "SECRET_KEY" not in reply
    assert "Traceback" not in reply and "sqlalchemy" not in reply.lower() and "syntax error" not in reply.lower()
