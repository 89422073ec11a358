import datetime as dt

import chinese_calendar
import pytest

from docgen.registers.calendar import CalendarFile, Correction, HolidaySpan, UnknownYear, WorkCalendar
from docgen.engine.due import compute_due
from docgen.registers.rules import Rules

D = dt.date.fromisoformat


def days(y):
    d = dt.date(y, 1, 1)
    while d.year == y:
        yield d
        d += dt.timedelta(days=1)


def test_agrees_with_chinesecalendar_2025_2026():
    cal = WorkCalendar()
    checked = 0
    for y in (2025, 2026):
        for d in days(y):
            assert cal.is_workday(d) == chinese_calendar.is_workday(d), d
            checked += 1
    assert checked == 730


def test_2026_has_248_working_days():
    cal = WorkCalendar()
    assert sum(cal.is_workday(d) for d in days(2026)) == 248


# The 2026 schedule as calendar.md states it (from the State Council notice), written out independently
# of chinesecalendar, and a plain counting oracle: every rule, every start day of 2026.
OFF_2026 = [("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
            ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
            ("2026-10-01", "2026-10-07")]
MAKEUP_2026 = {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}


def oracle_workday(d):
    if d.isoformat() in MAKEUP_2026:
        return True
    if any(D(a) <= d <= D(b) for a, b in OFF_2026):
        return False
    return d.weekday() < 5


def oracle_due(rule, start):
    if rule.unit == "calendar":
        d = start + dt.timedelta(days=rule.period)
        while not oracle_workday(d):
            d += dt.timedelta(days=1)
        return d
    d, n = start, 0
    while n < rule.period:
        d += dt.timedelta(days=1)
        n += oracle_workday(d)
    return d


def test_every_start_of_2026_against_the_notice():
    cal, rules = WorkCalendar(), Rules()
    n = 0
    for start in days(2026):
        if start >= D("2026-11-25"):
            break  # later starts walk into 2027, which is unknown
        for rid, rule in rules.deadlines.items():
            if rid == "explicit":
                continue
            assert compute_due(rule, start, cal).due == oracle_due(rule, start), (rid, start)
            n += 1
    assert n > 2000


def test_unknown_year_names_the_year(monkeypatch):
    import docgen.registers.calendar

    # a fixture calendar that knows 2004–2026, so the test holds whatever years the installed package knows
    monkeypatch.setattr(docgen.registers.calendar, "package_years", lambda: (2004, 2026))
    with pytest.raises(UnknownYear) as e:
        WorkCalendar().is_workday(D("2027-01-04"))
    assert "2027年的节假日安排尚未收录" in str(e.value) and "只收录2004—2026年" in str(e.value)
    assert "calendar/2027.yaml" in str(e.value)


def test_calendar_file_supplies_an_unknown_year():
    f = CalendarFile(2027, "测试", (HolidaySpan("元旦", (D("2027-01-01"),), (D("2027-01-02"),)),))
    cal = WorkCalendar([f])
    assert not cal.is_workday(D("2027-01-01"))
    assert cal.is_workday(D("2027-01-02"))  # a made-up working Saturday
    assert cal.is_workday(D("2027-01-04"))
    assert not cal.is_workday(D("2027-01-09"))
    assert cal.why(D("2027-01-01")) == "元旦"


def test_local_correction_overrides_the_package():
    f = CalendarFile(2026, "", None, (Correction(D("2026-06-15"), False, "泰安马拉松调休"),))
    cal = WorkCalendar([f])
    assert not cal.is_workday(D("2026-06-15"))
    assert cal.why(D("2026-06-15")) == "泰安马拉松调休"
    assert cal.is_workday(D("2026-06-16"))  # the rest of the year still from the package
    assert not cal.is_workday(D("2026-10-01"))


def test_workdays_between():
    cal = WorkCalendar()
    assert cal.workdays_between(D("2026-09-30"), D("2026-10-10")) == 3
    assert cal.workdays_between(D("2026-10-10"), D("2026-10-10")) == 0
    assert cal.workdays_between(D("2026-10-12"), D("2026-10-10")) == 0
