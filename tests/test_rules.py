"""The rules a clerk must be able to defend (issue 9), worked out by hand from the clauses."""

import docx

from conftest import write_registers, docgen

from docgen.record.ledger import read



def cli(reg, out, *args):
    p = docgen(["-r", reg, "-o", out, *args])
    assert p.returncode == 0, p.stderr
    return p.stdout


ONE_ACT = """\
meetings:
  - id: MT
    kind: 主任办公会
    title: 2026年第30次主任办公会
    date: 2026-10-20
    items:
      - {id: M, text: 落实会议事项, lead: 经济发展部}
inspections:
  - {id: F, date: 2026-10-20, form: 实地督导, finding: 台账不全, requirement: 补齐台账, lead: 良庄镇, due: 2026-10-23}
"""


def test_one_number_per_act(tmp_path, quick_pdf):
    """rules.md §5a: a finding's assignment slip is its 整改通知单 (no 交办单); no 催办单 on the day an item's
    first slip is issued; a 催办单 cites the slip that assigned the item by that slip's own number and date."""
    reg = write_registers(tmp_path / "r", {"m.yaml": ONE_ACT})
    out = tmp_path / "out"
    # 10/26: F is overdue (due 10/23), M is due 10/30 (会后10日), 4 working days away: not yet blue
    for cmd in ("assign", "rectify", "urge"):
        cli(reg, out, cmd, "--on", "2026-10-26")
    assert sorted((s.number, s.item) for s in read(reg).slips.values()) == [("督交〔2026〕1号", "M"),
                                                                           ("督改〔2026〕1号", "F")]
    # 10/27: F is still overdue and its slip went out yesterday: urged now; M is 3 working days away: not urged
    cli(reg, out, "urge", "--on", "2026-10-27")
    urges = [s for s in read(reg).slips.values() if s.kind == "urge"]
    assert [(s.number, s.item) for s in urges] == [("督催〔2026〕1号", "F")]
    cells = [c.text for t in docx.Document(str(out / "slips" / "催办单" / "督催〔2026〕1号.docx")).tables
             for r in t.rows for c in r.cells]
    assert cells[cells.index("交办依据") + 1] == "督改〔2026〕1号整改通知单（2026年10月26日）"


# ---------------------------------------------------------------- what check refuses, by file and line

BASE = """\
meetings:
  - id: MT
    kind: 主任办公会
    title: 2026年第31次主任办公会
    date: 2026-09-01
    items:
      - {id: A, text: 事项甲, lead: 经济发展部}
"""


def test_a_verification_needs_a_completion_before_it(run, tmp_path):
    prog = BASE + "progress:\n  - {item: A, date: 2026-09-05, type: 核查, passed: 通过}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": prog})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{reg}/m.yaml:9: type: 事项「A」2026-09-05的核查之前没有办结或整改报告，无可核查" in err
    # a failed verification needs a new completion before the next one
    prog = BASE + ("progress:\n  - {item: A, date: 2026-09-05, type: 办结}\n"
                   "  - {item: A, date: 2026-09-07, type: 核查, passed: 不通过}\n"
                   "  - {item: A, date: 2026-09-09, type: 核查, passed: 通过}\n")
    (reg / "m.yaml").write_text(prog, encoding="utf-8")
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "m.yaml:11: type: 事项「A」2026-09-09的核查之前没有办结或整改报告" in err


def test_an_extension_can_only_move_a_deadline_later(run, tmp_path):
    # A: 主任办公会 on 9/1, due 9/11 (会后10日, a Friday). Asking on 9/8 to move it to 9/10 would shorten it.
    prog = BASE + "progress:\n  - {item: A, date: 2026-09-08, type: 延期申请, until: 2026-09-10, reason: 试试}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": prog})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{reg}/m.yaml:9: until: 申请延至2026年9月10日，不晚于当时的办结时限2026年9月11日：延期只能推后时限" in err
    # once extended to 9/30, a second request must go past 9/30
    prog = BASE + ("progress:\n  - {item: A, date: 2026-09-08, type: 延期申请, until: 2026-09-30, reason: 协调}\n"
                   "  - {item: A, date: 2026-09-09, type: 延期批复, granted: 同意}\n"
                   "  - {item: A, date: 2026-09-20, type: 延期申请, until: 2026-09-25, reason: 再试}\n")
    (reg / "m.yaml").write_text(prog, encoding="utf-8")
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "m.yaml:11: until: 申请延至2026年9月25日，不晚于当时的办结时限2026年9月30日" in err
    assert "m.yaml:9:" not in err


