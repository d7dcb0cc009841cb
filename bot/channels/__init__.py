"""Channel adapters: WeChat Work, DingTalk and the local web chat (thin translators to bot.messages)."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import dingtalk, web, wecom

    app.register_blueprint(wecom.bp)
    app.register_blueprint(dingtalk.bp)
    app.register_blueprint(web.bp)
