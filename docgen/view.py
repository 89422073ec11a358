"""How an item's standing is put in words: the one place the CLI, the slips, the bulletin and the spreadsheets
take their status phrases from, so a clerk reads the same words everywhere."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from .kinds import parse_number
from .registers import sources
from .registers.calendar import cn_date, cn_md, cn_md_in, cn_weekday
from .engine.status import BLUE, OVERDUE, RED, YELLOW, ItemStatus
from .engine.warnings import UNSIGNED

WARNING_TEXT = {RED: "红色预警（逾期）", BLUE: "蓝色预警（临期）", YELLOW: "黄色预警（退回整改）"}


def state_text(s: ItemStatus) -> str:
    """E.g. 逾期·红, 整改中·黄, 已销号."""
    return s.state + (f"·{s.warning}" if s.warning else "")


def warning_text(s: ItemStatus) -> str:
    return WARNING_TEXT.get(s.warning or "", "")


def progress_text(s: ItemStatus) -> str:
    """Where the item stands against its deadline: 已逾期N天 / 今日到期 / 剩余N个工作日 / 按期办结 / 逾期N天办结."""
    if s.is_open and s.state == OVERDUE:
        return f"已逾期{s.days_overdue}天"
    if s.workdays_left is not None:
        return left_text(s)
    if s.completed is not None:
        done = OBLIGATION_VERBS.get(s.item.source.kind, ("办结",))[0] if s.item.source.derived else "办结"
        return f"按期{done}" if s.on_time else f"逾期{s.days_overdue}天{done}"
    return ""


def _dated(s: ItemStatus) -> bool:
    """A deadline on a non-working day, before the day: its time left is told with its date."""
    return s.due_off and s.as_of < s.due


def left_text(s: ItemStatus) -> str:
    """An open item's time left: 今日到期 on the due date, 剩余N个工作日 before it; a deadline on a non-working day
    says its date (11月22日（星期日）到期，剩余0个工作日), never 今日到期 before the day."""
    if _dated(s):
        return f"{cn_md_in(s.due, s.as_of.year)}（{cn_weekday(s.due)}）到期，剩余{s.workdays_left}个工作日"
    return "今日到期" if s.workdays_left == 0 else f"剩余{s.workdays_left}个工作日"


def standing_text(s: ItemStatus, as_of: dt.date) -> str:
    """The last line of `docgen due 事项`: 截至…：办结时限…，state，progress."""
    p = progress_text(s)
    return f"截至{cn_date(as_of)}：办结时限{cn_date(s.due)}，{state_text(s)}" + (f"，{p}" if p else "")


def listing_text(s: ItemStatus) -> str:
    """The state column of a bulletin's item list: 逾期（已逾期N天）, 已销号（按期办结）…"""
    return with_progress(s.state, s)


def with_progress(label: str, s: ItemStatus) -> str:
    """A state and, in brackets, where the item stands: 逾期·红（已逾期3天）."""
    return bracket(label, progress_text(s))


def bracket(label: str, note: str) -> str:
    """label（note）; a note with brackets of its own (a deadline on a non-working day: 11月22日（星期日）到期…)
    follows after a comma instead, never brackets within brackets."""
    if not note:
        return label
    return f"{label}，{note}" if "（" in note else f"{label}（{note}）"


LEVEL_TEXT = {RED: "红色预警", YELLOW: "黄色预警", BLUE: "蓝色预警", "未签收": "回执未签收"}


ELLIPSIS = "……"  # the Chinese ellipsis is always two 省略号 (GB/T 15834)


def short_title(text: str, n: int = 14) -> str:
    """The text cut to at most n characters, the cut marked with ……"""
    return text if len(text) <= n else text[:max(n - len(ELLIPSIS), 1)] + ELLIPSIS


def duplex_text(duplex: bool) -> str:
    """How a print batch is to be printed, as settings.yaml's print.duplex says."""
    return "按双面打印" if duplex else "按单面打印"


def batch_note(duplex: bool) -> str:
    """The last line of a batch's 目录.txt."""
    return "每个单位的文件以一页封页开始" + (f"；{duplex_text(True)}，每份单据从新的一张纸开始" if duplex else "")


