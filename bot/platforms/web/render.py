"""Markdown as the platforms show it, rendered safely for the web chat.

Everything is HTML-escaped first; only a small subset (headings, bold, italics, inline code, lists, quotes,
links to http(s) only, WeChat Work's <font color="info|comment|warning">) is turned back into markup.
"""
from __future__ import annotations

import re
from html import escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^\s)\"'<>]+)\)")
_FONT = re.compile(r"&lt;font color=&quot;(info|comment|warning)&quot;&gt;(.*?)&lt;/font&gt;")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.、])\s+(.*)$")


def _inline(text: str) -> str:
    text = escape(text, quote=True)
    text = _CODE.sub(r"<code>\1</code>", text)
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}" target="_blank" rel="noopener noreferrer">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    text = _FONT.sub(r'<span class="md-\1">\2</span>', text)
    return text


def markdown_to_html(md: str) -> str:
    out: list[str] = []
    in_list = False
    for raw in (md or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        item = _LIST.match(line)
        if in_list and not item:
            out.append("</ul>")
            in_list = False
        if not line.strip():
            continue
        heading = _HEADING.match(line)
        if heading:
            level = min(len(heading.group(1)) + 2, 6)  # chat bubbles: small headings
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif item:
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{_inline(item.group(1))}</li>")
        elif line.startswith(">"):
            out.append(f"<blockquote>{_inline(line.lstrip('> '))}</blockquote>")
        else:
            out.append(f"<p>{_inline(line)}</p>")
    if in_list:
        out.append("</ul>")
    return "".join(out)


def text_to_html(text: str) -> str:
    return "".join(f"<p>{escape(line)}</p>" for line in (text or "").split("\n") if line.strip()) or "<p></p>"
