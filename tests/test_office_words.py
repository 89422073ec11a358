"""The office's own rules and words (issue 18): its inspection forms, the text and clause of its `explicit` rule,
units' aliases, `due` in its words; a deadline on a Sunday; the extension rule decided in rules.md §2; `check`
telling every problem of every item. Dates are worked by hand on the real 2026 calendar: 2026-11-20 is a Friday,
11-21 and 11-22 a weekend (no holiday, no make-up day), 11-23 a Monday."""
import datetime as dt
import json

from conftest import MINI_SETTINGS, docgen, write_registers

from docgen.engine.figures import compute, parse_period
from docgen.registers.calendar import WorkCalendar
from docgen.registers.load import read_registers

D = dt.date.fromisoformat


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


def lines_of(p) -> list[str]:
    return (p.stdout + p.stderr).splitlines()


# ---------------------------------------------------------------- fixed words made the office's own

INSPECTION = """\
inspections:
  - {{id: F1, date: 2026-11-02, form: {form}, finding: 台账不全, requirement: 补齐台账, lead: 良庄镇, due: 2026-11-13}}
"""

OWN_FORMS = """\
vocabulary:
  inspections: [巡查督导, 暗访督导]
"""


def test_inspection_forms_are_the_offices_words(tmp_path):
    """vocabulary.inspections lists the office's forms: its own are accepted, the example's four no longer are
    (an office lists its own words: the defaults are replaced, as for meetings and documents)."""
    reg = write_registers(tmp_path / "r", {"rules.yaml": OWN_FORMS, "i.yaml": INSPECTION.format(form="暗访督导")})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 0, p.stdout + p.stderr
    reg = write_registers(tmp_path / "r", {"i.yaml": INSPECTION.format(form="挂牌督导")})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    # i.yaml line 2 holds the entry; the message lists the office's words, not the example's
    assert f"{reg}/i.yaml:2: form: 「挂牌督导」不是可用的取值（可用：巡查督导、暗访督导）" in lines_of(p)[0]
    # a form mapped to another rule than explicit is refused, naming the rules file and the line of the word
    write_registers(tmp_path / "r", {"rules.yaml": "vocabulary:\n  inspections: {巡查督导: doc.single}\n"})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    assert any(x.startswith(f"{reg}/rules.yaml:2: 巡查督导: 督导检查形式「巡查督导」只能对应「explicit」")
               for x in lines_of(p)), p.stdout + p.stderr


EXPLICIT_ITEM = """\
meetings:
  - id: MT
    kind: 主任办公会
    title: 2026年第40次主任办公会
    date: 2026-11-02
    items:
      - {id: E1, text: 按县长要求报送材料, lead: 经济发展部, due: 2026-11-13}
"""

OWN_EXPLICIT = """\
basis: {number: 滨政办发〔2025〕8号, title: 督查工作规则}
deadlines:
  explicit: {text: 领导另有要求的，按领导要求的时限办结, clause: 第六条}
"""


def test_the_explicit_rule_says_the_offices_text_and_clause(tmp_path):
    reg = write_registers(tmp_path / "r", {"rules.yaml": OWN_EXPLICIT, "m.yaml": EXPLICIT_ITEM})
    p = cli(reg, tmp_path / "o", "due", "E1", "--on", "2026-11-09")
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout.splitlines()
    assert "依据：滨政办发〔2025〕8号第六条：领导另有要求的，按领导要求的时限办结" in out
    assert "办结时限：2026年11月13日（星期五），按来源明确的时限" in out
    # the rule has no period: writing one is refused with what to write instead (rules.yaml line 3)
    write_registers(tmp_path / "r", {"rules.yaml": "deadlines:\n  explicit:\n    period: 5\n"})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    text = p.stdout + p.stderr
    assert "是否想写「explicit」" not in text
    assert (f"{reg}/rules.yaml:3: period: explicit（明确时限）的期限就是事项写明的 due，没有「period」可设："
            "deadlines.explicit 只写 text（规则原文）、clause（所在条款）、report_to（报送对象）") in text


OWN_LEVELS = """\
vocabulary:
  instructions: {县长: instruction.principal, 副县长: instruction.deputy}
"""

DEPUTY = """\
instructions:
  - {id: P1, level: 副县长, leader: 李副县长, date: 2026-11-02, text: 落实秋冬季防火, lead: 良庄镇}
"""