def over_page_text(slip: str, how: str) -> str:
    """A slip whose converted PDF ran over one page (the measure of documents/fit.py fell short), set again at
    the next step: what the run says of it."""
    return f"{slip}转换为 PDF 后超出一页（排版估算偏低），已按下一步重排并重新转换：{how}"


def minimum_rows_text(slip: str) -> str:
    """A slip over one page at the last step, set again with the 回执's two rows at their minimum heights."""
    return f"{slip}按最后一步排版仍超出一页，回执“签收单位（盖章）”“办理情况”两栏改为最小高度并重新转换"


def still_over_text(slip: str) -> str:
    """A slip still over one page at the last step: page numbers added, said."""
    return f"注意：{slip}按最后一步排版仍超出一页，已加页码；请精简事项表述"


def score_format(values) -> Callable[[float], str]:
    """How the scores of one table or document are written: whole numbers (98) unless any of them has a fraction,
    then every one with one decimal (98.0 beside 98.5)."""
    one = any(round(float(v) * 10) % 10 for v in values)
    return (lambda v: f"{float(v):.1f}") if one else (lambda v: f"{float(v):g}")


def without_unit(unit: str, text: str) -> str:
    """An item's text after its unit's name and a colon (良庄镇：…): the unit's name not said twice when the text
    begins with it (良庄镇秸秆禁烧… → 秸秆禁烧…)."""
    rest = text[len(unit):].lstrip("：:，,、　 ") if unit and text.startswith(unit) else ""
    return rest or text


def numbers_text(numbers) -> str:
    """Document numbers as a clerk lists them: each issuer's (机关代字 and year) in runs, in order of the first of
    each: 督交〔2026〕1—3号、5号，项交〔2026〕1号. A number of another shape is listed as it is."""
    runs: dict[str, list[int]] = {}
    other = []
    for n in numbers:
        parsed = parse_number(n)
        if parsed:
            prefix, year, seq = parsed
            runs.setdefault(f"{prefix}〔{year}〕", []).append(seq)
        else:
            other.append(n)
    parts = []
    for prefix, seqs in runs.items():
        seqs, spans = sorted(set(seqs)), []
        for q in seqs:
            if spans and q == spans[-1][1] + 1:
                spans[-1][1] = q
            else:
                spans.append([q, q])
        parts.append(prefix + "、".join(f"{a}号" if a == b else f"{a}—{b}号" for a, b in spans))
    return "，".join(parts + other)


# what a standing obligation asks, as a verb: 报送 a report, 召开 a meeting, 反馈 progress, 完成 a milestone
OBLIGATION_VERBS = {"report": ("报送", "专报"), "schedule": ("召开", "会议"), "feedback": ("反馈", "进展情况"),
                    "target": ("完成", "目标节点")}


def missing_text(s: ItemStatus, short: bool = False) -> str:
    """What a standing obligation still lacks and since when (warnings, remind): 应于10月20日前报送，截至10月26日
    尚未报送，自10月21日起已逾期6天; `short`, as the 催办单 prints it below its 办结时限 row: 尚未报送，自10月21日起已逾期6天.
    "" for any other item or one met."""
    verb = OBLIGATION_VERBS.get(s.item.source.kind)
    if verb is None or s.completed is not None:
        return ""
    head = f"尚未{verb[0]}" if short else f"应于{cn_md_in(s.due, s.as_of.year)}前{verb[0]}，截至{cn_md(s.as_of)}尚未{verb[0]}"
    if s.state == OVERDUE:
        return f"{head}，自{cn_md_in(s.due + dt.timedelta(days=1), s.as_of.year)}起已逾期{s.days_overdue}天"
    if s.workdays_left is not None:
        return f"{head}，{left_text(s)}"
    return f"{head}，期间已过（{s.state}）"


