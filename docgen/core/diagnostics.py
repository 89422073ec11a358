"""Diagnostics: every problem found in the registers, with its file, line and field.

Checks never stop at the first problem; they return a list of Diagnostic.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Src:
    """Where an entry was written: a file and a 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class DocgenError(Exception):
    """An error a clerk can act on. Its text is Chinese and is printed as it is, without a traceback."""

    exit_code = 2


class InputErrors(DocgenError):
    """The registers have problems; carries all of them."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def shown(v) -> str:
    """A value as a message quotes it: at most 40 characters (a 10,000-digit number is no message)."""
    try:
        t = str(v)
    except ValueError:  # an int past Python's digit limit
        return "一个过大的数"
    t = t if len(t) <= 40 else t[:40] + "……"
    # a line break or a bidi control quoted as is would break the message's line or reorder it
    return "".join(f"\\u{ord(c):04X}" if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in t)
