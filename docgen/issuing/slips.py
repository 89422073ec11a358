"""Issuing numbered slips: the one edge where the engine's decisions become numbers, records and files.

One run, under the ledger's lock:
  1. refuse if a register correction would change a document already issued (reissue it instead);
  2. the plan: the engine says which slips are due (the kind's decider), from the registers and the as-of date;
  3. preflight: the output and archive folders can be written, no file already exists under a number about to
     be given, and every planned slip is drawn in memory: a slip that cannot be drawn gets no number;
  4. the numbers are recorded (one commit);
  5. every slip of the kind issued by the as-of date that has no rendered record is written and converted
     (this run's, and any a killed run numbered but never finished); each that has its PDF is recorded with
     the sha256 of both files and the item facts it printed, then archived;
  6. every recorded slip without a print batch goes into this run's batch, recorded when it is complete.
Without PDFs (--no-pdf) a run only drafts (`drafts`): the slips that would be due are drawn with 草稿 where the
number goes and written to output/drafts/<kind>/; no number is taken, nothing is recorded, archived or batched,
and the ledger is not even locked. A later run issues from the registers as they are then.
A number taken by an older docgen's --no-pdf run (numbered, never rendered) is finished by the next run with PDFs.
"""
from __future__ import annotations

import datetime as dt
import errno
import io
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from pypdf import PdfWriter

from ..record import archive as A
from ..registers.calendar import UnknownYear, WorkCalendar, cn_date
from ..core.diagnostics import DocgenError
from ..documents import slips as S
from ..documents import templates
from ..documents.forms import refinish
from ..engine import slips as E
from ..engine.due import item_due
from ..engine.status import item_status, pending_diagnostics, status_all
from ..core.files import atomic_write_bytes, atomic_write_text, safe_name
from ..core.forked import Forked, forked, workers_for
from ..kinds import KINDS, SLIP_KINDS, declared, slip_kinds
from . import kinds as _builtin  # noqa: F401 - the built-in kinds' code, registered
from ..record.ledger import VOID_REV, Ledger, Slip, State, format_number, read, sha256_file
from ..registers.model import Registers
from ..registers.load import unprintable
from ..core.paths import Paths
from ..core.progress import Progress
from . import transaction as T
from ..view import batch_note, numbers_text
from .transaction import DRAFT, clean_stale, draft_dir, preflight  # noqa: F401 - also used by callers


def slip_path(out: Paths, s: Slip) -> Path:
    """Only validated numbers reach here (ledger.State checks each against its issuer's pattern)."""
    return out.slips / KINDS[s.kind].folder / f"{s.number}.docx"


@dataclass
class Report:
    kind: str
    new: list[Slip] = field(default_factory=list)
    rendered: list[Slip] = field(default_factory=list)
    draft: bool = False  # a --no-pdf run: nothing numbered or recorded
    drafts: list[Path] = field(default_factory=list)  # the draft .docx it wrote
    unfinished: list[str] = field(default_factory=list)  # --no-pdf: numbers recorded but not yet rendered
    restored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # planned slips that could not be drawn: no number given
    pending: list = field(default_factory=list)  # items whose due date waits for a year's schedule (时限待定)
    late: list[str] = field(default_factory=list)  # 交办单 issued late: allowed, listed as warnings
    errors: list[str] = field(default_factory=list)
    fitting: list[str] = field(default_factory=list)  # how the run's slips were kept on one sheet (fit.py's steps)
    fit_level: int = 0  # the step of documents/fit.py the run's slips were set at
    batch: Path | None = None

    def lines(self) -> list[str]:
        name = KINDS[self.kind].name
        if self.draft:
            out = [f"草稿{name}{len(self.drafts)}份（编号处印“草稿”）：未编号、未出具，账本中没有记录，不归档、不打印"]
            out += [f"  {p}" for p in self.drafts]
            if self.drafts:
                out.append("这些只是草稿。去掉 --no-pdf 运行才正式出具：按届时的台账编号、生成 PDF、归档并生成打印批次")
        else:
            nums = [s.number for s in self.new]
            out = [f"新出具{name}{len(nums)}份" + (f"：{numbers_text(nums)}" if nums else "")]
        again = [s for s in self.rendered if s not in self.new]
        if again:
            out.append(f"补齐已编号{name}的文件{len(again)}份（编号不变）：{'、'.join(s.number for s in again)}")
        if self.unfinished:
            out.append(f"账本中已编号、尚未生成文件的{name}{len(self.unfinished)}份：{'、'.join(self.unfinished)}；"
                       "去掉 --no-pdf 运行将补齐（编号不变）")
        out += self.fitting
        if self.restored:
            out.append(f"从归档恢复输出目录中缺少的文件{len(self.restored)}个")
        if self.skipped:
            out.append(f"{len(self.skipped)}{KINDS[self.kind].skipped}：{'、'.join(self.skipped)}")
        for r in self.refused:
            out.append(f"{'未生成草稿' if self.draft else '未编号'}：{r}")
        for d in self.pending:
            out.append(f"时限待定，未出具：{d}")
        for w in self.late:
            out.append(f"警告：{'若今天出具，' if self.draft else ''}{name}出具偏晚 {w}")
        if self.batch:
            out.append(f"打印批次：{self.batch}")
        return out


