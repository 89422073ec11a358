"""Reading the registers (台账) into the validated model.

`read_registers(root)` is the only function here that touches the file system; `parse_registers`
takes the files' texts and returns the model and every problem found, never stopping at the first.

Layout of a registers folder:
  settings.yaml       the office's names, issuers and 文号 prefixes, 抄送 list
  rules.yaml          optional: deadline periods, counting, warnings, score points
  calendar/*.yaml     optional: years chinesecalendar does not know yet, local corrections
  numbers.tsv         the number register (written by docgen, never by hand)
  any other *.yaml    register entries under the keys units, progress and each declared source's key
                      (registers/sources.py: meetings, instructions, documents, inspections …), split
                      into as many files as you like
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

from .calendar import CalendarFile, Correction, HolidaySpan, WorkCalendar
from ..core.diagnostics import Diagnostic, Src
from ..core.diagnostics import shown as _shown
from ..kinds import KINDS, SLIP_KINDS, parse_number, prefix_problem
from . import sources
from .model import (APPEAL_DECISIONS, DEFAULT_TERM, DEFAULT_TITLE, EVENT_TYPES, OFFICE_WORD_MAX, URGENCIES, Printing,
                    PlatformLimits, Event, Issuer, Item, Paper, Registers, Settings, Source, Unit)
from .rules import DEFAULT_DEADLINES, DEFAULT_SCORES, Basis, Rules, period_problem
from .yamlsrc import YList, YMap, load_yaml


def register_keys() -> tuple[str, ...]:
    """The top-level keys of a register file: units, each declared source's key, progress."""
    return ("units", "projects", *(s.key for s in sources.all() if s.key), "progress")


SPECIAL_FILES = ("settings.yaml", "rules.yaml")
_DATE_RX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_MOBILE_RX = re.compile(r"^1\d{10}$")
MAX_TEXT = 2000  # the longest text one field may hold (registers.md): about a page; beyond it is a paste gone wrong
SMS_TIMEOUT = 20.0  # seconds: settings.yaml `sms.timeout` when not given
# what no document can carry: characters XML 1.0 forbids, and the C1 controls it discourages
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# what reorders the text around it when shown (in a page, a document, a terminal): the bidirectional embeddings,
# overrides and isolates, and the marks (LRM, RLM, ALM). Chinese register text never needs them.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# what breaks a line for str.splitlines() and for the documents (a bulletin's sentences are lines: a line break in a
# register text would start a paragraph of its own, even a forged heading): \n, \r, and the line and paragraph
# separators (the other line breaks, U+000B, U+000C, U+001C-U+001E, U+0085, are among the controls above). A field
# is one line of text; YAML folds a plain text written over several lines into one.
_SEPARATOR = re.compile("[\n\r\u2028\u2029]")
# what is not shown at all: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt), less the bidi
# controls above: soft hyphen, combining grapheme joiner, zero-width space/joiners, word joiner and invisible
# operators, Mongolian vowel separator and variation selectors, BOM, tags. A name with one of them looks like
# another name and is not equal to it. (The Hangul fillers U+115F, U+1160, U+3164, U+FFA0 are letters, and kept.)
_INVISIBLE = re.compile("[\u00ad\u034f\u17b4\u17b5\u180b-\u180f\u200b-\u200d\u2060-\u2065"
                        "\u206a-\u206f\ufe00-\ufe0f\ufeff\ufff0-\ufff8\U0001bca0-\U0001bca3"
                        "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")


def unprintable(s: str) -> str | None:
    """Why a text cannot be printed in a document or shown on the board (its first forbidden character), or None."""
    m = _XML_BAD.search(s)
    if m:
        return f"含有不能写入文档的控制字符 U+{ord(m.group()):04X}（第{m.start() + 1}个字符），请删除"
    why = reordering(s)
    if why:
        return why
    m = _SEPARATOR.search(s)
    if m:
        return (f"含有换行字符 U+{ord(m.group()):04X}（第{m.start() + 1}个字符，会把文字断成另起的一段）："
                "一个字段只写一行文字，请删除")
    m = _INVISIBLE.search(s)
    if m:
        return (f"含有看不见的字符 U+{ord(m.group()):04X}（第{m.start() + 1}个字符，如零宽空格、软连字符，"
                "常随复制粘贴带入，会使名称看似相同而实际不同），请删除")
    return None


def reordering(s: str) -> str | None:
    """Why a text would be shown out of order (its first bidirectional control), or None."""
    m = _BIDI.search(s)
    if m:
        return (f"含有会改变文字显示顺序的双向控制字符 U+{ord(m.group()):04X}（第{m.start() + 1}个字符，"
                "看不见，常随复制粘贴带入），请删除")
    return None


ITEM_KEYS = ("id", "text", "lead", "co", "assigned", "due", "rule", "issuer", "urgency", "slip", "slip_date", "owner",
             "feedback")
_PAPER_BULLETIN = re.compile(r"(\d{4})年第([1-9]\d*)期")  # 2026年第2期
# a paper document's 序号 is adopted into the ledger for good, and docgen numbers on after it: one past any year's
# real numbering (a digit typed twice, 督交〔2026〕99999999999999999999号) would set every later number after it
MAX_PAPER_SEQ = 99999


def _seq_too_big(seq: int) -> str:
    return (f"序号{seq}过大：纸质单据的序号不应超过{MAX_PAPER_SEQ}，请检查是否多写了数字"
            "（登记后写入账本，docgen 的编号从它之后接着编）")
_BAD_WORD = re.compile(r'[\s/\\:*?"<>|]')  # what an office word cannot hold: the bulletin's name is in its file names


def suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f"，是否想写「{close[0]}」？" if close else ""


