"""The register sources: where the items come from (会议议定, 领导批示, 公文办理, 督导整改), one declaration each.

A source is declared once, as a `SourceKind` passed to `register()`: its top-level YAML key, how one entry of it
becomes items, its words for the deadline rules (rules.yaml `vocabulary`), its names in the bulletin, on the board
and in the Excel 台账. Reading the registers, the calendar checks, the bulletin's figures, the xlsx and the board
iterate this registry; nothing else lists the sources (docs/registers.md, "来源的声明").

The order of registration is the order sources are shown in: the sheets of the xlsx, the rows of the bulletin's
table by source, the board's overview.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from .calendar import cn_date
from ..core.diagnostics import Diagnostic, Src
from .model import Source
from . import coordination

# the columns of a source's sheet in the Excel 台账 (outputs/ledger_xlsx.py makes each); a source may name fewer
LEDGER_COLUMNS = ("序号", "来源", "事项内容", "牵头单位", "配合单位", "交办日期", "办结时限", "状态", "办理情况", "交办单号",
                  "催办次数", "逾期天数")


@dataclass(frozen=True)
class Vocabulary:
    """The words a source's entries use for the rule they follow (rules.yaml `vocabulary.<group>`)."""

    group: str  # the key under rules.yaml `vocabulary`, e.g. meetings
    label: str  # what the words are, in Chinese: 会议类别
    words: dict  # the default words -> the deadline rule each follows
    only: str = ""  # the one rule every word follows (rules.yaml may then list the words: [专项督导, …]); "" = any


@dataclass(frozen=True)
class SourceKind:
    """One register source, declared once."""

    kind: str  # what items and the ledger record (Item.source.kind, the bulletin's figures by source): meeting
    key: str  # its top-level key in a register file: meetings
    folder: str  # where an office keeps its files, by convention: registers/meetings/
    what: str  # one entry, in messages: 会议
    label: str  # its name in the bulletin and in `status`: 会议议定
    sheet: str  # its sheet in the Excel 台账: 会议议定事项
    # parse(declaration, entry, collector): checks one entry (a registers.load.Entry) and adds its items through
    # collector.item(entry, Source(...), default rule); every problem goes to collector.out with its file and line
    parse: Callable
    describe: Callable[[Source], str]  # the source of an item as printed on its slip: 2026年第12次主任办公会（…）议定事项
    vocabulary: Vocabulary | None = None
    id_pattern: str = ""  # a regular expression each item id of this source must match in full ("" = any id)
    id_example: str = ""  # an id that matches it, for the message
    date_field: str = "date"  # the field its date is written in (named by the calendar checks)
    rectification: bool = False  # its items are findings to rectify (整改通知单), not work assigned (交办单)
    columns: tuple = LEDGER_COLUMNS  # its sheet's columns, from LEDGER_COLUMNS
    board: str = ""  # its name on the board (outputs/site.py); the label when not given
    # one entry as a new office's example (`docgen init` writes it, commented out, into the source's folder): plain
    # data in the register's own fields, and a Chinese note per field name (any depth) printed beside it
    example: dict | None = None
    example_notes: dict | None = None
    # other words that name this source in an office's Excel 台账 (事项来源), for `docgen import`, besides its label,
    # sheet, name and vocabulary
    import_words: tuple = ()
    # its name in the bulletin in the office's own word (settings.yaml `office.term`): {term}整改 ("" = label, which
    # is that name in the default word)
    termed: str = ""
    # check_all(entries, out, rules): checks across a source's entries (collector.entries[kind]) once all are read
    check_all: Callable | None = None

    # its items are obligations the registers or the rules set themselves (a target's milestones, a periodic
    # report, a required meeting): no 交办单 assigns them, and they are urged without one
    standing: bool = False
    # its items are derived from rules.yaml for every period (registers/recurring.py), never written: it has no
    # key of its own in the registers (key ""), and its items earn no on-time bonus
    derived: bool = False

    def label_in(self, term: str | None) -> str:
        return self.termed.format(term=term) if term and self.termed else self.label

    @property
    def board_label(self) -> str:
        return self.board or self.label


_REGISTRY: dict[str, SourceKind] = {}


def register(s: SourceKind) -> SourceKind:
    """Declare a source (after the built-in ones). Its kind and its key must be new."""
    if s.kind in _REGISTRY or (s.key and any(o.key == s.key for o in _REGISTRY.values())) or \
            s.key in ("units", "progress", "projects"):
        raise ValueError(f"source {s.kind!r} / key {s.key!r} is declared already")
    unknown = [c for c in s.columns if c not in LEDGER_COLUMNS]
    if unknown:
        raise ValueError(f"source {s.kind!r}: unknown ledger columns {unknown}")
    _REGISTRY[s.kind] = s
    return s


