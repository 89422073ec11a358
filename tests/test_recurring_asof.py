"""The work that recurs is derived through the as-of date's year, not only through the latest year the registers
name: in January 2027, with registers that mention only 2026, the January 2027 meeting and the reports of 2027's
periods are owed all the same (registers/recurring.py derive(through=…), fed by the CLI's --on or today and by the
platform's day).

The office below writes nothing dated 2027. chinesecalendar 1.11.0 knows 2004–2026 only, so the office has a
calendar file for 2027: the one docs/calendar.md shows (an assumed schedule, no official one is out yet):
元旦 2027-01-01..01-03 off; 春节 2027-02-06..02-12 off; 2027-01-31 (Sunday) a make-up working day.

2027 by hand: 1/1 is a Friday. Working days in January: 1/4–1/8, 1/11–1/15, 1/18–1/22, 1/25–1/29, and 1/31 (the
make-up Sunday). February: 2/1–2/5, then 2/6–2/12 off, 2/13–2/14 a weekend, 2/15 on."""
import datetime as dt
import json

from conftest import fake_today, write_registers

RULES = """\
    vocabulary:
      meetings: {调度会: meeting.special}
    reports:
      - {id: monthly, text: 工作进展月报, every: month, within: 5, to: [经济发展部], since: 2026-11-01}
    schedules:
      - {id: dispatch, kind: 调度会, every: month, lead: 经济发展部, since: 2026-11-01}
    """

MEETINGS_2026 = """\
    meetings:
      - {id: 2026-DD11, kind: 调度会, title: 11月调度会, date: 2026-11-10}
      - id: 2026-DD12
        kind: 调度会
        title: 12月调度会
        date: 2026-12-08
        items:
          - {id: 2026-DD12-1, text: 梳理年度重点工作完成情况, lead: 财政金融部, due: 2026-12-25}
    """

PROGRESS_2026 = """\
    progress:
      - {type: 专报, unit: 财政金融部, period: 2026-11, date: 2026-12-03}
      - {type: 专报, unit: 良庄镇, period: 2026-11, date: 2026-12-04}
      - {item: 2026-DD12-1, type: 办结, date: 2026-12-22}
      - {item: 2026-DD12-1, type: 核查, date: 2026-12-23, passed: 通过}
    """

CALENDAR_2027 = """\
    year: 2027
    source: docs/calendar.md 所示的2027年安排（测试假定）
    holidays:
      - name: 元旦
        off: 2027-01-01..2027-01-03
        makeup: []
      - name: 春节
        off: [2027-02-06..2027-02-12]
        makeup: [2027-01-31]
    """


def office(tmp_path, **more):
    files = {"rules.yaml": RULES, "meetings/2026.yaml": MEETINGS_2026, "progress/2026.yaml": PROGRESS_2026,
             "calendar/2027.yaml": CALENDAR_2027}
    files.update(more)
    return write_registers(tmp_path / "r", files)


def _status(run, reg, on):
    rc, out, err = run("-r", str(reg), "status", "--on", on, "--json")
    assert rc == 0, out + err
    return {r["id"]: r for r in json.loads(out)["items"]}


