"""What every page and form of the web side shares: CSRF tokens, cookie flags and anti-framing headers.

The one Flask-bound module of bot/security: a token per browser session, checked on every state-changing request
(a form field `csrf` or an `X-CSRF-Token` header, so the web chat's fetch calls carry it too).
"""
from __future__ import annotations

import hmac
import secrets

from flask import Flask, abort, request, session

CSRF_KEY = "csrf"


def csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(24)
    return session[CSRF_KEY]


def csrf_ok() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf") or ""
    expected = session.get(CSRF_KEY, "")
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))


def check_csrf() -> None:
    """400 with a friendly line when a form or call comes without this browser's token (another site posting)."""
    if not csrf_ok():
        abort(400, "表单已过期，请刷新页面后重试")


def harden(app: Flask, public_url: str) -> None:
    """Cookie flags and response headers for every page: no framing, no sniffing, no referrer leaking a link."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=public_url.lower().startswith("https://"),
                      SESSION_COOKIE_NAME="zhibu_session")

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp
