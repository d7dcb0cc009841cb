"""Render an exported file the way the office will print it: LibreOffice -> PDF, poppler -> PNG.

Used by the rendering check (tests/exports/test_render.py). Everything here is optional tooling: `available()`
says whether this machine has it.

Chinese line-start rules (避头尾: no line starts with ，。、；：）」): Word, WPS and Excel apply them, and so does
LibreOffice Writer, but Calc only where a cell style asks for them ("Asian typography: apply list of forbidden
characters", off by default) and an .xlsx cannot say so. A spreadsheet therefore goes xlsx -> ods, its default
cell style is given `style:line-break="strict"` and a zh-CN Asian language, and the ods is printed.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import re
import tempfile
import zipfile
from pathlib import Path


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


FONTS_CONF = Path(__file__).resolve().parents[2] / "templates" / "exports" / "fonts.conf"
SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")


def font_env(directory: Path) -> dict[str, str]:
    """FONTCONFIG_FILE for LibreOffice: the office's font names (仿宋_GB2312, 黑体 …) as Noto CJK SC faces."""
    if not SYSTEM_FONTS_CONF.is_file():
        return {}
    conf = directory / "fonts.conf"
    conf.write_text(FONTS_CONF.read_text(encoding="utf-8").replace("@SYSTEM_CONF@", str(SYSTEM_FONTS_CONF)),
                    encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def available() -> bool:
    return bool(soffice() and shutil.which("pdftoppm"))


SHEETS = (".xlsx", ".xls", ".ods")
LINE_START_FORBIDDEN = "，。、；：？！）」』》〉】”’"  # what a Chinese line may not start with (the checks read this)


def to_pdf(src: str | Path | list[str | Path], out_dir: str | Path, timeout: float = 180) -> list[Path]:
    """Convert one or more files (spreadsheets by way of an ods with Chinese line-start rules, see above), with
    a private profile so parallel runs and a user's open LibreOffice never clash. Returns the PDFs in order."""
    sources = [Path(x) for x in (src if isinstance(src, list) else [src])]
    sheets = [s for s in sources if s.suffix.lower() in SHEETS]
    if not sheets:
        return convert(sources, out_dir, "pdf", timeout)
    with tempfile.TemporaryDirectory(prefix="zhibu-ods-") as tmp:
        odss = convert(sheets, tmp, "ods", timeout)
        for ods in odss:
            strict_line_breaks(ods)
        as_ods = dict(zip(sheets, odss))
        return convert([as_ods.get(s, s) for s in sources], out_dir, "pdf", timeout)


_DEFAULT_CELL_STYLE = re.compile(
    r'<style:style style:name="Default" style:family="table-cell"[^>]*>(.*?)</style:style>', re.S)


def strict_line_breaks(ods: Path) -> None:
    """Give the ods's default cell style Chinese line-breaking (every cell style inherits it): the forbidden
    characters apply (`style:line-break="strict"`) and the Asian language is zh-CN (its list, its glyphs)."""
    with zipfile.ZipFile(ods) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]

    def patch(m: re.Match) -> str:
        body = m.group(1)
        if "style:line-break=" not in body:
            body = '<style:paragraph-properties style:line-break="strict"/>' + body
        if "style:language-asian=" not in body:
            if "<style:text-properties" in body:
                body = body.replace("<style:text-properties",
                                    '<style:text-properties style:language-asian="zh" style:country-asian="CN"', 1)
            else:
                body += '<style:text-properties style:language-asian="zh" style:country-asian="CN"/>'
        return m.group(0)[: m.start(1) - m.start(0)] + body + "</style:style>"

    tmp = ods.with_name(ods.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as out:
        for info, data in entries:
            if info.filename == "styles.xml":
                text, n = _DEFAULT_CELL_STYLE.subn(patch, data.decode("utf-8"), count=1)
                if not n:
                    raise RuntimeError(f"{ods.name}: LibreOffice 生成的 ods 没有默认单元格样式")
                data = text.encode("utf-8")
            out.writestr(info, data)
    tmp.replace(ods)


def convert(src: str | Path | list[str | Path], out_dir: str | Path, fmt: str = "pdf", timeout: float = 180) -> list[Path]:
    """LibreOffice's --convert-to `fmt` ("pdf", "csv": the first sheet as LibreOffice calculates and shows it)."""
    exe = soffice()
    if not exe:
        raise RuntimeError("LibreOffice 未安装（apt-get install libreoffice-calc libreoffice-writer）")
    sources = [Path(x) for x in (src if isinstance(src, list) else [src])]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhibu-lo-") as profile:
        env = {**os.environ, "HOME": profile, **font_env(Path(profile))}
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", fmt, "--outdir", str(out_dir), *map(str, sources)],
                       check=True, capture_output=True, timeout=timeout, env=env)
    pdfs = [out_dir / f"{s.stem}.{fmt.split(':')[0]}" for s in sources]
    for pdf in pdfs:
        if not pdf.is_file():
            raise RuntimeError(f"LibreOffice 没有生成 {pdf}")
    return pdfs


def pdf_to_pngs(pdf: str | Path, out_dir: str | Path, dpi: int = 80) -> list[Path]:
    pdf, out_dir = Path(pdf), Path(out_dir)
    prefix = out_dir / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, capture_output=True,
                   timeout=120)
    return sorted(out_dir.glob(f"{pdf.stem}-*.png"))
