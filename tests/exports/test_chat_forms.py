"""A secretary gets their own branch's forms in chat (issue 17, point 6), on both platforms, through the real
conversation core: "导出我们支部的自评表" used to be "抱歉，书记不能导出表格" although the notice (seed 000, 三、有关
要求) makes the branch hand in 附件1, the 工作总结 and the 活动记录本 by Jan 10. The files go one-to-one."""
from __future__ import annotations

from xml.etree.ElementTree import fromstring

import pytest

from tests.fakes.platform import CORP_SECRET
from tests.support.channels import open_reply, wecom_envelope
from tests.support.hostile import DING_ACCOUNT, ding_body, ding_headers, inner_text, post_ding, post_wecom

BRANCH = "重庆市机械工业协会党支部"
THREE = {f"2022年{BRANCH}党建工作自评表.xlsx", f"2022年{BRANCH}工作活动记录本.docx", f"2022年{BRANCH}工作总结提纲.docx"}


@pytest.fixture()
def app(make_real_app, tmp_path, monkeypatch):
    """The real conversation core on both platforms (the fake servers), a secretary on the roster."""
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "exports"))
    return make_real_app(wecom_secret=CORP_SECRET)


def _wecom(app, text: str, msg_id: str) -> str:
    query, body = wecom_envelope(inner_text(text, msg_id=msg_id))
    resp = post_wecom(app, query, body)
    assert resp.status_code == 200
    return fromstring(open_reply(resp.get_data(as_text=True))).findtext("Content") or ""


def _uploaded(platform, path: str) -> list[str]:
    return [m["files"]["media"][0] for m in platform.messages(path)]


def test_wecom_secretary_receives_the_three_forms_as_file_messages(app, platform):
    reply = _wecom(app, "导出我们支部的材料", "7181593622548561001")
    assert "自评表、活动记录本、工作总结提纲" in reply and "不能" not in reply
    assert app.extensions["zhibu"].services["background"].join(5)
    assert set(_uploaded(platform, "/cgi-bin/media/upload")) == THREE
    sent = platform.messages("/cgi-bin/message/send")
    assert len(sent) == 3 and {m["json"]["touser"] for m in sent} == {"sec-wang"}  # to the secretary alone
    assert {m["json"]["msgtype"] for m in sent} == {"file"}


def test_wecom_secretary_names_one_form(app, platform):
    reply = _wecom(app, "导出我们支部的自评表", "7181593622548561002")
    assert "自评表" in reply and "抱歉" not in reply
    assert app.extensions["zhibu"].services["background"].join(5)
    assert _uploaded(platform, "/cgi-bin/media/upload") == [f"2022年{BRANCH}党建工作自评表.xlsx"]
    _wecom(app, "发我总结提纲", "7181593622548561003")
    assert app.extensions["zhibu"].services["background"].join(5)
    assert _uploaded(platform, "/cgi-bin/media/upload")[-1] == f"2022年{BRANCH}工作总结提纲.docx"


def test_wecom_secretary_cannot_take_the_groups_table(app, platform):
    reply = _wecom(app, "导出汇总表", "7181593622548561004")
    assert "书记可以导出本支部的自评表、活动记录本和工作总结提纲" in reply
    assert app.extensions["zhibu"].services["background"].join(5)
    assert platform.messages("/cgi-bin/media/upload") == []


def test_dingtalk_secretary_asking_in_a_group_gets_the_files_one_to_one(app, platform):
    body = ding_body("导出我们支部的记录本", msg_id="msgForms0001", platform_base=platform.base)
    body.update(conversationType="2", conversationTitle="第一党建协作组群", isInAtList=True)
    resp = post_ding(app, ding_headers(), body)
    assert resp.status_code == 200
    assert app.extensions["zhibu"].services["background"].join(5)
    assert _uploaded(platform, "/media/upload") == [f"2022年{BRANCH}工作活动记录本.docx"]
    one_to_one = [m for m in platform.messages() if "oToMessages" in m["path"]]
    assert one_to_one and all(m["json"]["userIds"] == [DING_ACCOUNT] for m in one_to_one)
    assert all(m["json"]["msgKey"] == "sampleFile" for m in one_to_one)
    groups = [m for m in platform.messages() if "groupMessages" in m["path"]]
    assert groups == []  # never into the group chat
    replies = [m for m in platform.messages() if m["path"].startswith("/robot/sendBySession")]
    assert replies and "活动记录本" in str(replies[-1]["json"])
