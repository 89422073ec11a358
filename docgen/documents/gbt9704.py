"""GB/T 9704-2012 《党政机关公文格式》: the one layout every document kind uses.

`OfficialDocument` lays out the standard's elements: page geometry, 版头 (份号, 密级, 紧急程度, red 发文机关标志,
发文字号, red separator), the 简报-style masthead for 《督导通报》, 标题, 主送机关, 正文 with its four 层次序数,
tables that fit the type area and repeat their header row, 附件说明, 署名 and 成文日期, 附注, 附件 pages, 版记 at
the bottom of the last page's type area, and page numbers "— N —". Slips, bulletins and the sample compose these
methods; none of them draws a masthead, table or page number of its own.

The .docx names the standard faces (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312, 宋体); docgen/fonts/fonts.conf maps
them to Debian's stand-ins for PDF conversion.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from . import oxml as X

# ------------------------------------------------------------------ the standard's numbers

PAGE_W, PAGE_H = 210.0, 297.0  # mm
TOP, LEFT = 37.0, 28.0  # 天头, 订口
AREA_W, AREA_H = 156.0, 225.0  # 版心
BOTTOM = PAGE_H - TOP - AREA_H  # 35
RIGHT = PAGE_W - LEFT - AREA_W  # 26
LINES, CHARS = 22, 28
PITCH = AREA_H * X.MM / LINES  # 28.95 pt line pitch
BODY = 16.0  # 三号
TITLE = 22.0  # 二号
SMALL = 14.0  # 四号
CHAR_SPACING = -0.25  # pt: 28 characters of 16 pt fit in 156 mm (28 × 15.75 = 441 pt of 442.2)
CHAR = BODY + CHAR_SPACING  # one 字 of body text, in pt
RED = "FF0000"

FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
STANDARD_FACES = (FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI)

# Page numbers: the line sits 7 mm below the type area (7.5). FOOTER_DISTANCE is from the paper's bottom edge to
# the bottom of the footer's line box (exact PAGE_NO_LINE pt high); see tests/test_pdf_layout.py.
PAGE_NO_LINE = 14.0
PAGE_NO_GAP = 7.0  # mm
# Measured on LibreOffice 7.4 with Noto Serif CJK: the em box of a 14 pt line sits 0.94 mm above the box's bottom.
PAGE_NO_EM_RAISE = 0.94  # mm
FOOTER_DISTANCE = BOTTOM - PAGE_NO_GAP - PAGE_NO_LINE / X.MM - PAGE_NO_EM_RAISE  # mm

FORM_LINE, FORM_PAD_X, FORM_PAD_Y = 1.4, 4.0, 1.5  # forms: line height (× size), cell padding (pt)
BANJI_MARK = "docgen_banji_spacer"  # bookmark on the paragraph that pushes the 版记 to the bottom
MARK_EM_DROP = -0.037
MARK_TOP = 35.0  # mm from the type area's top edge to the top of the 发文机关标志 (7.2.4)
RED_LINE_GAP = 4.0  # mm below the 发文字号


def text_width(s: str, size: float = BODY, spacing: float = CHAR_SPACING) -> float:
    """Width of a single-line text in pt: full-width characters one em, others half."""
    w = 0.0
    for c in s:
        w += size if unicodedata.east_asian_width(c) in "WF" else size / 2
        w += spacing
    return w


def chars(s: str) -> float:
    """Width of s in 字 (full-width characters count 1, half-width 0.5)."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in s)


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _break_cost(left: str, right: str) -> float:
    """How bad it is to end a title line between left and right."""
    if left[-1].isdigit() and (right[0].isdigit() or right[0] in "年月日号期") or \
            left[-1] in "年月〔" and right[0].isdigit():
        return 12.0  # never inside a number or a date
    if left[-1] in "的和及与、，" or right.startswith("关于") or left.endswith("委员会"):
        return 0.0  # a natural break
    return 4.0  # inside a phrase


