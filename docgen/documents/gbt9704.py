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

import copy
import datetime as dt
import functools
import logging
import math
import re
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..registers.calendar import cn_date
from . import metrics
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
CELL_PAD = 3.0  # pt, left and right in a table cell
MIN_TABLE = 10.5  # pt: no table text smaller than 五号
# the 版记 page's footer distance (mm): its last rule lands on the type area's bottom edge (measured on
# LibreOffice 7.4: the footer's closing one-twip paragraph and the rule's half width take 0.5 mm)
BANJI_FOOTER = BOTTOM - 0.5
# with the page number below it (measured on LibreOffice 7.4) the rule sat 0.33 mm low: this much more space below it
BANJI_RULE_RAISE = 0.33
APP_XML = (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           b"<Application>docgen</Application><DocSecurity>0</DocSecurity></Properties>")
MARK_EM_DROP = -0.037
MARK_TOP = 35.0  # mm from the type area's top edge to the top of the 发文机关标志 (7.2.4)
RED_LINE_GAP = 4.0  # mm below the 发文字号


def text_width(s: str, size: float = BODY, face: str = FANGSONG, spacing: float = CHAR_SPACING) -> float:
    """Width of a single-line text in pt, as the configured face draws it (documents/metrics.py)."""
    return metrics.width(s, size, face, spacing)


def chars(s: str, face: str = FANGSONG) -> float:
    """Width of s in 字 (em) of `face`."""
    return metrics.width(s, 1.0, face)


OPENING, CLOSING = "《（〔“‘【", "，。、；：！？）》〕”’】"
DOC_WORDS = ("通知", "通报", "意见", "报告", "决定", "请示", "批复", "办法", "方案", "纪要", "交办单", "催办单",
             "通知单", "登记表", "申请表", "反馈单", "清单")


@functools.lru_cache(maxsize=256)
def words(text: str) -> tuple[tuple[int, str, str], ...]:
    """The words of a Chinese text with their parts of speech (jieba's dictionary): (start, word, flag). A title
    breaks between words (GB/T 9704 7.3.1 词意完整), and preferably between phrases."""
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    out, at = [], 0
    for pair in jieba.posseg.cut(text, HMM=False):
        out.append((at, pair.word, pair.flag))
        at += len(pair.word)
    return tuple(out)


NEVER_LAST = ("的", "和", "及", "与", "并", "或", "之", "对", "把", "在")  # a line never ends on a function word
NOT_FIRST = ("和", "及", "与", "并", "或")  # a line starts on a conjunction only when nothing else fits
NOUNS = ("n", "nr", "ns", "nt", "nz", "vn", "an", "j", "l")
ORGANS = ("委员会", "管委会", "人民政府", "办公室", "办公厅", "专班", "领导小组")


def _break_cost(left: str, right: str, between_words: bool = True, last: tuple[str, str] | None = None,
                first: tuple[str, str] | None = None) -> float | None:
    """How bad it is to end a title line between left and right; None: never. `last` and `first` are the words
    (word, part of speech) on either side of the break, when it falls between words."""
    a, b = left[-1], right[0]
    if len(right) < 2 or len(left) < 2 or b in CLOSING or a in OPENING:
        return None  # never one character alone, never a line starting with closing punctuation
    if a.isdigit() and (b.isdigit() or b in "年月日号期") or a in "年月〔" and b.isdigit() or \
            a.isascii() and a.isalnum() and b.isascii() and b.isalnum():
        return None  # never inside a number, a date or a Latin word
    if b in "年月日号期度份届次" and (a.isdigit() or a in "一二三四五六七八九十季"):
        return None  # never between a number and its unit: 第三季 / 度
    if any(left.endswith(w[:k]) and right.startswith(w[k:]) for w in DOC_WORDS for k in range(1, len(w))):
        return None  # never inside 通知, 通报…
    if not between_words:
        return 10.0  # inside a word: only when nothing else fits
    lw, lf = last or (left[-1], "x")
    rw, rf = first or (right[0], "x")
    if lw in NEVER_LAST or a in NOT_FIRST or rw == "的" or left.endswith("关于"):
        # …交办催办和 / 整改工作的通知: never; nor after a conjunction jieba took into the word before it (检查和)
        return None
    if right.startswith("关于") or left.endswith(ORGANS):
        return 0.0  # the organ, then 关于…
    if a in CLOSING or b in OPENING:
        return 0.5
    if lf in ("m", "mq", "t") or a in "年月度期":
        return 0.5  # after a time: 关于2026年第三季度 / 重点工作…
    if rw in NOT_FIRST:
        return 5.0
    if len(lw) == 1 and lf not in ("p", "c", "u", "uj", "d") or len(rw) == 1 and rf not in ("p", "c", "u", "uj", "d"):
        return 6.0  # next to a single character jieba does not know as a word: most likely inside one (禁 / 烧)
    if lf in NOUNS and rf in NOUNS:
        return 4.0  # inside a compound: 重点 / 工作, 督导 / 事项
    if lf in NOUNS and rf.startswith("v"):
        return 1.5  # before a verb phrase
    if lf.startswith("v") and rf.startswith("v"):
        return 3.0  # between two coordinated verbs: 交办 / 催办
    return 2.0  # between two words of a phrase


