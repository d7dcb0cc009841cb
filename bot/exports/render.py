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


def available() -> bool:
    return bool(soffice() and shutil.which("pdftoppm"))


def to_pdf(src: str | Path | list[str | Path], out_dir: str | Path, timeout: float = 180) -> list[Path]:
    """Convert one or more files in a single LibreOffice run, with a private profile so parallel runs and a
    user's open LibreOffice never clash. Returns the PDFs in the order given."""
    exe = soffice()
    if not exe:
        raise RuntimeError("LibreOffice 未安装（apt-get install libreoffice-calc libreoffice-writer）")
    sources = [Path(x) for x in (src if isinstance(src, list) else [src])]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhibu-lo-") as profile:
        env = {**os.environ, "HOME": profile}
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, sources)],
                       check=True, capture_output=True, timeout=timeout, env=env)
    pdfs = [out_dir / (s.stem + ".pdf") for s in sources]
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
