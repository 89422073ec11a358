"""A sample official document (3 pages) that uses every GB/T 9704 element docgen lays out.

Its content is real: the office's deadline rules as docgen applies them (rules.yaml), its names from settings.yaml."""
from __future__ import annotations

import datetime as dt

from ..registers.model import Settings
from ..registers.rules import Rules
from ..registers.recurring import recurring_deadlines
from .gbt9704 import OfficialDocument


def build_sample(settings: Settings, rules: Rules, date: dt.date, banji_numbered: bool = True) -> OfficialDocument:
    """`banji_numbered` False: the 版记 page follows a blank page and has no page number (7.5; the `sample`
    command draws it so when the PDF of the first drawing shows the blank page)."""
    d = OfficialDocument()
    basis = rules.basis
    organ = basis.number.split("〔")[0] if "〔" in basis.number else "示例文"
    d.masthead(settings.committee, f"{organ}〔{date.year}〕15号", copy_no="000001", secret="秘密★1年",
               urgency="加急")
    title = "关于进一步规范督导事项交办催办和整改工作的通知"
    d.properties(title, settings.committee, date, f"{organ}〔{date.year}〕15号")
    d.title(title)
    d.addressee(settings.bulletin_to)
    cite = f"为贯彻落实{basis.number}《{basis.title}》，" if basis.number else ""
    d.body(f"{cite}为提高督导工作效率，现就规范督导事项交办、催办和整改工作通知如下。")
    d.heading(1, "一、严格限时办结")
    d.heading(2, "（一）办结时限。", "各类督导事项按下表时限办结并反馈：")
    # the deadlines of the work assigned: not those rules.yaml's reports and schedules bring (registers/recurring.py)
    recurring = recurring_deadlines(rules)
    deadlines = {rid: r for rid, r in rules.deadlines.items() if rid not in recurring}
    rows = [[r.label, r.period_text(), r.report_to] for rid, r in deadlines.items() if rid != "explicit"]
    d.table(["事项类别", "办结时限", "反馈对象"], rows, flex={0})
    d.heading(2, "（二）延期办理。", "特殊情况需要延长办理时间的，须在到期前向交办机构书面报告并说明原因。")
    d.heading(1, "二、统一编号下发")
    d.heading(2, "（一）统一编号。", "交办单、催办单和整改单由督导工作专班统一编号。")
    d.heading(3, "1.编号规则。", "按单据种类、按年度分别编号。")
    d.heading(4, "（1）机关代字。", "各编号机构的机关代字在设置文件中登记，不得重复。")
    d.heading(1, "三、强化考核问责")
    d.body("督导工作专班每季度小结一次扣分情况，定期将各部门单位的工作落实考核得分张榜公布，并抄送组织部、纪工委。")
    d.attachments_note(["督导事项办结时限依据"])
    d.signature(settings.committee, date, sealed=settings.printing.sealed)
    d.note(f"联系人：{settings.contact}，电话：{settings.phone}")
    d.attachment_page("督导事项办结时限依据")
    arows = [[str(i), r.label, rules.clause(rid) or r.clause]
             for i, (rid, r) in enumerate(deadlines.items(), 1)]
    d.table(["序号", "事项类别", "依据"], arows, flex={1, 2})
    d.banji(settings.cc, settings.print_organ, date, duplex=settings.printing.duplex, numbered=banji_numbered)
    return d
