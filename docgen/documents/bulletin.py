"""The periodic bulletin (《督导通报》, or as settings.yaml `bulletin.title` names it; slips.md; rules.md §5), with the
简报-style masthead."""
from __future__ import annotations


import datetime as dt
import re
from types import SimpleNamespace

from ..registers.calendar import cn_date, cn_md, cn_md_in
from ..core.diagnostics import DocgenError
from ..engine.figures import Figures
from ..registers import sources
from ..registers.model import DEFAULT_TERM, DEFAULT_TITLE, Registers
from ..view import listing_text, points_text, score_format, without_unit
from .gbt9704 import OfficialDocument


def pct(c) -> str:
    return "—" if c.on_time_rate is None else f"{c.on_time_rate:.1f}%"


def view_words(view: dict) -> tuple[str, str]:
    """The office's words a bulletin view was made with: (its title, the term of its fixed phrases). A view
    recorded before settings.yaml named them has none: that bulletin was issued as 督导通报, in 督导's words."""
    w = view.get("words") or {}
    return w.get("title") or DEFAULT_TITLE, w.get("term") or DEFAULT_TERM


def bulletin_view(f: Figures, assigned_by: dict[str, tuple[str, str]], base: float,
                  title: str = DEFAULT_TITLE, term: str = DEFAULT_TERM) -> dict:
    """Everything a bulletin prints, as plain data: recorded in the ledger when the bulletin closes its period,
    so the bulletin can be drawn again exactly as issued, in the office's words of that day (title, term:
    settings.yaml `bulletin.title`, `office.term`), under its file name of that day.
    assigned_by: item -> (the kind of the slip that assigned it, its number): 交办单, or a finding's 整改通知单."""
    from ..engine.figures import score_view
    from ..engine.recurring import recurring_view

    items = []
    for st in sorted(f.items, key=lambda x: (x.original.due, x.item.id)):
        state = listing_text(st)
        items.append({"id": st.item.id, "source": sources.label(st.item.source_kind, term), "text": st.item.text,
                      "lead": st.item.lead, "due": cn_md_in(st.due, f.as_of.year),
                      "state": state, "assign": assigned_by.get(st.item.id, ("", "—"))[1]})
    return {
        "words": {"title": title, "term": term},
        "period": f.period.as_dict(), "as_of": f.as_of.isoformat(),
        "total": f.total.as_dict(), "by_source": {k: f.by_source[k].as_dict() for k in sources.kinds() if k in f.by_source},
        "scores": score_view(f, base),
        "overdue": [{"id": s.item.id, "lead": s.item.lead, "text": s.item.text,
                     "assign": assigned_by.get(s.item.id, ("", None))[1],
                     "assign_kind": assigned_by.get(s.item.id, ("", None))[0],
                     "due": s.due.isoformat(), "days_overdue": s.days_overdue, "times": f.streak.get(s.item.id, 0) + 1}
                    for s in f.overdue],
        "late_done": [{"id": s.item.id, "lead": s.item.lead, "text": s.item.text, "due": s.due.isoformat(),
                       "completed": s.completed.isoformat(), "days_late": s.days_overdue} for s in f.late_done],
        "new": {"total": len(f.new), **{k: sum(1 for s in f.new if s.item.source_kind == k) for k in sources.kinds()
                                        if k in f.by_source}},
        "meetings": [{"title": src.title, "date": src.date.isoformat(), **c.as_dict()} for src, c in f.meetings],
        "items": items,
        # the work that recurs (engine/recurring.py): only when the period has some, so a bulletin without it is
        # recorded (and drawn) as before
        **({"recurring": rec} if (rec := recurring_view(f.standing)) else {}),
    }


def text_context(reg: Registers, view: dict) -> dict:
    """What the bulletin's sentence templates (templates/通报/*.j2) can name: plain values, Chinese dates."""
    return sentence_context(view, reg.rules.explain_days, reg.settings.office)


DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一, 100 → 一百 (the 层次序数 （一）…（二十一）)."""
    if n < 10:
        return DIGITS[n]
    if n < 20:
        return "十" + (DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return DIGITS[n // 10] + "十" + (DIGITS[n % 10] if n % 10 else "")
    return str(n)


def list_no(i: int) -> str:
    """The number of the i-th (from 1) entry of a list under a 一、 heading: （一）, （二）… (GB/T 9704 7.3.3)."""
    return f"（{cn_number(i)}）"


def sentence_context(view: dict, explain_days: int, office: str) -> dict:
    """Only what the view recorded: a source declared after it was recorded is not in it (and counts nothing).
    Each entry of a list carries `no`, its 层次序数 in that list: （一）, （二）…, every list starting again.
    `title` and `term` are the office's words the view was made with (督导通报, 督导 in a view older than them)."""
    ns = SimpleNamespace
    title, term = view_words(view)
    total = view["total"]
    new = view["new"]
    # printed after "单位：": the text without the unit's name when it begins with it (not 良庄镇：良庄镇…)
    overdue = [{**o, "text": without_unit(o["lead"], o["text"]), "due": cn_date(dt.date.fromisoformat(o["due"])),
                "no": list_no(i)} for i, o in enumerate(view["overdue"], 1)]
    late = [{**o, "text": without_unit(o["lead"], o["text"]), "due": cn_date(dt.date.fromisoformat(o["due"])),
             "completed": cn_date(dt.date.fromisoformat(o["completed"])), "no": list_no(i)}
            for i, o in enumerate(view["late_done"], 1)]
    return {
        "as_of": cn_date(dt.date.fromisoformat(view["as_of"])),
        "total": {**total, "rate": pct(ns(**total))},
        "new": {"total": new["total"], "kinds": [{"name": sources.label(k, term), "count": new[k]}
                                                 for k in sources.recorded_order(new) if new[k]]},
        "meetings": [{**m, "rate": pct(ns(**m))} for m in view["meetings"]],
        "by_source": [{**c, "name": sources.label(k, term), "rate": pct(ns(**c))} for k, c in view["by_source"].items()
                      if c["due"]],
        "overdue": overdue, "late_done": late, "explain_days": explain_days, "office": office,
        "title": title, "term": term, **recurring_context(view.get("recurring") or {}),
    }


def _cn(iso: str | None) -> str:
    return cn_date(dt.date.fromisoformat(iso)) if iso else ""


def recurring_context(rec: dict) -> dict:
    """The names the sections on the work that recurs print (templates/通报/年度目标推进情况.j2 …): dates in Chinese,
    each list's entries numbered （一）（二）…, the units of a report's lists also joined with 、."""
    targets = [{**t, "no": list_no(i), "co": "、".join(t["co"]),
                "milestones": [{**m, "by": _cn(m["by"])} for m in t["milestones"]]}
               for i, t in enumerate(rec.get("targets", []), 1)]
    reports = []
    for i, r in enumerate(rec.get("reports", []), 1):
        names = {k: "、".join(u["unit"] for u in r.get(k, [])) for k in ("on_time", "late", "missing", "open")}
        reports.append({**r, "no": list_no(i), "due": _cn(r["due"]), "open": r.get("open", []),
                        "late": [{**u, "date": _cn(u["date"])} for u in r["late"]],
                        **{f"{k}_units": v for k, v in names.items()}})
    meetings = [{**m, "no": list_no(i), "due": _cn(m["due"]), "held": _cn(m["held"]),
                 "due_md": _md(m["due"]), "held_md": _cn(m["held"]) if m["held"] and m["held"][:4] != m["due"][:4]
                 else _md(m["held"]) if m["held"] else ""}
                for i, m in enumerate(rec.get("meetings", []), 1)]
    projects = [{**p, "no": list_no(i), "meetings": [{**m, "due": _cn(m["due"]), "held": _cn(m["held"])}
                                                     for m in p["meetings"]], "kinds": _by_kind(p["meetings"])}
                for i, p in enumerate(rec.get("projects", []), 1)]
    return {"targets": targets, "reports": reports, "schedules": meetings, "projects": projects}


def _md(iso: str) -> str:
    return cn_md(dt.date.fromisoformat(iso))


def _by_kind(meetings: list[dict]) -> list[dict]:
    """A project's meetings of the period by kind, so a sentence reads 项目调度会召开3次（7月17日、8月21日、9月15日）:
    for each kind (in the order first due) the dates held (month and day: the period names the year), those held
    late (逾期N天), and the periods with none held (未召开) or not yet due."""
    kinds: dict[str, dict] = {}
    for m in meetings:
        k = kinds.setdefault(m["kind"], {"kind": m["kind"], "held": [], "late": [], "missed": [], "open": []})
        if m["held"]:
            k["held"].append(_md(m["held"]))
            if m["state"] != "按期召开":
                k["late"].append(f"{m['period']}{m['kind']}{m['state']}")
        elif m["state"] == "未召开":
            k["missed"].append(m["period"])
        else:
            k["open"].append(m["period"])
    return [{**k, "held_dates": "、".join(k["held"]), "late_text": "，".join(k["late"]),
             "missed_periods": "、".join(k["missed"])} for k in kinds.values()]


