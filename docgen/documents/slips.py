"""The numbered slips (slips.md): 交办单, 催办单, 整改单, and the 签收登记表 of a print batch.

Each is a one-page form on A4 laid out by gbt9704.OfficialDocument: a centred title, the number line, a bordered
table, the issuer and date, and a receipt (回执) below a cut line."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..calendar import cn_date
from ..engine.status import ItemStatus
from ..model import Event, Issuer, Registers
from ..kinds import KINDS
from ..view import progress_text, warning_text
from ..ledger import Slip
from .gbt9704 import PITCH, SMALL, Face, OfficialDocument, XIAOBIAOSONG

FORM = SMALL  # 四号 inside forms
FORM_SIZES = (SMALL, 12.0, 10.5)  # 四号, 小四, 五号: the largest that keeps the slip on one page
LABEL_MM = 30.0
RECEIPT_ROW = 20.0
# everything on a slip but its form: title (2 lines), number line, signature (2), cut line, 回执 heading and table
FIXED_PT = 2 * PITCH + PITCH + 2 * PITCH + 0.75 * PITCH + PITCH + 5 * RECEIPT_ROW + 12
PAGE_PT = 225 * 72 / 25.4


def _form(d: OfficialDocument, rows) -> None:
    size = next((s for s in FORM_SIZES if FIXED_PT + d.form_height(rows, LABEL_MM, s) <= PAGE_PT), FORM_SIZES[-1])
    d.form_table(rows, label_mm=LABEL_MM, size=size)


def _title(d: OfficialDocument, text: str, mark: str | None) -> None:
    """The form title, and under it a red mark for a copy that is not the slip as first issued: （此单已作废）
    or （更正：原因）."""
    d.title(text, blank_before=0)
    if mark:
        d.paragraph(f"（{mark}）", Face(XIAOBIAOSONG, FORM, color="FF0000", spacing=0), align="center")


@dataclass(frozen=True)
class SlipContext:
    """What a slip prints besides its item's status: from the ledger and the registers, found at the edge."""

    assign: Slip | None = None  # the slip that assigned the item (a 催办单 cites it): 交办单, or 整改通知单
    reply: dt.date | None = None  # a 催办单's reply-by date
    failed: Event | None = None  # the failed verification a 整改通知单 answers


def _properties(d: OfficialDocument, reg: Registers, entry: Slip, title: str, unit: str) -> None:
    issuer = reg.settings.issuers.get(entry.issuer)
    d.properties(title, issuer.name if issuer else reg.settings.office, entry.issued, entry.number, unit)


def _receipt(d: OfficialDocument, number: str) -> None:
    d.cut_line()
    d.form_table([("单据编号", number), ("签收单位", ""), ("签收人", ""), ("签收时间", "　　年　　月　　日"),
                  ("联系电话", "")], label_mm=LABEL_MM, size=FORM, min_height=RECEIPT_ROW)


def _footer(d: OfficialDocument, issuer: Issuer, date: dt.date) -> None:
    d.signature(issuer.name, date, blank_before=0)


def _report_to(status: ItemStatus, reg: Registers, issuer: Issuer) -> str:
    """The body the rule says the result goes to (rules.yaml `report_to`): 交办机构 is the slip's issuer."""
    r = reg.rules.rule(status.item.rule)
    return issuer.name if r.report_to in ("交办机构", "按要求") else r.report_to


def due_text(status: ItemStatus, reg: Registers) -> str:
    """E.g. 2026年5月20日（会后10日内，泰高管发〔2021〕11号第10条第（1）项）: the clause as rules.yaml names it."""
    r = status.original.rule
    cite = reg.rules.clause(r.id)
    basis = r.short_text() + (f"，{cite}" if cite else "")
    text = f"{cn_date(status.original.due)}（{basis}）"
    if status.original.provisional:
        text += "；次年节假日安排未公布，此日期为暂定"
    return text


