import datetime as dt
import json

from conftest import write_registers

from docgen.registers.calendar import WorkCalendar
from docgen.engine.status import status_all
from docgen.registers.load import read_registers

D = dt.date.fromisoformat

REG = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第9次主任办公会
    date: 2026-09-24          # meeting.major: 10/4 -> 10/8
    items:
      - {id: A, text: 按期办结并销号, lead: 经济发展部}
      - {id: B, text: 逾期未办, lead: 财政金融部}
      - {id: C, text: 获准延期, lead: 良庄镇}
      - {id: E, text: 到期后申请延期, lead: 良庄镇}
      - {id: F, text: 核查不通过, lead: 经济发展部}
documents:
  - {id: G, title: 通知, handed: 2026-10-12, category: 会办, lead: 财政金融部}   # 5 working days -> 10/19
inspections:
  - {id: H, date: 2026-10-09, form: 实地督导, finding: 台账不全, requirement: 补齐, lead: 良庄镇, due: 2026-10-30}
progress:
  - {item: A, date: 2026-10-08, type: 办结}
  - {item: A, date: 2026-10-09, type: 核查, passed: 通过}
  - {item: C, date: 2026-09-30, type: 延期申请, until: 2026-10-20, reason: 需等待上级批复}
  - {item: C, date: 2026-10-01, type: 延期批复, granted: 同意}
  - {item: E, date: 2026-10-09, type: 延期申请, until: 2026-10-31, reason: 工作量大}
  - {item: E, date: 2026-10-10, type: 延期批复, granted: 不同意}
  - {item: F, date: 2026-10-05, type: 办结}
  - {item: F, date: 2026-10-07, type: 核查, passed: 不通过}