class Entry:
    """Typed access to one YAML mapping, recording a diagnostic for every bad field."""

    def __init__(self, data, file: str, line: int, what: str, out: list[Diagnostic]):
        self.file, self.what, self.out = file, what, out
        self.ok = isinstance(data, dict)
        self.m = data if self.ok else YMap()
        self.line = getattr(data, "line", line) if self.ok else line
        if not self.ok:
            out.append(Diagnostic(file, line, what, f"应为键值映射（如 id: …），实际是{_type_cn(data)}"))

    @property
    def src(self) -> Src:
        return Src(self.file, self.line)

    def lineof(self, key) -> int:
        return self.m.line_of(key) if isinstance(self.m, YMap) else self.line

    def err(self, key: str, msg: str) -> None:
        self.out.append(Diagnostic(self.file, self.lineof(key), key, msg))

    def has(self, key: str) -> bool:
        return key in self.m and self.m[key] is not None

    def str(self, key: str, required: bool = False, default: str = "") -> str:
        if not self.has(key):
            if required and self.ok:
                self.out.append(Diagnostic(self.file, self.line, key, f"{self.what}缺少必填字段「{key}」"))
            return default
        v = self.m[key]
        if isinstance(v, bool) or isinstance(v, (dict, list)):
            self.err(key, f"应为文字，实际是{_type_cn(v)}")
            return default
        s = str(v).strip()
        if required and not s:
            self.err(key, "不能为空")
        if len(s) > MAX_TEXT:
            self.err(key, f"文字过长（{len(s)}个字符）：一个字段不能超过{MAX_TEXT}个字符")
            return default
        why = unprintable(s)
        if why:
            self.err(key, why)
            return default
        return s

    def date(self, key: str, required: bool = False) -> dt.date | None:
        if not self.has(key):
            if required and self.ok:
                self.out.append(Diagnostic(self.file, self.line, key, f"{self.what}缺少必填字段「{key}」（日期，如 2026-05-10）"))
            return None
        return parse_date(self.m[key], self.file, self.lineof(key), key, self.out)

    def choice(self, key: str, choices, required: bool = False) -> str | None:
        v = self.str(key, required=required)
        if not v:
            return None
        if v not in choices:
            self.err(key, f"「{v}」不是可用的取值（可用：{'、'.join(choices)}）{suggest(v, choices)}")
            return None
        return v

    def strlist(self, key: str) -> tuple[str, ...]:
        if not self.has(key):
            return ()
        v = self.m[key]
        if isinstance(v, str):
            why = unprintable(v)
            if why:
                self.err(key, why)
                return ()
            return tuple(x.strip() for x in re.split(r"[、，,]", v) if x.strip())
        if not isinstance(v, list):
            self.err(key, f"应为列表或以顿号分隔的文字，实际是{_type_cn(v)}")
            return ()
        out = []
        for i, x in enumerate(v):
            if not isinstance(x, (str, int)) or isinstance(x, bool):
                line = v.line_at(i) if isinstance(v, YList) else self.lineof(key)
                self.out.append(Diagnostic(self.file, line, key, f"第{i + 1}项应为文字，实际是{_type_cn(x)}"))
                continue
            why = unprintable(str(x))
            if why:
                line = v.line_at(i) if isinstance(v, YList) else self.lineof(key)
                self.out.append(Diagnostic(self.file, line, key, f"第{i + 1}项{why}"))
                continue
            out.append(str(x).strip())
        return tuple(out)

    def boolean(self, key: str, required: bool = False, words=("是", "否")) -> bool | None:
        if not self.has(key):
            if required and self.ok:
                self.out.append(Diagnostic(self.file, self.line, key, f"{self.what}缺少必填字段「{key}」"))
            return None
        v = self.m[key]
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.strip() in words:
            return v.strip() == words[0]
        self.err(key, f"应为 {words[0]} 或 {words[1]}（也可写 true/false），实际是「{_shown(v)}」")
        return None

    def integer(self, key: str, minimum: int = 0, maximum: int | None = None) -> int | None:
        if not self.has(key):
            return None
        v = self.m[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum or (maximum is not None and v > maximum):
            span = f"{minimum}到{maximum}之间" if maximum is not None else f"不小于{minimum}"
            self.err(key, f"应为{span}的整数，实际是「{_shown(v)}」")
            return None
        return v

    def number(self, key: str) -> float | None:
        if not self.has(key):
            return None
        v = self.m[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(key, f"应为数字，实际是「{_shown(v)}」")
            return None
        if not -NUMBER_MAX <= v <= NUMBER_MAX:  # .nan, .inf, 1e300: points and scores are a few hundred at most
            self.err(key, f"应为-{NUMBER_MAX}到{NUMBER_MAX}之间的数字，实际是「{_shown(v)}」")
            return None
        return float(v)

    def sub(self, key: str, what: str) -> "Entry | None":
        if not self.has(key):
            return None
        return Entry(self.m[key], self.file, self.lineof(key), what, self.out)

    def items(self, key: str, what: str, required: bool = False):
        """Yield Entry objects for a list of mappings under key."""
        if not self.has(key):
            if required and self.ok:
                self.out.append(Diagnostic(self.file, self.line, key, f"{self.what}缺少必填字段「{key}」（列表）"))
            return
        v = self.m[key]
        if not isinstance(v, list):
            self.err(key, f"应为列表（每项以“- ”开头），实际是{_type_cn(v)}")
            return
        for i, x in enumerate(v):
            line = v.line_at(i) if isinstance(v, YList) else self.lineof(key)
            yield Entry(x, self.file, line, what, self.out)

    def finish(self, allowed) -> None:
        for k in self.m:
            if k not in allowed:
                self.err(str(k), f"{self.what}中没有「{k}」这个字段{suggest(k, allowed)}（可用：{'、'.join(allowed)}）")


def _type_cn(v) -> str:
    if v is None:
        return "空值"
    if isinstance(v, bool):
        return f"是非值（{v}）"
    if isinstance(v, (int, float)):
        return f"数字（{_shown(v)}）"
    if isinstance(v, dict):
        return "键值映射"
    if isinstance(v, list):
        return "列表"
    return f"文字（{_shown(v)}）"


NUMBER_MAX = 10000  # a score, a point value or a threshold past this is a typo


def parse_date(v, file: str, line: int, field: str, out: list[Diagnostic]) -> dt.date | None:
    if isinstance(v, dt.date):
        return v
    s = str(v).strip() if isinstance(v, (str, int)) and not isinstance(v, bool) else None
    if s is None or not _DATE_RX.match(s):
        out.append(Diagnostic(file, line, field, f"「{_shown(v)}」不是日期，请写成 YYYY-MM-DD，如 2026-05-10"))
        return None
    y, m, d = (int(x) for x in s.split("-"))
    try:
        return dt.date(y, m, d)
    except ValueError:
        out.append(Diagnostic(file, line, field, f"日期「{s}」不存在（{y}年{m}月没有{d}日）" if 1 <= m <= 12
                              else f"日期「{s}」不存在（没有{m}月）"))
        return None


def parse_dates(v, file: str, line: int, field: str, out: list[Diagnostic]) -> list[dt.date]:
    """A date, a range 2026-10-01..2026-10-07, or a list of either."""
    vals = v if isinstance(v, list) else [v]
    days: list[dt.date] = []
    for i, x in enumerate(vals):
        ln = v.line_at(i) if isinstance(v, YList) else line
        if isinstance(x, str) and ".." in x:
            a, b = x.split("..", 1)
            da, db = parse_date(a, file, ln, field, out), parse_date(b, file, ln, field, out)
            if da and db:
                if db < da:
                    out.append(Diagnostic(file, ln, field, f"日期范围「{x}」的结束日早于开始日"))
                    continue
                if (db - da).days > 366:
                    out.append(Diagnostic(file, ln, field, f"日期范围「{x}」超过一年，请检查是否写错"))
                    continue
                days.extend(da + dt.timedelta(days=k) for k in range((db - da).days + 1))
        else:
            d = parse_date(x, file, ln, field, out)
            if d:
                days.append(d)
    return days


# ---------------------------------------------------------------- settings, rules, calendar

def _parse_settings(data, file: str, out: list[Diagnostic]) -> Settings | None:
    e = Entry(data, file, 1, "设置文件", out)
    if not e.ok:
        return None
    off = e.sub("office", "office（办公室信息）")
    issuers: dict[str, Issuer] = {}
    own: dict = {}  # issuer id -> (its prefixes entry, the standalone kinds it names)
    written: dict = {}  # issuer id -> (its entry, its prefixes entry or None)
    default = None
    for ie in e.items("issuers", "编号机构", required=True):
        iid = ie.str("id", required=True)
        name = ie.str("name", required=True)
        pre = ie.sub("prefixes", "prefixes（机关代字）")
        # every kind numbered 机关代字〔年份〕N号: the slips (numbered by every issuer) and the standalone documents
        # (提请协调单, 得分情况通报, 问责建议: numbered by the default issuer only)
        keys = [k for k, v in KINDS.items() if v.prefixed]
        prefixes = {k: KINDS[k].default_prefix for k in keys}
        if pre and pre.ok:
            for k in keys:
                if pre.has(k):
                    v = pre.str(k)
                    why = prefix_problem(v)
                    if why:
                        pre.err(k, f"机关代字「{v}」{why}")
                    else:
                        prefixes[k] = v
            pre.finish(keys)
            own[iid] = (pre, [k for k in keys if pre.has(k) and KINDS[k].standalone])
        if ie.boolean("default"):
            default = iid
        if iid in issuers:
            ie.err("id", f"编号机构「{iid}」重复")
        if iid:
            for k in SLIP_KINDS:  # only kinds every issuer numbers; the standalone ones only the default issuer
                v = prefixes[k]
                other = next((o for o in issuers.values() if o.id != iid and o.prefixes[k] == v), None)
                if other:
                    where = "prefixes" if pre and pre.has(k) else "id"
                    (pre if pre and pre.has(k) else ie).err(
                        k if where == "prefixes" else "id",
                        f"编号机构「{iid}」的{KINDS[k].name}机关代字「{v}」与编号机构「{other.id}」（{other.src}）相同，"
                        f"两者会出具相同的编号：请在 prefixes 中为每个编号机构写不同的机关代字")
            issuers[iid] = Issuer(iid, name, prefixes, ie.str("contact"), ie.str("phone"), ie.src)
            written[iid] = (ie, pre)
        ie.finish(("id", "name", "prefixes", "contact", "phone", "default"))
    if issuers and default is None:
        default = next(iter(issuers))
    for iid, (pre, standalone) in own.items():
        for k in standalone if iid != default else ():
            pre.err(k, f"{KINDS[k].name}只由默认编号机构（{default}）编号，编号机构「{iid}」不能写它的机关代字")
    # two kinds numbered with one 机关代字 (an issuer's 交办单 and 提请协调单 both 督交〔2026〕1号, or the default
    # issuer's 问责建议 and another's 交办单): one number for two documents. The same kind of two issuers is told above.
    used: dict[str, tuple[str, str]] = {}  # 机关代字 -> (issuer id, kind) that numbers with it first
    for iid, issuer in issuers.items():
        kinds_used = [k for k in issuer.prefixes if k in SLIP_KINDS or (iid == default and KINDS[k].standalone)]
        for k in kinds_used:
            v = issuer.prefixes[k]
            first = used.setdefault(v, (iid, k))
            if first[1] == k:
                continue
            ie, pre = written[iid]
            other = f"编号机构「{first[0]}」的{KINDS[first[1]].name}" if first[0] != iid else KINDS[first[1]].name
            msg = (f"{KINDS[k].name}的机关代字「{v}」与{other}相同，两者会出具相同的编号（{v}〔年份〕1号）："
                   "每种编号的文书须有不同的机关代字")
            if pre is not None and pre.has(k):
                pre.err(k, msg)
            else:
                ie.err("id", msg)
    bulletin_issuer = default
    bulletin_to = "各有关单位"
    bulletin_auto = ""
    bulletin_adopted: tuple = ()
    bulletin_title = DEFAULT_TITLE
    b = e.sub("bulletin", "bulletin（通报）")
    if b and b.ok:
        bulletin_title = _office_word(b, "title", DEFAULT_TITLE, "bulletin.title（通报的名称）")
        bulletin_to = b.str("to") or bulletin_to
        bulletin_auto = b.choice("auto", ("month", "quarter")) or ""
        bi = b.str("issuer")
        if bi:
            if bi not in issuers:
                b.err("issuer", f"编号机构「{bi}」未在 issuers 中定义{suggest(bi, issuers)}")
            else:
                bulletin_issuer = bi
        bulletin_adopted = _paper_bulletins(b, bulletin_title)
        b.finish(("issuer", "to", "auto", "adopted", "title"))
    if off is None or not off.ok:
        if off is None:
            e.err("office", "设置文件缺少「office」（发文机关、督导专班名称、联系人等）")
        return None
    archive = e.str("archive") or None
    printing = Printing()
    pr = e.sub("print", "print（印制）")
    if pr and pr.ok:
        vals = {k: pr.boolean(k) for k in ("sealed", "colour", "cc_leader", "duplex")}
        printing = Printing(**{k: v for k, v in vals.items() if v is not None}, copies=pr.integer("copies", 1))
        pr.finish(("sealed", "colour", "cc_leader", "copies", "duplex"))
    sms_signature, sms_timeout = "", SMS_TIMEOUT
    sm = e.sub("sms", "sms（短信提醒）")
    if sm and sm.ok:
        sms_signature = sm.str("signature")
        if sm.has("timeout"):
            t = sm.m["timeout"]
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not 1 <= t <= 600:
                sm.err("timeout", f"短信网关的超时应为1到600之间的秒数，实际是「{t}」")
            else:
                sms_timeout = float(t)
        sm.finish(("signature", "timeout"))
    limits = PlatformLimits()
    pl = e.sub("platform", "platform（督导工作平台）")
    if pl and pl.ok:
        keys = ("reports_per_day", "attachments_mb_per_day", "min_free_mb")
        limits = PlatformLimits(**{k: v for k in keys if (v := pl.integer(k)) is not None})
        pl.finish(keys)
    s = Settings(
        platform=limits,
        sms_signature=sms_signature,
        sms_timeout=sms_timeout,
        bulletin_auto=bulletin_auto,
        bulletin_adopted=bulletin_adopted,
        printing=printing,
        archive=archive,
        committee=off.str("committee", required=True),
        office=off.str("name", required=True),
        contact=off.str("contact", required=True),
        phone=off.str("phone", required=True),
        print_organ=off.str("print_organ", required=True),
        cc=off.strlist("cc") or ("党工委组织部", "纪工委"),
        issuers=issuers,
        default_issuer=default or "",
        bulletin_issuer=bulletin_issuer or "",
        bulletin_to=bulletin_to,
        bulletin_title=bulletin_title,
        term=_office_word(off, "term", DEFAULT_TERM, "office.term（固定用语中的工作名称）"),
        src=e.src,
    )
    off.finish(("committee", "name", "contact", "phone", "print_organ", "cc", "term"))
    e.finish(("office", "issuers", "bulletin", "archive", "print", "sms", "platform"))
    return s


def _office_word(e: Entry, key: str, default: str, what: str) -> str:
    """settings.yaml `bulletin.title` / `office.term`: one word of the office's own (督查通报, 督查), or the default
    when not written. It is printed in the masthead and the fixed phrases and is part of the bulletin's file names:
    one line, at most OFFICE_WORD_MAX characters, nothing a file name cannot hold."""
    if key not in e.m:
        return default
    n = len(e.out)
    v = e.str(key) if e.has(key) else ""  # `title:` with nothing after it is empty, not the default
    if len(e.out) > n:  # not text, or a control character, a line break…: named already
        return default
    if not v:
        e.err(key, f"{what}不能为空（不写则为“{default}”）")
    elif len(v) > OFFICE_WORD_MAX:
        e.err(key, f"{what}「{v}」有{len(v)}个字，不能超过{OFFICE_WORD_MAX}个字")
    elif v.startswith(".") or _BAD_WORD.search(v):
        e.err(key, f"{what}「{v}」不能以“.”开头，不能含有空白或 / \\ : * ? \" < > |（它也是通报文件名的一部分）")
    else:
        return v
    return default


def _paper_bulletins(b: Entry, title: str) -> tuple[Paper, ...]:
    """settings.yaml `bulletin.adopted`: the bulletins issued on paper before docgen, each {period, number, date}."""
    from ..core.diagnostics import DocgenError
    from .periods import parse_period

    out: list[Paper] = []
    numbers: dict[str, Src] = {}
    periods: dict[str, Src] = {}
    for a in b.items("adopted", "纸质出具的通报"):
        text, number, date = a.str("period", required=True), a.str("number", required=True), a.date("date", required=True)
        a.finish(("period", "number", "date"))
        period = None
        if text:
            try:
                period = parse_period(text)
            except DocgenError as ex:
                a.err("period", str(ex))
        m = _PAPER_BULLETIN.fullmatch(number) if number else None
        if number and m is None:
            a.err("number", f"「{number}」不是《{title}》的期号：应写成 年份年第N期，如 2026年第2期")
        if not (period and m and date):
            continue
        src = Src(a.file, a.lineof("number"))
        if int(m[1]) != date.year:
            a.err("number", f"期号「{number}」的年份与出具日期 {date.isoformat()} 的年份不符（期号按出具的年份编）")
        elif int(m[2]) > MAX_PAPER_SEQ:
            a.err("number", f"期号「{number}」的{_seq_too_big(int(m[2]))}")
        elif number in numbers:
            a.err("number", f"期号「{number}」重复（{numbers[number]} 已登记）")
        elif period.key in periods:
            a.err("period", f"{period.label}的通报已在 {periods[period.key]} 登记")
        else:
            numbers[number], periods[period.key] = src, src
            out.append(Paper(number, date, src, int(m[1]), int(m[2]), period.key, period.label))
    return tuple(out)


EXPLICIT_KEYS = ("text", "clause", "report_to")


def _explicit_rule(r: Entry, rules: Rules) -> Rules:
    """rules.yaml `deadlines.explicit`: the words and clause of the office's rule for items with a stated deadline.
    It has no period of its own (the item's `due` is the deadline): period and count are refused, saying what to
    write instead."""
    for k in ("period", "count"):
        if k in r.m:
            r.err(k, f"explicit（明确时限）的期限就是事项写明的 due，没有「{k}」可设：deadlines.explicit 只写 "
                     "text（规则原文）、clause（所在条款）、report_to（报送对象），如 "
                     "explicit: {text: 有明确办理时限要求的，严格按时限要求办理, clause: 第10条}")
    cur = rules.rule("explicit")
    rules = rules.with_period("explicit", cur.period, cur.unit, r.str("report_to") or None,
                              r.str("clause") if r.has("clause") else None, r.str("text") if r.has("text") else None)
    r.finish(tuple(k for k in r.m if k in ("period", "count")) + EXPLICIT_KEYS)
    return rules


def _vocabulary_words(voc: Entry, group: str, cn: str, only: str) -> dict | None:
    """One group of rules.yaml `vocabulary`: word -> rule id, or None when the group is not written. A group whose
    words all follow one rule (`only`, e.g. inspections: explicit) may be written as a list of its words."""
    raw = voc.m.get(group) if voc.has(group) else None
    if raw is None:
        return None
    if only and isinstance(raw, (list, str)):
        words = voc.strlist(group)
        if not words:
            voc.err(group, f"vocabulary.{group}（{cn}）至少要写一个用语")
        return {w: only for w in words}
    g = voc.sub(group, f"vocabulary.{group}（{cn}）")
    if not g or not g.ok:
        return None
    words = {}
    for word in g.m:
        why = unprintable(str(word))
        if why:  # the word itself is not shown: it holds the character
            g.out.append(Diagnostic(g.file, g.lineof(word), f"vocabulary.{group}", f"用语{why}"))
            continue
        rid = g.str(str(word))
        if only and rid != only:
            g.err(str(word), f"{cn}「{word}」只能对应「{only}」（整改时限按各项写明的 due），实际写的是「{rid}」；"
                             f"也可只列出用语：{group}: [{word}, …]")
            continue
        if not only and (rid not in DEFAULT_DEADLINES or rid == "explicit"):
            g.err(str(word), f"「{word}」对应的「{rid}」不是时限规则{suggest(rid, DEFAULT_DEADLINES)}")
            continue
        words[str(word)] = rid
    return words


def _parse_rules(data, file: str, out: list[Diagnostic]) -> Rules:
    rules = Rules(vocabulary=sources.default_vocabulary())
    e = Entry(data, file, 1, "规则文件", out)
    if not e.ok:
        return rules
    dl = e.sub("deadlines", "deadlines（办理时限）")
    if dl and dl.ok:
        for rid in dl.m:
            if rid not in DEFAULT_DEADLINES:
                dl.err(str(rid), f"没有「{rid}」这条时限规则{suggest(rid, DEFAULT_DEADLINES)}"
                                 f"（可写：{'、'.join(DEFAULT_DEADLINES)}）")
                continue
            r = dl.sub(rid, f"时限规则 {rid}")
            if not r or not r.ok:
                continue
            if rid == "explicit":
                rules = _explicit_rule(r, rules)
                continue
            period = r.integer("period", minimum=1)
            unit = r.choice("count", ("calendar", "working"))
            cur = rules.rule(rid)
            why = period_problem(period or cur.period, unit or cur.unit)
            if why:
                r.err("period" if r.has("period") else "count", why)
                period, unit = cur.period, cur.unit
            rules = rules.with_period(rid, period or cur.period, unit or cur.unit, r.str("report_to") or None,
                                      r.str("clause") if r.has("clause") else None,
                                      r.str("text") if r.has("text") else None)
            r.finish(("period", "count", "report_to", "clause", "text"))
    kw = {}
    c = e.sub("counting", "counting（期间计算）")
    if c and c.ok:
        rf = c.boolean("roll_forward")
        if rf is not None:
            kw["roll_forward"] = rf
        c.finish(("roll_forward",))
    w = e.sub("warnings", "warnings（预警与催办）")
    if w and w.ok:
        for k in ("warn_days", "urge_interval", "reply_days", "issue_lag", "sign_days"):
            v = w.integer(k, minimum=0)
            if v is not None:
                kw[k] = v
        w.finish(("warn_days", "urge_interval", "reply_days", "issue_lag", "sign_days"))
    b = e.sub("basis", "basis（规则所依据的文件）")
    if b and b.ok:
        kw["basis"] = Basis(b.str("number", required=True), b.str("title", required=True), b.str("scores"))
        b.finish(("number", "title", "scores"))
    voc = e.sub("vocabulary", "vocabulary（台账用语与时限规则的对应）")
    if voc and voc.ok:
        vocabulary = {k: dict(v) for k, v in rules.vocabulary.items()}
        groups = {v.group: v for v in sources.vocabularies()}
        for group, v in groups.items():
            words = _vocabulary_words(voc, group, v.label, v.only)
            if words is not None:
                vocabulary[group] = words  # an office lists its own words: the defaults are replaced, not merged
        voc.finish(tuple(groups))
        kw["vocabulary"] = vocabulary
    bl = e.sub("bulletin", "bulletin（通报）")
    if bl and bl.ok:
        ed = bl.integer("explain_days", minimum=1)
        if ed is not None:
            kw["explain_days"] = ed
        bl.finish(("explain_days",))
    vf = e.sub("verification", "verification（销号核查）")
    if vf and vf.ok:
        req = vf.boolean("required")
        if req is not None:
            kw["verify"] = req
        rd = vf.integer("rework_days", minimum=1)
        if rd is not None:
            kw["rework_days"] = rd
        vf.finish(("required", "rework_days"))
    sc = e.sub("scores", "scores（计分）")
    if sc and sc.ok:
        scores = dict(DEFAULT_SCORES)
        base = sc.number("base")
        if base is not None:
            kw["base_score"] = base
        for k in DEFAULT_SCORES:
            v = sc.number(k)
            if v is not None:
                scores[k] = v
        kw["scores"] = scores
        sc.finish(("base", *DEFAULT_SCORES))
    co = e.sub("coordination", "coordination（统筹协调的条款）")
    if co and co.ok:
        from .coordination import parse_clauses
        kw["coordination"] = parse_clauses(co, out)
    ac = e.sub("accountability", "accountability（问责）")
    if ac and ac.ok:
        acc = {}
        for k in ("named_in_a_row", "overdue_days"):
            v = ac.integer(k, minimum=1)
            if v is not None:
                acc[k] = v
        for k in ("score_below", "year_score_below"):
            v = ac.number(k)
            if v is not None:
                acc[k] = v
        ro = ac.boolean("rectify_overdue")
        if ro is not None:
            acc["rectify_overdue"] = ro
        for k in ("clause", "year_clause"):
            if ac.has(k):
                acc[k] = ac.str(k)
        ac.finish(("named_in_a_row", "overdue_days", "score_below", "rectify_overdue", "year_score_below", "clause",
                   "year_clause"))
        kw["accountability"] = acc
    from . import recurring
    kw["reports"] = recurring.parse_reports(e, file, out)
    kw["schedules"] = recurring.parse_schedules(e, kw.get("vocabulary", rules.vocabulary), out, parse_date, suggest)
    e.finish(("basis", "deadlines", "vocabulary", "counting", "warnings", "verification", "bulletin", "scores",
              "coordination", "accountability", "reports", "schedules"))
    rules = replace(rules, **kw)
    return replace(rules, deadlines={**rules.deadlines, **recurring.recurring_deadlines(rules)})


def _parse_calendar(data, file: str, out: list[Diagnostic]) -> CalendarFile | None:
    e = Entry(data, file, 1, "日历文件", out)
    if not e.ok:
        return None
    n0 = len(out)
    year = e.integer("year", minimum=1949)
    if year is not None and year > 2200:
        e.err("year", f"年份「{year}」不合理：日历文件只录入国务院办公厅已公布或将公布的年份")
        year = None
    if year is None and not e.has("year"):
        e.err("year", "日历文件缺少「year」（年份，如 2027）")
    source = e.str("source")
    holidays = None
    if e.has("holidays"):
        if not source:
            e.err("source", "录入全年节假日安排时须写明依据的通知（source），如 国务院办公厅关于2027年部分节假日安排的通知")
        holidays = []
        for h in e.items("holidays", "节假日"):
            name = h.str("name", required=True)
            off = parse_dates(h.m.get("off"), file, h.lineof("off"), "off", out) if h.has("off") else []
            if not h.has("off"):
                h.err("off", f"节假日「{name}」缺少放假日期（off）")
            makeup = parse_dates(h.m.get("makeup"), file, h.lineof("makeup"), "makeup", out) if h.has("makeup") else []
            for d in makeup:
                if d.weekday() < 5:
                    h.err("makeup", f"调休上班日 {d.isoformat()} 是星期{'一二三四五'[d.weekday()]}，调休上班日必须是周末")
            both = set(off) & set(makeup)
            for d in sorted(both):
                h.err("makeup", f"{d.isoformat()} 既是放假日又是调休上班日")
            for key, days in (("off", off), ("makeup", makeup)):
                for d in days:
                    if year and d.year != year:
                        h.err(key, f"{d.isoformat()} 不在本文件的年份 {year} 内")
            holidays.append(HolidaySpan(name, tuple(off), tuple(makeup)))
            h.finish(("name", "off", "makeup"))
        all_off = [d for h in holidays for d in h.off]
        all_mk = [d for h in holidays for d in h.makeup]
        for d in sorted(set(all_off) & set(all_mk)):
            e.err("holidays", f"{d.isoformat()} 既是放假日又是调休上班日")
    corrections = []
    for c in e.items("corrections", "本地调整"):
        d = c.date("date", required=True)
        working = c.boolean("working", required=True)
        reason = c.str("reason", required=True)
        if d and year and d.year != year:
            c.err("date", f"{d.isoformat()} 不在本文件的年份 {year} 内")
        if d and working is not None:
            corrections.append(Correction(d, working, reason, c.src))
        c.finish(("date", "working", "reason"))
    e.finish(("year", "source", "holidays", "corrections"))
    if len(out) > n0 or year is None:
        return None
    return CalendarFile(year, source, tuple(holidays) if holidays is not None else None, tuple(corrections), e.src)


# ---------------------------------------------------------------- register entries

class _Collector:
    def __init__(self, out: list[Diagnostic], vocabulary: dict):
        self.out = out
        self.vocabulary = vocabulary
        self.units: dict[str, Unit] = {}
        self.unit_forms: dict[str, Unit] = {}  # NFKC form of each name -> its unit (全角 ＡＢ局 is AB局)
        self.items: list[Item] = []
        self.item_src: dict[str, Src] = {}
        self.events: list[Event] = []
        self.unit_refs: list[tuple[str, Src, str]] = []  # name, where, field
        self.alias_refs: list[tuple[str, str, Src]] = []  # alias, the unit it names, where
        self.issuer_refs: list[tuple[str, Src, str]] = []
        self.entries: dict[str, list] = {}  # source kind -> what its entries are besides items (coordination matters)
        self.rules: Rules | None = None
        # the work that recurs (registers/recurring.py)
        self.projects: list = []
        self.targets: list = []
        self.received: list = []  # 专报 entries
        self.project_refs: list[tuple[str, Src, str]] = []  # a meeting's projects
        self.held: list = []  # meetings: (src, date, kind, project ids)
        self.schedule_kinds: set = set()  # meeting kinds a schedule needs: such a meeting may have no items

    def words(self, source: "sources.SourceKind") -> dict:
        """A source's words for the deadline rules (rules.yaml `vocabulary`): word -> rule id."""
        return self.vocabulary.get(source.vocabulary.group, {}) if source.vocabulary else {}

    def unit(self, e: Entry) -> None:
        name = e.str("name", required=True)
        mobile = e.str("mobile")
        if mobile and not _MOBILE_RX.match(mobile):
            e.err("mobile", f"手机号「{mobile}」应为以1开头的11位数字（短信提醒用）")
        same = self.unit_forms.get(unicodedata.normalize("NFKC", name)) if name else None
        if name in self.units:
            e.err("name", f"单位「{name}」重复（{self.units[name].src} 已定义）")
        elif same is not None:
            e.err("name", f"单位「{name}」与「{same.name}」（{same.src} 已定义）只有全角半角等写法上的不同，"
                          "看起来是同一个单位：请统一写法，删去重复的一个")
        aliases = tuple(dict.fromkeys(a for a in e.strlist("aliases") if a and a != name))
        if same is None and name and name not in self.units:
            self.units[name] = Unit(name, e.str("kind"), e.str("leader"), e.str("contact", required=True), mobile,
                                    e.src, aliases)
            self.unit_forms[unicodedata.normalize("NFKC", name)] = self.units[name]
            line = e.lineof("aliases")
            self.alias_refs += [(a, name, Src(e.file, line)) for a in aliases]
        e.finish(("name", "kind", "leader", "contact", "mobile", "aliases"))

    def check_aliases(self) -> dict[str, str]:
        """Each alias -> the unit it names, once every unit is read. An alias names one unit: one that is another
        unit's name (or differs from it only in width, ＡＢ局 / AB局), or that two units both claim, is refused
        naming where both are written."""
        owner: dict[str, tuple[str, Src]] = {}  # NFKC form of an alias -> (its unit, where)
        out: dict[str, str] = {}
        for alias, name, src in self.alias_refs:
            form = unicodedata.normalize("NFKC", alias)
            other = self.unit_forms.get(form)
            if other is not None and other.name != name:
                self.out.append(Diagnostic(src.file, src.line, "aliases",
                                           f"单位「{name}」的别名「{alias}」是单位「{other.name}」（{other.src}）的名称："
                                           "别名只能指一个单位，请删去或改写这个别名"))
                continue
            if form in owner and owner[form][0] != name:
                first, where = owner[form]
                self.out.append(Diagnostic(src.file, src.line, "aliases",
                                           f"别名「{alias}」同时写在单位「{first}」（{where}）和「{name}」下："
                                           "别名只能指一个单位，请只在其中一个单位下写它"))
                continue
            owner.setdefault(form, (name, src))
            out[alias] = name
        return out

    def item(self, e: Entry, source: Source, default_rule: str | None, text_key: str = "text",
             extra_keys: tuple = (), lead_key: str = "lead", due_key: str = "due") -> None:
        """One item of a source's entry (registers/sources.py): its text, lead unit and due date are read from
        the keys the source names them by."""
        if not source.described:
            decl = sources.get(source.kind)
            source = replace(source, described=decl.describe(source), rectification=decl.rectification,
                             standing=decl.standing)
        iid = e.str("id", required=True)
        text = e.str(text_key, required=True)
        n0 = len(self.out)
        lead = e.str(lead_key)
        if not lead and e.ok and len(self.out) == n0:  # a lead refused for its text is not also "missing"
            self.out.append(Diagnostic(e.file, e.line, lead_key, f"事项「{iid}」没有牵头单位（{lead_key}），每个事项须有且只有一个牵头单位"))
        co = e.strlist("co")
        assigned = e.date("assigned") or source.date
        due = e.date(due_key)
        rule = e.str("rule")
        if rule and rule not in DEFAULT_DEADLINES:
            e.err("rule", f"没有「{rule}」这条时限规则{suggest(rule, DEFAULT_DEADLINES)}（可用：{'、'.join(DEFAULT_DEADLINES)}）")
            rule = ""
        if rule == "explicit" and not due:
            e.err("rule", "规则为 explicit（明确时限）时必须写 due（办结时限）")
        if due and rule and rule != "explicit":
            e.err("due", f"同时写了 due 和 rule: {rule}；有明确时限的事项请只写 due")
        if due and due < assigned:
            e.err("due", f"办结时限 {due.isoformat()} 早于交办日期 {assigned.isoformat()}")
        if source.date != dt.date.min and assigned < source.date:
            e.err("assigned", f"交办日期 {assigned.isoformat()} 早于来源日期 {source.date.isoformat()}")
        urgency = e.choice("urgency", URGENCIES)
        from .recurring import FEEDBACK
        feedback = e.choice("feedback", tuple(FEEDBACK)) or ""
        issuer = e.str("issuer")
        owner = e.str("owner")  # 责任人 (§13: scores tie to every responsible person)
        paper = self.paper(e, assigned)
        final_rule = "explicit" if due else (rule or default_rule or "")
        if not final_rule and e.ok:
            self.out.append(Diagnostic(e.file, e.line, "due", f"事项「{iid}」无法确定办结时限：请写 due 或 rule"))
        if lead and lead in co:
            e.err("co", f"牵头单位「{lead}」不应同时列为配合单位")
        if lead:
            self.unit_refs.append((lead, Src(e.file, e.lineof(lead_key)), lead_key))
        for c in co:
            self.unit_refs.append((c, Src(e.file, e.lineof("co")), "co"))
        if issuer:
            self.issuer_refs.append((issuer, Src(e.file, e.lineof("issuer")), "issuer"))
        decl = sources.get(source.kind)
        if iid and decl.id_pattern and not re.fullmatch(decl.id_pattern, iid):
            e.err("id", f"事项编号「{iid}」不符合{decl.label}的编号格式" + (f"（如 {decl.id_example}）" if decl.id_example else ""))
        if iid in self.item_src:
            e.err("id", f"事项编号「{iid}」重复（{self.item_src[iid]} 已使用）")
        elif iid:
            self.item_src[iid] = e.src
            if lead and text and final_rule:
                self.items.append(Item(iid, source, text, lead, co, assigned, final_rule, due, issuer, urgency, e.src,
                                       paper, owner=owner, feedback=feedback))
        e.finish(ITEM_KEYS + extra_keys if (lead_key, due_key) == ("lead", "due") else
                 tuple(k for k in ITEM_KEYS if k not in ("lead", "due")) + (lead_key, due_key) + extra_keys)

    def report(self, e: Entry) -> None:
        """A 专报 entry: {type: 专报, unit, period, date} — a unit's periodic report (registers/recurring.py)."""
        from .recurring import Received
        unit = e.str("unit", required=True)
        period = e.str("period", required=True)
        date = e.date("date", required=True)
        report, note = e.str("report"), e.str("note")
        e.finish(("type", "unit", "period", "date", "report", "note"))
        if unit:
            self.unit_refs.append((unit, Src(e.file, e.lineof("unit")), "unit"))
        if unit and period and date:
            self.received.append(Received(unit, period, date, report, note, e.src))

    def project(self, e: Entry) -> None:
        from .recurring import parse_project
        parse_project(self, e)

    def paper(self, e: Entry, assigned: dt.date) -> Paper | None:
        """`slip` and `slip_date`: the item's first slip, issued on paper before docgen (its prefix is checked
        against the item's issuer in parse_registers, and the ledger's numbers in engine.checks.paper_checks)."""
        number, date = e.str("slip"), e.date("slip_date")
        if number and not e.has("slip_date"):
            e.err("slip", "写了纸质单据的编号（slip），还须写它的出具日期（slip_date）")
        if e.has("slip_date") and not e.has("slip"):
            e.err("slip_date", "写了纸质单据的出具日期（slip_date），还须写它的编号（slip）")
        if not number:
            return None
        parsed = parse_number(number)  # 督交〔2026〕7号: the prefix is checked once the issuer is known
        if parsed is None:
            e.err("slip", f"「{number}」不是单据编号：应写成 机关代字〔年份〕序号号，如 督交〔2026〕7号（六角括号〔〕，序号不加“第”和前导0）")
            return None
        if date is None:
            return None
        if date < assigned:
            e.err("slip_date", f"纸质单据的出具日期 {date.isoformat()} 早于交办日期 {assigned.isoformat()}")
        _, year, seq = parsed
        if year != date.year:
            e.err("slip", f"编号「{number}」的年份{year}与出具日期 {date.isoformat()}（slip_date）的年份不符")
            return None
        if seq > MAX_PAPER_SEQ:
            e.err("slip", f"编号「{number}」的{_seq_too_big(seq)}")
            return None
        return Paper(number, date, Src(e.file, e.lineof("slip")), year, seq)

    def event(self, e: Entry) -> None:
        typ = e.choice("type", EVENT_TYPES, required=True)
        if typ == "专报":
            return self.report(e)
        item = e.str("item", required=True)
        date = e.date("date", required=True)
        note = e.str("note")
        until = e.date("until")
        reason = e.str("reason")
        granted = passed = None
        allowed = ["item", "date", "type", "note"]
        if typ == "延期申请":
            allowed += ["until", "reason"]
            if not reason and e.ok:
                line = e.lineof("reason") if e.has("reason") else e.line
                self.out.append(Diagnostic(e.file, line, "reason", "延期申请须说明原因（reason）"))
            if not until and not e.has("until") and e.ok:
                self.out.append(Diagnostic(e.file, e.line, "until", "延期申请须写申请延至的日期（until）"))
        elif typ == "延期批复":
            allowed += ["until", "granted"]
            granted = e.boolean("granted", required=True, words=("同意", "不同意"))
        elif typ == "核查":
            allowed += ["passed", "until"]
            passed = e.boolean("passed", required=True, words=("通过", "不通过"))
        slip = signer = unit = rule = decision = ""
        if typ == "签收":
            allowed += ["slip", "by"]
            slip, signer = e.str("slip", required=True), e.str("by", required=True)
        elif typ in ("申诉", "申诉决定"):
            allowed += ["unit", "rule"] + (["reason"] if typ == "申诉" else ["decision", "by"])
            unit, rule = e.str("unit", required=True), self.score_rule(e)
            if unit:
                self.unit_refs.append((unit, Src(e.file, e.lineof("unit")), "unit"))
            if typ == "申诉" and not reason and e.ok and not e.has("reason"):
                self.out.append(Diagnostic(e.file, e.line, "reason", "申诉须说明理由（reason）"))
            if typ == "申诉决定":
                decision = e.choice("decision", APPEAL_DECISIONS, required=True) or ""
                signer = e.str("by", required=True)
        e.finish(tuple(allowed))
        if typ == "核查" and until and passed:
            e.err("until", "核查通过时没有整改时限：until 只用于核查不通过（退回整改）")
        elif until and date and until <= date:
            e.err("until", f"整改时限 {until.isoformat()} 不晚于核查日期 {date.isoformat()}" if typ == "核查"
                  else f"延至日期 {until.isoformat()} 不晚于申请/批复日期 {date.isoformat()}")
        if item and date and typ:
            self.events.append(Event(item, date, typ, note, e.src, until, reason, granted, passed, slip, signer,
                                     unit, rule, decision))

    def score_rule(self, e: Entry) -> str:
        """申诉: the score rule appealed against, written as its key (overdue) or its name (逾期未办结)."""
        from .rules import DEFAULT_SCORES, SCORE_LABELS

        v = e.str("rule", required=True)
        if not v:
            return ""
        if v in DEFAULT_SCORES:
            return v
        names = {SCORE_LABELS[k].replace("《{title}》", "通报"): k for k in DEFAULT_SCORES}
        if v in names:
            return names[v]
        e.err("rule", f"「{v}」不是计分规则（可写：{'、'.join(names)}，或 {'、'.join(DEFAULT_SCORES)}）{suggest(v, names)}")
        return ""


def _check_events(col: _Collector) -> None:
    items = {i.id: i for i in col.items}
    by_item: dict[str, list[Event]] = {}
    for ev in col.events:
        if ev.item not in items:
            if ev.item not in col.item_src:  # an item with its own errors is not "unknown"
                col.out.append(Diagnostic(ev.src.file, ev.src.line, "item",
                                          f"进展记录指向不存在的事项「{ev.item}」{suggest(ev.item, items)}"))
            continue
        by_item.setdefault(ev.item, []).append(ev)
    for iid, evs in by_item.items():
        item = items[iid]
        evs.sort(key=lambda e: (e.date, e.src))
        requested = None
        appeals: dict = {}  # (unit, rule) -> the 申诉 not yet decided
        decided: dict = {}  # (unit, rule) -> the 申诉决定 of its last appeal
        done = False  # a completion (办结 / 整改报告) that no verification has answered yet
        for ev in evs:
            if ev.type in ("办结", "整改报告"):
                done = True
            elif ev.type == "核查":
                if not done:
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "type",
                                              f"事项「{iid}」{ev.date.isoformat()}的核查之前没有办结或整改报告，无可核查"))
                elif ev.passed is False:
                    done = False  # returned for rework: the next check needs a new completion
            if ev.date < item.assigned:
                col.out.append(Diagnostic(ev.src.file, ev.src.line, "date",
                                          f"进展日期 {ev.date.isoformat()} 早于事项「{iid}」的交办日期 {item.assigned.isoformat()}"))
            if ev.type in ("申诉", "申诉决定") and ev.unit and ev.unit != item.lead:
                col.out.append(Diagnostic(ev.src.file, ev.src.line, "unit",
                                          f"事项「{iid}」的扣分计在牵头单位「{item.lead}」，「{ev.unit}」没有可申诉的扣分"))
            if ev.type == "申诉":
                first = appeals.get((ev.unit, ev.rule))
                if first is not None and ev.rule:  # the first would stay pending for ever (no notice issued)
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "type",
                                              f"{ev.unit}对事项「{iid}」这项扣分已于{first.date.isoformat()}申诉"
                                              f"（{first.src}），尚未决定：决定之前不再申诉"))
                else:
                    appeals[(ev.unit, ev.rule)] = ev
            elif ev.type == "申诉决定":
                if appeals.pop((ev.unit, ev.rule), None) is not None:
                    decided[(ev.unit, ev.rule)] = ev
                elif ev.rule and (ev.unit, ev.rule) in decided:
                    first = decided[(ev.unit, ev.rule)]
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "type",
                                              f"{ev.unit}对事项「{iid}」这项扣分的申诉已于{first.date.isoformat()}"
                                              f"决定{first.decision}（{first.src}），不能再次决定"))
                elif ev.rule:
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "type",
                                              f"事项「{iid}」{ev.date.isoformat()}的申诉决定之前没有{ev.unit}对这项扣分的申诉"))
            if ev.type == "延期申请":
                requested = ev
            elif ev.type == "延期批复":
                if requested is None:
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "date",
                                              f"事项「{iid}」的延期批复（{ev.date.isoformat()}）早于延期申请，或没有延期申请"))
                elif ev.granted and not (ev.until or requested.until):
                    col.out.append(Diagnostic(ev.src.file, ev.src.line, "until", "同意延期须写延至日期（until）"))
                requested = None


