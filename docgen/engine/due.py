"""Due dates by the committee's rules (rules.md §2), with the reasons a clerk can check."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..registers.calendar import WorkCalendar, cn_date, cn_md, cn_weekday
from ..registers import sources
from ..registers.model import Item
from ..registers.rules import DeadlineRule, Rules

ONE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Span:
    first: dt.date
    last: dt.date
    name: str

    def text(self) -> str:
        if self.first == self.last:
            return f"{cn_md(self.first)} {self.name}"
        return f"{cn_md(self.first)}—{cn_md(self.last)} {self.name}"


@dataclass(frozen=True)
class DueDate:
    rule: DeadlineRule
    start: dt.date
    due: dt.date
    nominal: dt.date  # a calendar period's last day before moving to a working day
    skipped: tuple[Span, ...]  # non-working days the count walked over (working-day rules) or moved past
    makeup: tuple[dt.date, ...]  # make-up working days counted
    provisional: bool  # the next year's schedule is unknown and could still move the date

    def explain(self, cal: WorkCalendar, cite: str = "", applies: str = "") -> list[str]:
        """The reasons, line by line; `cite` is the clause as the rules file names it (Rules.clause), `applies`
        the office's own words the rule applies to (applies_to): nothing is said in words the office did not
        write."""
        r = self.rule
        lines = [f"规则：{r.id}（{applies + '，' if applies else ''}{r.period_text()}）"]
        if cite or r.clause:
            lines.append(f"依据：{cite}{'：' if cite and r.clause else ''}{r.clause}")
        if r.id == "explicit":
            lines.append(f"办结时限：{cn_date(self.due)}（{cn_weekday(self.due)}），按来源明确的时限")
            return lines
        lines.append(f"起算：{cn_date(self.start)}（{cn_weekday(self.start)}），当日不计入")
        if r.unit == "calendar":
            lines.append(f"期满：{cn_date(self.start)}后第{r.period}日为{cn_date(self.nominal)}（{cn_weekday(self.nominal)}）")
            if self.nominal != self.due:
                lines.append(f"期满日不是工作日（{'；'.join(s.text() for s in self.skipped)}），顺延至下一个工作日")
        else:
            if self.skipped:
                lines.append("跳过的非工作日：" + "；".join(s.text() for s in self.skipped))
            else:
                lines.append("跳过的非工作日：无")
        if self.makeup:
            lines.append("计入的调休上班日：" + "、".join(f"{cn_md(d)}（{cn_weekday(d)}）" for d in self.makeup))
        lines.append(f"办结时限：{cn_date(self.due)}（{cn_weekday(self.due)}）")
        if self.provisional:
            lines.append(f"注意：{self.due.year + 1}年节假日安排尚未公布，次年通知可能调整年末的工作日，此日期为暂定。")
        return lines


def applies_to(rules: Rules, rule_id: str) -> str:
    """What a rule applies to, in the office's own words (rules.yaml `vocabulary`, or the declared sources'
    defaults): 会议类别：党工委会、主任办公会; "" when no word of the registers leads to it."""
    if rule_id == "explicit":  # any item that states its own deadline, whatever its words
        return ""
    labels = sources.vocabulary_labels()
    parts = []
    for group, words in rules.vocabulary.items():
        mine = [w for w, rid in words.items() if rid == rule_id]
        if mine:
            parts.append(f"{labels.get(group, group)}：{'、'.join(mine)}")
    return "；".join(parts)


def _spans(days: list[dt.date], cal: WorkCalendar) -> tuple[Span, ...]:
    """Group consecutive non-working days; a run that touches a holiday is named after it."""
    runs: list[list[dt.date]] = []
    for d in days:
        if runs and runs[-1][-1] + ONE == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    spans = []
    for run in runs:
        names = [cal.why(d) for d in run]
        named = [n for n in dict.fromkeys(names) if n != "周末"]
        spans.append(Span(run[0], run[-1], "、".join(named) if named else "周末"))
    return tuple(spans)


def compute_due(rule: DeadlineRule, start: dt.date, cal: WorkCalendar, roll_forward: bool = True,
                explicit: dt.date | None = None) -> DueDate:
    """Raises UnknownYear if the count walks into a year without a known schedule."""
    if rule.id == "explicit":
        if explicit is None:
            raise ValueError("explicit rule needs a date")
        return DueDate(rule, start, explicit, explicit, (), (), False)
    if rule.unit == "calendar":
        nominal = start + dt.timedelta(days=rule.period)
        due = cal.next_workday(nominal) if roll_forward else nominal
        skipped = _spans([nominal + dt.timedelta(days=k) for k in range((due - nominal).days)], cal)
        makeup = ()
    else:
        due = cal.add_workdays(start, rule.period)
        walked = [start + dt.timedelta(days=k) for k in range(1, (due - start).days + 1)]
        skipped = _spans([d for d in walked if not cal.is_workday(d)], cal)
        makeup = tuple(d for d in walked if cal.is_makeup(d))
        nominal = due
    provisional = due.month == 12 and due.day >= 15 and not cal.knows(due.year + 1)
    return DueDate(rule, start, due, nominal, skipped, makeup, provisional)


def item_due(item: Item, rules: Rules, cal: WorkCalendar) -> DueDate:
    """An item's original due date, before any extension."""
    rule = rules.rule(item.rule)
    start = item.source.date if rule.anchor == "meeting" else item.assigned
    return compute_due(rule, start, cal, rules.roll_forward, item.explicit_due)
