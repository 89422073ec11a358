"""The one issuing transaction, for every kind (slips and bulletins alike).

Under the ledger's lock: the archive is bound to the office, a killed run's temporary files are removed, the kind
prepares (a slip's reissue staged, stale slips refused), its templates are required, its plan says what to number
(tentative entries, each with the number it would get), each entry is drawn in memory (one that cannot be drawn
gets no number), the folders are probed, files under a number about to be given are refused, the numbers are
allocated with what the kind records beside them (a bulletin: the `close` of its period), and all of it is
committed at once. Then the kind renders: `write` and `convert_and_record` write, convert, stamp and record each
document (one commit), and the kind archives it and makes its print batch (only kinds that batch).

A kind supplies an `Issuing`: what to number (`plan`), how to draw an entry (`draw`, bytes or the reason it
cannot be drawn), what to record with its number (`record`), its folder, and its rendering (`render`).
"""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..core.diagnostics import DocgenError, InputErrors
from ..core.files import atomic_write_bytes, probe_writable
from ..core.paths import Paths
from ..record import archive as A
from ..kinds import KINDS
from ..record.ledger import Ledger, Slip, State, read, sha256_file
from ..registers.model import Registers

DRAFT = "草稿"  # printed where a draft's number would go


def draft_dir(out: Paths, kind: str) -> Path:
    """Where --no-pdf drafts go: never output/slips/, and named 草稿-…, so a draft is never taken for a slip."""
    return out.drafts / KINDS[kind].folder


def write_draft(path: Path, data: bytes, takes: str = "编号") -> None:
    """Write a draft; a failure says the draft took no number (编号, or a bulletin's 期号) and the ledger is as it was."""
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        raise DocgenError(f"草稿写入失败：{e.filename or path}（{e.strerror or e}）。草稿不占{takes}，账本未改动；"
                          "问题解决后再次运行即可") from e


def clear_drafts(folder: Path, pattern: str = f"{DRAFT}-*.docx") -> None:
    """Drafts a later run has made stale: an earlier --no-pdf run's, replaced by this run's drafts, or superseded
    by the documents a real run issued (a draft left beside them would be taken for what is to come)."""
    if folder.is_dir():
        for p in folder.glob(pattern):
            p.unlink(missing_ok=True)
        for p in folder.glob(f".{DRAFT}-*.tmp"):
            p.unlink(missing_ok=True)


def adopt_paper(led: Ledger, reg: Registers) -> list[Slip]:
    """Stage an adopt record for every document the office issued on paper (an item's `slip`, settings.yaml
    `bulletin.adopted`) that the ledger does not hold yet; returns them. Run under the lock at the start of every
    issuing run, so adopting is idempotent (a number recorded once is skipped) and two clerks at once adopt it
    once. One that contradicts the ledger is refused (InputErrors: file, line, field) before anything is staged."""
    from ..engine.checks import paper_checks

    errors = paper_checks(reg, led.state)
    if errors:
        raise InputErrors(errors)
    out = []
    for i in reg.items:
        p = i.paper
        if p is not None and p.number not in led.state.slips:
            kind = i.first_kind
            out.append(led.adopt(i.issuer, kind, reg.settings.issuers[i.issuer].prefixes[kind], p.year, p.seq,
                                 p.number, i.id, i.id, p.date))
    for p in reg.settings.bulletin_adopted:
        if p.number not in led.state.slips:
            out.append(led.adopt(reg.settings.bulletin_issuer, "bulletin", None, p.year, p.seq, p.number, "",
                                 p.period, p.date))
    return out


def snapshot(reg: Registers, st: State | None = None) -> State:
    """The ledger (read now, or `st`, which is then staged into) as a run would see it once the paper documents
    are adopted, without writing anything (no lock either): what drafts, `check`, the xlsx and the board read."""
    st = read(reg.root) if st is None else st
    led = Ledger(reg.root, lock=False)
    led.state = st
    adopt_paper(led, reg)
    return st


def preflight(*folders: Path) -> None:
    for f in folders:
        why = probe_writable(f)
        if why:
            raise DocgenError(f"无法写入 {f}（{why}）：本次未编号、未生成任何文件。请检查文件夹权限和磁盘空间后再运行")