# ---------------------------------------------------------------- drawing a slip from its record

def _mark(s: Slip, rev: int) -> str | None:
    if rev == VOID_REV:
        return S.VOID_MARK
    if rev:
        r = s.reissues[rev]
        return correction_mark(r["reason"], dt.date.fromisoformat(r["date"]))
    return None


def correction_mark(reason: str, on: dt.date) -> str:
    """The 更正 mark under a reissued slip's title: the date first, so no bracket sits inside the mark's own."""
    return f"{cn_date(on)}更正：{reason.strip()}"


def draw(reg: Registers, cal: WorkCalendar, st: State, s: Slip, rev: int = 0, shown: str | None = None,
         mark: str | None = None, floor: int = 0):
    """The slip for a number, as of its issue date (so a slip drawn again reads as it did), by its kind's drawer.
    A draft passes `shown`, what is printed where the number goes, and its own `mark`."""
    k, status, ctx = _inputs(reg, cal, st, s)
    entry = s if shown is None else replace(s, number=shown)
    return S.draw_slip(reg, k, entry, status, ctx, mark if shown is not None else _mark(s, rev), floor)


def _inputs(reg: Registers, cal: WorkCalendar, st: State, s: Slip):
    """What a slip is drawn from: its kind's declaration, its item's status on its issue date, and its context."""
    k = declared(s.kind)
    item = reg.item(s.item)
    status = item_status(item, reg.events_of(item.id), reg.rules, cal, s.issued)
    extra = k.extra(reg, cal, st, s, item) if k.extra else {}
    ctx = S.SlipContext(**{"assign": assigning_slip(st, item.id), **extra})  # a kind's extra may cite another slip
    return k, status, ctx


def required_templates(kind: str, batch: bool = True) -> list[str]:
    """The templates a kind's slips are drawn with: its form, its 回执, the batch's 签收登记表."""
    k = KINDS[kind]
    return [declared(kind).form.name] + (["回执"] if k.receipt else []) + (["签收登记表"] if batch else [])


def _late(reg: Registers, cal: WorkCalendar, kind: str, item_id: str, on: dt.date) -> str | None:
    """Why a slip of the kind issued on a date is late, if the kind says when one is (交办单: rules.md §4)."""
    late = declared(kind).late
    if late is None:
        return None
    item = reg.item(item_id)
    return late(item, in_force(reg, cal, item, on), on, reg.rules, cal)


def _late_marked(reg: Registers, cal: WorkCalendar, kind: str, item_id: str, on: dt.date) -> str | None:
    """_late, and for a slip drawn now that comes after its deadline, that it is printed as a 补发 (slips drawn by
    an older docgen, which `check` also lists, were not)."""
    why = _late(reg, cal, kind, item_id, on)
    if why and E.issued_after(in_force(reg, cal, reg.item(item_id), on), on):
        why += "（单据上印“补发”）"
    return why


def in_force(reg: Registers, cal: WorkCalendar, item, on: dt.date) -> dt.date:
    """The item's deadline in force on a date: extensions granted and rework deadlines set by then."""
    return item_status(item, reg.events_of(item.id), reg.rules, cal, on).due


def assigning_slip(st: State, item: str) -> Slip | None:
    """The slip that assigned an item: its 交办单, or for an inspection finding its 整改通知单 (keyed by the item)."""
    return next(iter(st.of_item("assign", item)), None) or st.find("rectify", E.rectify_key(item, None))


def facts(reg: Registers, cal: WorkCalendar, s: Slip) -> dict[str, str]:
    item = reg.item(s.item)
    all_facts = E.item_facts(item, item_due(item, reg.rules, cal).due, in_force(reg, cal, item, s.issued))
    return {k: all_facts[k] for k in KINDS[s.kind].facts}


def stale(reg: Registers, cal: WorkCalendar, st: State) -> list[str]:
    """Issued slips that the registers no longer agree with: the item is gone, or a fact it printed changed.
    A slip staged for reissue (a new revision not yet rendered) is not stale: its new revision will print the
    registers as they are."""
    ids = {i.id for i in reg.items}
    out = []
    for s in st.slips.values():
        r = s.rendered
        if s.is_void or not KINDS[s.kind].is_slip:
            continue
        if s.item not in ids:  # numbered and never rendered too (a killed run, an older --no-pdf): it cannot be
            issued = any(rev != VOID_REV for rev in s.renders)  # a staged reissue has no render yet: rev 0 has
            done = "纸质出具" if s.adopted else "出具" if issued else "编号，尚未生成文件"  # finished without its item
            out.append(f"{s.number}（{cn_date(s.issued)}{done}）：事项「{s.item}」已不在台账中。"
                       f"请恢复该事项，或运行 docgen void {s.number} --reason 原因")
            continue
        if r is None:
            continue
        try:
            now = facts(reg, cal, s)
        except UnknownYear:
            continue  # its due date waits for a year's schedule: check reports it
        diffs = [f"{k}由「{v}」改为「{now.get(k, '')}」" for k, v in r["facts"].items() if now.get(k) != v]
        if diffs:
            out.append(f"{s.number}（{cn_date(s.issued)}出具）：台账中{'；'.join(diffs)}。"
                       f"如需更正单据，请运行 docgen {KINDS[s.kind].command} --reissue {s.number} --reason 原因；否则请把台账改回")
    return out


