"""What every page and form of the web side shares: CSRF (Flask-WTF's CSRFProtect), cookie flags and anti-framing
headers.

The one Flask-bound module of bot/security. The CSRF token is Flask-WTF's (a random value kept in the session,
handed out signed with the app's key): a form field `csrf` or an `X-CSRF-Token` header, so the web chat's fetch
calls carry it too. Nothing is checked by default — the platforms' callbacks must never need a token — so the
office pages (bot/web/) call `check_csrf` on every state-changing request and the web chat calls `csrf_ok`.
"""
from __future__ import annotations

from flask import Flask, abort
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

CSRF_KEY = "csrf"  # the form field's name (and Flask-WTF's session key)
EXPIRED = "表单已过期，请刷新页面后重试"
csrf = CSRFProtect()


def csrf_token() -> str:
    return generate_csrf()


def csrf_ok() -> bool:
    """True when this POST carries this browser's token (form field or header)."""
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def check_csrf() -> None:
    """400 with a friendly line when a form or call comes without this browser's token (another site posting)."""
    if not csrf_ok():
        abort(400, EXPIRED)


def harden(app: Flask, public_url: str) -> None:
    """Cookie flags, CSRF settings and response headers for every page: no framing, no sniffing, no referrer leaking
    a link."""
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=public_url.lower().startswith("https://"),
                      SESSION_COOKIE_NAME="zhibu_session",
                      WTF_CSRF_FIELD_NAME=CSRF_KEY, WTF_CSRF_HEADERS=["X-CSRF-Token", "X-CSRFToken"],
                      WTF_CSRF_CHECK_DEFAULT=False,  # callbacks carry no token; the web side checks (above)
                      WTF_CSRF_TIME_LIMIT=None,  # valid for the browser session, as the session itself
                      WTF_CSRF_SSL_STRICT=False)  # pages send no Referer (below): the token and SameSite suffice
    csrf.init_app(app)

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp
