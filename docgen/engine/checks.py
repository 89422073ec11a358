"""Checks of the registers that need the working-day calendar (pure: model and calendar in, diagnostics out).

Every command runs them after the registers load, so bad input never reaches the engine; `docgen check` also
prints the warnings (exit 0)."""
from __future__ import annotations

from ..registers.calendar import UnknownYear, WorkCalendar, cn_date
from ..core.diagnostics import Diagnostic
from ..registers.model import Registers
from ..registers import sources
from .due import item_due
from .status import due_in_force, item_status, pending_diagnostics


def calendar_checks(reg: Registers, cal: WorkCalendar) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(errors, warnings)."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    lo, hi = cal.known_span()
    lo, hi = lo - 1, hi + 1

    def bounded(d, src, field: str) -> bool:
        if d is not None and not lo <= d.year <= hi:
            errors.append(Diagnostic(src.file, src.line, field,
                                     f"日期 {d.isoformat()} 不在{lo}—{hi}年之间（工作日历已知的年份前后各一年），请检查是否写错"))
            return False
        return True

    pending = []
    for item in reg.items:
        if item.source.derived:
            continue  # derived from rules already checked; its due date is counted (or 时限待定) when it is due
        date_field = sources.get(item.source.kind).date_field
        ok = all([bounded(item.source.date, item.source.src or item.src, date_field),
                  bounded(item.assigned, item.src, "assigned"), bounded(item.explicit_due, item.src, "due")])
        if not ok:
            continue  # a date that far out is a typo: no due date is counted from it
        try:
            item_due(item, reg.rules, cal)
        except UnknownYear as e:
            pending.append((item, e))
        if item.explicit_due is not None:
            try:
                if not cal.is_workday(item.explicit_due):
                    warnings.append(Diagnostic(item.src.file, item.src.line, "due",
                                               f"办结时限 {cn_date(item.explicit_due)} 是{cal.why(item.explicit_due)}"
                                               "（非工作日），请确认"))
            except UnknownYear:
                pass
    warnings += pending_diagnostics(pending)
    by_id = {i.id: i for i in reg.items}
    for ev in reg.events:
        if not (bounded(ev.date, ev.src, "date") and bounded(ev.until, ev.src, "until")):
            continue
        item = by_id.get(ev.item)
        if item is None or ev.until is None or ev.type not in ("延期申请", "延期批复"):
            continue
        try:
            due = due_in_force(item, reg.events_of(item.id), reg.rules, cal, ev)
        except UnknownYear:
            continue
        if ev.until <= due:
            what = "申请延至" if ev.type == "延期申请" else "批复延至"
            errors.append(Diagnostic(ev.src.file, ev.src.line, "until",
                                     f"{what}{cn_date(ev.until)}，不晚于当时的办结时限{cn_date(due)}：延期只能推后时限"))
    from ..registers.coordination import matters
    for m in matters(reg):  # the dates a 提请协调单 prints (a decided item's are checked as the item's)
        bounded(m.date, m.src, "date")
        for c in m.consulted:
            bounded(c.date, c.src, "date")
        if m.opinion is not None and m.opinion.date is not None:
            bounded(m.opinion.date, m.src, "opinion")
    errors += appeal_checks(reg, cal, by_id)
    return errors, warnings


def appeal_checks(reg: Registers, cal: WorkCalendar, by_id: dict) -> list[Diagnostic]:
    """An appeal (申诉) is against a deduction the item had by the appeal's day: one against nothing would stay
    pending (and hold back the score notice) with nothing to decide. A 因逾期被通报点名 is in the ledger's
    bulletins, not in the registers: not checked here."""
    from ..registers.rules import score_label
    from .figures import _accrued

    errors = []
    for ev in reg.events:
        item = by_id.get(ev.item)
        if ev.type != "申诉" or item is None or not ev.rule or ev.rule == "bulletin_named" or ev.date < item.assigned:
            continue
        try:
            s = item_status(item, reg.events_of(item.id), reg.rules, cal, ev.date)
        except UnknownYear:
            continue
        if not any(e.rule == ev.rule and e.date <= ev.date for e in _accrued(s, reg, [])):
            label = score_label(ev.rule, reg.settings.bulletin_title)
            errors.append(Diagnostic(ev.src.file, ev.src.line, "rule",
                                     f"到{cn_date(ev.date)}申诉时，事项「{item.id}」没有「{label}」的扣分，无可申诉"))
    return errors


