"""Office login links the bot sends one-to-one (handlers/dashboard_link.py), without Flask: a random id, single
use, valid LINK_MAX_AGE seconds, stored only as its digest (tokens.py); /office/auth/<id> (bot/web/auth.py)
redeems it."""
from __future__ import annotations

from typing import Any

from ..office_store import DASHBOARD_ROLES
from . import tokens

LINK_MAX_AGE = int(tokens.LOGIN_LINK_TTL.total_seconds())  # 15 minutes
ALLOWED_ROLES = DASHBOARD_ROLES


def office_login_link(db: Any, person_id: int, base_url: str = "") -> str:
    """What the bot sends an office member or group leader, one-to-one: opens the dashboard already logged in.
    The caller commits."""
    raw = tokens.issue(db, "login_link", tokens.LOGIN_LINK_TTL, person_id=person_id)
    return f"{base_url.rstrip('/')}/office/auth/{raw}"