def test_a_date_far_outside_the_known_years_is_refused(run, tmp_path):
    from docgen.registers.calendar import WorkCalendar

    lo, hi = WorkCalendar().known_span()  # what the pinned chinesecalendar knows
    docs = "documents:\n  - {id: G, title: 通知, handed: 9999-12-31, category: 单办, lead: 良庄镇}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": BASE, "d.yaml": docs})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"d.yaml:2: handed: 日期 9999-12-31 不在{lo - 1}—{hi + 1}年之间" in err
    assert "Traceback" not in err


def test_a_mistyped_range_gives_one_message_not_millions(run, tmp_path):
    cal = "year: 2027\nsource: 国务院办公厅关于2027年部分节假日安排的通知\nholidays:\n" \
          "  - {name: 元旦, off: 2027-01-01..9999-01-03}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": BASE, "calendar/2027.yaml": cal})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "calendar/2027.yaml:4: off: 日期范围「2027-01-01..9999-01-03」超过一年，请检查是否写错" in err
    assert len(err.splitlines()) <= 3


def test_a_stated_due_date_on_a_holiday_is_a_warning(run, tmp_path):
    # 2026-10-03 is in the 国庆节 holiday (10/1–10/7)
    ins = "instructions:\n  - {id: P, date: 2026-09-25, level: 主要领导, leader: 主任, text: 批示事项, lead: 良庄镇, " \
          "due: 2026-10-03}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": BASE, "i.yaml": ins})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    assert f"警告：{reg}/i.yaml:2: due: 办结时限 2026年10月3日 是国庆节（非工作日），请确认" in out


def test_the_registers_folder_may_follow_the_command(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": BASE})
    rc, out, err = run("check", "-r", str(reg))
    assert rc == 0 and "1个事项" in out, err
    rc, out, _ = run("status", "--on", "2026-09-02", "-r", str(reg))
    assert rc == 0 and "事项" in out and "A" in out


# ---------------------------------------------------------------- rework (rules.md §5a)

REWORK = """\
meetings:
  - id: ZT
    kind: 专题会议
    title: 2026年第8次专题会议
    date: 2026-09-11
    items:
      - {id: R, text: 返工事项, lead: 经济发展部}
progress:
  - {item: R, date: 2026-09-17, type: 办结}
  - {item: R, date: 2026-10-05, type: 核查, passed: 不通过, note: 材料不全}
"""


def _json(reg, *args):
    import json

    return json.loads(cli(reg, reg.parent / "out", *args, "--json"))


def _events(sheet, unit="经济发展部"):
    u = next(u for u in sheet["units"] if u["unit"] == unit)
    return [(e["date"], e["rule"], e["points"]) for e in u["events"]]


def test_a_failed_verification_returns_the_item_for_rework_from_that_day(tmp_path):
    """R: 专题会议 on 9/11, due 9/18 (交办后1周); reported done 9/17, on time. The verification of 10/5 fails:
    the item is back in 整改中 (yellow) with a rework deadline five working days later — 10/8, 10/9, 10/10 (a
    make-up Saturday), 10/12, 10/13 — and nothing is deducted in September."""
    reg = write_registers(tmp_path / "r", {"m.yaml": REWORK})
    (r,) = _json(reg, "status", "--on", "2026-10-12")["items"]
    assert (r["state"], r["warning"], r["due"], r["days_overdue"]) == ("整改中", "黄", "2026-10-13", 0)
    assert _events(_json(reg, "scores", "--period", "2026-Q3", "--on", "2026-10-20")) == []
    # not done by 10/20: late from 10/14, a rework (整改) deadline: -2; a full week on 10/20: -0.5
    (r,) = _json(reg, "status", "--on", "2026-10-20")["items"]
    assert (r["state"], r["warning"], r["days_overdue"]) == ("逾期", "红", 7)
    assert _events(_json(reg, "scores", "--period", "2026-Q4", "--on", "2026-10-20")) == [
        ("2026-10-14", "rectify_overdue", -2.0), ("2026-10-20", "overdue_week", -0.5)]


def test_the_rework_deadline_can_be_stated_on_the_verification(tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": REWORK.replace("note: 材料不全", "note: 材料不全, until: 2026-10-16")})
    (r,) = _json(reg, "status", "--on", "2026-10-12")["items"]
    assert (r["state"], r["due"]) == ("整改中", "2026-10-16")


def test_the_on_time_bonus_is_earned_when_a_verification_passes(tmp_path):
    done = REWORK + "  - {item: R, date: 2026-10-12, type: 整改报告}\n  - {item: R, date: 2026-10-14, type: 核查, passed: 通过}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": done})
    (r,) = _json(reg, "status", "--on", "2026-10-20")["items"]
    assert (r["state"], r["completed"], r["verified"]) == ("已销号", "2026-10-12", "2026-10-14")
    # rework reported 10/12, before its deadline 10/13; the bonus counts when the check passes, 10/14
    assert _events(_json(reg, "scores", "--period", "2026-Q4", "--on", "2026-10-20")) == [("2026-10-14", "on_time", 0.5)]
    assert _events(_json(reg, "scores", "--period", "2026-Q3", "--on", "2026-10-20")) == []


