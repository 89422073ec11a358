"""Bulletin figures and scores (rules.md §5–§6, §5a), derived from the same statuses as `docgen status`.

An item belongs to a period when its original due date falls in it (本期应办结事项). Counts are taken as of the
report date. Score events are dated when they accrue, and a period's score sums the events dated in it.

Closed periods (a bulletin was issued for them; ledger `close` records): their score events are the recorded
ones, never recomputed. A fact that arrives later and would change an event on a closed day (a back-dated 办结,
a late extension) is scored as an adjustment (补扣/更正) dated on the first open day after it, citing the item
and the closed period; once that day's period is closed too, the adjustment is recorded with it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..registers.calendar import WorkCalendar, cn_date
from ..registers import sources
from ..registers.model import Registers
from ..registers.rules import score_label
from ..registers.periods import CN_Q, Period, last_ended, parse_period  # noqa: F401 - read by callers here
from .status import MISSED, OVERDUE, ItemStatus, status_all
from . import appeals

@dataclass
class Counts:
    due: int = 0  # 应办结
    completed: int = 0  # 已办结 (reported done, verified or not)
    on_time: int = 0  # 按期办结
    late: int = 0  # 逾期办结 (completed after the deadline)
    in_progress: int = 0  # 正在办理 (open, not overdue)
    overdue: int = 0  # 逾期未办结
    extended: int = 0  # 经批准延期

    def add(self, s: ItemStatus) -> None:
        self.due += 1
        if s.completed is not None:
            self.completed += 1
            self.on_time += bool(s.on_time)
            self.late += not s.on_time
        elif s.state in (OVERDUE, MISSED):
            self.overdue += 1
        else:
            self.in_progress += 1
        self.extended += s.extended_to is not None

    @property
    def rate(self) -> float | None:
        """按期办结率 (%), None when nothing fell due."""
        return None if self.due == 0 else 100.0 * self.on_time / self.due

    def as_dict(self) -> dict:
        return {"due": self.due, "completed": self.completed, "on_time": self.on_time, "late": self.late,
                "in_progress": self.in_progress, "overdue": self.overdue, "extended": self.extended,
                "on_time_rate": None if self.rate is None else round(self.rate, 1)}


@dataclass(frozen=True)
class ScoreEvent:
    unit: str
    date: dt.date  # when it accrued
    item: str
    rule: str  # a key of rules.scores, or "adjust"
    points: float
    reason: str
    cite: tuple | None = None  # an adjustment: the (unit, item, rule, date) of the event it corrects
    label: str = ""  # the rule's name as made (in the office's words) or recorded; "" = score_label(rule)

    @property
    def key(self) -> tuple:
        return self.cite or (self.unit, self.item, self.rule, self.date.isoformat())

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "item": self.item, "rule": self.rule,
                "label": self.label or score_label(self.rule), "points": self.points, "reason": self.reason, "cite": list(self.cite) if self.cite else None}

    @staticmethod
    def from_dict(unit: str, d: dict) -> "ScoreEvent":
        return ScoreEvent(unit, dt.date.fromisoformat(d["date"]), d["item"], d["rule"], float(d["points"]),
                          d["reason"], tuple(d["cite"]) if d.get("cite") else None, d.get("label") or "")


@dataclass
class UnitResult:
    unit: str
    counts: Counts = field(default_factory=Counts)
    events: list[ScoreEvent] = field(default_factory=list)
    standing: Counts = field(default_factory=Counts)  # its milestones, reports, meetings, feedback due in the period
    score: float | None = None  # None: nothing to score in the period
    rank: int | None = None

    @property
    def active(self) -> bool:
        """Ranked: a unit with something due in the period (assigned or recurring work) or a deduction or bonus
        in it (rules.md §5: an item due before the period still overdue in it is scored in it); the others are
        listed as 本期无应办结事项, the same in the text, the tables and the xlsx."""
        return self.counts.due > 0 or self.standing.due > 0 or bool(self.events)

    @property
    def commended(self) -> bool:
        return (self.counts.due > 0 and self.counts.on_time == self.counts.due
                and self.standing.on_time == self.standing.due)


@dataclass
class Figures:
    period: Period
    as_of: dt.date
    total: Counts
    by_source: dict[str, Counts]  # source kind -> counts
    units: list[UnitResult]  # ranked units first (by rank), then units with nothing in the period
    items: list[ItemStatus]  # the period's items (应办结: original due date in the period)
    overdue: list[ItemStatus]  # every item overdue and not completed on the date, whatever its period (通报批评)
    new: list[ItemStatus] = field(default_factory=list)  # assigned in the period
    late_done: list[ItemStatus] = field(default_factory=list)  # completed in the period, after the deadline
    streak: dict = field(default_factory=dict)  # item -> how many bulletins in a row named it before this one
    meetings: list = field(default_factory=list)  # (meeting source, Counts) for meeting items due in the period
    # the standing obligations due in the period (milestones, reports, required meetings, feedback: rules.md §7),
    # counted apart from the work assigned (engine/recurring.py reads them for the bulletin's sections)
    standing: list = field(default_factory=list)


def _accrued(s: ItemStatus, reg: Registers, bulletins: list[tuple[dt.date, set[str]]]) -> list[ScoreEvent]:
    """Every score event of one item up to its status date, each dated when it accrued."""
    pts, item = reg.rules.scores, s.item
    out = []
    missing = _missing_rule(s)
    for r in s.rounds:  # each turn is late from its own deadline: the first, then each rework deadline
        days = r.days_late(s.as_of)
        if days <= 0:
            continue
        rect = item.is_rectification or r.rework
        rule = "rectify_overdue" if rect else "overdue"
        what = "整改逾期未完成" if rect else "逾期未办结"
        if missing and r.completed is None:  # a report not received, a meeting not held: its own deduction
            rule, what = missing
        elif item.source.kind in _MISSING and r.completed is not None:
            what = "逾期报送" if item.source.kind != "schedule" else "逾期召开"
        until = f"，到期后申请的延期于{cn_date(r.stopped)}批准，此前逾期照计" if r.stopped else ""
        out.append(ScoreEvent(item.lead, r.due + dt.timedelta(days=1), item.id, rule, pts[rule],
                              f"{what}（{'整改时限' if r.rework else '办结时限'}{cn_date(r.due)}{until}）"))
        for k in range(1, days // 7 + 1):
            out.append(ScoreEvent(item.lead, r.due + dt.timedelta(days=7 * k), item.id, "overdue_week",
                                  pts["overdue_week"], f"逾期满{k}周"))
    for ev, due in zip(s.late_requests, s.late_dues):
        when = "已到办结时限" if ev.date == due else f"已过办结时限{cn_date(due)}"
        out.append(ScoreEvent(item.lead, ev.date, item.id, "late_extension", pts["late_extension"],
                              f"{cn_date(ev.date)}才申请延期，{when}"))
    if missing and s.state == MISSED and not any(r.days_late(s.as_of) for r in s.rounds):
        # missed with no day late (a feedback due on its period's last day): the deduction on the day after it
        out.append(ScoreEvent(item.lead, item.closes + dt.timedelta(days=1), item.id, missing[0], pts[missing[0]],
                              f"{missing[1]}（{'期间' if item.period else '时限'}截至{cn_date(item.closes)}）"))
    if s.bonus is not None and not item.source.derived:
        out.append(ScoreEvent(item.lead, s.bonus, item.id, "on_time", pts["on_time"],
                              "按期办结，核查通过" if reg.rules.verify else "按期办结"))
    for day, named in bulletins:
        if item.id in named and day <= s.as_of:
            title = reg.settings.bulletin_title
            out.append(ScoreEvent(item.lead, day, item.id, "bulletin_named", pts["bulletin_named"],
                                  f"{cn_date(day)}《{title}》点名逾期", label=score_label("bulletin_named", title)))
    return [e for e in out if e.points != 0]


# the derived sources whose obligation, not met, has a deduction of its own (rules.yaml scores): rule, its reason
_MISSING = {"report": ("report_missing", "定期报告逾期未报送"), "feedback": ("report_missing", "进展情况未按期反馈"),
            "schedule": ("schedule_missing", "定期调度会议未按期召开")}


def _missing_rule(s: ItemStatus) -> tuple[str, str] | None:
    """The deduction of a standing obligation not met (report_missing, schedule_missing), or None: a report counts
    as missing while it is not received past its due date; a meeting once its period is over without it."""
    m = _MISSING.get(s.item.source.kind)
    if m is None or s.completed is not None:
        return None
    return m if s.state in (OVERDUE, MISSED) else None


@dataclass(frozen=True)
class Closed:
    """A closed period as the ledger recorded it: its range, its date, the items its bulletin named and each
    unit's score events."""

    start: dt.date
    end: dt.date
    label: str
    date: dt.date
    named: frozenset
    events: tuple  # ScoreEvent

    @staticmethod
    def from_record(r: dict) -> "Closed":
        p = r["period"]
        events = tuple(ScoreEvent.from_dict(u["unit"], e) for u in r["scores"]["units"] for e in u["events"])
        return Closed(dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"]), p["label"],
                      dt.date.fromisoformat(r["date"]), frozenset(r["named"]), events)


