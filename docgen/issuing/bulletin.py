"""The bulletin (《督导通报》, or as settings.yaml `bulletin.title` names it) and the quarterly score summary: where
the engine's figures become numbered documents and sheets.

Issuing a bulletin closes its period: the ledger records its figures (the whole view it prints), the items it
names and each unit's score events. From then on the bulletin, `scores --period` and the xlsx of that period
are read from the ledger, never recomputed. A draft (--no-pdf) takes no 期号 and closes nothing.
"""
from __future__ import annotations

import datetime as dt
import glob
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.paths import Paths
from ..record import archive as A
from ..registers.calendar import WorkCalendar
from ..documents.bulletin import bulletin_view, view_words
from ..view import score_format
from ..engine.figures import Closed, Figures, Period, score_view
from ..core.files import atomic_write_bytes, safe_name
from . import transaction as T
from .slips import assigning_slip
from .transaction import DRAFT, draft_dir, preflight, write_draft
from .kinds import BULLETIN
from ..kinds import KINDS
from ..record.ledger import Ledger, Slip, State
from ..registers.model import Registers
from ..core.xlsx import append, workbook_bytes


def closed_periods(st: State, as_of: dt.date) -> list[Closed]:
    return [Closed.from_record(r) for r in st.closes.values() if dt.date.fromisoformat(r["date"]) <= as_of]


def figures(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, st: State) -> Figures:
    """A period's figures as of a date, with the score events of closed periods as recorded."""
    return BULLETIN.decide(reg, cal, period, as_of, closed_periods(st, as_of))


def score_sheet(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, st: State) -> dict:
    """The score sheet of a period: as recorded when the period is closed (by as_of), derived otherwise."""
    r = st.closes.get(period.key)
    if r is not None and dt.date.fromisoformat(r["date"]) <= as_of:
        return {**r["scores"], "closed": {"number": r["number"], "date": r["date"]}}
    return {**score_view(figures(reg, cal, period, as_of, st), reg.rules.base_score), "closed": None}


def bulletin_path(out: Paths, s: Slip, view: dict) -> Path:
    """An issued bulletin's file in output/bulletins/: named by the title its recorded view was made with (a view
    recorded before settings.yaml named the title: 督导通报), never by today's settings, so a bulletin already issued
    keeps its file name whatever the office calls its bulletins now."""
    return out.bulletins / f"{view_words(view)[0]}{s.number}.docx"


def _view(reg: Registers, cal: WorkCalendar, period: Period, day: dt.date, st: State) -> dict:
    f = figures(reg, cal, period, day, st)
    assign = {item: (KINDS[s.kind].name, s.number) for item in st.by_item
              if (s := assigning_slip(st, item)) is not None and s.issued <= day}
    s = reg.settings
    return bulletin_view(f, assign, reg.rules.base_score, s.bulletin_title, s.term)


def draft_bulletin(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date,
                   out: Paths) -> tuple[dict, Path | None, Slip | None]:
    """--no-pdf: the bulletin a run would issue now, with 草稿 where its 期数 and number go, written to
    output/drafts/<bulletin>/. No number is taken, the period stays open, the ledger is not touched. A period
    already closed gets no draft: (its recorded view, None, its bulletin)."""
    from ..documents import templates

    st = T.snapshot(reg)  # a period bulletined on paper (settings.yaml bulletin.adopted) as the real run adopts it
    done = st.find("bulletin", period.key)
    _refuse_paper(done, period, reg.settings.bulletin_title)
    if done is not None and period.key in st.closes:
        return st.closes[period.key]["view"], None, done
    templates.require(reg.root, ["通报"])
    view = _view(reg, cal, period, as_of, st)
    data = BULLETIN.draw(reg, view, DRAFT, 0, as_of).to_bytes()
    path = _draft(out, period, reg.settings.bulletin_title)
    preflight(path.parent)
    write_draft(path, data, "期号")
    return view, path, None