"""


def statuses(tmp_path, on):
    reg, diags = read_registers(write_registers(tmp_path / "r", {"m.yaml": REG}))
    assert not diags, diags
    return {s.item.id: s for s in status_all(reg, WorkCalendar(reg.calendar_files), D(on))}


def test_states_on_2026_10_15(tmp_path):
    s = statuses(tmp_path, "2026-10-15")
    assert s["A"].state == "已销号" and s["A"].on_time and s["A"].days_overdue == 0
    assert s["B"].state == "逾期" and s["B"].warning == "红" and s["B"].days_overdue == 7
    assert s["C"].state == "已延期" and s["C"].due == D("2026-10-20") and s["C"].extended_to
    assert s["C"].workdays_left == 3 and s["C"].warning is None  # 10/16, 10/19, 10/20
    assert s["E"].state == "逾期" and len(s["E"].late_requests) == 1  # asked on 10/9, due 10/8
    # F: done 10/5, failed verification 10/7: rework due five working days later — 10/8, 10/9, 10/10 (a make-up
    # Saturday), 10/12, 10/13 — so on 10/15 it is two days overdue, counted from the rework deadline
    assert s["F"].state == "逾期" and s["F"].rework and s["F"].completed is None
    assert s["F"].due == D("2026-10-13") and s["F"].days_overdue == 2
    assert s["G"].state == "临期" and s["G"].due == D("2026-10-19") and s["G"].workdays_left == 2  # 10/16, 10/19
    assert s["H"].state == "整改中"


def test_warning_levels_change_with_the_date(tmp_path):
    s = statuses(tmp_path, "2026-10-16")
    assert s["C"].state == "已延期" and s["C"].warning == "蓝"  # 10/19, 10/20 left
    assert s["G"].state == "临期" and s["G"].warning == "蓝" and s["G"].workdays_left == 1
    s = statuses(tmp_path, "2026-10-19")
    assert s["G"].workdays_left == 0 and s["G"].state == "临期"
    s = statuses(tmp_path, "2026-10-20")
    assert s["G"].state == "逾期" and s["G"].days_overdue == 1


def test_rework_before_due_is_yellow(tmp_path):
    s = statuses(tmp_path, "2026-10-07")
    assert s["F"].state == "整改中" and s["F"].warning == "黄"


def test_events_after_as_of_are_ignored(tmp_path):
    s = statuses(tmp_path, "2026-10-07")
    # A is due 10/8, the first working day after the National Day holiday: one working day left, blue
    assert s["A"].state == "临期" and s["A"].workdays_left == 1 and s["A"].completed is None
    assert "G" not in s  # not registered yet


def test_status_json_and_unit_filter(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": REG})
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-10-15", "--json", "--unit", "良庄镇")
    assert rc == 0, err
    j = json.loads(out)
    assert j["as_of"] == "2026-10-15"
    assert {i["id"] for i in j["items"]} == {"C", "E", "H"}
    c = next(i for i in j["items"] if i["id"] == "C")
    assert c["due"] == "2026-10-20" and c["original_due"] == "2026-10-08" and c["extended"]


def test_status_unknown_unit(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": REG})
    rc, out, err = run("-r", str(reg), "status", "--unit", "良庄县")
    assert rc == 2 and "是否想写「良庄镇」" in err
    rc, out, err = run("-r", str(reg), "status", "--unit", "良庄", "--on", "2026-10-15")  # a short name: 良庄镇
    assert rc == 0 and "良庄镇" in out and "经济发展部" not in out


def test_example_registers(run, example_registers):
    rc, out, err = run("-r", str(example_registers), "check")
    assert rc == 0, err
    rc, out, err = run("-r", str(example_registers), "status", "--on", "2026-11-20", "--json")
    every = json.loads(out)["items"]
    # The work that recurs (tests/test_recurring_example.py), registered by 11/20: 9 milestones (4 + 2 + 3, set on
    # 1/1), 13 units' Q3 专报 (owed from 9/30), the Q3 and Q4 dispatch meetings, July to November's 项目调度会 for
    # 4 projects (20), Q3 and Q4's 点评会 for 4 projects (8) and the second half's 观摩会: 53.
    assert len(every) == 47 + 53
    items = {i["id"]: i for i in every if i["source"] in ("会议议定", "领导批示", "公文办理", "督导整改")}
    # Counted in the registers: meetings 3 + 3 + 3 + 2 + 3 (2026-h1) and 4 + 3 + 2 (2026-h2) = 23 items,
    # instructions 9, documents 11, inspections 4: 47, all registered by 11/19.
    assert len(items) == 47
    # 33 have a 核查 通过 by 11/20 (2026-JJ01-3 after a first 不通过): 已销号. The other 14, on Friday 11/20:
    states = {i: (items[i]["state"], items[i]["warning"]) for i in items if items[i]["state"] != "已销号"}
    assert states == {
        # meeting.major 9/24 + 10 days = 10/4, in 国庆节: 10/8; extension asked 10/12, late, refused
        "2026-GW05-3": ("逾期", "红"),
        # extension asked 10/6, before 10/8, granted to 11/30
        "2026-GW05-4": ("已延期", None),
        "2026-DC03": ("逾期", "红"),  # finding due 11/10
        "2026-PS08": ("逾期", "红"),  # instruction.deputy: 11/5 + 7 days = 11/12 (Thu)
        "2026-GW010": ("逾期", "红"),  # doc.urgent, handed 11/16 (Mon): 11/17 (1), 11/18 (2)
        # doc.research, handed 10/26 (Mon): 10/27–10/30 (1–4), 11/2–11/6 (5–9), 11/9–11/13 (10–14),
        # 11/16–11/20 (15–19), 11/23 (20): one working day left
        "2026-GW009": ("临期", "蓝"),
        "2026-ZR12-1": ("临期", "蓝"),  # meeting.major 11/12 + 10 days = 11/22, a Sunday: 11/23, one day left
        "2026-ZR12-3": ("临期", "蓝"),
        "2026-ZT07-1": ("临期", "蓝"),  # meeting.special, assigned 11/17 + 7 = 11/24: 11/23, 11/24 left
        "2026-GW011": ("临期", "蓝"),  # doc.single, handed 11/19 (Thu): 11/20 (1), 11/23 (2), 11/24 (3)
        "2026-ZT07-2": ("未到期", None),  # assigned 11/18 + 7 = 11/25: three working days left
        "2026-PS09": ("未到期", None),  # due 12/31
        "2026-ZR12-2": ("整改中", "黄"),  # done 11/18, 核查 不通过 11/19: returned for rework
        "2026-DC04": ("整改中", None),  # finding due 11/30, a 反馈 on 11/16
    }
    assert sum(i["state"] == "已销号" for i in items.values()) == 33
    assert items["2026-GW008"]["due"] == "2026-10-10"  # a working make-up Saturday
    assert items["2026-GW05-4"]["extended"] and items["2026-GW05-4"]["due"] == "2026-11-30"
    assert items["2026-GW05-3"]["late_extension_requests"] == ["2026-10-12"]
