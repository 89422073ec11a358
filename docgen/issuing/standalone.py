"""Issuing a standalone document (提请协调单, 得分情况通报, 问责建议: kinds.py `standalone`): one numbered document
about a matter or a period, through the one issuing transaction (transaction.transact).

A document is keyed (the matter's id, the period's key …): the key's first run numbers it, drawn in memory first
(one that cannot be drawn gets no number), records the number with what it is about (its facts, a `facts` record
in the same commit: a 问责建议's facts are proposed once its number is given, even if its conversion fails),
writes, converts (convert–count–redraw: a 版记 page after a blank page is drawn again unnumbered, GB/T 9704 7.5),
stamps and records it, and archives it. A later run for the same key issues nothing new: it completes a
conversion that failed, or restores the files from the archive, and says when and under which number it was
issued. Its 机关代字 is the default issuer's (settings.yaml `prefixes:`, keyed by the kind's id).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core.diagnostics import DocgenError
from ..core.paths import Paths
from ..kinds import KINDS
from ..record import archive as A
from ..record.ledger import Ledger, Slip, State
from ..registers.model import Registers
from ..view import NUMBERED_PENDING
from . import transaction as T


PERIOD_ID = "期间代码"  # in a facts record: the period as --period takes it (2026-10-01..2026-12-31), for `resume`


def folder(out: Paths, kind: str) -> Path:
    return out.documents / KINDS[kind].folder


def path_of(out: Paths, s: Slip) -> Path:
    return folder(out, s.kind) / f"{s.number}.docx"


@dataclass
class _Next:
    number: str
    seq: int


class Standalone(T.Issuing):
    """draw(number, seq, numbered, day) -> an OfficialDocument (or raises DocgenError: nothing numbered; numbered
    False: its 版记 page without a page number), dated `day`: the day its number was given, also when a later run
    finishes it; facts: what the ledger records beside it."""

    templates: list = []

    def __init__(self, reg: Registers, kind: str, key: str, day: dt.date, out: Paths,
                 draw: Callable, facts: dict, recheck: Callable | None = None):
        self.reg, self.kind, self.key, self.day, self.out = reg, kind, key, day, out
        self.draw_doc, self.facts = draw, facts
        # (slip) -> its Job's recheck; by default a 版记 page after a blank page is drawn again unnumbered (7.5)
        self.recheck = recheck or (lambda slip: T.banji_recheck(
            lambda: self.draw_doc(slip.number, slip.seq, False, slip.issued).to_bytes()))
        self.issuer = reg.settings.default_issuer
        self.prefix = reg.settings.issuers[self.issuer].prefixes[kind]
        self.folder = folder(out, kind)
        self.new = False

    def plan(self, st: State) -> list[_Next]:
        if st.find(self.kind, self.key) is not None:
            return []
        seq, number = st.next_number(self.issuer, self.kind, self.prefix, self.day.year)
        return [_Next(number, seq)]

    def draw(self, st: State, entries: list[_Next]) -> list[bytes]:
        return [self.draw_doc(e.number, e.seq, True, self.day).to_bytes() for e in entries]

    def redraw(self, st: State, slip: Slip) -> bytes:
        return self.draw_doc(slip.number, slip.seq, True, slip.issued).to_bytes()

    def record(self, led: Ledger, e: _Next) -> Slip:
        self.new = True
        slip = led.allocate(self.issuer, self.kind, self.prefix, "", self.key, self.day)
        led.add("facts", number=slip.number, facts=dict(self.facts))
        return slip

    def render(self, led: Ledger, arch: Path, drawn: dict[str, bytes]) -> tuple[Slip, Path, bool, list[str]]:
        """Write, convert, stamp, record and archive; a file that cannot be written (a full disk) is named, with
        the number kept: the next run finishes it."""
        import errno

        from ..view import write_failed_text

        slip = led.state.find(self.kind, self.key)
        where = [path_of(self.out, slip).parent]  # the folder being written: a full disk's error names no file
        try:
            return self._render(led, arch, drawn, slip, where)
        except OSError as e:
            raise DocgenError(write_failed_text(e.filename or where[0], e.errno == errno.ENOSPC,
                                                e.strerror or str(e), slip.number)) from e

    def _render(self, led: Ledger, arch: Path, drawn: dict[str, bytes], slip: Slip, where: list[Path]):
        path = path_of(self.out, slip)
        errors: list[str] = []
        if slip.rendered is None:  # this run's number, or one whose conversion failed before: drawn now
            data = drawn.get(slip.number)
            job = T.Job(slip, 0, path, (lambda: data) if data else (lambda: self.redraw(led.state, slip)),
                        slip.issued, lambda: dict(self.facts), self.recheck(slip))
            T.write([job])
            _, failed, _ = T.convert_and_record(led, [job])
            errors += [e + NUMBERED_PENDING for e in failed]
        r = slip.rendered
        if r is not None:
            for ext in (".docx", ".pdf"):
                where[0] = A.archived(arch, slip, 0, ext).parent
                A.reconcile(path.with_suffix(ext), A.archived(arch, slip, 0, ext), r[ext[1:]])
        return slip, path, self.new, errors


def issue(reg: Registers, kind: str, key: str, day: dt.date, out: Paths, draw: Callable,
          facts: dict, recheck: Callable | None = None) -> tuple[Slip, Path, bool, list[str]]:
    """(its number, its .docx, whether this run numbered it, errors). recheck: see Standalone."""
    return T.transact(Standalone(reg, kind, key, day, out, draw, facts, recheck), out)


def unfinished(st: State) -> list[str]:
    """What `docgen check` says of each standalone document numbered whose files were never made."""
    from ..view import unfinished_text

    out = []
    for s in sorted(st.valid(), key=lambda s: s.line):
        k = KINDS[s.kind]
        if k.standalone and s.rendered is None and not s.adopted and getattr(k, "resume", None):
            out.append(unfinished_text(k.name, s.number, s.issued, k.resume(s)))
    return out


def unarchived(st: State, out: Paths) -> list[str]:
    """What `docgen archive verify` says of each standalone document recorded whose archive copies are missing
    while its output copies hold the recorded content (a run killed before it archived): the command to run."""
    from ..record.ledger import sha256_file
    from ..view import unarchived_text

    lines = []
    for s in sorted(st.valid(), key=lambda s: s.line):
        k, r = KINDS[s.kind], s.rendered
        if not (k.standalone and r is not None and getattr(k, "resume", None)):
            continue
        pairs = [(path_of(out, s).with_suffix(ext), A.archived(out.archive, s, 0, ext), r[ext[1:]])
                 for ext in (".docx", ".pdf")]
        if any(not a.exists() for _, a, _ in pairs) and all(
                a.exists() or (o.is_file() and sha256_file(o) == sha) for o, a, sha in pairs):
            lines.append(unarchived_text(k.name, s.number, k.resume(s)))
    return lines


def issued(st: State, kind: str) -> list[Slip]:
    return sorted(st.valid(kind), key=lambda s: (s.issued, s.year, s.seq))


def draft(reg: Registers, kind: str, name: str, out: Paths, draw: Callable) -> Path:
    """--no-pdf: the document drawn with 草稿 where its number goes, written to output/drafts/<kind>/; no number,
    nothing recorded."""
    from ..core.files import safe_name

    data = draw(T.DRAFT, 0, True, None).to_bytes()
    stem = safe_name(name, 60)
    if stem != name:  # made into a file name (`../XT01` and `XT01` both give XT01): told apart by the whole name
        stem += "-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    path = T.draft_dir(out, kind) / f"{T.DRAFT}-{stem}.docx"
    T.preflight(path.parent)
    T.write_draft(path, data)
    return path
