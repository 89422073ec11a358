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
from ..core.diagnostics import DocgenError
from ..view import PROPOSAL_PACES, facts_heading, proposed_meanwhile_text
from . import kinds as _declared  # noqa: F401 - the kinds' code registered
from . import standalone
from .transaction import transact
from .bulletin import closed_periods, score_sheet
from .scores import year_sheet

FACTS_KEY = "问责情形"  # the facts record (and the render record's facts): the keys of the facts proposed
ROWS_KEY = "情形"  # … and the facts themselves as printed, so that a 问责建议 is completed from its record
PERIOD_KEY = "期间"
PERIOD_ID = standalone.PERIOD_ID


def _facts(s) -> dict:
    """What a 问责建议 was numbered for: its facts record (given with its number), else (a ledger of before that
    record) its render record's facts."""
    return s.facts if s.facts is not None else (s.rendered or {}).get("facts", {})


def proposed(st: State) -> dict[str, str]:
    """The key of every fact an issued 问责建议 proposed -> its number (numbered is proposed: a 问责建议 whose
    conversion failed is completed by the next run, never numbered again)."""
    out = {}
    for s in standalone.issued(st, "accountability"):
        for k in _facts(s).get(FACTS_KEY, []):
            out.setdefault(k, s.number)
    return out


def unfinished(st: State, arch=None) -> list:
    """The 问责建议 numbered whose files were never recorded (their conversion failed, the run was killed), or,
    given the archive, whose archive copies are missing (a run killed after its render record): completed from
    the record."""
    from ..record.archive import archived

    def missing(s) -> bool:
        return arch is not None and not all(archived(arch, s, 0, ext).is_file() for ext in (".docx", ".pdf"))

    return [s for s in standalone.issued(st, "accountability")
            if ROWS_KEY in _facts(s) and (s.rendered is None or missing(s))]


def complete(reg: Registers, out, slip):
    """A 问责建议 whose conversion failed, drawn from its facts record under its own number and date, converted and
    recorded: (its number, its .docx, False, errors)."""
    kind = declared("accountability")
    f = _facts(slip)

    def draw(number, seq, numbered, on):
        return kind.draw(reg, f[ROWS_KEY], f[PERIOD_KEY], number, slip.issued, banji_numbered=numbered)

    return standalone.issue(reg, "accountability", slip.key, slip.issued, out, draw, f)


def facts(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, st: State) -> tuple[list[Fact], dict]:
    """(the new facts, those proposed already -> the number that proposed them)."""
    closed = closed_periods(st, as_of)
    statuses = status_all(reg, cal, as_of)
    year = year_sheet(reg, cal, period.start.year, as_of, st) if is_year(period) else None
    sheet = None if year is not None else score_sheet(reg, cal, period, as_of, st)
    done = proposed(st)
    every = triggers(reg, statuses, closed, sheet, year)
    return [f for f in every if f.key not in done], {f.key: done[f.key] for f in every if f.key in done}


class _Proposal(standalone.Standalone):
    """A new 问责建议. Its facts were worked out before the ledger's lock; under it, those another run proposed
    meanwhile (two clerks at once, on different days) are never numbered again: when another 问责建议 proposed
    them all, this run numbers nothing and names it; when it proposed some, this run numbers nothing and says so."""

    def __init__(self, *args, keys: list[str]):
        super().__init__(*args)
        self.keys, self.by = keys, None

    def plan(self, st: State) -> list:
        if st.find(self.kind, self.key) is None:
            done = proposed(st)
            by = sorted({done[k] for k in self.keys if k in done}, key=lambda n: st.slips[n].line)
            if len(by) == 1 and all(k in done for k in self.keys):
                self.by = st.slips[by[0]]
                return []
            if by:
                raise DocgenError(proposed_meanwhile_text(sum(k in done for k in self.keys), len(self.keys), by))
        return super().plan(st)

    def render(self, led, arch, drawn):
        if self.by is not None:
            return self.by, standalone.path_of(self.out, self.by), False, []
        return super().render(led, arch, drawn)


def issue(reg: Registers, cal: WorkCalendar, period: Period, as_of: dt.date, out, new: list[Fact], no_pdf: bool = False):
    keys = sorted(f.key for f in new)
    key = f"{as_of.isoformat()}|" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]
    kind = declared("accountability")
    rows = [f.as_dict() for f in new]

    def draw(number, seq, numbered, on):  # on: the day it was numbered (None: a draft)
        return kind.draw(reg, rows, period.label, number, on or as_of, banji_numbered=numbered)

    if no_pdf:
        return standalone.draft(reg, "accountability", f"{period.label}-{as_of.isoformat()}", out, draw)
    facts = {FACTS_KEY: keys, PERIOD_KEY: period.label, PERIOD_ID: period.key, ROWS_KEY: rows}
    return transact(_Proposal(reg, "accountability", key, as_of, out, draw, facts, keys=keys), out)


def lines(new: list[Fact], old: dict, label: str) -> list[str]:
    out = [facts_heading(label, len(new), len(old))]
    for pace, _ in PROPOSAL_PACES:
        for f in (x for x in new if x.pace == pace):
            out.append(f"  {f.pace}　{f.unit}　{f.facts}（{f.trigger}）")
    return out


__all__ = ["complete", "facts", "issue", "lines", "proposed", "read", "unfinished"]
