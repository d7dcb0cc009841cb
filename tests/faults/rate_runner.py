"""One process of the shared rate-limit test: N robot messages to one chat through bot/push/'s default limiter.

Usage: python tests/faults/rate_runner.py DB_URL API_BASE TARGET_ID NAME N LIMIT WINDOW
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.config import Config  # noqa: E402
from bot.db import make_engine, make_session_factory  # noqa: E402
from bot.platforms import build_sender  # noqa: E402
from bot.push.outbox import Backoff  # noqa: E402
from bot.push.ratelimit import SharedRateLimiter  # noqa: E402


def main(url: str, base: str, target: int, name: str, n: int, limit: int, window: float) -> None:
    config = Config.from_env(env_file=None, database_url=url, wecom_api_base=base, web_chat="off")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    # one attempt: a refusal by the robot's own limit shows as a failed row instead of being retried away
    sender = build_sender(config, sessions, limiter=SharedRateLimiter(sessions, limit, window),
                                  backoff=Backoff(attempts=1))
    for i in range(n):
        sender.send_to_target(target, f"{name} 第{i}条", key=f"rate:{name}:{i}")
    engine.dispose()


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), a[3], int(a[4]), int(a[5]), float(a[6]))
