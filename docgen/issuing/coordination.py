"""`docgen coordinate ID`: the numbered 提请协调单 of a coordination matter (registers/coordination.py), through the
kind registry (kinds.py COORDINATE) and the one issuing transaction (issuing/standalone.py)."""
from __future__ import annotations

import datetime as dt

from ..core.diagnostics import DocgenError
from ..core.paths import Paths
from ..kinds import declared
from ..registers.coordination import matters
from ..registers.load import suggest
from ..registers.model import Registers
from .. import view as V
from . import kinds as _declared  # noqa: F401 - the kinds' code registered
from . import standalone


def request(reg: Registers, matter_id: str, day: dt.date, out: Paths, no_pdf: bool = False):
    """(its number, its .docx, whether this run numbered it, errors); with no_pdf, the draft's path only."""
    by_id = {m.id: m for m in matters(reg)}
    m = by_id.get(matter_id)
    if m is None:
        raise DocgenError(V.no_matter_text(matter_id, suggest(matter_id, by_id), bool(by_id)))
    if m.level == "部门会商":
        raise DocgenError(V.department_matter_text(m.id, m.src))
    if day < m.date:
        raise DocgenError(V.request_too_early_text(day, m.id, m.date))
    first = by_id.get(m.escalated_from) if m.escalated_from else None
    kind = declared("coordinate")

    def draw(number, seq, numbered, on, paged=False):  # no 版记: nothing to redraw unnumbered
        return kind.draw(reg, m, first, number, on or day, paged)  # on: the day it was numbered (None: a draft)

    def recheck(slip):
        """A request over one page (long texts) is drawn again with page numbers (GB/T 9704 7.5), once."""
        done = []

        def check(r):  # its conversion's pdf.Result
            if done or r.page_count() < 2:
                return None
            done.append(True)
            return lambda: draw(slip.number, slip.seq, True, slip.issued, True).to_bytes()

        return check

    if no_pdf:
        return standalone.draft(reg, "coordinate", m.id, out, draw)
    return standalone.issue(reg, "coordinate", m.id, day, out, draw,
                            {"协调事项": m.id, "协调层级": m.level, "主办部门": m.lead}, recheck)
