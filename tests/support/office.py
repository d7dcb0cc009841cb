"""Driving the office pages through Flask's test client: the page's CSRF token, a login link as the bot would send
it, a password login."""
from __future__ import annotations

import re

from bot.security.login_links import office_login_link


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def page_csrf(client, path: str = "/office/login") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def login_link(app, person_id: int, base: str = "") -> str:
    """A one-time login link, as the bot would send it (stored as a digest)."""
    with app.extensions["zhibu"].sessions() as s:
        link = office_login_link(s, person_id, base)
        s.commit()
    return link


def password_login(client, name: str = "汪庆", password: str = "demo"):
    return client.post("/office/login", data={"name": name, "password": password, "csrf": page_csrf(client)})