def _refuse_paper(slip: Slip | None, period: Period, title: str) -> None:
    """A period whose bulletin was issued on paper before docgen is closed with that number: none is drawn."""
    if slip is not None and slip.adopted:
        e = DocgenError(f"{period.label}的《{title}》{slip.number}已于{slip.issued.isoformat()}纸质出具"
                        "（settings.yaml 的 bulletin.adopted），该期间已结算，docgen 不再出具；下一期接续其期号")
        e.exit_code = 1
        raise e


def _draft(out: Paths, period: Period, title: str) -> Path:
    """Where a period's bulletin draft goes (named by today's bulletin.title: a draft is not recorded)."""
    return draft_dir(out, "bulletin") / f"{DRAFT}-{title}-{safe_name(period.label, 60)}.docx"


@dataclass
class _Next:
    """The bulletin a period gets: its number (taken now, or by an old numbers.tsv) and the figures it closes."""

    number: str
    seq: int
    day: dt.date
    view: dict
    slip: Slip | None  # numbered before bulletins closed their periods


class _Bulletin(T.Issuing):
    """The bulletin of a period in the issuing transaction: one entry (or none once the period is closed), which
    must draw or nothing is recorded; its number is recorded with the `close` of the period (the view it prints,
    the scores, the items it names). It is not batched."""

    templates = ["通报"]

    def __init__(self, reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, out: Paths):
        self.reg, self.cal, self.period, self.as_of, self.out = reg, cal, period, as_of, out
        self.folder = out.bulletins
        draft = _draft(out, period, reg.settings.bulletin_title)
        self.drafts = (draft.parent, glob.escape(draft.name))

    def plan(self, st: State) -> list[_Next]:
        slip = st.find("bulletin", self.period.key)
        if slip is not None and (slip.adopted or self.period.key in st.closes):
            return []
        # a new bulletin; or one numbered before bulletins closed their periods (an old numbers.tsv): it is
        # closed now, with the figures as of its own date
        day = slip.issued if slip else self.as_of
        view = _view(self.reg, self.cal, self.period, day, st)
        seq, number = ((slip.seq, slip.number) if slip else
                       st.next_number(self.reg.settings.bulletin_issuer, "bulletin", None, day.year))
        return [_Next(number, seq, day, view, slip)]

    def draw(self, st: State, entries: list[_Next]) -> list[bytes]:
        # it can be drawn, or nothing is recorded (an error here is raised, not refused)
        return [BULLETIN.draw(self.reg, e.view, e.number, e.seq, e.day).to_bytes() for e in entries]

    def record(self, led: Ledger, e: _Next) -> Slip:
        slip = e.slip or led.allocate(self.reg.settings.bulletin_issuer, "bulletin", None, "", self.period.key, e.day)
        led.add("close", number=e.number, period=self.period.as_dict(), date=e.day, view=e.view,
                scores=e.view["scores"], named=[o["id"] for o in e.view["overdue"]])
        return slip

    def render(self, led: Ledger, arch: Path, drawn: dict[str, bytes]) -> tuple[Slip, dict, Path, list[str]]:
        st = led.state
        slip = st.find("bulletin", self.period.key)
        # after the commit: the adoption itself is recorded
        _refuse_paper(slip, self.period, self.reg.settings.bulletin_title)
        close = st.closes[self.period.key]
        path = bulletin_path(self.out, slip, close["view"])
        errors: list[str] = []
        if slip.rendered is None:  # drawn from its record, as every later run would
            def drawn(numbered: bool = True) -> bytes:
                return BULLETIN.draw(self.reg, close["view"], slip.number, slip.seq, slip.issued,
                                     banji_numbered=numbered).to_bytes()

            job = T.Job(slip, 0, path, drawn, slip.issued, dict, T.banji_recheck(lambda: drawn(False)))
            T.write([job])
            _, failed, _ = T.convert_and_record(led, [job])
            errors += [e + "；期号已登记，再次运行将补齐" for e in failed]
        r = slip.rendered
        if r is not None:
            for ext in (".docx", ".pdf"):
                A.reconcile(path.with_suffix(ext), A.archived(arch, slip, 0, ext), r[ext[1:]])
        return slip, close["view"], path, errors


