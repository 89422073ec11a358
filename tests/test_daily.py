"""The daily routine (issue 11): warn, remind, the Excel 台账, build. Figures worked out by hand below."""
import datetime as dt
import json
import os
import stat
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from conftest import write_registers, docgen
from examples import DAILY_REGS as REGS


# The registers and the figures worked out by hand: examples.DAILY_REGS.


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("daily")
    reg = write_registers(root / "r", REGS)
    out = root / "out"
    p = cli(reg, out, "assign", "--on", "2026-11-10")
    assert p.returncode == 0, p.stderr
    return reg, out


def test_warning_list_by_unit_most_urgent_first(office):
    reg, out = office
    p = cli(reg, out, "warn", "--on", "2026-11-17", "--json")
    assert p.returncode == 0, p.stderr
    got = [(u["unit"], [(i["level"], i["item"], i["slip"], i["days_overdue"], i["workdays_left"], i["sign_by"])
                        for i in u["items"]]) for u in json.loads(p.stdout)]
    assert got == [
        ("经济发展部", [("红", "A", "督交〔2026〕1号", 5, None, None)]),
        ("良庄镇", [("蓝", "L", "督交〔2026〕3号", 0, 2, None), ("未签收", "L", "督交〔2026〕3号", 0, 2, "2026-11-12")]),
        ("财政金融部", [("蓝", "B", "督交〔2026〕2号", 0, 2, None), ("未签收", "B", "督交〔2026〕2号", 0, 2, "2026-11-12")]),
    ]
    text = cli(reg, out, "warn", "--on", "2026-11-17").stdout
    assert text.splitlines()[0] == "2026年11月17日预警清单：红色预警1项，黄色预警0项，蓝色预警2项，回执未签收2份"
    assert "  红　督交〔2026〕1号　推进甲项目开工建设　办结时限11月12日，已逾期5天" in text
    assert "  未签收　督交〔2026〕2号　做好乙项目资金保障　回执未签收（应于11月12日前签收）" in text


def test_a_receipt_is_due_two_working_days_after_issue(office):
    reg, out = office
    # 11/12 is the last day for B's and L's 回执: not listed yet
    j = json.loads(cli(reg, out, "warn", "--on", "2026-11-12", "--json").stdout)
    assert not any(i["level"] == "未签收" for u in j for i in u["items"])


def test_check_names_units_without_a_mobile_and_unknown_receipts(tmp_path):
    reg = write_registers(tmp_path / "r", {**REGS, "progress/p.yaml": """\
        progress:
          - {item: A, date: 2026-11-11, type: 签收, slip: 督交〔2026〕9号, by: 孙伟}
        """})
    p = cli(reg, tmp_path / "o", "check")
    assert p.returncode == 0
    assert "以下单位没有登记手机号（mobile），不能发送短信提醒：良庄镇" in p.stdout
    assert "签收的单据「督交〔2026〕9号」在账本中没有" in p.stdout and "p.yaml:2" in p.stdout


SENDER = """#!{python}
import json, sys
phone, text = sys.argv[1], sys.argv[2]
payload = json.loads(sys.stdin.read())
assert payload["phone"] == phone and payload["text"] == text
with open({log!r}, "a", encoding="utf-8") as f:
    f.write(phone + "\\t" + text + "\\n")
sys.exit(1 if phone in {fail!r} else 0)
"""


def _sender(tmp_path, name, fail=()):
    p = tmp_path / name
    log = tmp_path / f"{name}.log"
    p.write_text(SENDER.format(python=sys.executable, log=str(log), fail=list(fail)), encoding="utf-8")
    p.chmod(p.stat().st_mode | stat.S_IEXEC)
    return p, log