def _first_open(d: dt.date, closed: list[Closed]) -> dt.date:
    x = d + dt.timedelta(days=1)
    moved = True
    while moved:
        moved = False
        for c in closed:
            if c.start <= x <= c.end:
                x, moved = c.end + dt.timedelta(days=1), True
    return x


def score_events(reg: Registers, statuses: list[ItemStatus], closed: list[Closed]) -> list[ScoreEvent]:
    """Every score event as of the statuses' date: recorded ones on closed days, derived ones elsewhere, and
    the adjustments that reconcile the two."""
    bulletins = [(c.date, c.named) for c in closed]
    derived = [e for s in statuses for e in _accrued(s, reg, bulletins)]
    on_closed = lambda d: any(c.start <= d <= c.end for c in closed)  # noqa: E731
    recorded = [e for c in closed for e in c.events]
    have: dict[tuple, float] = {}
    for e in recorded:
        if e.rule == "appeal":  # an appeal's cancellation is not derived from the items: it stands as recorded
            continue
        have[e.key] = have.get(e.key, 0.0) + e.points
    want: dict[tuple, float] = {}
    for e in derived:
        if on_closed(e.date):
            want[e.key] = want.get(e.key, 0.0) + e.points
    adjustments = []
    for key in sorted(set(have) | set(want), key=str):
        diff = round(want.get(key, 0.0) - have.get(key, 0.0), 6)
        if diff == 0:
            continue
        unit, item, rule, day = key
        when = dt.date.fromisoformat(day)
        where = next((c.label for c in closed if c.start <= when <= c.end), "")
        what = "补扣" if diff < 0 else "更正（退还）"
        adjustments.append(ScoreEvent(unit, _first_open(when, closed), item, "adjust", diff,
                                      f"{what}：{cn_date(when)}「{score_label(rule, reg.settings.bulletin_title)}」，"
                                      f"原属已结算的{where}，"
                                      f"结算后台账有新的情况", key))
    events = [e for e in derived if not on_closed(e.date)] + recorded + adjustments
    as_of = max((s.as_of for s in statuses), default=None)
    if as_of is None:
        return events
    return events + appeals.cancellations(
        reg, as_of, events, closed,
        lambda unit, day, item, points, reason: ScoreEvent(unit, day, item, "appeal", points, reason),
        lambda d: _first_open(d, closed))


