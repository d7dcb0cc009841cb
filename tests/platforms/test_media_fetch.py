"""Issue 15, point 4: a photo or file is evidence only when it was fetched.

A failed download stores no evidence row; the reply stored for the message is the apology, so the platform's
retry of that message gets the apology again; a later successful resend attaches once.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.platforms.media_fetch import fetch_media
from bot.media import MediaStore
from bot.messages import Inbound
from bot.models import Evidence, InboundMessage
from nlp.types import Parsed
from tests.support.media import media_xml, post_media

SORRY = "抱歉，没能从企业微信取到这个图片（下载失败）。消息已记下，请稍后重新发送一次。"


def _evidence(sessions) -> list[tuple]:
    with sessions() as s:
        return [(e.media_id, e.url, bool(e.path)) for e in s.scalars(select(Evidence).order_by(Evidence.id))]


def test_a_failed_download_is_no_evidence_and_its_retry_repeats_the_apology(wecom, core, platform, sessions):
    core.next = Parsed(intent="record", activities=("branch_committee",))
    core.conv.handle(Inbound(channel="wecom", account="sec1", dedup_key="r1", text="今天开了支委会"))
    first = media_xml("image", "MEDIA-GONE", "7001", "sec1")  # the platform has no such media: download fails
    assert post_media(wecom, first) == SORRY
    assert _evidence(sessions) == []
    with sessions() as s:
        msg = s.scalars(select(InboundMessage).where(InboundMessage.dedup_key == "7001")).one()
        assert (msg.reply_text, msg.media["error"]) == (SORRY, "download_failed")
    assert post_media(wecom, first) == SORRY  # WeChat Work's retry of the same message: the same apology
    assert _evidence(sessions) == []

    platform.serve_media("MEDIA-OK", b"\xff\xd8\xff photo", "", "image/jpeg")
    again = post_media(wecom, media_xml("image", "MEDIA-OK", "7002", "sec1"))  # sent again, as asked
    assert again.startswith("已把照片作为佐证资料附到") and "共1份" in again
    assert post_media(wecom, media_xml("image", "MEDIA-OK", "7002", "sec1")) == again  # its retry attaches nothing
    assert _evidence(sessions) == [("MEDIA-OK", "https://wework.qpic.cn/wwpic/1/0", True)]


def test_media_that_no_configured_client_can_fetch_is_no_evidence(core, sessions, tmp_path):
    """WeChat Work without the app secret: only the PicUrl is known, the file itself cannot be had."""
    core.next = Parsed(intent="record", activities=("branch_committee",))
    core.conv.handle(Inbound(channel="wecom", account="sec1", dedup_key="r1", text="今天开了支委会"))
    inbound = Inbound(channel="wecom", account="sec1", dedup_key="w-1", kind="image",
                      media={"media_id": "MEDIA-1", "pic_url": "https://wework.qpic.cn/wwpic/1/0"})
    inbound = fetch_media(inbound, None, MediaStore(Path(tmp_path)), platform="企业微信")
    assert (inbound.media["error"], inbound.media["error_text"]) == ("no_client", "未配置应用接口，无法下载")
    reply = core.conv.handle(inbound)
    assert reply.text == "抱歉，没能从企业微信取到这个图片（未配置应用接口，无法下载）。消息已记下，请稍后重新发送一次。"
    assert _evidence(sessions) == []
