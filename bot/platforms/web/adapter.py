"""Local web chat: a visitor picks a demo person and talks to the bot, replies shown as the platforms show them.

Only on when no platform is configured (or ZHIBU_WEB_CHAT=on): anyone who can open the page can speak as
anyone, which is what a demo needs and what production must never offer.
"""
from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, send_file
from werkzeug.exceptions import RequestEntityTooLarge
from sqlalchemy import or_, select

from ...media import IMAGE_EXTENSIONS, UPLOAD_EXTENSIONS, MediaStore, MediaTooLarge, extension, sanitise
from ...messages import Inbound, Reply
from ...models import ROLE_LABELS, InboundMessage, OutboundMessage, Person, PushTarget
from ...security.web import csrf_ok, csrf_token
from .mode import web_chat_enabled
from .render import markdown_to_html, text_to_html

log = logging.getLogger("bot.platforms.web")
MAX_TEXT = 2000
PAGES = Path(__file__).resolve().parents[3] / "templates" / "pages"


def _runtime():
    return current_app.extensions["zhibu"]


def served_roots() -> list[Path]:
    """The only folders a download link may point into: the media folder and the exports folder."""
    from ...config import settings

    return [MediaStore.from_config(_runtime().config).root.resolve(), Path(settings().export_dir).resolve()]


def _inside(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


def file_link(path: Path) -> dict | None:
    """A download link naming a stored id (never a path); None for a file outside the served folders."""
    from ...security import tokens

    path = Path(path)
    if not _inside(path, served_roots()):
        log.error("refusing a download link to %s: outside the media and export folders", path.name)
        return None
    with _runtime().sessions() as s:
        raw = tokens.issue(s, "file", tokens.FILE_TTL, payload={"path": str(path.resolve()), "name": path.name})
        s.commit()
    return {"name": path.name, "url": f"/web/files/{raw}"}


def reply_json(reply: Reply) -> dict:
    return {
        "text": reply.text,
        "html": markdown_to_html(reply.markdown) if reply.markdown else text_to_html(reply.text),
        "markdown": bool(reply.markdown),
        "files": [link for link in (file_link(p) for p in reply.files) if link],
        "duplicate": reply.duplicate,
    }


def find_person(session, account: str) -> Person | None:
    """web accounts: a person's WeChat Work id, else DingTalk id, else the person id."""
    person = session.scalars(select(Person).where(or_(Person.wecom_userid == account,
                                                      Person.dingtalk_userid == account))).first()
    if person is None and (account.isascii() and account.isdigit()):
        person = session.get(Person, int(account))
    return person


def people(sessions) -> list[dict]:
    """Everyone the person picker offers, in bot.demo's order (office first)."""
    from ...demo import demo_people

    return [_person_view(p) for p in demo_people(sessions)]


def _person_view(p: dict) -> dict:
    role = p.get("role") or ""
    label = p.get("role_label") or p.get("label") or ROLE_LABELS.get(role, role)
    if role not in ROLE_LABELS:  # demo_people may hand the label only
        role = next((k for k, v in ROLE_LABELS.items() if v == label or v == role), role)
    return {"account": str(p.get("account", "")), "name": p.get("name", ""), "role": role, "role_label": label,
            "where": p.get("branch") or p.get("group") or p.get("where") or ""}


def examples() -> dict[str, list[str]]:
    data = yaml.safe_load((PAGES / "chat_examples.yaml").read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.items()}


def inbox(sessions, account: str, after: int = 0, limit: int = 50) -> list[dict]:
    """What the bot sent to this person outside a reply (and to their group's chat), after message id `after`."""
    with sessions() as s:
        person = find_person(s, account)
        if person is None:
            return []
        targets = [f"person:{person.id}"]
        chats = s.scalars(select(PushTarget).where(PushTarget.org_id == person.org_id)).all()
        names = {}
        for t in chats:
            if t.group_id is None or t.group_id == person.group_id:
                targets.append(f"target:{t.id}")
                names[f"target:{t.id}"] = t.name
        rows = s.scalars(select(OutboundMessage).where(OutboundMessage.target.in_(targets), OutboundMessage.id > after,
                                                       OutboundMessage.kind.in_(("text", "markdown")))
                         .order_by(OutboundMessage.id).limit(limit)).all()
        out = []
        for r in rows:
            payload: dict[str, Any] = r.payload or {}
            md, text = payload.get("markdown"), payload.get("text") or ""
            out.append({"id": r.id, "at": r.created_at.isoformat() + "Z", "from": names.get(r.target, "支部助手通知"),
                        "group": r.target.startswith("target:"), "text": text,
                        "html": markdown_to_html(md) if md else text_to_html(text)})
        return out


def history(sessions, account: str, limit: int = 30) -> list[dict]:
    with sessions() as s:
        rows = s.scalars(select(InboundMessage).where(InboundMessage.channel == "web", InboundMessage.account == account)
                         .order_by(InboundMessage.id.desc()).limit(limit)).all()
        items = []
        for r in reversed(rows):
            said = r.text or (f"📎 {(r.media or {}).get('filename') or ''}" if r.kind in ("image", "file") else "")
            items.append({"who": "me", "at": r.received_at.isoformat() + "Z", "html": text_to_html(said)})
            if r.reply_text:
                items.append({"who": "bot", "at": r.received_at.isoformat() + "Z", "html": text_to_html(r.reply_text)})
    return items


bp = Blueprint("web", __name__)


def web_chat_open() -> bool:
    """Anyone who opens the page speaks as anyone: only when asked for (ZHIBU_WEB_CHAT=on, which `zhibu serve`
    refuses with a real roster or a platform), or automatically while the database holds the demo committee alone
    and no platform is configured."""
    from ...security.demo_mode import demo_only

    rt = _runtime()
    if not web_chat_enabled(rt.config):
        return False
    if (rt.config.web_chat or "auto").lower() in ("on", "1", "true", "yes"):
        return True
    with rt.sessions() as s:
        return demo_only(s, rt.config)


@bp.get("/")
def index() -> Response | str:
    if not web_chat_open():
        return render_template("pages/landing.html")
    return render_template("pages/chat.html", examples=examples(), csrf=csrf_token())


def _enabled_or_404() -> None:
    if not web_chat_open():
        abort(404)


def _posted_or_403() -> None:
    """A state-changing call must carry this page's CSRF token (another site cannot post as the visitor)."""
    _enabled_or_404()
    if not csrf_ok():
        abort(Response(json.dumps({"error": "页面已过期，请刷新后再发"}, ensure_ascii=False), 400,
                       mimetype="application/json"))


@bp.get("/api/web/people")
def api_people():
    _enabled_or_404()
    return jsonify(people(_runtime().sessions))


@bp.post("/api/web/message")
def api_message():
    _posted_or_403()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="请发送 JSON：{account, text}"), 400
    account, text, msg_id = body.get("account"), body.get("text"), body.get("id") or uuid.uuid4().hex
    if not isinstance(account, str) or not account or len(account) > 100:
        return jsonify(error="请先选择一位演示人员"), 400
    if not isinstance(text, str) or not text.strip():
        return jsonify(error="消息不能为空"), 400
    if len(text) > MAX_TEXT:
        return jsonify(error=f"消息太长了（最多 {MAX_TEXT} 字）"), 413
    if not isinstance(msg_id, str) or len(msg_id) > 64:
        return jsonify(error="bad id"), 400
    conversation = _runtime().services.get("conversation")
    if conversation is None:
        return jsonify(error="对话核心尚未就绪"), 503
    reply = conversation.handle(Inbound(channel="web", account=account, dedup_key=f"{account}:{msg_id}", text=text.strip()))
    return jsonify(reply_json(reply))