def split_title(title: str, size: float = TITLE, face: str = XIAOBIAOSONG, width: float | None = None) -> list[str]:
    """Wrap a long title (7.3.1) into lines that fit the type area as `face` draws them: never one character
    alone, at phrase boundaries where the words allow, shaped as a trapezoid (upper lines not shorter) or a
    diamond (the middle longest). Tries the fewest lines and one more, and keeps the better."""
    avail = (AREA_W * X.MM if width is None else width) - 1.0
    w = lambda s: text_width(s, size, face, 0)  # noqa: E731
    if w(title) <= avail:
        return [title]
    fewest = math.ceil(w(title) / avail)
    best: tuple[float, list[str]] | None = None
    tagged = {start: (word, flag) for start, word, flag in words(title)}
    ends = {start + len(word): (word, flag) for start, word, flag in words(title)}

    def shape(lines: list[str]) -> float:
        ws = [w(x) for x in lines]
        # a trapezoid either way up (within a character), or a diamond; not an hourglass (7.3.1)
        trapezoid = all(a >= b - size for a, b in zip(ws, ws[1:])) or all(a <= b + size for a, b in zip(ws, ws[1:]))
        peak = ws.index(max(ws))
        diamond = len(ws) >= 3 and 0 < peak < len(ws) - 1 and all(a <= b + size for a, b in zip(ws[:peak], ws[1:peak + 1])) and \
            all(a >= b - size for a, b in zip(ws[peak:], ws[peak + 1:]))
        short = sum(max(0.0, avail * 0.4 - x) / size for x in ws)  # a stub of a line reads badly
        balance = 0.1 * (max(ws) - min(ws)) / size  # lines of like length read as one title
        return (0.0 if trapezoid or diamond else 3.0) + short + balance

    def search(rest: str, n: int, acc: list[str], cost: float, at: int = 0) -> None:
        nonlocal best
        if best is not None and cost >= best[0]:
            return
        if n == 1:
            if w(rest) <= avail and len(rest) >= 2:
                lines = acc + [rest]
                total = cost + shape(lines) + 3.0 * (len(lines) - fewest)
                if best is None or total < best[0]:
                    best = (total, lines)
            return
        for j in range(2, len(rest) - 1):
            head = rest[:j]
            if w(head) > avail:
                break
            if w(rest[j:]) > avail * (n - 1) or w(head) < avail / 3:
                continue
            c = _break_cost(head, rest[j:], at + j in tagged, ends.get(at + j), tagged.get(at + j))
            if c is not None:
                search(rest[j:], n - 1, acc + [head], cost + c, at + j)

    for n in (fewest, fewest + 1, fewest + 2):
        search(title, n, [], 0.0)
        if best is not None and n > fewest:
            break
    return best[1] if best else [title]


def two_lines(text: str, size: float, face: str = FANGSONG) -> list[str]:
    """A table cell's text as one line or two, broken between words (jieba) or before an opening bracket, so
    that the wider line is as narrow as it can be: 招商服务 / 中心, 已销号 / （按期办结）; never inside a number."""
    w = lambda x: text_width(x, size, face, 0) + metrics.autospace(x, size)  # noqa: E731
    best, widest = [text], w(text)
    if len(text) < 4:
        return best
    ws = words(text)
    # between two words jieba knows (not inside a name it does not: 北集坡街道), before a number, or before 《（
    cuts = {text.index(c) for c in OPENING if c in text[1:]} | {
        start for (_, lw, _), (start, rw, _) in zip(ws, ws[1:])
        if len(lw) >= 2 and (len(rw) >= 2 or rw[0].isdigit()) and lw[-1] not in OPENING}
    for j in sorted(cuts):
        a, b = text[:j], text[j:]
        if len(a) < 2 or len(b) < 2 or b[0] in CLOSING or a[-1].isdigit() or b[0].isdigit() and a[-1] in "年月〔":
            continue
        if max(w(a), w(b)) < widest:
            best, widest = [a, b], max(w(a), w(b))
    return best


def fit_mark(mark: str, size: float) -> tuple[float, int | None]:
    """The 发文机关标志's size and horizontal scale (%) so that it fits the 156 mm line: squeezed down to 60 %,
    then smaller."""
    avail = AREA_W * X.MM - 2
    w = text_width(mark, size, XIAOBIAOSONG, 0)
    if w <= avail:
        return size, None
    scale = math.floor(avail / w * 100)
    if scale >= 60:
        return size, scale
    return round(avail / (w / size) / 0.6, 1), 60


@dataclass(frozen=True)
class Face:
    """A run's direct look, for what no style holds (a masthead squeezed to fit, a form shrunk to one page)."""

    face: str | None = None
    size: float | None = None
    bold: bool | None = None
    color: str | None = None
    scale: int | None = None
    spacing: float | None = None

    def apply(self, rpr) -> None:
        X.set_rpr(rpr, face=self.face, size=self.size, bold=self.bold, color=self.color, scale=self.scale,
                  spacing=self.spacing)


# ------------------------------------------------------------------ the style set

@dataclass(frozen=True)
class Style:
    """A named paragraph (or character) style: every paragraph docgen writes has one of these."""

    name: str
    face: str = FANGSONG
    size: float = BODY
    bold: bool = False
    color: str | None = None
    spacing: float | None = CHAR_SPACING
    align: str = "both"
    line: float | None = PITCH  # exact line pitch, pt; None: 1.0 single
    first_line: float | None = 0
    left: float | None = 0
    right: float | None = 0
    keep_next: bool = False
    outline: int | None = None  # 0 = level 1
    base: str = "Normal"
    character: bool = False


