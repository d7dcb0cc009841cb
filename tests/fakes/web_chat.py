"""A test client for the local web chat that behaves like its page: it opens "/" first and sends the page's CSRF
token with every call (the chat refuses a POST without it)."""
from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient


def chat_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "the web chat page is not served (web chat off?)"
    client.environ_base["HTTP_X_CSRF_TOKEN"] = found.group(1)
    return client