def split_title(title: str, per_line: float = 20) -> list[str]:
    """Wrap a long title (7.3.1): lines no wider than per_line 字 (digits and Latin letters count half), upper
    lines not shorter than lower ones where the words allow (梯形), breaking at natural points, never inside
    a number or a date. Tries the fewest lines and one more, and keeps the better."""
    if chars(title) <= per_line:
        return [title]
    fewest = math.ceil(chars(title) / per_line)
    best: tuple[float, list[str]] | None = None

    def search(rest: str, n: int, acc: list[str], cost: float) -> None:
        nonlocal best
        if best is not None and cost >= best[0]:
            return
        if n == 1:
            if chars(rest) <= per_line:
                lines = acc + [rest]
                shape = sum(2.0 for a, b in zip(lines, lines[1:]) if chars(a) < chars(b))
                total = cost + shape + 3.0 * (len(lines) - fewest)
                if best is None or total < best[0]:
                    best = (total, lines)
            return
        for j in range(1, len(rest)):
            head = rest[:j]
            if chars(head) > per_line:
                break
            if chars(rest[j:]) > per_line * (n - 1) or chars(head) < per_line / 3:
                continue
            search(rest[j:], n - 1, acc + [head], cost + _break_cost(head, rest[j:]))

    for n in (fewest, fewest + 1):
        search(title, n, [], 0.0)
    return best[1] if best else [title]


def fit_mark(mark: str, size: float) -> tuple[float, int | None]:
    """The 发文机关标志's size and horizontal scale (%) so that it fits the 156 mm line: squeezed down to 60 %,
    then smaller."""
    avail = AREA_W * X.MM - 2
    w = text_width(mark, size, 0)
    if w <= avail:
        return size, None
    scale = math.floor(avail / w * 100)
    if scale >= 60:
        return size, scale
    return round(avail / (w / size) / 0.6, 1), 60


@dataclass(frozen=True)
class Face:
    """A run's look: face, size, and optional bold/colour/scale/spacing."""

    face: str = FANGSONG
    size: float = BODY
    bold: bool = False
    color: str | None = None
    scale: int | None = None
    spacing: float | None = CHAR_SPACING

    def apply(self, rpr) -> None:
        X.set_rpr(rpr, face=self.face, size=self.size, bold=self.bold, color=self.color, scale=self.scale,
                  spacing=self.spacing)


BODY_FACE = Face()
HEADING_FACES = {1: Face(HEITI), 2: Face(KAITI), 3: Face(FANGSONG), 4: Face(FANGSONG)}


