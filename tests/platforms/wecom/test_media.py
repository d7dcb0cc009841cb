"""Photos and files people send: downloaded (WeChat Work MediaId) or uploaded (web chat), saved under the
media directory, and handled by the real conversation core (a grading table, 佐证资料)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.media import MediaStore, sanitise
from bot.messages import Inbound
from bot.models import Evidence, InboundMessage
from nlp.types import Parsed
from tests.support.media import XLSX, grading_table, media_xml, post_media, stored_scores
from tests.fakes.web_chat import chat_client


def test_sanitise_never_leaves_the_directory():
    assert sanitise("../../etc/passwd") == "passwd"
    assert sanitise("..\\..\\评分表.XLSX") == "评分表.xlsx"
    assert sanitise("", "image.png") == "image.png"
    assert sanitise("a\x00b;rm -rf.csv") == "a_b_rm_-rf.csv"
    store = MediaStore(Path("/m"))
    path = store.path_for("wecom", "123", "../../x.jpg")
    assert path.parent.parent == Path("/m/wecom") and path.name == "x.jpg"


def test_wecom_grading_table_is_downloaded_and_scores_are_stored(wecom, core, platform, sessions):
    data = grading_table([("第一党支部", "3.3", 6), ("第二党支部", 3.3, 5.5), ("第三党支部", "3.3", 4),
                          ("第一党支部", "3.3x", 1)])
    platform.serve_media("MEDIA-TABLE-1", data, "ignored.xlsx", XLSX)
    text = post_media(wecom, media_xml("file", "MEDIA-TABLE-1", "9001", "lead1", "../第一协作组评分表.xlsx"))
    assert "评分表已导入2条" in text
    assert "第4行：不是本组支部" in text and "第5行：没有项目3.3x" in text
    ids = core.ids
    assert stored_scores(sessions) == {(ids["b0"], "group", "3.3"): 6.0, (ids["b1"], "group", "3.3"): 5.5}
    with sessions() as s:
        msg = s.scalars(select(InboundMessage)).one()
    path = Path(msg.media["path"])
    assert path.read_bytes() == data and path.name == "第一协作组评分表.xlsx"
    assert path.is_relative_to(Path(wecom.extensions["zhibu"].config.extra["media_dir"]))
    got = platform.messages("/cgi-bin/media/get")
    assert [m["args"]["media_id"] for m in got] == ["MEDIA-TABLE-1"]


def test_wecom_image_after_a_record_is_evidence_with_a_local_path(wecom, core, platform, sessions):
    core.next = Parsed(intent="record", activities=("branch_committee",))
    core.conv.handle(Inbound(channel="wecom", account="sec1", dedup_key="r1", text="今天开了支委会"))
    platform.serve_media("MEDIA-PHOTO", b"\xff\xd8\xff photo", "", "image/jpeg")
    text = post_media(wecom, media_xml("image", "MEDIA-PHOTO", "9002", "sec1"))
    assert "佐证资料" in text
    with sessions() as s:
        ev = s.scalars(select(Evidence)).one()
        assert (ev.kind, ev.media_id, ev.filename) == ("image", "MEDIA-PHOTO", "image.jpg")
        assert ev.url == "https://wework.qpic.cn/wwpic/1/0"  # only a real URL; the local copy is in path
        assert Path(ev.path).read_bytes() == b"\xff\xd8\xff photo" and ev.local_file == ev.path


@pytest.mark.parametrize("serve, why", [(False, "下载失败"), (True, "超过 1 MB")])
def test_media_that_cannot_be_had_gets_a_friendly_line_and_the_message_is_kept(wecom, platform, sessions, serve, why):
    if serve:
        platform.serve_media("MEDIA-BIG", b"x" * (1024 * 1024 + 1), "big.pdf", "application/pdf")
        root = Path(wecom.extensions["zhibu"].config.extra["media_dir"])
        wecom.extensions["zhibu"].services["wecom_channel"].media_store = MediaStore(root, 1024 * 1024)
    text = post_media(wecom, media_xml("file", "MEDIA-BIG", "9003", "sec1", "big.pdf"))
    assert text == f"抱歉，没能从企业微信取到这个文件（{why}）。消息已记下，请稍后重新发送一次。"
    with sessions() as s:
        msg = s.scalars(select(InboundMessage)).one()
    assert (msg.dedup_key, msg.kind, msg.media["media_id"]) == ("9003", "file", "MEDIA-BIG")
    assert msg.media["error"] == ("too_large" if serve else "download_failed") and "path" not in msg.media


def test_a_slow_download_answers_through_the_late_path(wecom, platform, sessions):
    channel = wecom.extensions["zhibu"].services["wecom_channel"]
    channel.budget = 0.2
    platform.state.media_delay = 0.6
    platform.serve_media("MEDIA-SLOW", grading_table([("第一党支部", "3.3", 6)]), "t.xlsx", XLSX)
    assert post_media(wecom, media_xml("file", "MEDIA-SLOW", "9004", "lead1", "表.xlsx")) == ""
    assert wecom.extensions["zhibu"].services["background"].join(10)
    sent = platform.messages("/cgi-bin/message/send")
    assert [m["json"]["touser"] for m in sent] == ["lead1"]
    assert sent[0]["json"]["text"]["content"].startswith("评分表已导入1条")


@pytest.fixture()
def web(make_app, core):
    return make_app(wecom=False, dingtalk=False, web_chat="on", conversation=core.conv)


def _upload(app, account, data: bytes, name: str, msg_id: str = "u1"):
    return chat_client(app).post("/api/web/upload", data={"account": account, "id": msg_id,
                                                           "file": (io.BytesIO(data), name)},
                                  content_type="multipart/form-data")


def test_web_upload_of_a_grading_table(web, core, sessions):
    data = grading_table([("第一党支部", "3.3", 7), ("第二党支部", "3.3", 2)])
    resp = _upload(web, "lead1", data, "评分表.xlsx")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["text"].startswith("评分表已导入2条") and resp.get_json()["kind"] == "file"
    assert stored_scores(sessions) == {(core.ids["b0"], "group", "3.3"): 7.0, (core.ids["b1"], "group", "3.3"): 2.0}
    with sessions() as s:
        msg = s.scalars(select(InboundMessage)).one()
    assert (msg.channel, msg.dedup_key, msg.kind) == ("web", "lead1:u1", "file")
    assert Path(msg.media["path"]).read_bytes() == data
    history = web.test_client().get("/api/web/history", query_string={"account": "lead1"}).get_json()
    assert "📎 评分表.xlsx" in history[0]["html"]


def test_web_upload_refuses_too_large_and_unknown_types(web, sessions):
    web.extensions["zhibu"].config.extra["media_max_mb"] = 0.001  # about 1 KB
    resp = _upload(web, "sec1", b"x" * 5000, "photo.jpg")
    assert resp.status_code == 413 and "文件太大了" in resp.get_json()["error"]
    resp = _upload(web, "sec1", b"MZ", "tool.exe")
    assert resp.status_code == 415 and ".xlsx" in resp.get_json()["error"]
    resp = _upload(web, "", b"x", "a.png")
    assert resp.status_code == 400
    with sessions() as s:
        assert s.scalars(select(InboundMessage)).all() == []
    media_dir = Path(web.extensions["zhibu"].config.extra["media_dir"])
    assert not media_dir.exists() or not any(p.is_file() for p in media_dir.rglob("*"))


def test_web_upload_of_an_excel_saved_csv_with_a_title_row(web, core, sessions):
    data = "第一协作组评分表,,\n党支部名称,项目,得分\n第二党支部,3.3,4\n".encode("gbk")
    resp = _upload(web, "lead1", data, "评分表.csv")
    assert resp.status_code == 200 and resp.get_json()["text"].startswith("评分表已导入1条")
    assert stored_scores(sessions) == {(core.ids["b1"], "group", "3.3"): 4.0}


def test_a_table_without_the_expected_header_explains_the_layout(web, sessions):
    wb = Workbook()
    wb.active.append(["名称", "分"])
    buf = io.BytesIO()
    wb.save(buf)
    resp = _upload(web, "lead1", buf.getvalue(), "表.xlsx")
    assert resp.status_code == 200
    assert "表头为：党支部名称、项目、得分" in resp.get_json()["text"]
    assert stored_scores(sessions) == {}