def test_an_office_that_does_not_verify_earns_the_bonus_at_completion(tmp_path):
    first = REWORK.split("  - {item: R, date: 2026-10-05")[0]  # only the 9/17 completion
    reg = write_registers(tmp_path / "r", {"m.yaml": first, "rules.yaml": "verification: {required: false}\n"})
    assert _events(_json(reg, "scores", "--period", "2026-Q3", "--on", "2026-10-20")) == [("2026-09-17", "on_time", 0.5)]
    reg2 = write_registers(tmp_path / "r2", {"m.yaml": first})  # the default: the office verifies
    assert _events(_json(reg2, "scores", "--period", "2026-Q3", "--on", "2026-10-20")) == []


# ---------------------------------------------------------------- a year whose schedule is not published

LATE_DEC = """\
meetings:
  - id: MT
    kind: 主任办公会
    title: 2026年第40次主任办公会
    date: 2026-11-02
    items:
      - {id: N, text: 十一月的事项, lead: 经济发展部}
documents:
  - {id: G1, title: 年末来文, handed: 2026-12-29, category: 单办, lead: 良庄镇}
"""


def test_an_item_that_needs_an_unknown_year_waits_and_the_others_go_on(run, tmp_path, monkeypatch, quick_pdf):
    """A fixture calendar that knows 2004–2026 only (whatever the installed package knows). G1, handed 12/29 with
    3 working days, counts 12/30, 12/31 and then a day of 2027: 时限待定. N is due 11/12 and is processed."""
    import docgen.registers.calendar

    monkeypatch.setattr(docgen.registers.calendar, "package_years", lambda: (2004, 2026))
    reg = write_registers(tmp_path / "r", {"m.yaml": LATE_DEC})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    assert (f"警告：{reg}/m.yaml:9: due: 事项「G1」时限待定：办结时限要数到2027年，而2027年的节假日安排尚未收录；"
            "公布后新建 calendar/2027.yaml 即可计算") in out
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-12-30", "--json")
    assert rc == 0, err
    import json

    items = {i["id"]: i for i in json.loads(out)["items"]}
    assert items["G1"]["state"] == "时限待定" and items["G1"]["needs_year"] == 2027
    assert items["N"]["state"] == "逾期" and items["N"]["due"] == "2026-11-12"
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-12-30")
    assert rc == 0, err
    assert "新出具交办单1份：督交〔2026〕1号" in out and "时限待定，未出具：" in out and "G1" in out
    assert [s.item for s in read(reg).slips.values()] == ["N"]
    # the notice is out: a calendar file for 2027 (a 元旦 of 1/1–1/3) and G1 is due Monday 2027-01-04
    (reg / "calendar").mkdir()
    (reg / "calendar" / "2027.yaml").write_text(
        "year: 2027\nsource: 国务院办公厅关于2027年部分节假日安排的通知\nholidays:\n"
        "  - {name: 元旦, off: 2027-01-01..2027-01-03}\n", encoding="utf-8")
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-12-30", "--json")
    items = {i["id"]: i for i in json.loads(out)["items"]}
    assert items["G1"]["due"] == "2027-01-04" and items["G1"]["state"] == "临期"


