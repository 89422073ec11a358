"""PDF through a real headless LibreOffice, with docgen's font map.

Many documents are converted in batches: the .docx files are split among parallel workers, each one
LibreOffice process with its own user profile converting its whole share in one start. A profile is
locked while in use, so two clerks' runs at once never share one. A PDF is written under a temporary
name and renamed into place only when complete; a failure leaves the .docx where it is and says so.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import DocgenError

FONTS_CONF = Path(__file__).resolve().parent / "fonts" / "fonts.conf"
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
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "docgen"
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
            lock = open(root / f"lo-profile-{i}.lock", "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            self.lock, self.path = lock, root / f"lo-profile-{i}"
            return
        raise ConversionError("找不到可用的 LibreOffice 配置目录（同时运行的转换过多）")

    def url(self) -> str:
        return self.path.resolve().as_uri()

    def close(self) -> None:
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()


@dataclass
class Result:
    docx: Path
    pdf: Path | None
    error: str = ""


def convert(docx_files: list[Path], workers: int | None = None, timeout_per_doc: float = 30.0) -> list[Result]:
    """Convert each .docx to a .pdf beside it. Returns one Result per file (pdf None and error set on failure).

    Raises ConversionError only when LibreOffice cannot be found at all."""
    docx_files = [Path(p) for p in docx_files]
    if not docx_files:
        return []
    soffice = find_soffice()
    if not soffice:
        raise ConversionError(f"找不到 LibreOffice（soffice），无法生成 PDF。已生成的 .docx 保留在原处。请安装：{INSTALL_HINT}")
    workers = max(1, min(workers or os.cpu_count() or 1, len(docx_files)))
    shares = [docx_files[i::workers] for i in range(workers)]
    env = font_env()
    procs = []
    profiles = []
    tmpdirs = []
    try:
        for i, share in enumerate(shares):
            prof = _Profile(i)
            profiles.append(prof)
            out = Path(tempfile.mkdtemp(prefix=".docgen-pdf-", dir=str(share[0].parent)))
            tmpdirs.append(out)
            cmd = [soffice, f"-env:UserInstallation={prof.url()}", "--headless", "--invisible", "--nologo",
                   "--norestore", "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export",
                   "--outdir", str(out), *[str(p) for p in share]]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                          stdin=subprocess.DEVNULL))
        results: list[Result] = []
        for share, proc, out in zip(shares, procs, tmpdirs):
            try:
                _, err = proc.communicate(timeout=60 + timeout_per_doc * len(share))
                why = err.decode("utf-8", "replace").strip().splitlines()[-1:] if proc.returncode else []
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                why = ["LibreOffice 超时"]
            for docx in share:
                made = out / (docx.stem + ".pdf")
                if made.is_file() and made.stat().st_size > 0:
                    target = docx.with_suffix(".pdf")
                    os.replace(made, target)
                    results.append(Result(docx, target))
                else:
                    msg = "；".join(why) or "LibreOffice 未生成 PDF"
                    results.append(Result(docx, None, f"{docx.name} 转换 PDF 失败（{msg}），.docx 已保留"))
        order = {p: i for i, p in enumerate(docx_files)}
        return sorted(results, key=lambda r: order[r.docx])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for prof in profiles:
            prof.close()
        for d in tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


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
