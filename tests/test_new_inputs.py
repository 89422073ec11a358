"""Bad input in the registers issue 19 and issue 20 brought (targets, projects, rules.yaml reports and schedules,
专报 entries, feedback, coordination, appeals): a clerk's typo gives a Chinese message naming file, line and field,
exit 2, never a traceback and never hours of work.

The years a date may name are those the working-day calendar knows, one either side (the installed chinesecalendar
knows 2004—2026, so 2003—2027; the same bound `check` applies to an item's dates)."""
import pytest

from conftest import write_registers
from test_recurring import MEETINGS, PROGRESS, PROJECTS, RULES, TARGETS, UNITS


def _office(tmp_path, **changed):
    files = {"units.yaml": UNITS, "rules.yaml": RULES, "targets/2026.yaml": TARGETS, "projects.yaml": PROJECTS,
             "meetings/2026.yaml": MEETINGS, "progress/2026.yaml": PROGRESS}
    for name, (old, new) in changed.items():
        rel = {"rules": "rules.yaml", "targets": "targets/2026.yaml", "projects": "projects.yaml",
               "meetings": "meetings/2026.yaml", "progress": "progress/2026.yaml"}[name]
        assert old in files[rel]
        files[rel] = files[rel].replace(old, new, 1)
    return write_registers(tmp_path / "r", files)


def _refused(run, reg, *lines):
    """check exits 2 and names each (file, line, field) of `lines` — as file:line: field: in its message."""
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, (rc, out, err)
    assert "内部错误" not in err and "Traceback" not in err
    for rel, line, field in lines:
        assert f"{reg}/{rel}:{line}: {field}:" in err, err
    assert not (reg.parent / "output").exists()
    return err


def test_a_project_since_the_year_9999_is_refused_not_an_overflow(run, tmp_path):
    # projects.yaml line 2 (after `projects:`) is XM01; a date past any calendar once derived 8000 years of months
    reg = _office(tmp_path, projects=("since: 2026-01-01}", "since: 9999-12-31}"))
    err = _refused(run, reg, ("projects.yaml", 2, "since"))
    assert "9999-12-31" in err and "2003—2027" in err


def test_a_project_since_the_year_0001_is_refused_not_two_thousand_years_of_meetings(run, tmp_path):
    reg = _office(tmp_path, projects=("since: 2026-01-01}", "since: 0001-01-01}"))
    err = _refused(run, reg, ("projects.yaml", 2, "since"))
    assert "0001-01-01" in err


def test_a_report_since_the_year_0001_is_refused(run, tmp_path):
    # rules.yaml: line 1 vocabulary, 2 meetings, 3 reports, 4 the quarterly report
    reg = _office(tmp_path, rules=("since: 2026-07-01}\n    schedules", "since: 0001-07-01}\n    schedules"))
    _refused(run, reg, ("rules.yaml", 4, "since"))


def test_a_target_year_past_what_a_date_can_hold_is_refused(run, tmp_path):
    # targets line 1 `targets:`, 2 the id, 3 the year
    for year in ("99999", "100000000000000000000000000000"):
        reg = _office(tmp_path, targets=("year: 2026", f"year: {year}"))
        err = _refused(run, reg, ("targets/2026.yaml", 3, "year"))
        assert "应为1900到9999之间的整数" in err



def test_a_ten_thousand_digit_year_is_quoted_in_forty_characters(run, tmp_path):
    reg = _office(tmp_path, targets=("year: 2026", "year: " + "9" * 4000))
    err = _refused(run, reg, ("targets/2026.yaml", 3, "year"))
    assert "实际是「" + "9" * 40 + "……」" in err


def test_a_target_year_no_calendar_knows_is_refused_with_its_year(run, tmp_path):
    reg = _office(tmp_path, targets=("year: 2026", "year: 9999"))
    err = _refused(run, reg, ("targets/2026.yaml", 2, "year"))
    assert "年度 9999 不在2003—2027年之间" in err


def test_a_reporting_window_of_a_hundred_million_working_days_is_refused(run, tmp_path):
    # it was accepted, and every report's due date was 时限待定 (待2027年节假日安排): a typo no clerk would see
    reg = _office(tmp_path, rules=("every: quarter, within: 10", "every: quarter, within: 100000000"))
    err = _refused(run, reg, ("rules.yaml", 4, "within"))
    assert "应为0到366之间的整数，实际是「100000000」" in err


def test_a_feedback_item_assigned_in_the_year_9999_is_refused_not_an_overflow(run, tmp_path):
    reg = _office(tmp_path, meetings=("date: 2026-07-15\n", "date: 9999-12-31\n"))
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2, (rc, err)
    assert "内部错误" not in err
    assert "9999-12-31 不在2003—2027年之间" in err


@pytest.mark.parametrize("period", ["0000-Q3", "0000"])
def test_a_period_of_the_year_0000_is_refused(run, tmp_path, period):
    # progress: line 1 `progress:`, 6 the 经济发展部 专报
    reg = _office(tmp_path, progress=("period: 2026-Q3, date: 2026-10-09", f"period: '{period}', date: 2026-10-09"))
    err = _refused(run, reg, ("progress/2026.yaml", 6, "period"))
    assert f"「{period}」不是报告期间" in err
