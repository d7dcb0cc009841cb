"""Issue "Secure by default": each attack tried against a deployment set up as docs/deployment.md describes
(platforms configured, a real roster, ZHIBU_DEMO and ZHIBU_SECRET_KEY left unset), reproduced and refused.

Every test here failed on the code before this work (the login forged with the built-in key, /etc/passwd through
/web/files, the demo password on a real office, a captured DingTalk pair replayed with another sender, the login
link posted into a group …); the note of that stop lists what each one did then.
"""
from __future__ import annotations

import json
import os
import re
import stat
from datetime import datetime, timedelta, timezone

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import func, select

from bot.app import create_app
from bot.platforms.dingtalk.protocol import dingtalk_sign
from bot.config import Config
from bot.models import ActivityRecord, Branch, InboundMessage, Organisation, Person, SecurityToken
from tests.support.channels import CRED, TS
from tests.support.hostile import seed_real_roster

BUILT_IN_KEY = "dev-only-change-me"  # what earlier versions signed everything with
CLOCK = datetime(2022, 12, 26, 2, 0, tzinfo=timezone.utc)


@pytest.fixture()
def prod(db_url, engine, tmp_path, monkeypatch):
    """`zhibu serve` as deployed: platforms configured, real roster, ZHIBU_SECRET_KEY and ZHIBU_DEMO unset."""
    for name in ("ZHIBU_SECRET_KEY", "ZHIBU_DEMO", "ZHIBU_OFFICE_PASSWORD", "ZHIBU_WEB_CHAT", "ZHIBU_SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # var/ of this deployment
    w, d = CRED["wecom"], CRED["dingtalk"]
    config = Config.from_env(env_file=None, database_url=db_url, wecom_corp_id=w["corp_id"], wecom_token=w["token"],
                             wecom_aes_key=w["aes_key"], wecom_secret="x", wecom_agent_id=w["agent_id"],
                             wecom_api_base="http://127.0.0.1:9", dingtalk_app_key=d["app_key"],
                             dingtalk_app_secret=d["app_secret"], dingtalk_api_base="http://127.0.0.1:9",
                             dingtalk_new_api_base="http://127.0.0.1:9", public_url="https://dj.example.org",
                             extra={"media_dir": str(tmp_path / "var" / "media")})
    app = create_app(config, clock=lambda: CLOCK)
    rt = app.extensions["zhibu"]
    app.people = seed_real_roster(rt.sessions)
    rt.services["dingtalk_channel"].clock = lambda: TS + 30
    yield app
    rt.services["background"].join(5)
    rt.engine.dispose()


def _logged_in(client) -> bool:
    return client.get("/office/").status_code == 200


# ------------------------------------------------------------------ 1. no built-in secret
def test_without_a_key_a_random_one_is_made_and_kept_0600(prod, tmp_path):
    key = prod.config["SECRET_KEY"]
    assert key != BUILT_IN_KEY and len(key) >= 32
    path = tmp_path / "var" / "secret_key"
    assert path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Config.from_env(env_file=None, database_url="sqlite://")  # the next start reads the same key
    assert again.secret_key == key


def test_a_login_link_signed_with_the_built_in_key_opens_nothing(prod):
    forged = URLSafeTimedSerializer(BUILT_IN_KEY, salt="zhibu-office-login").dumps({"p": prod.people["office"]})
    c = prod.test_client()
    assert c.get(f"/office/auth/{forged}").status_code == 403
    assert not _logged_in(c)


def test_a_session_cookie_forged_with_the_built_in_key_opens_nothing(prod):
    class Forger(SecureCookieSessionInterface):
        def forge(self, data: dict) -> str:
            class FakeApp:
                secret_key = BUILT_IN_KEY
                config = {"SECRET_KEY_FALLBACKS": None}
            return self.get_signing_serializer(FakeApp()).dumps(data)

    c = prod.test_client()
    for name in ("session", "zhibu_session"):
        c.set_cookie(name, Forger().forge({"office_person": prod.people["office"]}))
    assert not _logged_in(c)


# ------------------------------------------------------------------ 2. links carry ids, never paths
def test_a_file_link_to_an_absolute_path_serves_nothing(db_url, engine, tmp_path, monkeypatch):
    """`make run` (demo, web chat open): a token over /etc/passwd or the live database, signed with the old built-in
    key or even with the app's own key, serves nothing — links name stored ids, never paths."""
    for name in ("ZHIBU_SECRET_KEY", "ZHIBU_DEMO", "ZHIBU_WEB_CHAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    app = create_app(Config.from_env(env_file=None, database_url=db_url), clock=lambda: CLOCK)
    c = app.test_client()
    assert 'id="composer"' in c.get("/").get_data(as_text=True)  # the demo's web chat is open
    for path in ("/etc/passwd", str(tmp_path / "var" / "secret_key")):
        for key in (BUILT_IN_KEY, app.config["SECRET_KEY"]):
            token = URLSafeTimedSerializer(key, salt="zhibu-web-file").dumps(path)
            assert c.get(f"/web/files/{token}").status_code == 404
    app.extensions["zhibu"].engine.dispose()


def test_a_stored_file_id_outside_the_served_folders_is_not_served(db_url, engine, tmp_path, monkeypatch):
    """Even a row pointing outside the media and export folders (a bug, a tampered database) serves nothing."""
    from bot.security import tokens
    from tests.fakes.web_chat import chat_client

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZHIBU_EXPORT_DIR", str(tmp_path / "var" / "exports"))
    config = Config.from_env(env_file=None, database_url=db_url, web_chat="on", demo=False,
                             extra={"media_dir": str(tmp_path / "var" / "media")})
    app = create_app(config, clock=lambda: CLOCK)
    inside = tmp_path / "var" / "exports" / "2022" / "表.xlsx"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"PK fine")
    with app.extensions["zhibu"].sessions() as s:
        good = tokens.issue(s, "file", tokens.FILE_TTL, payload={"path": str(inside), "name": inside.name})
        bad = tokens.issue(s, "file", tokens.FILE_TTL, payload={"path": "/etc/passwd", "name": "passwd"})
        climb = tokens.issue(s, "file", tokens.FILE_TTL,
                             payload={"path": str(tmp_path / "var" / "exports" / ".." / "secret_key"), "name": "k"})
        (tmp_path / "var" / "secret_key").write_text("k")
        s.commit()
    c = chat_client(app)
    assert c.get(f"/web/files/{good}").data == b"PK fine"
    assert c.get(f"/web/files/{bad}").status_code == 404
    assert c.get(f"/web/files/{climb}").status_code == 404
    app.extensions["zhibu"].engine.dispose()


# ------------------------------------------------------------------ 3. demo only for the demo
def test_the_demo_password_does_not_open_a_real_office(prod):
    c = prod.test_client()
    page = c.get("/office/login").get_data(as_text=True)
    assert "李主任" not in page and "吴组长" not in page  # no names to anonymous visitors
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    if token:  # no password form at all is fine too
        r = c.post("/office/login", data={"name": "李主任", "password": "demo", "csrf": token.group(1)})
        assert r.status_code in (401, 403)
    assert not _logged_in(c)


def test_the_open_web_chat_is_off_with_a_real_roster_even_without_platforms(db_url, engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("ZHIBU_DEMO", "ZHIBU_WEB_CHAT"):
        monkeypatch.delenv(name, raising=False)
    app = create_app(Config.from_env(env_file=None, database_url=db_url), clock=lambda: CLOCK)  # demo seeded: empty db
    seed_real_roster(app.extensions["zhibu"].sessions)  # then a real roster arrives
    with app.extensions["zhibu"].sessions() as s:
        records = s.scalar(select(func.count()).select_from(ActivityRecord))
    c = app.test_client()
    assert 'id="composer"' not in c.get("/").get_data(as_text=True)
    assert c.get("/api/web/people").status_code == 404
    r = c.post("/api/web/message", json={"account": "wang-sec", "text": "今天开了支委会"})
    assert r.status_code in (400, 404)
    with app.extensions["zhibu"].sessions() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == records
    app.extensions["zhibu"].engine.dispose()


def test_password_guessing_is_limited_across_clients(prod):
    rt = prod.extensions["zhibu"]  # ZHIBU_OFFICE_PASSWORD set: the settings are read once, at the app's start
    rt.config = rt.config.model_copy(update={"office_password": "a-long-office-password-2022"})
    codes = []
    for i in range(14):
        c = prod.test_client()  # a fresh client (cookie jar) each time: the limit is not in the cookie
        token = re.search(r'name="csrf" value="([^"]+)"', c.get("/office/login").get_data(as_text=True)).group(1)
        codes.append(c.post("/office/login", data={"name": "李主任", "password": f"guess{i}", "csrf": token}).status_code)
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    c = prod.test_client()  # even the right password waits out the window
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/office/login").get_data(as_text=True)).group(1)
    r = c.post("/office/login", data={"name": "李主任", "password": "a-long-office-password-2022", "csrf": token})
    assert r.status_code == 429 and not _logged_in(c)


# ------------------------------------------------------------------ 4. login links and sessions
def _link_for(prod, who: str) -> str:
    from bot.security.login_links import office_login_link

    with prod.extensions["zhibu"].sessions() as s:
        link = office_login_link(s, prod.people[who], "")
        s.commit()
    return link


def test_a_login_link_works_once_and_for_fifteen_minutes(prod):
    link = _link_for(prod, "office")
    c = prod.test_client()
    assert c.get(link).status_code == 302 and _logged_in(c)
    other = prod.test_client()
    assert other.get(link).status_code == 403 and not _logged_in(other)  # single use
    late = _link_for(prod, "office")
    from bot.models import SecurityToken as T
    with prod.extensions["zhibu"].sessions() as s:
        for row in s.scalars(select(T).where(T.kind == "login_link", T.used_at.is_(None))):
            row.expires_at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=1)
        s.commit()
    assert prod.test_client().get(late).status_code == 403


def test_logout_ends_the_session_everywhere_and_needs_a_token(prod):
    c = prod.test_client()
    c.get(_link_for(prod, "office"))
    assert _logged_in(c)
    stolen = c.get_cookie("zhibu_session").value
    assert c.post("/office/logout").status_code == 400  # no CSRF token: a cross-site logout does nothing
    assert _logged_in(c)
    html = c.get("/office/").get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    assert c.post("/office/logout", data={"csrf": token}).status_code == 302
    thief = prod.test_client()
    thief.set_cookie("zhibu_session", stolen)
    assert not _logged_in(thief)


def test_cookies_and_headers(prod):
    c = prod.test_client()
    r = c.get(_link_for(prod, "office"))
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie  # the public URL is https
    page = c.get("/office/")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_bad_year_is_a_400_not_a_500(prod):
    c = prod.test_client()
    c.get(_link_for(prod, "office"))
    for bad in ("abc", "0", "99999", "2022 OR 1=1"):
        assert c.get("/office/", query_string={"year": bad}).status_code == 400


def test_the_unknown_messages_page_shows_only_the_offices_own_organisation(prod):
    rt = prod.extensions["zhibu"]
    with rt.sessions() as s:
        other = Organisation(name="另一个综合党委", rubric_id="seed000", year=2022)
        s.add(other)
        s.flush()
        stranger = Person(org_id=other.id, name="外人", role="secretary", wecom_userid="stranger")
        s.add(stranger)
        s.flush()
        s.add(InboundMessage(channel="wecom", dedup_key="x1", account="stranger", person_id=stranger.id,
                             text="别的组织的秘密消息", status="not_understood"))
        s.add(InboundMessage(channel="wecom", dedup_key="x2", account="wang-sec", person_id=prod.people["sec1"],
                             text="本组织没看懂的消息", status="not_understood"))
        s.commit()
        foreign = s.scalar(select(InboundMessage.id).where(InboundMessage.dedup_key == "x1"))
    c = prod.test_client()
    c.get(_link_for(prod, "office"))
    html = c.get("/office/unknown").get_data(as_text=True)
    assert "本组织没看懂的消息" in html and "别的组织的秘密消息" not in html
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    with rt.sessions() as s:
        branch = s.scalar(select(Branch.id).where(Branch.org_id == prod.people["org"]))
    r = c.post(f"/office/unknown/{foreign}/record", data={"csrf": token, "branch_id": branch, "code": "branch_committee",
                                                          "date": "2022-12-20"})
    assert r.status_code == 404


# ------------------------------------------------------------------ login link never into a group, never in clear
def _ding(prod, text: str, msg_id: str, sender: str, *, group: bool = False, ts_ms: int = TS * 1000,
          sign_ts: int | None = None):
    body = {"msgtype": "text", "text": {"content": text}, "msgId": msg_id, "senderStaffId": sender,
            "senderNick": "x", "conversationType": "2" if group else "1", "conversationId": "cidG",
            "robotCode": CRED["dingtalk"]["app_key"], "sessionWebhook": "http://127.0.0.1:9/robot/sendBySession?s=1"}
    ts = str(sign_ts if sign_ts is not None else ts_ms)
    headers = {"timestamp": ts, "sign": dingtalk_sign(ts, CRED["dingtalk"]["app_secret"])}
    r = prod.test_client().post("/dingtalk/callback", data=json.dumps(body, ensure_ascii=False).encode(),
                                headers=headers, content_type="application/json")
    prod.extensions["zhibu"].services["background"].join(5)
    return r


def test_the_login_link_is_never_posted_into_a_group_nor_stored_in_clear(prod):
    rt = prod.extensions["zhibu"]
    assert _ding(prod, "后台", "msgG1", "li-office-dt", group=True, ts_ms=TS * 1000 + 1).status_code == 200
    with rt.sessions() as s:
        row = s.scalars(select(InboundMessage).where(InboundMessage.dedup_key == "msgG1")).one()
        assert "/office/auth/" not in (row.reply_text or "") and "私聊" in row.reply_text
        assert s.scalar(select(func.count()).select_from(SecurityToken).where(SecurityToken.kind == "login_link")) == 0
    from bot.conversation import Conversation
    from bot.messages import Inbound, RecordingSender

    conv = Conversation(rt.sessions, lambda: CLOCK, RecordingSender(), config=rt.config)  # the app's address signs links
    reply = conv.handle(Inbound(channel="dingtalk", account="li-office-dt", dedup_key="msgP1", text="后台"))
    link = re.search(r"https://dj\.example\.org(/office/auth/\S+)", reply.text).group(1)
    with rt.sessions() as s:
        stored = s.scalars(select(InboundMessage).where(InboundMessage.dedup_key == "msgP1")).one().reply_text
        assert link not in stored and "〔链接已隐去〕" in stored
        tokens_in_db = [t.digest for t in s.scalars(select(SecurityToken))]
        assert link.rsplit("/", 1)[1] not in " ".join(tokens_in_db)  # only its digest is kept
    assert prod.test_client().get(link).status_code == 302  # the one sent works (once)


# ------------------------------------------------------------------ 7. DingTalk replay
def test_a_captured_dingtalk_pair_cannot_carry_another_sender(prod):
    rt = prod.extensions["zhibu"]
    assert _ding(prod, "今天开了支委会", "msgR1", "wang-sec-dt", ts_ms=TS * 1000 + 7).status_code == 200
    # the attacker replays the same timestamp/sign with a body of their own: another member, another message
    r = _ding(prod, "今天开了党员大会", "msgR2", "zhao-sec-dt", ts_ms=TS * 1000 + 7)
    assert r.status_code == 403
    assert _ding(prod, "今天开了支委会", "msgR1", "wang-sec-dt", ts_ms=TS * 1000 + 7).status_code == 200  # a real retry
    with rt.sessions() as s:
        assert [m.dedup_key for m in s.scalars(select(InboundMessage))] == ["msgR1"]
        assert s.scalar(select(func.count()).select_from(ActivityRecord)) == 1


def test_a_message_for_another_robot_is_refused(prod):
    body = {"msgtype": "text", "text": {"content": "今天开了支委会"}, "msgId": "msgX", "senderStaffId": "wang-sec-dt",
            "conversationType": "1", "robotCode": "someone-elses-robot"}
    ts = str(TS * 1000 + 11)
    r = prod.test_client().post("/dingtalk/callback", data=json.dumps(body).encode(), content_type="application/json",
                                headers={"timestamp": ts, "sign": dingtalk_sign(ts, CRED["dingtalk"]["app_secret"])})
    assert r.status_code == 403


# ------------------------------------------------------------------ 5. scope
def test_naming_another_branch_changes_nothing(chat, ids, sessions):  # noqa: F811
    chat.say("sec1", "今天开了支委会")
    chat.say("sec1", "12月20日开了支委会")
    with sessions() as s:
        before = sorted((r.id, r.branch_id, r.deleted_at) for r in s.scalars(select(ActivityRecord)))
    r = chat.say("sec1", "撤销第二党支部的支委会")
    assert r.text.startswith("抱歉") and "第二党支部" in r.text
    r = chat.say("sec1", "给第二党支部记一次支委会")
    assert r.text.startswith("抱歉")
    r = chat.say("sec1", "第三党支部今天开了党员大会")
    assert r.text.startswith("抱歉")
    r = chat.say("sec1", "给第九党支部记一次支委会")  # no such branch: still not the sender's own
    assert r.text.startswith("抱歉") and "第九党支部" in r.text
    with sessions() as s:
        assert sorted((r.id, r.branch_id, r.deleted_at) for r in s.scalars(select(ActivityRecord))) == before
    assert chat.say("sec1", "第一党支部今天开了党员大会").text.startswith("已记录")  # naming one's own is fine


def test_someone_moved_cannot_touch_the_old_branchs_records(chat, ids, sessions):  # noqa: F811
    chat.say("sec1", "今天开了支委会")
    with sessions() as s:
        s.get(Person, ids["sec1"]).branch_id = ids["b1"]
        s.commit()
    chat.conv.directory = type(chat.conv.directory)()  # this process's cache, as a roster change would reset it
    assert "没有找到" in chat.say("sec1", "撤销").text
    assert "没有找到" in chat.say("sec1", "刚才那条改成党员大会").text
    with sessions() as s:
        rec = s.scalars(select(ActivityRecord)).one()
        assert rec.deleted_at is None and rec.code == "branch_committee" and rec.branch_id == ids["b0"]


def test_undo_and_correct_do_not_reach_a_record_weeks_old(chat, ids, sessions):  # noqa: F811
    chat.say("sec1", "今天开了支委会")
    chat.now = chat.now + timedelta(days=20)
    r = chat.say("sec1", "刚才那条改成党员大会")
    assert "超过7天" in r.text
    r = chat.say("sec1", "撤销")
    assert "超过7天" in r.text
    with sessions() as s:
        rec = s.scalars(select(ActivityRecord)).one()
        assert rec.deleted_at is None and rec.code == "branch_committee"


# ------------------------------------------------------------------ 10. doctor and serve
def test_doctor_names_each_unsafe_setting(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.commands.doctor_cmd import doctor

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'z.sqlite3'}"
    app = create_app(Config.from_env(env_file=None, database_url=url, demo=False), clock=lambda: CLOCK)
    seed_real_roster(app.extensions["zhibu"].sessions)
    app.extensions["zhibu"].engine.dispose()
    env = {"ZHIBU_DATABASE_URL": url, "ZHIBU_SECRET_KEY": BUILT_IN_KEY, "ZHIBU_WEB_CHAT": "on",
           "ZHIBU_DINGTALK_APP_KEY": "k", "ZHIBU_PUBLIC_URL": "http://bot.example.org", "ZHIBU_DEMO": "1",
           "ZHIBU_OFFICE_PASSWORD": "demo"}
    r = CliRunner().invoke(doctor, ["--workers", "4"], env=env)
    assert r.exit_code == 1
    for setting in ("ZHIBU_SECRET_KEY", "ZHIBU_WEB_CHAT", "ZHIBU_DINGTALK_APP_SECRET", "ZHIBU_OFFICE_PASSWORD",
                    "ZHIBU_DEMO", "ZHIBU_PUBLIC_URL", "ZHIBU_DATABASE_URL"):
        assert setting in r.output, setting
    ok = CliRunner().invoke(doctor, [], env={"ZHIBU_DATABASE_URL": url, "ZHIBU_DEMO": "0", "ZHIBU_WEB_CHAT": "",
                                             "ZHIBU_SECRET_KEY": "", "ZHIBU_OFFICE_PASSWORD": "",
                                             "ZHIBU_PUBLIC_URL": "", "ZHIBU_DINGTALK_APP_KEY": ""})
    assert ok.exit_code == 0, ok.output


def test_serve_refuses_a_dangerous_setting_and_says_which(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bot.commands.serve_cmd import serve

    monkeypatch.chdir(tmp_path)
    env = {"ZHIBU_DATABASE_URL": f"sqlite:///{tmp_path / 'z.sqlite3'}", "ZHIBU_SECRET_KEY": BUILT_IN_KEY}
    r = CliRunner().invoke(serve, ["--workers", "1"], env=env)
    assert r.exit_code != 0 and "ZHIBU_SECRET_KEY" in r.output and "拒绝启动" in r.output
