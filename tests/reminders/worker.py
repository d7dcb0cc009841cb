"""One 'scheduler process' of the two-process test: runs the whole season against a shared database.

Usage: python tests/reminders/worker.py DB_URL FAKE_API_BASE
Each reminder goes through bot/push/'s PlatformSender to the fake WeChat Work robot endpoint.
"""
from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config import Config  # noqa: E402
from bot.db import make_engine, make_session_factory  # noqa: E402
from bot.platforms import build_sender  # noqa: E402
from bot.push.outbox import Backoff  # noqa: E402
from bot.reminders.delivery import RetryPolicy  # noqa: E402
from bot.reminders.planner import Planner  # noqa: E402


def main(url: str, api_base: str) -> None:
    config = Config.from_env(env_file=None, database_url=url, wecom_api_base=api_base)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    # the outbox tries once; the reminder layer's own backoff does the retrying
    sender = build_sender(config, sessions, backoff=Backoff(attempts=1, base=0.0, sleep=lambda s: None))
    # The days are walked through by hand; claims and backoff run on the real clock, shared by both processes
    # (as two instances in production share the wall clock). Backoff is shortened to milliseconds.
    planner = Planner(sessions, sender, cards=lambda *a: [],
                      policy=RetryPolicy(max_attempts=30, base_seconds=0.02, factor=1.5, cap_seconds=0.2, claim_seconds=30))
    day = date(2022, 12, 1)
    while day <= date(2023, 1, 20):
        planner.run_day(day)
        planner.retry_due()
        day += timedelta(days=1)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (planner.retry_due() or planner.delivery.due_keys() or _open(sessions)):
        time.sleep(0.05)
    engine.dispose()


def _open(sessions) -> int:
    from sqlalchemy import func, select

    from bot.models import ReminderDelivery

    with sessions() as s:
        return s.scalar(select(func.count()).select_from(ReminderDelivery)
                        .where(ReminderDelivery.status.in_(("pending", "failed", "sending"))))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
