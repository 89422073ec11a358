"""The Excel 台账 offices keep (openpyxl): a sheet per declared source (registers/sources.py) and a summary, on one date.

Columns (a source's declaration may name fewer): 序号, 来源, 事项内容, 牵头单位, 配合单位, 交办日期, 办结时限, 状态,
办理情况, 交办单号, 催办次数, 逾期天数.
Dates are real dates; the header is frozen and filtered; the sheet prints on A4 landscape with the header repeated;
each row is tinted by its warning. Text is always text (xlsx.set_value), and the same day gives the same bytes.
"""
from __future__ import annotations

from pathlib import Path

from .daily import Day
from ..registers.calendar import cn_date, cn_md
from ..engine.status import CLOSED, DONE, OVERDUE
from ..engine.warnings import level_of
from ..core.files import write_if_changed
from ..registers import sources
from ..view import progress_text, state_text
from ..core.xlsx import set_value, workbook_bytes

# column -> (width, wrapped, a date, its value for (day, row number, status)); sources.LEDGER_COLUMNS is the order
COLUMNS = {
    "序号": (6, False, False, lambda d, n, s: n),
    "来源": (26, True, False, lambda d, n, s: s.item.source.describe()),
    "事项内容": (44, True, False, lambda d, n, s: s.item.text),
    "牵头单位": (16, False, False, lambda d, n, s: s.item.lead),
    "配合单位": (18, True, False, lambda d, n, s: "、".join(s.item.co)),
    "交办日期": (12, False, True, lambda d, n, s: s.item.assigned),
    "办结时限": (12, False, True, lambda d, n, s: s.due),
    "状态": (16, True, False, lambda d, n, s: state_text(s) + (f"（{progress_text(s)}）" if progress_text(s) else "")),
    "办理情况": (30, True, False, lambda d, n, s: _progress(d, s.item.id)),
    "交办单号": (18, False, False, lambda d, n, s: d.assigned_by.get(s.item.id, "")),
    "催办次数": (9, False, False, lambda d, n, s: d.urges(s.item.id)),
    "逾期天数": (9, False, False, lambda d, n, s: s.days_overdue if s.days_overdue else 0),
}
assert tuple(COLUMNS) == sources.LEDGER_COLUMNS
TINT = {"红": "FFC7CE", "黄": "FFEB9C", "蓝": "BDD7EE"}  # Excel's light red, yellow and blue fills


def _progress(d: Day, item_id: str) -> str:
    """办理情况: the latest progress entry, with its date."""
    evs = [e for e in d.reg.events_of(item_id) if e.date <= d.as_of and e.type != "签收"]
    if not evs:
        return ""
    e = evs[-1]
    text = e.note or e.reason or ""
    return f"{cn_md(e.date)}{e.type}" + (f"：{text}" if text else "")


def write(d: Day, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    declared = sources.all()
    rows_by = {src.kind: [s for s in d.statuses if s.item.source_kind == src.kind] for src in declared}

    set_value(summary.cell(1, 1), f"{d.reg.settings.office}督办事项台账（截至{cn_date(d.as_of)}）")
    summary.cell(1, 1).font = Font(bold=True, size=14)
    head = ["来源", "事项数", "已销号", "已办结待核查", "正在办理", "逾期", "延期", "红色预警", "黄色预警", "蓝色预警"]
    for c, h in enumerate(head, 1):
        set_value(summary.cell(3, c), h)
        summary.cell(3, c).font = Font(bold=True)
    for r, (k, sts) in enumerate(list(rows_by.items()) + [("合计", d.statuses)], 4):
        levels = [level_of(s) for s in sts]
        vals = [sources.label(k), len(sts), sum(1 for s in sts if s.state == CLOSED),
                sum(1 for s in sts if s.state == DONE), sum(1 for s in sts if s.is_open and s.state != OVERDUE),
                sum(1 for s in sts if s.state == OVERDUE), sum(1 for s in sts if s.extended_to),
                levels.count("红"), levels.count("黄"), levels.count("蓝")]
        for c, v in enumerate(vals, 1):
            set_value(summary.cell(r, c), v)
            summary.cell(r, c).border = border
    for c, w in enumerate([14, 8, 8, 12, 10, 8, 8, 10, 10, 10], 1):
        summary.column_dimensions[chr(64 + c)].width = w

    _print_setup(summary, "")
    for src in declared:
        ws = wb.create_sheet(src.sheet)
        cols = [(h, *COLUMNS[h]) for h in src.columns]
        for c, (h, *_) in enumerate(cols, 1):
            cell = ws.cell(1, c)
            set_value(cell, h)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for r, s in enumerate(rows_by[src.kind], 2):
            fill = TINT.get(level_of(s) or "")
            for c, (_, _, wrap, is_date, value) in enumerate(cols, 1):
                cell = ws.cell(r, c)
                set_value(cell, value(d, r - 1, s))
                cell.border = border
                cell.alignment = Alignment(vertical="top", wrap_text=wrap)
                if is_date:
                    cell.number_format = "yyyy-mm-dd"
                if fill:
                    cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        for c, (_, width, *_) in enumerate(cols, 1):
            ws.column_dimensions[ws.cell(1, c).column_letter].width = width
        ws.freeze_panes = "A2"
        last = max(ws.max_row, 2)
        ws.auto_filter.ref = f"A1:{ws.cell(1, len(cols)).column_letter}{last}"
        _print_setup(ws, "1:1")
    write_if_changed(path, workbook_bytes(wb, d.as_of, "督办事项台账", d.reg.settings.office))
    return path


def _print_setup(ws, title_rows: str) -> None:
    """A4 landscape, one page wide, the header repeated on every page, page numbers in the footer."""
    from openpyxl.worksheet.properties import PageSetupProperties

    if title_rows:
        ws.print_title_rows = title_rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