def test_january_2027_meeting_is_owed_and_not_yet_due_on_2027_01_11(run, tmp_path):
    rows = _status(run, office(tmp_path), "2027-01-11")
    # the January 2027 meeting: its period 1/1–1/31 has begun; no within, so it is due by the period's last day,
    # 1/31. Working days after 1/11 up to 1/31: 1/12–1/15 (4), 1/18–1/22 (9), 1/25–1/29 (14), 1/31 (15).
    jan = rows["调度-dispatch-2027M01"]
    assert (jan["assigned"], jan["due"], jan["lead"], jan["source"]) == ("2026-12-31", "2027-01-31", "经济发展部", "定期调度")
    assert (jan["state"], jan["warning"], jan["workdays_left"], jan["days_overdue"]) == ("未到期", None, 15, 0)
    # February's period has not begun: no obligation yet
    assert "调度-dispatch-2027M02" not in rows
    # December 2026's report, 5 working days after 12/31: 1/1–1/3 off, 1/4 (1) … 1/8 (5): due Friday 1/8;
    # 财政金融部 and 良庄镇 owe it (经济发展部 is reported to); not received, 1/11 − 1/8 = 3 days overdue
    for u in ("财政金融部", "良庄镇"):
        dec = rows[f"报告-monthly-2026M12-{u}"]
        assert (dec["assigned"], dec["due"], dec["state"], dec["warning"], dec["days_overdue"]) == (
            "2026-12-31", "2027-01-08", "逾期", "红", 3)
    # January 2027's report is owed only once January is over
    assert not any(i.startswith("报告-monthly-2027M01") for i in rows)


def test_january_2027_meeting_not_held_is_missed_once_january_is_over(run, tmp_path):
    reg = office(tmp_path)
    on_31 = _status(run, reg, "2027-01-31")["调度-dispatch-2027M01"]
    # 1/31 is its due day and a working day (the make-up Sunday): 0 working days left, within warn_days (2): 临期
    assert (on_31["state"], on_31["warning"], on_31["workdays_left"]) == ("临期", "蓝", 0)
    rows = _status(run, reg, "2027-02-01")
    # 2/1: the period (1/1–1/31) is over and no 调度会 was held in it
    jan = rows["调度-dispatch-2027M01"]
    assert (jan["state"], jan["completed"], jan["days_overdue"]) == ("未落实", None, 0)
    # January's report: 5 working days after 1/31: 2/1 (1) … 2/5 (5): due Friday 2/5, not yet due on 2/1
    # (working days after 2/1 up to 2/5: 2/2–2/5, 4)
    rep = rows["报告-monthly-2027M01-财政金融部"]
    assert (rep["assigned"], rep["due"], rep["state"], rep["workdays_left"]) == ("2027-01-31", "2027-02-05", "未到期", 4)
    # February's meeting is owed from 2/1, due 2/28; March's period has not begun
    feb = rows["调度-dispatch-2027M02"]
    assert (feb["due"], feb["state"]) == ("2027-02-28", "未到期")
    assert "调度-dispatch-2027M03" not in rows

    rows = _status(run, reg, "2027-02-08")
    # 2/8 − 2/5 = 3 days overdue; the meeting stays 未落实
    assert rows["调度-dispatch-2027M01"]["state"] == "未落实"
    rep = rows["报告-monthly-2027M01-良庄镇"]
    assert (rep["state"], rep["warning"], rep["days_overdue"]) == ("逾期", "红", 3)


def test_january_2027_meeting_held_when_the_clerk_registers_it(run, tmp_path):
    reg = office(tmp_path)
    assert _status(run, reg, "2027-02-08")["调度-dispatch-2027M01"]["state"] == "未落实"
    (reg / "meetings" / "2027.yaml").write_text(
        "meetings:\n  - {id: 2027-DD01, kind: 调度会, title: 1月调度会, date: 2027-01-20}\n", encoding="utf-8")
    jan = _status(run, reg, "2027-02-08")["调度-dispatch-2027M01"]
    assert (jan["state"], jan["completed"], jan["on_time"]) == ("已销号", "2027-01-20", True)


def test_warn_lists_the_2027_obligations_on_their_days(run, tmp_path):
    reg = office(tmp_path)
    rc, out, err = run("-r", str(reg), "warn", "--on", "2027-01-31")
    assert rc == 0, out + err
    # on 1/31 (a working day) the January meeting is due that day: blue, for 经济发展部, the unit that convenes it
    assert "经济发展部（蓝色预警1）\n  蓝　定期调度（无交办单）　2027年1月召开调度会　应于1月31日前召开，截至1月31日尚未召开，今日到期\n" in out
    rc, out, err = run("-r", str(reg), "warn", "--on", "2027-02-08")
    assert rc == 0, out + err
    # January's report, due 2/5, missing on 2/8: red, 3 days; December's (due 1/8): 31 days
    assert out.splitlines()[0] == "2027年2月8日预警清单：红色预警4项，黄色预警0项，蓝色预警0项，回执未签收0份"
    assert out.count("报送2027年1月工作进……　应于2月5日前报送，截至2月8日尚未报送，自2月6日起已逾期3天") == 2


