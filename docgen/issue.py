"""Issuing numbered slips: the edge where the engine's decisions become numbers and files.

One run, under the number register's lock:
  1. the engine says which slips are due (engine/slips.py), from the registers and the as-of date;
  2. each gets its number (the existing one if it has one), and the register is committed atomically;
  3. every slip of this kind issued by the as-of date whose files are missing is rendered: this run's, and any
     whose run was killed after numbering (so a number never lacks its slip for long);
  4. PDFs in one batched conversion; then the print batch of every slip rendered: one merged PDF per
     receiving unit and a 签收登记表.
File names come from numbers only, and everything is written under the output folder.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfWriter

from .calendar import WorkCalendar, cn_date
from .diagnostics import DocgenError
from .documents import slips as S
from .engine import slips as E
from .engine.status import item_status, status_all
from .files import atomic_write_bytes, atomic_write_text, save_docx
from .model import Registers
from .numbers import KINDS, Entry, NumberRegister

KIND_DIRS = {"assign": "交办单", "urge": "催办单", "rectify": "整改单"}


def numbers_path(reg: Registers) -> Path:
    return Path(reg.root) / "numbers.tsv"


def slip_path(out: Path, e: Entry) -> Path:
    return out / "slips" / KIND_DIRS[e.kind] / f"{e.number}.docx"


@dataclass
class Report:
    kind: str
    new: list[Entry] = field(default_factory=list)
    rendered: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing_items: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    batch: Path | None = None

    def lines(self) -> list[str]:
        name = KINDS[self.kind]
        out = [f"新出具{name}{len(self.new)}份" + (f"：{self.new[0].number}—{self.new[-1].number}" if len(self.new) > 1
                                                else (f"：{self.new[0].number}" if self.new else ""))]
        again = len(self.rendered) - len(self.new)
        if again > 0:
            out.append(f"补齐已编号{name}的文件{again}份（编号不变）")
        if self.skipped:
            out.append(f"{len(self.skipped)}个事项尚无交办单，未催办（请先运行 docgen assign）：{'、'.join(self.skipped)}")
        if self.missing_items:
            out.append(f"登记簿中有{len(self.missing_items)}个编号对应的事项已不在台账中，未重新生成：{'、'.join(self.missing_items)}")
        if self.batch:
            out.append(f"打印批次：{self.batch}")
        return out


def _needs(kind: str, reg: Registers, cal: WorkCalendar, as_of: dt.date, nr: NumberRegister):
    statuses = status_all(reg, cal, as_of)
    valid = [e for e in nr.entries if not e.void]
    keys = {e.key for e in valid if e.kind == kind}
    if kind == "assign":
        return E.assignments(statuses, keys), []
    if kind == "rectify":
        return E.rectifications(reg, statuses, keys, as_of), []
    assigned = {e.item for e in valid if e.kind == "assign"}
    last: dict[str, dt.date] = {}
    for e in valid:
        if e.kind == "urge":
            last[e.item] = max(last.get(e.item, e.issued), e.issued)
    return E.urges(statuses, assigned, last, reg.rules, cal, as_of)


def _document(reg: Registers, cal: WorkCalendar, nr: NumberRegister, e: Entry):
    """The slip for a numbered entry, as of its issue date (so a regenerated slip reads as it did)."""
    item = reg.item(e.item)
    st = item_status(item, reg.events_of(item.id), reg.rules, cal, e.issued)
    if e.kind == "assign":
        return S.build_assign(reg, e, st)
    if e.kind == "urge":
        assign = next(iter(nr.of_item("assign", item.id)), None)
        return S.build_urge(reg, e, st, assign, E.reply_by(e.issued, reg.rules, cal))
    failed = None
    if "@核查" in e.key:
        day = dt.date.fromisoformat(e.key.split("@核查", 1)[1])
        failed = next((ev for ev in reg.events_of(item.id) if ev.type == "核查" and ev.date == day and ev.passed is False), None)
    return S.build_rectify(reg, e, st, failed)


def _complete(out: Path, e: Entry, pdf: bool) -> bool:
    p = slip_path(out, e)
    return p.is_file() and (not pdf or p.with_suffix(".pdf").is_file())


def issue(reg: Registers, cal: WorkCalendar, kind: str, as_of: dt.date, out: Path, pdf: bool = True,
          workers: int | None = None) -> Report:
    report = Report(kind)
    ids = {i.id for i in reg.items}
    with NumberRegister(numbers_path(reg)) as nr:
        needs, report.skipped = _needs(kind, reg, cal, as_of, nr)
        for n in needs:
            prefix = reg.settings.issuers[n.issuer].prefixes[kind]
            report.new.append(nr.allocate(n.issuer, kind, prefix, n.item_id, n.key, as_of))
        nr.commit()
        todo = []
        for e in nr.entries:
            if e.kind != kind or e.issued > as_of or _complete(out, e, pdf):
                continue
            if e.item not in ids:
                report.missing_items.append(e.number)
                continue
            todo.append(e)
        _clean_stale(out / "slips" / KIND_DIRS[kind])
        paths = []
        for e in todo:
            p = slip_path(out, e)
            paths.append(save_docx(_document(reg, cal, nr, e), p))
            report.rendered.append(e)
        if pdf and paths:
            from .documents.render import render_pdfs

            report.errors += [r.error for r in render_pdfs(paths, workers) if r.pdf is None]
        if report.rendered:  # this run's slips, and any an interrupted run numbered but never wrote
            report.batch = _print_batch(reg, out, kind, as_of, report.rendered, pdf and not report.errors, workers)
    return report


def _clean_stale(folder: Path) -> None:
    """Temporary files of a run that was killed: never taken for slips, removed on the next run."""
    if not folder.is_dir():
        return
    for p in folder.iterdir():
        if p.name.startswith(".") and (p.name.endswith(".tmp") or p.name.startswith(".docgen-pdf-")):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _print_batch(reg: Registers, out: Path, kind: str, as_of: dt.date, entries: list[Entry], pdf: bool,
                 workers: int | None) -> Path:
    """One merged PDF per receiving unit and a 签收登记表, in output/batches/<date>-<kind>-<n>/ (made whole or not at all)."""
    root = out / "batches"
    root.mkdir(parents=True, exist_ok=True)
    base = f"{as_of.isoformat()}-{KIND_DIRS[kind]}"
    n = 1 + sum(1 for p in root.iterdir() if p.name.startswith(base + "-"))
    final = root / f"{base}-{n}"
    tmp = Path(tempfile.mkdtemp(prefix=".batch-", dir=str(root)))
    try:
        units: dict[str, list[Entry]] = {}
        for e in entries:
            units.setdefault(reg.item(e.item).lead, []).append(e)
        rows = [(e.number, KINDS[kind], reg.item(e.item).lead, reg.item(e.item).text) for u in units for e in units[u]]
        signoff = save_docx(S.build_signoff(reg, KINDS[kind], as_of, rows), tmp / "签收登记表.docx")
        index = [f"{cn_date(as_of)} {KINDS[kind]} 打印批次", ""]
        if pdf:
            from .documents.render import render_pdfs

            render_pdfs([signoff], workers)
            for i, (unit, es) in enumerate(units.items(), 1):
                w = PdfWriter()
                for e in es:
                    w.append(str(slip_path(out, e).with_suffix(".pdf")))
                buf = io.BytesIO()
                w.write(buf)
                atomic_write_bytes(tmp / f"单位{i:02d}.pdf", buf.getvalue())
                index.append(f"单位{i:02d}.pdf：{unit}（{'、'.join(e.number for e in es)}）")
        else:
            index += [f"{unit}：{'、'.join(e.number for e in es)}" for unit, es in units.items()]
        atomic_write_text(tmp / "目录.txt", "\n".join(index) + "\n")
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def void(reg: Registers, cal: WorkCalendar, number: str, reason: str, out: Path, pdf: bool = True) -> Entry:
    """Mark a number 作废 (it stays in the register forever) and re-render its slip with the mark."""
    if not reason.strip():
        raise DocgenError("作废须说明原因（--reason）")
    with NumberRegister(numbers_path(reg)) as nr:
        e = nr.void(number, reason.strip())
        nr.commit()
        if e.kind in KIND_DIRS and e.item in {i.id for i in reg.items}:
            p = save_docx(_document(reg, cal, nr, e), slip_path(out, e))
            if pdf:
                from .documents.render import render_pdfs

                errs = [r.error for r in render_pdfs([p]) if r.pdf is None]
                if errs:
                    raise DocgenError("\n".join(errs))
    return e
