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


# ---- checks of GB/T 9704 shared by the tests of each official document (test_pdf_layout, test_notice_layout)

PUNCT_HANG = "，。、；：！？）》”"
ONE_CHAR_14_MM = 14 / MM  # one 四号 character (page numbers, 版记), mm


def check_a4(pdf_pages) -> None:
    for p in pdf_pages:
        assert abs(mm(p.width) - 210) < 0.5 and abs(mm(p.height) - 297) < 0.5, p.page_number


def check_inside_type_area(pdf_pages) -> None:
    """Every character but the page number inside the type area. LibreOffice 7.4 hangs a line-end punctuation
    mark into the margin (it ignores w:overflowPunct; docs/layout.md); nothing else may leave the type area."""
    for p in pdf_pages:
        pn = page_number_line(p)
        for c in p.chars:
            if not c["text"].strip() or (pn and mm(c["top"]) >= pn.top - 0.1):
                continue
            hang = 16 / MM if c["text"] in PUNCT_HANG else 0
            assert LEFT - 1 <= mm(c["x0"]) and mm(c["x1"]) <= RIGHT_EDGE + 1 + hang, (p.page_number, c["text"], mm(c["x0"]))
            assert TOP - 1 <= mm(c["top"]) and mm(c["bottom"]) <= BOTTOM_EDGE + 1, (p.page_number, c["text"])


def body_lines(lines: list[Line]) -> list[Line]:
    return [ln for ln in lines if ln.size == 16.0 and "Fandol" in ln.font and "Fang" in ln.font]


def check_body_pitch(lines: list[Line], at_least: int = 5) -> None:
    """Body 16 pt 仿宋 at 22 lines to the type area (28.9 pt), consecutive lines only."""
    body = body_lines(lines)
    assert len(body) >= at_least, [ln.text for ln in body]
    pitches = [(b.top - a.top) * MM for a, b in zip(body, body[1:])]
    regular = [x for x in pitches if x < 40]  # consecutive lines, not across a table or a blank line
    assert regular and all(28.4 <= x <= 29.5 for x in regular), regular


# marks that may not begin a line: one that does not fit at a line's end goes down with the character before it
# (w:overflowPunct off, as Word and WPS set it; docs/layout.md 标点悬挂), leaving that line one character short
NO_LINE_START = "，。、；：！？）》”’〕】"


def full_chinese_lines(all_lines) -> list[tuple[Line, int]]:
    """Body lines of Chinese characters only that run from the left edge to the right edge of the type area, each
    with the characters it holds on the 28-character grid: 28, or 27 when the next line begins with the character
    a mark that may not begin a line took down with it."""
    import re

    out = []
    for lines in all_lines:
        body = body_lines(lines)
        for ln, nxt in zip(body, body[1:] + [None]):
            if ln.x1 > RIGHT_EDGE - 1.5 and ln.x0 < LEFT + 0.5 and re.fullmatch(r"[\u3000-\u9fff\uff00-\uffef]+", ln.text):
                pushed = nxt is not None and len(nxt.text) >= 2 and nxt.text[1] in NO_LINE_START
                out.append((ln, 27 if pushed else 28))
    return out


def check_numbers_unbroken(all_lines) -> None:
    for lines in all_lines:
        for a, b in zip(lines, lines[1:]):
            if a.size == b.size == 16.0 and a.text and b.text:
                assert not (a.text[-1].isdigit() and b.text[0].isdigit()), (a.text, b.text)


def title_lines(lines: list[Line]) -> list[Line]:
    """The 22 pt title lines, each checked to be 小标宋 (the bold serif face standing in for it)."""
    title = [ln for ln in lines if ln.size == 22.0]
    assert all("Serif" in t.font and "Bold" in t.font for t in title), [t.font for t in title]
    return title


def check_red_mark_and_line(lines: list[Line], rl: list[dict]) -> Line:
    """The red 发文机关标志 35 mm below the type area's top, the red line type-area wide 4 mm below the 发文字号;
    returns the 发文字号's line."""
    mark = [ln for ln in lines if ln.red]
    assert len(mark) == 1 and mark[0].text.endswith("文件") and mark[0].size >= 22, [m.text for m in mark]
    assert abs(mark[0].top - (TOP + 35)) <= 1.0, mark[0].top
    assert LEFT - 0.5 <= mark[0].x0 and mark[0].x1 <= RIGHT_EDGE + 0.5
    red = [r for r in rl if r["red"]]
    assert red, "no red line"
    line = red[0]
    assert abs(line["x0"] - LEFT) < 0.5 and abs(line["x1"] - RIGHT_EDGE) < 0.5
    number = next(ln for ln in lines if "〔" in ln.text and "号" in ln.text)
    assert abs(line["y"] - number.bottom - 4.0) <= 1.0, (line["y"], number.bottom)
    return number


