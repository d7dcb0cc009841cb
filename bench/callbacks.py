"""WeChat Work callbacks end to end: gunicorn (`bot/gunicorn_conf.py`) + PostgreSQL, beside a bare Flask endpoint.

Each request is a real callback: a distinct MsgId, one of 1,000 distinct secretaries of a generated
committee (50 activities per branch), encrypted and signed as WeChat Work does it; the app verifies,
decrypts, dedups, stores, parses, runs the handler (records and score / progress queries), renders and
seals the passive reply. The bodies are built before the clock starts.

Measured in one run, one server at a time on the same machine:
  1. the app at a fixed 200 requests/s for 20 s (open loop: latency from each request's due time),
  2. the app's throughput ceiling (closed loop, 8 connections, 10 s),
  3. the bare Flask endpoint under the same gunicorn settings: throughput ceiling and the same fixed rate.
Target (bench/README.md): p99 < 50 ms at 200 requests/s, throughput ≥ 50 % of the bare endpoint's.

Run: .venv/bin/python bench/callbacks.py [--rate 200] [--seconds 20] [--workers N] [--threads N]
"""
from __future__ import annotations

import argparse
import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, generate_committee, machine, pg_schema  # noqa: E402
from loadgen import build_request, closed_loop, fixed_rate  # noqa: E402

