"""`docgen init`: a new office's registers folder, made from the declarations and the defaults.

What it writes (all of it passes `docgen check`):
  settings.yaml   the office's names (given, or placeholders marked 待填写 that `check` names), one issuer
  rules.yaml      the default rules (registers/rules.py, the declared sources' vocabulary), every key commented
  units.yaml      no unit yet: a commented example with the units the examples below name
  <folder>/示例.yaml  per declared source (registers/sources.py): its declared example, commented out
  progress/示例.yaml  progress entries of those examples' items, commented out

Every value is written by yaml.safe_dump; only the comments and the indentation are composed here. Nothing is
written unless the folder is new or empty, and the files appear together: they are made in a temporary folder
beside it, which is then renamed into place.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.diagnostics import DocgenError
from ..kinds import KINDS
from . import sources
from .model import DEFAULT_TERM, DEFAULT_TITLE, OFFICE_WORD_MAX, Printing
from .rules import DEFAULT_DEADLINES, DEFAULT_SCORES, Rules, score_label

PLACEHOLDER = "待填写"  # what marks a name the office has still to write (settings.yaml); `check` lists them


@dataclass(frozen=True)
class Office:
    """What `docgen init` may be told; what is not told is a placeholder."""

    committee: str = ""  # 发文机关全称
    name: str = ""  # 督导工作专班
    contact: str = ""
    phone: str = ""
    print_organ: str = ""  # 印发机关


def _scalar(v) -> str:
    """One value as YAML, on one line (yaml.safe_dump, flow style)."""
    text = yaml.safe_dump(v, allow_unicode=True, default_flow_style=True, width=10 ** 6, sort_keys=False)
    text = text.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in text:
        raise ValueError(f"not a one-line value: {v!r}")
    return text


def _key(k: str) -> str:
    return _scalar(k)


def _lines(data, notes: dict, indent: int = 0) -> list[tuple[str, str]]:
    """A mapping as YAML lines in block style, each with the note for its key: (line, note)."""
    out: list[tuple[str, str]] = []
    pad = " " * indent
    for k, v in data.items():
        note = notes.get(k, "")
        if isinstance(v, dict) and v:
            out.append((f"{pad}{_key(k)}:", note))
            out += _lines(v, notes, indent + 2)
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append((f"{pad}{_key(k)}:", note))
            for x in v:
                sub = _lines(x, notes, indent + 4)
                first, n = sub[0]
                out.append((f"{pad}  - {first.lstrip()}", n))
                out += sub[1:]
        else:
            out.append((f"{pad}{_key(k)}: {_scalar(v)}", note))
    return out


def _width(s: str) -> int:
    """Columns a line takes in a fixed-width editor: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _render(lines: list[tuple[str, str]], prefix: str = "") -> str:
    """The lines with their notes as comments, aligned."""
    width = max((_width(line) for line, _ in lines), default=0)
    text = []
    for line, note in lines:
        pad = " " * (width - _width(line))
        text.append(f"{prefix}{line}{pad}   # {note}" if note else f"{prefix}{line}")
    return "\n".join(text) + "\n"


def _placeholder(value: str, what: str) -> str:
    return value.strip() or f"（{PLACEHOLDER}：{what}）"


