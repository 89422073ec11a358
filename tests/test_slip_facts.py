"""What a slip says (issue 17): the deadline in force on its date, a 补发 when it comes after that deadline, the
整改通知单 a rework 催办单 cites, the issuer in every title, the print hint that follows print.duplex, and the
bulletin's wording (no unit named twice, scores with one decimal when any has one). Real LibreOffice PDFs.

A small office, its dates worked out by hand (主任办公会: 会后10日内, rules.md §2; 2026 schedule in examples.py):
  R  良庄镇      meeting 10/09 -> due 10/19 (Mon). 交办单 督交〔2026〕1号 on 10/12. Reported done 10/16; the check of
                 10/21 fails with until 10/28: 整改通知单 督改〔2026〕1号 on 10/21 sets the rework deadline 10/28.
                 On 11/02 it is 11/02 - 10/28 = 5 days overdue: 催办单 督催〔2026〕1号 cites 督改〔2026〕1号.
  A  经济发展部  meeting 11/02 -> due 11/12 (Thu); extension asked 11/10 to 11/30, granted 11/11. Its catch-up
                 交办单 of 11/17 (督交〔2026〕2号) prints 11/30, the deadline in force, not 11/12; not a 补发.
                 On 11/26 two working days are left (11/27, 11/30): blue, urged with the deadline in force.
  B  财政金融部  meeting 11/02 -> due 11/12; its 交办单 of 11/17 (督交〔2026〕3号) comes 11/17 - 11/12 = 5 days
                 after the deadline: a 补发. Its text has 32 characters: cut to 30 in a 签收登记表, 14 in `status`.
  F  财政金融部  inspection 11/02, due 11/10; its 整改通知单 of 11/17 (督改〔2026〕2号) is 7 days late: a 补发.
  G  良庄镇      inspection 11/02, due 11/10, extended on 11/06 to 11/20: its 整改通知单 of 11/17 (督改〔2026〕3号)
                 prints 11/20 and is no 补发.
The office prints single-sided (print.duplex: false).
"""
import re
import subprocess

import pytest

from conftest import MINI_SETTINGS, docgen, write_registers
from examples import Q3_REG

ISSUER = "泰安高新区管委会督导工作专班"

REGS = {
    "settings.yaml": MINI_SETTINGS + "print:\n  duplex: false\n",
    "meetings/m.yaml": """\
        meetings:
          - id: MR
            kind: 主任办公会
            title: 2026年第18次主任办公会
            date: 2026-10-09
            items:
              - {id: R, text: 落实丙村秸秆禁烧巡查, lead: 良庄镇}
          - id: MA
            kind: 主任办公会
            title: 2026年第20次主任办公会
            date: 2026-11-02
            items:
              - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
              - {id: B, text: 做好乙项目资金保障，确保年底前完成全部拨付并按月报送资金使用情况, lead: 财政金融部}
        """,
    "inspections/i.yaml": """\
        inspections:
          - {id: F, date: 2026-11-02, form: 实地督导, inspectors: [张明], finding: 专项资金台账不全,
             requirement: 补齐台账, lead: 财政金融部, due: 2026-11-10}
          - {id: G, date: 2026-11-02, form: 实地督导, inspectors: [张明], finding: 巡查记录不全,
             requirement: 补齐记录, lead: 良庄镇, due: 2026-11-10}
        """,
    "progress/p.yaml": """\
        progress:
          - {item: R, date: 2026-10-16, type: 办结}
          - {item: R, date: 2026-10-21, type: 核查, passed: 不通过, until: 2026-10-28, note: 巡查记录不全}
          - {item: A, date: 2026-11-10, type: 延期申请, until: 2026-11-30, reason: 协调用地}
          - {item: A, date: 2026-11-11, type: 延期批复, granted: 同意}
          - {item: G, date: 2026-11-05, type: 延期申请, until: 2026-11-20, reason: 补录需时}
          - {item: G, date: 2026-11-06, type: 延期批复, granted: 同意}
        """,
}


def cli(reg, out, *args):
    p = docgen(["-r", reg, "-o", out, *args])
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def text(pdf) -> str:
    """The page's text in content order (a cell's lines together, after its label), without any white space."""
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", raw)


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    root = tmp_path_factory.mktemp("facts")
    reg, out = write_registers(root / "r", REGS), root / "o"
    cli(reg, out, "assign", "--on", "2026-10-12")
    cli(reg, out, "rectify", "--on", "2026-10-21")
    cli(reg, out, "urge", "--on", "2026-11-02")
    built = cli(reg, out, "build", "--on", "2026-11-17")
    cli(reg, out, "urge", "--on", "2026-11-26")
    return reg, out, built


def slip(out, folder, number):
    return text(out / "slips" / folder / f"{number}.pdf")


def test_rework_urge_cites_the_rectification_and_prints_the_rework_deadline(office):
    reg, out, _ = office
    t = slip(out, "催办单", "督催〔2026〕1号")
    assert "交办依据督改〔2026〕1号整改通知单（2026年10月21日）" in t
    assert "督交〔2026〕1号" not in t
    assert "办结时限2026年10月28日（核查未通过后的整改时限；原办结时限2026年10月19日）" in t
    assert "办理进度已逾期5天" in t


def test_catch_up_assignment_prints_the_extended_deadline(office):
    reg, out, _ = office
    t = slip(out, "交办单", "督交〔2026〕2号")
    assert "推进甲项目开工建设" in t
    assert "办结时限2026年11月30日（经批准延期；原办结时限2026年11月12日，会后10日内" in t
    assert "补发" not in t  # 11/17 is before 11/30


