"""The example office's work that recurs (issue 19, acceptance): registers/targets/2026.yaml (3 targets), projects.yaml
(4 包保 projects), rules.yaml `reports` (quarterly 专报 from Q3) and `schedules` (from July), the 调度 meetings in
meetings/2026-调度.yaml (August without XM02's) and the 专报 in progress/2026-专报.yaml (two late, two missing).

Worked by hand on the 2026 schedule (calendar.md: 国庆节 10/1–10/7 off, 10/10 Sat a make-up working day):
- Q3 专报 due 10/20: 9/30 + 10 working days = 10/8, 10/9, 10/10, 10/12–16, 10/19, 10/20.
- Q3 dispatch: 7/1 + 15 working days − 1 = 7/21; Q4: 10/1–10/7 off, then 10/8 … 10/27 (15th).
- 2026-MB03-2 (主体封顶600套) due 8/31, never done: overdue from 9/1; 2026-MB01-3 due 9/30, done 10/9: 9 days late.
"""
import json
import re

import docx
import pdfplumber
from openpyxl import load_workbook

STANDING = ("2026-MB", "报告-", "调度-")


def _events(run, reg, period, on):
    rc, out, err = run("-r", str(reg), "scores", "--period", period, "--on", on, "--json")
    assert rc == 0, err
    return {u["unit"]: [(e["item"], e["rule"], e["points"], e["date"]) for e in u["events"]
                        if e["item"].startswith(STANDING)] for u in json.loads(out)["units"]}


def _flat(pdf) -> str:
    with pdfplumber.open(pdf) as p:
        text = re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in p.pages))
    return re.sub(r"—\d+—", "", text)  # the page numbers (— 3 —) a sentence runs across


def test_status_of_the_recurring_work(run, example_registers):
    rc, out, err = run("-r", str(example_registers), "status", "--on", "2026-11-20", "--json")
    assert rc == 0, err
    rows = {r["id"]: r for r in json.loads(out)["items"]}
    reports = {k.rsplit("-", 1)[1]: rows[k] for k in rows if k.startswith("报告-quarterly-2026Q3-")}
    assert len(reports) == 13  # every unit but 综合管理部, to whom they report
    assert {r["due"] for r in reports.values()} == {"2026-10-20"}
    late = {u: r["days_overdue"] for u, r in reports.items() if r["completed"] and not r["on_time"]}
    assert late == {"自然资源部": 3, "北集坡街道": 7}  # 10/23 and 10/27
    missing = {u: (r["state"], r["days_overdue"]) for u, r in reports.items() if not r["completed"]}
    assert missing == {"社会事务服务中心": ("逾期", 31), "良庄镇": ("逾期", 31)}  # 11/20 − 10/20
    assert (rows["调度-dispatch-2026Q3"]["due"], rows["调度-dispatch-2026Q4"]["due"]) == ("2026-07-21", "2026-10-27")
    aug = {k[-4:]: rows[k]["state"] for k in rows if k.startswith("调度-project-monthly-2026M08-")}
    assert aug == {"XM01": "已销号", "XM02": "未落实", "XM03": "已销号", "XM04": "已销号"}
    assert rows["2026-MB03-2"]["state"] == "逾期" and rows["2026-MB03-2"]["days_overdue"] == 81  # 11/20 − 8/31
    assert (rows["2026-MB01-3"]["completed"], rows["2026-MB01-3"]["days_overdue"]) == ("2026-10-09", 9)


def test_warn_names_the_missing_reports_and_milestones(run, example_registers):
    rc, out, err = run("-r", str(example_registers), "warn", "--on", "2026-11-20")
    assert rc == 0, err
    assert ("  红　定期报告（无交办单）　报送2026年第三季度重……　应于10月20日前报送，截至11月20日尚未报送，"
            "自10月21日起已逾期31天") in out.splitlines()
    assert ("  红　年度目标（无交办单）　主体封顶600套（完成棚……　应于8月31日前完成，截至11月20日尚未完成，"
            "自9月1日起已逾期81天") in out.splitlines()