HEADING_STYLES = {1: "一级标题", 2: "二级标题", 3: "三级标题", 4: "四级标题"}  # 层次序数 一、（一）1.（1）
STYLES: dict[str, Style] = {s.name: s for s in (
    Style("正文", first_line=2 * CHAR),
    Style("公文标题", XIAOBIAOSONG, TITLE, spacing=0, align="center", first_line=0),
    Style("一级标题", HEITI, first_line=2 * CHAR, keep_next=True, outline=0, base="Heading 1"),
    Style("二级标题", KAITI, first_line=2 * CHAR, keep_next=True, outline=1, base="Heading 2"),
    Style("三级标题", FANGSONG, first_line=2 * CHAR, keep_next=True, outline=2, base="Heading 3"),
    Style("四级标题", FANGSONG, first_line=2 * CHAR, keep_next=True, outline=3, base="Heading 4"),
    Style("主送机关", align="left"),
    Style("附件说明", first_line=2 * CHAR),
    Style("署名", align="right", keep_next=True),
    Style("成文日期", align="right"),
    Style("附注", first_line=2 * CHAR),
    Style("附件标识", HEITI, align="left"),
    Style("版头", align="left"),
    Style("发文机关标志", XIAOBIAOSONG, 36.0, color=RED, spacing=0, align="center", line=None),
    Style("发文字号", align="center"),
    Style("单据编号", align="left"),
    Style("剪切线", SONGTI, 10.5, spacing=0, align="center", line=None),
    Style("版记", FANGSONG, SMALL, spacing=0, align="left"),
    Style("页码", SONGTI, SMALL, spacing=0, align="right", line=PAGE_NO_LINE),
    Style("表头", HEITI, SMALL, spacing=0, align="center", line=SMALL * 1.4),
    Style("表格文字", FANGSONG, SMALL, spacing=0, align="left", line=SMALL * 1.4),
    Style("单据标注", XIAOBIAOSONG, SMALL, color=RED, spacing=0, align="center"),
    Style("回执标题", HEITI, align="center"),
    Style("表题注", FANGSONG, SMALL, spacing=0, align="center"),
    Style("正文字符", FANGSONG, character=True, base="Default Paragraph Font"),
)}
# Word's built-in headings, which a clerk's 标题 1–4 click applies: the same looks as 一级标题–四级标题
BUILTIN_HEADINGS = {f"Heading {n}": name for n, name in HEADING_STYLES.items()}


def _style_ppr(style_el):
    ppr = style_el.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        rpr = style_el.find(qn("w:rPr"))
        if rpr is not None:
            rpr.addprevious(ppr)
        else:
            style_el.append(ppr)
    return ppr


