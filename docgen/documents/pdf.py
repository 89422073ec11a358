"""PDF through a real headless LibreOffice, with docgen's font map.

Many documents are converted in batches: the .docx files are split among parallel workers, each one
LibreOffice process with its own user profile converting its whole share in one start. A profile is
locked while in use, so two clerks' runs at once never share one. A PDF is written under a temporary
name and renamed into place only when complete; a failure leaves the .docx where it is and says so.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

from ..core.diagnostics import DocgenError
from ..core.files import atomic_write_bytes, user_cache
from .metrics import FONTS_CONF

INSTALL_HINT = "apt-get install libreoffice-writer-nogui（或在项目目录运行 make demo）"


class ConversionError(DocgenError):
    pass


def find_soffice() -> str | None:
    env = os.environ.get("DOCGEN_SOFFICE")
    if env:
        return env if shutil.which(env) or Path(env).is_file() else None
    for name in ("soffice", "libreoffice"):
        p = shutil.which(name)
        if p:
            return p
    return None


def soffice_version(soffice: str) -> str:
    try:
        out = subprocess.run([soffice, "--version"], capture_output=True, text=True, timeout=60).stdout
        return out.strip().splitlines()[0] if out.strip() else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def font_env() -> dict:
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    env.setdefault("HOME", tempfile.gettempdir())
    env["SAL_USE_VCLPLUGIN"] = "svp"
    return env


def _cache_dir() -> Path:
    """Where LibreOffice's user profiles live: docgen's user cache (lo-profiles), or a folder of this user's in
    the temporary directory when the cache cannot be written."""
    d = user_cache("lo-profiles")
    try:
        d.mkdir(parents=True, exist_ok=True)
        return d
    except OSError:
        d = Path(tempfile.gettempdir()) / f"docgen-{os.getuid()}"
        d.mkdir(parents=True, exist_ok=True)
        return d


class _Profile:
    """A LibreOffice user profile directory held under an exclusive lock."""

    def __init__(self, start: int):
        root = _cache_dir()
        for i in range(start, start + 64):
            lock = FileLock(root / f"lo-profile-{i}.lock", preserve_lock_file=True, fallback_to_soft=False,
                            thread_local=False)
            try:
                lock.acquire(blocking=False)
            except Timeout:
                continue
            self.lock, self.path = lock, root / f"lo-profile-{i}"
            block_links(self.path)
            return
        raise ConversionError("找不到可用的 LibreOffice 配置目录（同时运行的转换过多）")

    def url(self) -> str:
        return self.path.resolve().as_uri()

    def close(self) -> None:
        self.lock.release()


# LibreOffice loads a document's linked images (http://…, file:///…) while converting it: with this setting it loads
# nothing a document links unless the document is in a trusted location (docgen sets none). Written into every
# profile before each start, so an old profile or one LibreOffice rewrote gets it too. Templates with links are
# refused before filling (documents/templates.links); this is the second line.
LINK_SETTINGS = ('<item oor:path="/org.openoffice.Office.Common/Security/Scripting">'
                 '<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>')
XCU = ('<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
       'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
       '%s\n</oor:items>\n')


def block_links(profile: Path) -> None:
    """The profile's user settings (registrymodifications.xcu) with LINK_SETTINGS, the profile's other settings
    kept."""
    xcu = profile / "user" / "registrymodifications.xcu"
    try:
        old = xcu.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        old = ""
    items = [i for i in re.findall(r"<item .*?</item>", old, re.S) if "BlockUntrustedRefererLinks" not in i]
    xcu.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(xcu, (XCU % "\n".join(items + [LINK_SETTINGS])).encode("utf-8"))


@dataclass
class Result:
    docx: Path
    pdf: Path | None
    error: str = ""
    pages: int | None = None  # its PDF's pages, when the converter knows them (a PDF cut from a merged one)

    def page_count(self) -> int:
        """Its PDF's pages: as the converter knows them, else counted in the file."""
        return self.pages if self.pages is not None else page_count(self.pdf)


