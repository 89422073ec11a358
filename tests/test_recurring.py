"""The work that recurs (issue 19): annual targets broken down into milestones, 包保 projects and their 调度, every
unit's periodic 专报 and the feedback periods of long items become items of their own sources, derived from the
registers for the as-of date and run through the same engine as every other item.

Every figure below is worked out by hand from the 2026 schedule (/work/shared/spec/calendar.md): 国庆节 10/1–10/7
off, 10/10 (Sat) a make-up working day; 中秋节 9/25–9/27 off, 9/20 (Sun) a make-up working day."""
import json

import pytest

from conftest import write_registers

UNITS = """\
    units:
      - {name: 综合管理部, contact: 李娜, mobile: "13905381001"}
      - {name: 经济发展部, contact: 孙伟, mobile: "13905381002"}
      - {name: 招商服务中心, contact: 林涛, mobile: "13905381010"}
      - {name: 高新建设集团, contact: 曹阳, mobile: "13905381012"}
    """

RULES = """\
    vocabulary:
      meetings: {主任办公会: meeting.major, 争先进位升级工作调度会: meeting.major, 项目调度会: meeting.special}
    reports:
      - {id: quarterly, text: 重点工作、重大项目及其他重要事项进展情况专报, every: quarter, within: 10, to: [综合管理部],
         since: 2026-07-01}
    schedules:
      - {id: dispatch, kind: 争先进位升级工作调度会, every: quarter, within: 15, lead: 综合管理部, since: 2026-07-01}
      - {id: project-monthly, kind: 项目调度会, every: month, projects: all, since: 2026-07-01}
    """

TARGETS = """\
    targets:
      - id: 2026-MB01
        year: 2026
        text: 全年引进亿元以上项目20个
        lead: 招商服务中心
        co: [经济发展部]
        owner: 林涛
        leader: 赵海峰
        milestones:
          - {by: 2026-03-31, text: 引进亿元以上项目5个}
          - {by: 2026-09-30, text: 引进亿元以上项目15个}
    """

PROJECTS = """\
    projects:
      - {id: XM01, name: 中天门大街改造工程, kind: 城建重点工程, leader: 陈立新, lead: 高新建设集团, since: 2026-01-01}
    """

MEETINGS = """\
    meetings:
      - {id: 2026-DD03, kind: 争先进位升级工作调度会, title: 第三季度争先进位升级工作调度会, date: 2026-07-10}
      - {id: 2026-DD04, kind: 争先进位升级工作调度会, title: 第四季度争先进位升级工作调度会, date: 2026-10-16}
      - {id: 2026-XD07, kind: 项目调度会, title: 7月项目调度会, date: 2026-07-20, projects: [XM01]}
      - {id: 2026-XD09, kind: 项目调度会, title: 9月项目调度会, date: 2026-09-15, projects: [XM01]}
      - id: 2026-ZR15
        kind: 主任办公会
        title: 2026年第15次主任办公会
        date: 2026-07-15
        items:
          - {id: 2026-ZR15-1, text: 编制园区产业发展规划, lead: 经济发展部, due: 2026-12-31, feedback: monthly}
    """

PROGRESS = """\
    progress:
      - {item: 2026-MB01-1, type: 办结, date: 2026-03-30}
      - {item: 2026-MB01-1, type: 核查, date: 2026-03-31, passed: 通过}
      - {item: 2026-MB01-2, type: 办结, date: 2026-09-28}
      - {item: 2026-MB01-2, type: 核查, date: 2026-09-29, passed: 通过}
      - {type: 专报, unit: 经济发展部, period: 2026-Q3, date: 2026-10-09}
      - {type: 专报, unit: 招商服务中心, period: 2026-Q3, date: 2026-10-22}
      - {item: 2026-ZR15-1, type: 反馈, date: 2026-08-20, note: 规划初稿完成}
    """


@pytest.fixture
def office(tmp_path):
    return write_registers(tmp_path / "r", {"units.yaml": UNITS, "rules.yaml": RULES, "targets/2026.yaml": TARGETS,
                                            "projects.yaml": PROJECTS, "meetings/2026.yaml": MEETINGS,
                                            "progress/2026.yaml": PROGRESS})