def unregister(kind: str) -> None:
    _REGISTRY.pop(kind, None)


def all() -> tuple[SourceKind, ...]:  # noqa: A001 - sources.all() reads as it is meant
    return tuple(_REGISTRY.values())


def written() -> tuple[SourceKind, ...]:
    """The sources a clerk writes entries of, one item an entry (what `docgen import` reads from an Excel 台账):
    not the standing ones (a target's milestones, the obligations derived from rules.yaml)."""
    return tuple(s for s in _REGISTRY.values() if not s.standing)


def kinds() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get(kind: str) -> SourceKind | None:
    return _REGISTRY.get(kind)


def label(kind: str, term: str | None = None) -> str:
    """The bulletin's name of a source, in the office's word `term` (settings.yaml `office.term`) when given; a kind
    no longer declared (read from an old record) shows as itself."""
    s = _REGISTRY.get(kind)
    return s.label_in(term) if s else kind


def vocabularies() -> tuple[Vocabulary, ...]:
    return tuple(s.vocabulary for s in _REGISTRY.values() if s.vocabulary)


def default_vocabulary() -> dict:
    """The words registers use -> the rule they follow, per vocabulary group (rules.yaml `vocabulary`): what the
    declared sources bring, e.g. meetings: {主任办公会: meeting.major, …}."""
    return {v.group: dict(v.words) for v in vocabularies()}


def vocabulary_labels() -> dict:
    """Vocabulary group -> what its words are, in Chinese (meetings: 会议类别), in the order sources are declared."""
    return {v.group: v.label for v in vocabularies()}


def labels() -> dict:
    """kind -> its bulletin label (会议议定 …), in the order sources are declared."""
    return {k: s.label for k, s in _REGISTRY.items()}


def recorded_order(keys) -> list[str]:
    """Kinds read from a recorded view, in the order sources are shown: the declared ones first, in declaration
    order, then any the view holds that is declared no longer, in the view's order."""
    keys = [k for k in keys if k != "total"]
    return [k for k in _REGISTRY if k in keys] + [k for k in keys if k not in _REGISTRY]


# ---------------------------------------------------------------- the built-in sources

def _explicit(e) -> bool:
    """Every item of a meeting states its deadline (due or rule): the meeting's kind then decides nothing."""
    its = e.m.get("items") if e.has("items") else None
    return isinstance(its, list) and bool(its) and not any(
        not isinstance(x, dict) or (x.get("due") is None and x.get("rule") is None) for x in its)


def _meeting(s: SourceKind, e, col) -> None:
    words = col.words(s)
    mid = e.str("id", required=True)
    kind = e.choice("kind", tuple(words), required=not _explicit(e))
    title = e.str("title", required=True)
    date = e.date("date", required=True)
    projects = e.strlist("projects")  # the 包保 projects it dispatched (registers/projects.yaml)
    e.finish(("id", "kind", "title", "date", "items", "projects"))
    for p in projects:
        col.project_refs.append((p, Src(e.file, e.lineof("projects")), "projects"))
    if date and kind:
        col.held.append((e.src, date, kind, projects))
    if not e.has("items") and e.ok and not projects and kind not in col.schedule_kinds:
        e.err("items", f"会议「{title or mid}」没有议定事项（items）")
    src = Source(s.kind, mid, date or dt.date.min, title, {"kind": kind, "projects": projects}, e.src)
    for ie in e.items("items", "议定事项"):
        col.item(ie, src, words.get(kind or ""))


def _instruction(s: SourceKind, e, col) -> None:
    words = col.words(s)
    date = e.date("date", required=True)
    level = e.choice("level", tuple(words), required=not e.has("due") and not e.has("rule"))
    leader = e.str("leader", required=True)
    on = e.str("on")
    src = Source(s.kind, e.str("id"), date or dt.date.min, on or "交办事项",
                 {"leader": leader, "level": level, "on": on}, e.src)
    col.item(e, src, words.get(level or ""), extra_keys=("date", "level", "leader", "on"))


def _document(s: SourceKind, e, col) -> None:
    words = col.words(s)
    handed = e.date("handed", required=True)
    category = e.choice("category", tuple(words), required=not e.has("due") and not e.has("rule"))
    number = e.str("number")
    title = e.str("title", required=True)
    if not e.has("text") and e.ok:
        e.m["text"] = f"按《{title}》要求办理并上报办理结果" if title else "按来文要求办理并上报办理结果"
    src = Source(s.kind, e.str("id"), handed or dt.date.min, title, {"number": number, "category": category}, e.src)
    col.item(e, src, words.get(category or ""), extra_keys=("handed", "category", "number", "title"))