# the sections on the work that recurs, after 各单位落实情况: (heading = its sentence template, the names it prints)
RECURRING_SECTIONS = (("年度目标推进情况", ("targets",)), ("定期报告报送情况", ("reports",)),
                      ("项目调度情况", ("meetings", "projects")))


def sample_contexts() -> list[dict]:
    """What `templates check` renders the sentence templates with: the context text_context makes from two
    bulletin views shaped as bulletin_view makes them (tests/test_sandbox.py checks the shapes against a real one):
    one where every count is non-zero and every list has entries (an overdue item with its 交办单 and named again,
    one without; a report with units on time, late, missing and not yet due; meetings held on time, held late,
    and not held; a project's meetings of one kind held on time and late, of another missed, of a third not yet
    due), so that every branch of a shipped template runs; and one where nothing fell due."""
    from ..engine.figures import Counts

    some = Counts(due=6, completed=4, on_time=3, late=1, in_progress=1, overdue=1, extended=1).as_dict()
    none = Counts().as_dict()
    full = {
        "as_of": "2026-09-30", "total": some, "by_source": {k: some for k in sources.kinds()},
        "overdue": [{"id": "〔事项〕", "lead": "〔牵头单位〕", "text": "〔事项内容〕", "assign": "〔交办单编号〕",
                     "assign_kind": "交办单", "due": "2026-09-01", "days_overdue": 20, "times": 2},
                    {"id": "〔事项〕", "lead": "〔牵头单位〕", "text": "〔事项内容〕", "assign": None, "assign_kind": None,
                     "due": "2026-09-20", "days_overdue": 8, "times": 1}],
        "late_done": [{"id": "〔事项〕", "lead": "〔牵头单位〕", "text": "〔事项内容〕", "due": "2026-08-10",
                       "completed": "2026-08-20", "days_late": 8}],
        "new": {"total": len(sources.kinds()), **{k: 1 for k in sources.kinds()}},
        "meetings": [{"title": "〔会议名称〕", "date": "2026-07-01", **some}],
        "recurring": {
            "targets": [{"id": "〔目标〕", "text": "〔年度目标〕", "lead": "〔牵头单位〕", "co": ["〔配合单位〕"],
                         "owner": "〔责任人〕", "leader": "〔分管领导〕", "behind": True,
                         "milestones": [{"item": "〔节点〕", "text": "〔节点要求〕", "by": "2026-09-30",
                                         "state": "已逾期5天未完成", "on_time": False}]}],
            "reports": [{"rule": "〔报告〕", "period": "〔期间〕", "text": "〔专报〕", "to": "〔报送对象〕",
                         "due": "2026-07-15", "total": 3, "on_time": [{"unit": "〔单位〕", "days": 0, "date": "2026-07-10"}],
                         "late": [{"unit": "〔单位〕", "days": 2, "date": "2026-07-17"}],
                         "missing": [{"unit": "〔单位〕", "days": 8}], "open": []},
                        {"rule": "〔报告〕", "period": "〔期间〕", "text": "〔专报〕", "to": "", "due": "2026-09-30",
                         "total": 1, "on_time": [], "late": [], "missing": [], "open": [{"unit": "〔单位〕"}]}],
            "meetings": [{"item": "〔会议〕", "kind": "〔会议类别〕", "period": "〔期间〕", "lead": "〔单位〕",
                          "due": "2026-07-21", "held": None, "state": "未召开"},
                         {"item": "〔会议〕", "kind": "〔会议类别〕", "period": "〔期间〕", "lead": "〔单位〕",
                          "due": "2026-08-21", "held": "2026-08-25", "state": "逾期4天召开"}],
            "projects": [{"id": "〔项目〕", "name": "〔项目名称〕", "leader": "〔包保领导〕", "lead": "〔牵头单位〕",
                          "meetings": [{"item": "〔会议〕", "kind": "〔会议类别〕", "period": "〔期间〕", "lead": "〔单位〕",
                                        "due": "2026-07-31", "held": "2026-07-20", "state": "按期召开"}]},
                         {"id": "〔项目〕", "name": "〔项目名称〕", "leader": "〔包保领导〕", "lead": "〔牵头单位〕",
                          "meetings": [{"item": "〔会议〕", "kind": "〔会议类别〕", "period": "〔期间〕", "lead": "〔单位〕",
                                        "due": "2026-08-31", "held": "2026-09-02", "state": "逾期2天召开"},
                                       {"item": "〔会议〕", "kind": "〔另一会议类别〕", "period": "〔期间〕", "lead": "〔单位〕",
                                        "due": "2026-08-31", "held": None, "state": "未召开"},
                                       {"item": "〔会议〕", "kind": "〔第三类会议〕", "period": "〔期间〕", "lead": "〔单位〕",
                                        "due": "2026-10-31", "held": None, "state": "尚未到期"}]}]},
    }
    empty = {"as_of": "2026-09-30", "total": none, "by_source": {k: none for k in sources.kinds()}, "overdue": [],
             "late_done": [], "new": {"total": 0, **{k: 0 for k in sources.kinds()}}, "meetings": []}
    words = {"title": DEFAULT_TITLE, "term": DEFAULT_TERM}  # what a bulletin of an office that names none says
    return [sentence_context({**v, "words": words}, 5, "〔专班名称〕") for v in (full, empty)]


