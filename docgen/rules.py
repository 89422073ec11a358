"""The committee's rules (泰高管发〔2021〕11号) as settings with defaults.

A rules file in the registers (registers/rules.yaml) may change any period, the counting convention,
warning and urging intervals, and score points; what it does not name keeps the default below.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

SEED = "泰高管发〔2021〕11号"


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    label: str  # what it applies to, in Chinese
    period: int
    unit: str  # "calendar" | "working"
    anchor: str  # "meeting": counted from the meeting date; "assigned": from the assignment date
    report_to: str  # "综合管理部" | "牵头部门" | "按要求"
    clause: str  # the seed clause, quoted

    def period_text(self) -> str:
        if self.id == "explicit":
            return "按明确的办理时限"
        if self.unit == "working":
            return f"{self.period}个工作日"
        if self.period == 7:
            return "1周"
        return f"{self.period}日"

    def short_text(self) -> str:
        """E.g. 会后10日内 / 交办后1周内 / 3个工作日内, used on slips."""
        if self.id == "explicit":
            return "按明确的办理时限"
        head = "会后" if self.anchor == "meeting" else "交办后"
        return f"{head}{self.period_text()}内"


DEFAULT_DEADLINES: dict[str, DeadlineRule] = {
    r.id: r
    for r in [
        DeadlineRule("meeting.major", "党工委会、主任办公会及其他重大综合性会议议定事项", 10, "calendar", "meeting",
                     "综合管理部", "党工委会、主任办公会及其他重大综合性会议的落实情况，须在会后10日内向综合管理部反馈"),
        DeadlineRule("instruction.principal", "管委会主要领导重要批示、交办事项", 7, "calendar", "assigned",
                     "综合管理部", "管委会主要领导重要批示、交办事项的落实情况，须在1周内向综合管理部反馈"),
        DeadlineRule("meeting.special", "管委会专题会议、工作专班议定事项", 7, "calendar", "assigned",
                     "牵头部门", "管委会专题会议、工作专班及管委会分管领导的批示、交办事项的落实情况，须在交办后1周内向牵头部门反馈"),
        DeadlineRule("instruction.deputy", "工作专班及管委会分管领导的批示、交办事项", 7, "calendar", "assigned",
                     "牵头部门", "管委会专题会议、工作专班及管委会分管领导的批示、交办事项的落实情况，须在交办后1周内向牵头部门反馈"),
        DeadlineRule("doc.single", "属于一个部门或单位职权范围内的公文", 3, "working", "assigned",
                     "综合管理部", "属于一个部门或单位职权范围内的事项，承办部门和单位要在3个工作日内上报办理结果"),
        DeadlineRule("doc.joint", "需多个部门和单位协同会办的公文", 5, "working", "assigned",
                     "综合管理部", "需多个部门和单位协同会办的事项，主办部门要在5个工作日内上报办理结果"),
        DeadlineRule("doc.research", "需调查论证或调研解决的公文", 20, "working", "assigned",
                     "综合管理部", "需调查论证或调研解决的事项，承办部门和单位要在20个工作日内上报办理结果"),
        DeadlineRule("doc.urgent", "明确标注尽快办理的公文", 2, "working", "assigned",
                     "综合管理部", "对于明确标注尽快办理的事项，承办部门和单位要在2个工作日内上报办理结果"),
        DeadlineRule("explicit", "有明确办理时限要求的事项", 0, "calendar", "assigned",
                     "按要求", "有明确办理时限要求的，严格按时限要求办理；管委会领导另有要求的按要求落实"),
    ]
}

CLAUSES = {
    "meeting.major": f"{SEED}第10条第（1）项",
    "instruction.principal": f"{SEED}第10条第（1）项",
    "meeting.special": f"{SEED}第10条第（1）项",
    "instruction.deputy": f"{SEED}第10条第（1）项",
    "doc.single": f"{SEED}第10条第（2）项",
    "doc.joint": f"{SEED}第10条第（2）项",
    "doc.research": f"{SEED}第10条第（2）项",
    "doc.urgent": f"{SEED}第10条第（2）项",
    "explicit": f"{SEED}第10条",
}

DEFAULT_SCORES = {
    "overdue": -1.0,  # item overdue, once it passes its due date
    "overdue_week": -0.5,  # each further full week overdue
    "late_extension": -0.5,  # extension requested on or after the due date
    "rectify_overdue": -2.0,  # rectification not completed by its deadline
    "bulletin_named": -1.0,  # named in a bulletin for overdue work
    "on_time": 0.5,  # completed on time (bonus)
}

SCORE_LABELS = {
    "overdue": "逾期未办结",
    "overdue_week": "逾期每满1周",
    "late_extension": "到期后才申请延期",
    "rectify_overdue": "整改逾期未完成",
    "bulletin_named": "因逾期被《督导通报》点名",
    "on_time": "按期办结",
    "adjust": "已结算期间的补扣或更正",
}


@dataclass(frozen=True)
class Rules:
    deadlines: dict[str, DeadlineRule] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    roll_forward: bool = True  # a calendar period ending on a non-working day ends on the next working day
    warn_days: int = 2  # blue warning: due within N working days
    urge_interval: int = 3  # at most one urge slip per item every M working days
    reply_days: int = 2  # an urge slip's reply-by date: N working days after issue
    verify: bool = True  # completions are verified (销号核查): the on-time bonus is earned when a check passes
    rework_days: int = 5  # a failed check's rework deadline: N working days after it, unless it states `until`
    base_score: float = 100.0
    scores: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORES))

    def rule(self, rule_id: str) -> DeadlineRule:
        return self.deadlines[rule_id]

    def with_period(self, rule_id: str, period: int, unit: str) -> "Rules":
        d = dict(self.deadlines)
        d[rule_id] = replace(d[rule_id], period=period, unit=unit)
        return replace(self, deadlines=d)
