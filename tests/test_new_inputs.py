"""Bad input in the registers issue 19 and issue 20 brought (targets, projects, rules.yaml reports and schedules,
专报 entries, feedback, coordination, appeals): a clerk's typo gives a Chinese message naming file, line and field,
exit 2, never a traceback and never hours of work.

The years a date may name are those the working-day calendar knows, one either side (the installed chinesecalendar
knows 2004—2026, so 2003—2027; the same bound `check` applies to an item's dates)."""
import pytest

from conftest import fake_today, write_registers
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


# ---------------------------------------------------------------- appeals (申诉 / 申诉决定)

# 主任办公会 on 2026-11-02: meeting.major, 会后10日内 -> due 2026-11-12 (Thu); overdue −1 accrues on 11/13
APPEAL_MEETING = """\
    meetings:
      - id: M1
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部, owner: 孙伟}
    """


def _appeals(tmp_path, lines):
    return write_registers(tmp_path / "r", {"meetings/m.yaml": APPEAL_MEETING,
                                            "progress/p.yaml": "progress:\n" + lines})


def test_a_second_appeal_while_the_first_is_undecided_is_refused(run, tmp_path):
    # one decision answered only the second, the first stayed pending and held back the score notice for ever
    reg = _appeals(tmp_path, """\
  - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-11-16, reason: 不服}
  - {item: A, type: 申诉, unit: 经济发展部, rule: 逾期未办结, date: 2026-11-17, reason: 再次不服}
  - {item: A, type: 申诉决定, unit: 经济发展部, rule: overdue, date: 2026-11-18, decision: 维持, by: 张明}
""")
    err = _refused(run, reg, ("progress/p.yaml", 3, "type"))
    assert f"经济发展部对事项「A」这项扣分已于2026-11-16申诉（{reg}/progress/p.yaml:2），尚未决定" in err
    assert f"{reg}/progress/p.yaml:4:" not in err


def test_an_appeal_decided_twice_is_refused_naming_the_first_decision(run, tmp_path):
    reg = _appeals(tmp_path, """\
  - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-11-16, reason: 不服}
  - {item: A, type: 申诉决定, unit: 经济发展部, rule: overdue, date: 2026-11-18, decision: 撤销, by: 张明}
  - {item: A, type: 申诉决定, unit: 经济发展部, rule: overdue, date: 2026-11-19, decision: 维持, by: 李四}
""")
    err = _refused(run, reg, ("progress/p.yaml", 4, "type"))
    assert f"申诉已于2026-11-18决定撤销（{reg}/progress/p.yaml:3），不能再次决定" in err


def test_an_appeal_against_a_deduction_not_yet_made_is_refused(run, tmp_path):
    # on 11/05 the item is not due (11/12): no 逾期未办结 to appeal; it stayed pending, and no notice was issued
    reg = _appeals(tmp_path, """\
  - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-11-05, reason: 不服}
""")
    err = _refused(run, reg, ("progress/p.yaml", 2, "rule"))
    assert "到2026年11月5日申诉时，事项「A」没有「逾期未办结」的扣分，无可申诉" in err


def test_an_appeal_against_a_late_extension_never_requested_is_refused(run, tmp_path):
    reg = _appeals(tmp_path, """\
  - {item: A, type: 申诉, unit: 经济发展部, rule: late_extension, date: 2026-11-16, reason: 不服}
""")
    err = _refused(run, reg, ("progress/p.yaml", 2, "rule"))
    assert "事项「A」没有「到期后才申请延期」的扣分" in err


def test_an_appeal_against_a_deduction_made_is_accepted(run, tmp_path):
    # 11/16: overdue −1 accrued on 11/13: the appeal stands (and is listed as pending)
    reg = _appeals(tmp_path, """\
  - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-11-16, reason: 不服}
""")
    rc, out, err = run("-r", str(reg), "warn", "--on", "2026-11-20")
    assert rc == 0, err
    assert "待决定的申诉1件" in out


# ---------------------------------------------------------------- any value in any new field

import datetime as dt  # noqa: E402
import re  # noqa: E402
import textwrap  # noqa: E402

