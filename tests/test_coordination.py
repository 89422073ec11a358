"""Coordination (issue 20, rules.md §8): the register `coordination` and the preconditions of the seed's §3, each
refused at `check` with its clause and accepted when met; decided items assigned like a meeting's."""
import datetime as dt
import json

import pytest

from conftest import write_registers

RULES = """\
    basis: {number: 泰高管发〔2021〕11号, title: 关于进一步健全完善工作高效运行机制的意见}
    coordination: {consult: 第3条第（1）项, report: 第3条第（2）项, escalate: 第3条第（3）项, opinion: 第3条第（4）项}
    """

# a matter at 分管领导 level that meets §3(1) and §3(2): consulted without agreement, disagreement and proposal given
GOOD = """\
    coordination:
      - id: XT01
        date: 2026-11-02
        text: 管线迁改费用分担未定
        lead: 经济发展部
        units: [财政金融部]
        level: 分管领导
        consulted:
          - {date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 迁改费用分担}
        proposal: 按管线权属分担迁改费用
        opinion: {by: 陈立新, date: 2026-11-03, text: 同意由经济发展部牵头协调}
        decided:
          date: 2026-11-05
          text: 由经济发展部牵头拿出分担方案
          items:
            - {id: XT01-1, text: 拿出迁改费用分担方案, lead: 经济发展部}
            - {id: XT01-2, text: 测算迁改费用, lead: 财政金融部, due: 2026-11-20, owner: 周敏}
    """


def _check(run, tmp_path, text, name="c"):
    reg = write_registers(tmp_path / name, {"rules.yaml": RULES, "coordination/2026.yaml": text})
    rc, out, err = run("-r", str(reg), "check")
    return rc, out, err, f"{reg}/coordination/2026.yaml"


def test_a_matter_meeting_every_precondition_is_accepted(run, tmp_path):
    rc, out, err, _ = _check(run, tmp_path, GOOD)
    assert rc == 0, err
    assert "2个事项" in out  # its two decided items


def test_no_consultation_is_refused_naming_clause_3_1(run, tmp_path):
    text = GOOD.replace("""    consulted:
          - {date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 迁改费用分担}
    """, "")
    rc, _, err, f = _check(run, tmp_path, text)
    assert rc == 2
    assert (f"{f}:2: consulted: 分管领导协调的事项须先经部门会商，没有会商记录（consulted）（泰高管发〔2021〕11号第3条第（1）项："
            "凡未主动沟通，或经部门协商一致可以解决的，原则上不予协调）") in err


def test_a_consultation_that_agreed_is_refused_naming_clause_3_1(run, tmp_path):
    rc, _, err, f = _check(run, tmp_path, GOOD.replace("result: 未达成一致", "result: 达成一致"))
    assert rc == 2
    assert f"{f}:8: consulted: 会商已达成一致，部门之间可以解决，不提请分管领导协调（泰高管发〔2021〕11号第3条第（1）项" in err


def test_a_department_level_matter_needs_no_coordination_precondition(run, tmp_path):
    text = """\
        coordination:
          - {id: XT09, date: 2026-11-02, text: 两部门会商, lead: 经济发展部, units: [财政金融部], level: 部门会商}
        """
    rc, _, err, _ = _check(run, tmp_path, text)
    assert rc == 0, err


def test_a_request_to_the_deputy_without_disagreement_or_proposal_is_refused_naming_clause_3_2(run, tmp_path):
    text = GOOD.replace(", disagreement: 迁改费用分担", "").replace("        proposal: 按管线权属分担迁改费用\n", "")
    rc, _, err, f = _check(run, tmp_path, text)
    assert rc == 2
    # both at once, each naming §3(2)
    assert f"{f}:8: consulted: 提请分管领导协调须报告意见分歧（会商记录的 disagreement）（泰高管发〔2021〕11号第3条第（2）项" in err
    assert f"{f}:2: proposal: 提请分管领导协调须写主办部门的办理建议（proposal）（泰高管发〔2021〕11号第3条第（2）项" in err


PRINCIPAL = GOOD.rstrip(" ") + """\
      - id: XT02
        date: 2026-11-10
        text: 管线迁改费用分担仍未落实
        lead: 经济发展部
        units: [财政金融部]
        level: 主要领导
        consulted:
          - {date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 迁改费用分担}
        escalated_from: XT01
        proposal: 建议由管委会统筹迁改资金
        opinion: {by: 陈立新, date: 2026-11-10, text: 建议由财政金融部统筹安排迁改资金}
    """