def _define(style, spec: Style) -> None:
    """Give a python-docx style object the look of spec: fonts and paragraph format, nothing inherited from a
    theme."""
    el = style.element
    rpr = el.get_or_add_rPr()
    for child in list(rpr):
        rpr.remove(child)
    X.set_rpr(rpr, face=spec.face, size=spec.size, bold=spec.bold, color=spec.color or "000000",
              spacing=spec.spacing if spec.spacing is not None else 0)
    if spec.character:
        return
    style.quick_style = True
    ppr = _style_ppr(el)
    for child in list(ppr):
        ppr.remove(child)
    pf = style.paragraph_format
    pf.alignment = {"both": WD_ALIGN_PARAGRAPH.JUSTIFY, "left": WD_ALIGN_PARAGRAPH.LEFT,
                    "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}[spec.align]
    pf.space_before = pf.space_after = Pt(0)
    if spec.line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing, pf.line_spacing_rule = Pt(spec.line), WD_LINE_SPACING.EXACTLY
    pf.first_line_indent = Pt(spec.first_line or 0)
    pf.left_indent, pf.right_indent = Pt(spec.left or 0), Pt(spec.right or 0)
    pf.keep_with_next = spec.keep_next
    pf.widow_control = False
    X.no_autospace(ppr)
    X.no_hanging_punctuation(ppr)
    if spec.outline is not None:
        X.outline_level(ppr, spec.outline)


# ------------------------------------------------------------------ the document


_BLANKS: dict = {}  # (page_numbers, landscape) -> (the blank document set up, never handed out itself; style ids)


class OfficialDocument:
    """A document laid out by GB/T 9704-2012. Add elements in reading order, then save().

    `page_numbers=False` for a one-page form (a form has no page number, slips.md); `landscape` turns the page
    for a wide table (the type area is then 225 × 156 mm)."""

    def __init__(self, page_numbers: bool = True, landscape: bool = False, document=None):
        self.landscape = landscape
        self.width_mm = AREA_H if landscape else AREA_W
        self._attachments: list[str] = []
        self._attachment_no = 0
        self._style_ids: dict[str, str | None] = {}
        if document is None:  # styles, package and page set up once a process (≈45 ms); each document a copy
            blank = _BLANKS.get((page_numbers, landscape))
            if blank is None:
                self.doc = Document()
                self._setup_styles()
                self._setup_package()
                self._setup_page(self.doc.sections[0], page_numbers)
                blank = _BLANKS[(page_numbers, landscape)] = (self.doc, {})
            document = copy.deepcopy(blank[0])
            self._style_ids = blank[1]  # the copies' styles are the blank's: their ids found once a process
        self.doc = document

    # ---- set-up
    def _setup_styles(self) -> None:
        styles = self.doc.styles
        # document defaults: no theme fonts anywhere, Chinese for East Asian text; digits and Latin letters keep a
        # Western language, or LibreOffice breaks numbers like Chinese characters (统计截至202 / 6年)
        rpr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        X.set_rpr(rpr_default, face=FANGSONG, size=BODY)
        X.language(rpr_default, "en-US", "zh-CN")
        for rf in styles.element.iter(qn("w:rFonts")):
            for a in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                if rf.get(qn(a)) is not None:
                    del rf.attrib[qn(a)]
        _define(styles["Normal"], Style("Normal", align="both", first_line=0))
        for n in range(1, 10):  # Word's headings: GB/T 9704 looks, black, no theme colour
            spec = STYLES.get(BUILTIN_HEADINGS.get(f"Heading {n}", ""))
            _define(styles[f"Heading {n}"], spec or Style(f"Heading {n}", keep_next=True, outline=n - 1))
            char = f"Heading {n} Char"
            if char in styles:
                _define(styles[char], Style(char, (spec or STYLES["正文"]).face, character=True))
        for spec in STYLES.values():
            kind = WD_STYLE_TYPE.CHARACTER if spec.character else WD_STYLE_TYPE.PARAGRAPH
            st = styles.add_style(spec.name, kind)
            st.base_style = styles[spec.base]
            _define(st, spec)
        # no document grid: exact line pitch only (gbt9704.md: the grid doubled tall stand-in lines)
        for sect in self.doc.element.body.iter(qn("w:sectPr")):
            for g in sect.findall(qn("w:docGrid")):
                sect.remove(g)
        self.doc.settings.odd_and_even_pages_header_footer = True

    def _setup_package(self) -> None:
        """Properties that are true of this document: no Word-for-Mac application, no template's thumbnail,
        Chinese as the theme's East Asian language."""
        for rel in list(self.doc.part.package.rels.values()):
            if rel.reltype.endswith("/thumbnail"):
                self.doc.part.package.rels.pop(rel.rId)
        for rel in self.doc.part.package.rels.values():
            if rel.reltype.endswith("/extended-properties"):
                rel.target_part._blob = APP_XML
        settings = self.doc.settings.element
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        cp = self.doc.core_properties
        cp.language, cp.comments, cp.author, cp.title = "zh-CN", "", "", ""

    def _setup_page(self, section, page_numbers: bool) -> None:
        if self.landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(PAGE_H), Mm(PAGE_W)
            # the type area turned: 订口 at the top edge (the sheet is bound on its long side)
            section.top_margin, section.bottom_margin = Mm(LEFT), Mm(RIGHT)
            section.left_margin, section.right_margin = Mm(TOP), Mm(BOTTOM)
        else:
            section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
            section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
            section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
        section.gutter = Mm(0)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(FOOTER_DISTANCE)
        if page_numbers:
            self._page_numbers(section)

    def _page_numbers(self, section) -> None:
        """— N — in 四号宋体, odd pages right one character in, even pages left one character in."""
        for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self.doc.styles["页码"]
            X.set_ppr(X.para_ppr(p), align=align, **{align: SMALL})
            p.add_run("— ")
            X.field(p, "PAGE", lambda rpr: None)
            p.add_run(" —")

    def _use_style(self, p, name: str) -> None:
        """p in the named paragraph style, as python-docx's `p.style = styles[name]` sets it (no w:pStyle for the
        default style), the style's id found once a document: python-docx scans every style for the default one
        at each assignment (≈3 ms; a cover sheet has twenty paragraphs)."""
        if name not in self._style_ids:
            st = self.doc.styles[name]
            if st.type != WD_STYLE_TYPE.PARAGRAPH:
                raise ValueError(f"style '{name}' is not a paragraph style")
            default = self.doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
            self._style_ids[name] = None if st == default else st.style_id
        p._p.style = self._style_ids[name]

    # ---- paragraphs
    def paragraph(self, text: str = "", style: str = "正文", *, face: Face | None = None, align: str | None = None,
                  line: float | None = None, first_line: float | None = None, left: float | None = None,
                  right: float | None = None, before: float | None = None, keep_next: bool = False,
                  page_break_before: bool = False, hanging=None):
        """A paragraph in a named style; the keywords are direct formatting for what the style cannot know
        (an indent computed from a name's width, a masthead's position)."""
        p = self.doc.add_paragraph()
        self._use_style(p, style)
        if any(v is not None for v in (align, line, first_line, left, right, before, hanging)) or keep_next or \
                page_break_before:
            X.set_ppr(X.para_ppr(p), align=align, line=line, before=before, first_line=first_line, left=left,
                      right=right, keep_next=keep_next, page_break_before=page_break_before, hanging=hanging)
        if text:
            self.runs(p, [(text, face)])
        return p

    def runs(self, p, parts) -> None:
        """Runs of (text, look): look is None (the paragraph's style), a character style name, or a Face."""
        for text, look in parts:
            lines = text.split("\n")
            for i, ln in enumerate(lines):
                r = p.add_run(ln, style=look if isinstance(look, str) else None)
                if isinstance(look, Face):
                    look.apply(X.run_rpr(r))
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
        for text, face in ((copy_no, None), (secret, Face(HEITI)), (urgency, Face(HEITI))):
            self.paragraph(text, "版头", face=face)
        mark = organ + suffix
        size, scale = fit_mark(mark, 36.0)
        line = size * 1.2
        # The 3 lines above take 3 pitches; in an exact line of 1.2 × size, LibreOffice puts the glyph's em-box top
        # MARK_EM_DROP × size below the line's top (measured; negative: above it).
        before = MARK_TOP * X.MM - 3 * PITCH - MARK_EM_DROP * size
        self.paragraph(mark, "发文机关标志", face=Face(size=size, scale=scale) if (size, scale) != (36.0, None) else None,
                       line=line, before=max(0.0, before))
        self.blank(2)
        p = self.paragraph(number, "发文字号")
        self.red_line(p)

    def red_line(self, p, color: str = RED) -> None:
        """A rule under paragraph p, as wide as the type area (red: the 版头's separator)."""
        # exact line pitch PITCH holds a 16 pt line centred: its text bottom is (PITCH-16)/2 above the box bottom.
        space = RED_LINE_GAP * X.MM - (PITCH - BODY) / 2
        X.border(X.para_ppr(p), "bottom", 1.0, color, max(0.0, space))

    def bulletin_masthead(self, name: str, issue: str, organ: str, date: dt.date, note: str = "") -> None:
        """简报-style masthead: the name large and red, 第N期, the issuing body left and the date right, red line;
        `note` (内部资料，注意保存) at the top left."""
        size, scale = fit_mark(name, 42.0)
        self.paragraph(note, "版头", face=Face(HEITI) if note else None)
        self.paragraph(name, "发文机关标志", face=Face(size=size, scale=scale, spacing=3 if len(name) <= 6 else 0),
                       line=size * 1.25, before=PITCH / 2)
        self.paragraph(issue, "发文字号", before=PITCH / 2)
        p = self.paragraph(organ, "版头")
        self._tab_right(p, cn_date(date))
        self.red_line(p)

    def _tab_right(self, p, text: str, inset: float = 0.0) -> None:
        """Text flush right (minus inset pt) on the same line, by a right tab stop."""
        p.paragraph_format.tab_stops.add_tab_stop(Pt(self.width_mm * X.MM - inset), WD_TAB_ALIGNMENT.RIGHT)
        p.add_run("\t" + text)

    def number_line(self, number: str, left: str = "") -> None:
        """A form's number line: the number at right, and (when urgent) the 紧急程度 at left in 黑体."""
        p = self.paragraph("", "单据编号")
        if left:
            self.runs(p, [(left, Face(HEITI))])
        self._tab_right(p, number)

    def cut_line(self, label: str = "沿此线剪下") -> None:
        """A dashed cut line across the type area, labelled in its middle: - - - ✂ 沿此线剪下 - - -."""
        p = self.paragraph("", "剪切线", before=PITCH / 3)
        spec = STYLES["剪切线"]
        mid = f" ✂ {label} "
        dash = text_width("- ", spec.size, spec.face, 0)
        n = max(3, int((self.width_mm * X.MM - text_width(mid, spec.size, spec.face, 0)) / 2 / dash))
        p.add_run(("- " * n).strip() + mid + ("- " * n).strip())

    # ---- 主体 (7.3)
    def title(self, text: str, blank_before: int = 2) -> None:
        """标题 in 二号小标宋, centred; a long title wraps as a trapezoid (explicit line breaks are kept)."""
        self.blank(blank_before)
        lines = text.split("\n") if "\n" in text else split_title(text, width=self.width_mm * X.MM)
        self.paragraph("\n".join(lines), "公文标题")

    def addressee(self, text: str) -> None:
        self.blank(1)
        if not text.endswith("："):
            text += "："
        self.paragraph(text, "主送机关")

    def _after_table(self) -> float | None:
        """Space before a paragraph that follows a table (half a line), so that a heading or a sentence does
        not sit on the table's bottom rule."""
        body = [el for el in self.doc.element.body if el.tag != qn("w:sectPr")]
        return PITCH / 2 if body and body[-1].tag == qn("w:tbl") else None

    def body(self, text: str) -> None:
        """A body paragraph, indented two characters."""
        self.paragraph(text, before=self._after_table())

    def heading(self, level: int, text: str, rest: str = "") -> None:
        """层次序数: 1 一、(黑体)  2 （一）(楷体)  3 1.(仿宋)  4 （1）(仿宋). `rest` continues in the body face."""
        p = self.paragraph("", HEADING_STYLES[level], before=self._after_table())
        self.runs(p, [(text, None)] + ([(rest, "正文字符")] if rest else []))
        if rest:
            X.set_ppr(X.para_ppr(p), keep_next=False)
            p.paragraph_format.keep_with_next = False

    # ---- tables
    def column_widths(self, headers: list[str], rows: list[list[str]], size: float, flex: set[int],
                      total_mm: float | None = None) -> list[float]:
        """Column widths (mm) from content: a column not in `flex` is as wide as its widest cell (ids, dates and
        numbers never break) and every header fits one line; the flex columns share what is left, in
        proportion to their content."""
        total = (total_mm or self.width_mm) * X.MM
        pad = 2 * CELL_PAD + 0.6 * size  # margins, rules, and what LibreOffice keeps free in a cell
        head = [text_width(h, size, HEITI, 0) + pad for h in headers]
        cell = lambda x: text_width(x, size, FANGSONG, 0) + metrics.autospace(x, size)  # noqa: E731
        natural = [max([head[c]] + [max(cell(part) for part in str(r[c]).split("\n")) + pad
                                    for r in rows]) for c in range(len(headers))]
        flex = sorted(flex)
        fixed = sum(natural[c] for c in range(len(headers)) if c not in flex)
        widths = list(natural)
        if flex:
            left = total - fixed
            # a text column keeps its header and two characters; the rest is shared by what each would take
            floor = {c: max(head[c], min(natural[c], 2 * size + pad)) for c in flex}
            want = sum(natural[c] - floor[c] for c in flex)
            spare = left - sum(floor.values())
            for c in flex:
                widths[c] = floor[c] + (spare * (natural[c] - floor[c]) / want if want > 0 else spare / len(flex))
        scale = total / sum(widths)
        return [w * scale / X.MM for w in widths]

    def table(self, headers: list[str], rows: list[list[str]], widths_mm: list[float] | None = None, *,
              size: float = 12.0, align: list[str] | None = None, flex: set[int] | None = None,
              row_height: float | None = None, keep: bool = True, wrap: set[int] | None = None):
        """A bordered table exactly as wide as the type area: columns sized from content (see column_widths),
        header cells never wrap and repeat on every page, rows never split, and the table never leaves fewer
        than two rows on a page. A column in `wrap` (unit names, states) is as wide as its cells need when each
        may take two lines broken between words (two_lines), and its cells are broken there."""
        ncol = len(headers)
        if size < MIN_TABLE:
            raise ValueError(f"table text below {MIN_TABLE} pt")
        for c in sorted(wrap or ()):
            split = [two_lines(str(r[c]), size) for r in rows]
            cell = lambda x: text_width(x, size, FANGSONG, 0) + metrics.autospace(x, size)  # noqa: E731
            need = max([text_width(headers[c], size, HEITI, 0)] + [max(cell(x) for x in parts) for parts in split])
            if need > self.width_mm * X.MM / 4:  # a name too long for two lines in a quarter of the width: shared
                flex = (set(flex) if flex is not None else set()) | {c}
                continue
            rows = [[*r[:c], str(r[c]) if cell(str(r[c])) <= need else "\n".join(parts),
                     *r[c + 1:]] for r, parts in zip(rows, split)]
        if widths_mm is None:
            widths_mm = self.column_widths(headers, rows, size, flex if flex is not None else {max(
                range(ncol), key=lambda c: max([len(str(r[c])) for r in rows] or [0]))})
        else:
            scale = self.width_mm / sum(widths_mm)
            widths_mm = [w * scale for w in widths_mm]
        body = [el for el in self.doc.element.body if el.tag != qn("w:sectPr")]
        if body and body[-1].tag == qn("w:p") and self.doc.paragraphs[-1].text.endswith("："):
            self._keep_with_body()  # “本期排名如下：” stays on the page of the table it introduces
        t = self.doc.add_table(rows=1 + len(rows), cols=ncol)
        X.table_width(t, widths_mm)
        X.table_borders(t, 0.75)
        X.cell_margins(t, 1, 1, CELL_PAD, CELL_PAD)
        X.repeat_header(t.rows[0])
        n = len(rows) + 1
        for r_i, row in enumerate([headers] + rows):
            tr = t.rows[r_i]
            X.cant_split(tr)
            if row_height and r_i:
                X.row_height(tr, row_height)
            # keep the header with the first two rows, and the last two rows together
            together = r_i == 0 or keep and (r_i == 1 or (r_i == n - 2 and n > 3))
            for c_i, val in enumerate(row):
                cell = tr.cells[c_i]
                X.cell_valign(cell, "center")
                if r_i == 0:
                    X.no_wrap(cell)
                p = cell.paragraphs[0]
                self._use_style(p, "表头" if r_i == 0 else "表格文字")
                a = None if r_i == 0 else (align or ["left"] * ncol)[c_i]
                if a or together or size != SMALL:
                    X.set_ppr(X.para_ppr(p), align=a, keep_next=together and r_i < n - 1,
                              line=size * 1.4 if size != SMALL else None)
                self.runs(p, [(str(val), Face(size=size) if size != SMALL else None)])
        return t

    def form_table(self, rows: list[tuple[str, str]], size: float = SMALL, min_height: float | None = None,
                   label_mm: float | None = None):
        """A two-column bordered form (栏目 | 内容), type-area wide; the label column as wide as its longest
        label (a placeholder in a label, such as {{ term }}时间, counted as a word of two characters); content may
        hold line breaks."""
        if label_mm is None:
            label_mm = max(text_width(re.sub(r"\{\{.*?\}\}", "　　", part), size, HEITI, 0)
                           for lb, c in rows if c is not None for part in lb.split("\n")) / X.MM + 2 * FORM_PAD_X / X.MM + 3
        t = self.doc.add_table(rows=len(rows), cols=2)
        X.table_width(t, [label_mm, self.width_mm - label_mm])
        X.table_borders(t, 0.75)
        X.cell_margins(t, FORM_PAD_Y, FORM_PAD_Y, FORM_PAD_X, FORM_PAD_X)
        for i, (label, content) in enumerate(rows):
            tr = t.rows[i]
            X.cant_split(tr)
            if content is None:  # a docxtpl row tag ({%tr if … %}): the row itself is replaced by the tag
                cell = tr.cells[0].merge(tr.cells[1])
                cell.paragraphs[0].style = self.doc.styles["表格文字"]
                self.runs(cell.paragraphs[0], [(label, None)])
                continue
            if min_height:
                X.row_height(tr, min_height)
            for j, (text, style) in enumerate(((label, "表头"), (content, "表格文字"))):
                cell = tr.cells[j]
                X.cell_valign(cell, "center")
                if j == 0:
                    X.no_wrap(cell)
                p = cell.paragraphs[0]
                p.style = self.doc.styles[style]
                self.runs(p, [(text, None)])
        if size != SMALL:
            resize_table(t._tbl, size)
        return t

    def attachments_note(self, names: list[str]) -> None:
        """附件说明: one blank line below the body, two characters in; several attachments numbered 1. 2. …
        The 附件 pages that follow are numbered to match (attachment_page)."""
        self._attachments = list(names)
        if not names:
            return
        self._keep_with_body()
        self.paragraph(keep_next=True)
        if len(names) == 1:
            self.paragraph(f"附件：{names[0]}", "附件说明", keep_next=True)
            return
        lead = "附件："
        for i, n in enumerate(names, 1):
            prefix = lead if i == 1 else "　" * len(lead)
            self.paragraph(f"{prefix}{i}.{n}", "附件说明", first_line=0, left=2 * CHAR + len(lead) * CHAR,
                           hanging=len(lead) * CHAR, keep_next=True)

    def _keep_with_body(self) -> None:
        """The last paragraph so far stays on a page with what follows (附件说明, 署名 and 成文日期 are never
        alone on a page without body text)."""
        body = [el for el in self.doc.element.body if el.tag != qn("w:sectPr")]
        if body and body[-1].tag == qn("w:p"):
            self.doc.paragraphs[-1].paragraph_format.keep_with_next = True

    def signature(self, organ: str, date: dt.date, blank_before: int = 1, sealed: bool = False) -> None:
        """署名 and 成文日期 after one blank line (placed by place_signature), kept on a page with the body text
        above them."""
        self._keep_with_body()
        for _ in range(blank_before):
            self.paragraph(keep_next=True)
        self.paragraph(organ, "署名")
        self.paragraph(cn_date(date), "成文日期")
        place_signature(self.doc, sealed, self.width_mm)

    def add_page_numbers(self) -> None:
        self._page_numbers(self.doc.sections[0])

    def note(self, text: str) -> None:
        """附注: in parentheses, two characters in, on the line after the date."""
        if not text.startswith("（"):
            text = f"（{text}）"
        self.paragraph(text, "附注")

    def attachment_page(self, title: str) -> None:
        """A 附件 page: 附件 (one attachment) or 附件N, in 黑体 at line 1 flush left, its title centred on line 3."""
        self._attachment_no += 1
        mark = "附件" if len(self._attachments) <= 1 else f"附件{self._attachment_no}"
        self.paragraph(mark, "附件标识", page_break_before=True)
        self.blank(1)
        self.paragraph("\n".join(split_title(title, width=self.width_mm * X.MM)), "公文标题")
        self.blank(1)

    # ---- 版记 (7.4)
    def banji(self, cc: list[str] | tuple[str, ...], organ: str, date: dt.date, copies: int | None = None, *,
              duplex: bool = True, numbered: bool = True) -> None:
        """抄送 and 印发 (and 共印N份) between thick (first, last) and thin rules, type-area wide, one character in
        on both sides, the last rule on the bottom edge of the type area of an even last page.

        Construction (docs/layout.md): a last section that starts on an even page (w:type evenPage), so a blank
        page is inserted when the body ends on an even page, with the 版记 in that section's even-page footer,
        which every editor keeps at the foot of the page whatever is edited above. The 版记 page carries its page
        number unless `numbered` is False: 7.5 numbers neither the blank page nor the 版记 page after it, which
        only the converted PDF tells (pdf.blank_before_last; the document is then drawn again). Printed on one
        side (`duplex` False, settings.yaml print.duplex) no page is a back: the 版记 page simply follows the
        body (w:type nextPage), numbered, with the 版记 in both footers (whichever the page is)."""
        sec = self.doc.add_section(WD_SECTION.EVEN_PAGE if duplex else WD_SECTION.NEW_PAGE)
        for p in self.doc.element.body.iter(qn("w:p")):  # the paragraph that carries the section break
            if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None and p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}") is None:
                X.para_style(p, self.doc.styles["正文"].style_id)
        sec.footer_distance = Mm(FOOTER_DISTANCE)
        sec.footer.is_linked_to_previous = False
        sec.even_page_footer.is_linked_to_previous = False
        for f in (sec.footer, sec.even_page_footer):
            f.paragraphs[0].style = self.doc.styles["版记"]
        rows = []
        if cc:
            rows.append(["抄送：" + "，".join(cc) + "。", None])
        rows.append([organ, f"{cn_date(date)}印发"])
        if copies:
            rows.append([None, f"（共印{copies}份）"])
        footers = [(sec.even_page_footer, "left")] + ([] if duplex else [(sec.footer, "right")])
        for footer, side in footers:
            self._banji_table(footer, rows, side, numbered)

    def _banji_table(self, footer, rows: list, side: str, numbered: bool) -> None:
        """The 版记's table in a footer, and below it the line of the page number (on `side`, one character in),
        empty when the page is not `numbered`: the line keeps its height, so the last rule stays put."""
        t = footer.add_table(len(rows), 2, Mm(AREA_W))
        X.table_width(t, [AREA_W * 0.6, AREA_W * 0.4])
        X.rule_borders(t, top=0.35 * X.MM, inside=0.25 * X.MM, bottom=0.35 * X.MM)
        X.cell_margins(t, 0, 0, SMALL, SMALL)
        for i, (left, right) in enumerate(rows):
            tr = t.rows[i]
            X.cant_split(tr)
            X.row_height(tr, PITCH, exact=True)
            cells = tr.cells
            if left is None or right is None:
                cells[0].merge(cells[1])
            for j, (text, align) in enumerate(((left, "left"), (right, "right"))):
                if text is None:
                    continue
                cell = tr.cells[0 if left is None else j]
                p = cell.paragraphs[0]
                p.style = self.doc.styles["版记"]
                if align == "right":
                    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                X.cell_valign(cell, "center")
                self.runs(p, [(text, None)])
        # a footer cannot end with a table: its first paragraph moves below it and carries the page number, whose
        # line sits 7 mm below the type area as on every other page; the space above it puts the table's last
        # rule on the type area's bottom edge
        end = footer.paragraphs[0]
        footer._element.append(end._p)
        end.style = self.doc.styles["页码"]
        X.set_ppr(X.para_ppr(end), align=side, **{side: SMALL},
                  before=(BANJI_FOOTER - FOOTER_DISTANCE - PAGE_NO_LINE / X.MM + BANJI_RULE_RAISE) * X.MM)
        if numbered:
            end.add_run("— ")
            X.field(end, "PAGE", lambda rpr: None)
            end.add_run(" —")

    # ---- output
    def properties(self, title: str, author: str, date: dt.date, subject: str = "", keywords: str = "") -> None:
        """Core properties, which LibreOffice carries into the PDF: title, author = the issuer, subject = the
        number, keywords = the receiving unit, created = the issue date."""
        cp = self.doc.core_properties
        fit = lambda t: t if len(t) <= 255 else t[:254] + "…"  # noqa: E731 - python-docx's (and Word's) limit
        cp.title, cp.author, cp.subject, cp.keywords = fit(title), fit(author), fit(subject), fit(keywords)
        cp.last_modified_by = fit(author)
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
        if not cp.author or cp.author == "python-docx":  # properties() was not called
            cp.author = cp.last_modified_by = "docgen"
        if cp.created is None or cp.created.year < 2000:
            cp.created = cp.modified = dt.datetime(2026, 1, 1)
        return package_bytes(self.doc, cp.created)


