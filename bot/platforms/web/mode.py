"""Whether the local web chat is on: anyone who can open it speaks as anyone, so only for a demo."""
from __future__ import annotations

from ...config import Config


def web_chat_enabled(config: Config) -> bool:
    """On when asked for, or a demo without any platform."""
    mode = (config.web_chat or "auto").lower()
    if mode in ("on", "1", "true", "yes"):
        return True
    return mode == "auto" and config.demo and not (config.wecom_enabled or config.dingtalk_enabled)
