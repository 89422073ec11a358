"""The standalone documents (kinds.py `standalone`), drawn with the layout module (GB/T 9704-2012): the
提请协调单 of a coordination matter, the 得分情况通报 of a period (张榜公布), the 问责建议 of the facts that meet a
trigger. Each is drawn from plain data; names come from settings.yaml, never from code."""
from __future__ import annotations

import datetime as dt

from ..registers.calendar import cn_date
from ..registers.coordination import PRINCIPAL, Matter
from ..registers.model import Registers
from ..registers.rules import score_label
from ..view import score_format
from .gbt9704 import OfficialDocument


def _issuer(reg: Registers) -> str:
    s = reg.settings
    return s.issuers[s.default_issuer].name if s.default_issuer in s.issuers else s.office


def _level_text(level: str) -> str:
    return "提交会议研究" if level == "上会" else f"提请{level}协调"


def build_request(reg: Registers, m: Matter, first: Matter | None, number: str, day: dt.date) -> OfficialDocument:
    """提请协调单: the matter, its 主办部门 and 涉及单位, the consultation's course and disagreements, the proposal,
    the earlier coordination (主要领导/上会) and the 分管领导's opinion."""
    s = reg.settings
    issuer = _issuer(reg)
    d = OfficialDocument(page_numbers=False)
    d.properties(f"{m.text}提请协调单", issuer, day, number, m.lead)
    d.title(f"{issuer}\n提请协调单", blank_before=0)
    d.number_line(number)
    course = "\n".join(f"{cn_date(c.date)}，{m.lead}与{'、'.join(c.units)}会商，{c.result}" for c in m.consulted)
    disagree = "；".join(c.disagreement for c in m.consulted if c.disagreement)
    rows = [("协调事项", m.text), ("主办部门", m.lead), ("涉及单位", "、".join(m.units) or "无"),
            ("协调层级", _level_text(m.level)), ("提请日期", cn_date(m.date)),
            ("会商过程", course or "无"), ("意见分歧", disagree or "无"),
            ("决策建议" if m.level in PRINCIPAL else "办理建议", m.proposal or "无")]
    if first is not None:
        done = f"；{cn_date(first.decided_date)}协调结果：{first.decided_text}" if first.decided_date else ""
        rows.append(("前期协调", f"{first.level}协调（{first.id}，{cn_date(first.date)}提请）{done}"))
    if m.opinion is not None:
        when = f"　{cn_date(m.opinion.date)}" if m.opinion.date else ""
        rows.append(("分管领导意见", f"{m.opinion.text}\n{m.opinion.by}{when}"))
    else:
        rows.append(("分管领导意见", "（待分管领导签署明确意见）"))
    if m.decided_date:
        rows.append(("协调结果", f"{cn_date(m.decided_date)}：{m.decided_text}"))
    rows.append(("联系人", f"{s.contact}　电话：{s.phone}"))
    d.form_table(rows)
    d.signature(issuer, day, sealed=s.printing.sealed)
    return d


def _events_text(u: dict, title: str) -> str:
    """A unit's deductions and bonuses in short: each rule once, how many times, its points."""
    by: dict[str, list] = {}
    for e in u["events"]:
        by.setdefault(e.get("label") or score_label(e["rule"], title), []).append(e["points"])
    minus = [f"{lab}{len(p)}次{sum(p):g}分" for lab, p in by.items() if sum(p) < 0]
    plus = [f"{lab}{len(p)}次+{sum(p):g}分" for lab, p in by.items() if sum(p) > 0]
    parts = []
    if minus:
        parts.append(f"扣{-u['minus']:g}分（{'，'.join(minus)}）")
    if plus:
        parts.append(f"加{u['plus']:g}分（{'，'.join(plus)}）")
    return "；".join(parts) or "无扣分、加分"