def settings_text(o: Office) -> str:
    name = _placeholder(o.name, "督导工作专班名称")
    prefixed = [k for k, v in KINDS.items() if v.prefixed]  # the slips and the standalone documents
    data = {
        "office": {"committee": _placeholder(o.committee, "发文机关全称"), "name": name,
                   "contact": _placeholder(o.contact, "联系人"), "phone": _placeholder(o.phone, "联系电话"),
                   "print_organ": _placeholder(o.print_organ, "印发机关"), "cc": ["党工委组织部", "纪工委"],
                   "term": DEFAULT_TERM},
        "issuers": [{"id": "office", "name": name,
                     "prefixes": {k: KINDS[k].default_prefix for k in prefixed}, "default": True}],
        "bulletin": {"title": DEFAULT_TITLE, "issuer": "office", "to": "各有关单位"},
        "print": {k: getattr(Printing(), k) for k in ("sealed", "colour", "cc_leader", "duplex")},
    }
    kind_names = "、".join(f"{k} {KINDS[k].name}" for k in prefixed)
    notes = {
        "office": "办公室信息：印在交办单、催办单、整改单和通报上", "committee": "发文机关全称（版头、落款）",
        "name": "督导工作专班", "contact": "督导专班联系人", "phone": "联系电话", "print_organ": "印发机关（版记）",
        "cc": "通报抄送", "issuers": "编号机构：每个编号机构的每种单据按年度连续编号",
        "id": "编号机构的代号（英文字母）", "prefixes": f"机关代字：{kind_names}", "default": "事项未写 issuer 时由它编号",
        "term": f"固定用语中的工作名称（“{DEFAULT_TERM}事项”“{DEFAULT_TERM}整改”），如 督查、督办；不超过{OFFICE_WORD_MAX}个字",
        "bulletin": "通报", "title": f"通报的名称：版头、文件名（如 督查通报、督办通报），不超过{OFFICE_WORD_MAX}个字",
        "issuer": "通报的编号机构", "to": "通报主送",
        "print": "印制", "sealed": "加盖印章：true 时成文日期右空四字、留出用印位置",
        "colour": "催办单按预警等级套色；用彩色纸印制的写 false", "cc_leader": "催办单抄报牵头单位的分管领导（units.yaml 的 leader）",
        "duplex": "打印批次按双面印制，每份单据从新的一张纸开始",
        **{k: f"{KINDS[k].name}的机关代字" + ("（只由默认编号机构编号）" if KINDS[k].standalone else "")
           for k in prefixed},
    }
    head = ("# 办公室设置（docgen init 生成）：发文机关、督导专班、编号机构与机关代字、联系人、抄送与印发机关。\n"
            f"# 写着“{PLACEHOLDER}”的请改成本办公室的名称（docgen check 会列出尚未填写的项目）。格式见 docs/registers.md。\n"
            "# 通报印数写 print 下的 copies: 40；短信签名写 sms: {signature: 【…】}（默认为督导专班名称加【】）。\n")
    return head + _render(_lines(data, notes))


_RULE_NOTES = {
    "warn_days": "蓝色预警：N个工作日内到期", "urge_interval": "同一事项至少间隔N个工作日才再次催办",
    "reply_days": "催办单回复时限：出具后N个工作日", "sign_days": "单据的回执应在出具后N个工作日内签收，逾期列入预警",
    "issue_lag": "交办后超过N个工作日才出具交办单的，列为警告",
    "roll_forward": "按日计算的期间，最后一日不是工作日的，顺延至下一个工作日",
    "required": "办结须经销号核查：按期办结加分在核查通过时计入（false：在办结时计入）",
    "rework_days": "核查不通过：整改时限为核查后N个工作日（核查记录写了 until 的按 until）",
    "explain_days": "《督导通报》要求逾期事项的牵头单位在N个工作日内书面说明原因",
    "base": "各单位的基础分", "period": "期限", "count": "calendar 日历日 / working 工作日",
    "report_to": "报送对象：交办机构（出具单据的编号机构）、牵头部门，或写明名称",
    "deadlines": "办结时限（另可写 clause 条款、text 原文，印在单据和通报上）",
    "vocabulary": "台账中的用语对应哪条时限规则（写出的即全部可用的用语）",
    "counting": "期间计算", "warnings": "预警与催办", "verification": "销号核查", "bulletin": "《督导通报》",
    "scores": "计分（每一项的分值；扣分为负数）",
}