def basis_text(item, rules=None) -> str:
    """What assigns a standing obligation, in place of a 交办单 number: short (定期报告（无交办单）, the warning list),
    or with `rules` as a 催办单 prints it, on one line: 2026年度任务目标（无交办单）, 定期报告（每季度结束后10个工作日内
    报送，无交办单）."""
    d = sources.get(item.source.kind)
    what = d.label if d else item.source.kind
    if rules is not None:
        if item.source.kind == "target" and item.source.detail.get("year"):
            what = f"{item.source.detail['year']}年度任务目标"
        elif item.rule in rules.deadlines and item.rule != "explicit" and rules.deadlines[item.rule].clause:
            return f"{what}（{rules.deadlines[item.rule].clause}，无交办单）"
    return f"{what}（无交办单）"


def warned_text(w) -> str:
    """One line of the warning list (engine.warnings.Warned): why it is listed, in words a unit reads."""
    s = w.status
    if w.level == "未签收":
        return f"回执未签收（应于{cn_md_in(w.sign_by, s.as_of.year)}前签收）"
    if missing_text(s):
        return missing_text(s)
    due = f"办结时限{cn_md_in(s.due, s.as_of.year)}"
    if w.level == RED:
        return f"{due}，已逾期{s.days_overdue}天"
    if w.level == YELLOW:
        if s.rework:
            return f"核查未通过，退回整改，整改时限{cn_md_in(s.due, s.as_of.year)}"
        return f"{due}，到期后才申请延期"
    return left_text(s) if _dated(s) else f"{due}，{left_text(s)}"  # a dated one names its deadline already


def warn_lines(d) -> list[str]:
    """The warning list (`docgen warn`) of a day (outputs.daily.Day): the totals, then each unit and its entries."""
    total = {lv: sum(u.count(lv) for u in d.warned) for lv in (RED, YELLOW, BLUE, UNSIGNED)}
    out = [f"{cn_date(d.as_of)}预警清单：红色预警{total[RED]}项，黄色预警{total[YELLOW]}项，蓝色预警{total[BLUE]}项，"
           f"回执未签收{total[UNSIGNED]}份"]
    for u in d.warned:
        counts = "，".join(f"{LEVEL_TEXT[lv]}{u.count(lv)}" for lv in (RED, YELLOW, BLUE, UNSIGNED) if u.count(lv))
        out.append(f"{u.unit}（{counts}）")
        for w in u.entries:
            ref = w.slip or (basis_text(w.status.item) if w.status.item.source.standing else "未出具交办单")
            out.append(f"  {w.level}　{ref}　{short_title(w.status.item.text)}　{warned_text(w)}")
    return out


def warn_json(d) -> list[dict]:
    """The warning list as `docgen warn --json` prints it."""
    return [{"unit": u.unit, "items": [{"level": w.level, "item": w.status.item.id, "text": w.status.item.text,
                                         "slip": w.slip, "due": w.status.due.isoformat(),
                                         "days_overdue": w.status.days_overdue if w.level == "红" else 0,
                                         "workdays_left": w.status.workdays_left,
                                         "sign_by": w.sign_by.isoformat() if w.sign_by else None,
                                         "why": warned_text(w)} for w in u.entries]} for u in d.warned]


def appeal_lines(pending, title: str | None = None) -> list[str]:
    """The appeals awaiting a decision (`docgen warn`; refused notice): none, no lines."""
    from .registers.rules import score_label

    if not pending:
        return []
    out = [f"待决定的申诉{len(pending)}件（作出决定前不出具得分情况通报）："]
    for a in pending:
        out.append(f"  申诉　{a.unit}　{a.item}　「{score_label(a.rule, title)}」　{cn_date(a.date)}申诉：{a.reason}"
                   f"（{a.src}）")
    return out


# ---------------------------------------------------------------- the standalone documents' fixed wording
# (提请协调单, 得分情况通报, 问责建议: documents/standalone.py draws them; the register's text is not here)

def points_text(v: float) -> str:
    """A deduction or bonus in a table's 扣分 or 加分 column: its amount, the column's heading saying which (1.5,
    0.5, 0; whole numbers without .0). No sign: the ASCII hyphen-minus is not a minus sign, and the real one
    (U+2212) is missing from the 仿宋 of the font map, so it would be set in another font."""
    return f"{abs(float(v)):g}"