def test_reminders_outbox_segments_and_retries(office, tmp_path):
    reg, out = office
    # by hand: one message per contact; 经济发展部 (孙伟, 13905381002) has A; 财政金融部 (周敏, 13905381003) has B
    # and B's unsigned 回执; 良庄镇 has no mobile. The office name is the signature when settings give none.
    a = ("【泰安高新区管委会督导工作专班】孙伟您好，经济发展部的督办提醒：1.督交〔2026〕1号推进甲项目开工建设"
         "（办结时限11月12日，已逾期5天）。请抓紧办理，按时反馈。")
    b = ("【泰安高新区管委会督导工作专班】周敏您好，财政金融部的督办提醒：1.督交〔2026〕2号做好乙项目资金保障"
         "（办结时限11月19日，剩余2个工作日）；2.督交〔2026〕2号回执未签收。请抓紧办理，按时反馈。")
    # 16 (signature) + 5 + 11 + 2 + 10 (number) + 9 (item) + 18 (办结时限…) + 1 + 11 = 83;
    # 16 + 5 + 11 + 2 + 10 + 9 + 20 + 1 + 2 + 10 + 5 + 1 + 11 = 103: both over 70, so two parts each, 62
    # characters and a 5-character (i/2) mark in the first
    assert len(a) == 83 and len(b) == 103
    p = cli(reg, out, "remind", "--on", "2026-11-17")
    assert p.returncode == 0, p.stderr
    assert "以下单位没有登记手机号，未发送（请在 units.yaml 中补充 mobile）：良庄镇" in p.stdout
    rows = [json.loads(x) for x in (out / "outbox" / "2026-11-17.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["phone"], r["message"], r["parts"], r["status"]) for r in rows] == [
        ("13905381002", a, 2, "待发送"), ("13905381003", b, 2, "待发送")]
    csv = (out / "outbox" / "2026-11-17.csv").read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0] == "手机号,单位,联系人,短信内容,条数,事项,状态,说明,编号"
    assert not (reg / "reminders.jsonl").exists()  # nothing sent, nothing recorded

    # sending: 财政金融部's gateway call fails; 经济发展部's goes through
    cmd, log = _sender(tmp_path, "send1", fail=["13905381003"])
    p = cli(reg, out, "remind", "--on", "2026-11-17", "--send-cmd", str(cmd))
    assert p.returncode == 0, p.stderr
    sent = [ln.split("\t") for ln in log.read_text(encoding="utf-8").splitlines()]
    assert [s[0] for s in sent] == ["13905381002", "13905381002", "13905381003"]  # two parts; the failure stops B
    parts = [s[1] for s in sent[:2]]
    assert parts[0].startswith("(1/2)") and parts[1].startswith("(2/2)") and all(len(x) <= 67 for x in parts)
    assert parts[0][5:] + parts[1][5:] == a
    assert "1条发送失败，已记录，下次运行 docgen remind 时重发" in p.stdout
    # the next run the same day: A is never sent to 13905381002 again; B is retried
    cmd2, log2 = _sender(tmp_path, "send2")
    p = cli(reg, out, "remind", "--on", "2026-11-17", "--send-cmd", str(cmd2))
    assert [ln.split("\t")[0] for ln in log2.read_text(encoding="utf-8").splitlines()] == ["13905381003"] * 2
    # and once more: nothing left to send today
    p = cli(reg, out, "remind", "--on", "2026-11-17", "--send-cmd", str(cmd2))
    assert len(log2.read_text(encoding="utf-8").splitlines()) == 2 and "短信提醒：0条" in p.stdout
    records = [json.loads(x) for x in (reg / "reminders.jsonl").read_text(encoding="utf-8").splitlines()]
    # each send is an intent (发送中) and then its outcome
    assert [(r["phone"], r["status"]) for r in records] == [
        ("13905381002", "发送中"), ("13905381002", "已发送"), ("13905381003", "发送中"), ("13905381003", "发送失败"),
        ("13905381003", "发送中"), ("13905381003", "已发送")]
    # the next day both are due a message again
    p = cli(reg, out, "remind", "--on", "2026-11-18")
    assert "短信提醒：2条" in p.stdout


