"""Photos and files a platform only references (WeChat Work MediaId, DingTalk downloadCode): fetched into the
media store before the conversation core sees the message, the same way for every channel.

A channel gives a `download(media_id, save)` (its push client's, through the cached access token) and the
platform's name for the friendly line; everything else is here: the 60 s deadline on top of the client's
per-read timeouts, the size limit and cleaned names of `MediaStore`, what a failure is called, and the
message's `media` (`path`, `filename`, `size`, or `error`). A failed download never loses the message: it is
stored with `media["error"]`, no evidence is attached (handlers/evidence.py), and the reply stored for it is the
friendly apology, so a platform retry of the same message gets the apology again and a later resend that
downloads attaches once. A message already stored (a platform retry) is not downloaded again.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator

from ..media import CONTENT_TYPE_EXT, MediaStore, MediaTooLarge, sanitise
from ..messages import Inbound, Reply

log = logging.getLogger("bot.platforms")

MEDIA_KINDS = ("image", "file")
MEDIA_DEADLINE = 60.0  # seconds for a whole download; each read also has its own timeout

# download(media_id, save) -> whatever save returned; save(chunks, filename from the platform, content type)
Save = Callable[[Iterator[bytes], str, str], Any]
Download = Callable[[str, Save], Any]


def _bounded_in_time(chunks: Iterable[bytes], seconds: float) -> Iterator[bytes]:
    deadline = time.monotonic() + seconds
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise TimeoutError("media download too slow")
        yield chunk


def downloader(client: Any) -> Download | None:
    """The platform client's `download_media` when that client is configured, else None (nothing is fetched)."""
    if client is None or not client.enabled:
        return None
    return client.download_media


def fetch_media(inbound: Inbound, download: Download | None, store: MediaStore, *, platform: str,
                deadline: float = MEDIA_DEADLINE) -> Inbound:
    """The inbound with media["path"], or with media["error"] (what the evidence handler apologises for, in the
    words of templates/replies/media_sorry.j2). Never raises."""
    media = dict(inbound.media or {})
    media_id = media.get("media_id")
    if inbound.kind not in MEDIA_KINDS or not media_id:
        return inbound
    if download is None:  # no app secret configured: the file cannot be had, so it is no evidence
        return _failed(inbound, media, platform, "未配置应用接口，无法下载", "no_client")

    def save(chunks: Iterator[bytes], header_name: str, ctype: str):
        ext = CONTENT_TYPE_EXT.get(ctype, ".jpg" if inbound.kind == "image" else "")
        name = sanitise(media.get("filename") or header_name, f"{inbound.kind}{ext}")
        dest = store.path_for(inbound.channel, inbound.dedup_key, name)
        return dest, name, store.save_chunks(_bounded_in_time(chunks, deadline), dest)

    try:
        path, name, size = download(media_id, save)
    except MediaTooLarge:
        why, code = f"超过 {store.max_bytes // (1024 * 1024)} MB", "too_large"
    except TimeoutError:
        why, code = "下载超时", "timeout"
    except OSError:
        log.exception("could not save media of %s message %s", inbound.channel, inbound.dedup_key)
        why, code = "保存失败", "save_failed"
    except Exception as exc:  # PlatformError and anything the HTTP layer throws
        log.warning("media download for %s message %s failed: %s", inbound.channel, inbound.dedup_key, exc)
        why, code = "下载失败", "download_failed"
    else:
        media.update(path=str(path), filename=name, size=size)
        return replace(inbound, media=media)
    return _failed(inbound, media, platform, why, code)


def _failed(inbound: Inbound, media: dict, platform: str, why: str, code: str) -> Inbound:
    """The message as the core stores it: media["error"] tells the evidence handler there is nothing to attach
    (it answers with the apology, which becomes the stored reply a platform retry gets again)."""
    media.update(error=code, error_text=why, platform=platform)
    return replace(inbound, media=media)


def already_stored(conversation: Any, inbound: Inbound) -> bool:
    """True when this message (channel + dedup key) is stored already: a platform retry, nothing to fetch."""
    find = getattr(conversation, "find", None)
    if find is None:
        return False
    try:
        return find(inbound.channel, inbound.dedup_key) is not None
    except Exception:  # the database is down: the core says so in its own words; fetching does no harm
        log.exception("could not look up %s message %s before fetching its media", inbound.channel, inbound.dedup_key)
        return False


def handle_with_media(channel: Any, inbound: Inbound, download: Download | None, *, platform: str) -> Reply:
    """Text goes straight to the core; an image/file is fetched first (the caller's window covers both).

    `channel` has `conversation` (its `find` recognises a retry), `config`, `media_store` (None: built from the
    config on first use) and `media_deadline`. When the download failed the core still stores the
    message (with media["error"]) and the person gets the friendly line instead of the core's answer; a retry
    of a stored message goes straight to the core, which answers it as a duplicate."""
    if inbound.kind not in MEDIA_KINDS or already_stored(channel.conversation, inbound):
        return channel.conversation.handle(inbound)
    if channel.media_store is None:
        channel.media_store = MediaStore.from_config(channel.config)
    inbound = fetch_media(inbound, download, channel.media_store, platform=platform, deadline=channel.media_deadline)
    return channel.conversation.handle(inbound)  # a failed download: the core answers (and stores) the apology
