"""The daily work around the slips: the warning list, the reminders' outbox, the Excel 台账 and the status board
all read the same things: the registers, their statuses on the day, and the slips the ledger recorded."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..registers.calendar import WorkCalendar
from ..engine.status import ItemStatus, status_all
from ..engine.warnings import IssuedSlip, UnitWarnings, warnings
from ..kinds import SLIP_KINDS
from ..record.ledger import State
from ..registers.model import Registers


@dataclass
class Day:
    """Everything derived for one date: statuses, the slips issued by then, the warning list."""

    reg: Registers
    cal: WorkCalendar
    as_of: dt.date
    st: State
    statuses: list[ItemStatus]
    slips: list[IssuedSlip]
    assigned_by: dict[str, str]  # item -> the number of the slip that assigned it
    warned: list[UnitWarnings]

    def urges(self, item: str) -> int:
        return sum(1 for s in self.slips if s.item == item and s.kind == "urge")


def day(reg: Registers, cal: WorkCalendar, as_of: dt.date) -> Day:
    from ..issuing.slips import assigning_slip

    from ..issuing.transaction import snapshot

    st = snapshot(reg)  # the slips issued on paper (items' `slip`) too, before the first run records them
    statuses = [s for s in status_all(reg, cal, as_of) if s.item.assigned <= as_of]
    slips = sorted((IssuedSlip(s.number, s.kind, s.item, s.issued) for s in st.slips.values()
                    if s.kind in SLIP_KINDS and not s.is_void and s.renders and s.issued <= as_of),
                   key=lambda s: (s.issued, s.number))
    assigned_by = {}
    for s in statuses:
        a = assigning_slip(st, s.item.id)
        if a is not None and a.issued <= as_of:
            assigned_by[s.item.id] = a.number
    events = {i.id: reg.events_of(i.id) for i in reg.items}
    warned = warnings(statuses, slips, events, assigned_by, reg.rules, cal, as_of)
    return Day(reg, cal, as_of, st, statuses, slips, assigned_by, warned)