def build_notice(reg: Registers, sheet: dict, number: str, day: dt.date) -> OfficialDocument:
    """得分情况通报 (seed §13 张榜公布并抄送组织部、纪工委): the ranking, each unit's deductions and bonuses in short."""
    s, basis = reg.settings, reg.rules.basis
    label = sheet["period"]["label"]
    title = f"关于{label}各单位工作落实考核得分情况的通报"
    d = OfficialDocument()
    d.properties(title, s.office, day, number)
    d.masthead(s.office, number)
    d.title(title)
    d.addressee(s.bulletin_to)
    cite = basis.cite(basis.scores)
    d.body((f"按照{cite}关于实行计分制考核、定期张榜公布的要求，" if cite else "按照实行计分制考核、定期张榜公布的要求，")
           + f"现将{label}各部门单位工作落实考核得分情况（基础分{sheet['base']:g}分，统计截至{cn_date(dt.date.fromisoformat(sheet['as_of']))}）"
           "通报如下。")
    active = [u for u in sheet["units"] if u["active"]]
    idle = [u for u in sheet["units"] if not u["active"]]
    fmt = score_format([u["score"] for u in active] + [u["minus"] for u in active] + [u["plus"] for u in active])
    d.heading(1, "一、得分排名")
    if active:
        d.table(["名次", "单位", "得分", "扣分", "加分"],
                [[str(u["rank"]), u["unit"], fmt(u["score"]), fmt(u["minus"]),
                  f"+{fmt(u['plus'])}" if u["plus"] else fmt(0)] for u in active],
                size=12, align=["center", "left", "center", "center", "center"], flex={1})
    else:
        d.body("本期没有计分的单位。")
    if idle:
        d.body(f"{'、'.join(u['unit'] for u in idle)}本期无应办结事项，不参加排名。")
    d.heading(1, "二、扣分和加分情况")
    listed = [u for u in active if u["events"]] + [u for u in idle if u["events"]]
    for n, u in enumerate(listed, 1):
        d.body(f"{n}.{u['unit']}：{_events_text(u, s.bulletin_title)}。")
    if not listed:
        d.body("本期各单位无扣分、加分。")
    d.heading(1, "三、有关要求")
    d.body("各单位要对照扣分情况逐项分析原因，抓好整改落实；考核得分与所有责任人挂钩、与绩效工资发放挂钩。"
           "每一项扣分、加分的事项、规则和日期，可向" + s.office + "查询核对。")
    d.signature(s.office, day, sealed=s.printing.sealed)
    d.banji(s.cc, s.print_organ, day, copies=s.printing.copies)
    return d


def build_proposal(reg: Registers, facts: list[dict], label: str, number: str, day: dt.date) -> OfficialDocument:
    """问责建议 to the bodies the office copies its scores to (settings.yaml `cc`: 组织部、纪工委): each fact that
    meets a trigger, marked 阶段性/临时性/年度, with the clause."""
    s, rules = reg.settings, reg.rules
    title = f"关于{label}工作落实问责情形的建议"
    d = OfficialDocument()
    d.properties(title, s.office, day, number)
    d.masthead(s.office, number)
    d.title(title)
    d.addressee("、".join(s.cc) or s.bulletin_to)
    ref = rules.accountability.get("clause", "")
    cite = rules.basis.cite(ref) if ref else ""
    d.body((f"按照{cite}关于阶段性问责、临时性问责和年度考核问责的规定，" if cite else
            "按照阶段性问责、临时性问责和年度考核问责的规定，")
           + f"经{s.office}核查，以下单位和事项达到问责情形，建议依规依纪予以问责。")
    present = [(pace, head) for pace, head in (("阶段性", "阶段性问责"), ("临时性", "临时性问责"), ("年度", "年度考核问责"))
               if any(f["pace"] == pace for f in facts)]
    for n, (pace, head) in enumerate(present):
        rows = [f for f in facts if f["pace"] == pace]
        d.heading(1, f"{'一二三'[n]}、{head}")
        for i, f in enumerate(rows, 1):
            d.body(f"{i}.{f['unit']}：{f['facts']}（{f['trigger']}）。")
    d.body("以上情形的事项、扣分和日期均有台账和账本记录可查。")
    d.signature(s.office, day, sealed=s.printing.sealed)
    d.banji((), s.print_organ, day)
    return d
