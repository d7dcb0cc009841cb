"""Export file names from names people typed (branches, groups, the committee): safe on every system the
office uses and bounded in length, so a hostile or absurd name can neither leave the output folder nor make
the write fail ("File name too long" at 255 bytes, which 85 Chinese characters reach)."""
from __future__ import annotations

import hashlib
import re

UNSAFE = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|\s]+')
LEADING = "._=+-@ "  # no hidden files, no ".." and no cell-formula look-alikes at the start
WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)
MAX_BYTES = 120  # of the name part; the form's own prefix and suffix add at most ~40


def safe_name(name: str, max_bytes: int = MAX_BYTES) -> str:
    """A file-name part from `name`: separators, control and Windows-refused characters become "_"; leading
    dots and formula characters are dropped; Windows device names get a "_" prefix. A name that lost characters
    that way, or is longer than `max_bytes` (UTF-8, then cut), ends in a short hash of the whole name, so two
    names never share one file."""
    name = str(name)
    out = UNSAFE.sub("_", name).strip(LEADING).rstrip("._ ")
    if not out:
        return "export"
    tag = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    lossy = out != re.sub(r" +", "_", name)  # characters were dropped or replaced: keep the names apart
    if WINDOWS_RESERVED.match(out):
        out = "_" + out
    if lossy or len(out.encode("utf-8")) > max_bytes:
        cut = out.encode("utf-8")[: max_bytes - len(tag) - 1].decode("utf-8", "ignore")
        out = f"{cut.rstrip('._ ')}_{tag}"
    return out