def text_environment():
    """The environment the sentence templates are rendered in: sandboxed, plain text, every name defined."""
    from .sandbox import environment

    return environment(autoescape=False, strict=True, trim_blocks=True, lstrip_blocks=True, output=TEXT_OUTPUT)


TEXT_OUTPUT = 1_000_000  # characters a sentence template may write: a bulletin is a few pages


def render_text(source: str, ctx: dict) -> str:
    return text_environment().from_string(source).render(**ctx)


HEADING2 = re.compile(r"^(（[一二三四五六七八九十]+）[^。]*。)(.*)$")
HEADING2_LEAD = re.compile(r"^(（[一二三四五六七八九十]+）[^。：]*：)(.*)$")  # （一）北集坡街道：…
HEADING3 = re.compile(r"^(\d+\.[^：]*：)(.*)$")


def sentences(d: OfficialDocument, reg: Registers, name: str, ctx: dict) -> None:
    """A section's sentences from its Jinja2 text template: each line a paragraph; （一）…： and （一）…。 lines as
    二级标题 and 1.…： lines as 三级标题, the rest of the line run on in the body face."""
    from . import template_files as T
    from .sandbox import describe

    path, source = T.text_source(reg.root, name)  # a regular file of at most MAX_TEXT bytes, or a DocgenError
    title = ctx.get("title") or DEFAULT_TITLE
    try:
        text = render_text(source, ctx)
    except Exception as e:  # noqa: BLE001 - refused by the sandbox, or an expression of the template that fails
        raise DocgenError(f"模板 {path}：无法生成《{title}》的“{name}”（{describe(e, source)}）") from None
    bad = T.unprintable_text(text)
    if bad:
        raise DocgenError(f"模板 {path}：无法生成《{title}》的“{name}”（{bad}）")
    for line in text.split("\n"):  # only the template's own line breaks start a paragraph
        line = line.strip()
        if not line:
            continue
        m2, m3 = HEADING2_LEAD.match(line) or HEADING2.match(line), HEADING3.match(line)
        if m2:
            d.heading(2, m2.group(1), m2.group(2))
        elif m3:
            d.heading(3, m3.group(1), m3.group(2))
        else:
            d.body(line)