def place_signature(doc, sealed: bool, width_mm: float = AREA_W) -> None:
    """Place every 署名 and the 成文日期 under it, by their lengths.

    Sealed (7.3.5.1): the date four characters in from the right, the organ centred over it, two more lines
    above for the seal, whose top comes within a line of the body. Unsealed (7.3.5.2): the organ two
    characters in from the right; the date on the next line, its first character two characters right of the
    organ's; a date longer than that sits two characters in, and the organ moves left to match."""
    paras = doc.paragraphs
    for p, q in zip(paras, paras[1:]):
        if X.style_name(p) != "署名" or X.style_name(q) != "成文日期":
            continue
        n, d = chars(p.text), chars(q.text)
        pf, qf = p.paragraph_format, q.paragraph_format
        pf.alignment = qf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pf.left_indent = qf.left_indent = None
        if sealed:
            pf.space_before = Pt(2 * PITCH)
            qf.right_indent = Pt(4 * CHAR)
            pf.right_indent = Pt(max(0.0, 4 * CHAR + (d - n) * CHAR / 2))
        elif d + 2 <= n:
            # the date starts two characters right of the organ's first character: a left indent (digit widths
            # differ between faces, full-width characters do not)
            pf.right_indent = Pt(2 * CHAR)
            qf.alignment = WD_ALIGN_PARAGRAPH.LEFT
            qf.right_indent = None
            qf.left_indent = Pt(width_mm * X.MM - 2 * CHAR - n * CHAR + 2 * CHAR)
        else:
            pf.right_indent = Pt((d + 4 - n) * CHAR)
            qf.right_indent = Pt(2 * CHAR)


