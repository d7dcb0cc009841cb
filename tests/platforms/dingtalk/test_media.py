"""DingTalk pictures and files: the message's downloadCode is fetched through the robot file API
(POST /v1.0/robot/messageFiles/download, then GET its downloadUrl) before the real conversation core
handles it — a grading table, 佐证资料 — the same way as WeChat Work's MediaId (tests/platforms/wecom/test_media.py)."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.platforms.dingtalk.protocol import dingtalk_sign
from bot.media import MediaStore
from bot.messages import Inbound
from bot.models import Evidence, InboundMessage
from nlp.types import Parsed
from tests.fakes.platform import DING_APP_KEY

from tests.support.channels import CRED, TS
from tests.support.media import XLSX, grading_table, stored_scores

SECRET = CRED["dingtalk"]["app_secret"]
API = "/v1.0/robot/messageFiles/download"


@pytest.fixture()
def ding(make_app, core):  # noqa: F811 - the fixture imported above
    return make_app(wecom=False, conversation=core.conv)


_STAMPS = itertools.count()


def _post(app, platform, msg_type: str, code: str, msg_id: str, user: str, filename: str = "") -> str:
    """POST a signed picture/file push as DingTalk does; the text the bot answered through the sessionWebhook."""
    content = {"downloadCode": code, **({"fileName": filename} if filename else {})}
    body = {"msgtype": msg_type, "content": content, "msgId": msg_id, "senderStaffId": user, "senderNick": "测试",
            "conversationType": "1", "conversationId": "cidDM1", "robotCode": DING_APP_KEY,
            "sessionWebhook": f"{platform.base}/robot/sendBySession?session=s-{msg_id}"}
    ts = str(TS * 1000 + next(_STAMPS))  # each push signs its own timestamp (a pair is accepted for one message)
    before = len(platform.messages("/robot/sendBySession"))
    resp = app.test_client().post("/dingtalk/callback", data=json.dumps(body, ensure_ascii=False).encode(),
                                  headers={"timestamp": ts, "sign": dingtalk_sign(ts, SECRET)},
                                  content_type="application/json")
    assert resp.status_code == 200 and resp.get_json() == {}
    assert app.extensions["zhibu"].services["background"].join(10)
    sent = platform.messages("/robot/sendBySession")[before:]
    if not sent:
        return ""
    [reply] = sent
    return reply["json"].get("text", {}).get("content") or reply["json"]["markdown"]["text"]


def _message(sessions) -> InboundMessage:
    with sessions() as s:
        return s.scalars(select(InboundMessage).where(InboundMessage.channel == "dingtalk")).one()


def _media_files(app) -> list[Path]:
    root = Path(app.extensions["zhibu"].config.extra["media_dir"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_picture_after_a_record_is_evidence_with_its_local_file(ding, core, platform, sessions):
    core.next = Parsed(intent="record", activities=("branch_committee",))
    core.conv.handle(Inbound(channel="dingtalk", account="dt-sec1", dedup_key="r1", text="今天开了支委会"))
    platform.serve_media("DC-PHOTO", b"\xff\xd8\xff ding photo", "", "image/jpeg")
    text = _post(ding, platform, "picture", "DC-PHOTO", "msgPic1", "dt-sec1")
    assert text.startswith("已把照片作为佐证资料附到：") and "共1份" in text
    with sessions() as s:
        ev = s.scalars(select(Evidence)).one()
        assert (ev.kind, ev.media_id, ev.filename, ev.url) == ("image", "DC-PHOTO", "image.jpg", None)
        assert Path(ev.path).read_bytes() == b"\xff\xd8\xff ding photo" and ev.local_file == ev.path
    assert Path(ev.path).parent.parent == Path(ding.extensions["zhibu"].config.extra["media_dir"]) / "dingtalk"
    [call] = platform.messages(API)
    assert call["json"] == {"downloadCode": "DC-PHOTO", "robotCode": DING_APP_KEY}
    assert call["headers"]["x-acs-dingtalk-access-token"].startswith("dingtalk-token-")


def test_a_grading_table_from_a_group_leader_stores_the_scores(ding, core, platform, sessions):
    data = grading_table([("第一党支部", "3.3", 6), ("第二党支部", 3.3, 5.5), ("第三党支部", "3.3", 4)])
    platform.serve_media("DC-TABLE", data, "", XLSX)
    text = _post(ding, platform, "file", "DC-TABLE", "msgFile1", "dt-lead1", "../第一协作组评分表.xlsx")
    assert text.startswith("评分表已导入2条") and "第4行：不是本组支部" in text
    ids = core.ids
    assert stored_scores(sessions) == {(ids["b0"], "group", "3.3"): 6.0, (ids["b1"], "group", "3.3"): 5.5}
    msg = _message(sessions)
    assert (msg.dedup_key, msg.kind, msg.account) == ("msgFile1", "file", "dt-lead1")
    assert (msg.media["filename"], msg.media["size"]) == ("第一协作组评分表.xlsx", len(data))
    assert Path(msg.media["path"]).read_bytes() == data and "url" not in msg.media


@pytest.mark.parametrize("failure, why, code", [
    ("unknown_code", "下载失败", "download_failed"),
    ("server_error", "下载失败", "download_failed"),
    ("too_large", "超过 1 MB", "too_large"),
    ("slow", "下载超时", "timeout"),
])
def test_a_failed_download_keeps_the_message_and_answers_a_friendly_line(ding, platform, sessions, failure, why, code):
    channel = ding.extensions["zhibu"].services["dingtalk_channel"]
    data = b"%PDF" + b"x" * 20_000
    if failure != "unknown_code":
        platform.serve_media("DC-DOC", data, "", "application/pdf")
    if failure == "server_error":
        platform.fail_next(API, (503, {"code": "ServiceUnavailable", "message": "busy"}))
    if failure == "too_large":
        platform.serve_media("DC-DOC", b"x" * (1024 * 1024 + 1), "", "application/pdf")
        channel.media_store = MediaStore(Path(ding.extensions["zhibu"].config.extra["media_dir"]), 1024 * 1024)
    if failure == "slow":
        channel.media_deadline = 0.2
        platform.state.media_chunk_delay = 0.05  # 20 chunks of 1 KB: about a second in all
    text = _post(ding, platform, "file", "DC-DOC", "msgBad1", "dt-sec1", "会议记录.pdf")
    assert text == f"抱歉，没能从钉钉取到这个文件（{why}）。消息已记下，请稍后重新发送一次。"
    msg = _message(sessions)
    assert (msg.dedup_key, msg.kind, msg.media["media_id"]) == ("msgBad1", "file", "DC-DOC")
    assert msg.media["error"] == code and "path" not in msg.media
    assert _media_files(ding) == []  # nothing half-written is left behind
    with sessions() as s:
        assert s.scalars(select(Evidence)).all() == []


def test_a_retry_of_the_same_msgid_downloads_nothing_twice(ding, core, platform, sessions):
    data = grading_table([("第一党支部", "3.3", 7)])
    platform.serve_media("DC-TABLE2", data, "t.xlsx", XLSX)
    first = _post(ding, platform, "file", "DC-TABLE2", "msgRetry1", "dt-lead1", "评分表.xlsx")
    assert first.startswith("评分表已导入1条")
    assert _post(ding, platform, "file", "DC-TABLE2", "msgRetry1", "dt-lead1", "评分表.xlsx") == ""
    assert len(platform.messages(API)) == 1
    assert len([m for m in platform.messages() if m["path"].startswith("/fake-oss/")]) == 1
    assert _message(sessions).media["path"] == str(_media_files(ding)[0])
    assert stored_scores(sessions) == {(core.ids["b0"], "group", "3.3"): 7.0}


def test_a_retry_after_a_failed_download_is_a_duplicate_too(ding, platform, sessions):
    assert "下载失败" in _post(ding, platform, "picture", "DC-LATER", "msgRetry2", "dt-sec1")
    platform.serve_media("DC-LATER", b"\x89PNG", "", "image/png")
    assert _post(ding, platform, "picture", "DC-LATER", "msgRetry2", "dt-sec1") == ""
    assert len(platform.messages(API)) == 1 and _media_files(ding) == []
    assert _message(sessions).media["error"] == "download_failed"


def test_an_expired_token_is_refreshed_once_and_the_download_goes_through(ding, platform, sessions):
    platform.serve_media("DC-A", b"\x89PNG a", "", "image/png")
    platform.serve_media("DC-B", b"\x89PNG b", "", "image/png")
    _post(ding, platform, "picture", "DC-A", "msgTok1", "dt-sec1")
    platform.expire_tokens()
    _post(ding, platform, "picture", "DC-B", "msgTok2", "dt-sec1")
    assert platform.state.token_calls["dingtalk"] == 2
    with sessions() as s:
        sizes = {m.dedup_key: (m.media.get("filename"), Path(m.media["path"]).read_bytes())
                 for m in s.scalars(select(InboundMessage))}
    assert sizes == {"msgTok1": ("image.png", b"\x89PNG a"), "msgTok2": ("image.png", b"\x89PNG b")}


def test_a_slow_download_still_answers_through_the_session_webhook(ding, platform, sessions):
    ding.extensions["zhibu"].services["dingtalk_channel"].budget = 0.1
    platform.state.media_chunk_delay = 0.05
    platform.serve_media("DC-SLOW", grading_table([("第一党支部", "3.3", 6)]), "", XLSX)
    assert _post(ding, platform, "file", "DC-SLOW", "msgSlow1", "dt-lead1", "表.xlsx").startswith("评分表已导入1条")
    assert Path(_message(sessions).media["path"]).name == "表.xlsx"


def test_a_download_url_is_logged_without_its_signature():
    from bot.push.http import redact

    line = "GET /fake-oss/DC-1?Expires=1700000000&OSSAccessKeyId=LTAIabc&Signature=k%2Fz%3D&security-token=t1 200"
    assert redact(line) == "GET /fake-oss/DC-1?Expires=1700000000&OSSAccessKeyId=***&Signature=***&security-token=*** 200"
