"""The audit record (audit.jsonl beside the registers): every sign-in, sign-out, report, decision and refused
attempt, with who, when and from where; append-only, hash-chained and fsynced (journal.py)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .journal import Journal

FILE = "audit.jsonl"


class Audit:
    def __init__(self, registers: Path, clock=lambda: dt.datetime.now(dt.timezone.utc)):
        self.journal = Journal(Path(registers) / FILE, "审计记录")
        self.clock = clock

    def __call__(self, what: str, who: str = "", where: str = "", **detail) -> None:
        at = self.clock().isoformat(timespec="seconds")
        self.journal.append(lambda _: {"at": at, "who": who, "from": where, "what": what, **detail})

    def read(self) -> list[dict]:
        return self.journal.read()
