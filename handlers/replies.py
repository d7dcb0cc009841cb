"""Render reply data with the Jinja templates under templates/replies/ (wording is data, not code)."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateNotFound

from .base import fmt_points
from .labels import activity_label, fact_label, level_label

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "replies"


def _md(d: date | None) -> str:
    return f"{d.month}月{d.day}日" if d else ""


def _ymd(d: date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@lru_cache(maxsize=1)
def env() -> Environment:
    # auto_reload off: templates are data shipped with the code, so no stat() of the file on every reply.
    e = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=False, trim_blocks=True,
                    lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=False, auto_reload=False)
    e.filters.update(md=_md, ymd=_ymd, pts=fmt_points, act=activity_label, fact=fact_label, level=level_label)
    return e


@lru_cache(maxsize=512)
def _templates(template: str) -> tuple[Template, Template | None]:
    """The text template and the optional markdown one, looked up once per name (a missing `.md.j2` too)."""
    text = env().get_template(f"{template}.j2")
    try:
        markdown = env().get_template(f"{template}.md.j2")
    except TemplateNotFound:
        markdown = None
    return text, markdown


def render(template: str, data: dict) -> tuple[str, str | None]:
    """(text, markdown or None). `<name>.j2` is the text; an optional `<name>.md.j2` the markdown."""
    text_t, markdown_t = _templates(template)
    text = text_t.render(**data).strip()
    markdown = markdown_t.render(**data).strip() if markdown_t is not None else None
    return _squeeze(text), markdown


def _squeeze(text: str) -> str:
    lines = [ln.rstrip() for ln in text.splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln == "" and (not out or out[-1] == ""):
            continue
        out.append(ln)
    return "\n".join(out).strip()
