"""The numbered slips (slips.md): 交办单, 催办单, 整改通知单 with their 回执; the 签收登记表 of a print batch; the
blank forms units return (延期申请表, 办结反馈单).

Each is a docxtpl template (documents/forms.py; an office's own copy in registers/templates/ wins). This module
says what goes into each placeholder, from the item's status, the ledger and the settings: plain text, formatted
here once (dates by calendar.cn_date, status phrases by view)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..registers.calendar import cn_date
from ..engine.slips import issued_after
from ..engine.status import ItemStatus
from ..record.ledger import Slip
from ..registers.model import Event, Issuer, Item, Registers
from ..kinds import KINDS
from ..view import basis_text, missing_text, progress_text, short_title, warning_text
from . import template_files as T
from .forms import COLOURS, FORMS, append_elements, colour, fill, filled_body, finish
from .gbt9704 import AREA_H, AREA_W, SMALL, OfficialDocument


@dataclass(frozen=True)
class SlipContext:
    """What a slip prints besides its item's status: from the ledger and the registers, found at the edge."""

    assign: Slip | None = None  # the slip that assigned the item (a 催办单 cites it): 交办单, or 整改通知单
    reply: dt.date | None = None  # a 催办单's reply-by date
    failed: Event | None = None  # the failed verification a 整改通知单 answers
    times: int = 1  # which 催办 of the item this 催办单 is (催办次数)


def _issuer(reg: Registers, entry: Slip) -> Issuer:
    return reg.settings.issuers[entry.issuer]


def _common(reg: Registers, entry: Slip, mark: str | None, item: Item) -> dict:
    issuer = _issuer(reg, entry)
    return {"number": entry.number, "issuer": issuer.name, "date": cn_date(entry.issued), "mark": mark or "",
            "urgency": item.urgency or "", "contact": issuer.contact or reg.settings.contact,
            "phone": issuer.phone or reg.settings.phone, "text": item.text, "lead": item.lead,
            "term": reg.settings.term}


def _report_to(status: ItemStatus, reg: Registers, issuer: Issuer) -> str:
    """The body the rule says the result goes to (rules.yaml `report_to`). 交办机构 is the slip's issuer; so is
    a rule's 牵头部门, which on a slip handed to the lead unit itself would send it the result of its own work."""
    r = reg.rules.rule(status.item.rule)
    return issuer.name if r.report_to in ("交办机构", "按要求", "牵头部门") else r.report_to


def due_text(status: ItemStatus, reg: Registers) -> str:
    """The deadline in force on the slip's date, with where it comes from, e.g. 2026年5月20日（会后10日内，
    泰高管发〔2021〕11号第10条第（1）项）: the clause as rules.yaml names it. A deadline moved by an extension or
    set by a failed verification says so and names the original (a catch-up slip prints the deadline in force)."""
    r = status.original.rule
    cite = reg.rules.clause(r.id)
    basis = r.short_text() + (f"，{cite}" if cite else "")
    moved = moved_text(status)
    if moved:
        text = f"{cn_date(status.due)}（{moved}；原办结时限{cn_date(status.original.due)}，{basis}）"
    else:
        text = f"{cn_date(status.original.due)}（{basis}）"
    if status.original.provisional:
        text += "；次年节假日安排未公布，此日期为暂定"
    return text


def moved_text(status: ItemStatus) -> str:
    """Why the deadline in force is not the original one: 核查未通过后的整改时限, 经批准延期, or ""."""
    if status.due == status.original.due:
        return ""
    return "核查未通过后的整改时限" if status.rework else "经批准延期"


def late_note(status: ItemStatus, issued: dt.date, limit: str) -> str:
    """A slip that assigns work after the deadline in force says so (its 补发说明, the date being in the row
    above), or ""."""
    days = issued_after(status.due, issued)
    if not days:
        return ""
    return f"此单于{limit}后补发，出具时已逾期{days}天"


def _marked(mark: str | None, late: str) -> str | None:
    """The mark under the title: 补发 for a slip issued after the deadline, then a 更正 mark; a copy marked 作废
    says only that (its 补发说明 row still tells it was late)."""
    if mark == VOID_MARK:
        return mark
    return "；".join(m for m in (LATE_MARK if late else "", mark or "") if m) or None


LATE_MARK, VOID_MARK = "补发", "此单已作废"


def _render(reg: Registers, form: str, ctx: dict, entry: Slip, unit: str, receipt: bool = True,
            tint: str | None = None, floor: int = 0) -> OfficialDocument:
    doc = fill(T.data(reg.root, form), ctx)
    if receipt:
        append_elements(doc, filled_body(T.data(reg.root, "回执"), "number", entry.number))
    if tint:
        colour(doc, tint)
    d = finish(doc, sealed=reg.settings.printing.sealed, width_mm=AREA_W, floor=floor)
    issuer = _issuer(reg, entry)
    d.properties(FORMS[form].title, issuer.name, entry.issued, entry.number, unit)
    return d


def assign_context(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext, mark: str | None) -> dict:
    item = status.item
    late = late_note(status, entry.issued, "办结时限")
    return {**_common(reg, entry, _marked(mark, late), item), "source": item.source.describe(),
            "co": "、".join(item.co) or "无", "assigned": cn_date(item.assigned), "due": due_text(status, reg),
            "late": f"{late}。" if late else "", "report_to": _report_to(status, reg, _issuer(reg, entry))}


