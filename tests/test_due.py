"""Due dates by rule id around every 2026 holiday, hand-computed from the 2026 schedule (calendar.md)."""
import datetime as dt
import json

import pytest

from docgen.registers.calendar import UnknownYear, WorkCalendar
from docgen.engine.due import compute_due
from docgen.registers.rules import Rules

D = dt.date.fromisoformat
RULES = Rules()
CAL = WorkCalendar()

# start: {rule: expected due}, every value worked out by hand on the 国办 2026 schedule.
CASES = {
    # 元旦 1/1–1/3 off, 1/4 (Sun) worked
    "2025-12-31": {"meeting.major": "2026-01-12", "instruction.principal": "2026-01-07",
                   "meeting.special": "2026-01-07", "instruction.deputy": "2026-01-07",
                   "doc.urgent": "2026-01-05", "doc.single": "2026-01-06", "doc.joint": "2026-01-08",
                   "doc.research": "2026-01-29"},
    # 春节 2/15–2/23 off, 2/14 and 2/28 (Sat) worked
    "2026-02-13": {"meeting.major": "2026-02-24", "instruction.principal": "2026-02-24",
                   "meeting.special": "2026-02-24", "instruction.deputy": "2026-02-24",
                   "doc.urgent": "2026-02-24", "doc.single": "2026-02-25", "doc.joint": "2026-02-27",
                   "doc.research": "2026-03-19"},
    # 清明 4/4–4/6 off
    "2026-04-03": {"meeting.major": "2026-04-13", "instruction.principal": "2026-04-10",
                   "meeting.special": "2026-04-10", "instruction.deputy": "2026-04-10",
                   "doc.urgent": "2026-04-08", "doc.single": "2026-04-09", "doc.joint": "2026-04-13",
                   "doc.research": "2026-05-07"},
    # 劳动节 5/1–5/5 off, 5/9 (Sat) worked
    "2026-04-30": {"meeting.major": "2026-05-11", "instruction.principal": "2026-05-07",
                   "meeting.special": "2026-05-07", "instruction.deputy": "2026-05-07",
                   "doc.urgent": "2026-05-07", "doc.single": "2026-05-08", "doc.joint": "2026-05-11",
                   "doc.research": "2026-06-01"},
    # 端午 6/19–6/21 off
    "2026-06-18": {"meeting.major": "2026-06-29", "instruction.principal": "2026-06-25",
                   "meeting.special": "2026-06-25", "instruction.deputy": "2026-06-25",
                   "doc.urgent": "2026-06-23", "doc.single": "2026-06-24", "doc.joint": "2026-06-26",
                   "doc.research": "2026-07-17"},
    # 中秋 9/25–9/27 off; 9/20 (Sun) worked for 国庆
    "2026-09-18": {"meeting.major": "2026-09-28", "instruction.principal": "2026-09-28",
                   "meeting.special": "2026-09-28", "instruction.deputy": "2026-09-28",
                   "doc.urgent": "2026-09-21", "doc.single": "2026-09-22", "doc.joint": "2026-09-24",
                   "doc.research": "2026-10-22"},
    # 国庆 10/1–10/7 off, 10/10 (Sat) worked
    "2026-09-24": {"meeting.major": "2026-10-08", "instruction.principal": "2026-10-08",
                   "meeting.special": "2026-10-08", "instruction.deputy": "2026-10-08",
                   "doc.urgent": "2026-09-29", "doc.single": "2026-09-30", "doc.joint": "2026-10-09",
                   "doc.research": "2026-10-29"},
    "2026-09-30": {"meeting.major": "2026-10-10", "instruction.principal": "2026-10-08",
                   "meeting.special": "2026-10-08", "instruction.deputy": "2026-10-08",
                   "doc.urgent": "2026-10-09", "doc.single": "2026-10-10", "doc.joint": "2026-10-13",
                   "doc.research": "2026-11-03"},
    # a start on the make-up Saturday 10/10
    "2026-10-10": {"meeting.major": "2026-10-20", "instruction.principal": "2026-10-19",
                   "meeting.special": "2026-10-19", "instruction.deputy": "2026-10-19",
                   "doc.urgent": "2026-10-13", "doc.single": "2026-10-14", "doc.joint": "2026-10-16",
                   "doc.research": "2026-11-06"},
    # a start on a Sunday
    "2026-03-08": {"meeting.major": "2026-03-18", "instruction.principal": "2026-03-16",
                   "meeting.special": "2026-03-16", "instruction.deputy": "2026-03-16",
                   "doc.urgent": "2026-03-10", "doc.single": "2026-03-11", "doc.joint": "2026-03-13",
                   "doc.research": "2026-04-03"},
}


