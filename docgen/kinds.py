"""What docgen issues: every numbered kind, declared once. Every layer reads this registry.

A kind has two parts, declared together in one `Kind`:
  - its `KindInfo`: data only (names, folder, default 机关代字, CLI verb and place in `build`, phrases, whether it
    carries a 回执, which of the item's facts it prints). This is all the registers (settings `prefixes:`), the
    ledger and the archive ever read, so those lower layers import nothing of the engine or python-docx;
  - its code: the engine's decider, what it prints (a context for its template), its form, and the hooks the edge
    calls (its colour, the extra facts a slip of the kind needs, why one is late). Real callables.

The built-in kinds' data is here (the ledger knows them without importing any code); their code is declared in
docgen/issuing/kinds.py. A new kind is one `Kind(KindInfo(...), ...)` passed to `register` (docs/extending.md),
after which every layer iterates it like the built-in ones: `registered(kind)` does the same for a `with` block
and restores the registry afterwards.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class KindInfo:
    id: str  # assign | urge | rectify | bulletin: the ledger's `kind`, the settings `prefixes:` key
    name: str  # 交办单
    folder: str  # output/slips/<folder>/, archive/<year>/<folder>/
    default_prefix: str | None  # 督交; None for the bulletin, numbered 第N期
    purpose: str
    facts: tuple[str, ...] = ()  # keys of engine.slips.item_facts() that the slip prints
    receipt: bool = True  # a 回执 is appended below the cut line
    order: int = 0  # its place in `docgen build` (smaller first)
    help: str = ""  # its CLI command's help
    verb: str = ""  # its CLI command (default: the id)
    skipped: str = ""  # what the run says of items its decider skipped (催办单: 尚无交办单)
    # a document of its own (提请协调单, 得分情况通报, 问责建议): numbered with its 机关代字 like a slip, but about a
    # matter or a period, not an item: its own command issues it, never `build`; not batched, no 回执
    standalone: bool = False

    @property
    def is_slip(self) -> bool:
        return self.default_prefix is not None and not self.standalone

    @property
    def prefixed(self) -> bool:
        """Numbered 机关代字〔年份〕序号号 (a slip, a standalone document); else 年份年第N期 (the bulletin)."""
        return self.default_prefix is not None

    @property
    def command(self) -> str:
        return self.verb or self.id


@dataclass(frozen=True)
class Kind:
    """A kind's whole declaration: its data and its code. Attributes of the data read through (k.name, k.folder)."""

    info: KindInfo
    decide: Callable | None = None  # engine: (reg, cal, as_of, statuses, issued) -> (needs, skipped)
    context: Callable | None = None  # documents: (reg, entry, status, SlipContext, mark) -> the template's context
    form: Any = None  # documents.forms.Form: its template (templates/<form.name>.docx) and placeholders
    tint: Callable | None = None  # (reg, status) -> an RGB colour for the slip's title, or None
    extra: Callable | None = None  # (reg, cal, state, slip, item) -> more SlipContext fields (failed, times, reply)
    late: Callable | None = None  # (item, due in force that day, issued, rules, cal) -> why one issued then is late
    draw: Callable | None = field(default=None, compare=False)  # a kind not drawn from a form (the bulletin)
    # a standalone kind: (slip) -> the command that finishes one numbered whose files were never made (docgen check)
    resume: Callable | None = field(default=None, compare=False)

    def __getattr__(self, name: str):
        if name == "info":  # not yet set (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.info, name)


def _info(*args, **kw) -> KindInfo:
    return KindInfo(*args, **kw)


ASSIGN = _info("assign", "交办单", "交办单", "督交", "把一个事项交给牵头单位办理（附回执）",
               ("来源", "事项", "牵头单位", "配合单位", "交办日期", "办结时限", "紧急程度", "现行时限"), order=1,
               help="为每个已交办、尚无交办单的事项出具交办单（附回执），并生成打印批次。")
RECTIFY = _info("rectify", "整改通知单", "整改单", "督改", "督导检查发现的问题、核查未通过的办结事项限期整改",
                ("来源", "事项", "牵头单位", "办结时限", "现行时限"), order=2,
                help="为每个督导检查发现的问题、每个未通过核查的办结事项出具整改通知单。")
URGE = _info("urge", "催办单", "催办单", "督催", "催促临期（蓝色）或逾期（红色）未办结的事项",
             ("事项", "牵头单位", "办结时限"), order=3,
             help="为逾期（红）或临期（蓝）未办结的事项出具催办单；同一事项至少间隔若干个工作日才再次催办。",
             skipped="个事项尚无交办单，未催办（请先运行 docgen assign）")
BULLETIN = _info("bulletin", "督导通报", "督导通报", None, "定期通报督导事项落实情况、计分排名（出具即结算该期间）",
                 receipt=False, order=9)

