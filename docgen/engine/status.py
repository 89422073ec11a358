"""Where every item stands on a date: 挂号跟踪、销号核查, warning levels (rules.md §4)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..registers.calendar import UnknownYear, WorkCalendar, cn_date
from ..core.diagnostics import Diagnostic
from ..registers.model import Event, Item, Registers
from ..registers.rules import Rules
from .due import DueDate, applies_to, item_due

OPEN, DUE_SOON, OVERDUE, EXTENDED, DONE, CLOSED, RECTIFYING = (
    "未到期", "临期", "逾期", "已延期", "已办结待核查", "已销号", "整改中")
MISSED = "未落实"  # a derived obligation whose period is over and that was not met (a meeting not held, a feedback not given)
STATES = (OPEN, DUE_SOON, OVERDUE, EXTENDED, DONE, CLOSED, RECTIFYING, MISSED)
PENDING = "时限待定"  # the due date needs a year's holiday schedule that is not known yet
BLUE, YELLOW, RED = "蓝", "黄", "红"


@dataclass(frozen=True)
class Round:
    """One turn of work on an item: assigned (or returned for rework) with a deadline, and maybe completed."""

    due: dt.date
    completed: dt.date | None
    rework: bool  # a turn after a failed verification (整改)
    stopped: dt.date | None = None  # an extension asked for late (on or after `due`) was granted on this day

    def days_late(self, upto: dt.date) -> int:
        """Calendar days past the deadline: to the completion, or to `upto` while open; a turn a late extension
        ended counts to the grant (rules.md §2: the overdue days until the grant stand)."""
        end = self.completed or (min(self.stopped, upto) if self.stopped else upto)
        return max(0, (end - self.due).days)


@dataclass(frozen=True)
class ItemStatus:
    item: Item
    original: DueDate
    due: dt.date  # after any granted extension
    extended_to: dt.date | None
    late_requests: tuple[Event, ...]  # extension requests made on or after the due date
    state: str
    warning: str | None
    completed: dt.date | None  # the standing completion report (办结 / 整改报告)
    verified: dt.date | None
    rework: bool  # the last verification failed
    days_overdue: int  # calendar days past due: open items to as_of, completed items to completion
    workdays_left: int | None  # open items not yet overdue: working days in (as_of, due]
    as_of: dt.date
    rounds: tuple[Round, ...] = ()  # every turn: the first, and one after each failed verification
    bonus: dt.date | None = None  # when the on-time bonus was earned (verification passed, or completion)
    late_dues: tuple[dt.date, ...] = ()  # the due date in force when each late request was made
    due_off: bool = False  # open, not overdue, and the deadline falls on a non-working day (周末、节假日)

    @property
    def on_time(self) -> bool | None:
        return None if self.completed is None else self.completed <= self.due

    @property
    def is_open(self) -> bool:
        return self.completed is None


def due_in_force(item: Item, events: tuple[Event, ...], rules: Rules, cal: WorkCalendar, before: Event) -> dt.date:
    """The due date in force just before an event: the original, moved by every extension granted before it."""
    due = item_due(item, rules, cal).due
    pending = None
    for ev in events:
        if ev is before:
            break
        if ev.type == "延期申请":
            pending = ev
        elif ev.type == "延期批复" and ev.granted:
            until = ev.until or (pending.until if pending else None)
            if until and until > due:
                due = until
    return due


def item_status(item: Item, events: tuple[Event, ...], rules: Rules, cal: WorkCalendar, as_of: dt.date) -> ItemStatus:
    """Where an item stands on a date. Facts count from their own dates (rules.md §5a): a failed verification
    (核查 不通过) returns the item to 整改中 with a rework deadline (the check's `until`, or `rework_days` working
    days after it), and lateness counts from that deadline, never back into the time it waited for verification.
    The on-time bonus is earned when a verification passes, or at completion where the office does not verify."""
    original = item_due(item, rules, cal)
    due = original.due
    extended_to = None
    late: list[Event] = []
    late_dues: list[dt.date] = []
    completed = verified = bonus = None
    rework = False
    rounds: list[Round] = []
    pending: Event | None = None
    for ev in events:
        if ev.date > as_of:
            break
        if ev.type == "延期申请":
            if ev.date >= due:
                late.append(ev)
                late_dues.append(due)
            pending = ev
        elif ev.type == "延期批复" and ev.granted:
            until = ev.until or (pending.until if pending else None)
            if until and until > due:  # an extension never shortens a deadline (check refuses one that would)
                if pending is not None and pending in late and ev.date > due and completed is None:
                    # asked for late: the days overdue until the grant stand (rules.md §2); a timely request
                    # stops the clock from its own date, so the wait for the decision costs nothing
                    rounds.append(Round(due, None, rework, ev.date))
                extended_to = due = until
        elif ev.type in ("办结", "整改报告"):
            if completed is None:
                completed = ev.date
                if not rules.verify and completed <= due and bonus is None:
                    bonus = completed
            verified = None
        elif ev.type == "核查" and completed is not None:
            if ev.passed:
                verified = ev.date
                if rules.verify and completed <= due and bonus is None:
                    bonus = ev.date
            else:
                rounds.append(Round(due, completed, rework))
                due = ev.until or cal.add_workdays(ev.date, rules.rework_days)
                completed = verified = None
                rework = True
    missed = completed is None and item.closes is not None and as_of > item.closes
    # an obligation that can no longer be met: its lateness stops counting when its period closes
    rounds.append(Round(due, completed, rework, item.closes if missed else None))
    workdays_left = None
    warning = None
    due_off = False
    if missed:
        state = MISSED
        days_overdue = max(0, (item.closes - due).days)
    elif completed is not None:
        state = CLOSED if verified else DONE
        days_overdue = max(0, (completed - due).days)
    else:
        days_overdue = max(0, (as_of - due).days)
        if as_of > due:
            state, warning = OVERDUE, RED
        else:
            workdays_left = cal.workdays_between(as_of, due)
            due_off = not cal.is_workday(due)
            soon = workdays_left <= rules.warn_days
            if rework or item.is_rectification:
                state = RECTIFYING
                warning = YELLOW if rework else (BLUE if soon else None)
            elif extended_to:
                state, warning = EXTENDED, (BLUE if soon else None)
            elif soon:
                state, warning = DUE_SOON, BLUE
            else:
                state = OPEN
    return ItemStatus(item, original, due, extended_to, tuple(late), state, warning, completed, verified,
                      rework, days_overdue, workdays_left, as_of, tuple(rounds), bonus, tuple(late_dues), due_off)


def status_all(reg: Registers, cal: WorkCalendar, as_of: dt.date, unit: str | None = None,
               pending: list | None = None) -> list[ItemStatus]:
    """Every item registered on or before as_of (optionally of one unit, lead or co-unit), in register order by
    date. An item whose due date needs a year's holiday schedule that is not known yet is left out (时限待定) and,
    when a list is given, added to `pending` as (item, UnknownYear): every other item is still processed."""
    items = [i for i in reg.items if i.assigned <= as_of and (unit is None or i.lead == unit or unit in i.co)]
    items.sort(key=lambda i: (i.assigned, i.id))
    out = []
    for i in items:
        try:
            out.append(item_status(i, reg.events_of(i.id), reg.rules, cal, as_of))
        except UnknownYear as e:
            if pending is not None:
                pending.append((i, e))
    return out


def pending_diagnostics(pending: list) -> list[Diagnostic]:
    """One line per item whose due date waits for a year's schedule (状态 时限待定), with its file and line."""
    return [Diagnostic(i.src.file, i.src.line, "due", f"事项「{i.id}」时限待定：办结时限要数到{e.year}年，"
                       f"而{e.year}年的节假日安排尚未收录；公布后新建 calendar/{e.year}.yaml 即可计算")
            for i, e in pending]


