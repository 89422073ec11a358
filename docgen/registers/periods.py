"""The periods a bulletin covers and closes: a quarter (2026-Q3), a month (2026-10) or any span of days."""
from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass

from ..core.diagnostics import DocgenError
from .calendar import cn_date

CN_Q = "一二三四"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label: str  # 2026年第三季度 / 2026年10月 / 2026年7月1日至2026年9月30日
    key: str  # 2026-07-01..2026-09-30

    def __contains__(self, d: dt.date) -> bool:
        return self.start <= d <= self.end

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label, "key": self.key}


def parse_period(text: str) -> Period:
    try:
        return _parse_period(text)
    except ValueError:  # the year 0000 (and no other: four digits, months and days checked)
        raise DocgenError(f"期间「{text}」中的年份不存在（公元纪年从1年开始）")


def _parse_period(text: str) -> Period:
    t = text.strip()
    m = re.fullmatch(r"(\d{4})-[Qq]([1-4])", t)
    if m:
        y, q = int(m[1]), int(m[2])
        start = dt.date(y, 3 * q - 2, 1)
        end = dt.date(y, 3 * q, _cal.monthrange(y, 3 * q)[1])
        return Period(start, end, f"{y}年第{CN_Q[q - 1]}季度", f"{start}..{end}")
    m = re.fullmatch(r"(\d{4})", t)
    if m:  # a year: its four quarters (scores --period 2026)
        y = int(m[1])
        start, end = dt.date(y, 1, 1), dt.date(y, 12, 31)
        return Period(start, end, f"{y}年", f"{start}..{end}")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
    if m and 1 <= int(m[2]) <= 12:
        y, mo = int(m[1]), int(m[2])
        start, end = dt.date(y, mo, 1), dt.date(y, mo, _cal.monthrange(y, mo)[1])
        return Period(start, end, f"{y}年{mo}月", f"{start}..{end}")
    m = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})\.\.(\d{4}-\d{1,2}-\d{1,2})", t)
    if m:
        try:
            start, end = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError:
            raise DocgenError(f"期间「{text}」中的日期不存在") from None
        if end < start:
            raise DocgenError(f"期间「{text}」的结束日早于开始日")
        return Period(start, end, f"{cn_date(start)}至{cn_date(end)}", f"{start}..{end}")
    raise DocgenError(f"无法识别期间「{text}」：请写成 2026-Q3（季度）、2026-10（月）或 2026-07-01..2026-09-30")


def last_ended(auto: str, as_of: dt.date) -> Period:
    """The last month or quarter that ended before as_of: the period `build` closes with a bulletin."""
    first = as_of.replace(day=1)
    if auto == "quarter":
        first = first.replace(month=3 * ((as_of.month - 1) // 3) + 1)
    end = first - dt.timedelta(days=1)
    return parse_period(f"{end.year}-Q{(end.month - 1) // 3 + 1}" if auto == "quarter" else f"{end.year}-{end.month}")


def is_year(p: Period) -> bool:
    """The period is one whole calendar year."""
    return (p.start.month, p.start.day, p.end.month, p.end.day) == (1, 1, 12, 31) and p.start.year == p.end.year


def quarters(year: int) -> list[Period]:
    return [parse_period(f"{year}-Q{q}") for q in range(1, 5)]
