"""Demo mode: the demo password and the open web chat exist only for the demo committee.

"Demo only" is read from the data, not from a setting that a real deployment may forget: every organisation in
the database is a demo one (`settings.demo`), every platform account is a demo account (`demo-…`), and no
platform is configured, not even half. A real roster imported into the demo database ends demo mode at once.
"""
from __future__ import annotations

import time
import weakref
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Organisation, Person

DEMO_ACCOUNT_PREFIX = "demo-"
_CACHE_SECONDS = 3.0
_cache: "weakref.WeakKeyDictionary[Any, tuple[float, bool]]" = weakref.WeakKeyDictionary()


def platform_configured(config: Any) -> bool:
    """Any platform setting at all (a half-configured platform counts: someone meant to go live)."""
    names = ("wecom_corp_id", "wecom_token", "wecom_aes_key", "wecom_secret", "wecom_agent_id",
             "dingtalk_app_key", "dingtalk_app_secret")
    return any(getattr(config, n, None) for n in names)


def data_is_demo_only(session: Session) -> bool:
    """True while the database holds the demo committee alone (and at least one organisation)."""
    orgs = list(session.scalars(select(Organisation)))
    if not orgs or any(not (o.settings or {}).get("demo") for o in orgs):
        return False
    real = session.scalar(select(Person.id).where(or_(
        Person.wecom_userid.is_not(None) & ~Person.wecom_userid.startswith(DEMO_ACCOUNT_PREFIX),
        Person.dingtalk_userid.is_not(None) & ~Person.dingtalk_userid.startswith(DEMO_ACCOUNT_PREFIX))).limit(1))
    return real is None


def demo_only(session: Session, config: Any) -> bool:
    """Demo mode now: demo data alone and no platform configured (read at most every few seconds per process)."""
    if platform_configured(config):
        return False
    key = session.get_bind()
    key = getattr(key, "engine", key)
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = data_is_demo_only(session)
    _cache[key] = (now, value)
    return value


def forget() -> None:
    """Tests and a roster import: read the data again on the next call."""
    _cache.clear()
