"""The standalone documents (kinds.py `standalone`), drawn with the layout module (GB/T 9704-2012): the
提请协调单 of a coordination matter, the 得分情况通报 of a period (张榜公布), the 问责建议 of the facts that meet a
trigger. Each is drawn from plain data; names come from settings.yaml, never from code."""
from __future__ import annotations

import datetime as dt

from ..registers.calendar import cn_date
from ..registers.coordination import PRINCIPAL, Matter
from ..registers.model import Registers
from ..registers.rules import score_label
from .. import view as V
from ..view import score_format
from .gbt9704 import OfficialDocument


def _issuer(reg: Registers) -> str:
    s = reg.settings
    return s.issuers[s.default_issuer].name if s.default_issuer in s.issuers else s.office


def build_request(reg: Registers, m: Matter, first: Matter | None, number: str, day: dt.date,
                  page_numbers: bool = False) -> OfficialDocument:
    """提请协调单: the matter, its 主办部门 and 涉及单位, the consultation's course and disagreements, the proposal,
    the earlier coordination (主要领导/上会) and the 分管领导's opinion. Its words are view.py's. A form of one
    page has no page number; one whose texts run over a page is drawn again with them (page_numbers)."""
    s = reg.settings
    issuer = _issuer(reg)
    d = OfficialDocument(page_numbers=page_numbers)
    d.properties(f"{m.text}{V.REQUEST_TITLE}", issuer, day, number, m.lead)
    d.title(f"{issuer}\n{V.REQUEST_TITLE}", blank_before=0)
    d.number_line(number)
    course = "\n".join(V.consulted_text(cn_date(c.date), m.lead, "、".join(c.units), c.result) for c in m.consulted)
    disagree = "；".join(c.disagreement for c in m.consulted if c.disagreement)
    values = (m.text, m.lead, "、".join(m.units) or V.NONE_TEXT, V.level_text(m.level), cn_date(m.date),
              course or V.NONE_TEXT, disagree or V.NONE_TEXT)
    rows = list(zip(V.REQUEST_ROWS, values))
    rows.append((V.REQUEST_PROPOSAL[0 if m.level in PRINCIPAL else 1], m.proposal or V.NONE_TEXT))
    if first is not None:
        done = f"{cn_date(first.decided_date)}{V.REQUEST_RESULT}：{first.decided_text}" if first.decided_date else ""
        rows.append((V.REQUEST_EARLIER, V.earlier_text(first.level, first.id, cn_date(first.date), done)))
    if m.opinion is not None:
        when = f"　{cn_date(m.opinion.date)}" if m.opinion.date else ""
        rows.append((V.REQUEST_OPINION, f"{m.opinion.text}\n{m.opinion.by}{when}"))
    else:
        rows.append((V.REQUEST_OPINION, V.REQUEST_NO_OPINION))
    if m.decided_date:
        rows.append((V.REQUEST_RESULT, f"{cn_date(m.decided_date)}：{m.decided_text}"))
    rows.append((V.REQUEST_CONTACT, V.contact_text(s.contact, s.phone)))
    d.form_table(rows)
    d.signature(issuer, day, sealed=s.printing.sealed)
    return d


def _events_text(u: dict, title: str) -> str:
    """A unit's deductions and bonuses in short: each rule once, how many times, its points."""
    by: dict[str, list] = {}
    for e in u["events"]:
        by.setdefault(e.get("label") or score_label(e["rule"], title), []).append(e["points"])
    return V.events_text(u["minus"], u["plus"], by)


