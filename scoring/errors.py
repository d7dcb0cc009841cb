"""Typed errors of the scoring core: a bad rubric is refused at load, bad facts at reading.

Every message names the file (or facts entry), the item and the problem, in Chinese, so the office
can fix the file without reading code.
"""
from __future__ import annotations


class ScoringError(Exception):
    """Base of every error the scoring core raises on purpose."""


class RubricError(ScoringError):
    """A rubric file that cannot be used. `file`, `item` and `problem` say where and what."""

    def __init__(self, file: str | None, item: str | None, problem: str) -> None:
        self.file = file or "<rubric>"
        self.item = item
        self.problem = problem
        where = f"{self.file}"
        if item:
            where += f"：{item}"
        super().__init__(f"{where}：{problem}")


class RubricNotFound(RubricError, LookupError):
    """No shipped rubric has that id and no file has that path."""


class RubricSyntaxError(RubricError):
    """The file is not readable YAML (or not a mapping at the top)."""


class RubricSchemaError(RubricError):
    """A field is missing, unknown, or of the wrong type or range."""


class RubricRuleError(RubricSchemaError):
    """A machine rule is wrong: unknown kind, unknown activity code or fact key, bad numbers."""


class RubricTotalError(RubricError):
    """Item maxima do not add up to their section, or sections to the declared total."""


class FactsError(ScoringError, ValueError):
    """A facts file (or dict) that cannot be read: names the entry and the field."""


class TierError(ScoringError, ValueError):
    """A tier score for an unknown tier or item, or outside 0..max."""


class YearError(ScoringError, ValueError):
    """An evaluation year the calendar cannot hold (a rule may look at the year after it)."""
