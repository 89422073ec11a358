"""An append-only file of JSON lines, in the ledger's style (record/ledger.py): each record carries its number
and the hash of the line before it, is written under a lock (a thread lock and a file lock, so the server's
threads and a clerk's `docgen inbox accept` never interleave) and fsynced before append() returns.

A process killed in the middle of a write leaves at most a last line without its newline: nobody was told that
record was kept (the server answers 201 only after the fsync), so readers ignore it and the next append cuts it
off before writing."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Callable

from filelock import FileLock

from ..core.diagnostics import Diagnostic, InputErrors
from ..core.files import fsync_dir
from ..record.ledger import GENESIS, encode

_LOCKS: dict[str, threading.Lock] = {}
_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    with _GUARD:
        return _LOCKS.setdefault(str(path.resolve()), threading.Lock())


def record_hash(record: dict) -> str:
    """The hash of the line a record returned by Journal.append was written as (its line is its encoding): the
    audit names it, whichever lines other threads or processes have written since."""
    return line_hash(encode(record).encode("utf-8"))


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


class Journal:
    def __init__(self, path: Path, what: str, mode: int = 0o600):
        self.path = Path(path)
        self.what = what  # the file's Chinese name in messages (报送记录, 审计记录)
        self.mode = mode
        self._cache: tuple[int, list[dict], str] | None = None  # (size read, records, last hash)

    def _parse(self, data: bytes) -> tuple[list[dict], str, int]:
        """The complete records, the hash of the last, and the length of the complete lines."""
        end = data.rfind(b"\n") + 1  # a torn last line (no newline) is no record
        records, prev, problems = [], GENESIS, []
        for n, line in enumerate(data[:end].split(b"\n")[:-1], 1):
            try:
                r = json.loads(line.decode("utf-8"))
                if not isinstance(r, dict):
                    raise ValueError
            except (ValueError, UnicodeDecodeError):
                problems.append(Diagnostic(str(self.path), n, self.what, "这一行不是完整的记录（请勿手工修改）"))
                prev = line_hash(line)
                continue
            if r.get("n") != n:
                problems.append(Diagnostic(str(self.path), n, self.what, f"记录的序号应为{n}（有记录被删除或调换）"))
            if r.get("prev") != prev:
                problems.append(Diagnostic(str(self.path), n, self.what, "与前一条记录的哈希不符（记录被修改、删除或调换）"))
            records.append(r)
            prev = line_hash(line)
        if problems:
            raise InputErrors(problems)
        return records, prev, end

    def lines(self) -> list[bytes]:
        """The complete lines as written (without their newlines)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return data[:data.rfind(b"\n") + 1].split(b"\n")[:-1]

    @property
    def last_hash(self) -> str | None:
        """The hash of the last line this object wrote or read (the audit record names it: see platform.check)."""
        return self._cache[2] if self._cache else None

    def read(self) -> list[dict]:
        """Every complete record; InputErrors naming the lines of a file that was edited."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        if self._cache and self._cache[0] == len(data):
            return list(self._cache[1])
        records, last, end = self._parse(data)
        if end == len(data):
            self._cache = (end, records, last)
        return list(records)

    def append(self, make: Callable[[list[dict]], dict | None]) -> dict | None:
        """Under the locks: make(records so far) gives the record to add (or None: nothing), which is written
        with its number and the previous hash and fsynced. Returns the record written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _thread_lock(self.path), FileLock(str(self.path) + ".lock", timeout=60):
            created = not self.path.exists()
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, self.mode)
            if created:  # the new file's name is durable before anything in it is acknowledged
                fsync_dir(self.path.parent)
            try:
                data = b""
                size = os.fstat(fd).st_size
                if self._cache and self._cache[0] == size:
                    records, last, end = list(self._cache[1]), self._cache[2], size
                else:
                    while len(data) < size:
                        data += os.pread(fd, size - len(data), len(data))
                    records, last, end = self._parse(data)
                if end < size:  # a torn line of a killed writer: never acknowledged
                    os.ftruncate(fd, end)
                record = make(records)
                if record is None:
                    return None
                record = {"n": len(records) + 1, "prev": last, **record}
                line = (encode(record) + "\n").encode("utf-8")
                os.write(fd, line)
                os.fsync(fd)
                records.append(record)
                self._cache = (end + len(line), records, line_hash(line[:-1]))
                return record
            finally:
                os.close(fd)