def build_notice(reg: Registers, sheet: dict, number: str, day: dt.date,
                 banji_numbered: bool = True) -> OfficialDocument:
    """得分情况通报 (seed §13 张榜公布并抄送组织部、纪工委): the ranking, each unit's deductions and bonuses in short.
    Scores and points as the bulletin prints them (view.score_format, view.points_text).
    `banji_numbered` False: the 版记 page follows a blank page and has no page number (7.5)."""
    s, basis = reg.settings, reg.rules.basis
    label = sheet["period"]["label"]
    title = V.notice_title(label)
    d = OfficialDocument()
    d.properties(title, s.office, day, number)
    d.masthead(s.office, number)
    d.title(title)
    d.addressee(s.bulletin_to)
    d.body(V.notice_opening(basis.cite(basis.scores), label, f"{sheet['base']:g}",
                            cn_date(dt.date.fromisoformat(sheet["as_of"]))))
    active = [u for u in sheet["units"] if u["active"]]
    idle = [u for u in sheet["units"] if not u["active"]]
    fmt = score_format([u["score"] for u in active])
    d.heading(1, V.NOTICE_HEADINGS[0])
    if active:
        d.table(list(V.NOTICE_COLUMNS),
                [[str(u["rank"]), u["unit"], fmt(u["score"]), V.points_text(u["minus"]), V.points_text(u["plus"])]
                 for u in active],
                size=12, align=["center", "left", "center", "center", "center"], flex={1})
    else:
        d.body(V.NOTICE_NONE_RANKED)
    if idle:
        d.body(V.idle_text([u["unit"] for u in idle]))
    d.heading(1, V.NOTICE_HEADINGS[1])
    listed = [u for u in active if u["events"]] + [u for u in idle if u["events"]]
    for n, u in enumerate(listed, 1):
        d.body(f"{n}.{u['unit']}：{_events_text(u, s.bulletin_title)}。")
    if not listed:
        d.body(V.NOTICE_NO_EVENTS)
    d.heading(1, V.NOTICE_HEADINGS[2])
    d.body(V.notice_demand(s.office))
    d.signature(s.office, day, sealed=s.printing.sealed)
    # no 共印N份: print.copies is the 《督导通报》's print run, and 7.4.3 puts 印发 right on the last rule
    d.banji(s.cc, s.print_organ, day, duplex=s.printing.duplex, numbered=banji_numbered)
    return d


def _condition(trigger: str, head: str, cite: str) -> str:
    """A fact's trigger as its section prints it: without the pace its heading names (临时性问责：) and without the
    clause the opening cites (，泰高管发〔2021〕11号第14条); another clause (a year_clause) is kept."""
    if trigger.startswith(f"{head}："):
        trigger = trigger[len(head) + 1:]
    if cite and trigger.endswith(f"，{cite}"):
        trigger = trigger[:-len(cite) - 1]
    return trigger


def build_proposal(reg: Registers, facts: list[dict], label: str, number: str, day: dt.date,
                   banji_numbered: bool = True) -> OfficialDocument:
    """问责建议 to the bodies the office copies its scores to (settings.yaml `cc`: 组织部、纪工委): each fact that
    meets a trigger, marked 阶段性/临时性/年度, with the clause. `banji_numbered` as for the notice."""
    s, rules = reg.settings, reg.rules
    title = V.proposal_title(label)
    d = OfficialDocument()
    d.properties(title, s.office, day, number)
    d.masthead(s.office, number)
    d.title(title)
    d.addressee("、".join(s.cc) or s.bulletin_to)
    ref = rules.accountability.get("clause", "")
    cite = rules.basis.cite(ref) if ref else ""
    d.body(V.proposal_opening(cite, s.office))
    present = [(pace, head) for pace, head in V.PROPOSAL_PACES if any(f["pace"] == pace for f in facts)]
    for n, (pace, head) in enumerate(present):
        rows = [f for f in facts if f["pace"] == pace]
        d.heading(1, f"{V.CN_ORDINALS[n]}、{head}")
        for i, f in enumerate(rows, 1):
            d.body(f"{i}.{f['unit']}：{f['facts']}（{_condition(f['trigger'], head, cite)}）。")
    d.body(V.PROPOSAL_CLOSING)
    d.signature(s.office, day, sealed=s.printing.sealed)
    d.banji((), s.print_organ, day, duplex=s.printing.duplex, numbered=banji_numbered)
    return d
