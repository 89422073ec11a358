"""《督导通报》 and the quarterly score summary: where the engine's figures become numbered documents and sheets."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from .calendar import WorkCalendar
from .documents.bulletin import build_bulletin
from .engine.figures import Figures, Period, bulletin_named, compute, parse_period, score_label
from .files import atomic_write_bytes, save_docx
from .issue import numbers_path
from .model import SOURCE_KINDS, Registers
from .numbers import Entry, NumberRegister, parse


def _bulletins(entries: list[Entry], upto: dt.date) -> list[tuple[Period, dt.date]]:
    return [(parse_period(e.key), e.issued) for e in entries if e.kind == "bulletin" and not e.void and e.issued <= upto]


def read_numbers(reg: Registers) -> list[Entry]:
    p = numbers_path(reg)
    return parse(p.read_text(encoding="utf-8"), str(p)) if p.exists() else []


def figures(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, entries: list[Entry]) -> Figures:
    """The period's figures as of a date, counting the bulletins issued by then (通报点名扣分)."""
    return compute(reg, cal, period, as_of, bulletin_named(reg, cal, _bulletins(entries, as_of)))


def bulletin_path(out: Path, e: Entry) -> Path:
    return out / "bulletins" / f"督导通报{e.number}.docx"


def issue_bulletin(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, out: Path,
                   pdf: bool = True) -> tuple[Entry, Figures, Path, list[str]]:
    """Number the bulletin for a period (the same 第N期 when it is regenerated) and write it."""
    with NumberRegister(numbers_path(reg)) as nr:
        entry = nr.allocate(reg.settings.bulletin_issuer, "bulletin", None, "", period.key, as_of)
        nr.commit()
        f = figures(reg, cal, period, entry.issued, nr.entries)
        assign = {e.item: e.number for e in nr.entries
                  if e.kind == "assign" and not e.void and e.issued <= entry.issued}
        path = save_docx(build_bulletin(reg, f, entry, assign), bulletin_path(out, entry))
        errors = []
        if pdf:
            from .documents.render import render_pdfs

            errors = [r.error for r in render_pdfs([path]) if r.pdf is None]
    return entry, f, path, errors


def figures_json(f: Figures, entry: Entry | None = None) -> dict:
    d = {
        "period": {"start": f.period.start.isoformat(), "end": f.period.end.isoformat(), "label": f.period.label},
        "as_of": f.as_of.isoformat(),
        "total": f.total.as_dict(),
        "by_source": {k: f.by_source[k].as_dict() for k in SOURCE_KINDS},
        "units": [{"unit": u.unit, "active": u.active, "rank": u.rank, "score": u.score, "commended": u.commended,
                   **u.counts.as_dict()} for u in f.units],
        "overdue": [{"id": s.item.id, "lead": s.item.lead, "days_overdue": s.days_overdue, "due": s.due.isoformat()}
                    for s in f.overdue],
        "items": [s.item.id for s in f.items],
    }
    if entry:
        d["number"] = entry.number
        d["issue"] = entry.seq
    return d


def scores_json(f: Figures, base: float) -> dict:
    return {
        "period": {"start": f.period.start.isoformat(), "end": f.period.end.isoformat(), "label": f.period.label},
        "as_of": f.as_of.isoformat(), "base": base,
        "units": [{"unit": u.unit, "rank": u.rank, "score": u.score,
                   "events": [{"date": e.date.isoformat(), "item": e.item, "rule": e.rule, "label": score_label(e.rule),
                               "points": e.points, "reason": e.reason} for e in u.events]} for u in f.units],
    }


def scores_text(f: Figures, base: float) -> list[str]:
    lines = [f"{f.period.label}考核计分（基础分{base:g}，统计截至{f.as_of.isoformat()}）"]
    for u in f.units:
        if not u.active:
            lines.append(f"　—  {u.unit}：本期无应办结事项，不参加排名")
            continue
        lines.append(f"{u.rank:>3}  {u.unit}：{u.score:g}分")
        for e in u.events:
            lines.append(f"        {e.date.isoformat()}  {e.item}  {score_label(e.rule)}  {e.points:+g}  {e.reason}")
    return lines


def write_scores_xlsx(f: Figures, base: float, path: Path) -> Path:
    """每季度小结 as a spreadsheet: 汇总 (one row a unit) and 明细 (every deduction with its item and rule)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    ws.append([f"{f.period.label}考核计分小结（统计截至{f.as_of.isoformat()}）"])
    ws.append(["名次", "单位", "基础分", "扣分", "加分", "得分", "应办结", "按期办结", "逾期", "备注"])
    for u in f.units:
        minus = sum(e.points for e in u.events if e.points < 0)
        plus = sum(e.points for e in u.events if e.points > 0)
        if u.active:
            ws.append([u.rank, u.unit, base, minus, plus, u.score, u.counts.due, u.counts.on_time, u.counts.overdue, ""])
        else:
            ws.append(["", u.unit, "", "", "", "", 0, 0, 0, "本期无应办结事项，不参加排名"])
    ws2 = wb.create_sheet("明细")
    ws2.append(["单位", "日期", "事项", "规则", "分值", "说明"])
    for u in f.units:
        for e in u.events:
            ws2.append([u.unit, e.date.isoformat(), e.item, score_label(e.rule), e.points, e.reason])
    for sheet in (ws, ws2):
        for row in sheet.iter_rows(min_row=1, max_row=2 if sheet is ws else 1):
            for c in row:
                c.font = Font(bold=True)
        for col, w in zip("ABCDEFGHIJ", (8, 20, 10, 10, 10, 10, 10, 10, 8, 30) if sheet is ws else (20, 12, 14, 22, 8, 40)):
            sheet.column_dimensions[col].width = w
    ws["A1"].alignment = Alignment(horizontal="left")
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())
    return path
