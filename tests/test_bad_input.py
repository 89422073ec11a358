"""Malformed registers: each gives its message with file, line and field, exit 2, no traceback, nothing written."""
import subprocess
import sys

import pytest

from conftest import write_registers

MEETING = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第1次主任办公会
    date: 2026-03-02
    items:
      - id: M1-1
        text: 测试事项
        lead: 经济发展部
"""

# name: (files, expected "file:line: field:" prefix, a word the message must contain)
CASES = {
    "unknown unit, with suggestion": (
        {"m.yaml": MEETING.replace("lead: 经济发展部", "lead: 经济发展")}, "m.yaml:9: lead:", "是否想写「经济发展部」"),
    "unknown co-unit": (
        {"m.yaml": MEETING + "        co: [财政部门]\n"}, "m.yaml:10: co:", "不在单位名录"),
    "duplicate item id across files": (
        {"m.yaml": MEETING, "n.yaml": MEETING.replace("id: M1\n", "id: M2\n")}, "n.yaml:7: id:", "重复"),
    "date that does not exist": (
        {"m.yaml": MEETING.replace("2026-03-02", "2026-02-30")}, "m.yaml:5: date:", "不存在"),
    "month 13": (
        {"m.yaml": MEETING.replace("2026-03-02", "2026-13-01")}, "m.yaml:5: date:", "没有13月"),
    "date in the wrong format": (
        {"m.yaml": MEETING.replace("2026-03-02", "2026/03/02")}, "m.yaml:5: date:", "YYYY-MM-DD"),
    "item without a lead unit": (
        {"m.yaml": MEETING.replace("        lead: 经济发展部\n", "")}, "m.yaml:7: lead:", "牵头单位"),
    "progress for an unknown item": (
        {"m.yaml": MEETING + "progress:\n  - {item: M1-9, date: 2026-03-05, type: 办结}\n"}, "m.yaml:11: item:", "不存在的事项"),
    "extension decided before it was requested": (
        {"m.yaml": MEETING + "progress:\n"
                   "  - {item: M1-1, date: 2026-03-06, type: 延期批复, granted: 同意, until: 2026-03-20}\n"
                   "  - {item: M1-1, date: 2026-03-07, type: 延期申请, until: 2026-03-20, reason: 等待审批}\n"},
         "m.yaml:11: date:", "早于延期申请"),
    "co-units as a mapping": (
        {"m.yaml": MEETING + "        co: {a: 1}\n"}, "m.yaml:10: co:", "应为列表"),
    "text as a number list": (
        {"m.yaml": MEETING.replace("text: 测试事项", "text: [1, 2]")}, "m.yaml:8: text:", "应为文字"),
    "unknown key (typo)": (
        {"m.yaml": MEETING + "        lead_unti: 经济发展部\n"}, "m.yaml:10: lead_unti:", "没有「lead_unti」"),
    "YAML syntax error": (
        {"m.yaml": MEETING.replace("text: 测试事项", "text: [测试事项")}, "m.yaml:", "格式错误"),
    "duplicate key": (
        {"m.yaml": MEETING + "        lead: 财政金融部\n"}, "m.yaml:10: lead:", "键重复"),
    "bad meeting kind": (
        {"m.yaml": MEETING.replace("kind: 主任办公会", "kind: 主任会议")}, "m.yaml:3: kind:", "不是可用的取值"),
    "bad leader level": (
        {"i.yaml": "instructions:\n  - {id: I1, level: 领导, leader: 主任, date: 2026-03-02, text: t, lead: 良庄镇}\n"},
         "i.yaml:2: level:", "主要领导"),
    "bad document category": (
        {"d.yaml": "documents:\n  - id: D1\n    title: 通知\n    handed: 2026-03-02\n    category: 急\n    lead: 良庄镇\n"},
         "d.yaml:5: category:", "急办"),
    "bad event type": (
        {"m.yaml": MEETING + "progress:\n  - {item: M1-1, date: 2026-03-05, type: 完成}\n"}, "m.yaml:11: type:", "办结"),
    "bad mobile": (
        {"units.yaml": "units:\n  - {name: 经济发展部, contact: 孙伟, mobile: '1390538'}\n"}, "units.yaml:2: mobile:", "11位"),
    "duplicate unit": (
        {"units.yaml": "units:\n  - {name: 经济发展部, contact: 孙伟}\n  - {name: 经济发展部, contact: 李}\n"},
         "units.yaml:3: name:", "重复"),
    "missing settings": ({"settings.yaml": None}, "settings.yaml: settings:", "找不到设置文件"),
    "unknown rule id": (
        {"m.yaml": MEETING + "        rule: doc.singel\n"}, "m.yaml:10: rule:", "doc.single"),
    "due before assignment": (
        {"m.yaml": MEETING + "        due: 2026-03-01\n"}, "m.yaml:10: due:", "早于交办日期"),
    "explicit rule without due": (
        {"m.yaml": MEETING + "        rule: explicit\n"}, "m.yaml:10: rule:", "必须写 due"),
    "finding without a deadline": (
        {"f.yaml": "inspections:\n  - id: F1\n    date: 2026-05-20\n    form: 实地督导\n    finding: 台账不全\n"
                   "    requirement: 完善台账\n    lead: 良庄镇\n"}, "f.yaml:2: due:", "整改时限"),
    "verification without result": (
        {"m.yaml": MEETING + "progress:\n  - {item: M1-1, date: 2026-03-05, type: 核查}\n"}, "m.yaml:11: passed:", "缺少必填字段"),
    "extension request without reason": (
        {"m.yaml": MEETING + "progress:\n  - {item: M1-1, date: 2026-03-05, type: 延期申请, until: 2026-03-20}\n"},
         "m.yaml:11: reason:", "说明原因"),
    "progress before the assignment": (
        {"m.yaml": MEETING + "progress:\n  - {item: M1-1, date: 2026-03-01, type: 反馈}\n"}, "m.yaml:11: date:", "早于"),
    "calendar make-up day on a weekday": (
        {"calendar/2027.yaml": "year: 2027\nsource: 通知\nholidays:\n  - name: 元旦\n    off: 2027-01-01\n"
                               "    makeup: [2027-01-05]\n"}, "calendar/2027.yaml:6: makeup:", "必须是周末"),
    "calendar day both off and working": (
        {"calendar/2027.yaml": "year: 2027\nsource: 通知\nholidays:\n  - name: 元旦\n    off: 2027-01-01..2027-01-03\n"
                               "    makeup: [2027-01-02]\n"}, "calendar/2027.yaml:6: makeup:", "既是放假日又是调休上班日"),
    "calendar date outside its year": (
        {"calendar/2027.yaml": "year: 2027\nsource: 通知\nholidays:\n  - name: 元旦\n    off: 2026-12-31\n"},
         "calendar/2027.yaml:5: off:", "不在本文件的年份"),
    "rules file with a bad period": (
        {"rules.yaml": "deadlines:\n  doc.single: {period: -3, count: working}\n"}, "rules.yaml:2: period:", "整数"),
    "rules file with an unknown rule": (
        {"rules.yaml": "deadlines:\n  doc.singel: {period: 3}\n"}, "rules.yaml:2: doc.singel:", "doc.single"),
    "register file that is a list": ({"m.yaml": "- a\n- b\n"}, "m.yaml:1: 台账文件:", "键值映射"),
    "items not a list": (
        {"m.yaml": MEETING.split("    items:")[0] + "    items: 测试\n"}, "m.yaml:6: items:", "应为列表"),
    "unknown issuer": (
        {"m.yaml": MEETING + "        issuer: zhaoshang\n"}, "m.yaml:10: issuer:", "未在 settings.yaml 中定义"),
    "file not UTF-8": ({"m.yaml": MEETING.encode("gbk")}, "m.yaml: 编码:", "UTF-8"),
    "lead also a co-unit": (
        {"m.yaml": MEETING + "        co: [经济发展部]\n"}, "m.yaml:10: co:", "不应同时"),
    "meeting without items": (
        {"m.yaml": MEETING.split("    items:")[0]}, "m.yaml:2: items:", "没有议定事项"),
    "unknown top-level key": ({"m.yaml": "meeting:\n  - id: x\n"}, "m.yaml:1: meeting:", "是否想写「meetings」"),
    # issue 15: what an attacker or a slip of the paste puts in
    "rule period of a billion working days": (
        {"m.yaml": MEETING, "rules.yaml": "deadlines:\n  doc.single: {period: 1000000000, count: working}\n"},
        "rules.yaml:2: period:", "不能超过2000个工作日"),
    "rule period of a billion calendar days": (
        {"m.yaml": MEETING, "rules.yaml": "deadlines:\n  meeting.major: {period: 1000000000}\n"},
        "rules.yaml:2: period:", "3660"),
    "right-to-left override in an item": (
        {"m.yaml": MEETING.replace("text: 测试事项", "text: 测试\u202e事项")}, "m.yaml:8: text:", "U+202E（第3个字符"),
    "right-to-left override in a unit name": (
        {"m.yaml": MEETING, "units.yaml": "units:\n  - {name: 经济发展部}\n  - {name: \"良庄\u202e镇\"}\n"},
        "units.yaml:3: name:", "U+202E"),
    "text of 2001 characters": (
        {"m.yaml": MEETING.replace("text: 测试事项", "text: " + "长" * 2001)}, "m.yaml:8: text:", "2001个字符"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, run, tmp_path):
    files, where, word = CASES[name]
    reg = write_registers(tmp_path / "registers", files)
    out_dir = tmp_path / "output"
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    rc, out, err = run("-r", str(reg), "-o", str(out_dir), "assign", "--on", "2026-06-01")  # a command that writes
    assert rc == 2
    assert "Traceback" not in err and "Traceback" not in out
    lines = [ln for ln in err.splitlines() if where in ln]
    assert lines, f"expected «{where}» in:\n{err}"
    assert any(word in ln for ln in lines), f"expected «{word}» in:\n{err}"
    assert not out_dir.exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_every_case_names_a_different_place_or_reason():
    """Each case is a distinct mistake: no two expect the same message at the same place."""
    seen = [(where, word) for _, where, word in CASES.values()]
    assert len(seen) == len(set(seen))


def test_all_errors_are_reported_not_just_the_first(run, tmp_path):
    bad = MEETING.replace("2026-03-02", "2026-02-30").replace("lead: 经济发展部", "lead: 不存在的部门")
    bad += "progress:\n  - {item: X, date: 2026-03-05, type: 办结}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": bad, "n.yaml": "units:\n  - {name: 良庄镇, contact: x}\n"})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "m.yaml:5: date:" in err  # the meeting's date
    assert "m.yaml:9: lead:" in err  # its item's unknown unit, reported all the same
    assert "m.yaml:11: item:" in err  # progress for an unknown item
    assert "units.yaml:4: name:" in err  # a unit defined twice, in two files


def test_check_passes_on_a_good_register(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": MEETING})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0 and "台账检查通过" in out and "1个事项" in out


def test_a_real_process_shows_no_traceback(tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": MEETING.replace("2026-03-02", "2026-02-30")})
    p = subprocess.run([sys.executable, "-m", "docgen", "-r", str(reg), "check"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "m.yaml:5: date:" in p.stderr and "Traceback" not in p.stderr


def test_bad_command_line_is_chinese_exit_2(run):
    rc, out, err = run("status", "--on", "2026-02-30")
    assert rc == 2 and "不是有效日期" in err and "Traceback" not in err