def compute(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, closed: list[Closed] = ()) -> Figures:
    closed = [c for c in closed if c.date <= as_of]
    statuses = status_all(reg, cal, as_of)
    due_in = [s for s in statuses if s.original.due in period]
    items = [s for s in due_in if not s.item.source.standing]
    standing = [s for s in due_in if s.item.source.standing]
    total = Counts()
    by_source = {k: Counts() for k, d in ((k, sources.get(k)) for k in sources.labels()) if not d.standing}
    units = {u: UnitResult(u) for u in reg.units}
    for s in items:
        total.add(s)
        by_source[s.item.source_kind].add(s)
        units[s.item.lead].counts.add(s)
    for s in standing:
        units[s.item.lead].standing.add(s)
    for e in score_events(reg, statuses, closed):
        if e.date in period:
            units.setdefault(e.unit, UnitResult(e.unit)).events.append(e)
    for u in units.values():
        u.events.sort(key=lambda e: (e.date, e.item, e.rule))
        if u.active:
            u.score = reg.rules.base_score + sum(e.points for e in u.events)
    ranked = sorted((u for u in units.values() if u.active), key=lambda u: (-u.score, u.unit))
    prev, rank = None, 0
    for i, u in enumerate(ranked, 1):
        if u.score != prev:
            rank, prev = i, u.score
        u.rank = rank  # equal scores share a rank
    idle = sorted((u for u in units.values() if not u.active), key=lambda u: u.unit)
    overdue = sorted((s for s in statuses if s.state == OVERDUE and not s.item.source.derived),
                     key=lambda s: (-s.days_overdue, s.item.id))
    streak = {}
    for s in overdue:
        k = 0
        for c in sorted(closed, key=lambda c: c.date, reverse=True):
            if s.item.id not in c.named:
                break
            k += 1
        streak[s.item.id] = k
    new = [s for s in statuses if s.item.assigned in period and not s.item.source.standing]
    late_done = sorted((s for s in statuses if s.completed is not None and s.completed in period and not s.on_time
                        and not s.item.source.standing),
                       key=lambda s: (-s.days_overdue, s.item.id))
    meetings: dict = {}
    for s in items:
        if s.item.source_kind == "meeting":
            meetings.setdefault(s.item.source.id, (s.item.source, Counts()))[1].add(s)
    return Figures(period, as_of, total, by_source, ranked + idle, items, overdue, new, late_done, streak,
                   sorted(meetings.values(), key=lambda m: (m[0].date, m[0].id)), standing)


def score_view(f: Figures, base: float) -> dict:
    """The score sheet as plain data: what `scores` prints and the xlsx holds, and what a close records."""
    units = []
    for u in f.units:
        units.append({"unit": u.unit, "active": u.active, "rank": u.rank, "score": u.score, "commended": u.commended,
                      "counts": u.counts.as_dict(),
                      **({"standing": u.standing.as_dict()} if u.standing.due else {}), "minus": sum(e.points for e in u.events if e.points < 0),
                      "plus": sum(e.points for e in u.events if e.points > 0),
                      "events": [e.as_dict() for e in u.events]})
    return {"period": f.period.as_dict(), "as_of": f.as_of.isoformat(), "base": base, "units": units}
