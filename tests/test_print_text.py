"""What the document says is what the page prints (issue 17): for every document kind, the text of the .docx and
the text of its PDF (LibreOffice 7.4) hold the same characters, in the same order; and the proofreader's findings
measured on the PDF (楷体 face, titles, numbering, numbers never split, tables, the 版记 page).

Characters the comparison leaves out, and why:
- whitespace (spaces, tabs, line breaks): layout; the PDF has no tab character and puts spaces where it likes;
- U+2060 WORD JOINER: a no-break join between the characters of a number (〔2021〕11号, 11月10日), zero width,
  never drawn;
- a page number line "— N —": its number is a PAGE field, which only the layout knows; the .docx holds no digit of it;
- a table's header row repeated at the top of a following page: the .docx holds it once (w:tblHeader).
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from pdfcheck import mm, open_pdf, text_lines

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_ONLY = {"\u2060"}
PAGE_NO = re.compile(r"^—\d+—$")


def keep(ch: str) -> bool:
    return bool(ch.strip()) and ch not in LAYOUT_ONLY


# ------------------------------------------------------------------ the .docx's text, in reading order

def _cell_text(tc, parent) -> str:
    cell = _Cell(tc, parent)
    return "".join(_blocks(cell._tc, cell))


def _blocks(container, parent):
    """The text of a body, cell or footer: paragraphs and tables in document order, a table row by row, cell by
    cell (a merged cell once)."""
    out = []
    for el in container.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, parent)
            if p.style is not None and p.style.name == "页码":
                continue
            out.append(p.text)
        elif el.tag == qn("w:tbl"):
            t = Table(el, parent)
            for tr in el.iterchildren(qn("w:tr")):
                for tc in tr.iterchildren(qn("w:tc")):
                    out.append(_cell_text(tc, t))
    return out


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = _blocks(doc.element.body, doc._body)
    for section in doc.sections:  # the 版记 lives in the last section's even-page footer
        for footer in (section.even_page_footer, section.footer):
            if footer.is_linked_to_previous:
                continue
            parts += _blocks(footer._element, footer)
    return "".join(ch for ch in "".join(parts) if keep(ch))


# ------------------------------------------------------------------ the PDF's text, in reading order

def _in(c, bbox) -> bool:
    x = (c["x0"] + c["x1"]) / 2
    y = (c["top"] + c["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _line_text(chars) -> str:
    rows: dict[float, list] = {}
    for c in chars:
        rows.setdefault(round(c["bottom"]), []).append(c)
    return "".join("".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"])) for _, cs in sorted(rows.items()))


def pdf_pages(path: Path) -> list[list[tuple[str, object]]]:
    """Each page as items in reading order: ("line", text) for a line outside tables, ("table", [row texts…])."""
    pages = []
    with open_pdf(path) as pdf:
        for page in pdf.pages:
            chars = [c for c in page.chars if keep(c["text"])]
            items = []
            tables = page.find_tables()
            used = set()
            for t in tables:
                rows = []
                for row in t.rows:
                    texts = []
                    for cell in row.cells:
                        if cell is None:
                            continue
                        inside = [c for c in chars if id(c) not in used and _in(c, cell)]
                        used.update(id(c) for c in inside)
                        texts.append(_line_text(inside))
                    rows.append("".join(texts))
                items.append((t.bbox[1], "table", rows))
            rest = [c for c in chars if id(c) not in used]
            lines: dict[float, list] = {}
            for c in rest:
                lines.setdefault(round(c["bottom"]), []).append(c)
            for key, cs in lines.items():
                text = "".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"]))
                if PAGE_NO.match(text):
                    continue
                items.append((min(c["top"] for c in cs), "line", text))
            pages.append([(kind, v) for _, kind, v in sorted(items, key=lambda i: i[0])])
    return pages


def pdf_text(path: Path) -> str:
    out = []
    last_head = None  # the first row of the last table fragment on the page before
    for items in pdf_pages(path):
        head_here = None
        for i, (kind, v) in enumerate(items):
            if kind == "line":
                out.append(v)
                continue
            rows = list(v)
            if i == 0 and last_head is not None and rows and rows[0] == last_head:
                rows = rows[1:]  # the header row repeated on a new page
            out += rows
            head_here = v[0] if v else None
        last_head = head_here if items and items[-1][0] == "table" else None
    return "".join(ch for ch in "".join(out) if keep(ch))


def compare(docx: Path, pdf: Path) -> None:
    a, b = docx_text(docx), pdf_text(pdf)
    missing, extra = Counter(a) - Counter(b), Counter(b) - Counter(a)
    assert not missing and not extra, f"{docx.name}: 未印出 {dict(missing)}，多印 {dict(extra)}"
    if a != b:
        i = next(k for k, (x, y) in enumerate(zip(a, b)) if x != y)
        raise AssertionError(f"{docx.name}: 第 {i} 字起顺序不同：.docx …{a[max(0, i - 15):i + 15]}… PDF …{b[max(0, i - 15):i + 15]}…")


# ------------------------------------------------------------------ every document kind, as the demo makes them

@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The example office's year on the demo's fixed dates (Makefile demo): slips of every kind, both bulletins,
    the blank forms and the sample, each .docx with its PDF."""
    from docgen.cli import main

    base = tmp_path_factory.mktemp("office")
    reg, out = base / "registers", base / "output"
    shutil.copytree(ROOT / "registers", reg)
    d = ["-r", str(reg), "-o", str(out)]
    for args in (["sample", "--on", "2026-11-20"], ["build", "--on", "2026-10-12"],
                 ["bulletin", "--period", "2026-Q3", "--on", "2026-10-12"], ["build", "--on", "2026-11-16"],
                 ["build", "--on", "2026-11-20"], ["bulletin", "--period", "2026-10", "--on", "2026-11-20"],
                 ["form", "延期申请", "2026-GW05-4", "--on", "2026-11-20"],
                 ["form", "办结反馈", "2026-GW05-3", "--on", "2026-11-20"]):
        assert main(d + args) == 0, args
    return out