CORP_ID = "wwbench00000000001"
TOKEN = "benchCallbackToken"
AES_KEY = base64.b64encode(bytes(range(32))).decode()[:-1]
USERS = 1000
TEXTS = ("{m}月{d}日开了支委会，应到{e}人，实到{p}人", "今天开了党小组会，应到{e}人实到{p}人", "我们支部现在多少分",
         "{m}月{d}日召开支部党员大会，应到{e}人，实到{p}人", "我的党课还差几次")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (the gunicorn master and its workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Gunicorn:
    """gunicorn with the app's own config file on 127.0.0.1; stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, target: str, env: dict, *, workers: int | None = None, threads: int | None = None,
                 log: Path | None = None, worker_class: str | None = None) -> None:
        self.port = free_port()
        cmd = [sys.executable, "-m", "gunicorn", "-c", "python:bot.gunicorn_conf", "--bind", f"127.0.0.1:{self.port}"]
        if workers:
            cmd += ["--workers", str(workers)]
        if threads:
            cmd += ["--threads", str(threads)]
        if worker_class:
            cmd += ["--worker-class", worker_class]
        self.log = open(log or os.devnull, "ab")
        self.proc = subprocess.Popen(cmd + [target], cwd=ROOT, env={**os.environ, **env}, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def cpu(self) -> float:
        return proc_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def callbacks(n: int, port: int, org_id: int, start_id: int = 1) -> list[bytes]:
    """n distinct, encrypted and signed text callbacks from USERS secretaries, as full HTTP requests."""
    from bot.platforms.wecom.protocol import WecomCrypto, signature

    crypto = WecomCrypto(TOKEN, AES_KEY, CORP_ID)
    now = int(time.time())
    out = []
    for i in range(start_id, start_id + n):
        user = f"bench-sec-{org_id}-{i % USERS}"
        e = 8 + i % 20
        text = TEXTS[i % len(TEXTS)].format(m=1 + i % 11, d=1 + i % 27, e=e, p=e - i % 3)
        inner = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
                 f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
                 f"<MsgId>{7_000_000_000_000_000_000 + i}</MsgId><AgentID>1000002</AgentID></xml>")
        nonce = f"{i:010d}"
        sealed = crypto.seal(inner, nonce=nonce, timestamp=str(now))
        encrypt = sealed.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
        body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        query = urlencode({"msg_signature": signature(TOKEN, str(now), nonce, encrypt), "timestamp": now, "nonce": nonce})
        out.append(build_request(f"/wecom/callback?{query}", body.encode(), port))
    return out


def app_env(url: str) -> dict:
    return {"ZHIBU_DATABASE_URL": url, "ZHIBU_DEMO": "0", "ZHIBU_SCHEDULER": "0", "ZHIBU_WECOM_CORP_ID": CORP_ID,
            "ZHIBU_WECOM_TOKEN": TOKEN, "ZHIBU_WECOM_AES_KEY": AES_KEY, "ZHIBU_WECOM_SECRET": "bench",
            "ZHIBU_WECOM_AGENT_ID": "1000002", "ZHIBU_WECOM_API_BASE": f"http://127.0.0.1:{free_port()}",
            "ZHIBU_DINGTALK_APP_SECRET": "", "ZHIBU_LOG_LEVEL": "warning"}


def run(rate: float, seconds: float, workers: int | None, threads: int | None, ceiling_s: float = 10.0,
        app_only: bool = False, worker_class: str | None = None) -> dict:
    from sqlalchemy import func, select

    from bot.db import create_schema, make_engine, make_session_factory
    from bot.models import ActivityRecord, InboundMessage

    print(machine())
    out: dict = {}
    with pg_schema("bench_callbacks") as url:
        engine = make_engine(url)
        create_schema(engine)
        org_id = generate_committee(engine, USERS, people=True, seed=7)
        logs = ROOT / "var" / "bench"
        logs.mkdir(parents=True, exist_ok=True)
        app = Gunicorn("bot.wsgi:app", app_env(url), workers=workers, threads=threads, log=logs / "callbacks-app.log",
                       worker_class=worker_class)
        try:
            n_fixed = int(rate * seconds)
            t0 = time.perf_counter()
            warm = callbacks(300, app.port, org_id, start_id=1)
            fixed = callbacks(n_fixed, app.port, org_id, start_id=1_000)
            ceiling = callbacks(int(ceiling_s * 600), app.port, org_id, start_id=100_000)
            print(f"built {len(warm) + len(fixed) + len(ceiling)} encrypted callbacks in {time.perf_counter() - t0:.1f} s "
                  f"(before any clock starts)")
            closed_loop(app.port, warm, concurrency=4, duration=30)
            cpu0 = app.cpu()
            res = fixed_rate(app.port, fixed, rate)
            out["app_fixed"] = res
            used = app.cpu() - cpu0
            print(f"app   @ {rate:.0f}/s: {res.summary()}; server CPU {used:.1f} s "
                  f"({used / max(1, len(fixed)) * 1000:.1f} ms per callback, PostgreSQL not included); "
                  f"load average {os.getloadavg()[0]:.1f}")
            cpu0 = app.cpu()
            res = closed_loop(app.port, ceiling, concurrency=8, duration=ceiling_s)
            out["app_ceiling"] = res
            print(f"app   ceiling: {res.summary()}; server CPU {app.cpu() - cpu0:.1f} s")
        finally:
            app.stop()
        with make_session_factory(engine)() as s:
            stored = s.scalar(select(func.count()).select_from(InboundMessage))
            handled = s.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.status != "received"))
            failed = s.scalar(select(func.count()).select_from(InboundMessage).where(InboundMessage.status == "failed"))
            records = s.scalar(select(func.count()).select_from(ActivityRecord).where(ActivityRecord.message_id.is_not(None)))
        out["stored"] = stored
        print(f"database: {stored} callbacks stored, {handled} handled, {failed} failed, {records} activity records created")
        engine.dispose()
    if app_only:
        print(f"targets: p99 at {rate:.0f}/s = {out['app_fixed'].pct(99) * 1000:.1f} ms (< 50 ms); "
              f"app ceiling {out['app_ceiling'].throughput:.0f}/s (bare endpoint not measured: --app-only)")
        return out
    bare = Gunicorn("bench.bare_app:app", {"ZHIBU_SCHEDULER": "0", "ZHIBU_LOG_LEVEL": "warning"}, workers=workers,
                    threads=threads, worker_class=worker_class)
    try:
        reqs = callbacks(int(ceiling_s * 4000), bare.port, 0, start_id=1)
        closed_loop(bare.port, reqs[:300], concurrency=4, duration=10)
        cpu0 = bare.cpu()
        res = closed_loop(bare.port, reqs, concurrency=8, duration=ceiling_s)
        out["bare_ceiling"] = res
        print(f"bare  ceiling: {res.summary()}; server CPU {bare.cpu() - cpu0:.1f} s")
        res = fixed_rate(bare.port, reqs[:n_fixed], rate)
        out["bare_fixed"] = res
        print(f"bare  @ {rate:.0f}/s: {res.summary()}")
    finally:
        bare.stop()
    a, b = out["app_fixed"], out["app_ceiling"].throughput / out["bare_ceiling"].throughput
    print(f"targets: p99 at {rate:.0f}/s = {a.pct(99) * 1000:.1f} ms (< 50 ms); app ceiling {out['app_ceiling'].throughput:.0f}/s "
          f"= {b * 100:.0f} % of bare {out['bare_ceiling'].throughput:.0f}/s (≥ 50 %)")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--app-only", action="store_true", help="skip the bare endpoint (quicker, for comparing app changes)")
    ap.add_argument("--worker-class", default=None, help="gunicorn worker class (default: bot/gunicorn_conf.py's)")
    args = ap.parse_args()
    run(args.rate, args.seconds, args.workers, args.threads, app_only=args.app_only, worker_class=args.worker_class)