def rules_text() -> str:
    r = Rules(vocabulary=sources.default_vocabulary())
    deadlines = {rid: {"period": d.period, "count": d.unit, "report_to": d.report_to}
                 for rid, d in DEFAULT_DEADLINES.items() if rid != "explicit"}
    data = {
        "deadlines": deadlines,
        "vocabulary": r.vocabulary,
        "counting": {"roll_forward": r.roll_forward},
        "warnings": {k: getattr(r, k) for k in ("warn_days", "urge_interval", "reply_days", "sign_days", "issue_lag")},
        "verification": {"required": r.verify, "rework_days": r.rework_days},
        "bulletin": {"explain_days": r.explain_days},
        "scores": {"base": r.base_score, **r.scores},
    }
    notes = dict(_RULE_NOTES)
    notes.update({rid: f"{d.label}（{d.short_text()}）" for rid, d in deadlines_of().items()})
    notes.update({k: score_label(k) for k in DEFAULT_SCORES})
    notes.update({v.group: v.label for v in sources.vocabularies()})
    lines = []
    for line, note in _lines({k: v for k, v in data.items() if k != "vocabulary"}, notes):
        lines.append((line, note))
    # the vocabulary: its words are keys of their own (a word is not a field), each with the rule it follows
    voc = [("vocabulary:", notes["vocabulary"])]
    for group, words in r.vocabulary.items():
        voc.append((f"  {_key(group)}:", notes.get(group, "")))
        voc += [(f"    {_key(w)}: {_scalar(rid)}", DEFAULT_DEADLINES[rid].label) for w, rid in words.items()]
    at = next(i for i, (line, _) in enumerate(lines) if line.startswith("counting:"))
    lines[at:at] = voc
    head = ("# 规则设置（docgen init 生成）：这里写出的是 docgen 的默认值，不含任何机关的名称和文号；改成本办公室的规则即可，\n"
            "# 不写的项目按默认值（docs/rules.md）。依据的文件写 basis:（number 文号、title 标题、scores 计分条款），\n"
            "# 印在交办单的办结时限、《督导通报》的开头和计分说明中，例如：\n"
            "# basis: {number: 某管发〔2026〕1号, title: 关于建立督查督办工作机制的意见, scores: 第13条}\n")
    return head + _render(lines)


def deadlines_of():
    return {rid: d for rid, d in DEFAULT_DEADLINES.items() if rid != "explicit"}


def _example_units() -> list[str]:
    """The units the declared sources' examples name as lead or co, in order of first use."""
    names: list[str] = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k == "lead" and isinstance(v, str):
                    names.append(v)
                elif k == "co" and isinstance(v, list):
                    names.extend(v)
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    for s in sources.all():
        walk(s.example)
    return list(dict.fromkeys(names))


def units_text() -> str:
    units = [{"name": n, "kind": "部门", "leader": "分管领导姓名", "contact": "联系人姓名", "mobile": "13900000000"}
             for n in _example_units()]
    notes = {"units": "单位名录", "name": "单位名称（必填）：事项的 lead / co 必须是这里的名称",
             "kind": "部门 / 集团公司 / 镇街 / 中心（说明用）", "leader": "分管领导（催办单抄报）",
             "contact": "联系人（必填）", "mobile": "手机号（短信提醒），11位"}
    head = ("## 单位名录（docgen init 生成）：承接交办事项的部门、集团公司、镇街和中心。\n"
            "## 下面是示例（去掉每行开头的“# ”即可使用，请改成本地的单位）。格式见 docs/registers.md。\n")
    return head + _render(_lines({"units": units}, notes), "# ")


def example_text(s: "sources.SourceKind") -> str:
    head = (f"## {s.label}台账（docgen init 生成）：顶层键 {s.key}，可拆成任意多个文件。\n"
            "## 下面是一个示例（已注释，不会被读取）：去掉每行开头的“# ”即可使用，请改成真实的内容。格式见 docs/registers.md。\n")
    if not s.example:
        return head + f"# {s.key}:\n#   - id: …\n"
    return head + _render(_lines({s.key: [s.example]}, s.example_notes or {}), "# ")


def _example_items() -> list[tuple[str, dt.date, dt.date | None]]:
    """(id, the day it starts from, its explicit due or None) of each item in the declared sources' examples."""
    out = []
    for s in sources.all():
        e = s.example or {}
        start = e.get(s.date_field) or e.get("date")
        for it in e.get("items") or [e]:
            if isinstance(it, dict) and "id" in it and "lead" in it and isinstance(start, dt.date):
                out.append((it["id"], it.get("assigned") or start, it.get("due")))
    return out