INSPECTION_FORMS = ("专项督导", "联合督导", "实地督导", "挂牌督导")  # the default words (rules.yaml vocabulary.inspections)


def _inspection(s: SourceKind, e, col) -> None:
    date = e.date("date", required=True)
    form = e.choice("form", tuple(col.words(s)), required=True)
    inspectors = e.strlist("inspectors")
    requirement = e.str("requirement")  # not written: the 整改通知单 asks 立即整改
    if not e.has("due") and e.ok:
        col.out.append(Diagnostic(e.file, e.line, "due", "督导检查发现的问题须写整改时限（due）"))
    src = Source(s.kind, e.str("id"), date or dt.date.min, form or "督导检查",
                 {"form": form, "inspectors": inspectors, "requirement": requirement}, e.src)
    col.item(e, src, None, text_key="finding", extra_keys=("date", "form", "inspectors", "requirement", "finding"))


def _describe_instruction(src: Source) -> str:
    d = src.detail
    if d.get("on"):
        return f"{d['leader']}{cn_date(src.date)}在《{d['on']}》上的批示"
    return f"{d['leader']}{cn_date(src.date)}交办事项"


_ITEM_NOTES = {"id": "事项编号，全部台账内唯一", "text": "事项内容", "lead": "牵头单位，须在 units.yaml 中",
               "co": "配合单位（可不写）", "due": "明确的办结时限（可不写：按规则计算）",
               "assigned": "交办日期（可不写：默认为来源的日期）"}

register(SourceKind(
    "meeting", "meetings", "meetings", "会议", "会议议定", "会议议定事项", _meeting,
    lambda src: f"{src.title}（{cn_date(src.date)}）议定事项",
    Vocabulary("meetings", "会议类别", {"党工委会": "meeting.major", "主任办公会": "meeting.major",
                                      "重大综合性会议": "meeting.major", "专题会议": "meeting.special",
                                      "工作专班会议": "meeting.special"}),
    example={"id": "2026-ZR01", "kind": "主任办公会", "title": "2026年第1次主任办公会", "date": dt.date(2026, 1, 8),
             "items": [{"id": "2026-ZR01-1", "text": "制定年度重点项目推进计划", "lead": "经济发展局", "co": ["财政局"]},
                       {"id": "2026-ZR01-2", "text": "完成年度预算执行情况分析", "lead": "财政局",
                        "due": dt.date(2026, 1, 30)}]},
    example_notes={**_ITEM_NOTES, "id": "编号，全部台账内唯一", "kind": "会议类别：rules.yaml 的 vocabulary.meetings 中的用语",
                   "title": "会议名称", "date": "会议日期", "items": "议定事项，每项以“- ”开头"}))
register(SourceKind(
    "instruction", "instructions", "instructions", "批示", "领导批示", "领导批示", _instruction, _describe_instruction,
    Vocabulary("instructions", "批示领导层级", {"主要领导": "instruction.principal", "分管领导": "instruction.deputy",
                                           "工作专班": "instruction.deputy"}),
    example={"id": "2026-PS01", "level": "主要领导", "leader": "主要负责同志", "date": dt.date(2026, 1, 12),
             "on": "关于重点企业用工情况的调研报告", "text": "摸清重点企业用工缺口，提出稳岗措施",
             "lead": "经济发展局", "co": ["示例镇"]},
    example_notes={**_ITEM_NOTES, "level": "批示领导层级：rules.yaml 的 vocabulary.instructions 中的用语",
                   "leader": "批示人", "date": "批示日期", "on": "批示所在的文件（口头交办不写）"}))
register(SourceKind(
    "document", "documents", "documents", "公文", "公文办理", "公文办理", _document,
    lambda src: f"来文：{src.detail.get('number') or ''}《{src.title}》",
    Vocabulary("documents", "公文办理类别", {"单办": "doc.single", "会办": "doc.joint", "调研": "doc.research",
                                         "急办": "doc.urgent"}),
    date_field="handed", import_words=("来文",),
    example={"id": "2026-GW001", "number": "示政办字〔2026〕1号", "title": "关于报送年度工作总结的通知",
             "handed": dt.date(2026, 1, 5), "category": "单办", "lead": "示例镇"},
    example_notes={**_ITEM_NOTES, "number": "来文文号", "title": "来文标题", "handed": "交办日期（起算日）",
                   "category": "办理类别：rules.yaml 的 vocabulary.documents 中的用语",
                   "text": "办理要求（可不写：按来文要求办理并上报办理结果）"}))
