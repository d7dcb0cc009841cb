"""The shipped rubrics (scoring/rubrics/*.yaml, one per seed document) and the per-path cache."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .errors import RubricNotFound
from .loader import read_rubric_file
from .rubric import Rubric

RUBRIC_DIR = Path(__file__).with_name("rubrics")
DEFAULT_RUBRIC = "seed000"

_cache: dict[str, Rubric] = {}
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class RubricInfo:
    id: str
    title: str
    source: str
    path: str


def _shipped() -> dict[str, Path]:
    return {p.stem: p for p in sorted(RUBRIC_DIR.glob("*.yaml"))}


def load_rubric(id_or_path: str | Path = DEFAULT_RUBRIC) -> Rubric:
    """A shipped rubric by id ("seed000") or any rubric file by path; validated once, then cached per path."""
    key = str(id_or_path)
    shipped = _shipped()
    path = shipped.get(key)
    if path is None:
        p = Path(key)
        if not p.suffix and not p.exists():
            raise RubricNotFound(key, None, f"没有这个评分细则（可用：{', '.join(shipped)}）")
        path = p
    resolved = str(path.resolve())
    rubric = _cache.get(resolved)
    if rubric is None:
        with _lock:
            rubric = _cache.get(resolved)
            if rubric is None:
                rubric = read_rubric_file(path)
                _cache[resolved] = rubric
    return rubric


def list_rubrics() -> list[RubricInfo]:
    """The shipped rubrics, default first."""
    infos = []
    for rid, path in _shipped().items():
        r = load_rubric(rid)
        infos.append(RubricInfo(r.id, r.title, r.source, str(path)))
    infos.sort(key=lambda i: (i.id != DEFAULT_RUBRIC, i.id))
    return infos