def test_due_explains_in_the_offices_own_words(tmp_path):
    """`due` names what the rule applies to in the office's words (its vocabulary), never the example's
    工作专班/分管领导 it never wrote. 11-02 (Monday) + 7 calendar days = 11-09, a Monday, a working day."""
    reg = write_registers(tmp_path / "r", {"rules.yaml": OWN_LEVELS, "p.yaml": DEPUTY})
    p = cli(reg, tmp_path / "o", "due", "P1", "--on", "2026-11-03")
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout.splitlines()
    assert out[2] == "规则：instruction.deputy（批示领导层级：副县长，1周）"
    assert "办结时限：2026年11月9日（星期一）" in out
    assert "工作专班" not in p.stdout and "分管领导" not in p.stdout
    p = cli(reg, tmp_path / "o", "due", "--rule", "instruction.principal", "--from", "2026-11-02")
    assert p.stdout.splitlines()[0] == "规则：instruction.principal（批示领导层级：县长，1周）"


ALIAS_UNITS = """\
units:
  - {name: 县卫生健康局, aliases: [卫健局], contact: 王芳}
  - {name: 经济发展部, contact: 孙伟}
"""

HEALTH = """\
instructions:
  - {id: H1, level: 主要领导, leader: 县长, date: 2026-11-02, text: 做好流感防控, lead: 卫健局, co: [经济发展部]}
"""


def test_a_unit_is_named_by_its_alias(tmp_path):
    reg = write_registers(tmp_path / "r", {"units.yaml": ALIAS_UNITS, "h.yaml": HEALTH})
    p = cli(reg, tmp_path / "o", "status", "--unit", "卫健局", "--on", "2026-11-03", "--json")
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(p.stdout)["items"]
    assert [(r["id"], r["lead"]) for r in rows] == [("H1", "县卫生健康局")]


def test_an_alias_names_one_unit(tmp_path):
    two = """\
    units:
      - {name: 县卫生健康局, aliases: [卫健局], contact: 王芳}
      - {name: 市卫生健康局, contact: 赵敏,
         aliases: [卫健局]}
      - {name: 经济发展部, aliases: [县卫生健康局], contact: 孙伟}
    """
    reg = write_registers(tmp_path / "r", {"units.yaml": two})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    out = lines_of(p)
    assert (f"{reg}/units.yaml:4: aliases: 别名「卫健局」同时写在单位「县卫生健康局」（{reg}/units.yaml:2）和"
            "「市卫生健康局」下：别名只能指一个单位，请只在其中一个单位下写它") in out
    assert (f"{reg}/units.yaml:5: aliases: 单位「经济发展部」的别名「县卫生健康局」是单位「县卫生健康局」"
            f"（{reg}/units.yaml:2）的名称：别名只能指一个单位，请删去或改写这个别名") in out


# ---------------------------------------------------------------- a deadline on a Sunday

SUNDAY = """\
meetings:
  - id: MS
    kind: 主任办公会
    title: 2026年第41次主任办公会
    date: 2026-11-16
    items:
      - {id: S1, text: 周日前完成场地布置, lead: 经济发展部, due: 2026-11-22}
"""


