"""Where photos and files people send are kept: one directory per message under var/media/ (configurable).

A platform or browser filename is never trusted: it is reduced to a plain, short base name (letters, digits,
CJK, `.-_`), and the directory comes from a hash of the channel and the message's dedup key, so a name
cannot climb out of the media root and a platform retry writes the same place again. Writes go to a
temporary file first and are renamed into place only when complete and within the size limit.
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

DEFAULT_DIR = "var/media"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
UPLOAD_EXTENSIONS = frozenset({".xlsx", ".csv", ".jpg", ".jpeg", ".png", ".pdf", ".docx"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})
CONTENT_TYPE_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "application/pdf": ".pdf",
                    "text/csv": ".csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
_UNSAFE = re.compile(r"[^\w.\-()（）\u4e00-\u9fff]+")
MAX_NAME = 100
CHUNK = 64 * 1024


class MediaTooLarge(Exception):
    """The file is larger than the store accepts (nothing is left on disk)."""


def sanitise(name: str | None, fallback: str = "file") -> str:
    """A safe base name: no directories, no control characters, no leading dot, at most MAX_NAME characters.

    The extension is kept (ASCII letters and digits only); a name without one takes the fallback's."""
    base = unicodedata.normalize("NFKC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    stem, ext = os.path.splitext(base)
    fb_stem, fb_ext = os.path.splitext(fallback)
    ext = re.sub(r"[^0-9A-Za-z]", "", ext)[:10].lower() or fb_ext.lstrip(".")
    stem = re.sub(r"_+", "_", _UNSAFE.sub("_", stem)).strip("._ ")[:MAX_NAME - 11].rstrip("._ ") or fb_stem
    return stem + (f".{ext}" if ext else "")


def is_web_url(value: object) -> bool:
    """An http(s) URL (WeChat Work's PicUrl), as opposed to a local path under the media directory."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


@dataclass(frozen=True)
class MediaStore:
    root: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def from_config(cls, config: object | None = None) -> "MediaStore":
        """config.extra["media_dir"] / ["media_max_mb"], or the settings' ZHIBU_MEDIA_DIR / ZHIBU_MEDIA_MAX_MB
        (this config's when it is the settings object, else the process's)."""
        from .config import Config, settings

        extra = dict(getattr(config, "extra", None) or {})
        found = config if isinstance(config, Config) and config.media_dir else settings()
        root = extra.get("media_dir") or found.media_dir or DEFAULT_DIR
        mb = extra.get("media_max_mb") or found.media_max_mb
        try:
            max_bytes = int(float(mb) * 1024 * 1024) if mb else DEFAULT_MAX_BYTES
        except ValueError:
            max_bytes = DEFAULT_MAX_BYTES
        return cls(Path(root), max_bytes)

    def path_for(self, channel: str, dedup_key: str, filename: str | None, fallback: str = "file") -> Path:
        """root/<channel>/<hash of the message>/<sanitised name>."""
        digest = hashlib.sha256(f"{channel}\0{dedup_key}".encode()).hexdigest()[:24]
        return self.root / sanitise(channel, "channel") / digest / sanitise(filename, fallback)

    def save_chunks(self, chunks: Iterable[bytes], dest: Path) -> int:
        """Write chunks to `dest` (atomically); MediaTooLarge past max_bytes. Returns the size."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{uuid.uuid4().hex}.part")
        size = 0
        try:
            with open(tmp, "wb") as fh:
                for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaTooLarge(f"more than {self.max_bytes} bytes")
                    fh.write(chunk)
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                tmp.unlink()
        return size

    def save_stream(self, stream: BinaryIO, dest: Path) -> int:
        return self.save_chunks(iter(lambda: stream.read(CHUNK), b""), dest)
