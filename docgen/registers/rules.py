"""The deadline, warning and scoring rules as settings with defaults (rules.md).

A rules file in the registers (registers/rules.yaml) names the governing document (basis), and may change any
period, the body reported to, the clause cited, the vocabulary that maps each source's words (meeting kinds,
leaders' levels, document categories: registers/sources.py) to rules, the counting convention, warning and urging intervals, and score points; what it
does not name keeps the default below. Nothing printed on a slip or a bulletin about an office's own rules comes
from here unless the rules file says so: the defaults name no office.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

@dataclass(frozen=True)
class Basis:
    """The document the rules come from, as printed: 泰高管发〔2021〕11号《关于进一步健全完善工作高效运行机制的意见》."""

    number: str = ""
    title: str = ""
    scores: str = ""  # the clause of the points-based assessment, e.g. 第13条

    def cite(self, clause: str = "") -> str:
        """E.g. 泰高管发〔2021〕11号第10条第（1）项; "" when the rules file names no basis."""
        return f"{self.number}{clause}" if self.number else ""


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    label: str  # what it applies to, in Chinese
    period: int
    unit: str  # "calendar" | "working"
    anchor: str  # "meeting": counted from the meeting date; "assigned": from the assignment date
    report_to: str  # the body the result is reported to: 交办机构 (the slip's issuer), 牵头部门, or a name
    clause: str  # what the governing document says, quoted
    ref: str = ""  # the clause it is in, e.g. 第10条第（1）项 (rules.yaml `clause`)

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


# The longest period a rule may set (rules.md): about ten years. Beyond it a period is a typo, and a date that far
# off is past what any calendar knows (or Python's dates can hold).
MAX_PERIOD = {"calendar": 3660, "working": 2000}


def period_problem(period: int, unit: str) -> str | None:
    """Why a rule's period cannot be used, or None."""
    top = MAX_PERIOD[unit]
    if period > top:
        return f"期限{period}{'个工作日' if unit == 'working' else '日'}过长：不能超过{top}{'个工作日' if unit == 'working' else '日'}（约十年）"
    return None


DEFAULT_DEADLINES: dict[str, DeadlineRule] = {  # what each rule is for; the words of an office's own document
    r.id: r                                         # (`text`) and its clause come from rules.yaml
    for r in [
        DeadlineRule("meeting.major", "重大综合性会议议定事项", 10, "calendar", "meeting", "交办机构", ""),
        DeadlineRule("instruction.principal", "主要领导重要批示、交办事项", 7, "calendar", "assigned", "交办机构", ""),
        DeadlineRule("meeting.special", "专题会议、工作专班议定事项", 7, "calendar", "assigned", "牵头部门", ""),
        DeadlineRule("instruction.deputy", "工作专班及分管领导的批示、交办事项", 7, "calendar", "assigned", "牵头部门", ""),
        DeadlineRule("doc.single", "属于一个部门或单位职权范围内的公文", 3, "working", "assigned", "交办机构", ""),
        DeadlineRule("doc.joint", "需多个部门和单位协同会办的公文", 5, "working", "assigned", "交办机构", ""),
        DeadlineRule("doc.research", "需调查论证或调研解决的公文", 20, "working", "assigned", "交办机构", ""),
        DeadlineRule("doc.urgent", "明确标注尽快办理的公文", 2, "working", "assigned", "交办机构", ""),
        DeadlineRule("explicit", "有明确办理时限要求的事项", 0, "calendar", "assigned", "按要求",
                     "有明确办理时限要求的，严格按时限要求办理"),
    ]
}

DEFAULT_SCORES = {
    "overdue": -1.0,  # item overdue, once it passes its due date
    "overdue_week": -0.5,  # each further full week overdue
    "late_extension": -0.5,  # extension requested on or after the due date
    "rectify_overdue": -2.0,  # rectification not completed by its deadline
    "bulletin_named": -1.0,  # named in a bulletin for overdue work
    "on_time": 0.5,  # completed on time (bonus)
    "report_missing": -2.0,  # a periodic report (or a long item's feedback) not received by its due date
    "schedule_missing": -2.0,  # a required meeting not held in its period
}

DEFAULT_TITLE = "督导通报"  # settings.yaml `bulletin.title` when not written
DEFAULT_TERM = "督导"  # settings.yaml `office.term` when not written


def score_label(rule: str, title: str | None = None) -> str:
    """A score rule's name (rules.yaml `scores`), the bulletin named in the office's words (settings.yaml
    `bulletin.title`; the default one when not given)."""
    return SCORE_LABELS.get(rule, rule).replace("{title}", title or DEFAULT_TITLE)


