"""The year's scores (`scores --period 2026`): the four quarters' sheets, closed ones as the ledger recorded them,
summed by engine.year; as text and as a workbook with a 责任人 sheet (seed §13: 与所有责任人挂钩)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..core.files import atomic_write_bytes
from ..core.xlsx import append, workbook_bytes
from ..engine.year import year_view
from ..record.ledger import State
from ..registers.calendar import WorkCalendar
from ..registers.model import Registers
from ..registers.periods import quarters
from ..view import score_format
from .bulletin import score_sheet


def year_sheet(reg: Registers, cal: WorkCalendar, year: int, as_of: dt.date, st: State) -> dict:
    """The year as of a date: each quarter begun by then (a closed one as recorded), summed."""
    sheets = [score_sheet(reg, cal, q, as_of, st) if q.start <= as_of else None for q in quarters(year)]
    owners = {i.id: (i.owner, i.lead) for i in reg.items if i.owner}
    return year_view(year, sheets, owners, reg.rules.base_score, as_of.isoformat())


def _pts(x) -> str:
    return "—" if x is None else ("0" if x == 0 else f"{x:+g}")


def year_text(v: dict) -> list[str]:
    lines = [f"{v['year']}年度考核计分（基础分{v['base']:g}，统计截至{v['as_of']}；年度得分＝基础分＋四个季度的扣分、加分）"]
    done = [f"第{'一二三四'[i]}季度" for i, c in enumerate(v["closed"]) if c]
    lines.append(f"已结算的季度按结算记录：{'、'.join(done)}" if done else "各季度均未结算，按台账计算")
    score = score_format([u["score"] for u in v["units"] if u["active"]])
    for u in v["units"]:
        qs = "  ".join(f"Q{i + 1} {_pts(q['points']) if q else '—'}" for i, q in enumerate(u["quarters"]))
        if u["active"]:
            lines.append(f"{u['rank']:>3}  {u['unit']}：{score(u['score'])}分（{qs}）")
        else:
            lines.append(f"　—  {u['unit']}：全年无应办结事项，不参加排名（{qs}）")
    if v["owners"]:
        lines.append("责任人：")
        for p in v["owners"]:
            lines.append(f"     {p['unit']}　{p['owner']}：{p['score']:g}分（扣分{p['minus']:g}，加分{p['plus']:g}；"
                         f"事项 {'、'.join(p['items'])}）")
    return lines


def write_year_xlsx(v: dict, path: Path, author: str) -> Path:
    """年度考核: 汇总 (one row a unit: each quarter's points, the year's), 责任人 (one row a person)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    append(ws, [f"{v['year']}年度考核计分（统计截至{v['as_of']}）"])
    append(ws, ["名次", "单位", "基础分", "第一季度", "第二季度", "第三季度", "第四季度", "扣分", "加分", "年度得分", "备注"])
    for u in v["units"]:
        qs = [q["points"] if q else None for q in u["quarters"]]
        append(ws, [u["rank"] or "", u["unit"], v["base"], *qs, u["minus"], u["plus"],
                    u["score"] if u["active"] else "", "" if u["active"] else "全年无应办结事项，不参加排名"])
    ws2 = wb.create_sheet("责任人")
    append(ws2, ["责任人", "单位", "事项", "第一季度", "第二季度", "第三季度", "第四季度", "扣分", "加分", "得分"])
    for p in v["owners"]:
        append(ws2, [p["owner"], p["unit"], "、".join(p["items"]), *p["quarters"], p["minus"], p["plus"], p["score"]])
    for sh, widths in ((ws, (8, 20, 8, 10, 10, 10, 10, 8, 8, 10, 30)), (ws2, (10, 20, 30, 10, 10, 10, 10, 8, 8, 8))):
        for c in sh[1 if sh is ws2 else 2]:
            c.font = Font(bold=True)
        for col, w in zip("ABCDEFGHIJK", widths):
            sh.column_dimensions[col].width = w
    atomic_write_bytes(path, workbook_bytes(wb, dt.date.fromisoformat(v["as_of"]), f"{v['year']}年度考核计分", author))
    return path


def notice(reg: Registers, cal: WorkCalendar, period, as_of: dt.date, out, no_pdf: bool = False):
    """`scores --period P --notice`: the numbered 得分情况通报 of a period (张榜公布), refused while an appeal
    against a deduction awaits its decision. Its figures are the period's score sheet as of the date (a closed
    period's as recorded). Returns (its number, its .docx, whether this run numbered it, errors)."""
    from ..core.diagnostics import DocgenError
    from ..engine.appeals import pending
    from ..kinds import declared
    from ..record.ledger import read
    from ..view import appeal_lines, notice_refused_text
    from . import kinds as _declared  # noqa: F401 - the kinds' code registered
    from . import standalone

    st = read(reg.root)
    # one numbered already is finished as of its own day (it was not refused then), whatever was appealed since
    waiting = pending(reg, as_of) if st.find("notice", period.key) is None else []
    if waiting:
        raise DocgenError("\n".join([*appeal_lines(waiting, reg.settings.bulletin_title),
                                     notice_refused_text(period.label)]))
    sheet = score_sheet(reg, cal, period, as_of, st)
    kind = declared("notice")

    def draw(number, seq, numbered, on):  # on: the day it was numbered (None: a draft), its figures as of then
        on = on or as_of
        figures = sheet if on == as_of else score_sheet(reg, cal, period, on, read(reg.root))
        return kind.draw(reg, figures, number, on, banji_numbered=numbered)

    if no_pdf:
        return standalone.draft(reg, "notice", period.label, out, draw)
    return standalone.issue(reg, "notice", period.key, as_of, out, draw, {"期间": period.label})