# PDF/A-2b (LibreOffice 7.4 takes the export options as JSON after the filter name), keeping the blank pages a
# section that starts on an even page inserts (the page before a 版记 page)
PDF_OPTIONS = ('"SelectPdfVersion":{"type":"long","value":"2"},'
               '"IsSkipEmptyPages":{"type":"boolean","value":"false"}')
PDF_FILTER = 'pdf:writer_pdf_Export:{' + PDF_OPTIONS + '}'
# the same, with each bookmark a named destination: where a merged document's slips start and end (merge.py)
PDF_FILTER_MARKED = ('pdf:writer_pdf_Export:{' + PDF_OPTIONS
                     + ',"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}')
MAX_PER_START = 200  # one soffice --convert-to start silently stops after about 245 files (exit 0)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
OFF = ("0", "false", "off")


def for_libreoffice(docx: Path, target: Path) -> None:
    """The copy of a .docx that LibreOffice converts: every w:overflowPunct inverted, because LibreOffice 7.4's
    .docx import reads it inverted (writerfilter DomainMapper: ParaIsHangingPunctuation = (val == 0)), so the
    styles' "no punctuation past the margin" (w:overflowPunct w:val="0", which Word and WPS honour) came out as
    hanging punctuation, and a hung line-end comma was not printed at all (docs/layout.md, 标点悬挂). Inverted,
    LibreOffice breaks the line where Word and WPS do: the character before the comma moves down with it.
    And its numbers, dates and 文号 joined (documents/nobreak.py), which LibreOffice then never splits across
    lines. Everything else is copied byte for byte; a file that is not a readable .docx is copied as it is
    (LibreOffice then reports it)."""
    import zipfile

    from lxml import etree

    from .nobreak import join_element

    tag = f"{{{W_NS}}}overflowPunct"
    val = f"{{{W_NS}}}val"
    text_part = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
    try:
        with zipfile.ZipFile(docx) as zin, zipfile.ZipFile(target, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info)
                punct = info.filename.startswith("word/") and info.filename.endswith(".xml") and b"overflowPunct" in data
                text = text_part.fullmatch(info.filename) is not None
                if punct or text:
                    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True,
                                                                  huge_tree=False))
                    for el in root.iter(tag):
                        el.set(val, "1" if (el.get(val) or "1").lower() in OFF else "0")
                    if (join_element(root) if text else 0) or punct:
                        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                zout.writestr(info, data)
    except (zipfile.BadZipFile, etree.LxmlError, OSError, ValueError):
        shutil.copyfile(docx, target)


def _chunks(files: list[Path], workers: int, smallest: int = 40) -> list[list[Path]]:
    """Split the files into jobs of at most MAX_PER_START that shrink as the work runs out (guided scheduling):
    each takes a 1/(2 × workers) share of what is left, so the workers finish together and none is left
    converting a large remainder alone; jobs are not made smaller than `smallest` (a start costs about a second)."""
    out, i, n = [], 0, len(files)
    smallest = min(smallest, math.ceil(n / workers))  # a small run still uses every worker
    while i < n:
        size = max(1, min(MAX_PER_START, max(smallest, math.ceil((n - i) / (2 * workers)))))
        out.append(files[i:i + size])
        i += size
    return out