def points_words(v: float) -> str:
    """A deduction or bonus in words: 扣1分, 加0.5分."""
    return f"{'扣' if v < 0 else '加'}{abs(float(v)):g}分"


NONE_TEXT = "无"
REQUEST_TITLE = "提请协调单"
REQUEST_ROWS = ("协调事项", "主办部门", "涉及单位", "协调层级", "提请日期", "会商过程", "意见分歧")
REQUEST_PROPOSAL = ("决策建议", "办理建议")  # to the 主要领导 / 上会; to the others
REQUEST_EARLIER, REQUEST_OPINION, REQUEST_RESULT, REQUEST_CONTACT = "前期协调", "分管领导意见", "协调结果", "联系人"
REQUEST_NO_OPINION = "（待分管领导签署明确意见）"


def level_text(level: str) -> str:
    """A coordination's level as the 提请协调单 writes it."""
    return "提交会议研究" if level == "上会" else f"提请{level}协调"


def consulted_text(day: str, lead: str, units: str, result: str) -> str:
    return f"{day}，{lead}与{units}会商，{result}"


def earlier_text(level: str, mid: str, day: str, done: str) -> str:
    return f"{level}协调（{mid}，{day}提请）" + (f"；{done}" if done else "")


def contact_text(name: str, phone: str) -> str:
    return f"{name}　电话：{phone}"


def notice_title(label: str) -> str:
    return f"关于{label}各单位工作落实考核得分情况的通报"


def notice_opening(cite: str, label: str, base: str, as_of: str) -> str:
    return ((f"按照{cite}关于实行计分制考核、定期张榜公布的要求，" if cite else "按照实行计分制考核、定期张榜公布的要求，")
            + f"现将{label}各部门单位工作落实考核得分情况（基础分{base}分，统计截至{as_of}）通报如下。")


NOTICE_HEADINGS = ("一、得分排名", "二、扣分和加分情况", "三、有关要求")
NOTICE_COLUMNS = ("名次", "单位", "得分", "扣分", "加分")
NOTICE_NONE_RANKED = "本期没有计分的单位。"
NOTICE_NO_EVENTS = "本期各单位无扣分、加分。"
NO_EVENTS = "无扣分、加分"


def idle_text(units: list[str]) -> str:
    return f"{'、'.join(units)}本期无应办结事项，不参加排名。"


def events_text(minus: float, plus: float, by: dict[str, list[float]]) -> str:
    """A unit's deductions and bonuses in short, each rule once with how many times and its points:
    扣2分（逾期未办结1次扣1分，逾期每满1周2次扣1分）；加0.5分（按期办结1次加0.5分）."""
    parts = []
    for total, sign in ((minus, -1), (plus, 1)):
        rules = [f"{lab}{len(p)}次{points_words(sum(p))}" for lab, p in by.items() if sum(p) * sign > 0]
        if rules:
            parts.append(f"{points_words(total)}（{'，'.join(rules)}）")
    return "；".join(parts) or NO_EVENTS


def notice_demand(office: str) -> str:
    return ("各单位要对照扣分情况逐项分析原因，抓好整改落实；考核得分与所有责任人挂钩、与绩效工资发放挂钩。"
            f"每一项扣分、加分的事项、规则和日期，可向{office}查询核对。")


def proposal_title(label: str) -> str:
    return f"关于{label}工作落实问责情形的建议"


def proposal_opening(cite: str, office: str) -> str:
    return ((f"按照{cite}关于阶段性问责、临时性问责和年度考核问责的规定，" if cite else
             "按照阶段性问责、临时性问责和年度考核问责的规定，")
            + f"经{office}核查，以下单位和事项达到问责情形，建议依规依纪予以问责。")


PROPOSAL_PACES = (("阶段性", "阶段性问责"), ("临时性", "临时性问责"), ("年度", "年度考核问责"))
PROPOSAL_CLOSING = "以上情形的事项、扣分和日期均有台账和账本记录可查。"
CN_ORDINALS = "一二三四五六七八九十"
NUMBERED_PENDING = "；编号已登记，再次运行将补齐"  # a standalone document numbered whose conversion failed


