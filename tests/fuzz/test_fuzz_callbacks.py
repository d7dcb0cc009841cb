"""Property: whatever arrives at /wecom/callback or /dingtalk/callback, the answer is never a 500, an unsigned
request stores nothing, and memory stays bounded. Signed requests carry random content through the real
conversation core (parser, handlers, templates)."""
from __future__ import annotations

import json
import tracemalloc

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.platforms.dingtalk.protocol import dingtalk_sign
from bot.platforms.wecom.protocol import cdata
from bot.models import InboundMessage
from tests.support.channels import CRED, TS, wecom_envelope

from .conftest import FUZZ

W = CRED["wecom"]
SECRET = CRED["dingtalk"]["app_secret"]
OK_REFUSALS = {400, 401, 403, 405, 413}

param = st.one_of(st.none(), st.text(max_size=80), st.from_regex(r"\A[0-9a-f]{40}\Z"), st.integers(0, 2**40).map(str))
xmlish = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=2000).map(str.encode),
    st.builds(lambda a, b: f"<xml><ToUserName>{a}</ToUserName><Encrypt>{b}</Encrypt></xml>".encode(),
              st.text(max_size=60), st.text(max_size=400)),
    st.sampled_from([b"", b"<xml/>", b"<xml><Encrypt></Encrypt></xml>", b"<!DOCTYPE x []><xml/>", b"<?xml?>",
                     b"<xml><Encrypt><![CDATA[" + b"A" * 1000 + b"]]></Encrypt></xml>"]),
)


def _stored(app) -> int:
    with app.extensions["zhibu"].sessions() as s:
        return s.scalar(select(func.count()).select_from(InboundMessage))


def test_wecom_unsigned_requests_never_500_and_store_nothing(fuzz_app):
    client = fuzz_app.test_client()
    before = _stored(fuzz_app)

    @FUZZ
    @given(sig=param, ts=param, nonce=param, body=xmlish)
    def prop(sig, ts, nonce, body):
        query = {k: v for k, v in (("msg_signature", sig), ("timestamp", ts), ("nonce", nonce)) if v is not None}
        resp = client.post("/wecom/callback", query_string=query, data=body, content_type="text/xml")
        assert resp.status_code in OK_REFUSALS, resp.status_code
        echo = client.get("/wecom/callback", query_string={**query, "echostr": body[:300].decode("latin-1")})
        assert echo.status_code in OK_REFUSALS

    prop()
    assert _stored(fuzz_app) == before


msg_types = st.sampled_from(["text", "image", "file", "event", "voice", "location", "", "TEXT", "x" * 50])
contents = st.one_of(st.text(max_size=300), st.text(alphabet="支委会党员大会课应到实到人月日年撤销改成0123456789，。 ", max_size=60),
                     st.sampled_from(["今天开了支委会", "撤销", "我们支部现在多少分", "{{ 7*7 }}", "]]>", "\x00", "\ud7ff"]))


@st.composite
def inner_messages(draw) -> str:
    fields = {
        "ToUserName": draw(st.sampled_from([W["corp_id"], "", "wwOther"])),
        "FromUserName": draw(st.sampled_from(["sec-wang", "", "nobody", "x" * 120]) | st.text(max_size=30)),
        "CreateTime": draw(st.sampled_from([str(TS), "", "-1", "9" * 13]) | st.integers(0, 2**33).map(str)),
        "MsgType": draw(msg_types),
        "Content": draw(contents),
        "MsgId": draw(st.sampled_from(["", "abc", "9" * 70]) | st.integers(1, 10**19).map(str)),
        "Event": draw(st.sampled_from(["", "enter_agent", "subscribe", "click"])),
        "MediaId": draw(st.text(max_size=50)),
    }
    keep = draw(st.sets(st.sampled_from(sorted(fields)), min_size=2))
    body = "".join(f"<{k}>{cdata(''.join(ch for ch in fields[k] if ch.isprintable() or ch in chr(10)))}</{k}>"
                   for k in sorted(keep))
    return f"<xml>{body}</xml>"


