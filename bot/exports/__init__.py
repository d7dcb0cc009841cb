"""Office outputs: the printed forms (annex 1 / annex 2), the record book, the evaluation report,
the year-end summary outline and check, and the ranking chart.

Pure writers (write_*) take a Rubric, ScoreCards or plain rows and a path; the *_xlsx / *_docx functions
read the store (bot/facts.py) and call them. Layouts and wording are data under templates/exports/.
"""
from __future__ import annotations

from .annex1 import write_annex1
from .annex2 import Annex2Row, annex2_rows, write_annex2
from .chart import ranking_chart_bytes, ranking_chart_png
from .office import annex1_xlsx, annex2_xlsx, chart_png, record_book_docx, report_docx, summary_docx
from .record_book import ActivityRow, write_record_book
from .report import write_report
from .summary import SummaryCheck, check_summary, write_summary_outline

__all__ = [
    "write_annex1", "write_annex2", "Annex2Row", "annex2_rows", "write_record_book", "ActivityRow", "write_report",
    "write_summary_outline", "check_summary", "SummaryCheck", "ranking_chart_png", "ranking_chart_bytes",
    "annex1_xlsx", "annex2_xlsx", "record_book_docx", "report_docx", "summary_docx", "chart_png",
]