def _check_paper(items: list[Item], settings: Settings, out: list[Diagnostic]) -> None:
    """Each paper slip's number against its issuer's prefix for the kind that assigns the item, and no number
    adopted by two items (nor by a bulletin's entry: a different form, never equal)."""
    from ..kinds import format_number

    seen: dict[str, Src] = {}
    for i in items:
        p = i.paper
        issuer = settings.issuers.get(i.issuer or settings.default_issuer)
        if p is None or issuer is None:
            continue
        kind = KINDS[i.first_kind]
        expect = format_number(issuer.prefixes[kind.id], p.year, p.seq)
        if p.number != expect:
            out.append(Diagnostic(p.src.file, p.src.line, "slip",
                                  f"「{p.number}」不是编号机构「{issuer.id}」的{kind.name}编号：其机关代字是"
                                  f"「{issuer.prefixes[kind.id]}」（应如 {expect}）"))
        elif p.number in seen:
            out.append(Diagnostic(p.src.file, p.src.line, "slip",
                                  f"编号「{p.number}」已由另一个事项登记为纸质出具（{seen[p.number]}）：一个编号只属于一份单据"))
        else:
            seen[p.number] = p.src


def _is_config(key: str) -> bool:
    """The rules file and calendar files: what `docgen due` needs besides the defaults."""
    return key == "rules.yaml" or key.startswith("calendar/")


