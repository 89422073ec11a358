"""Coordination matters (统筹协调, rules.md §8): the register `coordination` and its preconditions.

A matter is solved at the lowest level that can: 部门会商 (the departments among themselves), then 工作专班 or
分管领导, then 主要领导 (or a topic for 上会, the 党工委会/主任办公会). The preconditions are the office's own rules,
enforced by refusing the entry at `check`, each message naming its clause (rules.yaml `coordination`):
  consult   a matter above 部门会商 was first consulted on between the departments, without agreement;
  report    a request to 工作专班 or 分管领导 reports that consultation: its course, the disagreements, a proposal;
  escalate  a request to 主要领导 or 上会 follows a 工作专班/分管领导 coordination of the same matter, with a
            decision proposal;
  opinion   a request to 主要领导 carries the 分管领导's clear opinion ("已阅" is none).
A matter's decision (`decided`) and its items become items like a meeting's decided items, their rule by level
(LEVEL_RULES). The matters themselves are kept in the model (Registers.entries) for the
提请协调单, the board and the xlsx.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..core.diagnostics import Diagnostic, Src
from .model import Source

KIND = "coordination"
LEVELS = ("部门会商", "工作专班", "分管领导", "主要领导", "上会")
DEPUTY = ("工作专班", "分管领导")  # §3(2): a request to them reports the consultation
PRINCIPAL = ("主要领导", "上会")  # §3(3): a request to them follows a 工作专班/分管领导 coordination
# the rule a decided item follows by the level that decided it, like a meeting's decided items (rules.md §2): the
# departments' own and a 专班's decisions as 工作专班议定事项, a 分管领导's as his 交办, a 主要领导's as his, a
# meeting's (上会) as a major meeting's. (Not a rules.yaml vocabulary: these words are also 批示's levels, and an
# Excel 台账's 事项来源 "主要领导批示" must keep naming the instruction.)
LEVEL_RULES = {"部门会商": "meeting.special", "工作专班": "meeting.special", "分管领导": "instruction.deputy",
               "主要领导": "instruction.principal", "上会": "meeting.major"}
STATES = ("待协调", "已议定")  # a matter's state: no decision written yet, or decided
RESULTS = ("未达成一致", "部分达成一致", "达成一致")
# what is no opinion (§3(4): 一般不得层层圈阅或简单地签署“已阅”), compared without punctuation and spaces
NO_OPINION = ("已阅", "阅", "圈阅", "已圈阅", "阅知", "已阅知", "阅悉")
# the clauses the preconditions cite when rules.yaml names none: what each rule says, in words of no office
CLAUSE_KEYS = ("consult", "report", "escalate", "opinion")
RULE_WORDS = {
    "consult": "凡未主动沟通，或经部门协商一致可以解决的，原则上不予协调",
    "report": "提请工作专班或分管领导协调的事项，主办部门应详细报告会商协调过程、意见分歧、办理建议",
    "escalate": "提请主要领导协调或提交会议研究的事项，工作专班或分管领导应先行组织协调，提出决策建议；"
                "未经事先协调的，原则上不予协调或不安排上会研究",
    "opinion": "呈主要领导签批的请示，分管领导应签署明确具体意见，不得简单地签署“已阅”；无分管领导签署意见的，不予审议签批",
}


@dataclass(frozen=True)
class Consultation:
    date: dt.date
    units: tuple[str, ...]
    result: str
    disagreement: str
    src: Src


@dataclass(frozen=True)
class Opinion:
    by: str
    date: dt.date | None
    text: str


@dataclass(frozen=True)
class Matter:
    """One coordination matter as written in the register."""

    id: str
    date: dt.date
    text: str
    lead: str  # 主办部门
    units: tuple[str, ...]  # 涉及单位
    level: str
    consulted: tuple[Consultation, ...]
    proposal: str  # 办理建议 (for 主要领导/上会: the 决策建议 of the 专班/分管领导)
    escalated_from: str
    opinion: Opinion | None
    decided_date: dt.date | None
    decided_text: str
    items: tuple[str, ...]  # the ids of its decided items
    src: Src

    @property
    def state(self) -> str:
        """待协调 until a decision is written, then 已议定."""
        return "已议定" if self.decided_date else "待协调"


def clause(rules, key: str) -> str:
    """How a message names a precondition: its clause (rules.yaml `coordination.<key>`, with the basis' number)
    and what it says."""
    ref = (getattr(rules, "coordination", None) or {}).get(key, "") if rules is not None else ""
    cite = rules.basis.cite(ref) if ref and rules is not None else ""
    return f"（{cite or ref}：{RULE_WORDS[key]}）" if ref else f"（{RULE_WORDS[key]}）"


def _bare(text: str) -> str:
    return re.sub(r"[\s，。、,.;；:：!！“”\"'‘’]", "", text)


def parse(s, e, col) -> None:
    """One entry of `coordination`: its fields, the preconditions that need only the entry, its decided items."""
    rules = getattr(col, "rules", None)
    mid = e.str("id", required=True)
    date = e.date("date", required=True)
    text = e.str("text", required=True)
    lead = e.str("lead", required=True)
    units = e.strlist("units")
    level = e.choice("level", LEVELS, required=True)
    proposal = e.str("proposal")
    escalated = e.str("escalated_from")
    e.finish(("id", "date", "text", "lead", "units", "level", "consulted", "proposal", "escalated_from", "opinion",
              "decided"))
    if lead:
        col.unit_refs.append((lead, Src(e.file, e.lineof("lead")), "lead"))
    for u in units:
        col.unit_refs.append((u, Src(e.file, e.lineof("units")), "units"))
    consulted = []
    for ce in e.items("consulted", "会商记录"):
        cd = ce.date("date", required=True)
        cu = ce.strlist("units")
        result = ce.choice("result", RESULTS, required=True)
        dis = ce.str("disagreement")
        ce.finish(("date", "units", "result", "disagreement"))
        if not cu and ce.ok:
            ce.err("units", "会商记录须写参加会商的单位（units）")
        for u in cu:
            col.unit_refs.append((u, Src(ce.file, ce.lineof("units")), "units"))
        if cd and date and cd > date:
            ce.err("date", f"会商日期 {cd.isoformat()} 晚于提请协调的日期 {date.isoformat()}：会商须在提请之前")
        if cd and result:
            consulted.append(Consultation(cd, cu, result, dis, ce.src))
    opinion = None
    oe = e.sub("opinion", "分管领导意见")
    if oe is not None and oe.ok:
        by, od, ot = oe.str("by", required=True), oe.date("date"), oe.str("text", required=True)
        oe.finish(("by", "date", "text"))
        if ot and _bare(ot) in NO_OPINION:
            oe.err("text", f"分管领导意见「{ot}」不是明确具体的意见{clause(rules, 'opinion')}")
        elif by and ot:
            opinion = Opinion(by, od, ot)
    # the preconditions (§3), each refused naming its clause; all of them at once
    if level and level != "部门会商" and e.ok:
        written = e.has("consulted")
        if not written:
            e.err("consulted", f"{level}协调的事项须先经部门会商，没有会商记录（consulted）{clause(rules, 'consult')}")
        elif consulted and all(c.result == "达成一致" for c in consulted):
            e.err("consulted", f"会商已达成一致，部门之间可以解决，不提请{level}协调{clause(rules, 'consult')}")
    if level in DEPUTY and e.ok:
        if e.has("consulted") and consulted and not any(c.disagreement for c in consulted):
            e.err("consulted", f"提请{level}协调须报告意见分歧（会商记录的 disagreement）{clause(rules, 'report')}")
        if not proposal and not e.has("proposal"):  # one refused for its text is named once
            e.err("proposal", f"提请{level}协调须写主办部门的办理建议（proposal）{clause(rules, 'report')}")
    if level in PRINCIPAL and e.ok:
        if not escalated:
            e.err("escalated_from", f"提请{level}的事项须先经工作专班或分管领导协调：请在 escalated_from 写那次协调的编号"
                                    f"{clause(rules, 'escalate')}")
        if not proposal and not e.has("proposal"):
            e.err("proposal", f"提请{level}的事项须写工作专班或分管领导提出的决策建议（proposal）{clause(rules, 'escalate')}")
    if level == "主要领导" and e.ok and oe is None:
        e.err("opinion", f"呈主要领导的事项须有分管领导签署的意见（opinion: {{by, date, text}}）{clause(rules, 'opinion')}")
    if escalated and level not in PRINCIPAL and level:
        e.err("escalated_from", f"escalated_from 只用于提请主要领导或上会的事项，{level}协调不写")
    # the decision and its items, assigned like a meeting's decided items
    item_ids: list[str] = []
    decided_date, decided_text = None, ""
    de = e.sub("decided", "协调结果")
    if de is not None and de.ok:
        decided_date = de.date("date", required=True)
        decided_text = de.str("text", required=True)
        de.finish(("date", "text", "items"))
        if decided_date and date and decided_date < date:
            de.err("date", f"协调结果的日期 {decided_date.isoformat()} 早于提请协调的日期 {date.isoformat()}")
        src = Source(s.kind, mid, decided_date or dt.date.min, text, {"level": level, "lead": lead}, e.src)
        for ie in de.items("items", "协调议定事项"):
            if ie.ok and ie.has("id"):
                item_ids.append(str(ie.m["id"]).strip())
            col.item(ie, src, LEVEL_RULES.get(level or ""))
    if mid and date and text and lead and level:
        col.entries.setdefault(KIND, []).append(Matter(
            mid, date, text, lead, units, level, tuple(consulted), proposal, escalated, opinion, decided_date,
            decided_text, tuple(item_ids), e.src))


def check_all(matters: list[Matter], out: list[Diagnostic], rules=None) -> None:
    """What needs every entry: ids unique, and an escalation names an earlier 工作专班/分管领导 coordination."""
    by_id: dict[str, Matter] = {}
    for m in matters:
        if m.id in by_id:
            out.append(Diagnostic(m.src.file, m.src.line, "id", f"协调事项编号「{m.id}」重复（{by_id[m.id].src} 已使用）"))
        else:
            by_id[m.id] = m
    for m in matters:
        if not m.escalated_from or m.level not in PRINCIPAL:
            continue
        first = by_id.get(m.escalated_from)
        if first is None:
            out.append(Diagnostic(m.src.file, m.src.line, "escalated_from",
                                  f"escalated_from 写的协调事项「{m.escalated_from}」不存在{clause(rules, 'escalate')}"))
        elif first.level not in DEPUTY:
            out.append(Diagnostic(m.src.file, m.src.line, "escalated_from",
                                  f"「{first.id}」是{first.level}，不是工作专班或分管领导的协调{clause(rules, 'escalate')}"))
        elif first.date > m.date:
            out.append(Diagnostic(m.src.file, m.src.line, "escalated_from",
                                  f"「{first.id}」（{first.date.isoformat()}）晚于本次提请（{m.date.isoformat()}）："
                                  f"须先经工作专班或分管领导协调{clause(rules, 'escalate')}"))


def describe(src: Source) -> str:
    """The source of a decided item as printed on its slip."""
    from .calendar import cn_date

    return f"{src.detail.get('level') or ''}协调事项{src.id}（{cn_date(src.date)}）议定事项"


def matters(reg) -> tuple[Matter, ...]:
    return tuple(getattr(reg, "entries", {}).get(KIND, ()))


def parse_clauses(c, out) -> dict:
    """rules.yaml `coordination`: the clause each precondition cites, e.g. consult: 第3条第（1）项."""
    refs = {}
    for k in CLAUSE_KEYS:
        v = c.str(k)
        if v:
            refs[k] = v
    c.finish(CLAUSE_KEYS)
    return refs