def kinds(out: Path) -> dict[str, Path]:
    """One .docx of each kind (the first by name), with a PDF beside it."""
    found = {
        "交办单": sorted((out / "slips" / "交办单").glob("*.docx")),
        "催办单": sorted((out / "slips" / "催办单").glob("*.docx")),
        "整改通知单": sorted((out / "slips" / "整改单").glob("*.docx")),
        "签收登记表": sorted(out.glob("batches/*/签收登记表*.docx")),
        "延期申请表": sorted((out / "forms").glob("延期申请表*.docx")),
        "办结反馈单": sorted((out / "forms").glob("办结反馈单*.docx")),
        "督导通报第1期": sorted((out / "bulletins").glob("*第1期.docx")),
        "督导通报第2期": sorted((out / "bulletins").glob("*第2期.docx")),
        "样例公文": sorted((out / "sample").glob("*.docx")),
    }
    return {k: v[0] for k, v in found.items() if v}


KINDS = ["交办单", "催办单", "整改通知单", "签收登记表", "延期申请表", "办结反馈单", "督导通报第1期", "督导通报第2期",
         "样例公文"]


def test_every_kind_is_made(office):
    assert sorted(kinds(office)) == sorted(KINDS)
    for docx in kinds(office).values():
        assert docx.with_suffix(".pdf").is_file(), docx


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_prints_every_character_of_the_docx_in_order(office, kind):
    docx = kinds(office)[kind]
    compare(docx, docx.with_suffix(".pdf"))


def test_every_slip_and_form_prints_its_text(office):
    # all of them, not only the first of each kind: any line-end comma in any slip
    files = sorted(office.glob("slips/*/*.docx")) + sorted(office.glob("forms/*.docx")) + \
        sorted(office.glob("batches/*/签收登记表*.docx"))
    assert len(files) >= 20
    for docx in files:
        compare(docx, docx.with_suffix(".pdf"))


def test_the_hung_comma_of_bulletin_2_is_printed(office):
    # the proofreader's line: 第2期 p3 item 1 of 四、 ends "…已逾期43天，连续第2期被通报。" in the .docx
    pdf = office / "bulletins" / "督导通报2026年第2期.pdf"
    text = pdf_text(pdf)
    assert "已逾期43天，连续第2期被通报。" in text
    assert "43天连续" not in text