def test_a_request_to_the_principal_after_a_deputy_coordination_is_accepted(run, tmp_path):
    rc, _, err, _ = _check(run, tmp_path, PRINCIPAL)
    assert rc == 0, err


def test_a_request_to_the_principal_without_a_prior_coordination_is_refused_naming_clause_3_3(run, tmp_path):
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace("escalated_from: XT01\n", "escalated_from: XT07\n"))
    assert rc == 2
    assert f"{f}:18: escalated_from: escalated_from 写的协调事项「XT07」不存在（泰高管发〔2021〕11号第3条第（3）项" in err
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace("        escalated_from: XT01\n", ""), "c2")
    assert rc == 2
    assert f"{f}:18: escalated_from: 提请主要领导的事项须先经工作专班或分管领导协调" in err


def test_an_escalation_from_a_department_consultation_or_a_later_one_is_refused(run, tmp_path):
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace("level: 分管领导", "level: 部门会商"))
    assert rc == 2
    assert f"{f}:18: escalated_from: 「XT01」是部门会商，不是工作专班或分管领导的协调（泰高管发〔2021〕11号第3条第（3）项" in err
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace("date: 2026-11-10\n        text: 管线迁改费用分担仍未落实",
                                                            "date: 2026-11-01\n        text: 管线迁改费用分担仍未落实"), "c2")
    assert rc == 2
    assert f"{f}:18: escalated_from: 「XT01」（2026-11-02）晚于本次提请（2026-11-01）" in err


def test_a_request_to_the_principal_with_only_yi_yue_or_no_opinion_is_refused_naming_clause_3_4(run, tmp_path):
    said = "opinion: {by: 陈立新, date: 2026-11-10, text: 建议由财政金融部统筹安排迁改资金}"
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace(said, "opinion: {by: 陈立新, date: 2026-11-10, text: 已阅。}"))
    assert rc == 2
    assert (f"{f}:28: text: 分管领导意见「已阅。」不是明确具体的意见（泰高管发〔2021〕11号第3条第（4）项："
            "呈主要领导签批的请示，分管领导应签署明确具体意见") in err
    rc, _, err, f = _check(run, tmp_path, PRINCIPAL.replace("        " + said + "\n", ""), "c2")
    assert rc == 2
    assert f"{f}:18: opinion: 呈主要领导的事项须有分管领导签署的意见" in err