@pytest.mark.parametrize("start,rule", [(s, r) for s, rs in CASES.items() for r in rs])
def test_due_by_hand(start, rule):
    d = compute_due(RULES.rule(rule), D(start), CAL, RULES.roll_forward)
    assert d.due == D(CASES[start][rule])


def test_every_rule_id_is_covered():
    ids = {r for rs in CASES.values() for r in rs}
    assert ids == set(RULES.deadlines) - {"explicit"}


def test_explicit_rule_keeps_the_stated_date():
    d = compute_due(RULES.rule("explicit"), D("2026-11-10"), CAL, True, D("2026-11-30"))
    assert d.due == D("2026-11-30")


def test_explanation_names_skipped_holiday_and_makeup_day():
    from pathlib import Path

    from docgen.registers.load import read_rules_and_calendar

    # the example office's rules file names its document, the clause and its words
    rules, _ = read_rules_and_calendar(Path(__file__).resolve().parent.parent / "registers")
    d = compute_due(rules.rule("doc.single"), D("2026-09-30"), CAL)
    assert [(s.first, s.last, s.name) for s in d.skipped] == [(D("2026-10-01"), D("2026-10-07"), "国庆节")]
    assert d.makeup == (D("2026-10-10"),)
    text = "\n".join(d.explain(CAL, rules.clause("doc.single")))
    assert "10月1日—10月7日 国庆节" in text and "10月10日（星期六）" in text
    assert "依据：泰高管发〔2021〕11号第10条第（2）项：属于一个部门或单位职权范围内的事项" in text


def test_calendar_period_rolls_past_holiday():
    d = compute_due(RULES.rule("meeting.major"), D("2026-09-24"), CAL)
    assert d.nominal == D("2026-10-04") and d.due == D("2026-10-08")
    assert "顺延" in "\n".join(d.explain(CAL))


def test_calendar_period_ending_on_makeup_saturday_stays():
    d = compute_due(RULES.rule("meeting.major"), D("2026-09-30"), CAL)
    assert d.nominal == d.due == D("2026-10-10")


def test_roll_forward_can_be_switched_off():
    d = compute_due(RULES.rule("meeting.major"), D("2026-09-24"), CAL, roll_forward=False)
    assert d.due == D("2026-10-04")


def test_count_ending_on_dec_31_is_provisional():
    d = compute_due(RULES.rule("doc.single"), D("2026-12-28"), CAL)
    assert d.due == D("2026-12-31") and d.provisional
    assert "2027年节假日安排尚未公布" in "\n".join(d.explain(CAL))
    d = compute_due(RULES.rule("meeting.major"), D("2026-12-21"), CAL)
    assert d.due == D("2026-12-31")


@pytest.mark.parametrize("rule,start", [("doc.single", "2026-12-30"), ("meeting.major", "2026-12-25"),
                                        ("instruction.principal", "2026-12-25"), ("doc.research", "2026-12-10")])
def test_count_into_2027_refuses(rule, start):
    with pytest.raises(UnknownYear) as e:
        compute_due(RULES.rule(rule), D(start), CAL)
    assert e.value.year == 2027
    assert "2027年" in str(e.value) and "registers/calendar/2027.yaml" in str(e.value)


def test_cli_due_into_2027_exit_2(run, tmp_path):
    rc, out, err = run("-r", str(tmp_path / "none"), "due", "--rule", "doc.single", "--from", "2026-12-30")
    assert rc == 2 and "2027年的节假日安排尚未收录" in err and "Traceback" not in err


CAL2027 = """\
year: 2027
source: 测试用：假定的2027年安排（非国务院通知）
holidays:
  - name: 元旦
    off: 2027-01-01..2027-01-03
"""


def test_cli_due_with_2027_calendar_file(run, tmp_path):
    reg = tmp_path / "registers"
    (reg / "calendar").mkdir(parents=True)
    (reg / "calendar" / "2027.yaml").write_text(CAL2027, encoding="utf-8")
    rc, out, err = run("-r", str(reg), "due", "--rule", "doc.single", "--from", "2026-12-30", "--json")
    assert rc == 0, err
    j = json.loads(out)
    assert j["rule"] == "doc.single" and j["due"] == "2027-01-05"
    assert j["skipped"] == [{"from": "2027-01-01", "to": "2027-01-03", "name": "元旦"}]


