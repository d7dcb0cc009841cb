"""Spreadsheets that stay right when edited (issue 17, point 5): annex 1's 合计 is a formula with its cached value,
scores keep two decimals, the workbook declares zh-CN; LibreOffice recalculates a changed score into the total."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from bot.exports import render
from bot.exports.annex1 import write_annex1
from bot.exports.annex2 import write_annex2

from .factories import card_for, seed000_like

LO = pytest.mark.skipif(not render.soffice(), reason="LibreOffice not installed (apt-get install libreoffice-calc)")
CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def _total_row(ws) -> int:
    return next(c.row for row in ws.iter_rows() for c in row if c.value == "合计")


def test_total_is_a_formula_with_its_cached_value(tmp_path):
    rubric = seed000_like()
    card = card_for(rubric, "机械工业协会党支部", off={"三.3": 1.25, "二.3": 0.5}, bonus={"B1": 2, "B2": 3},
                    tiers={"group": {"三.3": 5.0}})
    path = write_annex1(rubric, card, tmp_path / "a1.xlsx")
    ws = openpyxl.load_workbook(path).active
    values = openpyxl.load_workbook(path, data_only=True).active
    r = _total_row(ws)
    # rows 4-18 are the 15 items, the two bonus rows follow the items; the cap (10) is the rubric's
    assert ws.cell(r, 4).value == "=ROUND(SUM(D4:D18)+MIN(10,SUM(D19:D20)),2)"
    assert ws.cell(r, 5).value == "=ROUND(SUM(E4:E18)+MIN(10,SUM(E19:E20)),2)"
    assert ws.cell(r, 6).value is None  # the office has scored nothing: its column stays blank to fill by hand
    assert values.cell(r, 4).value == card.computed_total == 100 - 1.75 + 5
    assert values.cell(r, 5).value == 100 - 0.5 - 2 + 5  # the group gave 三.3 5 of 7
    assert ws["D14"].value == 5.75 and ws["D14"].number_format == "0.00"
    assert ws.cell(r, 4).number_format == "0.00"
    assert openpyxl.load_workbook(path).properties.language == "zh-CN"


def test_annex2_scores_keep_two_decimals(tmp_path):
    rubric = seed000_like()
    cards = [card_for(rubric, "甲协会党支部", off={"三.3": 14.75})]
    ws = openpyxl.load_workbook(write_annex2(rubric, cards, tmp_path / "a2.xlsx", {"group": "第一协作组"})).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == 85.25)
    assert cell.number_format == "0.00"


@pytest.mark.slow
@LO
def test_a_score_changed_in_excel_changes_the_total(tmp_path):
    """As the printed form is meant to be filled: a clerk types a group score; the total follows."""
    rubric = seed000_like()
    card = card_for(rubric, "机械工业协会党支部", off={"三.3": 1.25}, bonus={"B1": 4, "B2": 5})
    path = write_annex1(rubric, card, tmp_path / "a1.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    r = _total_row(ws)
    ws["D14"] = 3.5  # 三.3: 5.75 -> 3.5
    ws["D19"] = 5  # bonus 4 -> 5: 5 + 5 = 10, at the cap
    wb.save(tmp_path / "edited.xlsx")
    [orig, edited] = render.convert([path, tmp_path / "edited.xlsx"], tmp_path / "csv", CSV)
    rows = list(csv.reader(io.StringIO(orig.read_text(encoding="utf-8"))))
    assert rows[r - 1][3] == "107.75"  # LibreOffice's own sum: 98.75 + 9, shown with two decimals
    rows = list(csv.reader(io.StringIO(edited.read_text(encoding="utf-8"))))
    assert rows[r - 1][3] == "106.50"  # 98.75 - 2.25 + min(10, 10)
    assert rows[13][3] == "3.50"


def test_every_document_declares_zh_cn(tmp_path):
    """Word's East Asian language slot says zh-CN (python-docx's template says en-US there)."""
    from docx import Document

    from bot.exports.record_book import write_record_book
    from bot.exports.report import write_report
    from bot.exports.summary import write_summary_outline

    rubric = seed000_like()
    docs = [write_record_book("甲协会党支部", 2022, [], tmp_path / "rb.docx"),
            write_report(rubric, [card_for(rubric, "甲")], tmp_path / "r.docx", meta={"year": 2022}),
            write_summary_outline("甲协会党支部", 2022, {}, tmp_path / "s.docx")]
    for path in docs:
        doc = Document(path)
        langs = list(doc.styles.element.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}lang"))
        assert langs, path.name
        for lang in langs:
            assert lang.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "zh-CN"
        assert doc.core_properties.language == "zh-CN"


def _ink(png) -> "Image":
    """The part of a page that has ink on it (the text), for comparing renderings pixel by pixel."""
    from PIL import Image, ImageOps

    img = Image.open(png).convert("L")
    return img.crop(ImageOps.invert(img).getbbox())


@pytest.mark.slow
@LO
def test_libreoffice_draws_the_office_fonts_with_chinese_glyphs(tmp_path):
    """骨 and 直 differ between the Chinese and Japanese forms of Noto CJK. A document in the office's 黑体 (which this
    machine lacks) must come out pixel for pixel as Noto Sans CJK SC in Chinese, not as the Japanese forms that
    LibreOffice drew before the documents declared zh-CN (fontconfig's first CJK face is the Japanese one)."""
    from PIL import ImageChops

    from bot.exports.docx_style import declare_language, heading, new_document

    docs = []
    for stem, font, language in (("ours", "黑体", None), ("sc", "Noto Sans CJK SC", "zh-CN"),
                                 ("jp", "Noto Sans CJK JP", "ja-JP")):
        doc = new_document({"fonts": {"body": {"name": "仿宋_GB2312", "size": 14}}})
        if language:
            declare_language(doc, language)
        heading(doc, "骨直骨直", {"name": font, "size": 36}, center=False)
        doc.save(tmp_path / f"{stem}.docx")
        docs.append(tmp_path / f"{stem}.docx")
    pages = [render.pdf_to_pngs(pdf, tmp_path, dpi=150)[0] for pdf in render.to_pdf(docs, tmp_path)]
    ours, sc, jp = (_ink(p) for p in pages)
    assert ours.size == sc.size and ImageChops.difference(ours, sc).getbbox() is None
    assert ours.size != jp.size or ImageChops.difference(ours, jp).getbbox() is not None


@pytest.mark.slow
@LO
def test_libreoffice_does_not_break_a_number_across_lines(tmp_path):
    """With the Western slot in a CJK language LibreOffice wrapped "党小组会110次" as "党小组会1 | 10次"."""
    import subprocess

    from docx.shared import Pt

    from bot.exports.docx_style import new_document, run

    text = "各党支部全年记录支部党员大会34次、支委会127次、党小组会110次、党课49次，主题党日121次、集中学习40次。"
    doc = new_document({"margins_cm": {"left": 2.8, "right": 2.6}, "fonts": {"body": {"name": "仿宋_GB2312", "size": 14}}})
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(28)
    run(p, text, {"name": "仿宋_GB2312", "size": 14})
    doc.save(tmp_path / "numbers.docx")
    [pdf] = render.to_pdf(tmp_path / "numbers.docx", tmp_path)
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\n")
    assert len([ln for ln in lines if ln.strip()]) >= 2  # it does wrap
    for number in ("34", "127", "110", "49", "121", "40"):
        assert any(number in ln for ln in lines), number