def clean_stale(out: Paths) -> None:
    """Temporary files and folders of a run that was killed: never taken for documents, removed. A conversion
    folder's LibreOffice, which outlives its killed docgen, is killed first (pdf.reap), so that it cannot write
    the folder back; a folder whose docgen still runs is left alone."""
    from ..documents.pdf import reap

    kinds = [f for d in (out.slips, out.documents) if d.is_dir() for f in d.glob("*")]  # a folder per kind
    for folder in [out.batches, out.bulletins, *kinds]:
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            name, real_dir = p.name, p.is_dir() and not p.is_symlink()
            if not name.startswith("."):
                continue
            if real_dir and name.startswith(".batch-"):
                if all([reap(j) for j in p.glob(".docgen-pdf-*")]):
                    shutil.rmtree(p, ignore_errors=True)
            elif real_dir and name.startswith(".docgen-pdf-"):
                # a folder of merged slips (documents/merge.py) holds the conversion folders of its documents
                if all([reap(p), *[reap(j) for j in p.glob(".docgen-pdf-*")]]):
                    shutil.rmtree(p, ignore_errors=True)
            elif name.endswith(".tmp"):
                shutil.rmtree(p, ignore_errors=True) if real_dir else p.unlink(missing_ok=True)


class Issuing:
    """What one kind brings to the transaction. An entry is anything with the `number` it would get."""

    reg: Registers
    folder: Path  # where its documents go (probed, with the archive, before anything is numbered)
    templates: list[str]
    drafts: tuple[Path, str] | None = None  # its drafts (folder, pattern): gone once a real run numbers something

    def prepare(self, led: Ledger) -> None:
        """Before the templates are required and the plan made (a slip's reissue, stale slips refused)."""

    def plan(self, st: State) -> list:
        """What to number, in order, each entry with the number it would get."""
        raise NotImplementedError

    def draw(self, st: State, entries: list) -> list[bytes | str]:
        """Each entry drawn in memory: its bytes, or why it cannot be drawn (it then gets no number)."""
        raise NotImplementedError

    def conflicts(self, entries: list) -> list[Path]:
        """Files already under a number about to be given (the ledger lost, replaced or rolled back)."""
        return []

    def refuse(self, entry, why: str) -> None:
        """An entry that cannot be drawn: no number."""

    def record(self, led: Ledger, entry) -> Slip:
        """Allocate the entry's number and record what goes with it; the transaction commits."""
        raise NotImplementedError

    def redraw(self, st: State, slip: Slip) -> bytes:
        """An entry whose number moved up (one before it was refused), drawn with its own."""
        raise NotImplementedError

    def numbered(self, slip: Slip) -> None:
        """A number given in this run."""

    def render(self, led: Ledger, arch: Path, drawn: dict[str, bytes]) -> Any:
        """After the numbers are committed: write, convert, stamp, record, archive (and batch)."""
        raise NotImplementedError


def transact(kind: Issuing, out: Paths) -> Any:
    """The issuing transaction (see the module's docstring). Returns what the kind's render returns."""
    from ..documents import templates

    arch = out.archive
    with Ledger(out.registers) as led:
        st = led.state
        A.bind(led, arch, kind.reg.settings.office)
        clean_stale(out)
        adopt_paper(led, kind.reg)  # committed with this run's numbers (or alone, when there are none)
        kind.prepare(led)
        templates.require(kind.reg.root, kind.templates)
        entries = kind.plan(st)
        data = kind.draw(st, entries)
        if entries:  # nothing to number: nothing probed (a run with nothing to do writes nothing)
            preflight(kind.folder, arch)
        found = kind.conflicts(entries)
        if found:
            raise DocgenError("以下文件所用的编号账本中没有记录（账本可能被删除、替换或回退）。为免一号两用，本次未编号：\n"
                              + "\n".join(str(p) for p in found)
                              + f"\n请恢复账本 {led.path}，或把这些文件移出输出目录和归档后再运行")
        drawn: dict[str, bytes] = {}
        for entry, d in zip(entries, data):
            if isinstance(d, str):
                kind.refuse(entry, d)
                continue
            real = kind.record(led, entry)
            if real.number != entry.number:
                d = kind.redraw(st, real)
            kind.numbered(real)
            drawn[real.number] = d
        led.commit()
        result = kind.render(led, arch, drawn)
        if drawn and kind.drafts:
            clear_drafts(*kind.drafts)
        return result


# ---------------------------------------------------------------- rendering