def test_decided_items_are_assigned_like_meeting_decisions_their_rule_by_level(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": GOOD})
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-11-06", "--json")
    assert rc == 0, err
    rows = {r["id"]: r for r in json.loads(out)["items"]}
    one = rows["XT01-1"]
    # 分管领导 -> instruction.deputy: 1周 (7 calendar days) from the decision 2026-11-05 -> 2026-11-12 (Thu, a workday)
    assert (one["rule"], one["assigned"], one["due"], one["lead"]) == ("instruction.deputy", "2026-11-05",
                                                                        "2026-11-12", "经济发展部")
    assert one["source"] == "协调议定"
    assert rows["XT01-2"]["rule"] == "explicit" and rows["XT01-2"]["due"] == "2026-11-20"


@pytest.mark.parametrize("level,rule,due", [
    # 部门会商 / 工作专班 -> meeting.special: 7 days from 2026-11-05 -> 11-12; 主要领导 -> instruction.principal:
    # 7 days -> 11-12; 上会 -> meeting.major: 10 days from the decision -> 2026-11-15 (Sun) -> next workday 11-16
    ("工作专班", "meeting.special", "2026-11-12"),
    ("上会", "meeting.major", "2026-11-16"),
])
def test_the_rule_of_a_decided_item_follows_the_level(run, tmp_path, level, rule, due):
    text = """\
        coordination:
          - id: XT05
            date: 2026-11-02
            text: 专班协调事项
            lead: 经济发展部
            level: {level}
            consulted: [{{date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 分歧}}]
            proposal: 建议
            escalated_from: {esc}
            decided: {{date: 2026-11-05, text: 议定, items: [{{id: XT05-1, text: 落实, lead: 经济发展部}}]}}
          - id: XT04
            date: 2026-11-01
            text: 此前的专班协调
            lead: 经济发展部
            level: 工作专班
            consulted: [{{date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 分歧}}]
            proposal: 建议
        """.format(level=level, esc="XT04" if level == "上会" else "null")
    reg = write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": text})
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-11-06", "--json")
    assert rc == 0, err
    row = {r["id"]: r for r in json.loads(out)["items"]}["XT05-1"]
    assert (row["rule"], row["due"]) == (rule, due)


# ---------------------------------------------------------------- the 提请协调单

def _office(tmp_path):
    return write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": PRINCIPAL})


def test_coordinate_numbers_one_request_per_matter_and_records_it(run, tmp_path, quick_pdf):
    from docgen.record.ledger import read

    reg, out = _office(tmp_path), tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT01", "--on", "2026-11-04")
    assert rc == 0, err
    # the first 提请协调单 of 2026 of the default issuer: 督协〔2026〕1号
    assert "提请协调单 督协〔2026〕1号（协调事项 XT01，出具）" in text
    rc, text, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT01", "--on", "2026-11-05")
    assert rc == 0, err
    assert "督协〔2026〕1号（协调事项 XT01，已于2026-11-04出具，不另编号）" in text
    rc, text, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT02", "--on", "2026-11-10")
    assert rc == 0 and "督协〔2026〕2号" in text
    st = read(reg)
    s = st.find("coordinate", "XT01")
    assert (s.number, s.issued.isoformat(), s.rendered["facts"]["协调层级"]) == ("督协〔2026〕1号", "2026-11-04", "分管领导")
    arch = reg / "archive" / "2026" / "提请协调单"
    assert sorted(p.name for p in arch.iterdir()) == ["督协〔2026〕1号.docx", "督协〔2026〕1号.pdf", "督协〔2026〕2号.docx",
                                                    "督协〔2026〕2号.pdf"]
    rc, text, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0, text + err


def test_coordinate_refuses_an_unknown_or_a_department_matter_numbering_nothing(run, tmp_path, quick_pdf):
    from docgen.record.ledger import read

    text = PRINCIPAL.rstrip(" ") + """\
      - {id: XT09, date: 2026-11-02, text: 两部门会商, lead: 经济发展部, units: [财政金融部], level: 部门会商}
    """
    reg = write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": text})
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "coordinate", "XT0l")
    assert rc == 2 and "台账中没有协调事项「XT0l」" in err
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "coordinate", "XT09")
    assert rc == 2 and "协调事项「XT09」的层级是部门会商：由主办部门与有关单位自行会商解决，不出具提请协调单" in err
    assert read(reg).slips == {}
    assert not (tmp_path / "o" / "documents").exists()


def test_the_request_prints_every_field_on_a_gbt9704_page(run, tmp_path):
    from ooxml_order import violations
    from pdfcheck import LEFT, RIGHT_EDGE, BOTTOM_EDGE, TOP, mm, open_pdf, text_lines
    from test_print_text import compare

    reg, out = _office(tmp_path), tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT02", "--on", "2026-11-11")
    assert rc == 0, err
    docx = out / "documents" / "提请协调单" / "督协〔2026〕1号.docx"
    assert violations(docx) == []
    compare(docx, docx.with_suffix(".pdf"))  # every character of the .docx printed, in order
    with open_pdf(docx.with_suffix(".pdf")) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert abs(mm(page.width) - 210) < 0.5 and abs(mm(page.height) - 297) < 0.5  # A4
        for c in page.chars:  # inside the type area: 28 mm left, 37 mm top, 156 × 225 mm
            if c["text"].strip():
                assert LEFT - 1 <= mm(c["x0"]) and mm(c["x1"]) <= RIGHT_EDGE + 1 and TOP - 1 <= mm(c["top"]) \
                    and mm(c["bottom"]) <= BOTTOM_EDGE + 1, c["text"]
        lines = text_lines(page)
        title = [ln.text for ln in lines if ln.size == 22.0]  # 二号 = 22 pt
        assert title == ["泰安高新区管委会督导工作专班", "提请协调单"]
        assert any(ln.text == "督协〔2026〕1号" and abs(ln.x1 - RIGHT_EDGE) < 1 for ln in lines)  # number flush right
    import docx as D

    rows = {r.cells[0].text: r.cells[1].text for r in D.Document(str(docx)).tables[0].rows}
    assert rows == {
        "协调事项": "管线迁改费用分担仍未落实", "主办部门": "经济发展部", "涉及单位": "财政金融部", "协调层级": "提请主要领导协调",
        "提请日期": "2026年11月10日", "会商过程": "2026年10月28日，经济发展部与财政金融部会商，未达成一致",
        "意见分歧": "迁改费用分担", "决策建议": "建议由管委会统筹迁改资金",
        "前期协调": "分管领导协调（XT01，2026年11月2日提请）；2026年11月5日协调结果：由经济发展部牵头拿出分担方案",
        "分管领导意见": "建议由财政金融部统筹安排迁改资金\n陈立新　2026年11月10日", "联系人": "张明　电话：0538-8526001"}


