"""Subcommands of `zhibu`, one module each, loaded only when used (cold start stays fast)."""
