"""What every platform client shares: HTTP with timeouts, the classified `PlatformError`, and log redaction.

A platform call either succeeds or raises `PlatformError` with an action — retry later, refresh the access
token, or give up — which is all the outbox needs to know (bot/push/outbox.py). Secrets (corp secret, app
secret, robot keys, access tokens, signatures) never reach a log line: `install_redaction` scrubs query strings
in library loggers (urllib3, werkzeug) and ours.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Any, Callable, Iterator
from urllib.parse import unquote

import requests

# ---------------------------------------------------------------------------------------------------------
# redaction

_SECRET_PARAMS = re.compile(
    r"((?:access_token|corpsecret|appsecret|appSecret|secret|key|sign|session|echostr|msg_signature|Signature|"
    r"OSSAccessKeyId|security-token)=)[^&\s\"']+",
)


def redact(text: str) -> str:
    return _SECRET_PARAMS.sub(r"\1***", text)


class RedactFilter(logging.Filter):
    """Scrubs secret query parameters from a record's message (library loggers print whole URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not our business here
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_REDACTED_LOGGERS = ("urllib3.connectionpool", "werkzeug", "bot", "bot.push", "bot.platforms",
                     "bot.platforms.wecom", "bot.platforms.dingtalk", "bot.platforms.web",
                     "bot.platforms.dingtalk.stream", "gunicorn.access")


def install_redaction() -> None:
    for name in _REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


# ---------------------------------------------------------------------------------------------------------
# platform errors

RETRY, REFRESH, FAIL = "retry", "refresh", "fail"
RATE_LIMIT_CODES = {45009, 130101, 45033, 90018}


class PlatformError(Exception):
    def __init__(self, platform: str, code: int | str, message: str, action: str) -> None:
        super().__init__(f"{platform} error {code}: {message}")
        self.platform, self.code, self.message, self.action = platform, code, message, action

    @property
    def rate_limited(self) -> bool:
        try:
            return int(self.code) in RATE_LIMIT_CODES
        except (TypeError, ValueError):
            return str(self.code).lower().startswith(("throttl", "forbidden.accessdenied.qps"))


# ---------------------------------------------------------------------------------------------------------
# HTTP

class Http:
    """requests with timeouts and one session per thread; answers parsed as JSON."""

    def __init__(self, timeout: tuple[float, float] = (3.0, 10.0)) -> None:
        install_redaction()  # urllib3 logs whole URLs (access_token=…) at DEBUG
        self.timeout = timeout
        self._local = threading.local()

    def _session(self) -> requests.Session:
        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
        return s

    def request(self, method: str, url: str, platform: str, **kwargs) -> tuple[int, Any]:
        try:
            resp = self._session().request(method, url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise PlatformError(platform, "network", type(exc).__name__, RETRY) from None
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 500 and not isinstance(data, dict):
            raise PlatformError(platform, resp.status_code, "server error", RETRY)
        return resp.status_code, data

    def stream(self, url: str, platform: str, *, timeout: tuple[float, float], **kwargs) -> requests.Response:
        """A GET whose body is read in chunks (media downloads); a network failure is a PlatformError."""
        try:
            return self._session().get(url, timeout=timeout, stream=True, **kwargs)
        except requests.RequestException as exc:
            raise PlatformError(platform, "network", type(exc).__name__, RETRY) from None


MEDIA_TIMEOUT = (3.0, 10.0)  # connect, each read: a download's whole deadline is the caller's `save`


def save_streamed(resp: requests.Response, save: Callable[[Iterator[bytes], str, str], Any], platform: str) -> Any:
    """Hand a streamed file answer to `save(chunks, filename from Content-Disposition, content type)`."""
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", resp.headers.get("Content-Disposition", ""))
    try:
        return save(resp.iter_content(64 * 1024), unquote(match.group(1)) if match else "", ctype)
    except requests.RequestException as exc:
        raise PlatformError(platform, "network", type(exc).__name__, RETRY) from None