def test_cli_due_text(run, tmp_path):
    rc, out, err = run("-r", str(tmp_path / "none"), "due", "--rule", "doc.joint", "--from", "2026-04-30")
    assert rc == 0
    assert "5月1日—5月5日 劳动节" in out and "5月9日（星期六）" in out and "2026年5月11日" in out


def test_rules_file_changes_a_period(run, tmp_path):
    reg = tmp_path / "registers"
    reg.mkdir()
    (reg / "rules.yaml").write_text("deadlines:\n  doc.single: {period: 4, count: working}\n", encoding="utf-8")
    rc, out, _ = run("-r", str(reg), "due", "--rule", "doc.single", "--from", "2026-09-30", "--json")
    assert rc == 0 and json.loads(out)["due"] == "2026-10-12"


# ---------------------------------------------------------------- properties (Hypothesis)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from docgen.registers.calendar import WorkCalendar  # noqa: E402
from docgen.registers.rules import DEFAULT_DEADLINES, Rules  # noqa: E402
from examples import workday_by_hand  # noqa: E402

_CAL = WorkCalendar()
_DAYS = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 11, 30))
_WORKING = [r for r in DEFAULT_DEADLINES.values() if r.unit == "working"]
_CALENDAR = [r for r in DEFAULT_DEADLINES.values() if r.unit == "calendar" and r.id != "explicit"]


# Working-day periods counted by hand on the 2026 calendar: the working days after the start, numbered.
@pytest.mark.parametrize("rule, start, due", [
    # 9/30 (Wed); 10/1–10/7 国庆节; 10/8 Thu (1), 10/9 Fri (2), 10/10 Sat, a make-up working day (3)
    ("doc.single", "2026-09-30", "2026-10-10"),
    # 6/18 (Thu); 6/19–6/21 端午节; 6/22 Mon (1), 6/23 (2), 6/24 (3)
    ("doc.single", "2026-06-18", "2026-06-24"),
    # 4/30 (Thu); 5/1–5/5 劳动节; 5/6 (1), 5/7 (2), 5/8 (3), 5/9 Sat, make-up (4), 5/10 Sun off, 5/11 Mon (5)
    ("doc.joint", "2026-04-30", "2026-05-11"),
    # 12/24 (Thu); 12/25 Fri (1), 12/28 Mon (2), 12/29 (3), 12/30 (4), 12/31 (5)
    ("doc.joint", "2026-12-24", "2026-12-31"),
    # 2/13 (Fri); 2/14 Sat, make-up (1); 2/15–2/23 春节; 2/24 Tue (2)
    ("doc.urgent", "2026-02-13", "2026-02-24"),
    # 1/1 元旦 (Thu); 1/2, 1/3 off; 1/4 Sun, make-up (1); 1/5 Mon (2)
    ("doc.urgent", "2026-01-01", "2026-01-05"),
    # 9/18 (Fri); 9/20 Sun, make-up (1); 9/21–9/24 (2–5); 9/25–9/27 中秋节; 9/28–9/30 (6–8); 10/1–10/7 国庆节;
    # 10/8, 10/9 (9, 10); 10/10 Sat, make-up (11); 10/12–10/16 (12–16); 10/19–10/22 (17–20)
    ("doc.research", "2026-09-18", "2026-10-22"),
])
def test_working_day_periods_counted_by_hand(rule, start, due):
    assert compute_due(Rules().rule(rule), D(start), _CAL).due == D(due)


@given(st.sampled_from(_WORKING), _DAYS, _DAYS)
@settings(max_examples=300, deadline=None)
def test_working_day_periods(rule, a, b):
    da = compute_due(rule, a, _CAL).due
    assert workday_by_hand(da)  # a due date is a working day (by the hand-written 2026 schedule)
    db = compute_due(rule, b, _CAL).due
    assert (a <= b) <= (da <= db)  # later start, never an earlier due date


@given(st.sampled_from(_CALENDAR), _DAYS)
@settings(max_examples=300, deadline=None)
def test_calendar_day_periods(rule, a):
    d = compute_due(rule, a, _CAL, roll_forward=True)
    nominal = a + dt.timedelta(days=rule.period)
    assert d.nominal == nominal and workday_by_hand(d.due) and d.due >= nominal
    # moved only past non-working days: nothing between the nominal day and the due date is a working day
    assert all(not workday_by_hand(nominal + dt.timedelta(days=k)) for k in range((d.due - nominal).days))
    assert compute_due(rule, a, _CAL, roll_forward=False).due == nominal
