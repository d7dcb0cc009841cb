"""Shared openpyxl helpers: fonts from a layout, thin borders, A4 print set-up, row heights for wrapped text.

openpyxl does not measure text, and Excel does not auto-fit rows that hold merged cells, so the writers
estimate each row's height from its text and the column widths (CJK characters count double).
"""
from __future__ import annotations

import math
import unicodedata
from typing import Any, Iterable

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CM_PER_INCH = 2.54


def font(spec: dict[str, Any] | None, default_size: float = 11) -> Font:
    spec = spec or {}
    return Font(name=spec.get("name", "宋体"), size=spec.get("size", default_size), bold=bool(spec.get("bold", False)))


def align(kind: str = "center", wrap: bool = True) -> Alignment:
    return Alignment(horizontal=kind, vertical="center", wrap_text=wrap)


def fmt_num(value: float | None) -> str | float | int | None:
    """Points as the form prints them: 25.0 -> 25, 6.5 -> 6.5; None stays empty."""
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value == int(value) else value


def num_text(value: float | None) -> str:
    v = fmt_num(value)
    return "" if v is None else str(v)


def text_width(text: str) -> int:
    """Display width in Excel character units: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width_chars: float, font_size: float = 11) -> int:
    """How many lines `text` wraps to in a column `width_chars` wide at `font_size` points."""
    if not text:
        return 1
    scale = font_size / 10.0  # a 10 pt CJK glyph fills about two character units
    usable = max(1.0, (width_chars - 2) / scale)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in str(text).split("\n"))


def row_height(cells: Iterable[tuple[str, float]], font_size: float = 11, minimum: float = 18) -> float:
    """Height in points for a row whose cells hold (text, available width) pairs."""
    lines = max((lines_needed(t, w, font_size) for t, w in cells), default=1)
    return max(minimum, round(lines * font_size * 1.35 + 5, 1))


def print_setup(ws: Worksheet, layout: dict[str, Any], title_rows: str | None = None) -> None:
    """A4, the layout's orientation and margins, fit to one page wide, centred, header rows repeated."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = layout.get("orientation", "portrait")
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    margins = layout.get("margins_cm", {})
    for side in ("left", "right", "top", "bottom"):
        if side in margins:
            setattr(ws.page_margins, side, float(margins[side]) / CM_PER_INCH)
    if title_rows:
        ws.print_title_rows = title_rows
    ws.sheet_view.showGridLines = False


def keep_blocks_together(ws: Worksheet, layout: dict[str, Any], header_rows: tuple[int, int],
                         blocks: list[tuple[int, int]], widths: list[float]) -> list[int]:
    """Insert page breaks so no block (a section with its merged label, the bonus rows …) is split across
    A4 pages. Heights are our own row heights, scaled as fit-to-width will scale them. Returns break rows."""
    from openpyxl.worksheet.pagebreak import Break

    margins = layout.get("margins_cm", {})
    landscape = layout.get("orientation") == "landscape"
    page_w, page_h = (29.7, 21.0) if landscape else (21.0, 29.7)
    pt = 72 / CM_PER_INCH
    printable_w = (page_w - margins.get("left", 1.9) - margins.get("right", 1.9)) * pt
    printable_h = (page_h - margins.get("top", 1.9) - margins.get("bottom", 1.9)) * pt - 24  # header/footer slack
    # Character widths -> points as LibreOffice lays them out (measured from its PDFs: about 6.5 pt a unit).
    sheet_w = sum(w * 8.6 + 5 for w in widths) * 0.75
    scale = min(1.0, printable_w / sheet_w) if sheet_w else 1.0

    def h(r: int) -> float:
        return float(ws.row_dimensions[r].height or 15) * scale

    first_header, last_header = header_rows
    head = sum(h(r) for r in range(first_header, last_header + 1))
    used = sum(h(r) for r in range(1, last_header + 1))
    breaks = []
    for start, end in blocks:
        size = sum(h(r) for r in range(start, end + 1))
        if used + size > printable_h and used > head:
            ws.row_breaks.append(Break(id=start - 1))
            breaks.append(start)
            used = head + size
        else:
            used += size
    return breaks