def _parse_config(files: dict[str, str], root: str, out: list[Diagnostic]) -> tuple[Rules, list[CalendarFile]]:
    rules, cals = Rules(vocabulary=sources.default_vocabulary()), []
    for key in sorted(k for k in files if _is_config(k)):
        rel = str(Path(root) / key)
        data, problems = load_yaml(files[key], rel)
        out.extend(problems)
        if data is None:
            continue
        if key == "rules.yaml":
            rules = _parse_rules(data, rel, out)
        else:
            cf = _parse_calendar(data, rel, out)
            stem = Path(key).stem
            if cf and stem != str(cf.year) and not stem.startswith(f"{cf.year}-"):
                line = data.line_of("year") if isinstance(data, YMap) else 1
                out.append(Diagnostic(rel, line, "year", f"文件名是 {Path(key).name}，写的年份却是 {cf.year}：日历文件按年份命名"
                                                         f"（{cf.year}.yaml 或 {cf.year}-local.yaml），请改正年份或文件名"))
            elif cf:
                cals.append(cf)
    return rules, cals


def parse_registers(files: dict[str, str], root: str = "registers", partial: bool = False,
                    as_of: dt.date | None = None) -> tuple[Registers | None, list[Diagnostic]]:
    """files: path relative to the registers folder -> text. Pure. Messages name root/path. as_of: the date the
    run looks from: the recurring work is derived through its year too (registers/recurring.py derive).

    With problems, the model is None; with `partial`, it is what did read (the items and progress entries without
    problems of their own, settings possibly None), so that the checks that need the working-day calendar
    (engine.checks) still look at every other item: one item's problems never hide another's."""
    out: list[Diagnostic] = []
    settings = None
    rules, cal_files = _parse_config(files, root, out)
    col = _Collector(out, rules.vocabulary)
    col.rules = rules
    col.schedule_kinds = {s.kind for s in rules.schedules}
    handlers = {"units": ("单位", col.unit), "projects": ("项目", col.project),
                **{s.key: (s.what, lambda e, s=s: s.parse(s, e, col)) for s in sources.all() if s.key},
                "progress": ("进展记录", col.event)}
    seen_settings = False
    for key in sorted(k for k in files if not _is_config(k)):
        rel = str(Path(root) / key)
        data, problems = load_yaml(files[key], rel)
        out.extend(problems)
        if data is None:
            continue  # an empty file, or one that did not parse (already reported)
        if key == "settings.yaml":
            seen_settings = True
            settings = _parse_settings(data, rel, out)
            continue
        top = Entry(data, rel, 1, "台账文件", out)
        if not top.ok:
            continue
        for register in top.m:
            if register in handlers:
                what, fn = handlers[register]
                for e in top.items(register, what):
                    fn(e)
        top.finish(register_keys())
    if not seen_settings:
        out.append(Diagnostic(f"{root}/settings.yaml", 0, "settings", "找不到设置文件 settings.yaml（发文机关、编号机构、抄送等）"))
    # two calendar files for one year
    years: dict[int, CalendarFile] = {}
    for cf in cal_files:
        if cf.year in years and cf.holidays is not None and years[cf.year].holidays is not None:
            out.append(Diagnostic(cf.src.file, cf.src.line, "year", f"{cf.year}年的节假日安排已在 {years[cf.year].src} 录入"))
        years.setdefault(cf.year, cf)
    aliases = col.check_aliases()
    for name, src, field in col.unit_refs:
        if name not in col.units and name not in aliases:
            out.append(Diagnostic(src.file, src.line, field, f"单位「{_shown(name)}」不在单位名录（units）中"
                                                             f"{suggest(name, [*col.units, *aliases])}"))
    for i in col.items:  # 卫健局 as lead and 县卫生健康局 as co-unit are one unit
        if i.lead not in i.co and aliases.get(i.lead, i.lead) in [aliases.get(c, c) for c in i.co]:
            out.append(Diagnostic(i.src.file, i.src.line, "co", f"牵头单位「{i.lead}」（{aliases.get(i.lead, i.lead)}）"
                                                               "不应同时列为配合单位（配合单位中写的是它的名称或别名）"))
    if settings:
        for iid, src, field in col.issuer_refs:
            if iid not in settings.issuers:
                out.append(Diagnostic(src.file, src.line, field, f"编号机构「{iid}」未在 settings.yaml 中定义{suggest(iid, settings.issuers)}"))
    if settings:
        _check_paper(col.items, settings, out)
    _check_events(col)
    for s in sources.all():
        if s.check_all is not None:
            s.check_all(col.entries.get(s.kind, []), out, rules)
    entries = {k: tuple(v) for k, v in col.entries.items()}
    from .recurring import derive
    lo, hi = WorkCalendar(cal_files).known_span()
    derive(col, rules, out, {k: sources.get(k) for k in ("report", "schedule", "feedback")}, suggest,
           settings.issuers if settings else None, (lo - 1, hi + 1), through=as_of)
    extra = {"projects": tuple(col.projects), "targets": tuple(col.targets)}
    if out or settings is None:
        if not partial:
            return None, sorted(set(out))
        dated = tuple(i for i in col.items  # what has no due date to count (a missing date, no due) is told already
                      if dt.date.min not in (i.source.date, i.assigned) and (i.rule != "explicit" or i.explicit_due))
        return Registers(root, settings, rules, dict(col.units), dated, tuple(col.events),
                         tuple(cal_files), entries, **extra), sorted(set(out))
    full = lambda n: aliases.get(n, n)  # noqa: E731 - a unit written by its alias is that unit
    items = tuple(replace(i, issuer=i.issuer or settings.default_issuer, lead=full(i.lead),
                          co=tuple(full(c) for c in i.co)) for i in col.items)
    return Registers(root, settings, rules, dict(col.units), items, tuple(col.events), tuple(cal_files), entries, **extra), []


