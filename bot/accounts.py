"""Which person writes from an account on a channel: the only place a channel is tied to a `Person` column.

A platform whose people have accounts of their own keeps them in `Person.<channel>_userid` (wecom_userid,
dingtalk_userid); the web chat and the console have none and speak as roster people. So no module compares
platform names to find a person: the columns of the table say which channels have accounts.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from .models import Person

ACCOUNT_COLUMNS = {c.name.removesuffix("_userid"): c.name for c in Person.__table__.c if c.name.endswith("_userid")}
_ACTIVE_BY = {col: select(*Person.__table__.c).where(Person.__table__.c[col] == bindparam("account"),
                                                     Person.active.is_(True)).limit(1)
              for col in ACCOUNT_COLUMNS.values()}


def attach(session: Session, cls: type, values: dict) -> Any:
    """A persistent `cls` in `session` with these column values (a row just read or written with Core),
    without another query: what the ORM would have loaded, for a fraction of the cost on the hot path."""
    existing = session.identity_map.get(identity_key(cls, values["id"]))
    if existing is not None:
        return existing
    obj = cls(**values)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def person_by_account(session: Session, channel: str, account: str) -> Person | None:
    """A channel with accounts of its own: its column (wecom -> wecom_userid); the web chat and the console:
    any platform's account, then the person id. Only active people."""
    if not account:
        return None
    own = ACCOUNT_COLUMNS.get(channel)
    for col in [own] if own else ACCOUNT_COLUMNS.values():
        row = session.execute(_ACTIVE_BY[col], {"account": account}).first()
        if row is not None:
            return attach(session, Person, dict(row._mapping))
    if own is None and (account.isascii() and account.isdigit()):
        person = session.get(Person, int(account))
        if person is not None and person.active:
            return person
    return None