# ---------------------------------------------------------------- any office's vocabulary and words

DISTRICT_SETTINGS = """\
office:
  committee: 滨江区人民政府
  name: 滨江区人民政府督查室
  contact: 陈红
  phone: 0571-8800001
  print_organ: 滨江区人民政府办公室
  cc: [区委组织部, 区纪委监委]
issuers:
  - id: ducha
    name: 滨江区人民政府督查室
    prefixes: {assign: 滨督交, urge: 滨督催, rectify: 滨督改}
bulletin:
  to: 各街道办事处，区政府各部门
"""
DISTRICT_RULES = """\
basis: {number: 滨政办发〔2025〕8号, title: 滨江区政府督查工作规定, scores: 第九条}
deadlines:
  meeting.major: {period: 15, count: calendar, report_to: 区政府督查室, clause: 第五条}
vocabulary:
  meetings: {区政府常务会议: meeting.major, 区长办公会议: meeting.major}
bulletin: {explain_days: 5}
"""
DISTRICT = """\
meetings:
  - id: CW
    kind: 区政府常务会议
    title: 区政府第42次常务会议
    date: 2026-09-01
    items:
      - {id: C1, text: 推进老旧小区改造, lead: 经济发展部}
"""


def test_another_office_words_its_own_slips_and_bulletins(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"settings.yaml": DISTRICT_SETTINGS, "rules.yaml": DISTRICT_RULES,
                                           "m.yaml": DISTRICT})
    out = tmp_path / "out"
    assert run("-r", str(reg), "check")[0] == 0
    cli(reg, out, "assign", "--on", "2026-09-02")
    cells = [c.text for t in docx.Document(str(out / "slips" / "交办单" / "滨督交〔2026〕1号.docx")).tables
             for r in t.rows for c in r.cells]
    # 区政府常务会议 on 9/1 follows meeting.major, here 15 days: 9/16 (a Wednesday)
    assert "2026年9月16日（会后15日内，滨政办发〔2025〕8号第五条）" in cells
    assert any(c.startswith("请于办结时限前将办理结果书面报送区政府督查室；") for c in cells)
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    text = "\n".join(p.text for p in docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx")).paragraphs)
    assert "各街道办事处，区政府各部门：" in text and "根据滨政办发〔2025〕8号《滨江区政府督查工作规定》" in text
    assert "按滨政办发〔2025〕8号第九条，实行计分制" in text and "要在5个工作日内书面说明原因" in text
    every = "\n".join(cells) + text
    for word in ("泰安", "泰高管发", "综合管理部", "各部门单位，各镇街，各集团公司", "管委会"):
        assert word not in every, word
    # the 泰安 words are not this office's: 主任办公会 is not in its vocabulary
    (reg / "m.yaml").write_text(DISTRICT.replace("区政府常务会议\n", "主任办公会\n"), encoding="utf-8")
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "m.yaml:3: kind: 「主任办公会」不是可用的取值（可用：区政府常务会议、区长办公会议）" in err


# ---------------------------------------------------------------- looking items up

def test_due_explains_one_item(run, tmp_path):
    prog = BASE + ("progress:\n  - {item: A, date: 2026-09-08, type: 延期申请, until: 2026-09-30, reason: 协调}\n"
                   "  - {item: A, date: 2026-09-09, type: 延期批复, granted: 同意}\n"
                   "  - {item: A, date: 2026-09-29, type: 办结}\n"
                   "  - {item: A, date: 2026-10-09, type: 核查, passed: 不通过}\n")
    reg = write_registers(tmp_path / "r", {"m.yaml": prog})
    rc, out, err = run("-r", str(reg), "due", "A", "--on", "2026-10-12")
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "事项：A　事项甲"
    assert "期满：2026年9月1日后第10日为2026年9月11日（星期五）" in lines
    assert "2026年9月8日申请延期至2026年9月30日" in lines and "2026年9月9日批准延期至2026年9月30日" in lines
    # the check of 10/9 failed: five working days later — 10/10 (a make-up Saturday), 10/12, 10/13, 10/14, 10/15
    assert "核查不通过，退回整改，整改时限2026年10月15日" in lines
    assert lines[-1] == "截至2026年10月12日：办结时限2026年10月15日，整改中·黄，剩余3个工作日"  # 10/13, 14, 15
    rc, _, err = run("-r", str(reg), "due", "B")
    assert rc == 2 and "台账中没有事项「B」" in err


def test_status_filters(run, tmp_path):
    two = BASE + "      - {id: B, text: 事项乙, lead: 财政金融部, co: [良庄镇]}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": two})
    import json

    def ids(*args):
        rc, out, err = run("-r", str(reg), "status", "--on", "2026-09-09", "--json", *args)
        assert rc == 0, err
        return [i["id"] for i in json.loads(out)["items"]]

    assert ids() == ["A", "B"]
    assert ids("--unit", "良庄镇") == ["B"]  # a co-unit
    assert ids("--unit", "财政") == ["B"]  # a short name that names one unit
    # both due 9/11: on 9/9 that is two working days away (9/10, 9/11)
    assert ids("--due-within", "2") == ["A", "B"] and ids("--due-within", "1") == []
    assert ids("--state", "临期") == ["A", "B"] and ids("--state", "逾期") == []
    rc, out, _ = run("-r", str(reg), "status", "--on", "2026-09-09")
    assert "事项甲" in out and "事项乙" in out


