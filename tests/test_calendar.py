import datetime as dt

import pytest

from docgen.registers.calendar import CalendarFile, Correction, HolidaySpan, UnknownYear, WorkCalendar
from docgen.engine.due import compute_due
from docgen.registers.rules import Rules
from examples import workday_by_hand

D = dt.date.fromisoformat


def days(y):
    d = dt.date(y, 1, 1)
    while d.year == y:
        yield d
        d += dt.timedelta(days=1)


def test_every_day_of_2025_and_2026_against_the_notices():
    """Every day of both years against the State Council's schedules as written out by hand (examples.OFF, MAKEUP),
    not against chinesecalendar, the package docgen's calendar wraps."""
    cal = WorkCalendar()
    checked = 0
    for y in (2025, 2026):
        for d in days(y):
            assert cal.is_workday(d) == workday_by_hand(d), d
            checked += 1
    assert checked == 730


def test_2025_and_2026_holidays_and_make_up_days_listed_by_hand():
    cal = WorkCalendar()
    off = ["2026-01-01", "2026-01-02", "2026-01-03",  # 元旦
           *[f"2026-02-{d}" for d in range(15, 24)],  # 春节, 9 days
           "2026-04-04", "2026-04-05", "2026-04-06",  # 清明节
           "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",  # 劳动节
           "2026-06-19", "2026-06-20", "2026-06-21",  # 端午节
           "2026-09-25", "2026-09-26", "2026-09-27",  # 中秋节
           *[f"2026-10-0{d}" for d in range(1, 8)],  # 国庆节
           "2025-01-01", *[f"2025-01-{d}" for d in range(28, 32)], "2025-02-01", "2025-02-02", "2025-02-03",
           "2025-02-04", "2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02",
           *[f"2025-10-0{d}" for d in range(1, 9)]]
    makeup = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
              "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
    assert [d for d in off if cal.is_workday(D(d))] == []
    assert [d for d in makeup if not cal.is_workday(D(d))] == []
    # ordinary days either side of the holidays
    assert all(cal.is_workday(D(d)) for d in ("2026-02-13", "2026-02-24", "2026-09-24", "2026-09-28", "2026-10-08",
                                              "2025-01-27", "2025-02-05", "2025-10-09"))
    assert not any(cal.is_workday(D(d)) for d in ("2026-02-21", "2026-10-11", "2025-10-12"))


def test_2026_has_248_working_days():
    # 2026 begins on a Thursday: 365 days = 52 weeks and a Thursday, 261 weekdays. Weekdays off: 元旦 1/1, 1/2;
    # 春节 2/16–2/20, 2/23; 清明 4/6; 劳动节 5/1, 5/4, 5/5; 端午 6/19; 中秋 9/25; 国庆 10/1, 10/2, 10/5–10/7:
    # 2 + 6 + 1 + 3 + 1 + 1 + 5 = 19. Make-up days: 1/4, 2/14, 2/28, 5/9, 9/20, 10/10: 6. 261 − 19 + 6 = 248.
    cal = WorkCalendar()
    assert sum(cal.is_workday(d) for d in days(2026)) == 248


def test_2025_has_248_working_days():
    # 2025 begins on a Wednesday: 261 weekdays. Weekdays off: 1/1; 1/28–1/31, 2/3, 2/4; 4/4; 5/1, 5/2, 5/5; 6/2;
    # 10/1–10/3, 10/6–10/8: 1 + 6 + 1 + 3 + 1 + 6 = 18. Make-up days: 1/26, 2/8, 4/27, 9/28, 10/11: 5.
    # 261 − 18 + 5 = 248.
    cal = WorkCalendar()
    assert sum(cal.is_workday(d) for d in days(2025)) == 248


# A plain counting oracle on the hand-written schedule (examples.workday_by_hand): every rule, every start day of
# 2026.
oracle_workday = workday_by_hand


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