def test_split_keeps_every_part_within_67():
    from docgen.outputs.remind import split

    assert split("字" * 70) == ["字" * 70]
    parts = split("字" * 71)
    assert parts == ["(1/2)" + "字" * 62, "(2/2)" + "字" * 9]
    parts = split("字" * 600)
    assert len(parts) == 10 and all(len(p) <= 67 for p in parts) and parts[-1].startswith("(10/10)")
    assert "".join(p.split(")", 1)[1] for p in parts) == "字" * 600


def test_excel_ledger_read_back(office, tmp_path):
    reg, out = office
    f = tmp_path / "台账.xlsx"
    p = cli(reg, out, "ledger", "--xlsx", str(f), "--on", "2026-11-17")
    assert p.returncode == 0, p.stderr
    wb = load_workbook(f)
    assert wb.sheetnames == ["汇总", "会议议定事项", "领导批示", "公文办理", "督导整改", "协调议定事项"]
    ws = wb["会议议定事项"]
    assert [c.value for c in ws[3]] == ["序号", "来源", "事项内容", "牵头单位", "配合单位", "交办日期", "办结时限", "状态",
                                       "办理情况", "交办单号", "催办次数", "逾期天数"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    a = rows["推进甲项目开工建设"]
    assert a[0] == 1 and a[3] == "经济发展部" and a[5] == dt.datetime(2026, 11, 2) and a[6] == dt.datetime(2026, 11, 12)
    assert a[7] == "逾期·红（已逾期5天）" and a[8] is None  # a 签收 is not 办理情况
    assert (a[9], a[10], a[11]) == ("督交〔2026〕1号", 0, 5)
    b = rows["做好乙项目资金保障"]
    assert (b[9], b[11]) == ("督交〔2026〕2号", 0) and b[7].startswith("临期·蓝")
    d = [r for r in ws.iter_rows(min_row=4) if str(r[2].value).endswith("丁项目前期手续")][0]
    assert d[2].value == "=SUM(1,2)丁项目前期手续" and d[2].data_type == "s" and d[2].quotePrefix
    assert d[9].value in ("", None)  # not assigned by a slip yet
    fills = {r[2].value: r[2].fill.start_color.rgb[-6:] for r in ws.iter_rows(min_row=4)}
    assert fills["推进甲项目开工建设"] == "FFC7CE" and fills["做好乙项目资金保障"] == "BDD7EE"
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:L7"  # under the title and the 截至 line
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$3"
    summary = wb["汇总"]
    total = [r for r in summary.iter_rows(values_only=True) if r and r[0] == "合计"][0]
    # 4 items: A overdue; B, L due soon and D not yet due are 正在办理; red A, blue B and L
    assert total[1:] == (4, 0, 0, 3, 1, 0, 1, 0, 2)
    # LibreOffice Calc opens it (headless conversion to PDF)
    env = dict(os.environ, HOME=str(tmp_path))
    calc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(f)],
                          env=env, capture_output=True, text=True, timeout=180)
    assert calc.returncode == 0, calc.stdout + calc.stderr
    assert (tmp_path / "台账.pdf").read_bytes().startswith(b"%PDF-")


def test_build_issues_and_then_writes_nothing(tmp_path):
    reg = write_registers(tmp_path / "r", REGS)
    out = tmp_path / "out"
    p = cli(reg, out, "build", "--on", "2026-11-17")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "2026年11月17日 docgen build"
    # A, B and L (met on or before 11/17 and without a slip) and D (met 11/16) are all assigned in register order
    assert "新出具交办单4份：督交〔2026〕1—4号；经济发展部：督交〔2026〕1号、4号；" \
           "财政金融部：督交〔2026〕2号；良庄镇：督交〔2026〕3号" in lines
    assert any(ln.startswith("请打印：") and "2026-11-17-交办单-1" in ln for ln in lines)
    for f in ("台账.xlsx", "site/index.html", "outbox/2026-11-17.csv"):
        assert (out / f).exists(), f
    files = {p: p.stat().st_mtime_ns for p in list(out.rglob("*")) + list(reg.rglob("*")) + list(
        (reg / "archive").rglob("*"))}
    p = cli(reg, out, "build", "--on", "2026-11-17")
    assert p.returncode == 0 and "今天没有需要出具的单据" in p.stdout
    after = {p: p.stat().st_mtime_ns for p in list(out.rglob("*")) + list(reg.rglob("*")) + list(
        (reg / "archive").rglob("*"))}
    assert after == files  # a second build with nothing changed writes no file


