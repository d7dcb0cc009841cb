"""Moved to bot/platforms/. Only `dingtalk_stream` is left here, for bot/security/doctor.py's import."""
