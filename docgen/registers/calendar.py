"""The Chinese working-day calendar.

Days come from the `chinesecalendar` package for the years it knows, and from calendar files kept with
the registers (a year the package does not know yet, or local corrections). Nothing here guesses: a
day of a year that neither source knows raises UnknownYear.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from chinese_calendar import constants as _cc

from ..core.diagnostics import DocgenError, Src

WEEKDAYS = "一二三四五六日"

# chinesecalendar's English holiday values -> the names clerks use.
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class UnknownYear(DocgenError):
    def __init__(self, year: int, known: tuple[int, int] | None = None):
        self.year = year
        pkg = f"已安装的 chinesecalendar {getattr(chinese_calendar, '__version__', '')} "
        span = f"只收录{known[0]}—{known[1]}年" if known else "未收录该年"
        super().__init__(
            f"{year}年的节假日安排尚未收录：{pkg}{span}，registers/calendar/ 中也没有{year}年的日历文件。"
            f"docgen 不推测工作日。国务院办公厅公布{year}年节假日安排后，请按通知新建 registers/calendar/{year}.yaml"
            f"（格式见 docs/calendar.md），或由维护人员升级 chinesecalendar（pyproject.toml 与 constraints.txt 中的版本）。"
        )


@dataclass(frozen=True)
class Correction:
    date: dt.date
    working: bool
    reason: str
    src: Src | None = None


@dataclass(frozen=True)
class HolidaySpan:
    name: str
    off: tuple[dt.date, ...]
    makeup: tuple[dt.date, ...]


@dataclass(frozen=True)
class CalendarFile:
    """One year of schedule entered by a clerk (validated by the register loader)."""

    year: int
    source: str
    holidays: tuple[HolidaySpan, ...] | None  # None: keep the package's schedule for that year
    corrections: tuple[Correction, ...] = ()
    src: Src | None = None


@dataclass
class YearSchedule:
    year: int
    source: str
    off: dict[dt.date, str] = field(default_factory=dict)  # weekday holidays and holiday weekends: name
    makeup: dict[dt.date, str] = field(default_factory=dict)  # weekend days made working: holiday name


def package_years() -> tuple[int, int]:
    years = [d.year for d in _cc.holidays]
    return min(years), max(years)


def _package_year(year: int) -> YearSchedule:
    sched = YearSchedule(year, f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}")
    for d, name in _cc.holidays.items():
        if d.year == year:
            sched.off[d] = _HOLIDAY_NAMES.get(name, name)
    for d, name in _cc.workdays.items():
        if d.year == year:
            sched.makeup[d] = _HOLIDAY_NAMES.get(name, name)
    return sched


class WorkCalendar:
    """Answers whether a day is a working day, and why."""

    def __init__(self, files: tuple[CalendarFile, ...] | list[CalendarFile] = ()):
        self._pkg_span = package_years()
        self._years: dict[int, YearSchedule] = {}
        self._corrections: dict[dt.date, Correction] = {}
        for f in files:
            if f.holidays is not None:
                sched = YearSchedule(f.year, f.source)
                for h in f.holidays:
                    for d in h.off:
                        sched.off[d] = h.name
                    for d in h.makeup:
                        sched.makeup[d] = h.name
                self._years[f.year] = sched
            for c in f.corrections:
                self._corrections[c.date] = c

    def known_span(self) -> tuple[int, int]:
        """The first and last year whose schedule is known (the package's, and the calendar files')."""
        years = [*self._pkg_span, *self._years]
        return min(years), max(years)

    def knows(self, year: int) -> bool:
        return year in self._years or self._pkg_span[0] <= year <= self._pkg_span[1]

    def schedule(self, year: int) -> YearSchedule:
        if year not in self._years:
            if not (self._pkg_span[0] <= year <= self._pkg_span[1]):
                raise UnknownYear(year, self._pkg_span)
            self._years[year] = _package_year(year)
        return self._years[year]

    def is_workday(self, d: dt.date) -> bool:
        sched = self.schedule(d.year)
        if d in self._corrections:
            return self._corrections[d].working
        if d in sched.makeup:
            return True
        if d in sched.off:
            return False
        return d.weekday() < 5

    def why(self, d: dt.date) -> str:
        """Why a day is (not) a working day, in Chinese: 国庆节, 周末, 国庆节调休上班, or a correction's reason."""
        sched = self.schedule(d.year)
        if d in self._corrections:
            return self._corrections[d].reason
        if d in sched.makeup:
            return f"{sched.makeup[d]}调休上班"
        if d in sched.off:
            return sched.off[d]
        return "周末" if d.weekday() >= 5 else "工作日"

    def is_makeup(self, d: dt.date) -> bool:
        return d.weekday() >= 5 and self.is_workday(d)

    def next_workday(self, d: dt.date) -> dt.date:
        """d itself if it is a working day, else the first working day after it."""
        while not self.is_workday(d):
            d += dt.timedelta(days=1)
        return d

    def workdays_between(self, after: dt.date, upto: dt.date) -> int:
        """Working days in (after, upto]; 0 if upto <= after."""
        n, d = 0, after
        while d < upto:
            d += dt.timedelta(days=1)
            if self.is_workday(d):
                n += 1
        return n

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after start (start not counted)."""
        d, left = start, n
        while left > 0:
            d += dt.timedelta(days=1)
            if self.is_workday(d):
                left -= 1
        return d


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_md(d: dt.date) -> str:
    return f"{d.month}月{d.day}日"


def cn_md_in(d: dt.date, year: int) -> str:
    """月日 for a date in `year` (the as-of date's, a period's), the whole date otherwise: read in January, a
    deadline of the past November is 2026年11月30日, not 11月30日."""
    return cn_md(d) if d.year == year else cn_date(d)


def cn_weekday(d: dt.date) -> str:
    return "星期" + WEEKDAYS[d.weekday()]
