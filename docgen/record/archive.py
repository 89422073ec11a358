"""The archive (归档): every issued document, written once, where the ledger says it is.

    <archive>/<year>/<kind folder>/<number>.pdf and .docx         the document as issued
    <archive>/<year>/<kind folder>/<number>-更正1.pdf …             a reissue (更正), beside the original
    <archive>/<year>/<kind folder>/<number>-作废.pdf …              the copy marked 作废 when a number is voided
    <archive>/ledger-head.json                                     the ledger's last record (number and hash)
    <archive>/office.json                                          whose archive it is: the office and its id
    <archive>/inbox/ab/cd/<sha256>.pdf …                          attachments the units sent with reports (platform), by hash

The folder is set in settings.yaml (`archive:`, relative to the registers folder), in practice a shared drive,
never in git; by default it is the office's own registers/archive/, never shared by two offices. Files are written
read-only and never replaced; `docgen archive verify` finds missing, altered and unrecorded files. ledger-head.json
lets it notice records cut off the end of the ledger, which the hash chain alone cannot.

One archive, one office: the first commit that archives records an `office` act (a random id and the office's
name) in the ledger and writes office.json with the same id; an archive marked for another office, or holding
another ledger's head, is refused before anything is numbered or written. An archive at the old default
(../archive of the registers folder) that holds this office's ledger head is kept (`locate`).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import atomic_write_bytes, fsync_dir, is_temporary
from ..kinds import KINDS
from ..core.paths import default_archive
from .ledger import HEAD, MARK, VOID_REV, Slip, State, line_hash, read_mark, sha256_file

INBOX = "inbox"  # <archive>/inbox/ab/cd/<sha256>.pdf: attachments of the units' reports (platform/inbox.py)
OLD_DEFAULT = "../archive"  # the default before issue 16: beside the registers folder, shared by sibling offices


def archive_root(registers_root: str | Path, setting: str | None) -> Path:
    """The folder settings.yaml names (relative to the registers folder), or the default inside it."""
    if not setting:
        return default_archive(registers_root)
    p = Path(setting)
    return p if p.is_absolute() else (Path(registers_root) / p).resolve()


def _head_matches(root: Path, st: State) -> bool:
    """The archive's ledger-head.json names a record of this ledger (n and hash)."""
    try:
        h = json.loads((root / HEAD).read_text(encoding="utf-8"))
        n, digest = int(h["n"]), str(h["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return 1 <= n <= len(st.lines) and line_hash(st.lines[n - 1]) == digest


def locate(registers_root: str | Path, setting: str | None, state=None) -> tuple[Path, bool]:
    """Where this office's archive is, and whether it is the old default kept (../archive holding this office's
    files: its office.json has this ledger's id, or it has none and its ledger head is this ledger's).
    state: a callable giving the ledger's State, called only when the old default has to be looked at."""
    root = archive_root(registers_root, setting)
    if setting or root.exists():
        return root, False
    old = (Path(registers_root) / OLD_DEFAULT).resolve()
    if not old.is_dir() or state is None:
        return root, False
    st = state()
    mark = read_mark(old)
    if mark is not None:
        return (old, True) if st.office is not None and mark.get("id") == st.office["id"] else (root, False)
    return (old, True) if _head_matches(old, st) else (root, False)


def owner_problem(root: Path, st: State, office: str | None = None) -> str | None:
    """Why this archive is not this office's (Chinese, for the clerk), or None. Reads only. An empty ledger
    beside an archive marked with this office's own name is a lost ledger, not another office: the checks of
    each file to be written (issuing.slips) name what is there."""
    mark_path = root / MARK
    if mark_path.exists() or mark_path.is_symlink():
        mark = read_mark(root)
        if mark is None:
            return f"归档 {root} 的办公室标记 {MARK} 无法读取：请勿手工修改，恢复后再运行"
        if st.office is None and not st.lines and office is not None and mark["name"] == office:
            return None
        if st.office is None or mark["id"] != st.office["id"]:
            return (f"归档 {root} 属于「{mark['name']}」（标识 {mark['id']}），不是本台账的归档：两个办公室不能共用一个归档。"
                    "请在 settings.yaml 的 archive: 写本办公室自己的归档文件夹（或删去 archive: 使用台账目录内的 archive/）")
        return None
    if st.lines and (root / HEAD).exists() and not _head_matches(root, st):
        return (f"归档 {root} 中的 {HEAD} 记录的是另一本账本，不是本台账的归档：两个办公室不能共用一个归档。"
                "请在 settings.yaml 的 archive: 写本办公室自己的归档文件夹（或删去 archive: 使用台账目录内的 archive/）")
    if st.lines and root.is_dir() and not (root / HEAD).exists() and any(
            p.is_file() and not is_temporary(p) for p in root.rglob("*")):  # a killed write's: no document
        return f"归档 {root} 中已有文件，但没有账本的记录（{HEAD}），不能确定属于哪个办公室：请核实后再运行"
    return None


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
            if p.is_file() and p.parent == root and p.name in (HEAD, MARK):
                continue
            if p.is_file() and p.relative_to(root).parts[0] == INBOX:  # the platform's attachments: named by hash
                if not p.name.startswith(".") and p.stem != sha256_file(p):
                    found.append(Finding("被改动", str(p), "平台报送的附件，内容与文件名中的哈希不符"))
                continue
            if p.is_file() and p not in want:
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


def bind(led, folder: Path, office: str) -> None:
    """The run's archive: refused (DocgenError, exit 2) before anything is staged when it is another office's;
    then each commit of the run leaves the ledger's head there (Ledger.archive_to)."""
    why = owner_problem(Path(folder), led.state, office)
    if why:
        e = DocgenError(why + "。未编号、未写入任何文件")
        e.exit_code = 2
        raise e
    led.archive_to(folder, office)
