"""The number register (编号登记簿): every number docgen ever gave, in a plain-text file kept with the registers.

One line per number: issuer, slip kind, year, sequence, the number as printed, the item, what the slip is
for (its key), the issue date, and its status (issued / void with a reason). A number belongs to its slip
forever: numbers are never reused, never renumbered, and a sequence has no gaps. Each issuer has its own
sequence per kind per year (the issue date's year).

Concurrency and crashes: the register is read and written only under an exclusive lock (a .lock file beside
it, flock), and each change is written to a temporary file, fsynced, renamed over the register, and the folder
fsynced, so a run killed at any moment leaves either the old register or the new one, never a mix.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .diagnostics import DocgenError, Diagnostic, InputErrors
from .files import atomic_write_text

KINDS = {"assign": "交办单", "urge": "催办单", "rectify": "整改单", "bulletin": "督导通报"}
HEADER = "issuer\tkind\tyear\tseq\tnumber\titem\tkey\tissued\tstatus\tnote"
PREAMBLE = "# docgen 编号登记簿：由 docgen 写入，请勿手工修改（作废请用 docgen void）。"


@dataclass(frozen=True)
class Entry:
    issuer: str
    kind: str  # assign | urge | rectify | bulletin
    year: int
    seq: int
    number: str  # as printed: 督交〔2026〕15号 / 第3期
    item: str  # the item id ("" for a bulletin)
    key: str  # what the slip is for: unique per kind
    issued: dt.date
    status: str = "issued"  # issued | void
    note: str = ""  # the reason a number was voided

    @property
    def void(self) -> bool:
        return self.status == "void"

    def line(self) -> str:
        clean = lambda s: str(s).replace("\t", " ").replace("\n", " ")  # noqa: E731
        return "\t".join(clean(x) for x in (self.issuer, self.kind, self.year, self.seq, self.number, self.item,
                                             self.key, self.issued.isoformat(), self.status, self.note))


def format_number(prefix: str, year: int, seq: int) -> str:
    """GB/T 9704 7.2.5: 机关代字〔年份〕序号号, full year, no 第, no leading zeros."""
    return f"{prefix}〔{year}〕{seq}号"


def parse(text: str, file: str) -> list[Entry]:
    entries: list[Entry] = []
    errors: list[Diagnostic] = []
    seen_header = False
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        if raw == HEADER:
            seen_header = True
            continue
        f = raw.split("\t")
        if not seen_header or len(f) != 10:
            errors.append(Diagnostic(file, n, "编号登记簿", "这一行不是有效的编号记录（应有10列，以制表符分隔）"))
            continue
        try:
            e = Entry(f[0], f[1], int(f[2]), int(f[3]), f[4], f[5], f[6], dt.date.fromisoformat(f[7]), f[8], f[9])
        except ValueError:
            errors.append(Diagnostic(file, n, "编号登记簿", "年份、序号或日期无法识别"))
            continue
        if e.kind not in KINDS or e.status not in ("issued", "void"):
            errors.append(Diagnostic(file, n, "编号登记簿", f"未知的单据种类或状态（{e.kind} / {e.status}）"))
            continue
        entries.append(e)
    errors += check(entries, file)
    if errors:
        raise InputErrors(errors)
    return entries


def check(entries: list[Entry], file: str = "numbers.tsv") -> list[Diagnostic]:
    """No duplicate number, no duplicate key, and every sequence 1..n without gaps."""
    out = []
    seqs: dict[tuple, list[int]] = {}
    numbers, keys = set(), set()
    for e in entries:
        seqs.setdefault((e.issuer, e.kind, e.year), []).append(e.seq)
        if (e.issuer, e.number) in numbers:
            out.append(Diagnostic(file, 0, "编号登记簿", f"编号 {e.number} 重复"))
        numbers.add((e.issuer, e.number))
        if not e.void:
            if (e.kind, e.key) in keys:
                out.append(Diagnostic(file, 0, "编号登记簿", f"{KINDS[e.kind]}「{e.key}」有两个有效编号"))
            keys.add((e.kind, e.key))
    for (issuer, kind, year), s in seqs.items():
        if sorted(s) != list(range(1, len(s) + 1)):
            out.append(Diagnostic(file, 0, "编号登记簿", f"{issuer} {KINDS[kind]} {year}年的序号不连续：{sorted(s)}"))
    return out


class NumberRegister:
    """Open with `with NumberRegister(path) as reg:`; the lock is held until the block ends."""

    def __init__(self, path: Path | str, wait_seconds: float = 600):
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.wait = wait_seconds
        self.entries: list[Entry] = []
        self._dirty = False
        self._lock = None

    def __enter__(self) -> "NumberRegister":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.lock_path, "a")
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() > deadline:
                    self._lock.close()
                    raise DocgenError(f"编号登记簿 {self.path} 正被另一个 docgen 使用，等待超时；请稍后再试")
                time.sleep(0.05)
        try:
            self.entries = parse(self.path.read_text(encoding="utf-8"), str(self.path)) if self.path.exists() else []
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._unlock()

    def _unlock(self) -> None:
        if self._lock:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # ---- queries
    def find(self, kind: str, key: str) -> Entry | None:
        for e in self.entries:
            if e.kind == kind and e.key == key and not e.void:
                return e
        return None

    def of_item(self, kind: str, item: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind and e.item == item and not e.void]

    # ---- changes (written by commit)
    def allocate(self, issuer: str, kind: str, prefix: str | None, item: str, key: str, issued: dt.date) -> Entry:
        """The existing valid number for (kind, key), or the next number of the issuer's sequence for that year."""
        found = self.find(kind, key)
        if found:
            return found
        year = issued.year
        seq = 1 + max((e.seq for e in self.entries if (e.issuer, e.kind, e.year) == (issuer, kind, year)), default=0)
        number = f"{year}年第{seq}期" if kind == "bulletin" else format_number(prefix or "", year, seq)
        e = Entry(issuer, kind, year, seq, number, item, key, issued)
        self.entries.append(e)
        self._dirty = True
        return e

    def void(self, number: str, reason: str) -> Entry:
        for i, e in enumerate(self.entries):
            if e.number == number:
                if e.void:
                    raise DocgenError(f"{number} 已经作废（{e.note}）")
                self.entries[i] = replace(e, status="void", note=reason)
                self._dirty = True
                return self.entries[i]
        raise DocgenError(f"编号登记簿中没有 {number}")

    def commit(self) -> None:
        if not self._dirty:
            return
        problems = check(self.entries, str(self.path))
        if problems:  # never write a register that breaks its own rules
            raise InputErrors(problems)
        text = "\n".join([PREAMBLE, HEADER] + [e.line() for e in self.entries]) + "\n"
        atomic_write_text(self.path, text)
        fd = os.open(str(self.path.parent), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._dirty = False
