"""Writing files safely: nothing half-written is ever left under a final name."""
from __future__ import annotations

import os
import re
import tempfile
from importlib import resources
from pathlib import Path


def shipped(*parts: str) -> Path:
    """A file or folder docgen ships inside its package (templates, board assets, the font map): the same path
    whether docgen runs from a checkout or from an installed wheel (docgen/templates is the checkout's templates/)."""
    return Path(str(resources.files("docgen"))).joinpath(*parts)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def is_temporary(path: Path) -> bool:
    """A file under the temporary name docgen writes before renaming it (.<name>.XXXX.tmp: atomic_write_bytes,
    record.archive.put): left only by a run killed while writing it, never a document."""
    name = Path(path).name
    return name.startswith(".") and name.endswith(".tmp")


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly data (a run with nothing new writes nothing)."""
    try:
        if Path(path).read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def user_cache(name: str) -> Path:
    """docgen's folder in the user's cache ($XDG_CACHE_HOME or ~/.cache): things worth keeping between runs that
    can always be made again (font widths, templates found sound)."""
    from platformdirs import user_cache_path

    return user_cache_path("docgen", appauthor=False) / name


def fixed_date_zip(data: bytes, when, compresslevel: int | None = None) -> bytes:
    """A zip package (.docx, .xlsx) as its writer made it, with every entry dated `when` instead of the clock
    and the same attributes: the same document always gives the same bytes."""
    import io
    import zipfile

    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, src.read(info.filename), compresslevel=compresslevel)
    return out.getvalue()


def save_docx(doc, path: Path) -> Path:
    """Save an OfficialDocument atomically."""
    atomic_write_bytes(path, doc.to_bytes())
    return Path(path)


def fsync_dir(path: Path) -> None:
    """Make a rename in a folder durable."""
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_UNSAFE_NAME = re.compile(r"[^\w\u3000-\u303f\uff08\uff09()（）·\-]")


def safe_name(text: str, limit: int = 40) -> str:
    """A file-name part made from register text (a unit's name): word characters, CJK and a few marks only."""
    s = _UNSAFE_NAME.sub("_", text).strip("._ ") or "_"
    return s[:limit]


def probe_writable(folder: Path) -> str | None:
    """Why nothing can be written in folder (created if need be), or None: found before any number is given. The
    probe has a temporary name (is_temporary): one left by a run killed while probing is no document, and is
    removed as the others are."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".docgen-probe.", suffix=".tmp", dir=str(folder))
        try:
            os.write(fd, b"\0" * 65536)  # room for at least a slip's worth
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(tmp)
    except OSError as e:
        return e.strerror or str(e)
    return None