def test_the_xlsx_and_the_board_list_matters_by_level_and_state(run, tmp_path, quick_pdf):
    from openpyxl import load_workbook

    reg, out = _office(tmp_path), tmp_path / "o"
    assert run("-r", str(reg), "-o", str(out), "coordinate", "XT02", "--on", "2026-11-11")[0] == 0
    rc, _, err = run("-r", str(reg), "-o", str(out), "ledger", "--xlsx", str(tmp_path / "t.xlsx"), "--on", "2026-11-12")
    assert rc == 0, err
    ws = load_workbook(tmp_path / "t.xlsx")["统筹协调"]
    rows = [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]
    # 分管领导 before 主要领导; XT01 decided on 11/05 (已议定, its two items), XT02 not yet (待协调, its request)
    assert [r[:2] + r[5:] for r in rows] == [
        ["序号", "编号", "协调层级", "提请日期", "状态", "提请协调单", "议定事项"],
        [1, "XT01", "分管领导", dt.datetime(2026, 11, 2), "已议定", None, "XT01-1、XT01-2"],
        [2, "XT02", "主要领导", dt.datetime(2026, 11, 10), "待协调", "督协〔2026〕1号", None]]
    rc, _, err = run("-r", str(reg), "-o", str(out), "site", "--on", "2026-11-12")
    assert rc == 0, err
    html = (out / "site" / "index.html").read_text(encoding="utf-8")
    assert "<h2>统筹协调事项</h2>" in html
    assert "<tr><td>分管领导</td><td>1</td><td>0</td><td>1</td></tr>" in html  # level, total, 待协调, 已议定
    assert "<tr><td>主要领导</td><td>1</td><td>1</td><td>0</td></tr>" in html
    assert "<td>督协〔2026〕1号</td>" in html


def test_a_request_cannot_be_voided(run, tmp_path, quick_pdf):
    reg, out = _office(tmp_path), tmp_path / "o"
    assert run("-r", str(reg), "-o", str(out), "coordinate", "XT01", "--on", "2026-11-04")[0] == 0
    rc, _, err = run("-r", str(reg), "-o", str(out), "void", "督协〔2026〕1号", "--reason", "写错")
    assert rc == 2 and "督协〔2026〕1号 是提请协调单的编号：它不针对事项，不能作废" in err


def test_a_draft_request_takes_no_number(run, tmp_path):
    import docx as D
    from docgen.record.ledger import read

    reg, out = _office(tmp_path), tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "coordinate", "XT01", "--on", "2026-11-04", "--no-pdf")
    assert rc == 0, err
    path = out / "drafts" / "提请协调单" / "草稿-XT01.docx"
    assert f"提请协调单草稿（协调事项 XT01）：{path}" in text
    assert "草稿" in [p.text.strip() for p in D.Document(str(path)).paragraphs]  # where the number goes
    assert read(reg).slips == {} and not (out / "documents").exists()


def test_drafts_of_matters_whose_ids_make_the_same_file_name_are_two_files(run, tmp_path):
    """`../XT01` and `XT01` are two matters; made into file names both would be XT01, and the second draft would
    replace the first. The one whose id had to change carries eight hex digits of its whole id's sha256."""
    import hashlib

    text = PRINCIPAL.rstrip(" ") + """\
      - {id: ../XT01, date: 2026-11-02, text: 另一事项, lead: 经济发展部, units: [财政金融部], level: 分管领导,
         consulted: [{date: 2026-10-28, units: [财政金融部], result: 未达成一致, disagreement: 用地指标}],
         proposal: 建议统筹, opinion: {by: 陈立新, date: 2026-11-03, text: 同意提请}}
    """
    reg = write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": text})
    out = tmp_path / "o"
    for mid in ("XT01", "../XT01"):
        rc, _, err = run("-r", str(reg), "-o", str(out), "coordinate", mid, "--on", "2026-11-04", "--no-pdf")
        assert rc == 0, err
    folder = out / "drafts" / "提请协调单"
    suffix = hashlib.sha256(b"../XT01").hexdigest()[:8]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["草稿-XT01.docx", f"草稿-XT01-{suffix}.docx"])


