"""The ledger (账本): every act of issuing, as an append-only, hash-chained text file kept with the registers.

`registers/ledger.jsonl` holds one JSON object a line, one line an act: a number given, a slip rendered (with
the sha256 of its .docx and PDF and the item facts it printed), a void, a reissue (更正), a print batch, a
bulletin that closes its period (its figures, the items it named, each unit's score events), and the one-time
migration of an old numbers.tsv. What is in the ledger is a recorded fact: it is never recomputed.

Format (docs/ledger.md): UTF-8; JSON with every string escaped, never cleaned: the control characters, DEL and
C1 controls (U+0085 …), U+2028/U+2029 and U+FEFF are written as \\uXXXX, so a line is one line for every
reader, and Chinese stays readable. Each record carries `n` (its 1-based place) and `prev`, the sha256 of the
line before it (64 zeros for the first), so any edit, deletion or reordering is found and named with its line.
Every record is validated on read: a number must match its issuer's pattern before it is used in any path.

One writer at a time: an exclusive flock on ledger.jsonl.lock. A commit writes the old bytes and the new lines to
a temporary file, fsyncs it, renames it over the ledger and fsyncs the folder, so a run killed at any moment
leaves the old ledger or the new one, never a mix.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field, fields
from typing import ClassVar
from pathlib import Path

from filelock import FileLock, Timeout

from ..core.diagnostics import Diagnostic, DocgenError, InputErrors
from ..core.files import atomic_write_bytes, fsync_dir
from ..kinds import KINDS, bulletin_number, format_number, prefix_problem  # noqa: F401 - numbers read here too

LEDGER = "ledger.jsonl"
HEAD = "ledger-head.json"  # kept in the archive: the ledger's last record when it was last written
MARK = "office.json"  # kept in the archive: whose archive it is (the office act's id and name)
LEGACY = "numbers.tsv"
GENESIS = "0" * 64
FIELD = "账本"

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_HEX = re.compile(r"^[0-9a-f]{64}$")


def encode(record: dict) -> str:
    """One record as one line of JSON: every string escaped, nothing dropped or replaced."""
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise ValueError("surrogate code points cannot be written to the ledger")
    return _UNSAFE.sub(lambda m: "\\u%04x" % ord(m.group()), text)


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- typed records, one class per act

DATE, STR, INT, HEX, OPT_HEX, DICT, LIST, OPT_STR = "date", "str", "int", "hex", "hex?", "dict", "list", "str?"
VERSION = 2  # records written now carry "v": 2. Version 1 (no "v"): the same fields, before the office act existed.
_ENVELOPE = ("n", "prev", "at", "act", "v")


def _f(t: str):
    return field(metadata={"t": t})


@dataclass(frozen=True)
class Record:
    """One line of the ledger, validated: its envelope (n, prev, at, v) and its act's fields."""
    ACT: ClassVar[str] = ""
    CN: ClassVar[str] = ""

    @classmethod
    def fields_of(cls) -> dict[str, str]:
        return {f.name: f.metadata["t"] for f in fields(cls)}

    @classmethod
    def problems(cls, r: dict) -> list[str]:
        """The fields that are missing, of the wrong type, or not of this act."""
        schema = cls.fields_of()
        wrong = [k for k, t in schema.items() if k not in r or not _type_ok(r[k], t)]
        extra = [k for k in r if k not in schema and k not in _ENVELOPE]
        if "v" in r and not (isinstance(r["v"], int) and not isinstance(r["v"], bool) and 2 <= r["v"] <= VERSION):
            extra.append("v")
        return wrong + extra

    @classmethod
    def of(cls, r: dict) -> "Record":
        return cls(**{k: r[k] for k in cls.fields_of()})


@dataclass(frozen=True)
class Migrate(Record):
    ACT, CN = "migrate", "转换旧编号登记簿"
    source: str = _f(STR)
    sha256: str = _f(HEX)
    count: int = _f(INT)


