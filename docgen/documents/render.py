"""Official documents to PDF: batched LibreOffice conversion, then the 版记 placement pass.

GB/T 9704 7.4 puts the 版记's last rule on the bottom edge of the last page's type area. After the first
batch, each document with a 版记 is measured in its PDF; the spacer before the 版记 is grown by the gap, and
those documents are converted again in one more batch. The .docx keeps the spacer, so Word and WPS show the
same page.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pdfplumber
from lxml import etree

from ..files import atomic_write_bytes
from ..pdf import Result, convert
from .gbt9704 import AREA_W, BANJI_MARK, LEFT, PAGE_H, BOTTOM
from .oxml import MM

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
TOLERANCE_MM = 0.3
TARGET_MM = 0.2  # the last rule sits this far above the edge, leaving room for the one-twip closing paragraph


def _spacer(root):
    marks = root.xpath(f"//w:bookmarkStart[@w:name='{BANJI_MARK}']", namespaces=NS)
    if not marks:
        return None
    p = marks[0].getparent()
    return p.find(f"{{{W}}}pPr/{{{W}}}spacing")


def has_banji(docx: Path) -> bool:
    with zipfile.ZipFile(docx) as z:
        return BANJI_MARK.encode() in z.read("word/document.xml")


def banji_gap_mm(pdf: Path) -> float | None:
    """Distance from the 版记's last rule down to the type area's bottom edge on the last page (mm)."""
    with pdfplumber.open(str(pdf)) as doc:
        page = doc.pages[-1]
        rules = [o for o in page.objects.get("line", []) + page.objects.get("rect", [])
                 if o["height"] < 2 and abs(o["x0"] / MM - LEFT) < 1.5 and abs(o["x1"] / MM - (LEFT + AREA_W)) < 1.5]
        if not rules:
            return None
        lowest = max(rules, key=lambda o: o["bottom"])
        return (PAGE_H - BOTTOM) - lowest["bottom"] / MM


def grow_spacer(docx: Path, by_mm: float) -> None:
    with zipfile.ZipFile(docx) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            if info.filename == "word/document.xml":
                root = etree.fromstring(data)
                sp = _spacer(root)
                line = int(sp.get(f"{{{W}}}line")) + round(by_mm * MM * 20)
                sp.set(f"{{{W}}}line", str(max(20, line)))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            z.writestr(info, data)
    atomic_write_bytes(docx, out.getvalue())


def render_pdfs(docx_files: list[Path], workers: int | None = None, progress=None, alone: tuple = ()) -> list[Result]:
    """Convert official documents to PDF, with every 版记 on the bottom edge of its page's type area. Long
    documents named in `alone` are converted in a LibreOffice start of their own, first."""
    results = {r.docx: r for r in convert(docx_files, workers, progress=progress, alone=alone)}
    for _ in range(3):
        redo = []
        for r in results.values():
            if r.pdf is None or not has_banji(r.docx):
                continue
            gap = banji_gap_mm(r.pdf)
            if gap is not None and abs(gap - TARGET_MM) > TOLERANCE_MM:
                grow_spacer(r.docx, gap - TARGET_MM)
                redo.append(r.docx)
        if not redo:
            break
        for r in convert(redo, workers):
            results[r.docx] = r
    return [results[Path(p)] for p in docx_files]
