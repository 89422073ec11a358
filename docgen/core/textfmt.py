"""Plain-text tables for a terminal that shows Chinese characters at double width."""
from __future__ import annotations

from wcwidth import wcwidth


def width(s: str) -> int:
    """Columns a terminal gives the text: CJK and full-width forms two, combining and zero-width marks none."""
    return sum(max(0, wcwidth(c)) for c in s)


def pad(s: str, w: int) -> str:
    return s + " " * max(0, w - width(s))


def table(headers: list[str], rows: list[list[str]]) -> str:
    cols = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, cols[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * c for c in cols))
    for r in rows:
        lines.append("  ".join(pad(c, cols[i]) for i, c in enumerate(r)).rstrip())
    return "\n".join(lines)
