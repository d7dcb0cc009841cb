"""python-docx helpers: A4 set-up, a CJK font that Word honours (w:eastAsia), repeated table headers, shading."""
from __future__ import annotations

from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

A4 = (Cm(21.0), Cm(29.7))


def new_document(layout: dict[str, Any]) -> Any:
    doc = Document()
    sec = doc.sections[0]
    width, height = A4
    if layout.get("orientation") == "landscape":
        sec.orientation = WD_ORIENT.LANDSCAPE
        width, height = height, width
    sec.page_width, sec.page_height = width, height
    margins = layout.get("margins_cm", {})
    sec.left_margin = Cm(margins.get("left", 2.5))
    sec.right_margin = Cm(margins.get("right", 2.5))
    sec.top_margin = Cm(margins.get("top", 2.5))
    sec.bottom_margin = Cm(margins.get("bottom", 2.5))
    body = (layout.get("fonts") or {}).get("body", {})
    style = doc.styles["Normal"]
    style.font.size = Pt(body.get("size", 12))
    set_font(style.element, body.get("name", "仿宋_GB2312"))
    style.font.name = body.get("name", "仿宋_GB2312")
    declare_language(doc, str(layout.get("language", "zh-CN")))
    return doc


def declare_language(doc: Any, language: str = "zh-CN", western: str = "en-US") -> None:
    """The document's East Asian language: python-docx's template says en-US there, and LibreOffice then draws
    Chinese with a Japanese glyph set (骨, 直, 关 shaped the Japanese way). Digits and Latin text keep a Western
    language, as Chinese Word sets it: LibreOffice breaks lines inside a number ("1|10次") in CJK-language runs."""
    doc.core_properties.language = language
    for lang in doc.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), western)
        lang.set(qn("w:eastAsia"), language)
    rpr = doc.styles.element.find(qn("w:docDefaults"))
    if rpr is not None and not list(rpr.iter(qn("w:lang"))):
        target = rpr.find(qn("w:rPrDefault"))
        inner = target.find(qn("w:rPr")) if target is not None else None
        if inner is not None:
            el = OxmlElement("w:lang")
            el.set(qn("w:val"), western)
            el.set(qn("w:eastAsia"), language)
            inner.append(el)


def set_font(element: Any, name: str) -> None:
    """Word uses w:eastAsia for Chinese characters; python-docx's font.name only sets the Latin slot."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def run(paragraph: Any, text: str, spec: dict[str, Any] | None = None, bold: bool | None = None) -> Any:
    spec = spec or {}
    r = paragraph.add_run(text)
    if spec.get("size"):
        r.font.size = Pt(spec["size"])
    if spec.get("name"):
        r.font.name = spec["name"]
        set_font(r._element, spec["name"])
    if bold if bold is not None else spec.get("bold"):
        r.bold = True
    return r


def heading(doc: Any, text: str, spec: dict[str, Any] | None = None, center: bool = True) -> Any:
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, text, spec)
    return p


def repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    el = OxmlElement("w:shd")
    el.set(qn("w:val"), "clear")
    el.set(qn("w:color"), "auto")
    el.set(qn("w:fill"), fill)
    tcpr.append(el)


def cell_text(cell: Any, text: str, spec: dict[str, Any] | None = None, center: bool = False,
              bold: bool | None = None) -> None:
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(p, text, spec, bold)


def page_numbers(doc: Any, spec: dict[str, Any] | None = None, template: str = "第 {page} 页　共 {pages} 页") -> None:
    """A centred page number in every section's footer (Word fields PAGE / NUMPAGES, filled when printed)."""
    for section in doc.sections:
        p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        before, rest = template.split("{page}", 1)
        middle, after = rest.split("{pages}", 1) if "{pages}" in rest else (rest, None)
        run(p, before, spec)
        _field(p, "PAGE", spec)
        run(p, middle, spec)
        if after is not None:
            _field(p, "NUMPAGES", spec)
            run(p, after, spec)


def _field(paragraph: Any, code: str, spec: dict[str, Any] | None) -> None:
    r = run(paragraph, "", spec)
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        r._r.append(el)
