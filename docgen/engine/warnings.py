"""The morning's warning list (逾期预警, rules.md §4): what each unit must act on, most urgent first. Pure: the
item statuses, the slips issued (from the ledger, passed in) and the date in; the list out.

Levels: 红 overdue; 黄 returned for rework, or an extension requested on or after the due date; 蓝 due within
`warn_days` working days. Slips are tracked to their 回执: a slip of an open item with no 签收 entry after
`sign_days` working days is listed too (未签收).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..registers.calendar import WorkCalendar
from ..registers.model import Event
from ..registers.rules import Rules
from .status import BLUE, RED, YELLOW, ItemStatus

UNSIGNED = "未签收"
ORDER = {RED: 0, YELLOW: 1, BLUE: 2, UNSIGNED: 3}


@dataclass(frozen=True)
class IssuedSlip:
    """A slip as the ledger recorded it: enough to track its 回执."""

    number: str
    kind: str  # assign | urge | rectify
    item: str
    issued: dt.date


@dataclass(frozen=True)
class Warned:
    level: str  # 红 | 黄 | 蓝 | 未签收
    status: ItemStatus
    slip: str | None  # the slip that assigned the item (交办单 or 整改通知单), or the unsigned slip
    sign_by: dt.date | None = None  # 未签收: the day its 回执 was due back


@dataclass
class UnitWarnings:
    unit: str
    entries: list[Warned] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for e in self.entries if e.level == level)


def level_of(s: ItemStatus) -> str | None:
    if not s.is_open:
        return None
    if s.warning in (RED, YELLOW, BLUE):
        if s.warning == BLUE and s.late_requests:
            return YELLOW
        return s.warning
    if s.late_requests:
        return YELLOW  # an extension asked for on or after the due date
    return None


def _urgency(w: Warned) -> tuple:
    s = w.status
    if w.level == RED:
        return (0, -s.days_overdue, s.item.id)
    if w.level == UNSIGNED:
        return (3, w.sign_by, w.slip or "")
    return (ORDER[w.level], s.workdays_left if s.workdays_left is not None else 0, s.due, s.item.id)


def warnings(statuses: list[ItemStatus], slips: list[IssuedSlip], events: dict[str, tuple[Event, ...]],
             assigned_by: dict[str, str], rules: Rules, cal: WorkCalendar, as_of: dt.date) -> list[UnitWarnings]:
    """Warned items and unsigned slips, by lead unit; units with red items first (most days overdue first)."""
    units: dict[str, UnitWarnings] = {}
    by_id = {s.item.id: s for s in statuses}
    for s in statuses:
        lv = level_of(s)
        if lv:
            units.setdefault(s.item.lead, UnitWarnings(s.item.lead)).entries.append(
                Warned(lv, s, assigned_by.get(s.item.id)))
    signed = {ev.slip for evs in events.values() for ev in evs if ev.type == "签收" and ev.date <= as_of}
    for slip in slips:
        s = by_id.get(slip.item)
        if s is None or not s.is_open or slip.number in signed or slip.issued > as_of:
            continue
        sign_by = cal.add_workdays(slip.issued, rules.sign_days)
        if as_of > sign_by:
            units.setdefault(s.item.lead, UnitWarnings(s.item.lead)).entries.append(
                Warned(UNSIGNED, s, slip.number, sign_by))
    for u in units.values():
        u.entries.sort(key=_urgency)
    return sorted(units.values(), key=lambda u: (-u.count(RED), -max([e.status.days_overdue for e in u.entries
                                                                     if e.level == RED] or [0]),
                                                 -u.count(YELLOW), -u.count(BLUE), u.unit))