def resize_table(tbl, size: float) -> None:
    """Every run of a table (an lxml w:tbl) at `size` pt, with lines 1.4 × size: a form shrunk to fit its page."""
    for r in tbl.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            r.insert(0, rpr)
        X.set_rpr(rpr, size=size)
    for p in tbl.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        if ppr is None:
            ppr = OxmlElement("w:pPr")
            p.insert(0, ppr)
        X.set_ppr(ppr, line=size * FORM_LINE)


def package_bytes(document, when: dt.datetime, stored: bool = False) -> bytes:
    """The .docx python-docx saves (its public Document.save), its zip entries dated `when` and compressed at a
    fast level (core.files.fixed_date_zip): the same document gives the same bytes. stored: not compressed (a
    file read back at once, merge.compose's)."""
    import io
    import zipfile

    from docx.opc.pkgwriter import PackageWriter

    class Fixed:  # python-docx's PhysPkgWriter, each entry as core.files.fixed_date_zip would rewrite it
        def __init__(self):
            self.buf = io.BytesIO()
            self.zip = zipfile.ZipFile(self.buf, "w", method, compresslevel=level)

        def write(self, uri, blob):
            zi = zipfile.ZipInfo(uri.membername, date_time=(max(when.year, 1980), when.month, when.day, 0, 0, 0))
            zi.compress_type = method
            zi.external_attr = 0o644 << 16
            self.zip.writestr(zi, blob, compresslevel=level)

    # what Document.save does (OpcPackage.save, PackageWriter.write), written once instead of saved and rewritten
    method, level = (zipfile.ZIP_STORED, None) if stored else (zipfile.ZIP_DEFLATED, 1)
    package = document.part.package
    parts = package.parts
    for part in parts:
        part.before_marshal()
    out = Fixed()
    PackageWriter._write_content_types_stream(out, parts)
    PackageWriter._write_pkg_rels(out, package.rels)
    PackageWriter._write_parts(out, parts)
    out.zip.close()
    return out.buf.getvalue()