@bp.post("/api/web/upload")
def api_upload():
    """A file from the paperclip button: saved like a platform's media, then an image/file message."""
    _posted_or_403()
    rt = _runtime()
    store = MediaStore.from_config(rt.config)
    too_large = jsonify(error=f"文件太大了（最多 {store.max_bytes // (1024 * 1024)} MB）"), 413
    if request.content_length is not None and request.content_length > store.max_bytes + 64 * 1024:
        return too_large
    request.max_content_length = store.max_bytes + 64 * 1024
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        return too_large
    account, msg_id, upload = form.get("account"), form.get("id") or uuid.uuid4().hex, files.get("file")
    if not account or len(account) > 100:
        return jsonify(error="请先选择一位演示人员"), 400
    if len(msg_id) > 64:
        return jsonify(error="bad id"), 400
    if upload is None or not upload.filename:
        return jsonify(error="请选择一个文件"), 400
    ext = extension(sanitise(upload.filename))
    if ext not in UPLOAD_EXTENSIONS:
        return jsonify(error="只能上传 " + "、".join(sorted(UPLOAD_EXTENSIONS)) + " 文件"), 415
    conversation = rt.services.get("conversation")
    if conversation is None:
        return jsonify(error="对话核心尚未就绪"), 503
    dedup = f"{account}:{msg_id}"
    name = sanitise(upload.filename, f"upload{ext}")
    dest = store.path_for("web", dedup, name)
    try:
        size = store.save_stream(upload.stream, dest)
    except MediaTooLarge:
        return too_large
    except (OSError, RequestEntityTooLarge):
        log.exception("could not save an upload")
        return jsonify(error="文件没能保存下来，请再试一次"), 500
    kind = "image" if ext in IMAGE_EXTENSIONS else "file"
    media = {"path": str(dest), "filename": name, "size": size}
    reply = conversation.handle(Inbound(channel="web", account=account, dedup_key=dedup, kind=kind, media=media))
    return jsonify({**reply_json(reply), "filename": name, "kind": kind})


@bp.get("/api/web/inbox")
def api_inbox():
    _enabled_or_404()
    account = request.args.get("account", "")
    after = request.args.get("after", "0")
    if not account or len(account) > 100 or not (after.isascii() and after.isdigit()):
        return jsonify(error="bad request"), 400
    return jsonify(inbox(_runtime().sessions, account, int(after)))


@bp.get("/api/web/history")
def api_history():
    _enabled_or_404()
    account = request.args.get("account", "")
    if not account or len(account) > 100:
        return jsonify(error="bad request"), 400
    return jsonify(history(_runtime().sessions, account))


@bp.get("/web/files/<token>")
def download(token: str):
    """A file the bot handed over in the web chat, by its stored id; only ever from the served folders."""
    from ...security import tokens

    _enabled_or_404()
    with _runtime().sessions() as s:
        row = tokens.lookup(s, "file", token)
        payload = dict(row.payload or {}) if row else {}
    path = Path(payload.get("path") or "")
    if not payload or not path.is_file() or not _inside(path, served_roots()):
        abort(404)
    return send_file(path, as_attachment=True, download_name=payload.get("name") or path.name)
