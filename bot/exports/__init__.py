"""Office outputs: the printed forms (annex 1 / annex 2), the record book, the evaluation report,
the year-end summary outline and check, and the ranking chart.

Pure writers take a Rubric, ScoreCards or plain rows and a path; the `*_xlsx` / `*_docx` functions
read the store (bot/facts.py) and call them. Layouts are data under templates/exports/.
"""
from __future__ import annotations

from .annex1 import write_annex1
from .annex2 import Annex2Row, annex2_rows, write_annex2

__all__ = ["write_annex1", "write_annex2", "Annex2Row", "annex2_rows"]