class OfficialDocument:
    """A document laid out by GB/T 9704-2012. Add elements in reading order, then save()."""

    def __init__(self):
        self.doc = Document()
        self._setup_styles()
        self._setup_page(self.doc.sections[0])

    # ---- set-up
    def _setup_styles(self) -> None:
        styles = self.doc.styles
        # document defaults: no theme fonts anywhere
        rpr_default = self.doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        X.set_rpr(rpr_default, face=FANGSONG, size=BODY)
        lang = rpr_default.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr_default.append(lang)
        # Chinese for East Asian text; digits and Latin letters keep a Western language, or LibreOffice
        # breaks numbers like Chinese characters (统计截至202 / 6年)
        lang.set(qn("w:eastAsia"), "zh-CN")
        lang.set(qn("w:val"), "en-US")
        # no theme fonts in any style of the template: every face is named
        for rf in self.doc.styles.element.iter(qn("w:rFonts")):
            for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                if rf.get(qn(a)) is not None:
                    del rf.attrib[qn(a)]
        normal = styles["Normal"]
        X.set_rpr(normal.element.get_or_add_rPr(), face=FANGSONG, size=BODY, spacing=CHAR_SPACING)
        ppr = normal.element.get_or_add_pPr()
        X.set_ppr(ppr, line=PITCH, before=0, after=0, align="both", widow=False)
        X.no_autospace(ppr)
        settings = self.doc.settings.element
        # no document grid: exact line pitch only (gbt9704.md: the grid doubled tall stand-in lines)
        for sect in self.doc.element.body.iter(qn("w:sectPr")):
            for g in sect.findall(qn("w:docGrid")):
                sect.remove(g)
        cs = settings.find(qn("w:compat"))
        if cs is None:
            cs = OxmlElement("w:compat")
            settings.append(cs)
        self.doc.settings.odd_and_even_pages_header_footer = True
        self.doc.core_properties.language = "zh-CN"

    def _setup_page(self, section) -> None:
        section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
        section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(FOOTER_DISTANCE)
        self._page_numbers(section)

    def _page_numbers(self, section) -> None:
        """— N — in 四号宋体, odd pages right one character in, even pages left one character in."""
        for footer, align, ind in ((section.footer, "right", "right"), (section.even_page_footer, "left", "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            ppr = X.para_ppr(p)
            X.set_ppr(ppr, align=align, line=PAGE_NO_LINE, **{ind: SMALL})
            face = Face(SONGTI, SMALL, spacing=0)
            r = p.add_run("— ")
            face.apply(X.run_rpr(r))
            X.field(p, "PAGE", face.apply)
            r = p.add_run(" —")
            face.apply(X.run_rpr(r))

    # ---- paragraphs
    def paragraph(self, text: str = "", face: Face = BODY_FACE, *, align: str = "both", line: float = PITCH,
                  first_line: float | None = None, left: float | None = None, right: float | None = None,
                  before: float = 0, keep_next: bool = False, page_break_before: bool = False, hanging=None):
        p = self.doc.add_paragraph()
        ppr = X.para_ppr(p)
        X.set_ppr(ppr, align=align, line=line, before=before, after=0, first_line=first_line, left=left,
                  right=right, keep_next=keep_next, page_break_before=page_break_before, hanging=hanging)
        if text:
            self.runs(p, [(text, face)])
        return p

    def runs(self, p, parts) -> None:
        for text, face in parts:
            lines = text.split("\n")
            for i, ln in enumerate(lines):
                r = p.add_run(ln)
                face.apply(X.run_rpr(r))
                if i < len(lines) - 1:
                    r.add_break()

    def blank(self, n: int = 1) -> None:
        for _ in range(n):
            self.paragraph()

    # ---- 版头 (7.2)
    def masthead(self, organ: str, number: str = "", *, copy_no: str = "", secret: str = "", urgency: str = "",
                 suffix: str = "文件") -> None:
        """份号, 密级, 紧急程度 (lines 1–3), the red 发文机关标志 35 mm below the type area's top, 发文字号 two lines
        below it, and the red line 4 mm below that."""
        for text, face in ((copy_no, BODY_FACE), (secret, Face(HEITI)), (urgency, Face(HEITI))):
            self.paragraph(text, face, align="left")
        mark = organ + suffix
        size, scale = fit_mark(mark, 36.0)
        line = size * 1.2
        # The 3 lines above take 3 pitches; in an exact line of 1.2 × size, LibreOffice puts the glyph's em-box top
        # MARK_EM_DROP × size below the line's top (measured; negative: above it).
        before = MARK_TOP * X.MM - 3 * PITCH - MARK_EM_DROP * size
        self.paragraph(mark, Face(XIAOBIAOSONG, size, color=RED, scale=scale, spacing=0), align="center",
                       line=line, before=max(0.0, before))
        self.blank(2)
        self.doc_number(number)

    def doc_number(self, number: str) -> None:
        p = self.paragraph(number, align="center")
        self.red_line(p)

    def red_line(self, p) -> None:
        """The red separator under paragraph p, as wide as the type area."""
        # exact line pitch PITCH holds a 16 pt line centred: its text bottom is (PITCH-16)/2 above the box bottom.
        space = RED_LINE_GAP * X.MM - (PITCH - BODY) / 2
        X.border(X.para_ppr(p), "bottom", 1.0, RED, max(0.0, space))

    def bulletin_masthead(self, name: str, issue: str, organ: str, date: dt.date) -> None:
        """简报-style masthead: the name large and red, 第N期, the issuing body left and the date right, red line."""
        size, scale = fit_mark(name, 42.0)
        line = size * 1.25
        self.paragraph("", align="center")
        self.paragraph(name, Face(XIAOBIAOSONG, size, color=RED, scale=scale, spacing=3 if len(name) <= 6 else 0),
                       align="center", line=line, before=PITCH / 2)
        self.paragraph(issue, align="center", before=PITCH / 2)
        p = self.paragraph("", align="left")
        self.runs(p, [(organ, BODY_FACE)])
        self._tab_right(p, cn_date(date))
        self.red_line(p)

    def _tab_right(self, p, text: str, face: Face = BODY_FACE, inset: float = 0.0) -> None:
        """Text flush right (minus inset pt) on the same line, by a right tab stop."""
        ppr = X.para_ppr(p)
        tabs = X._ordered(ppr, "w:tabs", X._PPR_ORDER)
        tab = OxmlElement("w:tab")
        tab.set(qn("w:val"), "right")
        tab.set(qn("w:pos"), str(X.twips(AREA_W * X.MM - inset)))
        tabs.append(tab)
        r = p.add_run()
        face.apply(X.run_rpr(r))
        r._r.append(OxmlElement("w:tab"))
        r2 = p.add_run(text)
        face.apply(X.run_rpr(r2))

    def number_line(self, number: str, left: str = "", left_face: Face = Face(HEITI)) -> None:
        """A form's number line: the number at right, and (when urgent) the 紧急程度 at left."""
        p = self.paragraph("", align="left")
        if left:
            self.runs(p, [(left, left_face)])
        self._tab_right(p, number)

    def cut_line(self, label: str = "回　执") -> None:
        """A dashed cut line across the type area, then a receipt heading."""
        p = self.paragraph("", align="center", line=PITCH / 2)
        X.border(X.para_ppr(p), "bottom", 0.75, "000000", 0, style="dashed")
        self.paragraph(label, Face(HEITI), align="center", before=PITCH / 4)

    # ---- 主体 (7.3)
    def title(self, text: str, blank_before: int = 2) -> None:
        """标题 in 二号小标宋, centred; a long title wraps as a trapezoid (explicit line breaks are kept)."""
        self.blank(blank_before)
        lines = text.split("\n") if "\n" in text else split_title(text)
        self.paragraph("\n".join(lines), Face(XIAOBIAOSONG, TITLE, spacing=0), align="center")

    def addressee(self, text: str) -> None:
        self.blank(1)
        if not text.endswith("："):
            text += "："
        self.paragraph(text, align="left")

    def body(self, text: str) -> None:
        """A body paragraph, indented two characters."""
        self.paragraph(text, first_line=2 * CHAR)

    def heading(self, level: int, text: str, rest: str = "") -> None:
        """层次序数: 1 一、(黑体)  2 （一）(楷体)  3 1.(仿宋)  4 （1）(仿宋). `rest` continues in body face."""
        parts = [(text, HEADING_FACES[level])]
        if rest:
            parts.append((rest, BODY_FACE))
        p = self.paragraph(first_line=2 * CHAR, keep_next=not rest)
        self.runs(p, parts)

    def table(self, headers: list[str], rows: list[list[str]], widths_mm: list[float] | None = None, *,
              size: float = SMALL, header_face: str = HEITI, align: list[str] | None = None,
              header_fill: str | None = None):
        """A bordered table exactly as wide as the type area; its header row repeats on every page."""
        ncol = len(headers)
        widths = widths_mm or [AREA_W / ncol] * ncol
        scale = AREA_W / sum(widths)
        widths = [w * scale for w in widths]
        t = self.doc.add_table(rows=1 + len(rows), cols=ncol)
        X.table_width(t, widths)
        X.table_borders(t, 0.75)
        X.cell_margins(t, 1, 1, 3, 3)
        line = size * 1.5
        X.repeat_header(t.rows[0])
        for r_i, row in enumerate([headers] + rows):
            tr = t.rows[r_i]
            X.cant_split(tr)
            for c_i, val in enumerate(row):
                cell = tr.cells[c_i]
                X.cell_valign(cell, "center")
                p = cell.paragraphs[0]
                a = "center" if r_i == 0 else ((align or ["left"] * ncol)[c_i])
                X.set_ppr(X.para_ppr(p), align=a, line=line, before=0, after=0, first_line=0)
                face = Face(header_face if r_i == 0 else FANGSONG, size, spacing=0)
                self.runs(p, [(str(val), face)])
        return t

    @staticmethod
    def form_height(rows: list[tuple[str, str]], label_mm: float, size: float, min_height: float = 0) -> float:
        """An estimate (pt) of form_table's height: wrapped lines of each content cell, plus margins."""
        width = (AREA_W - label_mm) * X.MM - 2 * FORM_PAD_X
        total = 0.0
        for _, content in rows:
            lines = sum(max(1, math.ceil(text_width(part, size, 0) / width)) for part in (content or " ").split("\n"))
            total += max(min_height, lines * size * FORM_LINE + 2 * FORM_PAD_Y)
        return total

    def form_table(self, rows: list[tuple[str, str]], label_mm: float = 30.0, size: float = BODY,
                   min_height: float | None = None):
        """A two-column bordered form (label | content), type-area wide; content may hold line breaks."""
        t = self.doc.add_table(rows=len(rows), cols=2)
        X.table_width(t, [label_mm, AREA_W - label_mm])
        X.table_borders(t, 0.75)
        X.cell_margins(t, FORM_PAD_Y, FORM_PAD_Y, FORM_PAD_X, FORM_PAD_X)
        line = size * FORM_LINE
        for i, (label, content) in enumerate(rows):
            tr = t.rows[i]
            X.cant_split(tr)
            if min_height:
                X.row_height(tr, min_height)
            for j, (text, face, al) in enumerate(((label, Face(HEITI, size, spacing=0), "center"),
                                                  (content, Face(FANGSONG, size, spacing=0), "left"))):
                cell = tr.cells[j]
                X.cell_valign(cell, "center")
                p = cell.paragraphs[0]
                X.set_ppr(X.para_ppr(p), align=al, line=line, before=0, after=0, first_line=0)
                self.runs(p, [(text, face)])
        return t

    def attachments_note(self, names: list[str]) -> None:
        """附件说明: one blank line below the body, two characters in; several attachments numbered 1. 2. …"""
        if not names:
            return
        self.blank(1)
        if len(names) == 1:
            self.paragraph(f"附件：{names[0]}", first_line=2 * CHAR)
            return
        lead = "附件："
        for i, n in enumerate(names, 1):
            prefix = lead if i == 1 else "　" * len(lead)
            self.paragraph(f"{prefix}{i}.{n}", left=2 * CHAR + len(lead) * CHAR, hanging=len(lead) * CHAR)

    def signature(self, organ: str, date: dt.date, blank_before: int = 1) -> None:
        """署名 and 成文日期 without a seal (7.3.5.2): organ right two characters in; the date on the next line,
        its first character two characters right of the organ's; a longer date sits two characters in."""
        self.blank(blank_before)
        ds = cn_date(date)
        n, d = chars(organ), chars(ds)
        if d + 2 <= n:
            # the organ's right edge is fixed; the date starts two characters right of the organ's first
            # character, by a left indent (digit widths differ between faces, full-width characters do not)
            self.paragraph(organ, align="right", right=2 * CHAR)
            self.paragraph(ds, align="left", left=AREA_W * X.MM - 2 * CHAR - n * CHAR + 2 * CHAR)
        else:
            self.paragraph(organ, align="right", right=(d + 4 - n) * CHAR)
            self.paragraph(ds, align="right", right=2 * CHAR)

    def note(self, text: str) -> None:
        """附注: in parentheses, two characters in, on the line after the date."""
        if not text.startswith("（"):
            text = f"（{text}）"
        self.paragraph(text, first_line=2 * CHAR)

    def attachment_page(self, n: int | None, title: str) -> None:
        """A 附件 page: 附件N in 黑体 at line 1 flush left, its title centred on line 3."""
        self.paragraph(f"附件{n}" if n else "附件", Face(HEITI), align="left", page_break_before=True)
        self.blank(1)
        self.paragraph("\n".join(split_title(title)), Face(XIAOBIAOSONG, TITLE, spacing=0), align="center")
        self.blank(1)

    # ---- 版记 (7.4)
    def banji(self, cc: list[str] | tuple[str, ...], organ: str, date: dt.date) -> None:
        """抄送 and 印发 between thick (first, last) and thin rules, type-area wide, one character in on both sides.

        The 版记 must end on the bottom edge of the last page's type area. LibreOffice 7.4 ignores both framePr
        frames and floating tables for this, so the 版记 is an in-flow table after a spacer paragraph kept with it;
        `place_banji` (after conversion) measures the PDF and sets the spacer so the last rule sits on the edge."""
        spacer = self.doc.add_paragraph()
        X.set_ppr(X.para_ppr(spacer), line=1, before=0, after=0, keep_next=True)
        X.bookmark(spacer, BANJI_MARK)
        face = Face(FANGSONG, SMALL, spacing=0)
        rows = []
        if cc:
            rows.append(["抄送：" + "，".join(cc) + "。", None])
        rows.append([organ, f"{cn_date(date)}印发"])
        t = self.doc.add_table(rows=len(rows), cols=2)
        X.table_width(t, [AREA_W * 0.6, AREA_W * 0.4])
        X.rule_borders(t, top=0.35 * X.MM, inside=0.25 * X.MM, bottom=0.35 * X.MM)
        X.cell_margins(t, 0, 0, SMALL, SMALL)
        for i, (left, right) in enumerate(rows):
            tr = t.rows[i]
            X.cant_split(tr)
            X.row_height(tr, PITCH, exact=True)
            cells = tr.cells
            if right is None:
                cells[0].merge(cells[1])
            for j, (text, align) in enumerate(((left, "left"), (right, "right"))):
                if text is None:
                    continue
                p = tr.cells[j].paragraphs[0]
                X.set_ppr(X.para_ppr(p), align=align, line=PITCH, before=0, after=0, first_line=0,
                          keep_next=i < len(rows) - 1)
                X.cell_valign(tr.cells[j], "center")
                self.runs(p, [(text, face)])
        # a document cannot end with a table: the last paragraph is one twip high, so it fits under the rule
        end = self.doc.add_paragraph()
        X.set_ppr(X.para_ppr(end), line=0.05, before=0, after=0)
        X.set_rpr(X._ordered(X.para_ppr(end), "w:rPr", X._PPR_ORDER), size=1)

    # ---- output
    def properties(self, title: str, author: str, date: dt.date, subject: str = "", keywords: str = "") -> None:
        """Core properties, which LibreOffice carries into the PDF: title, author = the issuer, subject = the
        number, keywords = the receiving unit, created = the issue date."""
        cp = self.doc.core_properties
        cp.title, cp.author, cp.subject, cp.keywords = title, author, subject, keywords
        cp.last_modified_by = author
        cp.created = cp.modified = dt.datetime(date.year, date.month, date.day)

    def save(self, target) -> None:
        """Save to a path or a binary file object."""
        data = self.to_bytes()
        if hasattr(target, "write"):
            target.write(data)
        else:
            with open(target, "wb") as f:
                f.write(data)

    def to_bytes(self) -> bytes:
        """The .docx, the same bytes for the same document: every zip entry is dated with the document's date
        (python-docx would stamp each with the clock), compressed at a fast level."""
        cp = self.doc.core_properties
        cp.revision = 1
        if cp.author == "python-docx":  # properties() was not called
            cp.author = cp.last_modified_by = "docgen"
            cp.created = cp.modified = dt.datetime(2026, 1, 1)
        return package_bytes(self.doc, cp.created)


class _FixedZip:
    """A python-docx physical package writer (write(pack_uri, blob), close()) with fixed entry dates."""

    def __init__(self, stream, when: dt.datetime):
        import zipfile

        self.zipfile = zipfile
        self.z = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.when = (max(when.year, 1980), when.month, when.day, 0, 0, 0)

    def write(self, pack_uri, blob) -> None:
        zi = self.zipfile.ZipInfo(pack_uri.membername, date_time=self.when)
        zi.compress_type = self.zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16
        self.z.writestr(zi, blob, compresslevel=1)

    def close(self) -> None:
        self.z.close()


def package_bytes(document, when: dt.datetime) -> bytes:
    """What python-docx's Document.save writes (OpcPackage.save, PackageWriter.write, python-docx 1.2), through
    _FixedZip."""
    import io

    from docx.opc.pkgwriter import PackageWriter

    pkg = document.part.package
    parts = list(pkg.parts)
    for part in parts:
        part.before_marshal()
    buf = io.BytesIO()
    w = _FixedZip(buf, when)
    PackageWriter._write_content_types_stream(w, parts)
    PackageWriter._write_pkg_rels(w, pkg.rels)
    PackageWriter._write_parts(w, parts)
    w.close()
    return buf.getvalue()