class _Job:
    """One LibreOffice start converting its files in order. prepared: the files are already LibreOffice's copies
    (for_libreoffice, done by merge.py's workers), read where they are."""

    def __init__(self, soffice: str, files: list[Path], env: dict, timeout: float, filt: str = PDF_FILTER,
                 prepared: bool = False):
        self.files, self.profile = files, _Profile(0)
        self.early: set[int] = set()  # the files whose results ready() gave
        self.out = Path(tempfile.mkdtemp(prefix=".docgen-pdf-", dir=str(files[0].parent)))
        self.deadline = time.monotonic() + timeout
        src = self.out / "in"
        src.mkdir()
        inputs = []
        for p in files:
            if prepared:  # read where it is (it is LibreOffice's own copy already)
                inputs.append(p)
            else:
                inputs.append(src / p.name)
                for_libreoffice(p, inputs[-1])
        cmd = [soffice, f"-env:UserInstallation={self.profile.url()}", "--headless", "--invisible", "--nologo",
               "--norestore", "--nodefault", "--nolockcheck", "--convert-to", filt,
               "--outdir", str(self.out), *[str(p) for p in inputs]]
        owner = self.out / OWNER
        owner.write_text(f"{os.getpid()}\n")
        # its own process group (LibreOffice starts soffice.bin under oosplash): killed as one, and found and
        # killed by the next run (reap) if this one is killed first
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        owner.write_text(f"{os.getpid()} {self.proc.pid}\n")

    def made(self) -> int:
        return sum(1 for _ in self.out.glob("*.pdf")) + len(self.early)

    def _take(self, docx: Path) -> Path | None:
        made = self.out / (docx.stem + ".pdf")
        if made.is_file() and made.stat().st_size > 0 and _is_pdf(made):
            target = docx.with_suffix(".pdf")
            os.replace(made, target)
            return target
        return None

    def ready(self) -> list[Result]:
        """While the job runs: the results of the files whose PDF is complete. LibreOffice converts its files one
        after another, in order, so a file's PDF is whole once the next file's PDF has appeared. A file without
        its PDF then is left to finish() (which reports it)."""
        out = []
        for i in range(len(self.files) - 1):
            if i in self.early:
                continue
            if not (self.out / (self.files[i + 1].stem + ".pdf")).exists():
                break
            target = self._take(self.files[i])
            if target is not None:
                self.early.add(i)
                out.append(Result(self.files[i], target))
        return out

    def _kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def finish(self, why: str = "") -> list[Result]:
        if self.proc.poll() is None:
            self._kill()
        _, err = self.proc.communicate()
        self._kill()  # whatever it left behind in its group
        if not why and self.proc.returncode:
            why = "；".join(err.decode("utf-8", "replace").strip().splitlines()[-1:])
        full = disk_full(self.out)
        if full:
            why = full
        results = []
        for i, docx in enumerate(self.files):
            if i in self.early:  # given by ready()
                continue
            target = self._take(docx)
            if target is not None:
                results.append(Result(docx, target))
            else:
                results.append(Result(docx, None, f"{docx.name} 转换 PDF 失败（{why or 'LibreOffice 未生成 PDF'}），.docx 已保留"))
        self.close()
        return results

    def close(self) -> None:
        if self.proc.poll() is None:
            self._kill()
            self.proc.wait()
        self.profile.close()
        shutil.rmtree(self.out, ignore_errors=True)


OWNER = ".owner"  # in a job's output folder: the docgen pid, and the pid of its LibreOffice process group
LOW_SPACE = 16 << 20


def disk_full(folder: Path) -> str | None:
    """Why LibreOffice could not have written its PDF there when the disk is (nearly) full, or None."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free < LOW_SPACE:
        return f"磁盘空间不足：{folder} 所在磁盘只剩{free // 1024}KB，请清理磁盘后再运行"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _libreoffice() -> list[tuple[int, int, list[bytes]]]:
    """The LibreOffice processes running, read from /proc (pids are reused): (pid, process group, command line).
    LibreOffice's are soffice, soffice.bin, oosplash, or a script so named (DOCGEN_SOFFICE may be one), never,
    say, a clerk's viewer showing a file in a conversion folder."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            stat = (d / "stat").read_text()
            args = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not any(b"office" in n or b"oosplash" in n for n in map(os.path.basename, args[:2])):
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2:
            out.append((int(d.name), int(fields[2]), args))
    return out