def write_failed_text(where, full: bool, why: str, number: str) -> str:
    """A standalone document numbered (and committed) whose files could not all be written."""
    return (f"写入失败：{where}（{'磁盘已满' if full else why}）。{number}已编号并登记，文件未全部生成；"
            f"{'腾出磁盘空间' if full else '问题解决'}后再次运行将补齐，编号不变")


def unarchived_text(name: str, number: str, command: str) -> str:
    """`docgen archive verify`: a standalone document recorded, not archived, its output copies as recorded."""
    return f"{name} {number}的输出副本与账本记录相符：运行 {command} 即补齐归档"


def unfinished_text(name: str, number: str, issued: dt.date, command: str) -> str:
    """`docgen check`: a standalone document numbered whose files were never made (its run was killed or its
    conversion failed), and the command that finishes it under its number."""
    return f"{name} {number}已编号，文件尚未生成（运行被中断或转换失败）：运行 {command} 补齐（编号和日期{issued.isoformat()}不变）"


def no_matter_text(matter_id: str, hint: str, any_matter: bool) -> str:
    return f"台账中没有协调事项「{matter_id}」{hint}" + ("" if any_matter else "（coordination 中尚未登记协调事项）")


def department_matter_text(matter_id: str, src) -> str:
    return f"协调事项「{matter_id}」的层级是部门会商：由主办部门与有关单位自行会商解决，不出具提请协调单（{src}）"


def request_too_early_text(day: dt.date, matter_id: str, date: dt.date) -> str:
    return f"出具日期 {day.isoformat()} 早于协调事项「{matter_id}」的提请日期 {date.isoformat()}"


def notice_refused_text(label: str) -> str:
    """The score notice of a period refused while an appeal awaits its decision (after appeal_lines)."""
    return (f"{label}的得分情况通报未出具，未编号：请先在 progress 中登记申诉决定（type: 申诉决定，"
            "decision: 撤销 或 维持）")


def proposed_meanwhile_text(taken: int, listed: int, by: list[str]) -> str:
    """`accountability --issue`: another run (a clerk at the same time) proposed some of the facts this one listed."""
    return (f"本次列出的{listed}项问责情形中，有{taken}项已由同时运行出具的问责建议 {'、'.join(by)} 提出：本次未编号、"
            "未生成文件。请再次运行 docgen accountability 查看尚未提出的情形")


def proposal_issued_text(number: str, listed: int, issued: dt.date) -> str:
    """`accountability --issue` whose facts were all proposed by a 问责建议 issued meanwhile or earlier that day."""
    return f"{listed}项问责情形已由问责建议 {number}提出，不另编号（{issued.isoformat()}出具）"


def facts_heading(label: str, new: int, old: int) -> str:
    """The first line of `docgen accountability`."""
    return f"{label}问责情形：{new}项" + (f"（另有{old}项已提出问责建议，不再列出）" if old else "")


def event_text(e) -> tuple[str, str]:
    """What a progress entry says in an item's history (the board's and the platform's): (what happened, note)."""
    what = {"核查": "核查" + ("通过，销号" if e.passed else "未通过，退回整改"),
            "延期批复": "延期批复：" + ("同意" if e.granted else "不同意"),
            "签收": f"签收{e.slip}（{e.signer}）"}.get(e.type, e.type)
    note = e.note or e.reason or ""
    if e.until and e.type in ("延期申请", "延期批复"):
        note = f"延至{cn_date(e.until)}" + (f"；{note}" if note else "")
    return what, note


def undrawable_text(where, chars: list[str]) -> str:
    """`check`'s warning for register text with characters no installed font draws (documents.metrics)."""
    shown = "、".join(f"「{c}」（U+{ord(c):04X}）" for c in chars[:5]) + ("等" if len(chars) > 5 else "")
    return f"{where}：{shown}没有字体能打印，PDF 和纸面上会印成一个方框（常见于从聊天软件复制来的表情符号）；请改用文字"