def _status(run, reg, on):
    rc, out, err = run("-r", str(reg), "status", "--on", on, "--json")
    assert rc == 0, err
    return {r["id"]: r for r in json.loads(out)["items"]}


def _scores(run, reg, period, on):
    rc, out, err = run("-r", str(reg), "scores", "--period", period, "--on", on, "--json")
    assert rc == 0, err
    return {u["unit"]: u for u in json.loads(out)["units"]}


def test_reports_are_due_within_working_days_after_the_quarter(run, office):
    rows = _status(run, office, "2026-10-26")
    # Q3 ends 9/30 (Wed). 10 working days after it: 10/1–10/7 off; 10/8 (1), 10/9 (2), 10/10 Sat make-up (3),
    # 10/12–10/16 (4–8), 10/19 (9), 10/20 (10): due 10/20 (Tue). Every unit but 综合管理部 (the body reported to).
    ids = sorted(i for i in rows if i.startswith("报告-"))
    assert ids == ["报告-quarterly-2026Q3-招商服务中心", "报告-quarterly-2026Q3-经济发展部", "报告-quarterly-2026Q3-高新建设集团"]
    for i in ids:
        assert (rows[i]["assigned"], rows[i]["due"], rows[i]["source"]) == ("2026-09-30", "2026-10-20", "定期报告")
    econ = rows["报告-quarterly-2026Q3-经济发展部"]
    assert (econ["state"], econ["completed"], econ["on_time"]) == ("已销号", "2026-10-09", True)
    late = rows["报告-quarterly-2026Q3-招商服务中心"]  # 10/22 is two calendar days after 10/20
    assert (late["state"], late["completed"], late["on_time"], late["days_overdue"]) == ("已销号", "2026-10-22", False, 2)
    missing = rows["报告-quarterly-2026Q3-高新建设集团"]  # 10/26 − 10/20 = 6 days, still not received
    assert (missing["state"], missing["warning"], missing["days_overdue"]) == ("逾期", "红", 6)


def test_meetings_due_at_the_start_of_the_quarter_and_each_month(run, office):
    rows = _status(run, office, "2026-10-26")
    # Q3 dispatch: within 15 working days of 7/1 (Wed): 7/1–7/3 (3), 7/6–7/10 (8), 7/13–7/17 (13), 7/20 (14),
    # 7/21 (15): due 7/21, held 7/10. Q4: 10/1–10/7 off, 10/8, 10/9 (2), 10/10 Sat (3), 10/12–16 (8),
    # 10/19–23 (13), 10/26 (14), 10/27 (15): due 10/27, held 10/16.
    q3, q4 = rows["调度-dispatch-2026Q3"], rows["调度-dispatch-2026Q4"]
    assert (q3["due"], q3["completed"], q3["state"], q3["lead"]) == ("2026-07-21", "2026-07-10", "已销号", "综合管理部")
    assert (q4["due"], q4["completed"], q4["state"]) == ("2026-10-27", "2026-10-16", "已销号")
    # XM01 each month: July held 7/20, August never, September 9/15, October not yet (due 10/31).
    m = {k.split("-")[-2]: rows[k] for k in rows if k.startswith("调度-project-monthly-")}
    assert sorted(m) == ["2026M07", "2026M08", "2026M09", "2026M10"]
    assert (m["2026M08"]["state"], m["2026M08"]["warning"], m["2026M08"]["lead"]) == ("未落实", None, "高新建设集团")
    assert (m["2026M07"]["completed"], m["2026M09"]["completed"]) == ("2026-07-20", "2026-09-15")
    # 10/26 (Mon) to 10/31 (Sat): 10/27–10/30 are 4 working days left
    assert (m["2026M10"]["state"], m["2026M10"]["workdays_left"]) == ("未到期", 4)