def _group_members(pgid: int) -> list[int]:
    """The LibreOffice processes of a process group."""
    return [pid for pid, g, _ in _libreoffice() if g == pgid]


def reap(job_folder: Path) -> bool:
    """A conversion folder (.docgen-pdf-…) left by a run: if the docgen that made it is gone, its LibreOffice
    processes (which outlive a killed docgen and would write into the folder again) are killed. True when the
    folder can be removed: its docgen is gone (or this is it).

    They are the process group the folder's owner file names, and any process whose command line names the
    folder (its --outdir, its inputs): a docgen killed after starting LibreOffice and before writing its group
    down leaves one the file does not name."""
    try:
        parts = (Path(job_folder) / OWNER).read_text().split()
    except (OSError, ValueError):
        return True
    try:
        owner = int(parts[0])
        pgid = int(parts[1]) if len(parts) > 1 else None
    except (ValueError, IndexError):
        return True
    if owner != os.getpid() and _alive(owner):
        return False
    exact, inside = os.fsencode(str(job_folder)), os.fsencode(str(job_folder) + os.sep)

    def holding() -> set[int]:  # never this run's own group: a folder it names is its own, not a killed run's
        return {g for _, g, args in _libreoffice()
                if g == pgid or any(a == exact or a.startswith(inside) for a in args)} - {os.getpgrp()}

    deadline = time.monotonic() + 10
    while (groups := holding()) and time.monotonic() < deadline:
        for g in groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    return True


def _is_pdf(p: Path) -> bool:
    with open(p, "rb") as f:
        head = f.read(5)
        f.seek(max(0, p.stat().st_size - 1024))
        tail = f.read()
    return head == b"%PDF-" and b"%%EOF" in tail


@dataclass
class Start:
    """A LibreOffice start to make (run_starts). `files()`: its files, None while they are not there yet (a later
    start goes first meanwhile), [] when there is nothing left to convert; `take(results)` receives its Results;
    `per_file`: seconds it may take per file (and a minute); early: its Results are taken while it still runs
    (_Job.ready), not only when it ends; prepared: its files are LibreOffice's copies already (_Job)."""

    files: Callable[[], list[Path] | None]
    take: Callable[[list[Result]], None]
    per_file: float
    filt: str = PDF_FILTER
    prepared: bool = False
    early: bool = False


def run_starts(soffice: str, starts: list[Start], workers: int, tick) -> None:
    """The starts, at most `workers` LibreOffice processes at once, each begun in its order as soon as its files
    are there; a start past its time is killed and its files reported. tick(n): the PDFs the running starts that
    are not `early` have made so far."""
    env = font_env()
    queue = list(starts)
    running: list[tuple[Start, _Job]] = []
    try:
        while queue or running:
            i = 0
            while i < len(queue) and len(running) < workers:
                files = queue[i].files()
                if files is None:
                    i += 1
                    continue
                s = queue.pop(i)
                if files:
                    running.append((s, _Job(soffice, files, env, 60 + s.per_file * len(files), s.filt, s.prepared)))
            time.sleep(0.05)
            for s, job in list(running):
                ended = job.proc.poll() is not None
                if ended or time.monotonic() > job.deadline:
                    s.take((job.ready() if s.early else []) + job.finish("" if ended else "LibreOffice 超时"))
                    running.remove((s, job))
                elif s.early:
                    s.take(job.ready())
            tick(sum(job.made() for s, job in running if not s.early))
    finally:
        for _, job in running:
            job.close()


def _round(soffice: str, files: list[Path], workers: int, timeout_per_doc: float, tick,
           alone: tuple = ()) -> list[Result]:
    """Convert files in jobs of at most MAX_PER_START, at most `workers` LibreOffice processes at once; the files
    in `alone` (long documents) each get a job of their own, started first."""
    chunks = [[p] for p in files if p in alone] + _chunks([p for p in files if p not in alone], workers)
    results: list[Result] = []
    run_starts(soffice, [Start(lambda c=c: c, results.extend, timeout_per_doc) for c in chunks], workers,
               lambda n: tick(len([r for r in results if r.pdf]) + n))
    return results