register(SourceKind(
    "inspection", "inspections", "inspections", "督导检查", "督导整改", "督导整改", _inspection,
    lambda src: f"{cn_date(src.date)}{src.title}发现问题",
    Vocabulary("inspections", "督导检查形式", {f: "explicit" for f in INSPECTION_FORMS}, only="explicit"),
    rectification=True,
    import_words=(*INSPECTION_FORMS, "督导", "督查"), termed="{term}整改",
    example={"id": "2026-DC01", "date": dt.date(2026, 1, 20), "form": "实地督导", "inspectors": ["督导员甲", "督导员乙"],
             "finding": "安全生产隐患排查台账不完整", "requirement": "完善隐患排查台账，逐项明确责任人和整改时限",
             "lead": "示例镇", "due": dt.date(2026, 2, 10)},
    example_notes={**_ITEM_NOTES, "date": "督导检查日期",
                   "form": "督导形式：rules.yaml 的 vocabulary.inspections 中的用语（默认 " + " / ".join(INSPECTION_FORMS) + "）",
                   "inspectors": "督导人员", "finding": "发现的问题", "requirement": "整改要求（可不写：整改通知单印“立即整改”）",
                   "due": "整改时限，必填"}))


_COORD_NOTES = {**_ITEM_NOTES, "id": "协调事项编号，全部台账内唯一", "date": "提请协调的日期", "text": "需协调的问题",
                "lead": "主办部门", "units": "涉及单位",
                "level": "协调层级：部门会商 / 工作专班 / 分管领导 / 主要领导 / 上会",
                "consulted": "部门会商记录（日期、单位、结果：未达成一致 / 部分达成一致 / 达成一致、意见分歧）",
                "proposal": "办理建议（主要领导、上会：工作专班或分管领导的决策建议）",
                "escalated_from": "提请主要领导或上会时：此前工作专班或分管领导协调的编号",
                "opinion": "分管领导意见（签署人、日期、意见，不能只写“已阅”）",
                "decided": "协调结果：日期、内容和议定事项（按会议议定事项交办）"}

register(SourceKind(
    "coordination", "coordination", "coordination", "协调事项", "协调议定", "协调议定事项", coordination.parse,
    coordination.describe, date_field="date", check_all=coordination.check_all,
    example={"id": "2026-XT01", "date": dt.date(2026, 3, 2), "text": "示例道路管线迁改费用分担未定", "lead": "示例镇",
             "units": ["经济发展局"], "level": "分管领导",
             "consulted": [{"date": dt.date(2026, 2, 26), "units": ["经济发展局"], "result": "未达成一致",
                            "disagreement": "迁改费用分担"}],
             "proposal": "建议按管线权属分担迁改费用"},
    example_notes=_COORD_NOTES))

# ---------------------------------------------------------------- the work that recurs (registers/recurring.py)

def _target(s: SourceKind, e, col) -> None:
    from .recurring import parse_target
    parse_target(s, e, col)


def _derived(s: SourceKind, e, col) -> None:  # pragma: no cover - a derived source has no key: never called
    raise AssertionError(f"{s.kind} is derived, not written")


register(SourceKind(
    "target", "targets", "targets", "年度目标", "年度目标", "年度目标", _target, lambda src: src.described,
    standing=True, import_words=("年度任务目标", "目标任务"),
    example={"id": "2026-MB01", "year": 2026, "text": "全年引进亿元以上项目20个", "lead": "示例镇", "owner": "责任人甲",
             "leader": "分管领导甲", "milestones": [{"by": dt.date(2026, 6, 30), "text": "引进亿元以上项目10个"},
                                                  {"by": dt.date(2026, 12, 31), "text": "引进亿元以上项目20个"}]},
    example_notes={"id": "目标编号；每个节点是一个事项，编号为 目标编号-1、-2 ……", "year": "年度",
                   "text": "年度任务目标", "lead": "牵头单位，须在 units.yaml 中", "co": "配合单位（可不写）",
                   "owner": "责任人（落实到人）", "leader": "分管领导", "milestones": "分解节点，按时间先后：by 完成日期（须在本年度内），text 节点要求"}))
register(SourceKind(
    "report", "", "", "定期报告", "定期报告", "定期报告", _derived, lambda src: src.described,
    standing=True, derived=True))
register(SourceKind(
    "schedule", "", "", "定期调度", "定期调度", "项目调度", _derived, lambda src: src.described,
    standing=True, derived=True))
register(SourceKind(
    "feedback", "", "", "进展反馈", "进展反馈", "进展反馈", _derived, lambda src: src.described,
    standing=True, derived=True))