def test_milestones_and_feedback_periods_are_items(run, office):
    rows = _status(run, office, "2026-10-26")
    m1, m2 = rows["2026-MB01-1"], rows["2026-MB01-2"]
    assert (m1["due"], m1["rule"], m1["source"], m1["lead"], m1["co"]) == ("2026-03-31", "explicit", "年度目标",
                                                                            "招商服务中心", ["经济发展部"])
    assert m1["text"] == "引进亿元以上项目5个（全年引进亿元以上项目20个）"
    assert (m2["state"], m2["on_time"]) == ("已销号", True)
    # 2026-ZR15-1 assigned 7/15, due 12/31, feedback monthly: the full months after 7/15 and before 12/31 are
    # August to November; by 10/26, August (fed back 8/20), September (none: 未落实), October (open).
    fb = {k: rows[k] for k in rows if k.startswith("反馈-2026-ZR15-1-")}
    assert sorted(fb) == ["反馈-2026-ZR15-1-2026M08", "反馈-2026-ZR15-1-2026M09", "反馈-2026-ZR15-1-2026M10"]
    assert (fb["反馈-2026-ZR15-1-2026M08"]["completed"], fb["反馈-2026-ZR15-1-2026M08"]["due"]) == ("2026-08-20",
                                                                                                  "2026-08-31")
    assert fb["反馈-2026-ZR15-1-2026M09"]["state"] == "未落实"
    assert fb["反馈-2026-ZR15-1-2026M10"]["due"] == "2026-10-31"


def test_warn_names_what_is_missing_and_since_when(run, office):
    rc, out, err = run("-r", str(office), "warn", "--on", "2026-10-26")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "2026年10月26日预警清单：红色预警1项，黄色预警0项，蓝色预警0项，回执未签收0份"
    assert lines[1] == "高新建设集团（红色预警1）"
    assert lines[2] == ("  红　定期报告（无交办单）　报送2026年第三季度重……　"
                        "应于10月20日前报送，截至10月26日尚未报送，自10月21日起已逾期6天")


def test_scores_of_the_month_and_the_quarter(run, office):
    # 2026-10 as of 10/26:
    #   高新建设集团: Q3 report not received by 10/20: report_missing −2 on 10/21 (6 days: no full week) → 98
    #   招商服务中心: Q3 report received 10/22, 2 days late: overdue −1 on 10/21 → 99
    #   经济发展部: report on time (a duty: no bonus); September's feedback not given, its period closed 9/30:
    #       report_missing −2 on 10/1 → 98
    #   综合管理部: Q4 dispatch held 10/16, before 10/27 → 100
    u = _scores(run, office, "2026-10", "2026-10-26")
    assert {k: (v["score"], v["rank"]) for k, v in u.items()} == {
        "综合管理部": (100, 1), "招商服务中心": (99, 2), "经济发展部": (98, 3), "高新建设集团": (98, 3)}
    assert [(e["rule"], e["points"], e["date"]) for e in u["高新建设集团"]["events"]] == [
        ("report_missing", -2.0, "2026-10-21")]
    assert u["高新建设集团"]["events"][0]["label"] == "逾期未报送"
    assert [(e["rule"], e["points"], e["date"]) for e in u["招商服务中心"]["events"]] == [("overdue", -1.0, "2026-10-21")]
    assert [(e["rule"], e["date"]) for e in u["经济发展部"]["events"]] == [("report_missing", "2026-10-01")]
    # 2026-Q3 as of 10/12:
    #   高新建设集团: August's 项目调度会 not held, the month closed 8/31: schedule_missing −2 on 9/1 → 98
    #   招商服务中心: milestone 2 (due 9/30) done 9/28, verified 9/29: on_time +0.5 → 100.5
    #   综合管理部 (Q3 dispatch on time) and 经济发展部 (August's feedback on time) → 100
    u = _scores(run, office, "2026-Q3", "2026-10-12")
    assert {k: (v["score"], v["rank"]) for k, v in u.items()} == {
        "招商服务中心": (100.5, 1), "综合管理部": (100, 2), "经济发展部": (100, 2), "高新建设集团": (98, 4)}
    assert [(e["rule"], e["points"], e["date"]) for e in u["高新建设集团"]["events"]] == [
        ("schedule_missing", -2.0, "2026-09-01")]