def test_build_closes_the_last_month_when_settings_ask(tmp_path):
    from conftest import MINI_SETTINGS

    reg = write_registers(tmp_path / "r", {**REGS, "settings.yaml": MINI_SETTINGS + "bulletin:\n  auto: month\n"})
    out = tmp_path / "out"
    p = cli(reg, out, "build", "--on", "2026-12-01", "--workers", "2")
    assert p.returncode == 0, p.stderr
    assert "出具《督导通报》2026年第1期（2026年11月）" in p.stdout
    p = cli(reg, out, "build", "--on", "2026-12-02")
    assert "督导通报" not in p.stdout  # November is closed: no second bulletin


def test_warnings_on_the_example_registers(example_registers, tmp_path):
    """By hand, on 2026-11-20 (a Friday):
    - 2026-GW05-3 (党工委会 9/24, 会后10日 -> 10/4 in the National Day holiday -> 10/8): 23 + 20 = 43 days overdue;
    - 2026-PS08 (分管领导 on 11/5, 交办后1周 -> 11/12): 8 days overdue;
    - 2026-GW009 (调研, handed 10/26, 20 working days: 4 in October, 5 a week to 11/20, then 11/23): one working day
      left, blue."""
    out = tmp_path / "o"
    for day in ("2026-10-12", "2026-11-16"):
        assert cli(example_registers, out, "assign", "--on", day, "--no-pdf").returncode == 0
    j = json.loads(cli(example_registers, out, "warn", "--on", "2026-11-20", "--json").stdout)
    entries = {i["item"]: (u["unit"], i["level"], i["days_overdue"], i["workdays_left"])
               for u in j for i in u["items"] if i["level"] != "未签收"}
    assert entries["2026-GW05-3"] == ("北集坡街道", "红", 43, None)
    assert entries["2026-PS08"] == ("应急管理部", "红", 8, None)
    assert entries["2026-GW009"] == ("科技创新部", "蓝", 0, 1)
    order = [u["unit"] for u in j]
    assert order.index("北集坡街道") < order.index("应急管理部") < order.index("科技创新部")
    # drafts (--no-pdf) were never handed out: no 回执 is awaited for them
    assert not any(i["level"] == "未签收" for u in j for i in u["items"])


def test_excel_ledger_of_the_example_registers(example_registers, tmp_path):
    import yaml

    f = tmp_path / "t.xlsx"
    assert cli(example_registers, tmp_path / "o", "ledger", "--xlsx", str(f), "--on", "2026-11-20").returncode == 0
    # counted from the YAML itself: every meeting item of a meeting held by 11/20, every instruction, document
    # and finding dated by then
    meetings = sum((yaml.safe_load(p.read_text(encoding="utf-8"))["meetings"] for p in
                    sorted((example_registers / "meetings").glob("*.yaml"))), [])
    n_meeting = sum(len(m.get("items", [])) for m in meetings if str(m["date"]) <= "2026-11-20")  # 调度会: none
    wb = load_workbook(f)
    ws = wb["会议议定事项"]
    assert ws.max_row - 3 == n_meeting  # title, 截至 line, header
    assert [r[0] for r in ws.iter_rows(min_row=4, values_only=True)] == list(range(1, n_meeting + 1))
    overdue = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[2] == "推进棚户区改造二期拆迁清表工作"][0]
    assert overdue[6] == dt.datetime(2026, 10, 8) and overdue[11] == 43