def test_the_platform_rolling_into_2027_derives_the_january_meeting_without_a_file_change(tmp_path):
    from docgen.platform.server import Live

    reg = office(tmp_path)
    day = [dt.date(2026, 12, 31)]
    live = Live(reg, lambda: day[0])
    before = {s.item.id: s for s in live.day().statuses}
    assert "调度-dispatch-2026M12" in before and "调度-dispatch-2027M01" not in before
    day[0] = dt.date(2027, 1, 4)  # Monday, the first working day of 2027; no register file touched
    after = {s.item.id: s for s in live.day().statuses}
    jan = after["调度-dispatch-2027M01"]
    # due 1/31; working days after 1/4 up to 1/31: 1/5–1/8 (4), 1/11–1/15 (9), 1/18–1/22 (14), 1/25–1/29 (19),
    # 1/31 (20)
    assert (jan.due, jan.state, jan.workdays_left) == (dt.date(2027, 1, 31), "未到期", 20)
    # December's meeting (held 12/8) is still there and held
    assert after["调度-dispatch-2026M12"].completed == dt.date(2026, 12, 8)


FEEDBACK_ITEM = """\
    meetings:
      - id: 2026-DD11B
        kind: 调度会
        title: 11月调度会（续）
        date: 2026-11-10
        items:
          - {id: 2026-DD11B-1, text: 推进园区道路提升工程, lead: 良庄镇, feedback: monthly}
    progress:
      - {item: 2026-DD11B-1, type: 反馈, date: 2026-11-25, note: 已完成设计招标}
    """


def test_an_open_items_monthly_feedback_runs_into_december_and_on_into_2027(run, tmp_path):
    # 2026-DD11B-1 is still open (no 办结) and has no `due` of its own: it gives a feedback each full month after
    # its assignment on 11/10, i.e. from December on; November (from 11/1) was not open in full
    reg = office(tmp_path, **{"meetings/2026-续.yaml": FEEDBACK_ITEM})
    rows = _status(run, reg, "2026-12-15")
    dec = rows["反馈-2026-DD11B-1-2026M12"]  # 12/1–12/31, due 12/31
    assert (dec["assigned"], dec["due"], dec["state"]) == ("2026-12-01", "2026-12-31", "未到期")
    assert "反馈-2026-DD11B-1-2026M11" not in rows
    rows = _status(run, reg, "2027-01-11")
    # December's period is over without a 反馈 in it: 未落实; January 2027's is open, due 1/31
    assert rows["反馈-2026-DD11B-1-2026M12"]["state"] == "未落实"
    jan = rows["反馈-2026-DD11B-1-2027M01"]
    assert (jan["assigned"], jan["due"], jan["state"], jan["workdays_left"]) == ("2027-01-01", "2027-01-31", "未到期", 15)


_today = fake_today


def test_check_on_2027_01_11_passes_and_counts_the_work_begun_by_then(run, tmp_path, monkeypatch):
    reg = office(tmp_path)
    _today(monkeypatch, dt.date(2027, 1, 11))
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, out + err
    # the registers' one item (2026-DD12-1); the meetings of November, December 2026 and January 2027 (begun on
    # 1/1); the reports of November and December 2026 for 财政金融部 and 良庄镇 (4); January 2027's report is owed
    # from 1/31 and February's meeting from 1/31 (its period starts 2/1): not yet. 1 + 3 + 4 = 8 items.
    # Progress: 办结 and 核查 of 2026-DD12-1 (2); each 专报 (2) and each meeting held (11/10, 12/8) meets its
    # obligation by a 办结 and, as the office verifies (rules verify: true by default), a 核查: 2 × 4 = 8; 10 in all.
    assert "台账检查通过：3个单位，8个事项，10条进展记录" in out


