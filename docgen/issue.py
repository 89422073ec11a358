"""Issuing numbered slips: the one edge where the engine's decisions become numbers, records and files.

One run, under the ledger's lock:
  1. refuse if a register correction would change a document already issued (reissue it instead);
  2. the plan: the engine says which slips are due (kinds.Kind.decide), from the registers and the as-of date;
  3. preflight: the output and archive folders can be written, no file already exists under a number about to
     be given, and every planned slip is drawn in memory: a slip that cannot be drawn gets no number;
  4. the numbers are recorded (one commit);
  5. every slip of the kind issued by the as-of date that has no rendered record is written and converted
     (this run's, and any a killed run numbered but never finished); each that has its PDF is recorded with
     the sha256 of both files and the item facts it printed, then archived;
  6. every recorded slip without a print batch goes into this run's batch, recorded when it is complete.
Without PDFs (--no-pdf) the .docx are drafts: numbered, written to output, not recorded as issued, not archived
or batched; a later run with PDFs finishes them.
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

from . import archive as A
from .calendar import WorkCalendar, cn_date
from .diagnostics import DocgenError
from .documents import slips as S
from .engine import slips as E
from .engine.due import item_due
from .engine.status import item_status, status_all
from .files import atomic_write_bytes, atomic_write_text, probe_writable, safe_name
from .kinds import KINDS
from .ledger import VOID_REV, Ledger, Slip, State, sha256_file
from .model import Registers
from .progress import Progress


def slip_path(out: Path, s: Slip) -> Path:
    """Only validated numbers reach here (ledger.State checks each against its issuer's pattern)."""
    return out / "slips" / KINDS[s.kind].folder / f"{s.number}.docx"


def archive_of(reg: Registers) -> Path:
    return A.archive_root(reg.root, reg.settings.archive)


@dataclass
class Report:
    kind: str
    new: list[Slip] = field(default_factory=list)
    rendered: list[Slip] = field(default_factory=list)
    drafts: list[Slip] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # planned slips that could not be drawn: no number given
    errors: list[str] = field(default_factory=list)
    batch: Path | None = None

    def lines(self) -> list[str]:
        name = KINDS[self.kind].name
        nums = [s.number for s in self.new]
        out = [f"新出具{name}{len(nums)}份" + (f"：{nums[0]}—{nums[-1]}" if len(nums) > 1 else
                                              (f"：{nums[0]}" if nums else ""))]
        again = [s for s in self.rendered if s not in self.new]
        if again:
            out.append(f"补齐已编号{name}的文件{len(again)}份（编号不变）：{'、'.join(s.number for s in again)}")
        if self.drafts:
            out.append(f"未生成 PDF：{len(self.drafts)}份{name}只有 .docx 草稿，尚未登记出具、归档和打印；"
                       "去掉 --no-pdf 再次运行将补齐")
        if self.restored:
            out.append(f"从归档恢复输出目录中缺少的文件{len(self.restored)}个")
        if self.skipped:
            out.append(f"{len(self.skipped)}个事项尚无交办单，未催办（请先运行 docgen assign）：{'、'.join(self.skipped)}")
        for r in self.refused:
            out.append(f"未编号：{r}")
        if self.batch:
            out.append(f"打印批次：{self.batch}")
        return out


# ---------------------------------------------------------------- drawing a slip from its record

def _mark(s: Slip, rev: int) -> str | None:
    if rev == VOID_REV:
        return "此单已作废"
    if rev:
        r = s.reissues[rev]
        return f"更正：{r['reason']}（{cn_date(dt.date.fromisoformat(r['date']))}）"
    return None


def draw(reg: Registers, cal: WorkCalendar, st: State, s: Slip, rev: int = 0):
    """The slip for a number, as of its issue date (so a slip drawn again reads as it did)."""
    item = reg.item(s.item)
    status = item_status(item, reg.events_of(item.id), reg.rules, cal, s.issued)
    mark = _mark(s, rev)
    if s.kind == "assign":
        return S.build_assign(reg, s, status, mark)
    if s.kind == "urge":
        assign = next(iter(st.of_item("assign", item.id)), None)
        return S.build_urge(reg, s, status, assign, E.reply_by(s.issued, reg.rules, cal), mark)
    failed = None
    if "@核查" in s.key:
        day = dt.date.fromisoformat(s.key.split("@核查", 1)[1])
        failed = next((ev for ev in reg.events_of(item.id) if ev.type == "核查" and ev.date == day and ev.passed is False),
                      None)
    return S.build_rectify(reg, s, status, failed, mark)


def facts(reg: Registers, cal: WorkCalendar, s: Slip) -> dict[str, str]:
    item = reg.item(s.item)
    all_facts = E.item_facts(item, item_due(item, reg.rules, cal).due)
    return {k: all_facts[k] for k in KINDS[s.kind].facts}


def stale(reg: Registers, cal: WorkCalendar, st: State) -> list[str]:
    """Issued slips that the registers no longer agree with: the item is gone, or a fact it printed changed.
    A slip staged for reissue (a new revision not yet rendered) is not stale: its new revision will print the
    registers as they are."""
    ids = {i.id for i in reg.items}
    out = []
    for s in st.slips.values():
        r = s.rendered
        if s.is_void or r is None or not KINDS[s.kind].is_slip:
            continue
        if s.item not in ids:
            out.append(f"{s.number}（{cn_date(s.issued)}出具）：事项「{s.item}」已不在台账中。"
                       f"请恢复该事项，或运行 docgen void {s.number} --reason 原因")
            continue
        now = facts(reg, cal, s)
        diffs = [f"{k}由「{v}」改为「{now.get(k, '')}」" for k, v in r["facts"].items() if now.get(k) != v]
        if diffs:
            out.append(f"{s.number}（{cn_date(s.issued)}出具）：台账中{'；'.join(diffs)}。"
                       f"如需更正单据，请运行 docgen {s.kind} --reissue {s.number} --reason 原因；否则请把台账改回")
    return out


def refuse_stale(reg: Registers, cal: WorkCalendar, st: State) -> None:
    problems = stale(reg, cal, st)
    if problems:
        raise DocgenError("台账的更正会改变已出具的单据，本次未编号、未生成任何文件：\n" + "\n".join(problems))


# ---------------------------------------------------------------- the plan

def plan(kind: str, reg: Registers, cal: WorkCalendar, as_of: dt.date, st: State):
    """What the engine says is due: (needs, items skipped)."""
    statuses = status_all(reg, cal, as_of)
    keys = {s.key for s in st.valid(kind)}
    if kind == "assign":
        return E.assignments(statuses, keys), []
    if kind == "rectify":
        return E.rectifications(reg, statuses, keys, as_of), []
    assigned = {s.item for s in st.valid("assign")}
    last: dict[str, dt.date] = {}
    for s in st.valid("urge"):
        last[s.item] = max(last.get(s.item, s.issued), s.issued)
    return E.urges(statuses, assigned, last, reg.rules, cal, as_of)


def _preflight(*folders: Path) -> None:
    for f in folders:
        why = probe_writable(f)
        if why:
            raise DocgenError(f"无法写入 {f}（{why}）：本次未编号、未生成任何文件。请检查文件夹权限和磁盘空间后再运行")


def _unknown_files(out: Path, arch: Path, s: Slip) -> list[Path]:
    return [p for p in (slip_path(out, s), slip_path(out, s).with_suffix(".pdf"),
                        A.archived(arch, s, 0, ".pdf"), A.archived(arch, s, 0, ".docx")) if p.exists()]


def clean_stale(out: Path) -> None:
    """Temporary files and folders of a run that was killed: never taken for documents, removed."""
    for folder in [out / "batches", out / "bulletins", *((out / "slips").glob("*") if (out / "slips").is_dir() else [])]:
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if p.name.startswith(".") and (p.name.endswith(".tmp") or p.name.startswith((".docgen-pdf-", ".batch-"))):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def issue(reg: Registers, cal: WorkCalendar, kind: str, as_of: dt.date, out: Path, pdf: bool = True,
          workers: int | None = None, reissue: tuple[str, str] | None = None) -> Report:
    k = KINDS[kind]
    report = Report(kind)
    arch = archive_of(reg)
    with Ledger(reg.root) as led:
        st = led.state
        if pdf:
            led.anchor = arch
        clean_stale(out)
        if reissue:
            _stage_reissue(led, kind, reissue, as_of)
        refuse_stale(reg, cal, st)
        needs, report.skipped = plan(kind, reg, cal, as_of, st)
        _preflight(out / "slips" / k.folder, *([arch] if pdf else []))
        drawn: dict[str, bytes] = {}
        conflicts = []
        for n in needs:
            prefix = reg.settings.issuers[n.issuer].prefixes[kind]
            seq, number = st.next_number(n.issuer, kind, prefix, as_of.year)
            s = Slip(n.issuer, kind, as_of.year, seq, prefix, number, n.item_id, n.key, as_of, 0)
            try:
                data = draw(reg, cal, st, s).to_bytes()
            except Exception as e:  # noqa: BLE001 - any slip that cannot be drawn gets no number
                report.refused.append(f"事项「{n.item_id}」的{k.name}无法生成（{type(e).__name__}: {e}）")
                continue
            conflicts += _unknown_files(out, arch, s)
            report.new.append(led.allocate(n.issuer, kind, prefix, n.item_id, n.key, as_of))
            drawn[number] = data
        if conflicts:
            raise DocgenError("以下文件所用的编号账本中没有记录（账本可能被删除、替换或回退）。为免一号两用，本次未编号：\n"
                              + "\n".join(str(p) for p in conflicts)
                              + f"\n请恢复账本 {led.path}，或把这些文件移出输出目录和归档后再运行")
        led.commit()
        _render(reg, cal, led, kind, as_of, out, arch, pdf, workers, drawn, report)
        _restore(led.state, kind, out, arch, report)
        if pdf and not report.errors:
            report.batch = _print_batch(reg, led, kind, as_of, out, workers)
    return report


def _stage_reissue(led: Ledger, kind: str, reissue: tuple[str, str], as_of: dt.date) -> None:
    number, reason = reissue
    s = led.state.slips.get(number)
    if s is None or s.kind != kind:
        raise DocgenError(f"账本中没有{KINDS[kind].name} {number}")
    if not reason.strip():
        raise DocgenError("更正须说明原因（--reason）")
    led.add("reissue", number=number, rev=s.rev + 1, reason=reason.strip(), date=as_of)


def _render(reg, cal, led: Ledger, kind, as_of, out, arch, pdf, workers, drawn, report: Report) -> None:
    st = led.state
    ids = {i.id for i in reg.items}
    todo = []
    for s in st.slips.values():
        if s.kind != kind or s.issued > as_of:
            continue
        if s.is_void:  # a copy marked 作废, only for a slip that was issued
            if not s.renders or s.void_rendered is not None:
                continue
            rev = VOID_REV
        elif s.rendered is None:
            rev = s.rev
        else:
            continue
        if s.item not in ids:
            report.errors.append(f"{s.number} 的事项「{s.item}」已不在台账中，无法生成")
            continue
        todo.append((s, rev))
    paths = []
    for s, rev in todo:
        p = slip_path(out, s)
        data = drawn.get(s.number) if rev == 0 else None
        atomic_write_bytes(p, data if data is not None else draw(reg, cal, st, s, rev).to_bytes())
        paths.append(p)
    if not todo:
        return
    if not pdf:
        report.drafts = [s for s, _ in todo]
        led.commit()
        return
    from .documents.render import render_pdfs
    from .pdf import stamp_date

    bar = Progress(f"生成{KINDS[kind].name} PDF")
    results = render_pdfs(paths, workers, progress=bar)
    bar.close()
    done = []
    for (s, rev), r in zip(todo, results):
        if r.pdf is None:
            report.errors.append(r.error)
            continue
        stamp_date(r.pdf, s.issued if rev in (0,) else as_of)
        led.add("render", number=s.number, rev=rev, date=s.issued if rev == 0 else as_of,
                docx=sha256_file(r.docx), pdf=sha256_file(r.pdf), facts=facts(reg, cal, s))
        done.append((s, rev))
        report.rendered.append(s)
    led.commit()
    if report.errors:
        report.errors.append(f"编号已登记；未能生成 PDF 的{len(report.errors)}份单据，再次运行将补齐")
    for s, rev in done:
        _archive(s, rev, out, arch)


def _archive(s: Slip, rev: int, out: Path, arch: Path) -> None:
    r = s.renders[rev]
    for ext in (".docx", ".pdf"):
        A.put(slip_path(out, s).with_suffix(ext), A.archived(arch, s, rev, ext), r[ext[1:]])


def _restore(st: State, kind: str, out: Path, arch: Path, report: Report) -> None:
    """Recorded slips whose output copy is missing or differs: copied back from the archive; archive copies a
    killed run did not make: made from the output."""
    for s in st.slips.values():
        if s.kind != kind:
            continue
        rev = VOID_REV if s.is_void and s.void_rendered else s.rev
        r = s.renders.get(rev)
        if r is None:
            continue
        for ext in (".docx", ".pdf"):
            o, a = slip_path(out, s).with_suffix(ext), A.archived(arch, s, rev, ext)
            if not a.exists() and o.is_file() and sha256_file(o) == r[ext[1:]]:
                A.put(o, a, r[ext[1:]])
            if (not o.is_file() or sha256_file(o) != r[ext[1:]]) and a.is_file() and sha256_file(a) == r[ext[1:]]:
                o.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(o, a.read_bytes())
                report.restored.append(str(o))


# ---------------------------------------------------------------- print batches

def _print_batch(reg: Registers, led: Ledger, kind: str, as_of: dt.date, out: Path, workers) -> Path | None:
    """Every recorded slip of the kind that is in no batch yet: one merged PDF per receiving unit, each file
    named with its sequence and the unit, a 签收登记表 and 目录.txt; recorded once the folder is complete."""
    st = led.state
    slips = [s for s in st.slips.values() if s.kind == kind and not s.is_void and s.rendered and s.batch is None]
    if not slips:
        return None
    folder = KINDS[kind].folder
    base = f"{as_of.isoformat()}-{folder}-"
    bid = f"{base}{1 + sum(1 for b in st.batches if b.startswith(base))}"
    root = out / "batches"
    final = root / bid
    if final.exists():  # left by a run killed before it recorded this batch: never handed out
        shutil.rmtree(final)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".batch-", dir=str(root)))
    try:
        units: dict[str, list[Slip]] = {}
        for s in sorted(slips, key=lambda s: (s.year, s.seq)):
            units.setdefault(reg.item(s.item).lead, []).append(s)
        rows = [(s.number, KINDS[kind].name, u, reg.item(s.item).text) for u, ss in units.items() for s in ss]
        signoff = tmp / "签收登记表.docx"
        atomic_write_bytes(signoff, S.build_signoff(reg, KINDS[kind].name, as_of, rows).to_bytes())
        from .documents.render import render_pdfs

        errs = [r.error for r in render_pdfs([signoff], workers) if r.pdf is None]
        if errs:
            raise DocgenError("；".join(errs))
        index = [f"{cn_date(as_of)} {KINDS[kind].name} 打印批次 {bid}", ""]
        for i, (unit, ss) in enumerate(units.items(), 1):
            w = PdfWriter()
            for s in ss:
                w.append(str(slip_path(out, s).with_suffix(".pdf")))
            buf = io.BytesIO()
            w.write(buf)
            name = f"{i:02d}-{safe_name(unit)}.pdf"
            atomic_write_bytes(tmp / name, buf.getvalue())
            index.append(f"{name}：{unit}（{'、'.join(s.number for s in ss)}）")
        index += ["签收登记表.pdf：请接收单位签收后存档", ""]
        atomic_write_text(tmp / "目录.txt", "\n".join(index))
        files = {p.name: sha256_file(p) for p in sorted(tmp.iterdir())}
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    led.add("batch", id=bid, kind=kind, date=as_of, numbers=[s.number for u in units.values() for s in u], files=files)
    led.commit()
    return final