def _read_files(root: Path, keep=lambda key: True) -> tuple[dict[str, str], list[Diagnostic]]:
    """Every *.yaml / *.yml under root that keep() accepts: path relative to root -> text (the I/O edge)."""
    files: dict[str, str] = {}
    out: list[Diagnostic] = []
    shown = _display(root)
    cal = root / "calendar"
    if cal.is_dir():  # a calendar file that would not be read (2027.YAML, 2027.yaml.txt, 2027.json) is not ignored
        for p in sorted(cal.iterdir()):
            if p.suffix not in (".yaml", ".yml") and not p.name.startswith(".") and keep(f"calendar/{p.name}"):
                out.append(Diagnostic(f"{shown}/calendar/{p.name}", 0, "文件",
                                      "日历目录中的这个文件不会被读取：日历文件应命名为 年份.yaml，如 2027.yaml"))
    for p in sorted(root.rglob("*.yaml")) + sorted(root.rglob("*.yml")):
        key = p.relative_to(root).as_posix()
        if not keep(key):
            continue
        try:
            files[key] = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            out.append(Diagnostic(f"{shown}/{key}", 0, "编码", "文件不是 UTF-8 编码，请用 UTF-8 保存"))
        except OSError as e:
            out.append(Diagnostic(f"{shown}/{key}", 0, "文件", f"无法读取（{e.strerror}）"))
    return files, out


def read_registers(root: Path | str, partial: bool = False,
                   as_of: dt.date | None = None) -> tuple[Registers | None, list[Diagnostic]]:
    """Read every *.yaml under root and parse it (`partial`, `as_of`: see parse_registers)."""
    root = Path(root)
    if not root.is_dir():
        return None, [Diagnostic(str(root), 0, "registers", "台账目录不存在")]
    files, out = _read_files(root)
    reg, diags = parse_registers(files, _display(root), partial, as_of)
    return reg, sorted(set(out + diags))


def _display(p: Path) -> str:
    """A path as the clerk gave it: relative to the working folder when possible."""
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def read_rules_and_calendar(root: Path | str) -> tuple[Rules, list[CalendarFile]]:
    """Only the rules file and calendar files (for `docgen due`), so that a problem elsewhere in the registers
    does not stop a due-date question. Raises InputErrors if those files have problems; a missing registers
    folder means the defaults."""
    from ..core.diagnostics import InputErrors

    root = Path(root)
    if not root.is_dir():
        return Rules(vocabulary=sources.default_vocabulary()), []
    files, out = _read_files(root, _is_config)
    rules, cals = _parse_config(files, _display(root), out)
    if out:
        raise InputErrors(out)
    return rules, cals