def test_scores_of_the_recurring_work(run, example_registers):
    # Q3 as of 10/12: XM02's August 调度会 not held: schedule_missing −2 for 招商服务中心 on 9/1; 2026-MB03-2 overdue
    # −1 on 9/1, and each full week from 8/31: 9/7, 9/14, 9/21, 9/28 (10/5 and 10/12 are in Q4).
    q3 = _events(run, example_registers, "2026-Q3", "2026-10-12")
    assert q3["招商服务中心"] == [("调度-project-monthly-2026M08-XM02", "schedule_missing", -2.0, "2026-09-01")]
    assert q3["高新建设集团"] == [("2026-MB03-2", "overdue", -1.0, "2026-09-01")] + [
        ("2026-MB03-2", "overdue_week", -0.5, d) for d in ("2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28")]
    assert q3["综合管理部"] == [] and q3["北集坡街道"] == []
    # October as of 11/20: the Q3 专报 (due 10/20): missing ones report_missing −2 on 10/21 and a week on 10/27;
    # 自然资源部 3 days late: overdue −1 on 10/21; 北集坡街道 7 days late: overdue −1 and a week (10/27).
    # 2026-MB01-3 (due 9/30, done 10/9): overdue −1 on 10/1, a full week on 10/7; 2026-MB03-2's weeks 10/5 … 10/26.
    m10 = _events(run, example_registers, "2026-10", "2026-11-20")
    for u in ("社会事务服务中心", "良庄镇"):
        assert m10[u] == [(f"报告-quarterly-2026Q3-{u}", "report_missing", -2.0, "2026-10-21"),
                          (f"报告-quarterly-2026Q3-{u}", "overdue_week", -0.5, "2026-10-27")]
    assert m10["自然资源部"] == [("报告-quarterly-2026Q3-自然资源部", "overdue", -1.0, "2026-10-21")]
    assert m10["北集坡街道"] == [("报告-quarterly-2026Q3-北集坡街道", "overdue", -1.0, "2026-10-21"),
                            ("报告-quarterly-2026Q3-北集坡街道", "overdue_week", -0.5, "2026-10-27")]
    assert m10["招商服务中心"] == [("2026-MB01-3", "overdue", -1.0, "2026-10-01"),
                             ("2026-MB01-3", "overdue_week", -0.5, "2026-10-07")]
    assert m10["高新建设集团"] == [("2026-MB03-2", "overdue_week", -0.5, d)
                             for d in ("2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26")]
    assert m10["经济发展部"] == []  # its 专报 on time: a duty, no bonus


def test_the_bulletins_report_targets_reports_and_dispatch(run, example_registers, tmp_path):
    out = tmp_path / "o"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    assert rc == 0, err
    q3 = _flat(next((out / "bulletins").glob("*第1期.pdf")))
    assert "三、年度目标推进情况" in q3 and "四、项目调度情况" in q3 and "五、考核计分排名" in q3
    assert "定期报告报送情况" not in q3  # the Q3 专报 fall due in October
    assert ("（一）全年引进亿元以上项目20个：牵头单位招商服务中心，配合单位经济发展部，责任人林涛，分管领导赵海峰。"
            "引进亿元以上项目15个（2026年9月30日前）逾期9天完成。进度滞后") in q3
    assert "主体封顶600套（2026年8月31日前）已逾期42天未完成" in q3  # 10/12 − 8/31
    # the period names the year: the dates in the sentence need not
    assert ("2026年第三季度争先进位升级工作调度会应于7月21日前召开（综合管理部组织），7月10日召开。") in q3
    # XM02's monthly 调度: July's on 7/17, none in August, September's on 9/15; its Q3 点评会 on 9/18 — by kind,
    # the dates without the year the period names
    assert ("（二）智能装备产业园项目：包保领导赵海峰，牵头单位招商服务中心。项目调度会召开2次（7月17日、9月15日），"
            "2026年8月项目调度会未召开；项目点评会召开1次（9月18日）。") in q3
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "bulletin", "--period", "2026-10", "--on", "2026-11-20")
    assert rc == 0, err
    m10 = _flat(next((out / "bulletins").glob("*第2期.pdf")))
    assert "年度目标推进情况" not in m10  # no milestone falls due in October
    assert "三、定期报告报送情况" in m10 and "四、项目调度情况" in m10
    assert ("2026年第三季度重点工作、重大项目进展情况专报（报综合管理部）应于2026年10月20日前报送，"
            "应报13个单位：按期报送9个，逾期报送2个（北集坡街道2026年10月27日报送，逾期7天；自然资源部2026年10月23日报送，"
            "逾期3天），截至2026年11月20日尚未报送2个（社会事务服务中心、良庄镇）。") in m10
    assert "2026年第四季度争先进位升级工作调度会应于10月27日前召开（综合管理部组织），10月16日召开。" in m10


