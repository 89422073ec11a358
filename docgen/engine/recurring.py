"""The work that recurs, summed up for a period (rules.md §7): each target and its milestones, who reported and who
did not, each project's 调度. Pure: the statuses of the standing obligations due in the period (engine.figures
Figures.standing) in, plain data out — what the bulletin records and prints (年度目标推进情况, 定期报告报送情况,
项目调度情况), and what the board and the xlsx show.
"""
from __future__ import annotations

from .status import MISSED, OVERDUE, ItemStatus


def milestone_state(s: ItemStatus) -> str:
    """A milestone in words: 按期完成, 逾期N天完成, 已逾期N天未完成, 未到期."""
    if s.completed is not None:
        return "按期完成" if s.on_time else f"逾期{s.days_overdue}天完成"
    if s.state == OVERDUE:
        return f"已逾期{s.days_overdue}天未完成"
    return "尚未到期"


def targets_view(standing: list[ItemStatus]) -> list[dict]:
    """Every target with a milestone due in the period: its milestones due then, and whether it is behind (a
    milestone late or not met)."""
    by_target: dict[str, dict] = {}
    for s in sorted((s for s in standing if s.item.source_kind == "target"), key=lambda s: (s.item.source.id, s.due)):
        src = s.item.source
        t = by_target.setdefault(src.id, {"id": src.id, "text": src.title, "lead": s.item.lead,
                                          "co": list(s.item.co), "owner": src.detail.get("owner", ""),
                                          "leader": src.detail.get("leader", ""), "milestones": [], "behind": False})
        suffix = f"（{src.title}）"  # the item's text is the milestone's, then its target's in brackets
        text = s.item.text[:-len(suffix)] if s.item.text.endswith(suffix) else s.item.text
        t["milestones"].append({"item": s.item.id, "text": text,
                                "by": s.original.due.isoformat(), "state": milestone_state(s),
                                "on_time": bool(s.on_time)})
        if (s.completed is not None and not s.on_time) or (s.completed is None and s.state == OVERDUE):
            t["behind"] = True
    return list(by_target.values())


def reports_view(standing: list[ItemStatus]) -> list[dict]:
    """Each periodic report due in the period: the units that reported on time, late (days), not yet (days)."""
    groups: dict[str, dict] = {}
    for s in sorted((s for s in standing if s.item.source_kind == "report"), key=lambda s: (s.due, s.item.id)):
        src = s.item.source
        g = groups.setdefault(src.id, {"rule": src.detail.get("rule", ""), "period": src.detail.get("period", ""),
                                       "text": src.title, "to": src.detail.get("to", ""),
                                       "due": s.original.due.isoformat(), "total": 0, "on_time": [], "late": [],
                                       "missing": [], "open": []})
        g["total"] += 1
        if s.completed is not None:
            (g["on_time"] if s.on_time else g["late"]).append({"unit": s.item.lead, "days": s.days_overdue,
                                                               "date": s.completed.isoformat()})
        elif s.state == OVERDUE:
            g["missing"].append({"unit": s.item.lead, "days": s.days_overdue})
        else:
            g["open"].append({"unit": s.item.lead})
    return list(groups.values())


def _meeting(s: ItemStatus) -> dict:
    d = s.item.source.detail
    state = ("按期召开" if s.on_time else f"逾期{s.days_overdue}天召开") if s.completed else (
        "未召开" if s.state in (MISSED, OVERDUE) else "尚未到期")
    return {"item": s.item.id, "kind": d.get("kind", ""), "period": d.get("period", ""), "lead": s.item.lead,
            "due": s.original.due.isoformat(), "held": s.completed.isoformat() if s.completed else None,
            "state": state}


def schedules_view(standing: list[ItemStatus]) -> dict:
    """The required meetings due in the period: those of the whole office, and each project's."""
    meetings, projects = [], {}
    for s in sorted((s for s in standing if s.item.source_kind == "schedule"), key=lambda s: (s.due, s.item.id)):
        d = s.item.source.detail
        if d.get("project"):
            p = projects.setdefault(d["project"], {"id": d["project"], "name": d.get("name", d["project"]),
                                                   "leader": d.get("leader", ""), "lead": s.item.lead,
                                                   "meetings": []})
            p["meetings"].append(_meeting(s))
        else:
            meetings.append(_meeting(s))
    return {"meetings": meetings, "projects": sorted(projects.values(), key=lambda p: p["id"])}


def recurring_view(standing: list[ItemStatus]) -> dict:
    """The three sections' data; {} when the period has none of this work (a bulletin without it)."""
    sch = schedules_view(standing)
    out = {"targets": targets_view(standing), "reports": reports_view(standing), **sch}
    return out if any(out.values()) else {}
