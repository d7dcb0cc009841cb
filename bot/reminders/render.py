"""Reminder wording: Jinja templates under templates/reminders/ (data, not code). Loaded once per process."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from .types import Reminder

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "reminders"


def _md(d: date) -> str:
    """1月10日: how Chinese notices write a date within the season."""
    return f"{d.month}月{d.day}日"


def _n(x: float | int) -> str:
    """Counts from the scoring core may be floats: 1.0 reads as 1, 0.5 stays 0.5."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), undefined=StrictUndefined,
                      trim_blocks=False, keep_trailing_newline=False, autoescape=False)
    env.filters["md"] = _md
    env.filters["n"] = _n
    return env


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    markdown: str | None


def render(reminder: Reminder) -> Rendered:
    env = environment()
    text = env.get_template(f"{reminder.template}.j2").render(**reminder.context)
    try:
        md = env.get_template(f"{reminder.template}.md.j2").render(**reminder.context).strip()
    except TemplateNotFound:
        md = None
    return Rendered(text=_tidy(text), markdown=md)


def render_named(template: str, **context) -> str:
    return _tidy(environment().get_template(f"{template}.j2").render(**context))


def _tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())