def late_issued(reg: Registers, cal: WorkCalendar, st: State) -> list[str]:
    """Every issued slip that went out late (for `check`), of each kind that says when one is late (交办单: on or
    after its item's due date, or after issue_lag)."""
    out = []
    ids = {i.id for i in reg.items}
    for k in slip_kinds():
        if declared(k.id).late is None:
            continue
        for s in st.valid(k.id):
            if s.item not in ids:
                continue
            item = reg.item(s.item)
            try:
                why = _late(reg, cal, k.id, s.item, s.issued)
            except UnknownYear:
                continue
            if why:
                out.append(f"{s.number}（事项「{item.id}」，{item.lead}）：{why}")
    return out


def refuse_stale(reg: Registers, cal: WorkCalendar, st: State) -> None:
    problems = stale(reg, cal, st)
    if problems:
        raise DocgenError("台账的更正会改变已出具的单据，本次未编号、未生成任何文件：\n" + "\n".join(problems))


# ---------------------------------------------------------------- the plan

def plan(kind: str, reg: Registers, cal: WorkCalendar, as_of: dt.date, st: State):
    """What the engine says is due, by the kind's decider: (needs, items skipped, items whose due date waits for
    a year's schedule)."""
    last: dict[str, dt.date] = {}
    for s in st.valid("urge"):
        last[s.item] = max(last.get(s.item, s.issued), s.issued)
    first = {item: s.issued for item in st.by_item if (s := assigning_slip(st, item)) is not None}
    issued = E.Issued(keys={k: {s.key for s in st.valid(k)} for k in SLIP_KINDS}, first_slip=first, last_urged=last)
    pending: list = []
    statuses = status_all(reg, cal, as_of, pending=pending)
    needs, skipped = declared(kind).decide(reg, cal, as_of, statuses, issued)
    return needs, skipped, pending_diagnostics(pending)


def _unknown_files(out: Paths, arch: Path, s: Slip) -> list[Path]:
    return [p for p in (slip_path(out, s), slip_path(out, s).with_suffix(".pdf"),
                        A.archived(arch, s, 0, ".pdf"), A.archived(arch, s, 0, ".docx")) if p.exists()]


def _tentative(reg: Registers, kind: str, as_of: dt.date, st: State, needs) -> list[Slip]:
    """The numbers the needs would get, in order, if every one could be drawn."""
    counters: dict[str, int] = {}
    out = []
    for n in needs:
        prefix = reg.settings.issuers[n.issuer].prefixes[kind]
        seq = counters.get(n.issuer, st.counters.get((n.issuer, kind, as_of.year), 0)) + 1
        counters[n.issuer] = seq
        number = format_number(prefix, as_of.year, seq)
        out.append(Slip(n.issuer, kind, as_of.year, seq, prefix, number, n.item_id, n.key, as_of, 0))
    return out


def _draw_one(reg, cal, st, s: Slip, floor: int):
    """A slip drawn, set at the first step from the round's floor at which it fits: (its bytes, its fit, its body
    before the steps), or why it could not be drawn."""
    try:
        d = draw(reg, cal, st, s, floor=floor)
        return d.to_bytes(), getattr(d, "fit", None), getattr(d, "unfitted", None)
    except Exception as e:  # noqa: BLE001 - reported per slip; the slip gets no number
        return f"{type(e).__name__}: {e}"


def _set_again(reg, cal, st, s: Slip, floor: int, first):
    """A slip drawn by _draw_one (`first`, what it gave) set again at the floor: from the document it was filled
    into (forms.refinish), or, when that cannot be, drawn again."""
    data, f, unfitted = first
    try:
        again = refinish(data, unfitted, floor) if unfitted is not None and f.fits else None
    except Exception:  # noqa: BLE001 - drawn again from its template below, as it would have been
        again = None
    if again is not None:
        return (*again, None)
    try:
        d = draw(reg, cal, st, s, floor=floor)
        return d.to_bytes(), getattr(d, "fit", None), None
    except Exception as e:  # noqa: BLE001 - reported per slip; the slip gets no number
        return f"{type(e).__name__}: {e}"


def _draw_all(reg, cal, st, slips, which: list[int], floor: int, workers: int, first: dict | None = None,
              first_here: bool = False) -> list:
    """_draw_one for each slip of `which` (or, given the first results, _set_again), by forked processes
    (core.forked) when the run has many (forked.MANY); first_here: the first drawn here before they fork (the
    run's first round: the workers of every round inherit what drawing it loaded, Forked)."""
    if first is None:
        tasks = [lambda i=i: _draw_one(reg, cal, st, slips[i], floor) for i in which]
    else:
        tasks = [lambda i=i: _set_again(reg, cal, st, slips[i], floor, first[i]) for i in which]
    return forked(tasks, workers_for(len(slips), workers), first_here=first_here)


