"""Security of a deployment: its secret key, one-time tokens, login limits, demo mode and the `doctor` checks.

Each module is one idea, testable without Flask: keys (no built-in secret), tokens (single-use and revocable
secrets stored as digests), login_limit (failed logins counted in the database, shared by every process),
demo_mode (the demo password and the open web chat exist only for the demo committee), doctor (unsafe settings).
"""