def test_wecom_signed_random_messages_never_500(fuzz_app):
    client = fuzz_app.test_client()
    before = _stored(fuzz_app)

    @FUZZ
    @given(inner=inner_messages())
    def prop(inner):
        query, body = wecom_envelope(inner)
        resp = client.post("/wecom/callback", query_string=query, data=body.encode(), content_type="text/xml")
        assert resp.status_code in {200, 400, 403}, resp.status_code
        assert b"Traceback" not in resp.get_data()

    prop()
    assert _stored(fuzz_app) > before  # well-formed ones did go through the conversation core


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                           max_leaves=20)


@st.composite
def ding_payloads(draw) -> bytes:
    roll = draw(st.integers(0, 9))
    if roll == 0:
        return draw(st.binary(max_size=500))
    if roll <= 3:  # well-formed but for its text: these reach the conversation core
        return json.dumps({"msgtype": "text", "text": {"content": draw(contents)}, "msgId": draw(st.uuids()).hex,
                           "senderStaffId": "sec-wang-dt", "conversationType": "1", "robotCode": "k",
                           "sessionWebhook": "http://127.0.0.1:9/robot"}, ensure_ascii=False).encode()
    body = {
        "msgtype": draw(st.sampled_from(["text", "picture", "file", "richText", ""]) | json_values),
        "text": draw(st.fixed_dictionaries({"content": contents}) | json_values),
        "msgId": draw(st.text(max_size=40) | json_values),
        "senderStaffId": draw(st.sampled_from(["sec-wang-dt", "nobody", ""]) | json_values),
        "conversationType": draw(st.sampled_from(["1", "2", 2]) | json_values),
        "sessionWebhook": draw(st.sampled_from(["https://evil.example/steal", "", "http://127.0.0.1:9/robot"]) | json_values),
    }
    keep = draw(st.sets(st.sampled_from(sorted(body))))
    # "k" is the fuzz app's key: mostly right, sometimes another robot's or not a string at all
    robot = {"robotCode": "k" if draw(st.integers(0, 9)) else draw(st.sampled_from(["another-robot"]) | json_values)}
    return json.dumps({**{k: body[k] for k in keep}, **robot}, ensure_ascii=False).encode()


def test_dingtalk_unsigned_requests_never_500_and_store_nothing(fuzz_app):
    client = fuzz_app.test_client()
    before = _stored(fuzz_app)

    @FUZZ
    @given(ts=param, sign=param, body=ding_payloads())
    def prop(ts, sign, body):
        headers = {k: v for k, v in (("timestamp", ts), ("sign", sign)) if v is not None and v.isprintable() and v.isascii()}
        resp = client.post("/dingtalk/callback", headers=headers, data=body, content_type="application/json")
        assert resp.status_code in OK_REFUSALS, resp.status_code

    prop()
    assert _stored(fuzz_app) == before


def test_dingtalk_signed_random_payloads_never_500(fuzz_app):
    client = fuzz_app.test_client()
    stamps = iter(range(TS * 1000, TS * 1000 + 10**6))  # a fresh signed timestamp each time: a pair signs one message

    @FUZZ
    @given(body=ding_payloads())
    def prop(body):
        ts = str(next(stamps))
        headers = {"timestamp": ts, "sign": dingtalk_sign(ts, SECRET)}
        resp = client.post("/dingtalk/callback", headers=headers, data=body, content_type="application/json")
        assert resp.status_code in {200, 400, 403, 413}, resp.status_code

    before = _stored(fuzz_app)
    prop()
    fuzz_app.extensions["zhibu"].services["background"].join(10)
    assert _stored(fuzz_app) > before


def test_memory_stays_bounded_under_hostile_traffic(fuzz_app):
    """2,000 hostile requests after a warm-up: Python's traced memory grows by less than 8 MB."""
    client = fuzz_app.test_client()
    bodies = [b"<xml>" + b"A" * 60_000 + b"</xml>", b"[" * 60_000, b"\xff" * 60_000, b"<xml>" + b"A" * 70_000]

    def burst(n: int) -> None:
        for i in range(n):
            body = bodies[i % len(bodies)]
            client.post("/wecom/callback", query_string={"msg_signature": "0" * 40, "timestamp": str(TS), "nonce": str(i)},
                        data=body, content_type="text/xml")
            client.post("/dingtalk/callback", headers={"timestamp": str(TS * 1000), "sign": "x"}, data=body)

    burst(200)
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    burst(1000)
    now, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert now - base < 8 * 1024 * 1024, f"memory grew by {(now - base) / 1e6:.1f} MB"