COORDINATE = _info("coordinate", "提请协调单", "提请协调单", "督协",
                   "主办部门提请工作专班、分管领导或主要领导协调的事项（统筹协调）", receipt=False, order=10,
                   standalone=True, help="为一个协调事项出具提请协调单。")
NOTICE = _info("notice", "得分情况通报", "得分情况通报", "督考", "一个期间各单位的考核得分张榜公布（抄送组织部、纪工委）",
               receipt=False, order=11, standalone=True)
ACCOUNT = _info("accountability", "问责建议", "问责建议", "督问", "达到问责情形的单位和事项，向组织部、纪工委提出问责建议",
                receipt=False, order=12, standalone=True)
BUILT_IN = (ASSIGN, URGE, RECTIFY, BULLETIN, COORDINATE, NOTICE, ACCOUNT)

KINDS: dict[str, Kind | KindInfo] = {k.id: k for k in BUILT_IN}
"""Every kind by id: its data (KindInfo) until its code is declared, then its Kind. Lower layers read only data."""


class _SlipKinds:
    """The ids of the numbered slip kinds, read from the registry each time (a kind registered later is in it)."""

    def _ids(self) -> tuple[str, ...]:
        return tuple(k for k, v in KINDS.items() if v.is_slip)

    def __iter__(self):
        return iter(self._ids())

    def __contains__(self, k) -> bool:
        return k in self._ids()

    def __len__(self) -> int:
        return len(self._ids())

    def __getitem__(self, i):
        return self._ids()[i]

    def __repr__(self) -> str:
        return repr(self._ids())


SLIP_KINDS = _SlipKinds()


def slip_kinds() -> list[Kind | KindInfo]:
    """The slip kinds in their `build` order."""
    return sorted((KINDS[k] for k in SLIP_KINDS), key=lambda k: k.order)


def register(kind: Kind) -> Kind:
    """Declare a kind (or the code of a built-in one). A new id must not clash with a kind already declared."""
    old = KINDS.get(kind.id)
    if old is not None and isinstance(old, Kind):
        raise ValueError(f"kind {kind.id!r} is already declared")
    if old is not None and old != kind.info:
        raise ValueError(f"kind {kind.id!r}: its data differs from the built-in declaration")
    if any(v.command == kind.command and v.id != kind.id for v in KINDS.values()):
        raise ValueError(f"kind {kind.id!r}: command {kind.command!r} is taken")
    KINDS[kind.id] = kind
    return kind


def unregister(kind_id: str) -> None:
    """Remove a kind declared by `register` (a built-in kind's data stays)."""
    KINDS.pop(kind_id, None)
    for info in BUILT_IN:
        if info.id == kind_id:
            KINDS[kind_id] = info


@contextlib.contextmanager
def registered(kind: Kind):
    """`with registered(kind):` the kind is declared inside the block; the registry is as before afterwards."""
    before = KINDS.get(kind.id)
    register(kind)
    try:
        yield kind
    finally:
        if before is None:
            KINDS.pop(kind.id, None)
        else:
            KINDS[kind.id] = before


def declared(kind_id: str) -> Kind:
    """A kind's whole declaration (the edge's view): the built-in kinds' code is in docgen.issuing.kinds."""
    k = KINDS[kind_id]
    if not isinstance(k, Kind):
        raise LookupError(f"kind {kind_id!r} has no declared code (import docgen.issuing.kinds)")
    return k


_BAD_PREFIX = re.compile(r"[/\\:*?\"<>|\x00-\x1f\x7f-\x9f\u2028\u2029\s]")


def prefix_problem(prefix: str) -> str | None:
    """Why a 机关代字 cannot be used (a number is also a file name), or None."""
    if not prefix:
        return "不能为空"
    if prefix.startswith(".") or _BAD_PREFIX.search(prefix):
        return "不能以“.”开头，不能含有空白、控制字符或 / \\ : * ? \" < > |（编号也是文件名）"
    if len(prefix) > 10:
        return "不能超过10个字"
    return None


def format_number(prefix: str, year: int, seq: int) -> str:
    """GB/T 9704 7.2.5: 机关代字〔年份〕序号号, full year, no 第, no leading zeros."""
    return f"{prefix}〔{year}〕{seq}号"


_NUMBER = re.compile(r"(.+?)〔(\d{4})〕([1-9]\d*)号")


def parse_number(text: str) -> tuple[str, int, int] | None:
    """(机关代字, year, 序号) of a number written as format_number writes it (督交〔2026〕7号), or None."""
    m = _NUMBER.fullmatch(text)
    return (m[1], int(m[2]), int(m[3])) if m else None


def bulletin_number(year: int, seq: int) -> str:
    return f"{year}年第{seq}期"