@dataclass(frozen=True)
class Number(Record):
    ACT, CN = "number", "编号"
    issuer: str = _f(STR)
    kind: str = _f(STR)
    year: int = _f(INT)
    seq: int = _f(INT)
    prefix: str | None = _f(OPT_STR)
    number: str = _f(STR)
    item: str = _f(STR)
    key: str = _f(STR)
    date: str = _f(DATE)


PAPER = "纸质出具"  # what an adopt record says of its document: printed on paper, nothing in the archive


@dataclass(frozen=True)
class Adopt(Number):
    """A slip (or a bulletin) the office issued on paper before it used docgen: a number record's fields (its
    number as printed, its real date, its item; a bulletin: its period's key) and where it came from. The
    sequence continues after it; it has no files."""
    ACT, CN = "adopt", "登记纸质出具的单据"
    source: str = _f(STR)


@dataclass(frozen=True)
class Render(Record):
    ACT, CN = "render", "出具文件"
    number: str = _f(STR)
    rev: int = _f(INT)
    date: str = _f(DATE)
    docx: str = _f(HEX)
    pdf: str = _f(HEX)
    facts: dict = _f(DICT)


@dataclass(frozen=True)
class Facts(Record):
    """What a standalone document (a 问责建议: the keys of the facts it proposes) is about, recorded in the commit
    that gives its number: a number whose conversion fails still holds them, so they are never numbered again."""
    ACT, CN = "facts", "编号所针对的情形"
    number: str = _f(STR)
    facts: dict = _f(DICT)


@dataclass(frozen=True)
class Void(Record):
    ACT, CN = "void", "作废"
    number: str = _f(STR)
    reason: str = _f(STR)
    date: str = _f(DATE)


@dataclass(frozen=True)
class Reissue(Record):
    ACT, CN = "reissue", "更正"
    number: str = _f(STR)
    rev: int = _f(INT)
    reason: str = _f(STR)
    date: str = _f(DATE)


@dataclass(frozen=True)
class Close(Record):
    """The bulletin view is kept as recorded (plain data, never recomputed), but its shape is checked."""
    ACT, CN = "close", "通报并结算期间"
    number: str = _f(STR)
    period: dict = _f(DICT)
    date: str = _f(DATE)
    view: dict = _f(DICT)
    scores: dict = _f(DICT)
    named: list = _f(LIST)


@dataclass(frozen=True)
class Batch(Record):
    ACT, CN = "batch", "打印批次"
    id: str = _f(STR)
    kind: str = _f(STR)
    date: str = _f(DATE)
    numbers: list = _f(LIST)
    files: dict = _f(DICT)


@dataclass(frozen=True)
class Reminders(Record):
    ACT, CN = "reminders", "短信发送记录开始"
    date: str = _f(DATE)
    id: str = _f(STR)


@dataclass(frozen=True)
class Office(Record):
    """Whose ledger this is: the id also written in the archive's office.json (record/archive.py)."""
    ACT, CN = "office", "办公室标识"
    id: str = _f(HEX)
    name: str = _f(STR)


RECORDS: dict[str, type[Record]] = {c.ACT: c for c in (Migrate, Number, Render, Void, Reissue, Close, Batch,
                                                         Reminders, Office, Adopt, Facts)}
SCHEMAS: dict[str, dict[str, str]] = {act: c.fields_of() for act, c in RECORDS.items()}
ACT_CN = {act: c.CN for act, c in RECORDS.items()}


def _type_ok(v, t: str) -> bool:
    if t == STR:
        return isinstance(v, str)
    if t == OPT_STR:
        return v is None or isinstance(v, str)
    if t == INT:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0
    if t == HEX:
        return isinstance(v, str) and bool(_HEX.match(v))
    if t == OPT_HEX:
        return v is None or (isinstance(v, str) and bool(_HEX.match(v)))
    if t == DICT:
        return isinstance(v, dict)
    if t == LIST:
        return isinstance(v, list)
    if t == DATE:
        try:
            return isinstance(v, str) and dt.date.fromisoformat(v).isoformat() == v
        except ValueError:
            return False
    raise AssertionError(t)


