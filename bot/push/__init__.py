"""Outbound messages: the exactly-once outbox, the robots' rate limits, and the Sender over the platforms.

- `outbox.Outbox`: every message gets a row in `outbound_message` (unique `idem_key` = sent at most once across
  processes and restarts), retries with backoff (tenacity), rate-limited targets queued (`ratelimit`);
- `sender.PlatformSender`: the `bot.messages.Sender` the handlers, the scheduler and the platforms' adapters use.
  It is handed its platforms (bot/platforms/__init__.py builds them) and never imports one.
"""
