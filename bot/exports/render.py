"""Render an exported file the way the office will print it: LibreOffice -> PDF, poppler -> PNG.

Used by the rendering check (tests/exports/test_render.py) and `zhibu export ... --pdf`. Everything
here is optional tooling: `available()` says whether this machine has it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def to_pdf(src: str | Path | list[str | Path], out_dir: str | Path, timeout: float = 180) -> list[Path]:
    """Convert one or more files in a single LibreOffice run, with a private profile so parallel runs and a
    user's open LibreOffice never clash. Returns the PDFs in the order given."""
    return convert(src, out_dir, "pdf", timeout)


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
