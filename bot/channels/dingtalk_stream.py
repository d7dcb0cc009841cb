"""The old home of DingTalk Stream mode (now bot/platforms/dingtalk/stream.py), kept for the doctor's import."""
from bot.platforms.dingtalk.stream import OPEN_PATH, gateway_base

__all__ = ["OPEN_PATH", "gateway_base"]