def check_page_number(page, n: int) -> None:
    """Page n's number per 7.5: —n— in 四号, 7 mm below the type area, odd pages right and even pages left,
    one character in."""
    pn = page_number_line(page)
    assert pn is not None, page.page_number
    chars = [c for c in page.chars if mm(c["top"]) >= pn.top - 0.1 and c["text"].strip()]
    assert "".join(c["text"] for c in chars) == f"—{n}—"
    assert chars[0]["text"] == "\u2014" and chars[-1]["text"] == "\u2014"
    assert all(round(c["size"]) == 14 for c in chars)
    assert abs(pn.top - (BOTTOM_EDGE + 7)) <= 1.0, pn.top
    if n % 2:
        assert abs(pn.x1 - (RIGHT_EDGE - ONE_CHAR_14_MM)) <= 1.0, pn.x1
    else:
        assert abs(pn.x0 - (LEFT + ONE_CHAR_14_MM)) <= 1.0, pn.x0


def check_banji(page, lines: list[Line], rl: list[dict], cc: str | None, organ: str, printed_on: str) -> None:
    """版记 (7.4) on an even last page: thick first and last rules, a thin one between 抄送 and 印发 (no 抄送: the
    two thick rules alone), the last on the type area's bottom edge; 抄送 in 四号 one character in, 印发机关 one
    character in on the left and 印发日期 one character in on the right, right on the last rule (7.4.3)."""
    assert page.page_number % 2 == 0
    full = [r for r in rl if abs(r["x0"] - LEFT) < 1 and abs(r["x1"] - RIGHT_EDGE) < 1 and not r["red"]]
    banji = full[-3:] if cc else full[-2:]
    assert len(banji) == (3 if cc else 2)
    assert abs(banji[-1]["bottom"] - BOTTOM_EDGE) <= 1.0, banji[-1]["bottom"]
    assert all(r["thickness"] > banji[1]["thickness"] for r in (banji[0], banji[-1])) if cc else \
        banji[0]["thickness"] == banji[1]["thickness"]
    if cc:
        line = next(ln for ln in lines if ln.text.startswith("抄送："))
        assert line.text == cc and line.size == 14.0
        assert banji[0]["y"] < line.top < banji[1]["y"]
        assert abs(line.x0 - (LEFT + ONE_CHAR_14_MM)) < 1.0
    else:
        assert not any(ln.text.startswith("抄送") for ln in lines)
    printed = next(ln for ln in lines if ln.text.endswith("印发"))
    assert printed.text == f"{organ}{printed_on}印发" and printed.size == 14.0
    assert banji[-2]["y"] < printed.top < banji[-1]["y"]  # the last element, right on the last rule
    below = [ln for ln in lines if ln.top > printed.top and not (ln.text.startswith("—") and ln.text.endswith("—"))]
    assert below == [], [ln.text for ln in below]
    assert abs(printed.x0 - (LEFT + ONE_CHAR_14_MM)) < 1.0 and abs(printed.x1 - (RIGHT_EDGE - ONE_CHAR_14_MM)) < 1.0


def check_signature(lines: list[Line], organ: str, date: str) -> int:
    """Unsealed (7.3.5.3): the 发文机关署名 two characters from the right, the 成文日期 below it, its first character
    two characters right of the 署名's. Returns the index of the 署名's line."""
    i = next(i for i, ln in enumerate(lines) if ln.text == organ)
    assert lines[i + 1].text == date
    char = 15.75 / MM
    assert abs((RIGHT_EDGE - lines[i].x1) - 2 * char) < 1.0, lines[i].x1
    assert abs((lines[i + 1].x0 - lines[i].x0) - 2 * char) < 1.0, lines[i + 1].x0
    return i


def check_docx_standard_fonts(docx_path, faces=("仿宋_GB2312", "方正小标宋简体", "黑体")) -> None:
    import zipfile

    with zipfile.ZipFile(docx_path) as z:
        xml = z.read("word/document.xml").decode() + z.read("word/styles.xml").decode()
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    for face in faces:
        assert f'w:eastAsia="{face}"' in xml, face
    assert 'w:eastAsia="宋体"' in xml and 'w:pStyle w:val="页码"' in footers  # page numbers in 宋体
    assert "eastAsiaTheme" not in xml
    assert "docGrid" not in xml
