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
from . import kinds as _declared  # noqa: F401 - the kinds' code registered
from . import standalone


def request(reg: Registers, matter_id: str, day: dt.date, out: Paths, no_pdf: bool = False):
    """(its number, its .docx, whether this run numbered it, errors); with no_pdf, the draft's path only."""
    by_id = {m.id: m for m in matters(reg)}
    m = by_id.get(matter_id)
    if m is None:
        raise DocgenError(f"台账中没有协调事项「{matter_id}」{suggest(matter_id, by_id)}"
                          + ("" if by_id else "（coordination 中尚未登记协调事项）"))
    if m.level == "部门会商":
        raise DocgenError(f"协调事项「{m.id}」的层级是部门会商：由主办部门与有关单位自行会商解决，不出具提请协调单"
                          f"（{m.src}）")
    if day < m.date:
        raise DocgenError(f"出具日期 {day.isoformat()} 早于协调事项「{m.id}」的提请日期 {m.date.isoformat()}")
    first = by_id.get(m.escalated_from) if m.escalated_from else None
    kind = declared("coordinate")

    def draw(number, seq, numbered=True):  # one page, no 版记: nothing to redraw unnumbered
        return kind.draw(reg, m, first, number, day)

    if no_pdf:
        return standalone.draft(reg, "coordinate", m.id, out, draw)
    return standalone.issue(reg, "coordinate", m.id, day, out, draw,
                            {"协调事项": m.id, "协调层级": m.level, "主办部门": m.lead})
