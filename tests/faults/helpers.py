"""Fault-test kit: real-time signed callbacks, a seeded roster, a gunicorn on a free port, a throwaway PostgreSQL."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from glob import glob
from pathlib import Path
from urllib.parse import urlencode

from bot.platforms.wecom.protocol import WecomCrypto, signature
from bot.models import Branch, Group, Organisation, Person
from tests.support.channels import CRED

ROOT = Path(__file__).resolve().parents[2]
W = CRED["wecom"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_roster(sessions, n: int = 20) -> list[str]:
    """One organisation, one group, n branches each with a secretary; returns their WeChat Work accounts."""
    with sessions() as s:
        from datetime import date

        from bot.store import evaluation_year

        org = Organisation(name="故障测试综合党委", rubric_id="seed000", year=evaluation_year(date.today()))
        s.add(org)
        s.flush()
        group = Group(org_id=org.id, name="第一党建协作组")
        s.add(group)
        s.flush()
        accounts = []
        for i in range(n):
            b = Branch(org_id=org.id, group_id=group.id, name=f"故障测试第{i}支部")
            s.add(b)
            s.flush()
            accounts.append(f"fault-sec-{i}")
            s.add(Person(org_id=org.id, name=f"书记{i}", role="secretary", branch_id=b.id, group_id=group.id,
                         wecom_userid=accounts[-1]))
        s.commit()
    return accounts


def wecom_env() -> dict:
    return {"ZHIBU_WECOM_CORP_ID": W["corp_id"], "ZHIBU_WECOM_TOKEN": W["token"], "ZHIBU_WECOM_AES_KEY": W["aes_key"],
            "ZHIBU_WECOM_SECRET": "fault-secret", "ZHIBU_WECOM_AGENT_ID": W["agent_id"]}


def signed_callback(text: str, msg_id: int, user: str, now: int | None = None) -> tuple[str, bytes]:
    """(path?query, body) of a text callback signed with the current time, as WeChat Work sends it."""
    now = int(time.time()) if now is None else now
    crypto = WecomCrypto(W["token"], W["aes_key"], W["corp_id"])
    inner = (f"<xml><ToUserName><![CDATA[{W['corp_id']}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
             f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
             f"<MsgId>{msg_id}</MsgId><AgentID>{W['agent_id']}</AgentID></xml>")
    nonce = f"n{msg_id % 10**9}"
    sealed = crypto.seal(inner, nonce=nonce, timestamp=str(now))
    encrypt = sealed.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
    body = f"<xml><ToUserName><![CDATA[{W['corp_id']}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    query = urlencode({"msg_signature": signature(W["token"], str(now), nonce, encrypt), "timestamp": now, "nonce": nonce})
    return f"/wecom/callback?{query}", body.encode()


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return sorted(out)


class Gunicorn:
    """`gunicorn -c python:bot.gunicorn_conf bot.wsgi:app` on 127.0.0.1:<free port>, stopped by its own pid."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 2, log: Path) -> None:
        self.port = free_port()
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:bot.gunicorn_conf", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "bot.wsgi:app"],
            cwd=ROOT, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT)
        self.workers = workers

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"gunicorn exited with {self.proc.returncode}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                    if r.status == 200 and len(children(self.proc.pid)) >= self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not become ready")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def pg_bin() -> Path | None:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    exe = shutil.which("pg_ctl")
    return Path(exe).parent if exe else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own in a temp dir on a free port: safe to stop and start (never the shared one).

    As root, the server runs as the `postgres` system user (initdb refuses root).
    """

    def __init__(self, base: Path) -> None:
        self.bin = pg_bin()
        self.base = base
        self.data = base / "data"
        self.port = free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(self.prefix + list(args), capture_output=True, text=True, timeout=60, check=check)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self.start()

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "pg.log"), "-w", "-t", "30",
                  "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