LATE_ISSUE = """\
meetings:
  - {id: M1, kind: 主任办公会, title: 第1次主任办公会, date: 2026-10-01, items: [{id: L, text: 早已到期, lead: 良庄镇}]}
  - {id: M2, kind: 主任办公会, title: 第2次主任办公会, date: 2026-10-14, items: [{id: N, text: 交办偏晚, lead: 良庄镇}]}
  - {id: M3, kind: 主任办公会, title: 第3次主任办公会, date: 2026-10-20, items: [{id: M, text: 及时交办, lead: 良庄镇}]}
"""


def test_a_late_assignment_slip_is_issued_and_listed(run, tmp_path, quick_pdf):
    """L: 10/1 + 10 days = 10/11, a Sunday, so due 10/12: a 交办单 on 10/22 is past it. N: assigned 10/14, the
    slip goes out on the 6th working day after (10/15, 16, 19, 20, 21, 22), more than issue_lag 2. M: the 2nd."""
    reg = write_registers(tmp_path / "r", {"m.yaml": LATE_ISSUE})
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-10-22")
    assert rc == 0, err
    assert "新出具交办单3份" in out
    warned = [ln for ln in out.splitlines() if ln.startswith("警告：交办单出具偏晚")]
    assert warned == [
        "警告：交办单出具偏晚 督交〔2026〕1号（事项「L」，良庄镇）：出具于2026年10月22日，已到或已过办结时限2026年10月12日"
        "（单据上印“补发”）",
        "警告：交办单出具偏晚 督交〔2026〕2号（事项「N」，良庄镇）：交办（2026年10月14日）后第6个工作日才出具，超过2个工作日"]
    rc, out, _ = run("-r", str(reg), "check")
    # check lists every late slip in the ledger, also those an older docgen drew without the 补发 mark
    assert rc == 0 and [ln for ln in out.splitlines() if ln.startswith("警告：交办单出具偏晚")] == [
        "警告：交办单出具偏晚 督交〔2026〕1号（事项「L」，良庄镇）：出具于2026年10月22日，已到或已过办结时限2026年10月12日",
        warned[1]]