import yaml  # noqa: E402
from hypothesis import HealthCheck, example, given, settings, strategies as st  # noqa: E402

def _coordination():
    from test_coordination import GOOD

    return GOOD.replace("财政金融部", "综合管理部")


_BASE = {"targets/2026.yaml": TARGETS, "projects.yaml": PROJECTS, "rules.yaml": RULES, "progress/2026.yaml": PROGRESS,
         "meetings/2026.yaml": MEETINGS, "coordination/2026.yaml": _coordination()}
# (file, register, entry index, path to the field): every field the new registers have
_FIELDS = [("targets/2026.yaml", "targets", 0, (k,)) for k in
           ("id", "year", "text", "lead", "co", "owner", "leader", "assigned", "issuer", "milestones")] + [
    ("targets/2026.yaml", "targets", 0, ("milestones", 0, k)) for k in ("by", "text")] + [
    ("projects.yaml", "projects", 0, (k,)) for k in ("id", "name", "kind", "leader", "lead", "since", "until")] + [
    ("rules.yaml", "reports", 0, (k,)) for k in
    ("id", "text", "every", "within", "to", "units", "since", "issuer", "clause")] + [
    ("rules.yaml", "schedules", i, (k,)) for i in (0, 1) for k in
    ("id", "kind", "every", "within", "by", "projects", "lead", "since", "issuer", "clause")] + [
    ("progress/2026.yaml", "progress", 4, (k,)) for k in ("unit", "period", "date", "report", "note")] + [
    ("meetings/2026.yaml", "meetings", 4, ("items", 0, k)) for k in ("feedback", "owner", "due")] + [
    ("coordination/2026.yaml", "coordination", 0, (k,)) for k in
    ("id", "date", "text", "lead", "units", "level", "consulted", "proposal", "escalated_from", "opinion",
     "decided")] + [
    ("coordination/2026.yaml", "coordination", 0, ("consulted", 0, k)) for k in
    ("date", "units", "result", "disagreement")] + [
    ("coordination/2026.yaml", "coordination", 0, ("opinion", k)) for k in ("by", "date", "text")] + [
    ("coordination/2026.yaml", "coordination", 0, ("decided", k)) for k in ("date", "text", "items")] + [
    ("coordination/2026.yaml", "coordination", 0, ("decided", "items", 0, k)) for k in
    ("id", "text", "lead", "due", "owner")]

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["2026-Q5", "2026-13", "2026-H3", "2026-W60", "0000", "all", "quarter",
                                           "9999-12-31", "0001-01-01", "经济发展部", "XM01", "=1+1", "\u202e",
                                           "XT01", "主要领导", "上会", "已阅", "达成一致", "monthly", "weekly",
                                           "a\nb", "长" * 10000]),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3) |
                       st.dictionaries(st.sampled_from(["by", "text", "id", "x"]), inner, max_size=2), max_leaves=4)
_DIAG = re.compile(r"^.+\.yaml:\d+: [^:]+: ")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(_FIELDS), value=_values, drop=st.booleans())
@example(field=("targets/2026.yaml", "targets", 0, ("year",)), value="\r", drop=False)  # quoted: broke the line
@example(field=("targets/2026.yaml", "targets", 0, ("co",)), value="长" * 10000, drop=False)  # quoted whole
@example(field=("targets/2026.yaml", "targets", 0, ("assigned",)), value="a\u2029b", drop=False)
@example(field=("targets/2026.yaml", "targets", 0, ("year",)), value=10**30, drop=False)  # OverflowError
@example(field=("projects.yaml", "projects", 0, ("since",)), value=dt.date(9999, 12, 31), drop=False)
def test_any_value_in_any_new_field_is_exit_0_or_a_diagnostic_with_file_and_line(run, tmp_path_factory, field,
                                                                                  value, drop):
    rel, register, index, path = field
    data = {k: yaml.safe_load(textwrap.dedent(v)) for k, v in _BASE.items()}
    node = data[rel][register][index]
    for k in path[:-1]:
        node = node[k]
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    files = {k: yaml.safe_dump(v, allow_unicode=True) for k, v in data.items()}
    files["units.yaml"] = UNITS
    reg = write_registers(tmp_path_factory.mktemp("any") / "r", files)
    rc, out, err = run("-r", str(reg), "check")
    assert rc in (0, 2), (rc, err)
    assert "内部错误" not in err and "Traceback" not in err
    if rc == 2:
        lines = [x for x in err.splitlines() if x.strip()]
        assert lines[-1].endswith("未生成任何文件。")
        assert all(_DIAG.match(x) for x in lines[:-1]), err
        assert all(len(x) < 600 for x in lines), "a message quotes a 10,000-character text whole"


