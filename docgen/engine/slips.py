"""Which slips are due on a date (rules.md §3; slips.md). Pure: the registers, statuses and a summary of what
was already issued in, a list of what to issue out. Numbering itself happens at the edge (issuing/slips.py), under the
ledger's lock. Every decider has one signature, so a kind's declaration (kinds.Kind.decide) holds it and the edge
calls it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..registers.calendar import WorkCalendar, cn_date
from ..registers.model import Event, Item, Registers
from ..registers.rules import Rules
from .status import BLUE, RED, ItemStatus


@dataclass(frozen=True)
class SlipNeed:
    kind: str  # assign | urge | rectify
    item_id: str
    key: str  # unique per kind: what this slip is for
    issuer: str
    failed_check: Event | None = None  # a rectification slip for a completion that failed verification


@dataclass(frozen=True)
class Issued:
    """What the ledger says was issued, as the engine needs it (built at the edge)."""

    keys: dict  # kind -> set of keys with a valid number
    first_slip: dict  # item -> date of the slip that assigned it (its 交办单, or a finding's 整改通知单)
    last_urged: dict  # item -> date of its last 催办单


def assign_key(item_id: str) -> str:
    return item_id


def urge_key(item_id: str, on: dt.date) -> str:
    return f"{item_id}@{on.isoformat()}"


def rectify_key(item_id: str, failed: Event | None) -> str:
    return item_id if failed is None else f"{item_id}@核查{failed.date.isoformat()}"


def failed_check_day(key: str) -> dt.date | None:
    """The day of the failed verification a rectification key answers (rectify_key), or None."""
    return dt.date.fromisoformat(key.split("@核查", 1)[1]) if "@核查" in key else None


def assignments(reg: Registers, cal: WorkCalendar, as_of: dt.date, statuses: list[ItemStatus],
                issued: Issued) -> tuple[list[SlipNeed], list[str]]:
    """A 交办单 for every registered item without one; items already reported done need none. An inspection
    finding is assigned by its 整改通知单 and gets no 交办单 (one number per act, rules.md §5a)."""
    keys = issued.keys.get("assign", set())
    return [SlipNeed("assign", s.item.id, assign_key(s.item.id), s.item.issuer)
            for s in statuses
            if assign_key(s.item.id) not in keys and s.completed is None and not s.item.is_rectification
            and not s.item.source.standing], []


def urges(reg: Registers, cal: WorkCalendar, as_of: dt.date, statuses: list[ItemStatus],
          issued: Issued) -> tuple[list[SlipNeed], list[str]]:
    """A 催办单 for every uncompleted item that is overdue (红) or due within N working days (蓝), at most one
    per item every M working days, and none on the day the item's first slip is issued (one number per act).
    Returns (needs, items skipped for want of a 交办单 or 整改通知单)."""
    rules, first, last_urged = reg.rules, issued.first_slip, issued.last_urged
    needs, no_assign = [], []
    for s in statuses:
        if s.completed is not None or s.warning not in (RED, BLUE):
            continue
        if first.get(s.item.id) == as_of:
            continue
        last = last_urged.get(s.item.id)
        if last is not None and (last >= as_of or cal.workdays_between(last, as_of) < rules.urge_interval):
            continue
        if s.item.id not in first and not s.item.source.standing:  # the rules assign a standing one
            no_assign.append(s.item.id)
            continue
        needs.append(SlipNeed("urge", s.item.id, urge_key(s.item.id, as_of), s.item.issuer))
    return needs, no_assign


def rectifications(reg: Registers, cal: WorkCalendar, as_of: dt.date, statuses: list[ItemStatus],
                   issued: Issued) -> tuple[list[SlipNeed], list[str]]:
    """A 整改单 for every inspection finding and every completion that failed verification, without one yet.

    Only what still needs rectifying: a finding already reported rectified, or a failed verification that a
    later report has answered, gets none (as 交办单 are not issued for work already done)."""
    issued_keys = issued.keys.get("rectify", set())
    needs = []
    for s in statuses:
        item = s.item
        if s.completed is not None:
            continue
        if item.is_rectification and rectify_key(item.id, None) not in issued_keys:
            needs.append(SlipNeed("rectify", item.id, rectify_key(item.id, None), item.issuer))
        if s.rework:
            failed = [ev for ev in reg.events_of(item.id) if ev.date <= as_of and ev.type == "核查" and ev.passed is False]
            k = rectify_key(item.id, failed[-1])
            if k not in issued_keys:
                needs.append(SlipNeed("rectify", item.id, k, item.issuer, failed[-1]))
    return needs, []


def reply_by(issued: dt.date, rules: Rules, cal: WorkCalendar) -> dt.date:
    """An urge slip's reply-by date: N working days after it is issued."""
    return cal.add_workdays(issued, rules.reply_days)


def item_facts(item: Item, original_due: dt.date, in_force: dt.date | None = None) -> dict[str, str]:
    """The item's facts as slips print them (kinds.Kind.facts names those a kind prints). A register correction
    that changes one of them after a slip was issued would change that slip: docgen refuses it (reissue instead).
    in_force: the deadline in force on the slip's date (after extensions granted and rework deadlines set by then),
    which the slip prints (现行时限; slips recorded before it was a fact do not carry it and are not compared on it)."""
    return {
        "来源": item.source.describe(),
        "事项": item.text,
        "牵头单位": item.lead,
        "配合单位": "、".join(item.co) or "无",
        "交办日期": cn_date(item.assigned),
        "办结时限": cn_date(original_due),
        "紧急程度": item.urgency or "",
        "现行时限": cn_date(in_force or original_due),
    }


def issued_after(due: dt.date, issued: dt.date) -> int:
    """Calendar days a slip dated `issued` comes after the deadline in force `due` (0: on or before it). A slip
    that assigns work after its deadline is a 补发 and says so on paper."""
    return max(0, (issued - due).days)


def late_issue(item: Item, due: dt.date, issued: dt.date, rules: Rules, cal: WorkCalendar) -> str | None:
    """Why a 交办单 issued on a date is late (allowed, but listed: rules.md §4), or None. due: the deadline in
    force on that date (after extensions granted by then), the one the slip prints."""
    if issued >= due:
        return f"出具于{cn_date(issued)}，已到或已过办结时限{cn_date(due)}"
    lag = cal.workdays_between(item.assigned, issued)
    if lag > rules.issue_lag:
        return f"交办（{cn_date(item.assigned)}）后第{lag}个工作日才出具，超过{rules.issue_lag}个工作日"
    return None
