"""Why a callback is refused. The HTTP answer stays generic; the reason goes to the log (never a secret)."""
from __future__ import annotations


class Rejected(Exception):
    """A request that must change nothing: bad signature, stale timestamp, wrong corp id, hostile body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