def test_a_late_report_after_a_closed_period_is_not_missing_any_more(run, office, tmp_path):
    """What recurs is derived, never stored: the report received later changes the derived item itself."""
    rows = _status(run, office, "2026-10-26")
    assert rows["报告-quarterly-2026Q3-高新建设集团"]["state"] == "逾期"
    p = office / "progress/2026.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "  - {type: 专报, unit: 高新建设集团, period: 2026-Q3, date: 2026-10-28}\n",
                 encoding="utf-8")
    rows = _status(run, office, "2026-10-30")
    r = rows["报告-quarterly-2026Q3-高新建设集团"]  # 10/28 − 10/20 = 8 days late; one full week
    assert (r["state"], r["completed"], r["days_overdue"]) == ("已销号", "2026-10-28", 8)
    u = _scores(run, office, "2026-10", "2026-10-30")  # overdue −1 on 10/21, a full week −0.5 on 10/27
    assert [(e["rule"], e["points"], e["date"]) for e in u["高新建设集团"]["events"]] == [
        ("overdue", -1.0, "2026-10-21"), ("overdue_week", -0.5, "2026-10-27")]


def test_check_names_every_problem_with_its_file_and_line(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"units.yaml": UNITS, "rules.yaml": """\
        vocabulary:
          meetings: {主任办公会: meeting.major, 项目调度会: meeting.special}
        reports:
          - {id: quarterly, text: 专报, every: quarter, within: 10, to: [综合管理部]}
          - {id: monthly, text: 月报, every: fortnightly, within: 5}
        schedules:
          - {id: dispatch, kind: 经济形势分析会, every: quarter, within: 15, lead: 综合管理部}
          - {id: half, kind: 项目调度会, every: half, by: [2026-06-20, 2026-05-20], lead: 综合管理部}
        """, "targets/2026.yaml": """\
        targets:
          - id: 2026-MB01
            year: 2026
            text: 全年引进亿元以上项目20个
            lead: 招商服务中心
            owner: 林涛
            leader: 赵海峰
            milestones:
              - {by: 2026-09-30, text: 引进15个}
              - {by: 2026-03-31, text: 引进5个}
              - {by: 2027-01-15, text: 引进20个}
        """, "projects.yaml": """\
        projects:
          - {id: XM01, name: 中天门大街改造工程, kind: 城建重点工程, leader: 陈立新, lead: 高新建设集团, since: 2026-01-01}
          - {id: XM02, name: 某项目, kind: 重大在建项目, leader: 王某, lead: 建设局, since: 2026-01-01}
        """, "meetings.yaml": """\
        meetings:
          - {id: 2026-XD07, kind: 项目调度会, title: 7月项目调度会, date: 2026-07-20, projects: [XM01, XM03]}
        """, "progress.yaml": """\
        progress:
          - {type: 专报, unit: 经济发展部, period: 2026-13, date: 2026-10-09}
          - {type: 专报, unit: 经济发展部, period: 2026-Q3}
        """})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2
    r = str(reg)
    expected = [
        f"{r}/rules.yaml:5: every: 「fortnightly」不是可用的取值（可用：week、biweek、month、quarter、half、year）",
        f"{r}/rules.yaml:7: kind: 会议类别「经济形势分析会」不在 vocabulary.meetings 中",
        f"{r}/rules.yaml:8: by: by 的日期应按先后顺序书写：2026-05-20 不晚于 2026-06-20",
        f"{r}/targets/2026.yaml:10: by: 节点应按时间先后排列：第2个节点的日期 2026-03-31 不晚于前一个节点的 2026-09-30",
        f"{r}/targets/2026.yaml:11: by: 节点日期 2027-01-15 不在目标的年度（2026年）内",
        f"{r}/projects.yaml:3: lead: 单位「建设局」不在单位名录（units）中",
        f"{r}/meetings.yaml:2: projects: 项目「XM03」不在项目名录（projects）中",
        f"{r}/progress.yaml:2: period: 「2026-13」不是报告期间",
        f"{r}/progress.yaml:3: date: 进展记录缺少必填字段「date」",
    ]
    for line in expected:
        assert line in err, line
    assert "Traceback" not in err and out == ""


