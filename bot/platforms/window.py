"""Answer inside the platform's callback window, or hand the answer to the send API afterwards.

WeChat Work drops a callback that takes longer than 5 s (and retries it). `within_window` runs the work on
a small thread pool and waits up to `budget` seconds: when it finishes in time the caller replies
passively; when it does not, the caller answers an empty 200 and `late` is called with the result as soon
as the work is done, exactly once, from the worker thread. No race: a lock decides which side wins.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")
log = logging.getLogger("bot.platforms")


class Background:
    """A lazily created, fork-aware thread pool (gunicorn forks after the app is built)."""

    def __init__(self, workers: int = 8) -> None:
        self._workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._pending: set[Future] = set()

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="zhibu-bg")
                    self._pid = os.getpid()
                    self._pending = set()
        return self._pool

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> Future:
        fut = self._executor().submit(_logged, fn, *args, **kwargs)
        with self._lock:
            self._pending.add(fut)
        fut.add_done_callback(self._done)
        return fut

    def _done(self, fut: Future) -> None:
        with self._lock:
            self._pending.discard(fut)

    def join(self, timeout: float = 10.0) -> bool:
        """Wait for queued work (tests, shutdown). True when nothing is left."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            for fut in pending:
                try:
                    fut.result(timeout=max(0.0, deadline - time.monotonic()))
                except Exception:
                    pass
        with self._lock:
            return not self._pending


def _logged(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Exception:
        log.exception("background task failed")
        raise


def within_window(bg: Background, work: Callable[[], T], late: Callable[[T], None], budget: float) -> tuple[bool, T | None]:
    """(True, result) when `work` finished within `budget` seconds, else (False, None) and `late(result)` later."""
    state = {"late": False}
    lock = threading.Lock()
    done = threading.Event()
    box: dict = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised on the waiting side
            box["error"] = exc
        with lock:
            if not state["late"]:
                done.set()
                return
        if "result" in box:
            late(box["result"])
        else:
            log.error("late work failed: %s", type(box.get("error")).__name__)

    bg.submit(run)
    finished = done.wait(budget)
    with lock:
        if not finished and not done.is_set():
            state["late"] = True
            return False, None
    if "error" in box:
        raise box["error"]
    return True, box["result"]
