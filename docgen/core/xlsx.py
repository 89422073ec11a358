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