# ---------------------------------------------------------------- what reaches the documents

def test_a_request_for_a_matter_of_two_thousand_characters_is_issued_not_an_internal_error(run, tmp_path):
    """The 提请协调单's title property is the matter's text: past 255 characters python-docx raised (an internal
    error, no request). The page shows the whole text; the PDF's title is cut to 255 characters."""
    from pypdf import PdfReader

    from test_coordination import GOOD, RULES as COORD_RULES

    text = "中天门大街管线迁改涉及供水燃气单位" * 117 + "末尾"  # 17 × 117 + 2 = 1991 characters (the limit is 2000)
    reg = write_registers(tmp_path / "r", {"rules.yaml": COORD_RULES,
                                           "coordination/2026.yaml": GOOD.replace("管线迁改费用分担未定", text)})
    out = tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT01", "--on", "2026-11-04")
    assert rc == 0, err
    pdf = out / "documents" / "提请协调单" / "督协〔2026〕1号.pdf"
    r = PdfReader(pdf)
    title = r.metadata.title
    assert len(title) == 255 and title.endswith("…") and title.startswith("中天门大街管线迁改涉及供水燃气单位")
    body = "".join(p.extract_text() for p in r.pages).replace("\n", "")
    assert "末尾" in body  # the text's last two characters are on the page


def test_the_registers_the_property_changes_pass_check_as_they_are(run, tmp_path, monkeypatch):
    """On 2026-12-31 (check looks from today: every 2026 period has begun by then, and the count is the year's)."""
    files = {k: yaml.safe_dump(yaml.safe_load(textwrap.dedent(v)), allow_unicode=True) for k, v in _BASE.items()}
    files["units.yaml"] = UNITS
    fake_today(monkeypatch, dt.date(2026, 12, 31))
    rc, out, err = run("-r", str(write_registers(tmp_path / "r", files)), "check")
    assert rc == 0, err
    assert "23个事项" in out  # 2 milestones, the 主任办公会's item, 2 coordination items and the derived ones


@pytest.mark.parametrize("args", [("scores", "--period", "0000"), ("scores", "--period", "0000-Q4", "--notice"),
                                  ("accountability", "--period", "0000"), ("bulletin", "--period", "0000-10")])
def test_a_period_of_the_year_0000_is_a_usage_error_not_an_internal_error(run, tmp_path, args):
    reg = _office(tmp_path)
    out = tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), *args, "--on", "2026-11-20")
    assert rc == 2, err
    assert f"期间「{args[2]}」中的年份不存在" in err
    assert not out.exists()


# ---------------------------------------------------------------- settings: one 机关代字 for two kinds

_ISSUERS = """\
    office:
      committee: 泰安高新技术产业开发区管理委员会
      name: 泰安高新区管委会督导工作专班
      contact: 张明
      phone: 0538-8526001
      print_organ: 泰安高新区综合管理部
      cc: [党工委组织部, 纪工委]
    issuers:
      - id: dudao
        name: 泰安高新区管委会督导工作专班
        prefixes: {assign: 督交, urge: 督催, rectify: 督改, coordinate: 督协}
      - id: zhaoshang
        name: 泰安高新区双招双引工作专班办公室
        prefixes: {assign: 招交, urge: 招催, rectify: 招改}
    """


