"""The Excel 台账 offices keep (openpyxl): a sheet per declared source (registers/sources.py) and a summary, on one date.

Columns (a source's declaration may name fewer): 序号, 来源, 事项内容, 牵头单位, 配合单位, 交办日期, 办结时限, 状态,
办理情况, 交办单号, 催办次数, 逾期天数.
Every sheet opens with a title row (the office's name, 督办事项台账 and the sheet's name) and the 截至 line, then the
header; the three are frozen and repeated on every printed page, the header filtered. All text is 宋体 (10 pt in the
table), every row as high as its wrapped text needs, the columns fit A4 landscape at full size, the footer numbers
the pages (core/xlsx.py: print_setup). Dates are real dates; each row is tinted by its warning. Text is always text
(xlsx.set_value), and the same day gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl.utils import get_column_letter

from .daily import Day
from ..registers.calendar import cn_date, cn_md
from ..engine.status import CLOSED, DONE, MISSED, OVERDUE
from ..engine.warnings import level_of
from ..core.files import write_if_changed
from ..registers import sources
from ..view import state_text, with_progress
from ..core.xlsx import (CELL_PAD_PT, cjk_workbook, print_setup, row_height, set_value, text_width_pt, units,
                         workbook_bytes, wrap)
from ..documents.metrics import width

# column -> (room for its text in em of SIZE, wrapped, its value for (day, row number, status)); dates are dates;
# sources.LEDGER_COLUMNS is the order. A column is its room and CELL_PAD_PT wide. All twelve come to 67.5 em: at
# SIZE pt, with their padding and in the widest reading of a width unit, 753 pt, within the 755 pt of A4 landscape
# between the margins, so the sheet prints at full size. A date (2026-11-20) is 4.98 em in the stand-in font,
# 督交〔2026〕12号 8.26 em (a slip's number stays on one line up to 99); 催办次数 and 逾期天数 wrap their heading.
COLUMNS = {
    "序号": (2, False, lambda d, n, s: n),
    "来源": (8, True, lambda d, n, s: s.item.source.describe()),
    "事项内容": (11.5, True, lambda d, n, s: s.item.text),
    "牵头单位": (4.5, True, lambda d, n, s: s.item.lead),
    "配合单位": (5, True, lambda d, n, s: "、".join(s.item.co)),
    "交办日期": (5.3, False, lambda d, n, s: s.item.assigned),
    "办结时限": (5.3, False, lambda d, n, s: s.due),
    "状态": (5, True, lambda d, n, s: with_progress(state_text(s), s)),
    "办理情况": (8.5, True, lambda d, n, s: _progress(d, s.item.id)),
    "交办单号": (8.4, True, lambda d, n, s: d.assigned_by.get(s.item.id, "")),
    "催办次数": (2, False, lambda d, n, s: d.urges(s.item.id)),
    "逾期天数": (2, False, lambda d, n, s: s.days_overdue if s.days_overdue else 0),
}
assert tuple(COLUMNS) == sources.LEDGER_COLUMNS
SUMMARY = {"来源": 6, "事项数": 3, "已销号": 3, "已办结待核查": 6.2, "正在办理": 4, "逾期": 3, "延期": 3, "红色预警": 4,
           "黄色预警": 4, "蓝色预警": 4}  # 汇总's columns and their room in em (来源 wraps)
FACE = "宋体"  # every cell (docgen/fonts/fonts.conf maps it for LibreOffice; Excel and WPS have it)
SIZE, TITLE_SIZE, DATE_SIZE = 10, 16, 11  # pt: the table, the title row, the 截至 line
TINT = {"红": "FFC7CE", "黄": "FFEB9C", "蓝": "BDD7EE"}  # Excel's light red, yellow and blue fills


def _progress(d: Day, item_id: str) -> str:
    """办理情况: the latest progress entry, with its date."""
    evs = [e for e in d.reg.events_of(item_id) if e.date <= d.as_of and e.type != "签收"]
    if not evs:
        return ""
    e = evs[-1]
    text = e.note or e.reason or ""
    return f"{cn_md(e.date)}{e.type}" + (f"：{text}" if text else "")


def _shown(value) -> str:
    """A cell's value as the sheet shows it (dates as yyyy-mm-dd)."""
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _measure(size: float):
    """Width in pt of a line of 宋体 at `size` (bold too: headings and titles are CJK, one em in either weight)."""
    return lambda s: width(s, size, FACE)


