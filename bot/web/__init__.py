"""The office's web side under /office/: log in (auth), read the rankings, grids and lists (pages), change things
through forms (forms), download the forms and charts (files). One blueprint, `office`, shared by the modules
(bot/web/context.py); reads go through bot/office_store.py, writes through bot/store.py.

Login: a single-use link the bot sends one-to-one (bot/security/login_links.py), or the office password
(ZHIBU_OFFICE_PASSWORD; "demo" only for the demo committee). The office sees everything of its organisation; a
group leader their own group.
"""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Called by the app factory after `bot.security.web.harden(app, …)` (CSRF, cookies, headers)."""
    from . import auth, files, forms, pages  # noqa: F401  (their routes join the blueprint)
    from .context import bp

    auth.init_login(app)
    app.register_blueprint(bp)
