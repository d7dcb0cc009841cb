"""Reminders: the year-end deadlines, period-end nudges and plan follow-ups.

calendar.py and nudges.py are pure (what is due on a day, and why); render.py words it from
templates/reminders/; planner.py reads the store and sends; delivery.py makes each send happen once,
with retries; bot/scheduler.py runs it all on a clock. See docs/reminders.md.
"""