def _close_view_problem(c: Close) -> str | None:
    """The recorded bulletin stays plain data (it is printed again as recorded), but it must be whole: its period
    names its start, end, label and key as dates and text, and its scores and named items are the view's own."""
    p = c.period
    if not all(isinstance(p.get(k), str) for k in ("start", "end", "label", "key")) or \
            not _type_ok(p["start"], DATE) or not _type_ok(p["end"], DATE) or p["start"] > p["end"]:
        return "结算记录的期间（period）不完整：应有起止日期、名称和期间代码"
    if c.view.get("scores") != c.scores:
        return "结算记录的得分（scores）与通报内容（view）不符"
    overdue = c.view.get("overdue")
    if not isinstance(overdue, list) or not all(isinstance(o, dict) for o in overdue) or \
            [o.get("id") for o in overdue] != c.named:
        return "结算记录点名的事项（named）与通报内容（view）不符"
    return None


# ---------------------------------------------------------------- the state the records describe

@dataclass
class Slip:
    """A number and everything recorded about it."""

    issuer: str
    kind: str
    year: int
    seq: int
    prefix: str | None
    number: str
    item: str
    key: str
    issued: dt.date
    line: int
    void: dict | None = None  # the void record
    renders: dict[int, dict] = field(default_factory=dict)  # rev -> render record
    reissues: dict[int, dict] = field(default_factory=dict)  # rev -> reissue record
    batch: str | None = None  # the print batch its current revision went out in
    adopted: bool = False  # issued on paper before the office used docgen (an adopt record): no files
    facts: dict | None = None  # a standalone document's facts record (what it is about), from its numbering commit

    @property
    def is_void(self) -> bool:
        return self.void is not None

    @property
    def rev(self) -> int:
        """The current revision: 0, or the last reissue."""
        return max(self.reissues, default=0)

    @property
    def rendered(self) -> dict | None:
        return self.renders.get(self.rev)

    @property
    def void_rendered(self) -> dict | None:
        return self.renders.get(VOID_REV)


VOID_REV = 999999  # the render of a voided slip's copy marked 作废