def urge_context(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext, mark: str | None) -> dict:
    item, assign = status.item, ctx.assign  # assign: the slip that set the deadline in force (kinds._urge_extra)
    moved = moved_text(status)
    due = cn_date(status.due) + (f"（{moved}；原办结时限{cn_date(status.original.due)}）" if moved else "")
    leader = reg.units[item.lead].leader if item.lead in reg.units else ""
    return {**_common(reg, entry, mark, item),
            "assign": f"{assign.number}{KINDS[assign.kind].name}（{cn_date(assign.issued)}）" if assign else
            (basis_text(item, reg.rules) if item.source.standing else "无"),
            "due": due, "progress": missing_text(status, short=True) or progress_text(status), "level": warning_text(status), "times": ctx.times,
            "reply_by": cn_date(ctx.reply) if ctx.reply else "",
            "cc_report": f"{leader}同志（{item.lead}分管领导）" if reg.settings.printing.cc_leader and leader else ""}


def rectify_context(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext, mark: str | None) -> dict:
    item, failed = status.item, ctx.failed
    late = late_note(status, entry.issued, "整改时限")
    c = {**_common(reg, entry, _marked(mark, late), item), "recheck": failed is not None,
         "report_to": reg.settings.office, "late": f"{late}，请立即整改。" if late else "", "due": cn_date(status.due)}
    if failed is None:
        det = item.source.detail
        c.update(inspected=f"{cn_date(item.source.date)}（{det.get('form') or item.source.title}）",
                 inspectors="、".join(det.get("inspectors") or ()) or "—",
                 requirement=det.get("requirement") or "立即整改")
        if moved_text(status):  # a finding's deadline extended: the one in force, and the original
            c["due"] += f"（{moved_text(status)}；原整改时限{cn_date(status.original.due)}）"
    else:
        c.update(text=f"{item.source.describe()}：{item.text}", checked=cn_date(failed.date),
                 opinion="办结情况未通过核查" + (f"：{failed.note}" if failed.note else ""),
                 requirement="按核查意见重新办理，整改完成后书面报送整改报告")
    return c


def draw_slip(reg: Registers, kind, entry: Slip, status: ItemStatus, ctx: SlipContext,
              mark: str | None = None, floor: int = 0) -> OfficialDocument:
    """A slip of a declared kind (kinds.Kind): its context filled into its form, its 回执 if it carries one, its
    colour if it has one; set on its page from step `floor` of documents/fit.py (the run's step)."""
    tint = kind.tint(reg, status) if kind.tint else None
    return _render(reg, kind.form.name, kind.context(reg, entry, status, ctx, mark), entry, status.item.lead,
                   receipt=kind.receipt, tint=tint, floor=floor)


def urge_tint(reg: Registers, status: ItemStatus) -> str | None:
    """A 催办单's colour: its warning level's, when the office prints in colour."""
    return COLOURS.get(status.warning or "") if reg.settings.printing.colour else None


def build_signoff(reg: Registers, kind_name: str, date: dt.date, rows: list[tuple[str, str, str, str]]) -> OfficialDocument:
    """签收登记表: one row per slip of the batch, with 送达人, 签收人, 签收时间 and 备注 left to fill in."""
    ctx = {"office": reg.settings.office, "date": cn_date(date), "kind": kind_name, "count": len(rows),
           "rows": [{"seq": i, "number": n, "kind": k, "unit": u, "summary": short_title(t, 30)}
                    for i, (n, k, u, t) in enumerate(rows, 1)]}
    doc = fill(T.data(reg.root, "签收登记表"), ctx)
    d = finish(doc, sealed=False, width_mm=AREA_H, shrink=False)
    d.properties("督办单据签收登记表", reg.settings.office, date, f"{kind_name}签收登记表")
    return d


def build_separator(reg: Registers, unit: str, kind_name: str, date: dt.date,
                    rows: list[tuple[str, str]]) -> OfficialDocument:
    """The separator sheet before a unit's slips in a print batch: the unit, and the slips that follow."""
    d = OfficialDocument(page_numbers=False)
    d.blank(2)
    d.title(unit, blank_before=0)
    d.paragraph(f"{kind_name}共{len(rows)}份　{cn_date(date)}", "表题注")
    d.blank(1)
    d.table(["序号", "编号", "事项摘要"], [[str(i), n, short_title(t, 30)] for i, (n, t) in enumerate(rows, 1)], size=SMALL,
            align=["center", "left", "left"], flex={2})
    d.blank(1)
    d.paragraph(f"送达后请在{kind_name}的回执上签收，并在签收登记表上签字。", "附注")
    d.properties(f"{unit}{kind_name}封页", reg.settings.office, date, unit)
    return d


def build_blank_form(reg: Registers, form: str, item: Item, status: ItemStatus, assign: Slip | None,
                     on: dt.date) -> OfficialDocument:
    """延期申请表 or 办结反馈单 for one item, identified by the slip that assigned it."""
    issuer = reg.settings.issuers.get(assign.issuer if assign else item.issuer) or \
        reg.settings.issuers[reg.settings.default_issuer]
    ctx = {"text": item.text, "lead": item.lead, "co": "、".join(item.co) or "无", "issuer": issuer.name,
           "assigned": cn_date(item.assigned), "due": due_text(status, reg),
           "assign": f"{KINDS[assign.kind].name}：{assign.number}" if assign else "（尚未出具交办单）"}
    doc = fill(T.data(reg.root, form), ctx)
    d = finish(doc, sealed=False, width_mm=AREA_W)
    d.properties(FORMS[form].title, issuer.name, on, assign.number if assign else "", item.lead)
    return d

