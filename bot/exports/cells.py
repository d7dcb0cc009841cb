"""Cell hygiene for every spreadsheet the product writes: user text is text, the product's formulas carry values.

- Text that starts with = + - @ (or a tab / carriage return) would be a live formula in Excel (a branch named
  `=HYPERLINK(...)`, DDE payloads): it is written as a string cell with Excel's quote prefix, so it shows as
  typed and stays text when a clerk edits the cell. CSV has no cell types: `csv_cell` prefixes a "'".
- The product's own formulas (totals) are registered with `formula()`: they keep `=` and get their cached
  value written into the file, so viewers that do not calculate (phone previews, openpyxl, a protected-view
  Excel) show the right number, and Excel recalculates on load.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_OWN = "_zhibu_formulas"  # worksheet attribute: {coordinate: cached value} of the product's own formulas


def looks_like_formula(value: Any) -> bool:
    """True for text a spreadsheet program could evaluate (OWASP's CSV-injection prefixes)."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def as_text(cell: Cell) -> Cell:
    """Keep the cell's value as a string, marked as text (Excel's leading apostrophe, quotePrefix)."""
    if cell.data_type == "f":
        cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def formula(ws: Worksheet, row: int, column: int, expression: str, cached: float | int | None) -> Cell:
    """Write one of the product's own formulas ("=SUM(D4:D18)") with the value it evaluates to now."""
    cell = ws.cell(row, column, expression if expression.startswith("=") else f"={expression}")
    own = ws.__dict__.setdefault(_OWN, {})
    own[cell.coordinate] = cached
    return cell


def neutralise(wb: Workbook) -> int:
    """Every formula-looking value that is not one of ours becomes text; returns how many cells changed."""
    changed = 0
    for ws in wb.worksheets:
        own = ws.__dict__.get(_OWN, {})
        for cell in ws._cells.values():
            if looks_like_formula(cell.value) and cell.coordinate not in own:
                as_text(cell)
                changed += 1
    return changed


def csv_cell(value: Any) -> Any:
    """A value for a CSV row: formula-looking text gets a leading "'" (CSV cannot say "this is text")."""
    return f"'{value}" if looks_like_formula(value) else value


def save_workbook(wb: Workbook, path: str | Path, language: str = "zh-CN") -> Path:
    """neutralise, declare the language, save, then write the cached values of our formulas into the file."""
    neutralise(wb)
    wb.properties.language = language
    wb.calculation.fullCalcOnLoad = True
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    cached = {i: ws.__dict__.get(_OWN, {}) for i, ws in enumerate(wb.worksheets, 1)}
    if any(cached.values()):
        _write_cached(path, cached)
    return path


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    value = round(float(value), 10)
    return str(int(value)) if value == int(value) else repr(value)


def _write_cached(path: Path, cached: dict[int, dict[str, Any]]) -> None:
    """openpyxl writes `<f>…</f><v></v>`: put each formula's value into its <v> (sheet N is sheetN.xml)."""
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            values = cached.get(int(m.group(1))) if m else None
            if values:
                def fill(match: re.Match) -> str:
                    v = values.get(match.group(1))
                    return match.group(0) if v is None else f"{match.group(0)[:-len(match.group(3))]}<v>{_number(v)}</v>"

                text = re.sub(r'<c r="([A-Z]+[0-9]+)"[^>]*><f>([^<]*)</f>(<v></v>|<v\s*/>)',
                              fill, data.decode("utf-8"))
                data = text.encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(path)
