"""Form layouts as data: `templates/exports/<form>.yaml`, or `<form>.<rubric id>.yaml` for a rubric of its own.

The writers read columns, widths, header lines and fonts from here, so a new rubric's table is a new
YAML file, not new code.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LAYOUT_DIR = Path(__file__).resolve().parents[2] / "templates" / "exports"


class LayoutError(ValueError):
    """A layout file is missing or malformed: names the file and the problem."""


def layout_path(form: str, rubric_id: str | None = None, directory: Path | None = None) -> Path:
    base = directory or LAYOUT_DIR
    if rubric_id:
        own = base / f"{form}.{rubric_id}.yaml"
        if own.is_file():
            return own
    path = base / f"{form}.yaml"
    if not path.is_file():
        raise LayoutError(f"没有找到导出版式 {path}")
    return path


@lru_cache(maxsize=64)
def _load(path: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LayoutError(f"{path}: YAML 格式错误：{exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list) or not data["columns"]:
        raise LayoutError(f"{path}: 缺少 columns 列表")
    for i, col in enumerate(data["columns"], 1):
        if not isinstance(col, dict) or "kind" not in col:
            raise LayoutError(f"{path}: 第 {i} 列缺少 kind")
    return data


def load_layout(form: str, rubric_id: str | None = None, directory: Path | None = None) -> dict[str, Any]:
    """The layout dict for `form` ("annex1", "annex2", "record_book", "report", "summary")."""
    return _load(str(layout_path(form, rubric_id, directory)))


def load_data(name: str, rubric_id: str | None = None, directory: Path | None = None) -> dict[str, Any]:
    """A non-tabular data file (e.g. the summary topics): same lookup, no column check."""
    path = layout_path(name, rubric_id, directory)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