def test_urge_prints_the_extended_deadline_first(office):
    reg, out, _ = office
    urged = [t for t in (text(p) for p in (out / "slips" / "催办单").glob("*.pdf")) if "推进甲项目开工建设" in t]
    assert len(urged) == 1
    assert "办结时限2026年11月30日（经批准延期；原办结时限2026年11月12日）办理进度剩余2个工作日" in urged[0]


def test_assignment_after_the_deadline_says_it_is_a_late_issue(office):
    reg, out, _ = office
    t = slip(out, "交办单", "督交〔2026〕3号")
    assert "做好乙项目资金保障" in t
    assert "督办事项交办单（补发）" in t  # the mark under the title
    assert "办结时限2026年11月12日（会后10日内）补发说明此单于办结时限后补发，出具时已逾期5天。" in t
    assert "办理要求请立即办理" in t and "请于办结时限前" not in t  # no deadline in the past to meet
    on_time = slip(out, "交办单", "督交〔2026〕1号")
    assert "补发" not in on_time and "请于办结时限前" in on_time


def test_rectification_after_the_deadline_says_it_is_a_late_issue(office):
    reg, out, _ = office
    t = slip(out, "整改单", "督改〔2026〕2号")
    assert "发现问题专项资金台账不全" in t
    assert "督导检查整改通知单（补发）" in t
    assert "整改时限2026年11月10日补发说明此单于整改时限后补发，出具时已逾期7天，请立即整改。" in t
    rework = slip(out, "整改单", "督改〔2026〕1号")  # 10/21, the rework deadline 10/28 still ahead
    assert "补发" not in rework and "整改时限2026年10月28日责任单位" in rework


def test_rectification_prints_the_extended_deadline(office):
    reg, out, _ = office
    t = slip(out, "整改单", "督改〔2026〕3号")
    assert "发现问题巡查记录不全" in t and "补发" not in t
    assert "整改时限2026年11月20日（经批准延期；原整改时限2026年11月10日）责任单位良庄镇" in t


def test_every_slip_title_names_the_issuer(office):
    reg, out, _ = office
    for folder, number, title in (("交办单", "督交〔2026〕3号", "督办事项交办单"),
                                  ("催办单", "督催〔2026〕1号", "督办事项催办单"),
                                  ("整改单", "督改〔2026〕1号", "督导检查整改通知单")):
        assert slip(out, folder, number).startswith(ISSUER + title), number


def test_print_hint_follows_duplex_setting(office):
    reg, out, built = office
    assert "按单面打印" in built and "双面" not in built
    for index in (out / "batches").glob("*/目录.txt"):
        assert "双面" not in index.read_text(encoding="utf-8")


def test_console_says_the_late_slip_is_marked(office):
    reg, out, built = office
    assert "督交〔2026〕3号（事项「B」，财政金融部）：出具于2026年11月17日，已到或已过办结时限2026年11月12日（单据上印“补发”）" in built
    # A's deadline in force on 11/17 is 11/30: late only for the lag, 11/03 … 11/17 being 11 working days
    assert "督交〔2026〕2号（事项「A」，经济发展部）：交办（2026年11月2日）后第11个工作日才出具，超过2个工作日" in built
    assert [x for x in built.splitlines() if "（事项「A」" in x and "办结时限" in x] == []


def test_correction_mark_has_no_bracket_inside_its_own(office):
    reg, out, _ = office
    cli(reg, out, "assign", "--on", "2026-11-27", "--reissue", "督交〔2026〕1号", "--reason", "事项表述有误（漏字）")
    pdfs = sorted((out / "slips" / "交办单").glob("督交〔2026〕1号*.pdf"))
    t = text(out / "slips" / "交办单" / "督交〔2026〕1号.pdf")
    assert "督办事项交办单（2026年11月27日更正：事项表述有误（漏字））" in t, pdfs


def test_a_cut_text_ends_with_the_chinese_ellipsis(office):
    reg, out, _ = office
    t = text(out / "batches" / "2026-11-17-交办单-1" / "签收登记表.pdf")
    assert "做好乙项目资金保障，确保年底前完成全部拨付并按月报送资金……" in t  # 28 characters and ……: 30
    assert "资金使用情况" not in t
    status = cli(reg, out, "status", "--on", "2026-11-17")
    assert "做好乙项目资金保障，确保……" in status and "确保年" not in status  # 12 and ……: 14


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory):
    # examples.Q3_REG, by hand: 良庄镇 100, 经济发展部 97.5 (−3 and +0.5), 财政金融部 91.5 (−8.5); F1 (经济发展部)
    # 27 days overdue. Its finding here begins with its unit's name.
    root = tmp_path_factory.mktemp("q3")
    reg = write_registers(root / "r", {"m.yaml": Q3_REG.replace("finding: 台账不全", "finding: 经济发展部台账不全")})
    out = root / "o"
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    return reg, out, text(out / "bulletins" / "督导通报2026年第1期.pdf")


def test_bulletin_names_an_overdue_items_unit_once(bulletin):
    reg, out, t = bulletin
    assert "（二）经济发展部：台账不全，办结时限2026年9月15日，已逾期27天" in t and "经济发展部：经济发展部" not in t


def test_bulletin_prints_every_score_with_one_decimal_when_one_has_it(bulletin):
    reg, out, t = bulletin
    # 名次 单位 得分 扣分 加分: the scores with one decimal (100.0 beside 97.5); the points as the score notice
    # prints them, amounts under the headings 扣分 and 加分 (no ASCII "-"), 0 and whole numbers without .0
    assert "1良庄镇100.000" in t
    assert "2经济发展部97.530.5" in t  # 97.5 | 3 | 0.5
    assert "3财政金融部91.58.50" in t  # 91.5 | 8.5 | 0
    assert "97.5-3.0" not in t and "91.5-8.5" not in t
    scores = cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-10-12")
    assert "良庄镇：100.0分" in scores and "经济发展部：97.5分" in scores
