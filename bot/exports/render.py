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


def to_pdf(src: str | Path, out_dir: str | Path, timeout: float = 120) -> Path:
    """Convert with a private LibreOffice profile, so parallel runs and a user's open LibreOffice never clash."""
    exe = soffice()
    if not exe:
        raise RuntimeError("LibreOffice 未安装（apt-get install libreoffice-calc libreoffice-writer）")
    src, out_dir = Path(src), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhibu-lo-") as profile:
        env = {**os.environ, "HOME": profile}
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out_dir), str(src)],
                       check=True, capture_output=True, timeout=timeout, env=env)
    pdf = out_dir / (src.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice 没有生成 {pdf}")
    return pdf


def pdf_to_pngs(pdf: str | Path, out_dir: str | Path, dpi: int = 80) -> list[Path]:
    pdf, out_dir = Path(pdf), Path(out_dir)
    prefix = out_dir / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, capture_output=True,
                   timeout=120)
    return sorted(out_dir.glob(f"{pdf.stem}-*.png"))