class State:
    """What the records say, validated. Built by replaying the records in order."""

    def __init__(self, file: str):
        self.file = file
        self.records: list[dict] = []
        self.lines: list[str] = []
        self.slips: dict[str, Slip] = {}  # number -> Slip
        self.by_key: dict[tuple[str, str], str] = {}  # (kind, key) -> valid number
        self.by_item: dict[str, list[Slip]] = {}  # item -> its slips, in the order numbered
        self.counters: dict[tuple[str, str, int], int] = {}  # (issuer, kind, year) -> last seq
        self.closes: dict[str, dict] = {}  # period key -> close record
        self.batches: dict[str, dict] = {}  # batch id -> record
        self.migrated = False
        self.reminders: dict | None = None  # the marker: registers/reminders.jsonl holds records (docgen/remind.py)
        self.office: dict | None = None  # the office act: this ledger's id, also in its archive's office.json

    @property
    def head(self) -> str:
        return line_hash(self.lines[-1]) if self.lines else GENESIS

    def apply(self, r: dict, line: int) -> str | None:
        """Apply one record (its fields already checked against its act's schema); returns why it is invalid (and
        leaves the state unchanged), or None. One handler per act: _on_<act>(typed record, the dict, line)."""
        cls = RECORDS.get(r.get("act"))
        if cls is None:
            return f"未知的记录种类「{r.get('act')}」"
        return getattr(self, f"_on_{cls.ACT}")(cls.of(r), r, line)

    def _slip_of(self, number: str) -> tuple[Slip | None, str | None]:
        s = self.slips.get(number)
        return s, (None if s is not None else f"编号「{number}」此前没有编号记录")

    def _on_migrate(self, m: Migrate, r: dict, line: int) -> str | None:
        if self.records:
            return "旧编号登记簿的转换记录只能是第一条"
        self.migrated = True
        return None

    def _number_problem(self, x) -> str | None:
        """What is wrong with a number or adopt record's number itself: its kind, year, prefix and form, unique."""
        k = KINDS.get(x.kind)
        if k is None:
            return f"未知的单据种类「{x.kind}」"
        if not 1949 <= x.year <= 9999 or x.seq < 1:
            return "年份或序号无效"
        if k.prefixed:
            why = prefix_problem(x.prefix or "")
            if why:
                return f"机关代字「{x.prefix}」{why}"
            expect = format_number(x.prefix, x.year, x.seq)
        else:
            expect = bulletin_number(x.year, x.seq)
        if x.number != expect:
            return f"编号「{x.number}」与机关代字、年份、序号不符（应为「{expect}」）"
        if x.number in self.slips:
            return f"编号「{x.number}」重复（第{self.slips[x.number].line}行已有）"
        if (x.kind, x.key) in self.by_key:
            return f"{k.name}「{x.key}」已有有效编号 {self.by_key[(x.kind, x.key)]}"
        if dt.date.fromisoformat(x.date).year != x.year:
            return "编号年份与出具日期的年份不符"
        return None

    def _add_slip(self, x, line: int, adopted: bool) -> None:
        ck = (x.issuer, x.kind, x.year)
        self.counters[ck] = max(self.counters.get(ck, 0), x.seq)
        s = Slip(x.issuer, x.kind, x.year, x.seq, x.prefix, x.number, x.item, x.key, dt.date.fromisoformat(x.date),
                 line, adopted=adopted)
        self.slips[x.number] = s
        self.by_item.setdefault(x.item, []).append(s)
        self.by_key[(x.kind, x.key)] = x.number

    def _on_number(self, x: Number, r: dict, line: int) -> str | None:
        why = self._number_problem(x)
        if why:
            return why
        ck = (x.issuer, x.kind, x.year)
        if x.seq != self.counters.get(ck, 0) + 1:
            return (f"序号不连续：{x.issuer} {KINDS[x.kind].name} {x.year}年的上一个序号是{self.counters.get(ck, 0)}，"
                    f"这里是{x.seq}")
        self._add_slip(x, line, adopted=False)
        return None

    def _on_adopt(self, x: Adopt, r: dict, line: int) -> str | None:
        """A paper slip keeps the number it was printed with: no sequence to follow (the office's own numbering
        may have gaps), but docgen's next number of that issuer, kind and year comes after the highest one."""
        if x.source != PAPER:
            return f"纸质出具记录的来源应为「{PAPER}」"
        if x.kind not in ("assign", "rectify", "bulletin"):
            return f"只有交办单、整改通知单和《督导通报》可以登记为纸质出具，不能是「{x.kind}」"
        why = self._number_problem(x)
        if why:
            return why
        self._add_slip(x, line, adopted=True)
        return None

    def _on_render(self, x: Render, r: dict, line: int) -> str | None:
        s, why = self._slip_of(x.number)
        if why:
            return why
        if s.adopted:
            return f"{s.number} 是纸质出具的，docgen 没有出具它的文件"
        if x.rev != VOID_REV and x.rev != s.rev:
            return f"{s.number} 的第{x.rev}版没有更正记录"
        if x.rev == VOID_REV and not s.is_void:
            return f"{s.number} 未作废，不能有作废版"
        if x.rev in s.renders:
            return f"{s.number} 的这一版已经出具过（第{s.renders[x.rev]['n']}行）"
        s.renders[x.rev] = r
        return None

    def _on_facts(self, x: Facts, r: dict, line: int) -> str | None:
        s, why = self._slip_of(x.number)
        if why:
            return why
        if not KINDS[s.kind].standalone or s.adopted:
            return f"{s.number} 不是提请协调单、得分情况通报或问责建议的编号"
        if s.facts is not None or s.renders:
            return f"{s.number} 已有所针对情形的记录或出具记录"
        s.facts = x.facts
        return None

    def _on_void(self, x: Void, r: dict, line: int) -> str | None:
        s, why = self._slip_of(x.number)
        if why:
            return why
        if s.is_void:
            return f"{s.number} 已经作废"
        s.void = r
        if self.by_key.get((s.kind, s.key)) == s.number:
            del self.by_key[(s.kind, s.key)]
        return None

    def _on_reissue(self, x: Reissue, r: dict, line: int) -> str | None:
        s, why = self._slip_of(x.number)
        if why:
            return why
        if s.is_void:
            return f"{s.number} 已作废，不能更正"
        if s.adopted:
            return f"{s.number} 是纸质出具的，不能在 docgen 中更正"
        if s.rendered is None:
            return f"{s.number} 尚未出具，无需更正"
        if x.rev != s.rev + 1:
            return f"{s.number} 的更正版次应为{s.rev + 1}"
        s.reissues[x.rev] = r
        s.batch = None
        return None

    def _on_close(self, x: Close, r: dict, line: int) -> str | None:
        s, why = self._slip_of(x.number)
        if why:
            return why
        if s.kind != "bulletin":
            return f"{s.number} 不是督导通报的期号"
        key = x.period.get("key")
        if not isinstance(key, str) or key != s.key:
            return "结算的期间与通报的期间不符"
        if key in self.closes:
            return f"期间 {key} 已经结算"
        why = _close_view_problem(x)
        if why:
            return why
        self.closes[key] = r
        return None

    def _on_batch(self, x: Batch, r: dict, line: int) -> str | None:
        if x.id in self.batches:
            return f"打印批次「{x.id}」重复"
        for num in x.numbers:
            t = self.slips.get(num) if isinstance(num, str) else None
            if t is None or t.rendered is None:
                return f"打印批次中的「{num}」没有出具记录"
            if t.batch is not None:
                return f"{num} 已在打印批次「{t.batch}」中"
        for num in x.numbers:
            self.slips[num].batch = x.id
        self.batches[x.id] = r
        return None

    def _on_reminders(self, x: Reminders, r: dict, line: int) -> str | None:
        if self.reminders is not None:
            return f"短信发送记录已在第{self.reminders['n']}行登记过"
        self.reminders = r
        return None

    def _on_office(self, x: Office, r: dict, line: int) -> str | None:
        if self.office is not None:
            return f"办公室标识已在第{self.office['n']}行登记过，不能更改"
        self.office = r
        return None

    # ---- queries
    def valid(self, kind: str | None = None):
        return [s for s in self.slips.values() if not s.is_void and (kind is None or s.kind == kind)]

    def find(self, kind: str, key: str) -> Slip | None:
        n = self.by_key.get((kind, key))
        return self.slips[n] if n else None

    def of_item(self, kind: str, item: str) -> list[Slip]:
        return [s for s in self.by_item.get(item, ()) if s.kind == kind and not s.is_void]

    def next_number(self, issuer: str, kind: str, prefix: str | None, year: int) -> tuple[int, str]:
        seq = self.counters.get((issuer, kind, year), 0) + 1
        return seq, (format_number(prefix, year, seq) if KINDS[kind].prefixed else bulletin_number(year, seq))