def _content_size(reg: Registers, cal: WorkCalendar, st: State, s: Slip) -> int:
    """How much a slip prints: the characters of its form's context (kinds' context, as draw fills it). Only an
    order for draw_many, which draws the fullest first; any error is the drawer's to report."""
    def size(v) -> int:
        if isinstance(v, dict):
            return sum(size(x) for x in v.values())
        if isinstance(v, (list, tuple)):
            return sum(size(x) for x in v)
        return len(str(v))

    try:
        k, status, ctx = _inputs(reg, cal, st, s)
        return size(k.context(reg, s, status, ctx, _mark(s, 0)))
    except Exception:  # noqa: BLE001 - drawn (and refused, if it must be) in its turn
        return 0


def draw_many(reg: Registers, cal: WorkCalendar, st: State, slips: list[Slip], workers: int | None = None,
              report: Report | None = None) -> list:
    """Draw slips in memory: bytes for each, or the reason it could not be drawn. Many slips are drawn by forked
    processes, one per core. Every slip of the run is set at the same step of documents/fit.py: the step the
    fullest needs. The fullest by their text (a sixteenth of the run, at least 8) are drawn first, from step 0;
    the others then from the step those need, so that most are filled and measured once, at the run's step; a
    slip that needs a later step still raises it, and those set at an earlier one are set again at it, from the
    documents already filled, not filled again. Each slip comes out as it would drawn from step 0 and set again
    at the run's step (documents/fit.py's steps only ever add room). `report` receives the step (fit_level, for a
    slip drawn again later in the run) and what the steps did, in Chinese (fitting)."""
    workers = workers or os.cpu_count() or 1
    n = len(slips)
    order = sorted(range(n), key=lambda i: -_content_size(reg, cal, st, slips[i])) if n > 8 else list(range(n))
    head, rest = order[:max(8, n // 16)], order[max(8, n // 16):]
    out: dict[int, object] = dict(zip(head, _draw_all(reg, cal, st, slips, head, 0, workers, first_here=True)))

    def fits_of(results) -> dict:
        return {i: r[1] for i, r in results.items() if not isinstance(r, str) and r[1] is not None}

    # the step the fullest slip that can fit needs: one that cannot fit even in 五号 does not shrink the others
    level = max((f.level for f in fits_of(out).values() if f.fits), default=0)
    out.update(zip(rest, _draw_all(reg, cal, st, slips, rest, level, workers)))
    fits = fits_of(out)
    level = max((f.level for f in fits.values() if f.fits), default=0)
    again = [i for i, f in fits.items() if f.level < level]
    for i, r in zip(again, _draw_all(reg, cal, st, slips, again, level, workers, out)):
        out[i] = r
        if not isinstance(r, str) and r[1] is not None:
            fits[i] = r[1]
    if report is not None and fits:
        report.fit_level = level
        report.fitting = fit_notes(KINDS[slips[0].kind].name, [fits[i] for i in sorted(fits)])
    return [r if isinstance(r, str) else r[0] for r in (out[i] for i in range(n))]


def redrawn_notes(again: list, level: int) -> list[str]:
    """A line for each slip drawn again in a run (a reissue, a copy marked 作废) that needed a later step than
    the run's."""
    from ..documents.fit import describe

    out = []
    for s, rev, f in again:
        what = "作废标注版" if rev == VOID_REV else ("更正版" if rev else "")
        if f.level > level:
            out.append(f"{s.number}{what}内容较多，为保持一页：{describe(f.level, f.template_size, f.size)}")
        if not f.fits:
            out.append(f"注意：{s.number}{what}缩到五号仍超出一页，已加页码；请精简事项表述")
    return out


def fit_notes(name: str, fits: list) -> list[str]:
    """The console's and the build summary's lines on how a run's slips were kept on one sheet."""
    from ..documents.fit import describe

    out = []
    ok = [f for f in fits if f.fits]
    level = max((f.level for f in ok), default=0)
    if level:
        f = min(ok, key=lambda f: f.size)
        whole = (f"全部{len(ok)}份" if len(ok) == len(fits) else f"能放下的{len(ok)}份") + ("统一" if len(ok) > 1 else "")
        # the spacing step alone is what ordinary content takes to leave the 回执 its room: said, not as a fault
        why = "为连同回执排在一页" if level == 1 else "内容较多，为每份单据保持一页"
        out.append(f"本次{name}{why}，{whole}：{describe(level, f.template_size, f.size)}")
    over = sum(1 for f in fits if not f.fits)
    if over:
        out.append(f"注意：{over}份{name}缩到五号仍超出一页，已加页码；请精简事项表述")
    return out


def _write_drafts(folder: Path, named: list[tuple[str, bytes]], clear: bool = True) -> list[Path]:
    preflight(folder)
    if clear:
        T.clear_drafts(folder)
    paths, used = [], set()
    for name, data in named:
        base = f"{DRAFT}-{safe_name(name, 60)}"
        stem, i = base, 1
        while stem in used:
            i += 1
            stem = f"{base}-{i}"
        used.add(stem)
        p = folder / f"{stem}.docx"
        T.write_draft(p, data)
        paths.append(p)
    return paths


def drafts(reg: Registers, cal: WorkCalendar, kind: str, as_of: dt.date, out: Paths, workers: int | None = None,
           reissue: tuple[str, str] | None = None) -> Report:
    """--no-pdf: the slips a run would issue now, drawn with 草稿 where the number goes, written to
    output/drafts/<kind>/. Reads a snapshot of the ledger and writes nothing to it (no lock file either): no
    number is taken, nothing recorded, archived or batched."""
    k = KINDS[kind]
    report = Report(kind, draft=True)
    st = T.snapshot(reg)  # the paper slips as the real run will adopt them: no draft for an item one assigned
    folder = draft_dir(out, kind)
    templates.require(reg.root, required_templates(kind))
    if reissue:
        number, reason = reissue
        s = st.slips.get(number)
        if s is None or s.kind != kind:
            raise DocgenError(f"账本中没有{k.name} {number}")
        _reissue_problem(s, reason)
        if s.item not in {i.id for i in reg.items}:
            raise DocgenError(f"{number} 的事项「{s.item}」已不在台账中，无法生成更正版")
        mark = correction_mark(reason, as_of)
        data = draw(reg, cal, st, s, shown=f"{DRAFT}（{number}更正版）", mark=mark).to_bytes()
        report.drafts = _write_drafts(folder, [(f"更正-{number}", data)], clear=False)
        return report
    refuse_stale(reg, cal, st)
    needs, report.skipped, report.pending = plan(kind, reg, cal, as_of, st)
    report.unfinished = [s.number for s in st.slips.values()
                         if s.kind == kind and not s.is_void and s.rendered is None and not s.adopted
                         and s.issued <= as_of]
    tentative = [replace(s, number=DRAFT) for s in _tentative(reg, kind, as_of, st, needs)]
    named = []
    for s, data in zip(tentative, draw_many(reg, cal, st, tentative, workers, report)):
        if isinstance(data, str):
            report.refused.append(f"事项「{s.item}」的{k.name}无法生成（{data}）")
            continue
        named.append((s.key.replace("@", "-"), data))
        why = _late_marked(reg, cal, kind, s.item, as_of)
        if why:
            item = reg.item(s.item)
            report.late.append(f"事项「{item.id}」（{item.lead}）：{why}")
    if named:
        report.drafts = _write_drafts(folder, named)
    else:
        T.clear_drafts(folder)
    return report


class _Slips(T.Issuing):
    """A slip kind in the issuing transaction: its plan is the engine's needs, each drawn (by forked workers when
    many); a slip that cannot be drawn is refused; its rendering writes, converts, archives and batches."""

    def __init__(self, reg: Registers, cal: WorkCalendar, kind: str, as_of: dt.date, out: Paths,
                 workers: int | None, reissue: tuple[str, str] | None, report: Report):
        self.reg, self.cal, self.kind, self.as_of, self.out = reg, cal, kind, as_of, out
        self.workers, self.reissue, self.report = workers, reissue, report
        self.k = KINDS[kind]
        self.folder = out.slips / self.k.folder
        self.templates = required_templates(kind)
        self.drafts = (draft_dir(out, kind), f"{DRAFT}-*.docx")

    def prepare(self, led: Ledger) -> None:
        reg, kind, k = self.reg, self.kind, self.k
        if self.reissue:
            s = led.state.slips.get(self.reissue[0])
            if s is not None and s.kind == kind and s.item not in {i.id for i in reg.items}:
                raise DocgenError(f"{s.number} 的事项「{s.item}」已不在台账中，无法生成更正版：请先恢复该事项；"
                                  f"如这份{k.name}不再有效，运行 docgen void {s.number} --reason 原因")
            _stage_reissue(led, kind, self.reissue, self.as_of)
        refuse_stale(reg, self.cal, led.state)

    def plan(self, st: State) -> list[Slip]:
        needs, self.report.skipped, self.report.pending = plan(self.kind, self.reg, self.cal, self.as_of, st)
        return _tentative(self.reg, self.kind, self.as_of, st, needs)

    def draw(self, st: State, entries: list[Slip]) -> list:
        return draw_many(self.reg, self.cal, st, entries, self.workers, self.report)

    def conflicts(self, entries: list[Slip]) -> list[Path]:
        return [p for s in entries for p in _unknown_files(self.out, self.out.archive, s)]

    def refuse(self, entry: Slip, why: str) -> None:
        self.report.refused.append(f"事项「{entry.item}」的{self.k.name}无法生成（{why}）")

    def record(self, led: Ledger, entry: Slip) -> Slip:
        return led.allocate(entry.issuer, self.kind, entry.prefix, entry.item, entry.key, self.as_of)

    def redraw(self, st: State, slip: Slip) -> bytes:
        return draw(self.reg, self.cal, st, slip, floor=self.report.fit_level).to_bytes()

    def numbered(self, slip: Slip) -> None:
        self.report.new.append(slip)
        why = _late_marked(self.reg, self.cal, self.kind, slip.item, self.as_of)
        if why:
            item = self.reg.item(slip.item)
            self.report.late.append(f"{slip.number}（事项「{item.id}」，{item.lead}）：{why}")

    def render(self, led: Ledger, arch: Path, drawn: dict[str, bytes]) -> Report:
        report = self.report
        try:
            _render(self.reg, self.cal, led, self.kind, self.as_of, self.out, arch, self.workers, drawn, report)
            _restore(led.state, self.kind, self.out, arch, report)
        except OSError as e:
            done = "、".join(s.number for s in report.new) or "无"
            why = "磁盘已满" if e.errno == errno.ENOSPC else (e.strerror or str(e))
            raise DocgenError(f"写入失败：{e.filename or '输出目录'}（{why}）。本次新编号已登记：{done}；"
                              "文件未全部生成。问题解决后再次运行将补齐，编号不变") from e
        return report


def issue(reg: Registers, cal: WorkCalendar, kind: str, as_of: dt.date, out: Paths, pdf: bool = True,
          workers: int | None = None, reissue: tuple[str, str] | None = None) -> Report:
    if not pdf:
        return drafts(reg, cal, kind, as_of, out, workers, reissue)
    return T.transact(_Slips(reg, cal, kind, as_of, out, workers, reissue, Report(kind)), out)


def _stage_reissue(led: Ledger, kind: str, reissue: tuple[str, str], as_of: dt.date) -> None:
    number, reason = reissue
    s = led.state.slips.get(number)
    if s is None or s.kind != kind:
        raise DocgenError(f"账本中没有{KINDS[kind].name} {number}")
    _reissue_problem(s, reason)
    led.add("reissue", number=number, rev=s.rev + 1, reason=reason.strip(), date=as_of)


def _reissue_problem(s: Slip, reason: str) -> None:
    if not reason.strip():
        raise DocgenError("更正须说明原因（--reason）")
    why = unprintable(reason)
    if why:
        raise DocgenError(f"更正原因{why}")
    if s.is_void:
        raise DocgenError(f"{s.number} 已作废，不能更正")
    if s.rendered is None:
        raise DocgenError(f"{s.number} 尚未出具，无需更正")


def _render(reg, cal, led: Ledger, kind, as_of, out, arch, workers, drawn, report: Report) -> None:
    """Write and convert every slip of the kind that is numbered by as_of but not rendered (and the copy marked
    作废 of an issued slip voided since), record and archive them, and put every recorded slip that is in no
    batch yet into this run's print batch. The batch's 签收登记表 is converted in the same LibreOffice round."""
    st = led.state
    ids = {i.id for i in reg.items}
    todo = []
    for s in st.slips.values():
        if s.kind != kind or s.issued > as_of or s.adopted:  # a paper slip has no files to make
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
    jobs, again = [], []

    def redraw(s: Slip, rev: int) -> bytes:  # a reissue, a copy marked 作废, a file missing: at the run's step
        d = draw(reg, cal, st, s, rev, floor=report.fit_level)
        if getattr(d, "fit", None) is not None:
            again.append((s, rev, d.fit))
        return d.to_bytes()

    for s, rev in todo:
        data = drawn.get(s.number) if rev == 0 else None
        jobs.append(T.Job(s, rev, slip_path(out, s),
                          (lambda d=data: d) if data is not None else (lambda s=s, rev=rev: redraw(s, rev)),
                          s.issued if rev == 0 else as_of, lambda s=s: facts(reg, cal, s),
                          one_sheet(reg, cal, st, s, rev, report)))
    T.write(jobs, _put)
    report.fitting += redrawn_notes(again, report.fit_level)
    unbatched = [s for s in st.slips.values() if s.kind == kind and not s.is_void and s.rendered and s.batch is None]
    batch = _Batch(reg, st, kind, as_of, out, unbatched + [s for s, rev in todo if rev != VOID_REV and not s.is_void],
                   workers or os.cpu_count() or 1)
    if not todo and not batch.slips:
        return
    done, errors, extra = T.convert_and_record(led, jobs, batch.extras, workers, Progress(f"生成{KINDS[kind].name} PDF"),
                                               alone=(batch.signoff,) if len(batch.slips) > 100 else ())
    report.errors += errors
    report.rendered += [j.slip for j in done]
    extra_errors = [r.error for r in extra if r.pdf is None]
    whole = not (report.errors or extra_errors)
    try:
        if whole and batch.slips:
            batch.start()  # the units' PDFs made while the slips are archived
        T.in_threads(lambda j: _archive(j.slip, j.rev, out, arch), done)
    except BaseException:
        batch.discard()
        raise
    if not whole:
        batch.discard()
        report.errors += extra_errors
        report.errors.append("编号已登记；未能生成 PDF 的单据和本次的打印批次，再次运行将补齐")
        return
    if batch.slips:
        report.batch = batch.finish(led)


def one_sheet(reg, cal, st: State, s: Slip, rev: int, report: Report):
    """The net after conversion (transaction.Job.recheck): the measure of documents/fit.py should keep every slip
    on one sheet but cannot prove it. A slip whose PDF has more than one page is drawn again at the next step of
    fit.py (after the step it was set at) and converted again, and the run says so; one still over a page at the
    last step is set with its 回执's seal and writing rows at their minimum heights (fit.withdraw_spare), and one
    over a page even then gets page numbers, said too. Never a two-page slip recorded in silence."""
    from ..documents import fit as F
    from ..view import minimum_rows_text, over_page_text, still_over_text

    state = {"floor": report.fit_level, "minimum": False, "done": False}  # floor: the step it was drawn from

    def recheck(r):  # its conversion's pdf.Result
        if state["done"] or r.page_count() <= 1:
            return None
        d = draw(reg, cal, st, s, rev, floor=state["floor"])  # what was converted: drawing is deterministic
        f = getattr(d, "fit", None)
        what = s.number + ("作废标注版" if rev == VOID_REV else "更正版" if rev else "")
        if f is None or not f.fits:  # measured over a page already: numbered and said (fit_notes, redrawn_notes)
            return None
        if f.level < F.max_level(f.template_size):
            state["floor"] = f.level + 1
            d = draw(reg, cal, st, s, rev, floor=state["floor"])
            report.fitting.append(over_page_text(what, F.describe(d.fit.level, d.fit.template_size, d.fit.size)))
            if not d.fit.fits:  # the measure says the next step is past the last: numbered by finish()
                report.fitting.append(still_over_text(what))
                state["done"] = True
        else:
            F.withdraw_spare(d.doc)
            if not state["minimum"]:
                state["minimum"] = True
                report.fitting.append(minimum_rows_text(what))
            else:
                d.add_page_numbers()
                report.fitting.append(still_over_text(what))
                state["done"] = True
        data = d.to_bytes()
        return lambda: data

    return recheck


def _put(path: Path, data: bytes) -> None:
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        if not e.filename:  # a failed write names no file: this one
            e.filename = str(path)
        raise


def _archive(s: Slip, rev: int, out: Paths, arch: Path) -> None:
    r = s.renders[rev]
    for ext in (".docx", ".pdf"):
        dst = A.archived(arch, s, rev, ext)
        try:
            A.put(slip_path(out, s).with_suffix(ext), dst, r[ext[1:]])
        except OSError as e:  # a failed copy names its source (the output copy): the file not written is this one
            raise OSError(e.errno, e.strerror, str(dst)) from e


def _restore(st: State, kind: str, out: Paths, arch: Path, report: Report) -> None:
    """Every recorded slip of the kind in both the archive and the output (archive.reconcile)."""
    for s in st.slips.values():
        if s.kind != kind:
            continue
        rev = VOID_REV if s.is_void and s.void_rendered else s.rev
        r = s.renders.get(rev)
        if r is None:
            continue
        for ext in (".docx", ".pdf"):
            o = slip_path(out, s).with_suffix(ext)
            if A.reconcile(o, A.archived(arch, s, rev, ext), r[ext[1:]]):
                report.restored.append(str(o))


# ---------------------------------------------------------------- print batches

class _Batch:
    """A print batch being made: every recorded slip of the kind in no batch yet, and this run's. One merged PDF
    per receiving unit, each named with its sequence and the unit, a 签收登记表 and 目录.txt, in a temporary
    folder renamed into place when complete, then recorded."""

    def __init__(self, reg: Registers, st: State, kind: str, as_of: dt.date, out: Paths, slips: list[Slip],
                 workers: int = 1):
        self.reg, self.kind, self.as_of, self.out, self.workers = reg, kind, as_of, out, workers
        self._units_made = None
        self.slips = sorted({s.number: s for s in slips}.values(), key=lambda s: (s.year, s.seq))
        base = f"{as_of.isoformat()}-{KINDS[kind].folder}-"
        self.id = f"{base}{1 + sum(1 for b in st.batches if b.startswith(base))}"
        self.root = out.batches
        if not self.slips:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=".batch-", dir=str(self.root)))
        self.units: dict[str, list[Slip]] = {}
        for s in self.slips:
            self.units.setdefault(reg.item(s.item).lead, []).append(s)
        rows = [(s.number, KINDS[kind].folder, u, reg.item(s.item).text) for u, ss in self.units.items() for s in ss]
        self.signoff = self.tmp / "签收登记表.docx"
        # a separator sheet before each unit's slips: whom they go to and what follows
        self.separators = [self.tmp / f"封页-{i:02d}.docx" for i in range(1, len(self.units) + 1)]
        name = KINDS[kind].name
        drawings = [lambda: S.build_signoff(reg, name, as_of, rows).to_bytes()]
        drawings += [lambda unit=unit, ss=ss: S.build_separator(reg, unit, name, as_of,
                                                                [(x.number, reg.item(x.item).text) for x in ss]).to_bytes()
                     for unit, ss in self.units.items()]
        made = forked(drawings, workers_for(len(self.slips), workers))  # forked for a large batch, as drawing is
        for path, data in zip([self.signoff, *self.separators], made):
            atomic_write_bytes(path, data)

    @property
    def extras(self) -> list[Path]:
        """What is converted with the slips: the 签收登记表 and the separator sheets."""
        return [self.signoff, *self.separators] if self.slips else []

    def discard(self) -> None:
        if self.slips:
            if self._units_made is not None:  # nothing is writing into the folder while it is removed
                self._units_made.cancel()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _unit_file(self, i: int, unit: str, ss: list[Slip]) -> str:
        """A unit's merged PDF written into the batch folder: its separator sheet, then its slips. Its name."""
        duplex = self.reg.settings.printing.duplex
        w = PdfWriter()
        w.append(str(self.separators[i - 1].with_suffix(".pdf")))
        for s in ss:
            if duplex and len(w.pages) % 2:  # printed on both sides: each slip starts on a new sheet
                w.add_blank_page()
            w.append(str(slip_path(self.out, s).with_suffix(".pdf")))
        if duplex and len(w.pages) % 2:
            w.add_blank_page()
        buf = io.BytesIO()
        w.write(buf)
        name = f"{i:02d}-{safe_name(unit)}.pdf"
        atomic_write_bytes(self.tmp / name, buf.getvalue())
        return name

    def start(self) -> None:
        """The units' PDFs begin to be made (in forked processes, while the caller archives): the slips' PDFs are
        all there and final."""
        # forked when the batch is large, as drawing is; a few units' files are quicker here
        self._units_made = Forked([lambda i=i, u=u, ss=ss: self._unit_file(i, u, ss)
                                   for i, (u, ss) in enumerate(self.units.items(), 1)],
                                  workers_for(len(self.slips), self.workers))

    def finish(self, led: Ledger) -> Path:
        final = self.root / self.id
        try:
            if self._units_made is None:
                self.start()
            index = [f"{cn_date(self.as_of)} {KINDS[self.kind].name} 打印批次 {self.id}", ""]
            duplex = self.reg.settings.printing.duplex
            for name, (unit, ss) in zip(self._units_made.results(), self.units.items()):
                index.append(f"{name}：{unit}（{'、'.join(s.number for s in ss)}）")
            for p in self.separators:  # each is inside its unit's file now
                p.unlink()
                p.with_suffix(".pdf").unlink()
            index += ["签收登记表.pdf：请接收单位签收后存档",
                      batch_note(duplex), ""]
            atomic_write_text(self.tmp / "目录.txt", "\n".join(index))
            files = {p.name: sha256_file(p) for p in sorted(self.tmp.iterdir())}
            if final.exists():  # left by a run killed before it recorded this batch: never handed out
                shutil.rmtree(final)
            os.rename(self.tmp, final)
        except BaseException:
            self.discard()
            raise
        led.add("batch", id=self.id, kind=self.kind, date=self.as_of,
                numbers=[s.number for ss in self.units.values() for s in ss], files=files)
        led.commit()
        return final