@pytest.mark.parametrize("written, line, field, words", [
    # the ledger counts each kind apart: 交办单 督交〔2026〕1号 and 提请协调单 督交〔2026〕1号 would both be issued
    ("coordinate: 督协", 11, "coordinate", "提请协调单的机关代字「督交」与交办单相同"),
    ("urge: 督催", 11, "urge", "催办单的机关代字「督交」与交办单相同"),
])
def test_one_prefix_for_two_kinds_of_one_issuer_is_refused(run, tmp_path, written, line, field, words):
    reg = write_registers(tmp_path / "r", {"settings.yaml": _ISSUERS.replace(written, written[:-2] + "督交")})
    err = _refused(run, reg, ("settings.yaml", line, field))
    assert words in err


def test_the_default_issuers_notice_prefix_as_another_issuers_assign_prefix_is_refused(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"settings.yaml": _ISSUERS.replace("coordinate: 督协", "notice: 招交")})
    err = _refused(run, reg, ("settings.yaml", 14, "assign"))
    assert "交办单的机关代字「招交」与编号机构「dudao」的得分情况通报相同" in err


def test_distinct_prefixes_pass(run, tmp_path):
    rc, _, err = run("-r", str(write_registers(tmp_path / "r", {"settings.yaml": _ISSUERS})), "check")
    assert rc == 0, err


def test_a_consultation_in_the_year_0001_is_refused_not_printed_on_the_request(run, tmp_path):
    from test_coordination import GOOD, RULES as COORD_RULES

    reg = write_registers(tmp_path / "r", {"rules.yaml": COORD_RULES, "coordination/2026.yaml": GOOD.replace(
        "{date: 2026-10-28, units: [财政金融部]", "{date: 0001-10-28, units: [财政金融部]")})
    # line 1 `coordination:`, 2 the id, … 9 the consultation
    err = _refused(run, reg, ("coordination/2026.yaml", 9, "date"))
    assert "日期 0001-10-28 不在2003—2027年之间" in err


@pytest.mark.parametrize("iid, what", [("调度-dispatch-2026Q3", "定期调度：2026年第三季度争先进位升级工作调度会"),
                                       ("报告-quarterly-2026Q3-经济发展部", "定期报告：2026年第三季度")])
def test_an_item_written_with_a_derived_items_id_is_refused(run, tmp_path, iid, what):
    # two items of one id: the 主任办公会's and the one derived from rules.yaml (a slip, a 办结 for one was the other's)
    reg = _office(tmp_path, meetings=("{id: 2026-ZR15-1,", f"{{id: {iid},"))
    err = _refused(run, reg, ("meetings/2026.yaml", 11, "id"))
    assert f"事项编号「{iid}」与{what}" in err and "推算出的事项编号相同" in err


def test_a_second_report_of_one_unit_for_one_period_is_refused(run, tmp_path):
    # the clerk wrote 经济发展部 for 招商服务中心's report: it was taken silently, 招商服务中心 counted as missing
    reg = _office(tmp_path, progress=("unit: 招商服务中心, period: 2026-Q3", "unit: 经济发展部, period: 2026-Q3"))
    err = _refused(run, reg, ("progress/2026.yaml", 7, "unit"))
    assert (f"经济发展部2026年第三季度的「重点工作、重大项目及其他重要事项进展情况专报」已于2026-10-09登记"
            f"（{reg}/progress/2026.yaml:6），一期只登记一次") in err


@pytest.mark.parametrize("written, field", [("scores:\n  overdue: .nan", "overdue"), ("scores:\n  base: .inf", "base"),
                                            ("accountability:\n  score_below: .inf", "score_below")])
def test_a_point_or_threshold_that_is_no_finite_number_is_refused(run, tmp_path, written, field):
    # .nan/.inf were taken: the scores were an internal error (cannot convert float NaN to integer), and a
    # threshold of .inf put every unit under it
    reg = _office(tmp_path)
    rules = reg / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + written + "\n", encoding="utf-8")  # lines 9 and 10
    rc, _, err = run("-r", str(reg), "scores", "--period", "2026-Q3", "--on", "2026-11-20")
    assert rc == 2, err
    assert f"{reg}/rules.yaml:10: {field}: 应为-10000到10000之间的数字" in err
