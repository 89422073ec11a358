"""Appeals (申诉) against a deduction (rules.md §9). Pure: the registers, the date and the score events in.

A unit appeals a deduction of one of its items (progress `申诉`: item, unit, score rule, reason); the office
decides (`申诉决定`: 撤销 or 维持, by whom). An appeal decided 撤销 cancels that deduction — every event of that
rule on that item dated up to the appeal — as an adjustment (rule `appeal`) dated on the decision, in the open
period, citing the appeal; a closed period stays as recorded, and the adjustment is recorded with the period it
falls in once that is closed. 维持 changes nothing. An appeal without a decision is pending: `warn` lists it and
a score notice is not issued while one is.
"""
from __future__ import annotations

import datetime as dt

from ..registers.calendar import cn_date
from ..registers.model import Event, Registers
from ..registers.rules import score_label


def appeals(reg: Registers, as_of: dt.date) -> list[tuple[Event, Event | None]]:
    """Each appeal made by as_of with its decision by as_of (or None: pending), in date order."""
    out: list[tuple[Event, Event | None]] = []
    for item in reg.items:
        open_: dict = {}
        for ev in reg.events_of(item.id):
            if ev.date > as_of:
                continue
            if ev.type == "申诉":
                open_[(ev.unit, ev.rule)] = len(out)
                out.append((ev, None))
            elif ev.type == "申诉决定" and (ev.unit, ev.rule) in open_:
                i = open_.pop((ev.unit, ev.rule))
                out[i] = (out[i][0], ev)
    return sorted(out, key=lambda p: (p[0].date, p[0].item, p[0].src))


def pending(reg: Registers, as_of: dt.date) -> list[Event]:
    return [a for a, d in appeals(reg, as_of) if d is None]


def _of(e, appeal: Event) -> bool:
    """A score event the appeal is against: its unit's deduction of that rule on that item (or an adjustment of one)."""
    if e.unit != appeal.unit or e.item != appeal.item:
        return False
    return e.rule == appeal.rule or (e.rule == "adjust" and bool(e.cite) and e.cite[2] == appeal.rule)


def cancellations(reg: Registers, as_of: dt.date, events: list, closed: list, make, first_open) -> list:
    """The adjustments of the appeals decided 撤销 by as_of. `events`: every score event so far (recorded, derived,
    adjustments); `make(unit, date, item, points, reason)` builds a ScoreEvent of rule `appeal`; `first_open(d)`
    the first day after d in no closed period."""
    on_closed = lambda d: any(c.start <= d <= c.end for c in closed)  # noqa: E731
    recorded = {(e.unit, e.item, e.date) for c in closed for e in c.events if e.rule == "appeal"}
    title = reg.settings.bulletin_title
    out = []
    for appeal, decision in appeals(reg, as_of):
        if decision is None or decision.decision != "撤销":
            continue
        day = decision.date if not on_closed(decision.date) else first_open(decision.date)
        if (appeal.unit, appeal.item, decision.date) in recorded or (appeal.unit, appeal.item, day) in recorded:
            continue  # recorded with the period it fell in: as recorded
        if day > as_of:
            continue
        points = -round(sum(e.points for e in events if _of(e, appeal) and e.date <= appeal.date), 6)
        if points <= 0:
            continue  # nothing deducted to cancel
        label = score_label(appeal.rule, title)
        moved = f"（决定之日所在期间已结算，计入{cn_date(day)}）" if day != decision.date else ""
        out.append(make(appeal.unit, day, appeal.item, points,
                        f"{cn_date(appeal.date)}申诉（{appeal.reason}），{cn_date(decision.date)}"
                        f"{decision.signer}决定撤销「{label}」扣分{moved}"))
    return out