# ---------------------------------------------------------------- void

def _voidable(st: State, number: str, reason: str) -> Slip:
    if not reason.strip():
        raise DocgenError("作废须说明原因（--reason）")
    s = st.slips.get(number)
    if s is None:
        raise DocgenError(f"账本中没有编号 {number}")
    if s.is_void:
        raise DocgenError(f"{number} 已经作废（{s.void['reason']}）")
    if KINDS[s.kind].standalone:
        raise DocgenError(f"{number} 是{KINDS[s.kind].name}的编号：它不针对事项，不能作废（已出具的文件照归档保存）")
    if not KINDS[s.kind].is_slip:
        raise DocgenError(f"{number} 是《督导通报》的期号，不能作废")
    return s


def void(reg: Registers, cal: WorkCalendar, number: str, reason: str, as_of: dt.date, out: Paths) -> Slip:
    """Mark a number 作废 (it stays in the ledger forever); an issued slip gets a copy marked 作废, archived
    beside the original."""
    with Ledger(out.registers) as led:
        s = _voidable(led.state, number, reason)
        if s.renders:
            A.bind(led, out.archive, reg.settings.office)
        led.add("void", number=number, reason=reason.strip(), date=as_of)
        led.commit()
        if s.item not in {i.id for i in reg.items}:
            return s
        if s.renders:  # an issued slip: a copy marked 作废, recorded and archived beside the original
            report = Report(s.kind)
            _render(reg, cal, led, s.kind, max(as_of, s.issued), out, out.archive, None, {}, report)
            if report.errors:
                raise DocgenError("\n".join(report.errors))
        elif slip_path(out, s).exists():  # numbered by an older docgen's --no-pdf run, never issued: marked too
            atomic_write_bytes(slip_path(out, s), draw(reg, cal, led.state, s, VOID_REV).to_bytes())
    return s


def void_draft(reg: Registers, cal: WorkCalendar, number: str, reason: str, as_of: dt.date,
               out: Paths) -> tuple[Slip, Path | None]:
    """--no-pdf: what voiding would print (the copy marked 作废), as a draft; nothing recorded, the number stays
    valid. None when the item has left the registers (voiding prints nothing then)."""
    st = read(reg.root)
    s = _voidable(st, number, reason)
    if s.item not in {i.id for i in reg.items}:
        return s, None
    templates.require(reg.root, required_templates(s.kind, batch=False))
    data = draw(reg, cal, st, s, shown=f"{DRAFT}（{number}作废）", mark=_mark(s, VOID_REV)).to_bytes()
    return s, _write_drafts(draft_dir(out, s.kind), [(f"作废-{number}", data)], clear=False)[0]
