"""问责 (rules.md §9, seed §14): which units and items meet a trigger of rules.yaml `accountability`. Pure: the
registers, the statuses as of a date, the period's score sheet (or the year's view), the closed periods and the
facts already proposed in.

Paces (seed §14): 阶段性 — a period's score below `score_below`; 临时性 — an item, any day: named in
`named_in_a_row` bulletins in a row, overdue more than `overdue_days` days, a rectification overdue
(`rectify_overdue`); 年度 — a year's score below `year_score_below`. Each fact has a key: a fact proposed once (in
an issued 问责建议) is never listed again.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..registers.calendar import cn_date
from ..registers import sources
from ..registers.model import Registers
from .status import OVERDUE, ItemStatus

PACES = ("阶段性", "临时性", "年度")


@dataclass(frozen=True)
class Fact:
    key: str
    pace: str  # 阶段性 | 临时性 | 年度
    unit: str
    item: str  # "" for a unit's score
    trigger: str  # the trigger and its threshold, with the clause
    facts: str  # what happened

    def as_dict(self) -> dict:
        return {"key": self.key, "pace": self.pace, "unit": self.unit, "item": self.item, "trigger": self.trigger,
                "facts": self.facts}


def _points(u: dict) -> str:
    """（扣5.5分，加0.5分）, a part left out when it is nought; nothing when both are."""
    parts = [f"扣{-u['minus']:g}分"] if u["minus"] else []
    parts += [f"加{u['plus']:g}分"] if u["plus"] else []
    return f"（{'，'.join(parts)}）" if parts else ""


def _streak(item: str, closed) -> int:
    k = 0
    for c in sorted(closed, key=lambda c: c.date, reverse=True):
        if item not in c.named:
            break
        k += 1
    return k


def triggers(reg: Registers, statuses: list[ItemStatus], closed, sheet: dict | None, year: dict | None,
             done: set[str] = frozenset()) -> list[Fact]:
    """Every fact meeting a trigger as of the statuses' date, less those in `done` (proposed already). `sheet`: the
    period's score sheet (阶段性); `year`: the year's view (年度), when the period is a year."""
    acc = reg.rules.accountability
    ref = acc.get("clause", "")
    cite = reg.rules.basis.cite(ref) if ref else ""
    where = f"，{cite}" if cite else ""
    title = reg.settings.bulletin_title
    out: list[Fact] = []
    if sheet is not None and acc.get("score_below") is not None:
        n = acc["score_below"]
        label = sheet["period"]["label"]
        for u in sheet["units"]:
            if u["active"] and u["score"] < n:
                out.append(Fact(f"score_below|{sheet['period']['key']}|{u['unit']}", "阶段性", u["unit"], "",
                                f"阶段性问责：期间考核得分低于{n:g}分{where}",
                                f"{label}考核得分{u['score']:g}分{_points(u)}"))
    if year is not None and acc.get("year_score_below") is not None:
        n = acc["year_score_below"]
        yref = acc.get("year_clause", "") or ref
        ywhere = f"，{reg.rules.basis.cite(yref)}" if yref else ""
        for u in year["units"]:
            if u["active"] and u["score"] < n:
                out.append(Fact(f"year_score_below|{year['year']}|{u['unit']}", "年度", u["unit"], "",
                                f"年度考核问责：年度得分低于{n:g}分{ywhere}",
                                f"{year['year']}年度考核得分{u['score']:g}分{_points(u)}"))
    for s in sorted(statuses, key=lambda s: (s.item.lead, s.item.id)):
        if s.state != OVERDUE:
            continue
        i = s.item
        # a derived obligation's id (报告-quarterly-2026Q3-良庄镇) is docgen's, not a register's: its text names it
        what = f"“{i.text}”" if sources.get(i.source_kind).derived else f"“{i.text}”（{i.id}）"
        rnd = s.rounds[-1] if s.rounds else None
        rect = i.is_rectification or s.rework
        k = _streak(i.id, closed)
        if acc.get("named_in_a_row") and k >= acc["named_in_a_row"]:
            out.append(Fact(f"named_in_a_row|{i.id}", "临时性", i.lead, i.id,
                            f"临时性问责：连续{acc['named_in_a_row']}期被通报{where}",
                            f"{what}连续{k}期被《{title}》通报，已逾期{s.days_overdue}天仍未办结"))
        if acc.get("overdue_days") and s.days_overdue > acc["overdue_days"]:
            out.append(Fact(f"overdue_days|{i.id}|{s.due.isoformat()}", "临时性", i.lead, i.id,
                            f"临时性问责：逾期超过{acc['overdue_days']}天仍未办结{where}",
                            f"{what}办结时限{cn_date(s.due)}，已逾期{s.days_overdue}天仍未办结"))
        if acc.get("rectify_overdue") and rect:
            due = rnd.due if rnd else s.due
            out.append(Fact(f"rectify_overdue|{i.id}|{due.isoformat()}", "临时性", i.lead, i.id,
                            f"临时性问责：整改逾期未完成{where}",
                            f"{what}整改时限{cn_date(due)}，逾期{s.days_overdue}天未完成整改"))
    return [f for f in out if f.key not in done]