def test_a_report_for_a_period_nobody_owes_is_refused(run, office):
    p = office / "progress/2026.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "  - {type: 专报, unit: 综合管理部, period: 2026-Q3, date: 2026-10-09}\n"
                 "  - {type: 专报, unit: 经济发展部, period: 2026-10, date: 2026-11-02}\n", encoding="utf-8")
    rc, _, err = run("-r", str(office), "check")
    assert rc == 2
    assert f"{office}/progress/2026.yaml:9: period: 综合管理部2026年第三季度不须报送" in err
    assert f"{office}/progress/2026.yaml:10: period: rules.yaml 的 reports 中没有每月报送的定期报告" in err


# A second office (a 县委督查室, 《督查通报》) with its own rule: monthly reports within 5 working days.
OTHER_SETTINGS = """\
    office:
      committee: 某县委办公室
      name: 某县委督查室
      contact: 王五
      phone: 0538-1234567
      print_organ: 某县委办公室
    issuers:
      - id: ducha
        name: 某县委督查室
        prefixes: {assign: 县督交, urge: 县督催, rectify: 县督改}
    bulletin:
      title: 督查通报
    """


def test_another_office_reports_monthly_within_five_working_days(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"settings.yaml": OTHER_SETTINGS, "units.yaml": """\
        units:
          - {name: 甲镇, contact: 甲}
          - {name: 乙局, contact: 乙}
        """, "rules.yaml": """\
        reports:
          - {id: monthly, text: 重点工作月报, every: month, within: 5, to: [县委督查室], since: 2026-09-01}
        """, "progress.yaml": """\
        progress:
          - {type: 专报, unit: 甲镇, period: 2026-09, date: 2026-10-13}
          - {type: 专报, unit: 乙局, period: 2026-09, date: 2026-10-14}
        """})
    rows = _status(run, reg, "2026-11-09")
    # September ends 9/30: 10/1–10/7 off; 10/8 (1), 10/9 (2), 10/10 Sat make-up (3), 10/12 (4), 10/13 (5): due 10/13.
    # October ends 10/31 (Sat): 11/2–11/6 (1–5): due 11/6 (Fri). 11/9 − 11/6 = 3 days overdue for both.
    a9, b9 = rows["报告-monthly-2026M09-甲镇"], rows["报告-monthly-2026M09-乙局"]
    assert (a9["due"], a9["on_time"]) == ("2026-10-13", True)
    assert (b9["due"], b9["on_time"], b9["days_overdue"]) == ("2026-10-13", False, 1)
    for u in ("甲镇", "乙局"):
        r = rows[f"报告-monthly-2026M10-{u}"]
        assert (r["due"], r["state"], r["days_overdue"]) == ("2026-11-06", "逾期", 3)
    assert "报告-monthly-2026M11-甲镇" not in rows  # November's report is not owed before November ends
    u = _scores(run, reg, "2026-11", "2026-11-09")  # each: report_missing −2 on 11/7
    assert {k: v["score"] for k, v in u.items()} == {"甲镇": 98, "乙局": 98}
    u = _scores(run, reg, "2026-10", "2026-11-09")  # 乙局's September report, a day late: overdue −1 on 10/14
    assert {k: v["score"] for k, v in u.items()} == {"甲镇": 100, "乙局": 99}


def test_a_projects_meetings_read_by_kind_in_the_bulletin():
    # three monthly 调度 (July on time 7/17, August none, September late: due 9/30 under a `within`, held 10/09,
    # 逾期7天) and a quarter's 点评会 not yet due: one clause per kind, dates without the year
    from docgen.documents.bulletin import _by_kind

    ms = [{"kind": "项目调度会", "period": "2026年7月", "held": "2026-07-17", "state": "按期召开"},
          {"kind": "项目调度会", "period": "2026年8月", "held": None, "state": "未召开"},
          {"kind": "项目调度会", "period": "2026年9月", "held": "2026-10-09", "state": "逾期7天召开"},
          {"kind": "项目点评会", "period": "2026年第三季度", "held": None, "state": "尚未到期"}]
    k = _by_kind(ms)
    assert [(x["kind"], x["held_dates"], x["late_text"], x["missed_periods"]) for x in k] == [
        ("项目调度会", "7月17日、10月9日", "2026年9月项目调度会逾期7天召开", "2026年8月"),
        ("项目点评会", "", "", "")]