def convert(docx_files: list[Path], workers: int | None = None, timeout_per_doc: float = 30.0,
            progress=None, alone: tuple = ()) -> list[Result]:
    """Convert each .docx to a .pdf beside it. Returns one Result per file (pdf None and error set on failure).

    At most MAX_PER_START files go to one LibreOffice start; every expected PDF is checked, and the files that
    failed are tried once more in a fresh start before they are reported. `progress(done, total)` is called
    as PDFs appear. Raises ConversionError only when LibreOffice cannot be found at all."""
    docx_files = [Path(p) for p in docx_files]
    if not docx_files:
        return []
    soffice = find_soffice()
    if not soffice:
        raise ConversionError(f"找不到 LibreOffice（soffice），无法生成 PDF。已生成的 .docx 保留在原处。请安装：{INSTALL_HINT}")
    workers = max(1, min(workers or os.cpu_count() or 1, len(docx_files)))
    total = len(docx_files)
    tick = (lambda n: progress(min(n, total), total)) if progress else (lambda n: None)
    results = {r.docx: r for r in _round(soffice, docx_files, workers, timeout_per_doc, tick,
                                         tuple(Path(p) for p in alone))}
    failed = [p for p in docx_files if results[p].pdf is None]
    if failed:  # once more, each in a fresh start
        done = total - len(failed)
        again = _round(soffice, failed, min(workers, len(failed)), timeout_per_doc, lambda n: tick(done + n))
        for r in again:
            results[r.docx] = r
    return [results[p] for p in docx_files]


def convert_one_per_process(docx_files: list[Path]) -> list[Result]:
    """The naive way (one soffice start per document), kept for the benchmark's comparison."""
    soffice = find_soffice()
    if not soffice:
        raise ConversionError(f"找不到 LibreOffice（soffice）。请安装：{INSTALL_HINT}")
    prof = _Profile(100)
    env = font_env()
    results = []
    try:
        for docx in docx_files:
            subprocess.run([soffice, f"-env:UserInstallation={prof.url()}", "--headless", "--norestore",
                            "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(docx.parent), str(docx)],
                           capture_output=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
            pdf = docx.with_suffix(".pdf")
            results.append(Result(docx, pdf if pdf.is_file() else None))
    finally:
        prof.close()
    return results


# D: as LibreOffice writes it, or with the colon escaped (\072) as pypdf writes a PDF cut from a merged one
_INFO_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D(?::|\\072))(\d{14})")
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def stamp_date(pdf: Path, day) -> None:
    """Give a PDF its document's date (the issue date) instead of the conversion's clock: the Info dictionary
    and the XMP packet together, byte for byte the same length, so offsets and PDF/A-2b stay intact."""
    data = Path(pdf).read_bytes()
    info = day.strftime("%Y%m%d000000").encode()
    xmp = day.strftime("%Y-%m-%dT00:00:00").encode()
    data = _INFO_DATE.sub(lambda m: m.group(1) + info, data)
    data = _XMP_DATE.sub(lambda m: m.group(1) + xmp, data)
    atomic_write_bytes(pdf, data)


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(pdf)).pages)


def blank_before_last(pdf: Path) -> bool:
    """Whether a PDF's last page follows a blank page: one with no text at all (every other page of a multi-page
    document has at least its page number). It is the page LibreOffice inserts when a document's body ends on
    an even page before its 版记, whose section starts on an even page (gbt9704.banji); 7.5 then numbers neither
    that page nor the 版记 page. The body is on pages 1–2 at least, so such a PDF has four pages or more."""
    from pypdf import PdfReader

    pages = PdfReader(str(pdf)).pages
    return len(pages) >= 4 and not (pages[-2].extract_text() or "").strip()