def issue_bulletin(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date,
                   out: Paths) -> tuple[Slip, dict, Path, list[str]]:
    """Number the bulletin for a period and close the period; a period already closed keeps its number and
    its recorded figures, and its files are restored from the archive. A bulletin numbered and closed by an
    older docgen's --no-pdf run (never rendered) is rendered now from its recorded figures. The transaction is
    the one every kind is issued by (transaction.transact)."""
    return T.transact(_Bulletin(reg, cal, period, as_of, out), out)


def figures_json(view: dict, s: Slip | None = None) -> dict:
    d = dict(view)
    d["units"] = view["scores"]["units"]
    if s:
        d["number"], d["issue"] = s.number, s.seq
    return d


def scores_text(sheet: dict, title: str) -> list[str]:
    p = sheet["period"]
    head = f"{p['label']}考核计分（基础分{sheet['base']:g}，统计截至{sheet['as_of']}）"
    if sheet.get("closed"):
        head += f"；本期已于{sheet['closed']['date']}随《{title}》{sheet['closed']['number']}结算，以下为结算记录"
    lines = [head]
    score = score_format([u["score"] for u in sheet["units"] if u["active"]])
    for u in sheet["units"]:
        if not u["active"]:
            lines.append(f"　—  {u['unit']}：本期无应办结事项，不参加排名")
        else:
            lines.append(f"{u['rank']:>3}  {u['unit']}：{score(u['score'])}分")
        for e in u["events"]:
            lines.append(f"        {e['date']}  {e['item']}  {e['label']}  {e['points']:+g}  {e['reason']}")
    return lines


def write_scores_xlsx(sheet: dict, path: Path, author: str) -> Path:
    """每季度小结 as a spreadsheet: 汇总 (one row a unit) and 明细 (every deduction with its item and rule).
    Text is never a formula; a closed period's sheet is byte-identical however often it is written."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    p = sheet["period"]
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    append(ws, [f"{p['label']}考核计分小结（统计截至{sheet['as_of']}）"])
    append(ws, ["名次", "单位", "基础分", "扣分", "加分", "得分", "应办结", "按期办结", "逾期", "备注"])
    for u in sheet["units"]:
        c = u["counts"]
        if u["active"]:
            append(ws, [u["rank"], u["unit"], sheet["base"], u["minus"], u["plus"], u["score"], c["due"], c["on_time"],
                        c["overdue"], ""])
        else:
            append(ws, ["", u["unit"], "", "", "", "", 0, 0, 0, "本期无应办结事项，不参加排名"])
    ws2 = wb.create_sheet("明细")
    append(ws2, ["单位", "日期", "事项", "规则", "分值", "说明"])
    for u in sheet["units"]:
        for e in u["events"]:
            append(ws2, [u["unit"], e["date"], e["item"], e["label"], e["points"], e["reason"]])
    for sh in (ws, ws2):
        for row in sh.iter_rows(min_row=1, max_row=2 if sh is ws else 1):
            for c in row:
                c.font = Font(bold=True)
        for col, w in zip("ABCDEFGHIJ", (8, 20, 10, 10, 10, 10, 10, 10, 8, 30) if sh is ws else (20, 12, 14, 22, 8, 40)):
            sh.column_dimensions[col].width = w
    ws["A1"].alignment = Alignment(horizontal="left")
    when = dt.date.fromisoformat(sheet["as_of"])
    atomic_write_bytes(path, workbook_bytes(wb, when, f"{p['label']}考核计分小结", author))
    return path

