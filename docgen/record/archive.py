"""The archive (归档): every issued document, written once, where the ledger says it is.

    <archive>/<year>/<kind folder>/<number>.pdf and .docx         the document as issued
    <archive>/<year>/<kind folder>/<number>-更正1.pdf …             a reissue (更正), beside the original
    <archive>/<year>/<kind folder>/<number>-作废.pdf …              the copy marked 作废 when a number is voided
    <archive>/ledger-head.json                                     the ledger's last record (number and hash)

The folder is set in settings.yaml (`archive:`, relative to the registers folder; default ../archive), in practice
a shared drive, never in git. Files are written read-only and never replaced; `docgen archive verify` finds
missing, altered and unrecorded files. ledger-head.json lets it notice records cut off the end of the ledger,
which the hash chain alone cannot.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import atomic_write_bytes, fsync_dir
from ..kinds import KINDS
from .ledger import HEAD, VOID_REV, Slip, State, line_hash, sha256_file


def archive_root(registers_root: str | Path, setting: str | None) -> Path:
    p = Path(setting or "../archive")
    return p if p.is_absolute() else (Path(registers_root) / p).resolve()


def revision_suffix(rev: int) -> str:
    return "-作废" if rev == VOID_REV else (f"-更正{rev}" if rev else "")


def archived(root: Path, s: Slip, rev: int, ext: str) -> Path:
    """Only validated numbers (ledger.State) reach here: they are safe as file names."""
    return root / str(s.year) / KINDS[s.kind].folder / f"{s.number}{revision_suffix(rev)}{ext}"


def reconcile(out_copy: Path, archived_copy: Path, sha: str) -> bool:
    """Make the archive and the output both hold a recorded file: an archive copy a killed run did not make is made
    from the output (when it holds the recorded content); an output copy that is missing is restored from the
    archive. Output copies are working copies a clerk may edit: never hashed against the record or replaced here.
    Returns True when the output copy was restored."""
    if not archived_copy.exists() and out_copy.is_file() and sha256_file(out_copy) == sha:
        put(out_copy, archived_copy, sha)
    elif not out_copy.exists() and archived_copy.is_file() and sha256_file(archived_copy) == sha:
        out_copy.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out_copy, archived_copy.read_bytes())
        return True
    return False


def put(src: Path, dst: Path, sha: str) -> None:
    """Copy src to dst once. An existing dst with the recorded content is left alone; any other is an error."""
    if dst.exists():
        if sha256_file(dst) == sha:
            return
        raise DocgenError(f"归档文件 {dst} 已存在，但内容与账本记录不同：请运行 docgen archive verify 查明")
    if sha256_file(src) != sha:
        raise DocgenError(f"{src} 与账本记录的内容不同，未归档：请运行 docgen archive verify 查明")
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=str(dst.parent))
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        os.link(tmp, dst)  # fails if dst appeared meanwhile: never replaces
    finally:
        os.unlink(tmp)
    fsync_dir(dst.parent)


@dataclass
class Finding:
    kind: str  # 缺失 | 被改动 | 未登记 | 账本
    path: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}：{self.path}（{self.detail}）"


def expected(root: Path, st: State) -> dict[Path, tuple[str, str]]:
    """Every file the ledger says the archive holds: path -> (sha256, what it is)."""
    out = {}
    for s in st.slips.values():
        for rev, r in s.renders.items():
            for ext in (".docx", ".pdf"):
                out[archived(root, s, rev, ext)] = (r[ext[1:]], f"{s.number}{revision_suffix(rev)}，{r['date']}出具")
    return out


def verify(root: Path, st: State) -> list[Finding]:
    found: list[Finding] = []
    want = expected(root, st)
    for p, (sha, what) in sorted(want.items()):
        if not p.is_file():
            found.append(Finding("缺失", str(p), what))
        elif sha256_file(p) != sha:
            found.append(Finding("被改动", str(p), f"{what}；内容与账本记录的哈希不符"))
    if root.is_dir():
        for p in sorted(root.rglob("*")):
            if p.is_file() and p.name != HEAD and p not in want:
                found.append(Finding("未登记", str(p), "账本中没有这个文件的出具记录"))
    head = root / HEAD
    if head.is_file():
        try:
            h = json.loads(head.read_text(encoding="utf-8"))
            n, digest = int(h["n"]), str(h["hash"])
        except (ValueError, KeyError, TypeError):
            found.append(Finding("账本", str(head), "无法读取"))
        else:
            if len(st.lines) < n:
                found.append(Finding("账本", st.file, f"归档记录账本有{n}条记录，现在只有{len(st.lines)}条：末尾的记录被删除"))
            elif line_hash(st.lines[n - 1]) != digest if n else False:
                found.append(Finding("账本", st.file, f"第{n}条记录与归档时的哈希不符"))
    return found
