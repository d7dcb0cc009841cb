"""Rendering check: every form of the demo committee (annex 1 and 2, the record book, the report, the summary
outline) through LibreOffice -> PDF -> PNG, kept under test-artifacts/exports/ for a person to look at.
Skipped (with the reason) where LibreOffice is missing."""
from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.exports import annex1_xlsx, annex2_xlsx, record_book_docx, report_docx, summary_docx
from bot.exports import render
from bot.models import Branch, Group, Organisation

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports"


def line_initial_punctuation(pdf: Path) -> list[str]:
    """The printed lines (pdftotext -raw: one line of a cell or paragraph each) that start with punctuation a
    Chinese line may not start with."""
    from subprocess import run

    text = run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert sum(len(line) for line in lines) > 200, pdf.name  # the text is there to be checked
    return [line for line in lines if line and line[0] in render.LINE_START_FORBIDDEN]


@pytest.mark.slow
@pytest.mark.skipif(not render.available(),
                    reason="LibreOffice or pdftoppm not installed (apt-get install libreoffice-calc "
                           "libreoffice-writer fonts-noto-cjk poppler-utils); the rendering check is skipped")
def test_annex_forms_render_to_pdf_and_png(sessions, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("rendering is checked once, on SQLite")
    from bot.demo import seed_demo

    today = date(2022, 12, 26)
    with sessions() as s:
        seed_demo(s, today)
        s.commit()
        org = s.query(Organisation).first()
        branch = s.query(Branch).filter_by(org_id=org.id).order_by(Branch.id).first()
        group = s.get(Group, branch.group_id)
        if ARTIFACTS.exists():
            shutil.rmtree(ARTIFACTS)
        files = [annex1_xlsx(s, branch, 2022, today, ARTIFACTS), annex2_xlsx(s, org, group, 2022, today, ARTIFACTS),
                 record_book_docx(s, branch, 2022, today, ARTIFACTS), report_docx(s, org, 2022, today, ARTIFACTS),
                 summary_docx(s, branch, 2022, today, ARTIFACTS)]
        # Every shipped rubric's own table (seed 003: 自查得分 / 复查得分), from its rubric and layout file alone.
        from scoring import BranchFacts, load_rubric, score_branch

        from bot.exports import write_annex1

        for rid in ("seed003", "seed001", "seed002", "seed004"):
            r = load_rubric(rid)
            card = score_branch(r, BranchFacts(branch_id="x", name="第一小学党支部"), 2022, today)
            files.append(write_annex1(r, card, ARTIFACTS / f"{rid}_annex1.xlsx"))
    pdfs = render.to_pdf(files, ARTIFACTS)
    # 避头尾: no printed line of any form starts with ，。、；：）」 … (Calc wrapped 1.2 and 3.2's rules that way)
    for pdf in pdfs:
        starts = line_initial_punctuation(pdf)
        assert starts == [], (pdf.name, starts)
    for pdf in pdfs:
        pngs = render.pdf_to_pngs(pdf, ARTIFACTS)
        assert pngs and all(p.stat().st_size > 10_000 for p in pngs), pdf
    # Annex 1 fits one A4 page wide: LibreOffice honours fit-to-width; the seed 000 form takes 1-2 pages.
    annex1_pages = list(ARTIFACTS.glob(f"{pdfs[0].stem}-*.png"))
    assert 1 <= len(annex1_pages) <= 2
    annex2_pages = list(ARTIFACTS.glob(f"{pdfs[1].stem}-*.png"))
    assert len(annex2_pages) == 1
    # The documents print their page numbers: LibreOffice fills the PAGE field in the footer.
    from subprocess import run

    for pdf in pdfs[2:4]:
        text = run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        pages = text.split("\f")
        assert re.search(r"(—\s*1\s*—|第\s*1\s*页)", pages[0]), pdf.name