def parse(data: bytes, file: str) -> State:
    """Validate every record and replay them. Raises InputErrors naming each bad line."""
    st = State(file)
    errors: list[Diagnostic] = []
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    elif parts and parts[-1] != b"":
        errors.append(Diagnostic(file, len(parts), FIELD, "最后一行不完整（没有换行符）：账本被截断或被手工修改"))
    prev = GENESIS
    for n, raw in enumerate(parts, 1):
        def bad(msg: str) -> None:
            errors.append(Diagnostic(file, n, FIELD, msg))
        try:
            line = raw.decode("utf-8")
            r = json.loads(line)
        except (UnicodeDecodeError, ValueError):
            bad("这一行不是有效的账本记录（不是一行 JSON）")
            prev = line_hash(raw.decode("utf-8", "replace"))
            continue
        if not isinstance(r, dict) or r.get("act") not in SCHEMAS:
            bad(f"未知的记录种类「{r.get('act') if isinstance(r, dict) else r}」")
            prev = line_hash(line)
            continue
        if r.get("n") != n:
            bad(f"记录序号是 {r.get('n')}，应为 {n}：此前的记录被删除、插入或调换")
        if r.get("prev") != prev:
            bad("前一条记录的哈希不符：前一条记录被修改、删除或调换" if n > 1 else "第一条记录的前序哈希应为64个0")
        prev = line_hash(line)
        wrong = RECORDS[r["act"]].problems(r)
        if wrong:
            bad(f"{ACT_CN[r['act']]}记录的字段有误：{'、'.join(wrong)}")
            continue
        why = st.apply(r, n)
        if why:
            bad(why)
            continue
        st.records.append(r)
        st.lines.append(line)
    if errors:
        raise InputErrors(errors)
    st.lines = [raw.decode("utf-8") for raw in parts]
    return st