def test_the_urge_slip_says_what_is_missing_and_since_when(run, example_registers, tmp_path):
    out = tmp_path / "o"
    rc, text, err = run("-r", str(example_registers), "-o", str(out), "urge", "--on", "2026-11-16", "--no-pdf")
    assert rc == 0, err
    drafts = [docx.Document(p) for p in sorted((out / "drafts").rglob("*.docx"))]
    bodies = ["".join(p.text for p in d.paragraphs) + "".join(c.text for t in d.tables for r in t.rows for c in r.cells)
              for d in drafts]
    mine = [b for b in bodies if "报送2026年第三季度重点工作" in b and "良庄镇" in b]
    assert len(mine) == 1
    # 11/16 − 10/20 = 27 days, below the row 办结时限 2026年10月20日
    assert "办结时限2026年10月20日办理进度尚未报送，自10月21日起已逾期27天" in mine[0]
    # no 交办单 assigned it: the slip cites the rule (rules.yaml reports, within 10 working days of the quarter's end)
    assert "交办依据定期报告（每季度结束后10个工作日内报送，无交办单）" in mine[0]


def test_the_ledger_and_the_board_show_it(run, example_registers, tmp_path):
    f = tmp_path / "t.xlsx"
    rc, _, err = run("-r", str(example_registers), "-o", str(tmp_path / "o"), "ledger", "--xlsx", str(f),
                     "--on", "2026-11-20")
    assert rc == 0, err
    wb = load_workbook(f)
    assert {"年度目标", "定期报告", "项目调度"} <= set(wb.sheetnames) and "进展反馈" not in wb.sheetnames
    assert wb["定期报告"].max_row - 3 == 13  # title, 截至 line, header; the 13 units' Q3 专报
    assert wb["年度目标"].max_row - 3 == 9  # 4 + 2 + 3 milestones
    rc, _, err = run("-r", str(example_registers), "-o", str(tmp_path / "o"), "site", "--on", "2026-11-20")
    assert rc == 0, err
    site = tmp_path / "o" / "site"
    assert len(list((site / "targets").glob("*.html"))) == 3
    assert len(list((site / "projects").glob("*.html"))) == 4
    leaders = [p.read_text(encoding="utf-8") for p in (site / "leaders").glob("*.html")]
    assert len(leaders) == 4
    zhao = next(t for t in leaders if "包保领导：赵海峰" in t)
    assert "智能装备产业园项目" in zhao and "2026年8月召开项目调度会（智能装备产业园项目）" in zhao
    assert "未落实" in zhao


def test_due_explains_a_report_by_its_rule(run, example_registers):
    # rules.yaml reports: {within: 10, clause: 第9条}: from 9/30 (not counted), 10/1–10/7 国庆节, 10/10 a make-up
    # Saturday counted, the weekends 10/11 and 10/17–18 skipped: the tenth working day is 10/20 (Tue)
    rc, out, err = run("-r", str(example_registers), "due", "报告-quarterly-2026Q3-良庄镇", "--on", "2026-11-20")
    assert rc == 0, err
    lines = out.splitlines()
    for line in ("依据：泰高管发〔2021〕11号第9条：每季度结束后10个工作日内报送",
                 "起算：2026年9月30日（星期三），当日不计入",
                 "跳过的非工作日：10月1日—10月7日 国庆节；10月11日 周末；10月17日—10月18日 周末",
                 "计入的调休上班日：10月10日（星期六）", "办结时限：2026年10月20日（星期二）",
                 "截至2026年11月20日：办结时限2026年10月20日，逾期·红，已逾期31天"):
        assert line in lines, line