def test_a_resend_in_2027_of_a_message_of_2026_12_31_keeps_that_days_outbox(run, tmp_path, monkeypatch):
    """A guard of the derivation through the as-of year, not a finding of the old code (which never derived 2027):
    `remind --resend` looks from its message's day. With a monthly meeting due 1 working day into its period, the
    January 2027 meeting (counted from 12/31) is due 1/4, one working day after 12/31 (1/1–1/3 off): a run looking
    from 2027 but drawing 12/31's outbox would add a blue reminder for 经济发展部 that 12/31 never had."""
    from conftest import MINI_SETTINGS
    from examples import gateway

    meetings = MEETINGS_2026.rstrip(" ") + "          - {id: 2026-DD12-2, text: 报送年度资金使用情况, lead: 财政金融部, due: 2026-12-31}\n"
    reg = office(tmp_path, **{"settings.yaml": MINI_SETTINGS + "sms:\n  timeout: 1\n", "meetings/2026.yaml": meetings,
                              "rules.yaml": RULES.replace("every: month, lead", "every: month, within: 1, lead")})
    out = tmp_path / "o"
    slow, _ = gateway(tmp_path, "slow", sleep=3)  # outlasts the 1-second timeout: the message's fate is unknown
    run("-r", str(reg), "-o", str(out), "remind", "--on", "2026-12-31", "--send-cmd", str(slow))
    rows = [json.loads(x) for x in (out / "outbox" / "2026-12-31.jsonl").read_text(encoding="utf-8").splitlines()]
    # 12/31: only 2026-DD12-2 is due (today) and warned: one message, to 财政金融部 (周敏, 13905381003)
    assert [(r["unit"], r["items"], r["status"]) for r in rows] == [("财政金融部", "2026-DD12-2", "状态不明")]
    gw, log = gateway(tmp_path)
    _today(monkeypatch, dt.date(2027, 1, 4))
    rc, stdout, err = run("-r", str(reg), "-o", str(out), "remind", "--resend", rows[0]["id"], "--send-cmd", str(gw))
    assert rc == 0, stdout + err
    rows = [json.loads(x) for x in (out / "outbox" / "2026-12-31.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["unit"], r["items"], r["status"]) for r in rows] == [("财政金融部", "2026-DD12-2", "已发送")]


def test_an_office_of_projects_only_keeps_its_2026_meetings_in_2027(run, tmp_path):
    # no item and no target: the first period is the one of January of the registers' year (2026), not of the
    # as-of year; the project begins 11/1, so its meetings are November's and December's 2026, then January 2027's
    rules = """\
        vocabulary:
          meetings: {项目调度会: meeting.special}
        schedules:
          - {id: project-monthly, kind: 项目调度会, every: month, projects: all}
        """
    projects = """\
        projects:
          - {id: XM01, name: 园区道路提升工程, kind: 城建重点工程, leader: 陈立新, lead: 良庄镇, since: 2026-11-01}
        """
    reg = write_registers(tmp_path / "r", {"rules.yaml": rules, "projects.yaml": projects,
                                           "calendar/2027.yaml": CALENDAR_2027})
    rows = _status(run, reg, "2027-01-11")
    assert sorted(i for i in rows if i.startswith("调度-")) == [
        "调度-project-monthly-2026M11-XM01", "调度-project-monthly-2026M12-XM01", "调度-project-monthly-2027M01-XM01"]
    # none held: November's and December's periods are over (未落实), January's is due 1/31
    assert [rows[f"调度-project-monthly-{p}-XM01"]["state"] for p in ("2026M11", "2026M12", "2027M01")] == [
        "未落实", "未落实", "未到期"]