# ---------------------------------------------------------------- the old numbers.tsv, read once

_LEGACY_HEADER = "issuer\tkind\tyear\tseq\tnumber\titem\tkey\tissued\tstatus\tnote"
_LEGACY_NUMBER = re.compile(r"^(.+)〔(\d{4})〕(\d+)号$")


def legacy_records(text: str, file: str) -> list[dict]:
    """The records of an old number register (issue 4's format), in its order; raises InputErrors."""
    out, errors, header = [], [], False
    for n, raw in enumerate(text.split("\n"), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw == _LEGACY_HEADER:
            header = True
            continue
        f = raw.split("\t")
        if not header or len(f) != 10:
            errors.append(Diagnostic(file, n, "编号登记簿", "这一行不是有效的编号记录（应有10列，以制表符分隔）"))
            continue
        issuer, kind, year, seq, number, item, key, issued, status, note = f
        m = _LEGACY_NUMBER.match(number)
        out.append({"act": "number", "issuer": issuer, "kind": kind, "year": int(year) if year.isdigit() else -1,
                    "seq": int(seq) if seq.isdigit() else -1, "prefix": m[1] if m and kind != "bulletin" else None,
                    "number": number, "item": item, "key": key, "date": issued})
        if status == "void":
            out.append({"act": "void", "number": number, "reason": note or "（旧登记簿未注明）", "date": issued})
        elif status != "issued":
            errors.append(Diagnostic(file, n, "编号登记簿", f"未知的状态「{status}」"))
    if errors:
        raise InputErrors(errors)
    return out


# ---------------------------------------------------------------- the locked ledger

def read_mark(archive: Path) -> dict | None:
    """The archive's office.json as {"id", "name"}, or None when it is missing or unreadable."""
    try:
        m = json.loads((Path(archive) / MARK).read_text(encoding="utf-8"))
        if isinstance(m, dict) and _type_ok(m.get("id"), HEX) and isinstance(m.get("office"), str):
            return {"id": m["id"], "name": m["office"]}
    except (OSError, ValueError):
        pass
    return None


def ledger_path(registers: Path | str) -> Path:
    return Path(registers) / LEDGER


def read(registers: Path | str) -> State:
    """A consistent snapshot without the lock (a commit is one rename). A registers folder that still has only
    an old numbers.tsv is read through its conversion, without writing anything."""
    p = ledger_path(registers)
    legacy = Path(registers) / LEGACY
    if p.exists() or p.is_symlink():
        if p.is_symlink():
            raise InputErrors([Diagnostic(str(p), 0, FIELD, "是符号链接：docgen 不通过链接读写账本（提交时会把链接换成文件，"
                                          "链接所指的文件就不再更新）。请把它换成所指向的账本文件本身后再运行")])
        if not p.is_file():
            raise InputErrors([Diagnostic(str(p), 0, FIELD, "应为账本文件，实际是文件夹或其他非普通文件（或指向不存在的文件）。"
                                          "请把它移走并恢复账本文件后再运行")])
        if legacy.exists():
            raise InputErrors([Diagnostic(str(legacy), 0, "编号登记簿",
                                          f"已转换为 {LEDGER}，不再使用：请删除 {LEGACY}（它的内容已在账本第1条记录中注明）")])
        return parse(p.read_bytes(), str(p))
    led = Ledger(registers, lock=False)
    led.state = State(str(p))
    if legacy.exists():
        led._migrate(legacy, write=False)
    return led.state


class Ledger:
    """`with Ledger(registers) as led:` holds the lock; `led.state` is the validated state, `led.add()` stages
    a record, `led.commit()` writes the staged records at once."""

    def __init__(self, registers: Path | str, wait_seconds: float = 600, lock: bool = True,
                 clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self.root = Path(registers)
        self.path = ledger_path(registers)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.wait, self.use_lock, self.clock = wait_seconds, lock, clock
        self.state: State | None = None
        self.pending: list[str] = []
        self._anchor: Path | None = None
        self._office: str | None = None  # the office's name, for its office act (archive_to)
        self._lock = None

    def __enter__(self) -> "Ledger":
        self.root.mkdir(parents=True, exist_ok=True)
        if self.use_lock:
            self._acquire()
        try:
            self._remove_stale_temps()
            legacy = self.root / LEGACY
            if self.path.exists() or self.path.is_symlink():
                self.state = read(self.root)
            else:
                self.state = State(str(self.path))
                if legacy.exists():
                    self._migrate(legacy, write=True)
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.pending = []
        self._release()

    @property
    def anchor(self) -> Path | None:
        """The archive: each commit leaves the ledger's head there too."""
        return self._anchor

    @anchor.setter
    def anchor(self, folder: Path | None) -> None:
        self._anchor = folder
        if folder is not None and self._lock is not None and Path(folder).is_dir():
            # left by a run killed mid-write: a commit's head before its rename, the write probe before its removal
            # (files.probe_writable), a document's copy before its link (archive.put writes
            # <year>/<kind>/.<name>.XXXX.tmp); under the lock none of them is anyone's
            for p in [*Path(folder).glob(".*.tmp"), *Path(folder).glob("*/*/.*.tmp")]:
                if p.is_file() and not p.is_symlink():
                    p.unlink(missing_ok=True)

    def archive_to(self, folder: Path, office: str) -> None:
        """Each commit of this run leaves the ledger's head in the archive folder (record.archive.bind checks
        first that it is this office's). A ledger without an office act gets one (a random id) with its next
        commit that has records to write, and office.json follows it: a run with nothing to record still writes
        nothing."""
        self._office = office
        self.anchor = folder

    def _remove_stale_temps(self) -> None:
        """The temporary copies a commit killed before its rename left (files.atomic_write_bytes names them
        .ledger.jsonl.XXXX.tmp): under the lock no commit is under way, so none of them is anyone's."""
        if not self.use_lock:
            return
        for p in self.root.glob(f".{LEDGER}.*.tmp"):
            if p.is_file() and not p.is_symlink():
                p.unlink(missing_ok=True)

    def _acquire(self) -> None:
        lock = FileLock(self.lock_path, timeout=self.wait, poll_interval=0.05, preserve_lock_file=True,
                        fallback_to_soft=False, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            raise DocgenError(f"账本 {self.path} 正被另一个 docgen 使用，等待超时；请稍后再试") from None
        self._lock = lock

    def _release(self) -> None:
        if self._lock:
            self._lock.release()
            self._lock = None

    def _migrate(self, legacy: Path, write: bool) -> None:
        raw = legacy.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputErrors([Diagnostic(str(legacy), 0, "编号登记簿", "文件不是 UTF-8 编码")])
        recs = legacy_records(text, str(legacy))
        self.add("migrate", source=LEGACY, sha256=hashlib.sha256(raw).hexdigest(),
                 count=sum(r["act"] == "number" for r in recs))
        for r in recs:
            self.add(r.pop("act"), **r)
        if write:
            self.commit()
            legacy.unlink()
            fsync_dir(self.root)

    # ---- changes
    def add(self, act: str, **fields) -> dict:
        """Stage one record: validated against the schema and the state now, or DocgenError."""
        st = self.state
        n = len(st.records) + 1
        r = {"n": n, "prev": st.head, "at": self.clock().strftime("%Y-%m-%dT%H:%M:%SZ"), "act": act, "v": VERSION,
             **fields}
        for k, v in list(r.items()):
            if isinstance(v, dt.date):
                r[k] = v.isoformat()
        line = encode(r)
        r = json.loads(line)  # exactly what a reader will see
        wrong = RECORDS[act].problems(r)
        if wrong:
            raise InputErrors([Diagnostic(st.file, n, FIELD, f"{ACT_CN[act]}记录的字段有误：{'、'.join(wrong)}")])
        why = st.apply(r, n)
        if why:
            raise InputErrors([Diagnostic(st.file, n, FIELD, why)])
        st.records.append(r)
        st.lines.append(line)
        self.pending.append(line)
        return r

    def allocate(self, issuer: str, kind: str, prefix: str | None, item: str, key: str, date: dt.date) -> Slip:
        """Stage the next number of the issuer's sequence for the kind and the date's year."""
        seq, number = self.state.next_number(issuer, kind, prefix, date.year)
        self.add("number", issuer=issuer, kind=kind, year=date.year, seq=seq, prefix=prefix, number=number,
                 item=item, key=key, date=date)
        return self.state.slips[number]

    def adopt(self, issuer: str, kind: str, prefix: str | None, year: int, seq: int, number: str, item: str,
              key: str, date: dt.date) -> Slip:
        """Stage a slip (or bulletin) issued on paper before docgen: recorded with its own number and date."""
        self.add("adopt", issuer=issuer, kind=kind, year=year, seq=seq, prefix=prefix, number=number, item=item,
                 key=key, date=date, source=PAPER)
        return self.state.slips[number]

    def commit(self) -> None:
        if not self.pending:
            return
        if self.anchor is not None and self._office is not None and self.state.office is None:
            self.add("office", id=secrets.token_hex(32), name=self._office)
        data = ("\n".join(self.state.lines) + "\n").encode("utf-8")
        try:
            atomic_write_bytes(self.path, data)
            fsync_dir(self.path.parent)
        except OSError as e:
            why = "磁盘已满" if e.errno == errno.ENOSPC else (e.strerror or str(e))
            raise DocgenError(f"无法写入账本 {self.path}（{why}）：账本未改动，本次未登记任何记录。"
                              "请检查磁盘空间和文件夹权限后再运行") from e
        self.pending = []
        if self.anchor is not None:
            head = json.dumps({"n": len(self.state.lines), "hash": self.state.head}) + "\n"
            self.anchor.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.anchor / HEAD, head.encode("utf-8"))
            if self.state.office is not None and not (self.anchor / MARK).exists():
                o = self.state.office
                mark = json.dumps({"office": o["name"], "id": o["id"]},
                                  ensure_ascii=False, indent=1) + "\n"
                atomic_write_bytes(self.anchor / MARK, mark.encode("utf-8"))