def build_bulletin(reg: Registers, view: dict, number: str, seq: int, issued: dt.date,
                   banji_numbered: bool = True) -> OfficialDocument:
    """seq 0 is a draft: its 期数 line reads as `number` (草稿). `banji_numbered` False: the 版记 page follows a
    blank page and has no page number (7.5), as the PDF of the first drawing shows (transaction.banji_recheck)."""
    s = reg.settings
    ns = lambda d: SimpleNamespace(**d)  # noqa: E731
    period = ns(view["period"])
    period.start, period.end = dt.date.fromisoformat(period.start), dt.date.fromisoformat(period.end)
    as_of = dt.date.fromisoformat(view["as_of"])
    total = ns(view["total"])
    by_source = {k: ns(v) for k, v in view["by_source"].items()}
    units = [ns({**u, "counts": ns(u["counts"])}) for u in view["scores"]["units"]]
    title, term = view_words(view)
    d = OfficialDocument()
    d_issuer = s.issuers[s.bulletin_issuer].name if s.bulletin_issuer in s.issuers else s.office
    d.properties(f"关于{period.label}重点工作落实情况的通报", d_issuer, issued, f"{title}{number}")
    d.bulletin_masthead(title, f"第{seq}期" if seq else number, s.office, issued)
    d.title(f"关于{period.label}重点工作落实情况的通报", blank_before=1)
    basis = reg.rules.basis
    d.addressee(s.bulletin_to)
    d.body((f"根据{basis.number}《{basis.title}》，" if basis.number else "") + f"现将{period.label}"
           f"（{cn_date(period.start)}至{cn_date(period.end)}）{term}事项落实情况通报如下。统计截至{cn_date(as_of)}。")

    texts = text_context(reg, view)
    d.heading(1, "一、总体情况")
    sentences(d, reg, "总体情况", texts)
    if any(c.due for c in by_source.values()):
        d.table(["来源", "应办结", "已办结", "按期办结", "正在办理", "逾期", "延期", "按期办结率"],
                [[sources.label(k, term), *(str(x) for x in (c.due, c.completed, c.on_time, c.in_progress, c.overdue,
                                                         c.extended)), pct(c)]
                 for k, c in by_source.items() if c.due]
                + [["合计", *(str(x) for x in (total.due, total.completed, total.on_time, total.in_progress,
                                              total.overdue, total.extended)), pct(total)]],
                size=12, align=["center"] * 8, flex=set())

    d.heading(1, "二、各单位落实情况")
    active = [u for u in units if u.active]
    idle = [u for u in units if not u.active]
    score_text = score_format([u.score for u in active])
    if active:
        d.table(["单位", "应办结", "已办结", "按期办结", "逾期", "延期", "得分"],
                [[u.unit, *(str(x) for x in (u.counts.due, u.counts.completed, u.counts.on_time, u.counts.overdue,
                                              u.counts.extended)), score_text(u.score)] for u in active],
                size=12, align=["left"] + ["center"] * 6, flex={0})
    standing = [u for u in active if getattr(u, "standing", None)]  # the work that recurs, counted apart
    if standing:
        d.body("年度目标节点、定期报告、定期调度等定期工作：" + "；".join(
            f"{u.unit}应完成{u.standing['due']}项，按期完成{u.standing['on_time']}项" for u in standing) + "。")
    commended = [u.unit for u in units if u.commended]
    if commended:
        d.body(f"{'、'.join(commended)}本期事项全部按期办结，予以通报表扬。")
    if idle:
        d.body(f"{'、'.join(u.unit for u in idle)}本期无应办结事项，不参加排名。")

    n = 2
    rec = view.get("recurring") or {}
    for heading, names in RECURRING_SECTIONS:
        if any(rec.get(k) for k in names):
            n += 1
            d.heading(1, f"{cn_number(n)}、{heading}")
            sentences(d, reg, heading, texts)

    d.heading(1, f"{cn_number(n + 1)}、考核计分排名")
    if active:
        cite = basis.cite(basis.scores)
        d.body((f"按{cite}，" if cite else "") + f"实行计分制，基础分{view['scores']['base']:g}分。本期排名如下：")
        rows = [[str(u.rank), u.unit, score_text(u.score), points_text(u.minus), points_text(u.plus)]
                for u in active]
        d.table(["名次", "单位", "得分", "扣分", "加分"], rows, size=12,
                align=["center", "left", "center", "center", "center"], flex={1})
    else:
        d.body("本期没有计分事项。")

    d.heading(1, f"{cn_number(n + 2)}、存在的问题")
    sentences(d, reg, "存在的问题", texts)

    d.heading(1, f"{cn_number(n + 3)}、下步工作要求")
    sentences(d, reg, "下步工作要求", texts)
    d.attachments_note([f"{period.label}{term}事项清单"])

    d.signature(d_issuer, issued, sealed=s.printing.sealed)

    d.attachment_page(f"{period.label}{term}事项清单")
    if view["items"]:
        rows = [[str(n), i["source"], i["text"], i["lead"], i["due"], i["state"], i["assign"]]
                for n, i in enumerate(view["items"], 1)]
        d.table(["序号", "来源", "事项", "牵头单位", "时限", "状态", "交办单号"], rows, size=10.5,
                align=["center", "center", "left", "left", "center", "left", "left"], flex={2}, wrap={1, 3, 5})
    else:
        d.body("本期无应办结事项。")
    d.banji(s.cc, s.print_organ, issued, copies=s.printing.copies, duplex=s.printing.duplex, numbered=banji_numbered)
    return d