def test_a_sunday_deadline_says_its_date_never_today_before_the_day(tmp_path):
    """Due Sunday 11-22. On Friday 11-20 the working days in (11-20, 11-22] are none: 0 left, but the day is not
    today. Status, warn, the board and the SMS all say 11月22日（星期日）到期，剩余0个工作日; on the Sunday itself it
    is 今日到期."""
    reg = write_registers(tmp_path / "r", {"m.yaml": SUNDAY})
    out = tmp_path / "o"
    said = "11月22日（星期日）到期，剩余0个工作日"
    p = cli(reg, out, "status", "--on", "2026-11-20")
    assert p.returncode == 0, p.stderr
    row = [x for x in p.stdout.splitlines() if x.startswith("S1")][0]
    assert said in row and "今日到期" not in row
    p = cli(reg, out, "warn", "--on", "2026-11-20")
    assert f"  蓝　未出具交办单　周日前完成场地布置　{said}" in p.stdout.splitlines()
    p = cli(reg, out, "site", "--on", "2026-11-20")
    assert p.returncode == 0, p.stderr
    pages = "".join(f.read_text(encoding="utf-8") for f in (out / "site").rglob("*.html"))
    assert said in pages and "今日到期" not in pages
    p = cli(reg, out, "remind", "--on", "2026-11-20")
    sms = [json.loads(x) for x in (out / "outbox" / "2026-11-20.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["unit"] for m in sms] == ["经济发展部"]
    assert f"周日前完成场地布置，{said}" in sms[0]["message"] and "今日到期" not in sms[0]["message"]
    assert "（星期日）到期" in sms[0]["message"] and "）到期，剩余0个工作日）" not in sms[0]["message"]  # no nesting
    p = cli(reg, out, "status", "--on", "2026-11-22")
    assert "今日到期" in [x for x in p.stdout.splitlines() if x.startswith("S1")][0]


# ---------------------------------------------------------------- the extension rule (rules.md §2, decided)

EXT = """\
meetings:
  - id: MX
    kind: 主任办公会
    title: 2026年第42次主任办公会
    date: 2026-11-09
    items:
      - {id: ON_DAY, text: 事项一, lead: 经济发展部, due: 2026-11-20}
      - {id: BEFORE, text: 事项二, lead: 财政金融部, due: 2026-11-20}
      - {id: AFTER, text: 事项三, lead: 良庄镇, due: 2026-11-20}
progress:
  # asked on the due date (late), granted 3 days later
  - {item: ON_DAY, date: 2026-11-20, type: 延期申请, until: 2026-12-11, reason: 等待上级批复}
  - {item: ON_DAY, date: 2026-11-23, type: 延期批复, granted: 同意}
  # asked the day before the due date (timely), granted after it: the clock stopped on 11-19
  - {item: BEFORE, date: 2026-11-19, type: 延期申请, until: 2026-12-11, reason: 等待上级批复}
  - {item: BEFORE, date: 2026-11-23, type: 延期批复, granted: 同意}
  # asked a week after the due date, granted three days later
  - {item: AFTER, date: 2026-11-27, type: 延期申请, until: 2026-12-11, reason: 施工受阻}
  - {item: AFTER, date: 2026-11-30, type: 延期批复, granted: 同意}
"""


def test_a_late_extension_keeps_the_overdue_days_until_the_grant(tmp_path):
    """Worked by hand, all due Friday 11-20:
    ON_DAY: asked 11-20 (the due date: late), granted 11-23. Overdue 11-21..11-23 stands: −1 on 11-21 (the day
      after the due date); 3 days, no full week. Late request −0.5 on 11-20, 已到 the deadline (not 已过).
    BEFORE: asked 11-19, granted 11-23: nothing (the unit asked in time).
    AFTER: asked 11-27, granted 11-30: overdue 11-21..11-30 stands, 10 days: −1 on 11-21, one full week −0.5 on
      11-27 (11-20 + 7); late request −0.5 on 11-27, 已过 the deadline of 11-20. The grant ends the count: no second
      week on 12-04. Not overdue again before 12-11."""
    reg, diags = read_registers(write_registers(tmp_path / "r", {"m.yaml": EXT}))
    assert not diags, diags
    f = compute(reg, WorkCalendar(reg.calendar_files), parse_period("2026-11-01..2026-12-31"), D("2026-12-11"))
    got = {u.unit: [(e.date.isoformat(), e.rule, e.points, e.reason) for e in u.events] for u in f.units}
    assert got["经济发展部"] == [
        ("2026-11-20", "late_extension", -0.5, "2026年11月20日才申请延期，已到办结时限"),
        ("2026-11-21", "overdue", -1.0, "逾期未办结（办结时限2026年11月20日，到期后申请的延期于2026年11月23日批准，此前逾期照计）"),
    ]
    assert got["财政金融部"] == []
    assert got["良庄镇"] == [
        ("2026-11-21", "overdue", -1.0, "逾期未办结（办结时限2026年11月20日，到期后申请的延期于2026年11月30日批准，此前逾期照计）"),
        ("2026-11-27", "late_extension", -0.5, "2026年11月27日才申请延期，已过办结时限2026年11月20日"),
        ("2026-11-27", "overdue_week", -0.5, "逾期满1周"),
    ]
    scores = {u.unit: u.score for u in f.units}
    assert scores == {"经济发展部": 98.5, "财政金融部": 100.0, "良庄镇": 98.0}


def test_due_tells_a_late_extension_and_the_days_that_stand(tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": EXT})
    p = cli(reg, tmp_path / "o", "due", "ON_DAY", "--on", "2026-11-24")
    assert p.returncode == 0, p.stderr
    out = p.stdout.splitlines()
    assert "2026年11月20日申请延期至2026年12月11日（办结时限当日才申请，扣分）" in out
    assert "2026年11月23日批准延期至2026年12月11日；申请在到期之后，此前逾期3天照计（办结时限2026年11月20日）" in out


# ---------------------------------------------------------------- check tells everything at once

TWO_ITEMS = """\
meetings:
  - id: MC
    kind: 主任办公会
    title: 2026年第31次主任办公会
    date: 2026-09-01
    items:
      - {id: A, text: 事项甲, lead: 不存在局}
      - {id: B, text: 事项乙, lead: 经济发展部}
progress:
  - {item: B, date: 2026-09-05, type: 延期申请, until: 2026-09-10, reason: 人手不足}
  - {item: B, date: 2026-09-06, type: 延期批复, granted: 同意, until: 2026-09-09}
"""


def test_check_reports_every_problem_of_every_item(tmp_path):
    """B (meeting 09-01, 会后10日: 09-11, a Friday) asks for 09-10 and is granted 09-09, both not later than 09-11:
    two errors, told in the same run as A's unknown unit."""
    reg = write_registers(tmp_path / "r", {"m.yaml": TWO_ITEMS})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    out = lines_of(p)
    assert f"{reg}/m.yaml:7: lead: 单位「不存在局」不在单位名录（units）中" in out
    assert (f"{reg}/m.yaml:10: until: 申请延至2026年9月10日，不晚于当时的办结时限2026年9月11日：延期只能推后时限"
            in out)
    assert (f"{reg}/m.yaml:11: until: 批复延至2026年9月9日，不晚于当时的办结时限2026年9月11日：延期只能推后时限"
            in out)


TWO_SLIPS = """\
meetings:
  - id: MR
    kind: 主任办公会
    title: 2026年第43次主任办公会
    date: 2026-11-02
    items:
      - {id: R1, text: 事项一, lead: 经济发展部}
      - {id: R2, text: 事项二, lead: 财政金融部}
"""

CROSSED = """\
progress:
  - {item: R1, date: 2026-11-04, type: 签收, slip: 督交〔2026〕2号, by: 孙伟}
  - {item: R2, date: 2026-11-04, type: 签收, slip: 督交〔2026〕1号, by: 周敏}
"""


def test_check_reports_every_wrong_receipt(tmp_path, quick_pdf):
    """Two receipts each citing the other item's 交办单 (R1 got 督交〔2026〕1号, R2 督交〔2026〕2号, issued 11-03 in
    register order): both are told, not only the first."""
    reg = write_registers(tmp_path / "r", {"m.yaml": TWO_SLIPS})
    out = tmp_path / "o"
    assert cli(reg, out, "assign", "--on", "2026-11-03").returncode == 0
    (reg / "p.yaml").write_text(CROSSED, encoding="utf-8")
    p = cli(reg, out, "check")
    assert p.returncode == 2
    text = p.stdout + p.stderr
    assert f"{reg}/p.yaml:2: slip: 单据「督交〔2026〕2号」是事项「R2」的，不是「R1」的" in text
    assert f"{reg}/p.yaml:3: slip: 单据「督交〔2026〕1号」是事项「R1」的，不是「R2」的" in text


def test_a_unit_and_its_alias_are_one_unit(tmp_path):
    both = HEALTH.replace("co: [经济发展部]", "co: [县卫生健康局]")
    reg = write_registers(tmp_path / "r", {"units.yaml": ALIAS_UNITS, "h.yaml": both})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 2
    assert (f"{reg}/h.yaml:2: co: 牵头单位「卫健局」（县卫生健康局）不应同时列为配合单位（配合单位中写的是它的名称或别名）"
            in lines_of(p))


def test_a_sunday_deadline_is_never_brackets_within_brackets(tmp_path):
    """The board's and the 台账's state column: 临期·蓝，11月22日（星期日）到期…, not 临期·蓝（11月22日（星期日）…）."""
    reg = write_registers(tmp_path / "r", {"m.yaml": SUNDAY})
    out = tmp_path / "o"
    p = cli(reg, out, "site", "--on", "2026-11-20")
    assert p.returncode == 0, p.stderr
    pages = "".join(f.read_text(encoding="utf-8") for f in (out / "site").rglob("*.html"))
    assert "临期·蓝，11月22日（星期日）到期，剩余0个工作日" in pages
    assert "（11月22日（" not in pages
    p = cli(reg, out, "ledger", "--on", "2026-11-20", "--xlsx", str(tmp_path / "台账.xlsx"))
    assert p.returncode == 0, p.stderr
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "台账.xlsx")
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert "临期·蓝，11月22日（星期日）到期，剩余0个工作日" in cells