def build_assign(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext,
                 mark: str | None = None) -> OfficialDocument:
    item, issuer = status.item, reg.settings.issuers[entry.issuer]
    d = OfficialDocument()
    _properties(d, reg, entry, "督办事项交办单", item.lead)
    _title(d, f"{issuer.name}\n督办事项交办单", mark)
    d.number_line(entry.number, item.urgency or "")
    _form(d, [
        ("事项来源", item.source.describe()),
        ("交办事项", item.text),
        ("牵头单位", item.lead),
        ("配合单位", "、".join(item.co) or "无"),
        ("交办日期", cn_date(item.assigned)),
        ("办结时限", due_text(status, reg)),
        ("办理要求", f"请于办结时限前将办理结果书面报送{_report_to(status, reg, issuer)}；特殊情况需要延期的，"
                     "须在到期前向交办机构书面申请并说明原因。"),
        ("联系人", f"{issuer.contact or reg.settings.contact}　电话：{issuer.phone or reg.settings.phone}"),
    ])
    _footer(d, issuer, entry.issued)
    _receipt(d, entry.number)
    return d


def build_urge(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext,
               mark: str | None = None) -> OfficialDocument:
    item, issuer = status.item, reg.settings.issuers[entry.issuer]
    assign, reply = ctx.assign, ctx.reply
    d = OfficialDocument()
    _properties(d, reg, entry, "督办事项催办单", item.lead)
    _title(d, "督办事项催办单", mark)
    d.number_line(entry.number, item.urgency or "")
    due = cn_date(status.original.due)
    if status.extended_to:
        due += f"；经批准延期至{cn_date(status.extended_to)}"
    left, level = progress_text(status), warning_text(status)
    _form(d, [
        (KINDS[assign.kind].name if assign else "交办单", f"{assign.number}（{cn_date(assign.issued)}）" if assign else "无"),
        ("交办事项", item.text),
        ("牵头单位", item.lead),
        ("办结时限", due),
        ("办理进度", left),
        ("预警等级", level),
        ("回复时限", f"请于{cn_date(reply)}前书面回复办理进展"),
        ("催办要求", "请抓紧办理，按时限报送办理结果；确有困难的，须书面说明原因和预计完成时间。"),
    ])
    _footer(d, issuer, entry.issued)
    _receipt(d, entry.number)
    return d


def build_rectify(reg: Registers, entry: Slip, status: ItemStatus, ctx: SlipContext,
                  mark: str | None = None) -> OfficialDocument:
    item, issuer = status.item, reg.settings.issuers[entry.issuer]
    failed = ctx.failed
    d = OfficialDocument()
    _properties(d, reg, entry, "督导检查整改通知单", item.lead)
    _title(d, "督导检查整改通知单", mark)
    d.number_line(entry.number)
    if failed is None:
        det = item.source.detail
        rows = [
            ("督导时间", f"{cn_date(item.source.date)}（{det.get('form') or item.source.title}）"),
            ("督导人员", "、".join(det.get("inspectors") or ()) or "—"),
            ("发现问题", item.text),
            ("整改要求", det.get("requirement") or "立即整改"),
            ("整改时限", cn_date(status.due)),
        ]
    else:
        rows = [
            ("核查事项", f"{item.source.describe()}：{item.text}"),
            ("核查时间", cn_date(failed.date)),
            ("核查意见", "办结情况未通过核查" + (f"：{failed.note}" if failed.note else "")),
            ("整改要求", "按核查意见重新办理，整改完成后书面报送整改报告"),
            ("整改时限", cn_date(status.due) if status.due >= entry.issued else f"{cn_date(status.due)}（已逾期，请立即整改）"),
        ]
    rows += [("责任单位", item.lead), ("结果报送", f"整改结果书面报送{reg.settings.office}")]
    _form(d, rows)
    _footer(d, issuer, entry.issued)
    _receipt(d, entry.number)
    return d


def build_signoff(reg: Registers, kind_name: str, date: dt.date, rows: list[tuple[str, str, str, str]]) -> OfficialDocument:
    """签收登记表: one row per slip of the batch (number, kind, unit, item), with empty 签收人 and 签收时间."""
    d = OfficialDocument()
    d.title("督办单据签收登记表", blank_before=0)
    d.paragraph(f"{reg.settings.office}　{cn_date(date)}　{kind_name}共{len(rows)}份", Face(size=FORM, spacing=0),
                align="center")
    d.table(["序号", "编号", "单据", "接收单位", "事项摘要", "签收人", "签收时间"],
            [[str(i), n, k, u, (t[:24] + "…") if len(t) > 25 else t, "", ""] for i, (n, k, u, t) in enumerate(rows, 1)],
            [9, 37, 13, 27, 38, 16, 16], size=10.5, align=["center", "left", "center", "left", "left", "left", "left"])
    return d
