"""gunicorn settings for `zhibu serve` (`gunicorn -c python:bot.gunicorn_conf bot.wsgi:app`).

Why each setting:
- `preload_app`: the app (jieba's dictionaries, rubrics, schema check, demo seed) is built once in the
  master, and the workers are forked from it: cold start is paid once, memory pages are shared.
- before each fork the master freezes the preloaded objects out of the cyclic GC's reach (`pre_fork`:
  `gc.freeze()`): a worker's full collection no longer walks jieba's dictionaries and the mappers (≈ 65 ms).
- after the fork each worker drops the database connections it inherited (`engine.dispose(close=False)`):
  two processes must never share one socket to PostgreSQL.
- `timeout` 30 s: a callback answers within WeChat Work's 5 s window (the conversation's budget is 3.5 s,
  the rest goes through the send API), so a worker silent for 30 s is stuck, not busy; it is killed and
  replaced, and the platform's retry of that message is recognised by the (channel, dedup_key) constraint.
- the reminder scheduler (bot/scheduler.py) runs in every worker when ZHIBU_SCHEDULER is on (`zhibu serve`
  sets it unless `--no-scheduler`); the database lease makes exactly one of them, on all machines
  together, the leader. It is started after the fork, so each worker has its own lease holder id.

Every value can be overridden by the environment (ZHIBU_BIND, ZHIBU_WORKERS, ZHIBU_THREADS, …) or by
gunicorn's own command-line flags, which win over this file.
"""
from __future__ import annotations

import gc
import multiprocessing
import os

from bot.config import settings

_settings = settings()  # ZHIBU_BIND, ZHIBU_WORKERS, … (bot/config.py); read again on a reload (SIGHUP)
bind = _settings.bind
workers = _settings.workers or max(2, multiprocessing.cpu_count() * 2)
# gthread: a request waiting on PostgreSQL does not hold the whole worker (default 2 threads per worker).
worker_class = _settings.worker_class
threads = _settings.threads
preload_app = True
timeout = _settings.worker_timeout
graceful_timeout = 20
keepalive = 5  # nginx keeps upstream connections open (deploy/nginx-zhibu.conf: keepalive 32)
backlog = 512
# Recycle workers now and then so a slow leak in a dependency can never grow without bound.
max_requests = _settings.max_requests
max_requests_jitter = max_requests // 10
# Small, bounded request lines and headers: callbacks carry a few query parameters only.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = _settings.access_log  # "-" for stdout; off by default (cost per request)
errorlog = "-"
loglevel = _settings.log_level
proc_name = "zhibu"
forwarded_allow_ips = _settings.forwarded_allow_ips


def _runtime(worker):
    app = getattr(worker, "wsgi", None)
    ext = getattr(app, "extensions", None) or {}
    return ext.get("zhibu")


def scheduler_wanted() -> bool:
    return _settings.scheduler


# This file is read before the app is preloaded. bot/app.py starts a scheduler when ZHIBU_SCHEDULER=1, which
# under preload would be the master (its thread is not inherited by the workers, and the master must stay
# lean). So the decision is taken here and the master's app is built with the scheduler off; each worker
# starts its own after the fork (post_worker_init).
# Kept in ZHIBU_SCHEDULER_IN_WORKERS so that a reload (SIGHUP reads this file again) decides the same way: these
# environment writes are the master's hand-over to the app it preloads, not settings (bot/config.py reads those).
os.environ.setdefault("ZHIBU_SCHEDULER_IN_WORKERS", "1" if scheduler_wanted() else "0")
SCHEDULER_IN_WORKERS = os.environ["ZHIBU_SCHEDULER_IN_WORKERS"] == "1"
os.environ["ZHIBU_SCHEDULER"] = "0"


def pre_fork(server, worker) -> None:
    """Freeze what the preloaded app built (jieba's dictionaries, rubrics, templates, SQLAlchemy's mappers) into
    the permanent generation before a worker is forked: the cyclic GC never walks it again. Unfrozen, each full
    collection in a worker walked those objects (≈ 65 ms measured on the built app, 0.002 ms once frozen): a
    stall of that worker, and of every callback queued behind it, whenever a full collection ran. It also keeps
    the shared pages shared (a collection writes to every object's header)."""
    gc.freeze()


def post_fork(server, worker) -> None:
    """The connections the master opened while building the app are not this worker's to use."""
    app = getattr(server.app, "callable", None)  # set by preload_app; None when the app loads after the fork
    runtime = (getattr(app, "extensions", None) or {}).get("zhibu")
    if runtime is not None:
        runtime.engine.dispose(close=False)


def post_worker_init(worker) -> None:
    """Start this worker's scheduler heartbeat and, in DingTalk Stream mode, its stream lease heartbeat; the
    database leases decide which worker leads and which one holds the one stream connection."""
    runtime = _runtime(worker)
    if runtime is None:
        return
    from bot.platforms import start_connections

    start_connections(runtime)
    if not SCHEDULER_IN_WORKERS:
        return
    from bot.scheduler import ReminderScheduler

    sched = ReminderScheduler(runtime.config, runtime.engine, runtime.sessions, runtime.services["sender"],
                              conversation=runtime.services.get("conversation"))
    runtime.services["scheduler"] = sched
    sched.start()


def worker_exit(server, worker) -> None:
    """Let go of the lease at once on a clean stop, so another worker or machine takes over without waiting."""
    runtime = _runtime(worker)
    stream = runtime.services.get("dingtalk_stream") if runtime is not None else None
    if stream is not None:
        stream.stop()  # lets go of the stream lease: another worker reconnects at its next beat
    sched = runtime.services.get("scheduler") if runtime is not None else None
    if sched is not None:
        try:
            sched.stop()
        except Exception:  # pragma: no cover - shutting down anyway
            server.log.exception("could not stop the scheduler")
    background = runtime.services.get("background") if runtime is not None else None
    if background is not None:
        background.join(timeout=10)  # late replies already promised to users
