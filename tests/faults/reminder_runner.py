"""A reminder sender that SIGKILLs itself at one chosen step: `zhibu scheduler` or `zhibu remind --date D`.

Usage: python tests/faults/reminder_runner.py scheduler|remind [DAY]
Environment: ZHIBU_DATABASE_URL; FAULT=<step>:<n> kills the process at the n-th time it reaches <step>:
  before_claim  a reminder row is about to be claimed
  after_claim   a reminder row was just claimed (nothing sent yet)
  during_call   an HTTP call to the robot is on its way (killed while the robot is still answering)
  after_answer  the robot accepted a message, before that was committed as sent
Claims, the lease and the backoff are shortened to seconds so a take-over happens within the test.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import bot.platforms  # noqa: E402
from bot.push import http as push_http, outbox as push_outbox  # noqa: E402
from bot.reminders import delivery  # noqa: E402

CLAIM = 2.0
_seen: dict[str, int] = {}


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def _reached(step: str) -> bool:
    want, _, n = os.environ.get("FAULT", "").partition(":")
    if want != step:
        return False
    _seen[step] = _seen.get(step, 0) + 1
    return _seen[step] == int(n or 1)


def install_faults() -> None:
    claim, request, finish = delivery.Delivery._claim, push_http.Http.request, push_outbox.Outbox._finish

    def _claim(self, key, force=False):
        if _reached("before_claim"):
            _die()
        took = claim(self, key, force)
        if took and _reached("after_claim"):
            _die()
        return took

    def _request(self, method, url, platform, **kwargs):
        if _reached("during_call"):
            threading.Timer(0.15, _die).start()  # the fake robot takes 0.4 s to answer
        return request(self, method, url, platform, **kwargs)

    def _finish(self, key, status, attempts, error):
        if status == "sent" and _reached("after_answer"):
            _die()
        return finish(self, key, status, attempts, error)

    delivery.Delivery._claim = _claim
    push_http.Http.request = _request
    push_outbox.Outbox._finish = _finish


def short_timeouts() -> None:
    delivery.RetryPolicy = functools.partial(delivery.RetryPolicy, max_attempts=1000, base_seconds=0.3,
                                             factor=1.5, cap_seconds=1.0, claim_seconds=CLAIM)
    push_outbox.Outbox.CLAIM_SECONDS = CLAIM
    original = bot.platforms.build_sender

    def build(config, sessions, **kwargs):
        kwargs.setdefault("backoff", push_outbox.Backoff(attempts=2, base=0.2))
        return original(config, sessions, **kwargs)

    bot.platforms.build_sender = build


def main() -> None:
    install_faults()
    short_timeouts()
    if sys.argv[1] == "scheduler":
        from bot.config import Config
        from bot.scheduler import from_config

        sched = from_config(Config.from_env(env_file=None), heartbeat=0.3, lease_ttl=2.0, retry_every=1,
                            policy=delivery.RetryPolicy())
        print("holder", sched.lease.holder, flush=True)
        sched.run_forever()
    else:
        from bot.commands.remind_cmd import remind

        remind.main(["--date", sys.argv[2]], standalone_mode=True)


if __name__ == "__main__":
    main()