def explain_item(item: Item, events: tuple[Event, ...], rules: Rules, cal: WorkCalendar, as_of: dt.date,
                 status: ItemStatus) -> list[str]:
    """Why an item's due date is what it is, line by line: the item, its rule and clause and the count, then every
    extension request and reply up to as_of, then every rework round. status: the item's status on as_of
    (engine.status.item_status), whose late requests and rework rounds are named."""
    lines = [f"事项：{item.id}　{item.text}", f"来源：{item.source.describe()}；牵头单位：{item.lead}（{item.src}）"]
    lines += item_due(item, rules, cal).explain(cal, rules.clause(item.rule), applies_to(rules, item.rule))
    pending = None
    late_due = list(zip(status.late_requests, status.late_dues))
    stopped = {r.stopped: r for r in status.rounds if r.stopped}
    for ev in events:
        if ev.date > as_of:
            break
        if ev.type == "延期申请":
            pending = ev
            d = next((d for e, d in late_due if e == ev), None)
            late = "" if d is None else ("（办结时限当日才申请，扣分）" if ev.date == d else "（到期后才申请，扣分）")
            lines.append(f"{cn_date(ev.date)}申请延期至{cn_date(ev.until) if ev.until else '—'}{late}")
        elif ev.type == "延期批复":
            until = ev.until or (pending.until if pending else None)
            line = f"{cn_date(ev.date)}{'批准延期至' + cn_date(until) if ev.granted else '不同意延期'}"
            r = stopped.get(ev.date) if ev.granted else None
            if r is not None and r.days_late(as_of):
                line += f"；申请在到期之后，此前逾期{r.days_late(as_of)}天照计（办结时限{cn_date(r.due)}）"
            lines.append(line)
    rounds = status.rounds
    for r in [r for k, r in enumerate(rounds) if r.rework and not (k and rounds[k - 1].stopped)]:
        lines.append(f"核查不通过，退回整改，整改时限{cn_date(r.due)}" + (f"；{cn_date(r.completed)}报送整改" if r.completed else ""))
    return lines