@dataclass
class Job:
    """One document to write, convert and record: a revision of a number, stamped and recorded as of `date`."""

    slip: Slip
    rev: int
    path: Path
    data: Callable[[], bytes]  # drawn when it is written
    date: dt.date
    facts: Callable[[], dict]  # what it printed of its item, recorded with it
    # after conversion: given its conversion's pdf.Result (its PDF), the drawing that must replace the document (a
    # slip over one page at the next step of documents/fit.py, a bulletin whose 版记 follows a blank page
    # unnumbered), or None when it stands
    recheck: Callable[[object], Callable[[], bytes] | None] | None = None


def write(jobs: list[Job], put: Callable[[Path, bytes], None] = atomic_write_bytes) -> None:
    """Each job drawn and written in turn."""
    for j in jobs:
        put(j.path, j.data())


def convert_and_record(led: Ledger, jobs: list[Job], extras: list[Path] = (), workers: int | None = None,
                       progress=None, alone: tuple = ()) -> tuple[list[Job], list[str], list]:
    """Convert the written jobs (and `extras`, converted in the same LibreOffice round; slips of one template
    merged into one LibreOffice document and cut, documents/merge.py), stamp each PDF with its
    date and record each that has its PDF with the sha256 of both files (one commit). Returns the jobs recorded,
    the errors of those that were not, and the results of the extras."""
    from ..documents.merge import convert
    from ..documents.pdf import stamp_date

    results = convert([j.path for j in jobs] + list(extras), workers, progress=progress, alone=alone)
    if progress is not None:
        progress.close()
    results[:len(jobs)] = redrawn(jobs, results[:len(jobs)], workers)

    def stamped(jr) -> tuple[str, str]:
        j, r = jr
        stamp_date(r.pdf, j.date)
        return sha256_file(r.docx), sha256_file(r.pdf)

    made = [(j, r) for j, r in zip(jobs, results) if r.pdf is not None]
    for (j, _), (docx, pdf) in zip(made, in_threads(stamped, made)):  # the file work waits on the disk: threads
        led.add("render", number=j.slip.number, rev=j.rev, date=j.date, docx=docx, pdf=pdf, facts=j.facts())
    led.commit()
    return [j for j, _ in made], [r.error for r in results[:len(jobs)] if r.pdf is None], results[len(jobs):]


IO_THREADS = 4  # threads for work that waits on the disk (fsync): stamping and hashing PDFs, archiving copies


def in_threads(fn: Callable, items: list) -> list:
    """fn of each item, in IO_THREADS threads, in order; the first exception (in order) raised here."""
    from concurrent.futures import ThreadPoolExecutor

    if len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(IO_THREADS) as ex:
        return list(ex.map(fn, items))


def banji_recheck(unnumbered):
    """A multi-page document's convert–count–redraw (transaction.Job.recheck): when its PDF shows a blank page
    before the 版记 page (the body ended on an even page), it is drawn again by `unnumbered`, with no page number
    on the 版记 page (GB/T 9704 7.5), and converted once more; the 版记 section's footer is all that changes, so
    the pages stay where they were."""
    from ..documents.pdf import blank_before_last

    done = []

    def recheck(r):
        if done or not blank_before_last(r.pdf):
            return None
        done.append(True)
        return unnumbered

    return recheck


REDRAWS = 10  # rounds at most: a slip with 三号 table text takes 8 (six steps, its 回执 rows at their minimum, page numbers)


def redrawn(jobs: list[Job], results: list, workers: int | None = None) -> list:
    """Convert–count–redraw: each converted job whose recheck asks for it (its PDF is not what it must be) is
    drawn again, written over its .docx and converted again, until every recheck is content (REDRAWS rounds at
    most). So the .docx recorded and archived is always the one that produced the PDF. Returns the results."""
    from ..documents.merge import convert

    results = list(results)
    for _ in range(REDRAWS):
        again = []
        for i, (j, r) in enumerate(zip(jobs, results)):
            redraw = j.recheck(r) if j.recheck is not None and r.pdf is not None else None
            if redraw is not None:
                j.data = redraw
                again.append(i)
        if not again:
            break
        write([jobs[i] for i in again])
        for i in again:  # the PDF it replaces is never left beside the new .docx (a failed conversion says so)
            jobs[i].path.with_suffix(".pdf").unlink(missing_ok=True)
        for i, r in zip(again, convert([jobs[i].path for i in again], workers)):
            results[i] = r
    return results