# ---------------------------------------------------------------- void

def void(reg: Registers, cal: WorkCalendar, number: str, reason: str, as_of: dt.date, out: Path,
         pdf: bool = True) -> Slip:
    """Mark a number 作废 (it stays in the ledger forever); an issued slip gets a copy marked 作废, archived
    beside the original."""
    if not reason.strip():
        raise DocgenError("作废须说明原因（--reason）")
    with Ledger(reg.root) as led:
        s = led.state.slips.get(number)
        if s is None:
            raise DocgenError(f"账本中没有编号 {number}")
        if s.is_void:
            raise DocgenError(f"{number} 已经作废（{s.void['reason']}）")
        if not KINDS[s.kind].is_slip:
            raise DocgenError(f"{number} 是《督导通报》的期号，不能作废")
        led.add("void", number=number, reason=reason.strip(), date=as_of)
        led.commit()
        if s.item not in {i.id for i in reg.items}:
            return s
        if s.renders:  # an issued slip: a copy marked 作废, recorded and archived beside the original
            led.anchor = archive_of(reg)
            report = Report(s.kind)
            _render(reg, cal, led, s.kind, max(as_of, s.issued), out, archive_of(reg), pdf, None, {}, report)
            if report.errors:
                raise DocgenError("\n".join(report.errors))
        elif slip_path(out, s).exists():  # a draft never issued: the draft is marked too
            atomic_write_bytes(slip_path(out, s), draw(reg, cal, led.state, s, VOID_REV).to_bytes())
    return s
