"""Measuring official-document PDFs against GB/T 9704 (positions in mm from the page's top-left corner)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pdfplumber
from pypdf import PdfReader

MM = 72 / 25.4
TOP, LEFT, AREA_W, AREA_H = 37.0, 28.0, 156.0, 225.0
BOTTOM_EDGE = TOP + AREA_H  # 262 mm
RIGHT_EDGE = LEFT + AREA_W  # 184 mm
RED = (1, 0, 0)


def mm(v: float) -> float:
    return v / MM


def is_red(color) -> bool:
    return color is not None and tuple(round(float(c), 2) for c in color) in ((1.0, 0.0, 0.0),)


@dataclass
class Line:
    """A text line: its characters in reading order."""
    text: str
    top: float  # mm
    bottom: float
    x0: float
    x1: float
    size: float  # pt, the most common size
    font: str
    red: bool


def text_lines(page) -> list[Line]:
    rows: dict[float, list] = {}
    for c in page.chars:
        if not c["text"].strip():
            continue
        key = round(c["bottom"], 0)
        rows.setdefault(key, []).append(c)
    out = []
    for _, cs in sorted(rows.items()):
        cs.sort(key=lambda c: c["x0"])
        size = Counter(round(c["size"], 1) for c in cs).most_common(1)[0][0]
        font = Counter(c["fontname"].split("+")[-1] for c in cs).most_common(1)[0][0]
        out.append(Line("".join(c["text"] for c in cs), mm(min(c["top"] for c in cs)), mm(max(c["bottom"] for c in cs)),
                        mm(min(c["x0"] for c in cs)), mm(max(c["x1"] for c in cs)), size, font,
                        all(is_red(c.get("non_stroking_color")) for c in cs)))
    return out


def rules(page, min_width_mm: float = 100) -> list[dict]:
    """Horizontal lines and thin rectangles at least min_width_mm wide: (x0, x1, y, thickness_mm, red)."""
    out = []
    for o in page.objects.get("line", []) + page.objects.get("rect", []):
        w = mm(o["x1"] - o["x0"])
        h = mm(o["bottom"] - o["top"])
        if w >= min_width_mm and h < 2:
            color = o.get("stroking_color") if o["object_type"] == "line" else (o.get("non_stroking_color") or o.get("stroking_color"))
            thick = max(h, mm(o.get("linewidth") or 0))
            out.append({"x0": mm(o["x0"]), "x1": mm(o["x1"]), "y": mm((o["top"] + o["bottom"]) / 2), "bottom": mm(o["bottom"]),
                        "thickness": thick, "red": is_red(color)})
    return sorted(out, key=lambda r: r["y"])


def page_number_line(page) -> Line | None:
    for ln in text_lines(page):
        if ln.text.startswith("—") and ln.text.endswith("—"):
            return ln
    return None


def fonts_embedded(path) -> tuple[list[str], list[str]]:
    """(embedded font names, names not embedded) over all pages."""
    emb, not_emb = set(), set()
    for page in PdfReader(str(path)).pages:
        res = page.get("/Resources") or {}
        fonts = res.get("/Font") or {}
        for f in fonts.values():
            f = f.get_object()
            name = str(f.get("/BaseFont"))
            descs = [f] + [d.get_object() for d in f.get("/DescendantFonts", [])]
            fd = None
            for d in descs:
                if "/FontDescriptor" in d:
                    fd = d["/FontDescriptor"].get_object()
            if fd is not None and any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                emb.add(name)
            else:
                not_emb.add(name)
    return sorted(emb), sorted(not_emb)


def open_pdf(path):
    return pdfplumber.open(str(path))
