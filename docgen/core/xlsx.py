"""Spreadsheets docgen writes (openpyxl): cell text is always text, and the same data gives the same bytes.

- A text cell that begins with = + - @ (after any blanks) is written as a string with Excel's quote prefix, never
  as a formula: register text such as =HYPERLINK(…) stays text when the sheet is opened or edited.
- The workbook's properties and every zip entry carry a fixed date (the figures' date), so a closed period's
  summary written twice is byte-identical.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from .files import fixed_date_zip

FORMULA_START = ("=", "+", "-", "@")


def set_value(cell, value) -> None:
    cell.value = value
    if isinstance(value, str) and value.lstrip().startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def append(ws, values) -> None:
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, v in enumerate(values, 1):
        set_value(ws.cell(row, col), v)


def workbook_bytes(wb, when: dt.date, title: str = "", author: str = "") -> bytes:
    """Save without openpyxl's clock: fixed core properties and zip entry dates."""
    from openpyxl.writer.excel import ExcelWriter

    stamp = dt.datetime(when.year, when.month, when.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.title, wb.properties.creator, wb.properties.lastModifiedBy = title, author, author
    wb.properties.language = "zh-CN"
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:
        ExcelWriter(wb, z).write_data()
    return fixed_date_zip(raw.getvalue(), stamp)


# ---- printing (the Excel 台账, outputs/ledger_xlsx.py) ----
#
# A column's width in a .xlsx is counted in the Normal style's digit "0". With 宋体 11 pt as the Normal font, Excel
# and WPS (SimSun at 96 dpi: 8 px) give one unit 6.0 pt; LibreOffice, with the font map's stand-in Noto Serif CJK SC
# (whose digit is 0.557 em), 6.15 pt (measured: 10 units print 61.5 pt wide). A column is made wide enough in the
# narrowest reading and the page is summed in the widest, so the text fits the column and the columns fit the page
# in all three.
NORMAL_FONT, NORMAL_SIZE = "宋体", 11
UNIT_PT = (6.0, 6.15)  # one width unit in pt: narrowest, widest
CELL_PAD_PT = 5.0  # what a cell keeps free left and right of its text (Excel 2 px each side and the grid line)
# Lines of wrapped text are 1.45 em apart: the stand-in's ascent and descent are 1.151 + 0.286 em (LibreOffice),
# SimSun's Excel row is 1.3 em; a row is given 4 pt more.
LINE_EM, ROW_PAD_PT, MAX_ROW_PT = 1.45, 4.0, 409.0  # 409 pt is the tallest row Excel keeps
A4_LANDSCAPE_PT = (841.89, 595.28)
MARGINS_IN = {"left": 0.6, "right": 0.6, "top": 0.8, "bottom": 0.8, "header": 0.3, "footer": 0.4}
MIN_PRINT_PT = 9.0  # no text on paper smaller than this: a sheet is fitted to the page width only down to it
FOOTER = "第&P页 共&N页"

# Counting lines, no line begins with a closing mark and none ends with an opening one, as Excel breaks CJK text.
# LibreOffice Calc breaks between any two CJK characters: that never takes more lines than this count.
_CLOSING = set("，。、；：？！）》」』】〕〉”’·%…—,.;:!?)]}％")
_OPENING = set("（《「『【〔〈“‘([{")


def cjk_workbook():
    """A workbook whose Normal style (what every cell without a style of its own and the width unit use) is 宋体
    11 pt instead of openpyxl's Calibri. openpyxl has no public setter for it: the Normal style's font and font 0."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb = Workbook()
    font = Font(name=NORMAL_FONT, size=NORMAL_SIZE, charset=134, family=3)  # 134: GB2312
    wb._fonts = IndexedList([font])
    wb._named_styles["Normal"].font = font
    return wb


def units(pt: float) -> float:
    """The column width (in units) that is at least `pt` wide in every reading."""
    return round(pt / UNIT_PT[0], 2)


def text_width_pt(width_units: float) -> float:
    """The room a column of `width_units` leaves for its text, in the narrowest reading."""
    return width_units * UNIT_PT[0] - CELL_PAD_PT


def _tokens(text: str) -> list[str]:
    """The pieces a line may break between: a CJK character, a run of Latin letters and digits, a blank; a closing
    mark joins the piece before it, an opening mark the piece after it."""
    out: list[str] = []
    opening = ""
    for c in text:
        if c in _CLOSING and out and not opening:
            out[-1] += c
        elif c in _OPENING:
            opening += c
        elif c.isspace():
            out.append(opening + c)
            opening = ""
        elif c.isascii() and c.isalnum() and out and not opening and out[-1][-1:].isascii() \
                and out[-1][-1:].isalnum():
            out[-1] += c
        else:
            out.append(opening + c)
            opening = ""
    if opening:
        out.append(opening)
    return out


def wrap(text: str, room: float, measure) -> list[str]:
    """`text` broken into lines no wider than `room` pt, as a cell that wraps shows it (greedy, at the pieces of
    _tokens; a piece wider than a line is broken between its characters). `measure(s)` is the width of s in pt."""
    lines: list[str] = []
    for para in str(text).split("\n"):
        line = ""
        for tok in _tokens(para):
            if measure((line + tok).rstrip()) <= room or not line.strip():
                line += tok
            else:
                lines.append(line.rstrip())
                line = tok.lstrip()
            while len(line) > 1 and measure(line.rstrip()) > room:  # a piece longer than a line
                cut = 1
                while cut < len(line) - 1 and measure(line[:cut + 1]) <= room:
                    cut += 1
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line.rstrip())
    return lines


def row_height(n_lines: int, size: float) -> float:
    """The height in pt of a row showing `n_lines` lines of text at `size` pt."""
    return min(MAX_ROW_PT, round(n_lines * LINE_EM * size + ROW_PAD_PT, 1))


def print_setup(ws, title_rows: str, size: float) -> None:
    """A4 landscape, the margins above, `title_rows` (e.g. "1:3") repeated on every page, 第&P页 共&N页 in the
    footer. The sheet is fitted to one page width only while its text stays at least MIN_PRINT_PT on paper (its
    columns are summed in the widest reading); wider sheets print at full size across pages."""
    from openpyxl.worksheet.properties import PageSetupProperties

    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    for k, v in MARGINS_IN.items():
        setattr(ws.page_margins, k, v)
    room = A4_LANDSCAPE_PT[0] - 72 * (MARGINS_IN["left"] + MARGINS_IN["right"])
    total = sum((ws.column_dimensions[c].width or 0) for c in ws.column_dimensions) * UNIT_PT[1]
    if total <= room or size * room / total >= MIN_PRINT_PT:
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        ws.page_setup.scale = 100
        ws.page_setup.pageOrder = "overThenDown"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.font = f"{NORMAL_FONT},Regular"
    ws.oddFooter.center.size = 10
