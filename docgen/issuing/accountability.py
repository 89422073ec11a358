"""`docgen accountability --period P [--issue]`: the facts that meet a trigger (engine/accountability.py) and the
numbered 问责建议 that proposes them (kinds.py ACCOUNT), recorded with the keys of its facts so that a fact
proposed once is never listed again."""
from __future__ import annotations

import datetime as dt
import hashlib

from ..engine.accountability import Fact, triggers
from ..engine.status import status_all
from ..kinds import declared
from ..record.ledger import State, read
from ..registers.calendar import WorkCalendar
from ..registers.model import Registers
from ..registers.periods import Period, is_year
from . import kinds as _declared  # noqa: F401 - the kinds' code registered
from . import standalone
from .bulletin import closed_periods, score_sheet
from .scores import year_sheet

FACTS_KEY = "问责情形"  # the render record's facts: the keys of the facts the 问责建议 proposed


def proposed(st: State) -> dict[str, str]:
    """The key of every fact an issued 问责建议 proposed -> its number."""
    out = {}
    for s in standalone.issued(st, "accountability"):
        r = s.rendered
        for k in (r or {}).get("facts", {}).get(FACTS_KEY, []):
            out.setdefault(k, s.number)
    return out


def facts(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, st: State) -> tuple[list[Fact], dict]:
    """(the new facts, those proposed already -> the number that proposed them)."""
    closed = closed_periods(st, as_of)
    statuses = status_all(reg, cal, as_of)
    year = year_sheet(reg, cal, period.start.year, as_of, st) if is_year(period) else None
    sheet = None if year is not None else score_sheet(reg, cal, period, as_of, st)
    done = proposed(st)
    every = triggers(reg, statuses, closed, sheet, year)
    return [f for f in every if f.key not in done], {f.key: done[f.key] for f in every if f.key in done}


def issue(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, out, new: list[Fact], no_pdf: bool = False):
    keys = sorted(f.key for f in new)
    key = f"{as_of.isoformat()}|" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    kind = declared("accountability")
    rows = [f.as_dict() for f in new]
    if no_pdf:
        return standalone.draft(reg, "accountability", f"{period.label}-{as_of.isoformat()}", out,
                                lambda number, seq: kind.draw(reg, rows, period.label, number, as_of))
    return standalone.issue(reg, "accountability", key, as_of, out,
                            lambda number, seq: kind.draw(reg, rows, period.label, number, as_of),
                            {FACTS_KEY: keys, "期间": period.label})


def lines(new: list[Fact], old: dict, label: str) -> list[str]:
    out = [f"{label}问责情形：{len(new)}项" + (f"（另有{len(old)}项已提出问责建议，不再列出）" if old else "")]
    for pace in ("阶段性", "临时性", "年度"):
        for f in (x for x in new if x.pace == pace):
            out.append(f"  {f.pace}　{f.unit}　{f.facts}（{f.trigger}）")
    return out


__all__ = ["facts", "issue", "lines", "proposed", "read"]