def test_a_decided_item_gets_its_assignment_slip_naming_the_coordination(run, tmp_path, quick_pdf):
    import docx as D
    from docgen.issuing.slips import assigning_slip
    from docgen.record.ledger import read

    reg, out = write_registers(tmp_path / "r", {"rules.yaml": RULES, "coordination/2026.yaml": GOOD}), tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-06")
    assert rc == 0, err
    s = assigning_slip(read(reg), "XT01-1")
    assert s.kind == "assign" and s.number in ("督交〔2026〕1号", "督交〔2026〕2号")
    rows = {r.cells[0].text: r.cells[1].text
            for r in D.Document(str(out / "slips" / "交办单" / f"{s.number}.docx")).tables[0].rows}
    # decided on 11/05 by the 分管领导: 交办后1周内, due 11/12
    assert rows["事项来源"] == "分管领导协调事项XT01（2026年11月5日）议定事项"
    assert rows["交办日期"] == "2026年11月5日" and rows["办结时限"].startswith("2026年11月12日")


# ---------------------------------------------------------------- 机关代字 from settings.yaml

# A 县委督查室 numbers its documents with its own 机关代字: settings.yaml `prefixes:` of its default issuer, keyed by
# the kind ids. A second issuer (numbering slips only) need not repeat or differ in them.
DUCHA = """\
office:
  committee: 某县县委办公室
  name: 某县县委督查室
  contact: 王强
  phone: 0538-6000001
  print_organ: 某县县委办公室
  cc: [县委组织部, 县纪委监委]
  term: 督查
issuers:
  - id: ducha
    name: 某县县委督查室
    prefixes: {assign: 查交, urge: 查催, rectify: 查改, coordinate: 查协, notice: 查考, accountability: 查问}
    default: true
  - id: zhaoshang
    name: 某县招商工作专班
    prefixes: {assign: 招交, urge: 招催, rectify: 招改}
bulletin:
  title: 督查通报
"""
ACC_RULES = RULES.rstrip(" ") + """\
    accountability: {named_in_a_row: 3, overdue_days: 30, score_below: 95, rectify_overdue: true,
                     year_score_below: 90, clause: 第14条}
    """


def test_an_office_numbers_its_standalone_documents_with_its_own_prefixes(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"settings.yaml": DUCHA, "rules.yaml": ACC_RULES,
                                           "coordination/2026.yaml": PRINCIPAL})
    out = tmp_path / "o"
    base = ("-r", str(reg), "-o", str(out))
    rc, text, err = run(*base, "coordinate", "XT01", "--on", "2026-11-04")
    assert rc == 0, err
    assert "提请协调单 查协〔2026〕1号（协调事项 XT01，出具）" in text
    rc, text, err = run(*base, "scores", "--period", "2026-Q4", "--on", "2026-12-20", "--notice")
    assert rc == 0, err
    assert "2026年第四季度得分情况通报 查考〔2026〕1号（出具）" in text
    # XT01-2 (财政金融部) due 11/20, never done: on 12/31, 41 days overdue (> 30): a 临时性 fact, proposed by the
    # office's first 问责建议 of the year
    rc, text, err = run(*base, "accountability", "--period", "2026-Q4", "--on", "2026-12-31", "--issue")
    assert rc == 0, err
    assert "“测算迁改费用”（XT01-2）办结时限2026年11月20日，已逾期41天仍未办结" in text
    assert "问责建议 查问〔2026〕1号" in text
    assert not list((out / "documents").glob("*/督*"))


def test_only_the_default_issuer_may_name_the_standalone_prefixes(run, tmp_path):
    bad = DUCHA.replace("prefixes: {assign: 招交, urge: 招催, rectify: 招改}",
                        "prefixes: {assign: 招交, urge: 招催, rectify: 招改, notice: 招考}")
    reg = write_registers(tmp_path / "r", {"settings.yaml": bad})
    rc, text, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{reg}/settings.yaml:16: notice: 得分情况通报只由默认编号机构（ducha）编号，编号机构「zhaoshang」不能写它的机关代字" in err