SCORE_LABELS = {
    "overdue": "逾期未办结",
    "overdue_week": "逾期每满1周",
    "late_extension": "到期后才申请延期",
    "rectify_overdue": "整改逾期未完成",
    "bulletin_named": "因逾期被《{title}》点名",  # the office's bulletin.title
    "on_time": "按期办结",
    "report_missing": "逾期未报送",
    "schedule_missing": "未按期召开",
    "adjust": "已结算期间的补扣或更正",
    "appeal": "申诉撤销扣分",
}


PERIODS = ("week", "biweek", "month", "quarter", "half", "year")  # how often a report or a meeting recurs
PERIOD_WORDS = {"week": "每周", "biweek": "每两周", "month": "每月", "quarter": "每季度", "half": "每半年", "year": "每年"}


@dataclass(frozen=True)
class ReportRule:
    """rules.yaml `reports`: what every unit reports, how often, by when (§9 定期报告)."""

    id: str
    text: str  # 重点工作、重大项目及其他重要事项进展情况专报
    every: str  # one of PERIODS
    within: int  # working days after the period ends
    to: tuple[str, ...]  # the bodies it goes to
    units: tuple[str, ...] = ()  # who reports; () = every unit
    since: object = None  # dt.date: the first period is the one this day falls in (default: the registers' first year)
    src: object = None
    issuer: str = ""  # who urges a report missing (settings.yaml issuers); "" = the default issuer
    clause: str = ""  # the clause of the office's document it is in (第9条), cited with its basis


@dataclass(frozen=True)
class ScheduleRule:
    """rules.yaml `schedules`: a meeting the office must see held each period (§8 定期调度)."""

    id: str
    kind: str  # the meeting's kind (rules.yaml vocabulary.meetings): 项目调度会
    every: str  # one of PERIODS
    within: int | None = None  # held within N working days of the period's start; None: by `by`, or in the period
    by: tuple = ()  # dt.date each: held by these days, one per period
    projects: tuple | str = ()  # "all" or project ids: one meeting per project per period; () = one per period
    lead: str = ""  # who convenes it (a unit); for project schedules, default each project's lead unit
    since: object = None
    src: object = None
    issuer: str = ""  # who urges a meeting not held (settings.yaml issuers); "" = the default issuer
    clause: str = ""  # the clause of the office's document it is in (第8条第（1）项), cited with its basis


@dataclass(frozen=True)
class Rules:
    deadlines: dict[str, DeadlineRule] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    roll_forward: bool = True  # a calendar period ending on a non-working day ends on the next working day
    warn_days: int = 2  # blue warning: due within N working days
    urge_interval: int = 3  # at most one urge slip per item every M working days
    reply_days: int = 2  # an urge slip's reply-by date: N working days after issue
    sign_days: int = 2  # a slip's 回执 is due back N working days after issue; later it is listed by `warn`
    issue_lag: int = 2  # a 交办单 issued more than N working days after assignment is listed as late
    verify: bool = True  # completions are verified (销号核查): the on-time bonus is earned when a check passes
    rework_days: int = 5  # a failed check's rework deadline: N working days after it, unless it states `until`
    base_score: float = 100.0
    scores: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SCORES))
    basis: Basis = field(default_factory=Basis)
    explain_days: int = 3  # a bulletin asks the units of overdue items to explain within N working days
    vocabulary: dict = field(default_factory=dict)  # group -> words -> rule; load.py starts from the declared sources' words
    coordination: dict = field(default_factory=dict)  # rules.yaml `coordination`: precondition -> its clause
    accountability: dict = field(default_factory=dict)  # rules.yaml `accountability`: trigger -> threshold
    reports: tuple = ()  # ReportRule each (rules.yaml `reports`)
    schedules: tuple = ()  # ScheduleRule each (rules.yaml `schedules`)

    def rule(self, rule_id: str) -> DeadlineRule:
        return self.deadlines[rule_id]

    def clause(self, rule_id: str) -> str:
        """The clause a deadline comes from, as printed (泰高管发〔2021〕11号第10条第（1）项), or ""."""
        return self.basis.cite(self.deadlines[rule_id].ref)

    def with_period(self, rule_id: str, period: int, unit: str, report_to: str | None = None,
                    ref: str | None = None, text: str | None = None) -> "Rules":
        d = dict(self.deadlines)
        r = d[rule_id]
        d[rule_id] = replace(r, period=period, unit=unit, report_to=report_to or r.report_to,
                             ref=r.ref if ref is None else ref, clause=r.clause if text is None else text)
        return replace(self, deadlines=d)
