"""The work that recurs (rules.md §7): annual targets and their milestones, 包保 projects, what every unit reports
each period (rules.yaml `reports`), the meetings the office must see held (rules.yaml `schedules`), and the feedback
periods of long items (an item's `feedback`).

The registers say the rule; `derive()` expands it into items of their own sources (report, schedule, feedback), each
with its rule or date, for every period from the rule's `since` to the end of the last year the registers name, or of
the run's as-of year when that is later (on 2027-01-11 the January 2027 meeting is owed before any 2027 date is
written). They are never stored: the same registers and as-of year give the same items. What was done about them (a
专报 entry, a meeting of the kind, a 反馈) becomes their progress, and the engine treats them like every other item
(due, status, warnings, 催办, scores). Pure: parsed entries and a date in, items, events and diagnostics out.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass, replace

from ..core.diagnostics import Diagnostic, Src, shown
from .calendar import cn_date, cn_md
from .model import Event, Item, Milestone, Project, Source, Target
from .periods import CN_Q
from .rules import PERIODS, PERIOD_WORDS, DeadlineRule, ReportRule, Rules, ScheduleRule

FEEDBACK = {"weekly": "week", "biweekly": "biweek", "monthly": "month"}  # an item's `feedback` -> its period
FEEDBACK_WORDS = {"weekly": "每周", "biweekly": "每两周", "monthly": "每月"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")  # a report's or a schedule's id: it is part of item ids
ONE = dt.timedelta(days=1)
MAX_WITHIN = 366  # more working days than a year has is a typo (10000), not a reporting window


@dataclass(frozen=True)
class Span:
    """One period of a recurring obligation."""

    start: dt.date
    end: dt.date
    tag: str  # in item ids: 2026Q3, 2026M10, 2026H1, 2026, 2026W14, 2026B0330
    label: str  # 2026年第三季度, 2026年10月 …
    key: str  # as a 专报 entry names it: 2026-Q3, 2026-10, 2026-H1, 2026, 2026-W14, 2026-03-30

    def __contains__(self, d: dt.date) -> bool:
        return self.start <= d <= self.end


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, _cal.monthrange(y, m)[1])


def span_of(every: str, d: dt.date, anchor: dt.date | None = None) -> Span:
    """The period of kind `every` that day d falls in (biweek: fortnights from the Monday of `anchor`'s week)."""
    y = d.year
    if every == "month":
        return Span(d.replace(day=1), _month_end(y, d.month), f"{y}M{d.month:02d}", f"{y}年{d.month}月", f"{y}-{d.month:02d}")
    if every == "quarter":
        q = (d.month - 1) // 3 + 1
        return Span(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}Q{q}", f"{y}年第{CN_Q[q - 1]}季度", f"{y}-Q{q}")
    if every == "half":
        h = 1 if d.month <= 6 else 2
        return Span(dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h), f"{y}H{h}", f"{y}年{'上' if h == 1 else '下'}半年",
                    f"{y}-H{h}")
    if every == "year":
        return Span(dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}", f"{y}年", f"{y}")
    monday = d - dt.timedelta(days=d.weekday())
    if every == "week":
        iy, iw, _ = monday.isocalendar()
        return Span(monday, monday + dt.timedelta(days=6), f"{iy}W{iw:02d}",
                    f"{iy}年第{iw}周（{cn_md(monday)}至{cn_md(monday + dt.timedelta(days=6))}）", f"{iy}-W{iw:02d}")
    base = (anchor or d) - dt.timedelta(days=(anchor or d).weekday())
    start = base + dt.timedelta(days=14 * ((monday - base).days // 14))
    end = start + dt.timedelta(days=13)
    return Span(start, end, f"{start.year}B{start.month:02d}{start.day:02d}",
                f"{cn_date(start)}至{cn_md(end)}两周", start.isoformat())


def spans(every: str, first: dt.date, last: dt.date, anchor: dt.date | None = None) -> list[Span]:
    """Every period of kind `every` from the one `first` falls in to the one `last` falls in."""
    out, d = [], first
    while d <= last:
        s = span_of(every, d, anchor or first)
        out.append(s)
        d = s.end + ONE
    return out


def parse_period_key(text: str) -> tuple[str, dt.date] | None:
    """A 专报 entry's `period` (2026-Q3, 2026-10, 2026-H1, 2026, 2026-W14): (its kind, a day in it), or None."""
    t = str(text).strip()
    try:
        return _period_key(t)
    except ValueError:  # year 0000
        return None


def _period_key(t: str) -> tuple[str, dt.date] | None:
    m = re.fullmatch(r"(\d{4})-[Qq]([1-4])", t)
    if m:
        return "quarter", dt.date(int(m[1]), 3 * int(m[2]), 1)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m and 1 <= int(m[2]) <= 12:
        return "month", dt.date(int(m[1]), int(m[2]), 1)
    m = re.fullmatch(r"(\d{4})-[Hh]([12])", t)
    if m:
        return "half", dt.date(int(m[1]), 6 * int(m[2]), 1)
    m = re.fullmatch(r"(\d{4})", t)
    if m:
        return "year", dt.date(int(m[1]), 6, 30)
    m = re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", t)
    if m:
        try:
            return "week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------- rules.yaml `reports` and `schedules`

def parse_reports(e, rules_file: str, out: list[Diagnostic]) -> tuple[ReportRule, ...]:
    """rules.yaml `reports`: a list of {id, text, every, within, to, units, since}."""
    found, seen = [], {}
    for r in e.items("reports", "定期报告规则"):
        rid = r.str("id", required=True)
        text = r.str("text", required=True)
        every = r.choice("every", PERIODS, required=True)
        within = r.integer("within", maximum=MAX_WITHIN)
        if within is None and not r.has("within") and r.ok:
            r.err("within", "定期报告须写报送时限（within：期间结束后N个工作日内）")
        to = r.strlist("to")
        units = r.strlist("units")
        since = r.date("since")
        issuer, clause = r.str("issuer"), r.str("clause")
        r.finish(("id", "text", "every", "within", "to", "units", "since", "issuer", "clause"))
        if rid and not _ID.match(rid):
            r.err("id", f"编号「{rid}」只能由字母、数字和 - _ . 组成（它是事项编号的一部分），如 quarterly")
            continue
        if rid in seen:
            r.err("id", f"定期报告规则「{rid}」重复（第{seen[rid]}行已写过）")
            continue
        if rid and text and every and within is not None:
            seen[rid] = r.line
            found.append(ReportRule(rid, text, every, within, to, units, since, r.src, issuer, clause))
    return tuple(found)


def parse_schedules(e, vocabulary: dict, out: list[Diagnostic], parse_date, suggest) -> tuple[ScheduleRule, ...]:
    """rules.yaml `schedules`: a list of {id, kind, every, within | by, projects, lead, since}. A schedule's kind must
    be a meeting kind (rules.yaml vocabulary.meetings): it is held by a meeting of that kind."""
    kinds = tuple(vocabulary.get("meetings", {}))
    found, seen = [], {}
    for r in e.items("schedules", "定期调度规则"):
        sid = r.str("id", required=True)
        kind = r.str("kind", required=True)
        if kind and kind not in kinds:
            r.err("kind", f"会议类别「{kind}」不在 vocabulary.meetings 中{suggest(kind, kinds)}：定期调度由这一类别的会议落实，"
                          f"请先在 vocabulary.meetings 中写出它（可用：{'、'.join(kinds)}）")
            kind = ""
        every = r.choice("every", PERIODS, required=True)
        within = r.integer("within", maximum=MAX_WITHIN)
        by: list[dt.date] = []
        if r.has("by"):
            v = r.m["by"]
            vals = v if isinstance(v, list) else [v]
            for i, x in enumerate(vals):
                line = v.line_at(i) if hasattr(v, "line_at") else r.lineof("by")
                d = parse_date(x, r.file, line, "by", out)
                if d:
                    by.append(d)
        if within is not None and by:
            r.err("by", "within（期初N个工作日内）和 by（在某日前）只能写一个")
        projects: tuple | str = ()
        if r.has("projects"):
            if r.m["projects"] == "all":
                projects = "all"
            else:
                projects = r.strlist("projects")
        lead = r.str("lead")
        since = r.date("since")
        issuer, clause = r.str("issuer"), r.str("clause")
        r.finish(("id", "kind", "every", "within", "by", "projects", "lead", "since", "issuer", "clause"))
        if not projects and not lead and r.ok:
            r.err("lead", "不按项目的定期调度须写组织召开的单位（lead）")
        if every and by:
            used: dict[str, dt.date] = {}
            prev = None
            for d in by:
                s = span_of(every, d)
                if prev and d <= prev:
                    r.err("by", f"by 的日期应按先后顺序书写：{d.isoformat()} 不晚于 {prev.isoformat()}")
                elif s.key in used:
                    r.err("by", f"{d.isoformat()} 与 {used[s.key].isoformat()} 同在{s.label}：每个期间只写一个 by 日期")
                used[s.key] = d
                prev = d
        if sid and not _ID.match(sid):
            r.err("id", f"编号「{sid}」只能由字母、数字和 - _ . 组成（它是事项编号的一部分），如 project-monthly")
            continue
        if sid in seen:
            r.err("id", f"定期调度规则「{sid}」重复（第{seen[sid]}行已写过）")
            continue
        if sid and kind and every:
            seen[sid] = r.line
            found.append(ScheduleRule(sid, kind, every, within, tuple(by), projects, lead, since, r.src, issuer, clause))
    return tuple(found)


def recurring_deadlines(rules: Rules) -> dict[str, DeadlineRule]:
    """The deadline rules the reports and the schedules counted in working days bring (report.<id>, schedule.<id>)."""
    out = {}
    for r in rules.reports:
        to = "、".join(r.to) or "交办机构"
        out[f"report.{r.id}"] = DeadlineRule(
            f"report.{r.id}", f"{PERIOD_WORDS[r.every]}{r.text}", r.within, "working", "assigned", to,
            f"{PERIOD_WORDS[r.every]}结束后{r.within}个工作日内报送", r.clause)
    for s in rules.schedules:
        if s.within is not None:
            out[f"schedule.{s.id}"] = DeadlineRule(
                f"schedule.{s.id}", f"{PERIOD_WORDS[s.every]}{s.kind}", s.within, "working", "assigned", "交办机构",
                f"{PERIOD_WORDS[s.every]}初{s.within}个工作日内召开", s.clause)
    return out


# ---------------------------------------------------------------- registers: targets, projects

def parse_target(decl, e, col) -> None:
    """One annual target (targets:): its milestones, each an item {id}-{k} due on its `by` (rule explicit)."""
    tid = e.str("id", required=True)
    year = e.integer("year", minimum=1900, maximum=9999)
    if year is None and not e.has("year") and e.ok:
        e.err("year", "年度目标缺少必填字段「year」（年份，如 2026）")
    text = e.str("text", required=True)
    lead = e.str("lead", required=True)
    co = e.strlist("co")
    owner = e.str("owner", required=True)
    leader = e.str("leader", required=True)
    issuer = e.str("issuer")
    assigned = e.date("assigned") or (dt.date(year, 1, 1) if year else None)
    e.finish(("id", "year", "text", "lead", "co", "owner", "leader", "milestones", "assigned", "issuer"))
    if year and assigned and assigned.year != year:
        e.err("assigned", f"下达日期 {assigned.isoformat()} 不在{year}年内")
    if lead:
        col.unit_refs.append((lead, Src(e.file, e.lineof("lead")), "lead"))
    for c in co:
        col.unit_refs.append((c, Src(e.file, e.lineof("co")), "co"))
    if lead and lead in co:
        e.err("co", f"牵头单位「{lead}」不应同时列为配合单位")
    if issuer:
        col.issuer_refs.append((issuer, Src(e.file, e.lineof("issuer")), "issuer"))
    if not e.has("milestones") and e.ok:
        e.err("milestones", f"年度目标「{text or tid}」没有分解节点（milestones）")
    src = Source(decl.kind, tid, assigned or dt.date.min, text, {"year": year, "owner": owner, "leader": leader},
                 e.src, described=f"{year or ''}年度任务目标：{text}", standing=True)
    ms, prev = [], None
    for k, m in enumerate(e.items("milestones", "目标节点"), 1):
        by = m.date("by", required=True)
        mtext = m.str("text", required=True)
        m.finish(("by", "text"))
        if by and year and by.year != year:
            m.err("by", f"节点日期 {by.isoformat()} 不在目标的年度（{year}年）内")
            by = None
        elif by and assigned and by < assigned:
            m.err("by", f"节点日期 {by.isoformat()} 早于目标下达日期 {assigned.isoformat()}")
            by = None
        elif by and prev and by <= prev:
            m.err("by", f"节点应按时间先后排列：第{k}个节点的日期 {by.isoformat()} 不晚于前一个节点的 {prev.isoformat()}")
            by = None
        if by:
            prev = by
        iid = f"{tid}-{k}"
        if tid and iid in col.item_src:
            m.err("by", f"节点的事项编号「{iid}」与已有事项重复（{col.item_src[iid]}）")
            continue
        if tid:
            col.item_src[iid] = m.src
        if tid and by and mtext and lead and text and owner and leader and year:
            ms.append(Milestone(iid, by, mtext, m.src))
            col.items.append(Item(iid, src, f"{mtext}（{text}）", lead, co, assigned, "explicit", by,
                                  issuer, None, m.src, owner=owner))  # 落实到人: the target's 责任人 answers for it
    if tid and tid in {t.id for t in col.targets}:
        e.err("id", f"年度目标「{tid}」重复")
    elif tid and year and text and lead and owner and leader:
        col.targets.append(Target(tid, year, text, lead, co, owner, leader, tuple(ms), e.src))


def parse_project(col, e) -> None:
    """One 包保 project or enterprise (projects:)."""
    pid = e.str("id", required=True)
    name = e.str("name", required=True)
    kind = e.str("kind", required=True)
    leader = e.str("leader", required=True)
    lead = e.str("lead", required=True)
    since = e.date("since", required=True)
    until = e.date("until")
    e.finish(("id", "name", "kind", "leader", "lead", "since", "until"))
    if lead:
        col.unit_refs.append((lead, Src(e.file, e.lineof("lead")), "lead"))
    if since and until and until < since:
        e.err("until", f"结束日期 {until.isoformat()} 早于开始日期 {since.isoformat()}")
        until = None
    if pid and not _ID.match(pid):
        e.err("id", f"项目编号「{pid}」只能由字母、数字和 - _ . 组成（它是事项编号的一部分），如 XM01")
        return
    if pid in {p.id for p in col.projects}:
        e.err("id", f"项目「{pid}」重复")
        return
    if pid and name and kind and leader and lead and since:
        col.projects.append(Project(pid, name, kind, leader, lead, since, e.src, until))


# ---------------------------------------------------------------- deriving the obligations

@dataclass(frozen=True)
class Received:
    """A 专报 progress entry: a unit's report for a period."""

    unit: str
    period: str  # as written: 2026-Q3
    date: dt.date
    report: str  # the report rule's id ("" = the one whose period it names)
    note: str
    src: Src


def horizon(col, rules: Rules) -> int:
    """The latest year the registers name (0: none); derive() goes on to the as-of year when that is later."""
    years = [i.assigned.year for i in col.items if i.assigned != dt.date.min]
    years += [i.explicit_due.year for i in col.items if i.explicit_due]
    years += [ev.date.year for ev in col.events] + [r.date.year for r in col.received]
    years += [t.year for t in col.targets] + [p.since.year for p in col.projects]
    years += [x.since.year for x in (*rules.reports, *rules.schedules) if x.since]
    return max(years) if years else 0


def _first(col, rules: Rules) -> dt.date | None:
    days = [i.assigned for i in col.items if i.assigned != dt.date.min] + [dt.date(t.year, 1, 1) for t in col.targets]
    return dt.date(min(days).year, 1, 1) if days else None


def _out_of_years(col, rules: Rules, years: tuple[int, int], out: list[Diagnostic]) -> None:
    """The dates of the recurring work outside the years the working-day calendar knows (and one either side) are
    typos (9999-12-31, 0001-01-01): told here, as calendar_checks tells an item's."""
    lo, hi = years

    def bounded(d, src, field):
        if d is not None and not lo <= d.year <= hi:
            out.append(Diagnostic(src.file, src.line, field,
                                  f"日期 {d.isoformat()} 不在{lo}—{hi}年之间（工作日历已知的年份前后各一年），请检查是否写错"))

    for p in col.projects:
        bounded(p.since, p.src, "since")
        bounded(p.until, p.src, "until")
    for x in (*rules.reports, *rules.schedules):
        bounded(x.since, x.src, "since")
    for x in rules.schedules:
        for d in x.by:
            bounded(d, x.src, "by")
    for rec in col.received:
        bounded(rec.date, rec.src, "date")
    for t in col.targets:
        if not lo <= t.year <= hi:
            out.append(Diagnostic(t.src.file, t.src.line, "year",
                                  f"年度 {t.year} 不在{lo}—{hi}年之间（工作日历已知的年份前后各一年），请检查是否写错"))


def derive(col, rules: Rules, out: list[Diagnostic], kinds: dict, suggest, issuers=None,
           years: tuple[int, int] | None = None, through: dt.date | None = None) -> None:
    """Add the derived items (and the progress that meets them) to the collector. kinds: source kind -> its
    declaration (registers/sources.py) for report, schedule and feedback. years: the first and the last year
    obligations may be derived for (the working-day calendar's, one either side); a date outside is told, and the
    periods stop at them (a typo such as 9999-12-31 derives no eight thousand years of monthly meetings).
    through: the as-of date of the run; the periods go on to the end of its year when the registers name none so
    late (registers with no date at all derive nothing: no period to begin from)."""
    if years:
        _out_of_years(col, rules, years, out)
    named = horizon(col, rules)
    if not named:
        return
    last_year = max(named, through.year) if through is not None else named
    if years:
        named = max(min(named, years[1]), years[0])
        last_year = max(min(last_year, years[1]), years[0])
    end = dt.date(last_year, 12, 31)
    first = _first(col, rules) or dt.date(named, 1, 1)  # the registers' year, not the as-of one: 2026 stays derived
    if years:
        first = min(max(first, dt.date(years[0], 1, 1)), end)
    floor = dt.date(years[0], 1, 1) if years else dt.date.min
    projects = {p.id: p for p in col.projects}
    for pid, src, fld in col.project_refs:
        if pid not in projects:
            out.append(Diagnostic(src.file, src.line, fld, f"项目「{shown(pid)}」不在项目名录（projects）中{suggest(pid, projects)}"))
    items, events = [], []
    for x in (*rules.reports, *rules.schedules):  # settings.yaml unread (its own problems told): not checked here
        if x.issuer and issuers is not None and x.issuer not in issuers:
            out.append(Diagnostic(x.src.file, x.src.line, "issuer",
                                  f"编号机构「{x.issuer}」未在 settings.yaml 中定义{suggest(x.issuer, issuers)}"))
    # periodic reports
    by_rule: dict[str, dict[tuple[str, str], str]] = {}  # report id -> (unit, period key) -> item id
    for r in rules.reports:
        decl = kinds["report"]
        since = max(r.since or first, floor)
        units = [u for u in (r.units or tuple(col.units)) if u not in r.to]
        for u in r.units:
            if u not in col.units:
                out.append(Diagnostic(r.src.file, r.src.line, "units", f"单位「{shown(u)}」不在单位名录（units）中"))
        for s in spans(r.every, since, end):
            to = "、".join(r.to)
            source = Source(decl.kind, f"{r.id}-{s.tag}", s.end, r.text, {"rule": r.id, "period": s.label, "to": to},
                            r.src, described=f"定期报告：{s.label}{r.text}" + (f"（报{to}）" if to else ""),
                            standing=True, derived=True)
            for u in units:
                if u not in col.units:
                    continue
                iid = f"报告-{r.id}-{s.tag}-{u}"
                by_rule.setdefault(r.id, {})[(u, s.key)] = iid
                items.append(Item(iid, source, f"报送{s.label}{r.text}", u, (), s.end,
                                  f"report.{r.id}", None, r.issuer, None, r.src, period=f"{s.start}..{s.end}"))
    got: dict[str, Received] = {}  # item id -> the 专报 entry that met it
    for rec in col.received:
        parsed = parse_period_key(rec.period)
        rule = None
        if parsed is None:
            out.append(Diagnostic(rec.src.file, rec.src.line, "period",
                                  f"「{rec.period}」不是报告期间：请写成 2026-Q3（季度）、2026-10（月）、2026-H1（半年）或 2026（年）"))
            continue
        every, day = parsed
        if rec.report:
            rule = next((r for r in rules.reports if r.id == rec.report), None)
            if rule is None:
                out.append(Diagnostic(rec.src.file, rec.src.line, "report", f"rules.yaml 的 reports 中没有「{rec.report}」"))
                continue
            if rule.every != every:
                out.append(Diagnostic(rec.src.file, rec.src.line, "period",
                                      f"定期报告「{rule.id}」{PERIOD_WORDS[rule.every]}报送一次，「{rec.period}」不是这样的期间"))
                continue
        else:
            rules_of = [r for r in rules.reports if r.every == every]
            if not rules_of:
                out.append(Diagnostic(rec.src.file, rec.src.line, "period",
                                      f"rules.yaml 的 reports 中没有{PERIOD_WORDS[every]}报送的定期报告，「{rec.period}」对不上"))
                continue
            if len(rules_of) > 1:
                out.append(Diagnostic(rec.src.file, rec.src.line, "report",
                                      f"{PERIOD_WORDS[every]}报送的定期报告有{len(rules_of)}种，请写 report（可用："
                                      f"{'、'.join(r.id for r in rules_of)}）"))
                continue
            rule = rules_of[0]
        s = span_of(every, day)
        iid = by_rule.get(rule.id, {}).get((rec.unit, s.key))
        if iid is None:
            if rec.unit in col.units:
                out.append(Diagnostic(rec.src.file, rec.src.line, "period",
                                      f"{rec.unit}{s.label}不须报送「{rule.text}」（不在 reports 的单位或期间内）"))
            continue
        if rec.date < s.start:
            out.append(Diagnostic(rec.src.file, rec.src.line, "date",
                                  f"专报日期 {rec.date.isoformat()} 早于{s.label}的开始（{s.start.isoformat()}）"))
            continue
        if iid in got:  # a second entry for one report: most likely another unit's, under this unit's name
            first = got[iid]
            out.append(Diagnostic(rec.src.file, rec.src.line, "unit",
                                  f"{rec.unit}{s.label}的「{rule.text}」已于{first.date.isoformat()}登记（{first.src}），"
                                  "一期只登记一次：是否写错了单位或期间？"))
            continue
        got[iid] = rec
        events.append(Event(iid, rec.date, "办结", rec.note or "专报", rec.src))
        if rules.verify:
            events.append(Event(iid, rec.date, "核查", "收到专报", rec.src, passed=True))
    # required meetings
    meetings = [(src, date, kind, projs) for src, date, kind, projs in col.held]
    for sch in rules.schedules:
        decl = kinds["schedule"]
        since = max(sch.since or first, floor)
        if sch.lead and sch.lead not in col.units:
            out.append(Diagnostic(sch.src.file, sch.src.line, "lead",
                                  f"单位「{sch.lead}」不在单位名录（units）中{suggest(sch.lead, col.units)}"))
            continue
        if isinstance(sch.projects, tuple):
            for pid in sch.projects:
                if pid not in projects:
                            out.append(Diagnostic(sch.src.file, sch.src.line, "projects",
                                          f"项目「{shown(pid)}」不在项目名录（projects）中{suggest(pid, projects)}"))
        by = {span_of(sch.every, d).key: d for d in sch.by}
        for s in spans(sch.every, since, end):
            if sch.by and s.key not in by:
                continue
            due = by.get(s.key) if sch.by else (None if sch.within is not None else s.end)
            rule = f"schedule.{sch.id}" if sch.within is not None else "explicit"
            if sch.projects:
                ps = [p for p in col.projects if (sch.projects == "all" or p.id in sch.projects)
                      and p.since <= s.end and (p.until is None or p.until >= s.start)]
                targets = [(p, sch.lead or p.lead) for p in ps]
            else:
                targets = [(None, sch.lead)]
            for p, lead in targets:
                what = f"{sch.kind}（{p.name}）" if p else sch.kind
                source = Source(decl.kind, f"{sch.id}-{s.tag}", s.start, sch.kind,
                                {"rule": sch.id, "period": s.label, "project": p.id if p else "", "kind": sch.kind,
                                 "name": p.name if p else "", "leader": p.leader if p else ""},
                                sch.src, described=f"定期调度：{s.label}{what}", standing=True, derived=True)
                iid = f"调度-{sch.id}-{s.tag}" + (f"-{p.id}" if p else "")
                items.append(Item(iid, source, f"{s.label}召开{what}", lead, (), s.start - ONE, rule, due, sch.issuer,
                                  None, sch.src, closes=s.end, period=f"{s.start}..{s.end}"))
                held = sorted((date, src) for src, date, kind, projs in meetings
                              if kind == sch.kind and date in s and (p is None or p.id in projs))
                if held:
                    date, src = held[0]
                    events.append(Event(iid, date, "办结", "召开", src))
                    if rules.verify:
                        events.append(Event(iid, date, "核查", "已召开", src, passed=True))
    # feedback periods of long items
    done = {}
    for ev in sorted(col.events, key=lambda e: e.date):
        if ev.type in ("办结", "整改报告"):
            done.setdefault(ev.item, ev.date)
    feedbacks: dict[str, list[Event]] = {}
    for ev in col.events:
        if ev.type == "反馈":
            feedbacks.setdefault(ev.item, []).append(ev)
    for it in col.items:
        if not it.feedback or it.assigned == dt.date.min or not floor <= it.assigned < end:
            continue  # no date, or one outside the years (told by calendar_checks)
        decl = kinds["feedback"]
        every = FEEDBACK[it.feedback]
        stop = min((d for d in (done.get(it.id), it.explicit_due) if d), default=None)  # the item's own end
        for s in spans(every, it.assigned + ONE, min(stop or end, end), anchor=it.assigned + ONE):
            if s.start <= it.assigned or (stop and s.end >= stop) or s.end > end:
                continue  # a period the item was not open for in full, or one past the last year derived
            source = Source(decl.kind, f"{it.id}-{s.tag}", s.start, it.text, {"item": it.id, "period": s.label},
                            it.src, described=f"{it.source.described or it.id}（{FEEDBACK_WORDS[it.feedback]}反馈进展）",
                            standing=True, derived=True)
            iid = f"反馈-{it.id}-{s.tag}"
            items.append(Item(iid, source, f"反馈{s.label}进展情况：{it.text}", it.lead, (), s.start, "explicit", s.end,
                              it.issuer, None, it.src, closes=s.end, period=f"{s.start}..{s.end}"))
            got = sorted(ev.date for ev in feedbacks.get(it.id, ()) if ev.date in s)
            if got:
                events.append(Event(iid, got[0], "办结", "反馈", it.src))
                if rules.verify:
                    events.append(Event(iid, got[0], "核查", "已反馈", it.src, passed=True))
    seen: dict[str, Item] = {}
    for it in items:  # a register's item written with a derived item's id would be two items of one id
        if it.id in col.item_src:
            src = col.item_src[it.id]
            out.append(Diagnostic(src.file, src.line, "id",
                                  f"事项编号「{it.id}」与{it.source.described}推算出的事项编号相同（{it.src}）："
                                  "“报告-”“调度-”“反馈-”开头的编号留给定期报告、定期调度和进展反馈，请换一个编号"))
        elif it.id in seen:
            out.append(Diagnostic(it.src.file, it.src.line, "id",
                                  f"推算出的事项编号「{it.id}」与{seen[it.id].source.described}（{seen[it.id].src}）的相同，"
                                  "请换一个规则编号"))
        seen.setdefault(it.id, it)
    col.items.extend(items)
    col.events.extend(events)


def with_source(item: Item, **kw) -> Item:
    return replace(item, source=replace(item.source, **kw))
