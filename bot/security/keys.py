"""The app's secret key: set by ZHIBU_SECRET_KEY, else generated once and kept under var/ (mode 0600).

There is no built-in key: anything signed with a key printed in the source (login links, session cookies,
file links) could be forged by anyone who has read it. Rotating the key (a new ZHIBU_SECRET_KEY, or deleting
the file) ends every signed link and session; nothing else is lost.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 48
MIN_LENGTH = 32
# Keys that earlier versions shipped or documented: refused everywhere (`zhibu doctor`, `zhibu serve`).
KNOWN_PUBLIC_KEYS = frozenset({"dev-only-change-me", "CHANGE_ME_LONG_RANDOM", "change-me", "secret", "test-secret"})


def key_file(secret_key_file: str | None = None, var_dir: str = "var") -> Path:
    """ZHIBU_SECRET_KEY_FILE, else <ZHIBU_VAR_DIR>/secret_key (next to the default SQLite database); the settings
    (bot/config.py) pass both."""
    return Path(secret_key_file or Path(var_dir or "var") / "secret_key")


def load_or_create(path: Path | None = None) -> str:
    """The key kept in `path`, created (random, 0600, atomically: two processes starting at once agree) if absent."""
    path = path or key_file()
    try:
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(KEY_BYTES)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    try:
        os.link(tmp, path)  # fails if another process made it first: then theirs is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()


def weakness(key: str | None) -> str | None:
    """Why a key is unsafe (a Chinese sentence for `doctor`), or None."""
    if not key:
        return "没有设置密钥"
    if key in KNOWN_PUBLIC_KEYS:
        return "密钥是源码或文档里公开过的值"
    if len(key) < MIN_LENGTH:
        return f"密钥太短（{len(key)} 个字符，至少 {MIN_LENGTH} 个）"
    return None