def progress_text() -> str:
    """Progress entries of the examples' items: feedback, completion and a passed check for the first, an extension
    asked and granted for the second."""
    items = _example_items()
    head = ("## 进展记录（docgen init 生成）：反馈、办结、核查（销号）、延期申请与批复、签收，顶层键 progress。\n"
            "## 下面是示例（已注释，指向上面示例中的事项）：去掉每行开头的“# ”即可使用。格式见 docs/registers.md。\n")
    if len(items) < 2:
        return head
    (a, start_a, _), (b, start_b, due_b) = items[:2]
    day = dt.timedelta(days=1)
    events = [
        {"item": a, "date": start_a + 4 * day, "type": "反馈", "note": "已制定工作方案"},
        {"item": a, "date": start_a + 8 * day, "type": "办结", "note": "已完成"},
        {"item": a, "date": start_a + 12 * day, "type": "核查", "passed": "通过"},
        {"item": b, "date": start_b + day, "type": "延期申请", "until": (due_b or start_b) + 30 * day,
         "reason": "需协调相关单位，工期顺延"},
        {"item": b, "date": start_b + 2 * day, "type": "延期批复", "granted": "同意"},
    ]
    notes = {"progress": "进展记录", "item": "事项编号", "date": "日期", "type": "反馈 / 办结 / 核查 / 延期申请 / 延期批复 / 整改报告 / 签收",
             "note": "说明", "passed": "核查结果：通过（销号）/ 不通过（退回整改）", "until": "申请延至的日期",
             "reason": "延期原因（必填）", "granted": "同意 / 不同意"}
    return head + _render(_lines({"progress": events}, notes), "# ")


def files(office: Office) -> dict[str, str]:
    """The new folder's files: path relative to it -> text."""
    out = {"settings.yaml": settings_text(office), "rules.yaml": rules_text(), "units.yaml": units_text()}
    for s in sources.all():
        if s.key:  # a source derived from rules.yaml has nothing to write
            out[f"{s.folder}/示例.yaml"] = example_text(s)
    out["progress/示例.yaml"] = progress_text()
    return out


def init(folder: Path | str, office: Office) -> list[Path]:
    """Make a new office's registers in folder (new, or empty). Refuses anything else; writes all or nothing."""
    folder = Path(folder)
    from .load import MAX_TEXT, unprintable

    for opt, v in (("--committee", office.committee), ("--office", office.name), ("--contact", office.contact),
                   ("--phone", office.phone), ("--print-organ", office.print_organ)):
        why = unprintable(v) or (f"过长（{len(v)}个字符）" if len(v) > MAX_TEXT else None)
        if why:
            raise DocgenError(f"{opt} 的名称{why}")
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DocgenError(f"{folder} 已存在且不是文件夹：docgen init 只在新的或空的文件夹中建立台账")
    if folder.is_dir() and any(folder.iterdir()):
        raise DocgenError(f"文件夹 {folder} 不是空的：docgen init 不覆盖已有的文件，请指定一个新的或空的文件夹")
    texts = files(office)
    parent = folder.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=parent))
    try:
        for rel, text in texts.items():
            p = tmp / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o755)
        os.rename(tmp, folder)  # onto an empty folder, or where there is none: all the files at once
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [folder / rel for rel in texts]


def placeholders(settings) -> list[str]:
    """The names in settings.yaml still to be written (left as init's placeholders), for `check`."""
    fields = {"committee": settings.committee, "name": settings.office, "contact": settings.contact,
              "phone": settings.phone, "print_organ": settings.print_organ}
    out = [f"settings.yaml 的 office.{k} 尚未填写：{v}" for k, v in fields.items() if PLACEHOLDER in v]
    out += [f"settings.yaml 的编号机构「{i.id}」的 name 尚未填写：{i.name}"
            for i in settings.issuers.values() if PLACEHOLDER in i.name]
    return out