class _Sheet:
    """One sheet: a title row, the 截至 line, a header row and the data rows, every row as high as its wrapped
    text needs (openpyxl writes no row heights and Excel does not size rows it opens)."""

    def __init__(self, ws, d: Day, columns: list[tuple[str, float, bool]]):
        from openpyxl.styles import Border, Side

        self.ws, self.d, self.columns = ws, d, columns
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.widths = [units(em * SIZE + CELL_PAD_PT) for _, em, _ in columns]
        for c, w in enumerate(self.widths, 1):
            ws.column_dimensions[get_column_letter(c)].width = w

    def titles(self, office: str, sheet: str) -> None:
        """Row 1: {office}督办事项台账（{sheet}）, on two lines after the office's name when the table is too narrow
        for one (so that no word is broken); row 2: the 截至 line."""
        from openpyxl.styles import Alignment, Font

        ws, last = self.ws, get_column_letter(len(self.columns))
        room = text_width_pt(sum(self.widths))  # the merged cell: one padding for the whole row
        title = f"{office}督办事项台账（{sheet}）"
        if _measure(TITLE_SIZE)(title) > room:
            title = f"{office}\n督办事项台账（{sheet}）"
        for r, text, size, bold, align in ((1, title, TITLE_SIZE, True, "center"),
                                           (2, f"截至{cn_date(self.d.as_of)}", DATE_SIZE, False, "right")):
            cell = ws.cell(r, 1)
            set_value(cell, text)
            cell.font = Font(name=FACE, size=size, bold=bold, charset=134)
            cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
            ws.merge_cells(f"A{r}:{last}{r}")
            ws.row_dimensions[r].height = row_height(len(wrap(text, room, _measure(size))), size)

    def row(self, r: int, values: list, header: bool = False, fill: str = "") -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        n = 1
        for c, ((_, _, wrapped), value, w) in enumerate(zip(self.columns, values, self.widths), 1):
            cell = self.ws.cell(r, c)
            set_value(cell, value)
            cell.font = Font(name=FACE, size=SIZE, bold=header, charset=134)
            cell.border = self.border
            text = not isinstance(value, (int, float, dt.date)) or isinstance(value, bool)
            cell.alignment = Alignment(horizontal="left" if text and not header else "center", vertical="center",
                                       wrap_text=wrapped or header)
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            if fill:
                cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
            if wrapped or header:
                n = max(n, len(wrap(_shown(value), text_width_pt(w), _measure(SIZE))))
        self.ws.row_dimensions[r].height = row_height(n, SIZE)

    def finish(self, last_row: int) -> None:
        ws = self.ws
        ws.freeze_panes = "A4"
        ws.auto_filter.ref = f"A3:{get_column_letter(len(self.columns))}{max(last_row, 4)}"
        print_setup(ws, "1:3", SIZE)


def write(d: Day, path: Path) -> Path:
    wb = cjk_workbook()
    summary = wb.active
    summary.title = "汇总"
    # a standing source (年度目标, 定期报告, 项目调度, 进展反馈) has a sheet when the office has such work
    declared = [src for src in sources.all() if not src.standing or any(s.item.source_kind == src.kind
                                                                       for s in d.statuses)]
    rows_by = {src.kind: [s for s in d.statuses if s.item.source_kind == src.kind] for src in declared}
    office = d.reg.settings.office

    sh = _Sheet(summary, d, [(h, em, h == "来源") for h, em in SUMMARY.items()])
    sh.titles(office, "汇总")
    sh.row(3, list(SUMMARY), header=True)
    r = 3
    for r, (k, sts) in enumerate(list(rows_by.items()) + [("合计", d.statuses)], 4):
        levels = [level_of(s) for s in sts]
        sh.row(r, [sources.label(k), len(sts), sum(1 for s in sts if s.state == CLOSED),
                   sum(1 for s in sts if s.state == DONE),
                   sum(1 for s in sts if s.is_open and s.state not in (OVERDUE, MISSED)),
                   sum(1 for s in sts if s.state in (OVERDUE, MISSED)), sum(1 for s in sts if s.extended_to),
                   levels.count("红"), levels.count("黄"), levels.count("蓝")])
    sh.finish(r)

    for src in declared:
        ws = wb.create_sheet(src.sheet)
        cols = [(h, *COLUMNS[h]) for h in src.columns]
        sh = _Sheet(ws, d, [(h, em, wrapped) for h, em, wrapped, _ in cols])
        sh.titles(office, src.sheet)
        sh.row(3, [h for h, *_ in cols], header=True)
        r = 3
        for r, s in enumerate(rows_by[src.kind], 4):
            sh.row(r, [value(d, r - 3, s) for *_, value in cols], fill=TINT.get(level_of(s) or ""))
        sh.finish(r)
    _coordination_sheet(wb, d, office)
    write_if_changed(path, workbook_bytes(wb, d.as_of, "督办事项台账", office))
    return path


# 统筹协调's columns (room in em, wrapped), 56.2 em with their padding: within A4 landscape at full size like the
# source sheets (their twelve come to 67.5 em)
COORDINATION = (("序号", 2.5, False), ("编号", 5, False), ("协调事项", 14, True), ("主办部门", 5, True),
                ("涉及单位", 6, True), ("协调层级", 4, True), ("提请日期", 5.3, False), ("状态", 3, False),
                ("提请协调单", 8.4, True), ("议定事项", 8, True))


def _coordination_sheet(wb, d: Day, office: str) -> None:
    """统筹协调: the coordination matters by level (部门会商 first) and date, with their state, 提请协调单 and
    decided items; only when the registers hold any."""
    from ..outputs.site import coordination_rows
    from ..registers.coordination import LEVELS, matters

    view = coordination_rows(d.reg, d.st, d.as_of)
    if view is None:
        return
    ms = sorted(matters(d.reg), key=lambda m: (LEVELS.index(m.level), m.date, m.id))
    ws = wb.create_sheet("统筹协调")
    sh = _Sheet(ws, d, list(COORDINATION))
    sh.titles(office, "统筹协调")
    sh.row(3, [h for h, *_ in COORDINATION], header=True)
    r = 3
    for r, (m, row) in enumerate(zip(ms, view["matters"]), 4):
        sh.row(r, [r - 3, m.id, m.text, m.lead, row["units"], m.level, m.date, m.state, row["number"],
                   "、".join(m.items)])
    sh.finish(r)
