"""How wide text is: advance widths read with fontTools from the faces the PDF is made with.

The .docx names the standard faces (仿宋_GB2312, 方正小标宋简体…); docgen/fonts/fonts.conf maps each to a Debian
stand-in for LibreOffice. `width` asks fontconfig, through that same map, which file draws a face, and reads its
horizontal metrics, so a title is broken and a column sized for the glyphs the page will carry (the stand-ins draw
digits wider than half a character). Without fontconfig or the font (a machine that only writes .docx drafts),
full-width characters count one em and the others half.

This is the one place that knows a character's width, and a face's single line height (line_height).
"""
from __future__ import annotations

import functools
import hashlib
import marshal
import os
import shutil
import subprocess
import unicodedata

from ..core.files import shipped, user_cache

FONTS_CONF = shipped("fonts", "fonts.conf")  # the font map: LibreOffice converts with it (pdf.py), widths are read through it


LINE = -1  # the key under which a face's table keeps its single line height (em), beside the code points
SINGLE = 1.36  # em: a single line when the font cannot be read (the CJK stand-ins draw 1.2 to 1.45)


def _guess(c: str) -> float:
    return 1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5


@functools.lru_cache(maxsize=None)
def _font(face: str):
    """Advance in em by code point for a face, or None when its file cannot be found or read. Reading a CJK
    font's tables takes a quarter of a second, so the table is kept in a cache file named by the font file, its
    size and its modification time (a changed font is read again)."""
    if not shutil.which("fc-match"):
        return None
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}\t%{index}", face], env=env, capture_output=True,
                             text=True, timeout=20).stdout
        path, index = out.split("\t")
        st = os.stat(path)
        key = hashlib.sha256(f"{path}|{index}|{st.st_size}|{st.st_mtime_ns}|2".encode()).hexdigest()[:32]
        cached = user_cache("metrics") / f"{key}.marshal"
        try:
            return marshal.loads(cached.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            pass
        from fontTools.ttLib import TTFont

        font = TTFont(path, fontNumber=int(index or 0), lazy=True)
        upem = font["head"].unitsPerEm
        cmap = font.getBestCmap()
        hmtx = font["hmtx"].metrics
        table = {cp: hmtx[g][0] / upem for cp, g in cmap.items() if g in hmtx}
        hhea = font["hhea"]
        table[LINE] = (hhea.ascent - hhea.descent + hhea.lineGap) / upem
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(table))
            os.replace(tmp, cached)
        except OSError:
            pass  # no cache: read again next time
        return table
    except Exception:  # noqa: BLE001 - no usable font: fall back to the full/half-width rule
        return None


def em(c: str, face: str) -> float:
    """The advance of one character in em of `face`."""
    table = _font(face)
    if table is None:
        return _guess(c)
    w = table.get(ord(c))
    return _guess(c) if w is None else w


def line_height(face: str) -> float:
    """A single-spaced line of `face`, in em: ascent + descent + line gap of its hhea table, which LibreOffice
    sets a line of single spacing at."""
    table = _font(face)
    return table.get(LINE, SINGLE) if table is not None else SINGLE


def width(s: str, size: float, face: str, spacing: float = 0.0) -> float:
    """Width in pt of a single line of s in `face` at `size` pt, with `spacing` pt added after each character."""
    return sum(em(c, face) * size + spacing for c in s)


AUTOSPACE = 0.2  # em: what LibreOffice 7.4 adds between Chinese and Latin text (measured in its PDFs: 2.8 pt at
# 14 pt, 3.2 pt at 16 pt, 2.1 pt at 10.5 pt; a justified line spreads it further)


def autospace(s: str, size: float) -> float:
    """The space in pt LibreOffice adds inside s where Chinese meets a Latin letter or a digit (7月13日 has three
    such places, 〔2026〕1号 one). It does so whatever w:autoSpaceDE/DN say (its .docx import ignores them); Word and WPS follow
    them and add nothing, so a width that must hold in all three counts this space too."""
    return sum(AUTOSPACE * size for a, b in zip(s, s[1:]) if spaced(a, b))


def spaced(a: str, b: str) -> bool:
    """Whether LibreOffice puts its Chinese–Latin space between the characters a and b: a Chinese character (not
    punctuation: 〔2026〕 has none, measured) beside a Latin letter or a digit."""
    def wide(c):
        return unicodedata.east_asian_width(c) in "WF" and not unicodedata.category(c).startswith("P")

    def latin(c):
        return c.isascii() and c.isalnum()

    return wide(a) and latin(b) or latin(a) and wide(b)


@functools.lru_cache(maxsize=4096)
def _drawable(c: str) -> bool:
    """Whether any font LibreOffice finds through the font map (fontconfig's fallback included) draws `c`; True
    when that cannot be asked (no fontconfig: a machine that only writes .docx drafts)."""
    if not shutil.which("fc-list"):
        return True
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    try:
        out = subprocess.run(["fc-list", "-f", "%{file}\n", f":charset={ord(c):x}"], env=env, capture_output=True,
                             text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return True
    return bool(out.strip())


def undrawable(text: str, faces: tuple[str, ...]) -> list[str]:
    """The characters of `text` (each once, in order) that no installed font draws: the PDF would print each as
    a box (the missing-glyph mark) (an emoji pasted from a chat, a character of a script no office font has). A character one of
    `faces` (the document's own) draws is not asked about again; the others are asked of fontconfig, once each."""
    tables = [t for t in (_font(f) for f in faces) if t is not None]
    out = []
    for c in dict.fromkeys(text):
        cp = ord(c)
        if cp < 0x7F or c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Mn"):
            continue
        if any(cp in t for t in tables):
            continue
        if not _drawable(c):
            out.append(c)
    return out