def receipt_checks(reg: Registers, slips) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """Each 签收 record against the ledger's slips (number -> a slip with .item): (errors, warnings). A receipt
    citing a number the ledger does not have is a warning (not issued yet, or a typo); one citing another item's
    slip is an error."""
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for ev in reg.events:
        if ev.type != "签收":
            continue
        s = slips.get(ev.slip)
        if s is None:
            warnings.append(Diagnostic(ev.src.file, ev.src.line, "slip",
                                       f"签收的单据「{ev.slip}」在账本中没有（尚未出具，或编号写错）"))
        elif s.item != ev.item:
            errors.append(Diagnostic(ev.src.file, ev.src.line, "slip",
                                     f"单据「{ev.slip}」是事项「{s.item}」的，不是「{ev.item}」的"))
    return errors, warnings


def mobile_warnings(reg: Registers) -> list[str]:
    """The units without a mobile number, who cannot be sent an SMS: one warning naming them all, or none."""
    no_mobile = [u.name for u in reg.units.values() if not u.mobile]
    return ["以下单位没有登记手机号（mobile），不能发送短信提醒：" + "、".join(no_mobile)] if no_mobile else []


def paper_checks(reg: Registers, st) -> list[Diagnostic]:
    """The documents the office issued on paper (items' `slip`, settings.yaml `bulletin.adopted`) against the
    ledger (record.ledger.State): a number docgen issued cannot be adopted, an adopted number belongs to its own
    item, an item (a period) docgen already assigned (bulletined) cannot adopt another, and one already adopted
    keeps the number it was adopted with. Errors, naming the file, line and field."""
    from ..kinds import KINDS

    out: list[Diagnostic] = []
    wants = [(i.paper, i.first_kind, i.id, i.id, "slip", f"事项「{i.id}」") for i in reg.items if i.paper]
    wants += [(p, "bulletin", "", p.period, "number", p.label) for p in reg.settings.bulletin_adopted]
    for p, kind, item, key, fld, what in wants:
        name = KINDS[kind].name
        s = st.slips.get(p.number)
        mine = s is not None and s.kind == kind and s.key == key
        held = st.by_key.get((kind, key))
        if s is not None and not s.adopted:
            why = (f"编号「{p.number}」是 docgen 出具的（账本第{s.line}行，{s.issued.isoformat()}），"
                   "不能再登记为纸质出具")
        elif s is not None and not mine:
            why = f"编号「{p.number}」已登记为{'《' + reg.settings.bulletin_title + '》' if s.kind == 'bulletin' else '事项「' + s.item + '」的单据'}（账本第{s.line}行）"
        elif s is not None and s.issued != p.date:
            why = f"{p.number} 已按出具日期 {s.issued.isoformat()} 登记在账本中（第{s.line}行），这里写的是 {p.date.isoformat()}：请把日期改回"
        elif s is None and held is not None:
            h = st.slips[held]
            how = "已登记为纸质出具" if h.adopted else f"已由 docgen 于{h.issued.isoformat()}出具"
            why = (f"{what}的{name}{how}：{held}（账本第{h.line}行），不能再登记「{p.number}」"
                   + ("" if h.adopted else f"。如那份{name}不应出具，先运行 docgen void {held} --reason 原因"))
        else:
            continue
        out.append(Diagnostic(p.src.file, p.src.line, fld, why))
    return out
