"""考核问责 (issue 20, rules.md §9): appeals against a deduction, the year's scores per unit and per 责任人, the score
notice (张榜公布) and the accountability triggers. Every figure below is worked out by hand from rules.md §6's
default points (overdue −1, each further full week −0.5, named in a bulletin −1, on time +0.5; base 100)."""
import json

from conftest import ROOT, write_registers

# 主任办公会 on 2026-11-02: meeting.major, 会后10日内 -> due 2026-11-12 (Thu, a workday). Never done.
MEETING = """\
    meetings:
      - id: M1
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部, owner: 孙伟}
    """
APPEAL = """\
    progress:
      - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-11-16, reason: 管线迁改受阻非本单位原因}
    """


def _decided(decision: str, day: str = "2026-11-18") -> str:
    return APPEAL.rstrip(" ") + f"""\
      - {{item: A, type: 申诉决定, unit: 经济发展部, rule: 逾期未办结, date: {day}, decision: {decision}, by: 张明}}
    """


def _scores(run, reg, period, on):
    rc, out, err = run("-r", str(reg), "scores", "--period", period, "--on", on, "--json")
    assert rc == 0, err
    return {u["unit"]: u for u in json.loads(out)["units"]}


def test_an_upheld_appeal_cancels_the_deduction_in_the_open_period(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "progress/p.yaml": _decided("撤销")})
    u = _scores(run, reg, "2026-Q4", "2026-11-27")["经济发展部"]
    # as of 11/27, 15 days late: overdue −1 (11/13), weeks −0.5 (11/19) and −0.5 (11/26); the appeal decided
    # 撤销 on 11/18 cancels the −1 of 逾期未办结 as +1 dated 11/18: 100 − 1 + 1 − 0.5 − 0.5 = 99
    assert u["score"] == 99.0
    appeal = [e for e in u["events"] if e["rule"] == "appeal"]
    assert [(e["date"], e["points"], e["label"]) for e in appeal] == [("2026-11-18", 1.0, "申诉撤销扣分")]
    assert "2026年11月16日申诉（管线迁改受阻非本单位原因），2026年11月18日张明决定撤销「逾期未办结」扣分" in appeal[0]["reason"]


def test_a_rejected_appeal_leaves_the_deduction(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "progress/p.yaml": _decided("维持")})
    u = _scores(run, reg, "2026-Q4", "2026-11-27")["经济发展部"]
    # 维持: nothing cancelled: 100 − 1 − 0.5 − 0.5 = 98
    assert u["score"] == 98.0
    assert not [e for e in u["events"] if e["rule"] == "appeal"]


def test_a_pending_appeal_is_listed_by_warn(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "progress/p.yaml": APPEAL})
    rc, out, err = run("-r", str(reg), "warn", "--on", "2026-11-17")
    assert rc == 0, err
    assert "待决定的申诉1件" in out
    assert "申诉　经济发展部　A　「逾期未办结」　2026年11月16日申诉：管线迁改受阻非本单位原因" in out
    # decided: no longer listed
    reg2 = write_registers(tmp_path / "r2", {"meetings/m.yaml": MEETING, "progress/p.yaml": _decided("维持")})
    rc, out, err = run("-r", str(reg2), "warn", "--on", "2026-11-18")
    assert rc == 0, err
    assert "申诉" not in out


def test_a_bad_appeal_is_refused_naming_file_and_line(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "progress/p.yaml": """\
        progress:
          - {item: A, type: 申诉, unit: 财政金融部, rule: overdue, date: 2026-11-16, reason: 不服}
          - {item: A, type: 申诉, unit: 经济发展部, rule: 迟到, date: 2026-11-16}
          - {item: A, type: 申诉决定, unit: 经济发展部, rule: overdue_week, date: 2026-11-18, decision: 取消, by: 张明}
        """})
    rc, _, err = run("-r", str(reg), "check")
    f = f"{reg}/progress/p.yaml"
    assert rc == 2
    assert f"{f}:2: unit: 事项「A」的扣分计在牵头单位「经济发展部」，「财政金融部」没有可申诉的扣分" in err
    assert f"{f}:3: rule: 「迟到」不是计分规则" in err
    assert f"{f}:3: reason: 申诉须说明理由（reason）" in err
    assert f"{f}:4: decision: 「取消」不是可用的取值（可用：撤销、维持）" in err
    assert f"{f}:4: type: 事项「A」2026-11-18的申诉决定之前没有经济发展部对这项扣分的申诉" in err


def test_a_closed_period_stays_as_recorded_and_the_cancellation_goes_to_the_open_one(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING})
    out = tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-01")
    assert rc == 0, err
    # November closed on 12/01: overdue −1 (11/13), weeks −0.5 (11/19), −0.5 (11/26): 98
    assert _scores(run, reg, "2026-11", "2026-12-01")["经济发展部"]["score"] == 98.0
    (reg / "progress").mkdir()
    (reg / "progress" / "p.yaml").write_text("""\
progress:
  - {item: A, type: 申诉, unit: 经济发展部, rule: overdue, date: 2026-12-02, reason: 管线迁改受阻}
  - {item: A, type: 申诉决定, unit: 经济发展部, rule: overdue, date: 2026-12-03, decision: 撤销, by: 张明}
""", encoding="utf-8")
    # the closed November stays 98, as recorded
    assert _scores(run, reg, "2026-11", "2026-12-04")["经济发展部"]["score"] == 98.0
    dec = _scores(run, reg, "2026-12", "2026-12-04")["经济发展部"]
    # December: the bulletin of 12/01 named A (−1, 12/01); the −1 of 11/13 is cancelled in the open December as +1
    # on 12/03; the week deductions were not appealed: the third full week, 11/12 + 21 days = 12/03, −0.5
    assert [(e["date"], e["rule"], e["points"]) for e in dec["events"]] == [
        ("2026-12-01", "bulletin_named", -1.0), ("2026-12-03", "appeal", 1.0), ("2026-12-03", "overdue_week", -0.5)]


def test_a_cancellation_recorded_with_its_period_is_not_made_again(run, tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "progress/p.yaml": _decided("撤销")})
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "bulletin", "--period", "2026-11", "--on", "2026-12-01")
    assert rc == 0, err
    # November as closed: −1 (11/13) +1 (11/18, the appeal) −0.5 (11/19) −0.5 (11/26) = 99
    nov = _scores(run, reg, "2026-11", "2026-12-04")["经济发展部"]
    assert nov["score"] == 99.0 and [e["rule"] for e in nov["events"]].count("appeal") == 1
    # December holds no second cancellation: the bulletin's −1 (12/01) and the third week's −0.5 (12/03) only
    dec = _scores(run, reg, "2026-12", "2026-12-04")["经济发展部"]
    assert [(e["date"], e["rule"], e["points"]) for e in dec["events"]] == [
        ("2026-12-01", "bulletin_named", -1.0), ("2026-12-03", "overdue_week", -0.5)]


# ---------------------------------------------------------------- the year

YEAR = """\
    meetings:
      - id: M3
        kind: 主任办公会
        title: 2026年第15次主任办公会
        date: 2026-09-01
        items:
          - {id: B, text: 完成乙项目立项, lead: 经济发展部, owner: 孙伟}
      - id: M1
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部, owner: 孙伟}
          - {id: C, text: 测算丙项目资金, lead: 财政金融部, owner: 周敏, due: 2026-11-30}
    progress:
      - {item: B, date: 2026-09-10, type: 办结}
      - {item: B, date: 2026-09-10, type: 核查, passed: 通过}
      - {item: C, date: 2026-11-20, type: 办结}
      - {item: C, date: 2026-11-23, type: 核查, passed: 通过}
    """


def test_the_year_is_the_sum_of_its_quarters_per_unit_and_per_owner(run, tmp_path, quick_pdf):
    from openpyxl import load_workbook

    reg = write_registers(tmp_path / "r", {"m.yaml": YEAR})
    out = tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    assert rc == 0, err
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026", "--on", "2026-11-27", "--json",
                        "--xlsx")
    assert rc == 0, err
    v = json.loads(text)
    units = {u["unit"]: u for u in v["units"]}
    jj = units["经济发展部"]
    # Q3: B due 9/11 (会后10日), done and verified 9/10: on time +0.5 (closed with the Q3 bulletin of 10/12).
    # Q4: A due 11/12, open on 11/27 (15 days): −1 (11/13), −0.5 (11/19), −0.5 (11/26) = −2.
    # year: 100 + 0 + 0 + 0.5 − 2 = 98.5
    assert [q["points"] if q else None for q in jj["quarters"]] == [0.0, 0.0, 0.5, -2.0]
    assert jj["score"] == 98.5 and jj["minus"] == -2.0 and jj["plus"] == 0.5
    # 财政金融部: C due 11/30, done 11/20, verified 11/23: +0.5 in Q4: 100.5, ranked first
    assert units["财政金融部"]["score"] == 100.5 and units["财政金融部"]["rank"] == 1 and jj["rank"] == 2
    assert units["良庄镇"]["score"] is None and units["良庄镇"]["rank"] is None  # nothing due all year
    assert v["closed"] == [False, False, True, False]
    # Q3 as the ledger recorded it: the closed sheet's own figures
    rc, q3, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-11-27", "--json")
    q3u = {u["unit"]: u for u in json.loads(q3)["units"]}
    assert json.loads(q3)["closed"]["number"] == "2026年第1期"
    assert sum(e["points"] for e in q3u["经济发展部"]["events"]) == jj["quarters"][2]["points"] == 0.5
    # per 责任人: 孙伟 answers for A and B: 0.5 − 2 = −1.5 -> 98.5; 周敏 for C: +0.5 -> 100.5
    owners = {p["owner"]: p for p in v["owners"]}
    assert (owners["孙伟"]["items"], owners["孙伟"]["score"], owners["孙伟"]["quarters"]) == (["A", "B"], 98.5,
                                                                                           [0.0, 0.0, 0.5, -2.0])
    assert (owners["周敏"]["unit"], owners["周敏"]["score"]) == ("财政金融部", 100.5)
    wb = load_workbook(out / "scores" / "2026.xlsx")
    assert wb.sheetnames == ["汇总", "责任人"]
    rows = [list(r) for r in wb["责任人"].iter_rows(min_row=2, values_only=True)]
    assert ["孙伟", "经济发展部", "A、B", 0, 0, 0.5, -2, -2, 0.5, 98.5] in rows
    assert ["周敏", "财政金融部", "C", 0, 0, 0, 0.5, 0, 0.5, 100.5] in rows


# ---------------------------------------------------------------- the score notice (张榜公布)

# Q3: B (经济发展部) due 9/11, done and verified 9/10: on time +0.5 -> 100.5.
#     D (财政金融部) due 9/11, never done: −1 (9/12), −0.5 (9/18), −0.5 (9/25) in Q3 -> 98 (the weeks of 10/2 and
#     10/9 fall in Q4). 良庄镇 has nothing due: not ranked.
NOTICE = """\
    meetings:
      - id: M3
        kind: 主任办公会
        title: 2026年第15次主任办公会
        date: 2026-09-01
        items:
          - {id: B, text: 完成乙项目立项, lead: 经济发展部}
          - {id: D, text: 完成丁项目环评, lead: 财政金融部}
    progress:
      - {item: B, date: 2026-09-10, type: 办结}
      - {item: B, date: 2026-09-10, type: 核查, passed: 通过}
    """


def test_the_notice_ranks_and_sums_each_unit_by_hand(run, tmp_path):
    import docx as D
    from ooxml_order import violations
    from pdfcheck import BOTTOM_EDGE, LEFT, RIGHT_EDGE, open_pdf, rules, text_lines
    from test_print_text import compare

    reg, out = write_registers(tmp_path / "r", {"m.yaml": NOTICE}), tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice")
    assert rc == 0, err
    assert "2026年第三季度得分情况通报 督考〔2026〕1号（出具）" in text
    docx = out / "documents" / "得分情况通报" / "督考〔2026〕1号.docx"
    doc = D.Document(str(docx))
    assert [[c.text for c in r.cells] for r in doc.tables[0].rows] == [
        # scores as the bulletin writes them (98.0 beside 100.5); points as amounts under 扣分 and 加分, 0 without .0
        ["名次", "单位", "得分", "扣分", "加分"], ["1", "经济发展部", "100.5", "0", "0.5"],
        ["2", "财政金融部", "98.0", "2", "0"]]
    body = [p.text for p in doc.paragraphs]
    assert "良庄镇本期无应办结事项，不参加排名。" in body
    assert "1.经济发展部：加0.5分（按期办结1次加0.5分）。" in body
    assert "2.财政金融部：扣2分（逾期未办结1次扣1分，逾期每满1周2次扣1分）。" in body
    assert violations(docx) == []
    compare(docx, docx.with_suffix(".pdf"))
    with open_pdf(docx.with_suffix(".pdf")) as pdf:
        first, last = pdf.pages[0], pdf.pages[-1]
        lines = text_lines(first)
        mast = [ln for ln in lines if ln.red]
        assert [m.text for m in mast] == ["泰安高新区管委会督导工作专班文件"]
        assert any(ln.text == "督考〔2026〕1号" for ln in lines)
        red = [r for r in rules(first) if r["red"]]
        assert red and abs(red[0]["x0"] - LEFT) < 0.5 and abs(red[0]["x1"] - RIGHT_EDGE) < 0.5
        assert last.page_number % 2 == 0  # the 版记 on an even page, its last rule on the type area's bottom edge
        full = [r for r in rules(last) if abs(r["x0"] - LEFT) < 1 and abs(r["x1"] - RIGHT_EDGE) < 1]
        assert abs(full[-1]["bottom"] - BOTTOM_EDGE) <= 1
        assert any(ln.text == "抄送：党工委组织部，纪工委。" for ln in text_lines(last))  # settings.yaml office.cc
    # issued once: a second run numbers nothing
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-10-13", "--notice")
    assert rc == 0 and "督考〔2026〕1号（已于2026-10-12出具，不另编号）" in text


def test_the_notice_is_refused_while_an_appeal_is_pending(run, tmp_path, quick_pdf):
    from docgen.record.ledger import read

    reg = write_registers(tmp_path / "r", {"m.yaml": NOTICE.rstrip(" ") + """\
      - {item: D, type: 申诉, unit: 财政金融部, rule: overdue, date: 2026-10-09, reason: 环评机构延误}
    """})
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "o"), "scores", "--period", "2026-Q3", "--on", "2026-10-12",
                     "--notice")
    assert rc == 2
    assert "待决定的申诉1件" in err and "2026年第三季度的得分情况通报未出具，未编号" in err
    assert read(reg).slips == {}


# ---------------------------------------------------------------- 问责 triggers

ACC_RULES = """\
    basis: {number: 泰高管发〔2021〕11号, title: 关于进一步健全完善工作高效运行机制的意见}
    accountability: {named_in_a_row: 3, overdue_days: 30, score_below: 95, rectify_overdue: true,
                     year_score_below: 90, clause: 第14条}
    """
ACC = """\
    meetings:
      - id: M3
        kind: 主任办公会
        title: 2026年第15次主任办公会
        date: 2026-09-01
        items:
          - {id: E, text: 完成戊项目评审, lead: 财政金融部}
      - id: M1
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
          - {id: F, text: 拨付己项目资金, lead: 财政金融部}
    inspections:
      - {id: DC1, date: 2026-12-01, form: 实地督导, finding: 秸秆禁烧巡查记录缺失, lead: 良庄镇, due: 2026-12-10}
    progress:
      - {item: F, date: 2026-11-05, type: 办结}
      - {item: F, date: 2026-11-06, type: 核查, passed: 通过}
    """


def test_each_trigger_is_listed_with_its_facts_and_clause_and_proposed_once(run, tmp_path, quick_pdf):
    reg, out = write_registers(tmp_path / "r", {"rules.yaml": ACC_RULES, "m.yaml": ACC}), tmp_path / "o"
    # three monthly bulletins, each naming E (due 9/11, never done): 9月 on 10/09, 10月 on 11/09, 11月 on 12/07
    for period, day in (("2026-09", "2026-10-09"), ("2026-10", "2026-11-09"), ("2026-11", "2026-12-07")):
        rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", period, "--on", day)
        assert rc == 0, err
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q4", "--on", "2026-12-20",
                        "--json")
    assert rc == 0, err
    got = {f["key"]: (f["pace"], f["unit"], f["facts"]) for f in json.loads(text)["facts"]}
    assert got == {
        # 阶段性, Q4 of 财政金融部: E's weeks 10/02 … 12/18 (k = 3 … 14, 12 weeks) −6, named on 10/09, 11/09, 12/07 −3,
        # F on time (verified 11/06) +0.5: 100 − 6 − 3 + 0.5 = 91.5 < 95. 经济发展部: A −1 (11/13), weeks 11/19 …
        # 12/17 (5) −2.5, named on 12/07 −1: 95.5, not below 95; 良庄镇: DC1 −2 (12/11), week 12/17 −0.5: 97.5
        "score_below|2026-10-01..2026-12-31|财政金融部": ("阶段性", "财政金融部",
                                                     "2026年第四季度考核得分91.5分（扣9分，加0.5分）"),
        # 临时性: E named by the three bulletins in a row; E overdue 12/20 − 9/11 = 100 days > 30; A 12/20 − 11/12 = 38
        "named_in_a_row|E": ("临时性", "财政金融部", "“完成戊项目评审”（E）连续3期被《督导通报》通报，已逾期100天仍未办结"),
        "overdue_days|E|2026-09-11": ("临时性", "财政金融部", "“完成戊项目评审”（E）办结时限2026年9月11日，已逾期100天仍未办结"),
        "overdue_days|A|2026-11-12": ("临时性", "经济发展部", "“推进甲项目开工建设”（A）办结时限2026年11月12日，已逾期38天仍未办结"),
        # DC1's rectification due 12/10, open on 12/20: 10 days (not over 30: no overdue_days)
        "rectify_overdue|DC1|2026-12-10": ("临时性", "良庄镇", "“秸秆禁烧巡查记录缺失”（DC1）整改时限2026年12月10日，逾期10天未完成整改"),
    }
    triggers = {f["key"]: f["trigger"] for f in json.loads(text)["facts"]}
    assert triggers["named_in_a_row|E"] == "临时性问责：连续3期被通报，泰高管发〔2021〕11号第14条"
    # 年度: 财政金融部's year: Q3 −1 (9/12) −0.5 (9/18) −0.5 (9/25) = −2, Q4 −8.5: 100 − 10.5 = 89.5 < 90
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026", "--on", "2026-12-20",
                        "--json")
    year = [f for f in json.loads(text)["facts"] if f["pace"] == "年度"]
    assert [(f["unit"], f["facts"]) for f in year] == [("财政金融部", "2026年度考核得分89.5分（扣11分，加0.5分）")]
    # --issue: a numbered 问责建议 with the five facts; then none of them is listed again
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q4", "--on", "2026-12-20",
                        "--issue")
    assert rc == 0, err
    assert "问责建议 督问〔2026〕1号（5项情形）" in text
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q4", "--on", "2026-12-21",
                        "--issue")
    assert rc == 0, err
    assert "2026年第四季度问责情形：0项（另有5项已提出问责建议，不再列出）" in text
    assert "没有新的问责情形，不出具问责建议" in text


def test_the_proposal_is_an_official_document_numbering_its_sections_as_they_come(run, tmp_path):
    import docx as D
    from ooxml_order import violations
    from pdfcheck import open_pdf, text_lines
    from test_print_text import compare

    # only 临时性 facts: A overdue 38 days on 12/20 (> 30); its section is 一、, not 二、
    reg = write_registers(tmp_path / "r", {"rules.yaml": ACC_RULES, "m.yaml": MEETING})
    out = tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-12", "--on", "2026-12-20",
                        "--issue")
    assert rc == 0, err
    docx = out / "documents" / "问责建议" / "督问〔2026〕1号.docx"
    body = [p.text for p in D.Document(str(docx)).paragraphs if p.text]
    assert "一、临时性问责" in body and not any(t.startswith("二、") for t in body)
    assert "党工委组织部、纪工委：" in body  # to the bodies settings.yaml copies scores to
    # the pace is its section's heading and the clause the opening's: each fact names its trigger alone
    assert "1.经济发展部：“推进甲项目开工建设”（A）办结时限2026年11月12日，已逾期38天仍未办结（逾期超过30天仍未办结）。" in body
    assert violations(docx) == []
    compare(docx, docx.with_suffix(".pdf"))
    with open_pdf(docx.with_suffix(".pdf")) as pdf:
        assert [ln.text for ln in text_lines(pdf.pages[0]) if ln.red] == ["泰安高新区管委会督导工作专班文件"]
        assert len(pdf.pages) % 2 == 0


def test_draft_notice_and_proposal_take_no_number(run, tmp_path):
    from docgen.record.ledger import read

    reg, out = write_registers(tmp_path / "r", {"rules.yaml": ACC_RULES, "m.yaml": NOTICE}), tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-10-12",
                        "--notice", "--no-pdf")
    assert rc == 0, err
    assert (out / "drafts" / "得分情况通报" / "草稿-2026年第三季度.docx").is_file()
    # D due 9/11, open on 10/12: 31 days > 30, a 临时性 fact for the draft
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q3", "--on", "2026-10-12",
                        "--issue", "--no-pdf")
    assert rc == 0, err
    assert "问责建议草稿（1项情形）" in text
    assert (out / "drafts" / "问责建议" / "草稿-2026年第三季度-2026-10-12.docx").is_file()
    assert read(reg).slips == {} and not (out / "documents").exists()


# Q3 with 自然资源部's item Z due 6/26 (Q2), done 7/06 and verified: −1 on 6/27 falls in Q2; the first full week
# overdue, 6/26 + 7 = 7/03, −0.5 falls in Q3. Nothing of 自然资源部 is due in Q3, yet it has a deduction there:
# ranked with 100 − 0.5 = 99.5, between 经济发展部 (100.5) and 财政金融部 (98). 良庄镇 has nothing: not ranked.
UNITS_ZR = """\
    units:
      - {name: 经济发展部, contact: 孙伟}
      - {name: 财政金融部, contact: 周敏}
      - {name: 良庄镇, contact: 邓超}
      - {name: 自然资源部, contact: 李红}
    """
ZR = """\
    meetings:
      - id: M2
        kind: 主任办公会
        title: 2026年第9次主任办公会
        date: 2026-06-15
        items:
          - {id: Z, text: 完成戊地块报批, lead: 自然资源部, due: 2026-06-26}
    progress:
      - {item: Z, date: 2026-07-06, type: 办结}
      - {item: Z, date: 2026-07-06, type: 核查, passed: 通过}
    """


def test_a_unit_with_a_deduction_but_nothing_due_is_ranked_in_the_notice(run, tmp_path, quick_pdf):
    import docx as D

    reg = write_registers(tmp_path / "r", {"units.yaml": UNITS_ZR, "m.yaml": NOTICE, "z.yaml": ZR})
    out = tmp_path / "o"
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice")
    assert rc == 0, err
    doc = D.Document(str(out / "documents" / "得分情况通报" / "督考〔2026〕1号.docx"))
    assert [[c.text for c in r.cells] for r in doc.tables[0].rows][1:] == [
        ["1", "经济发展部", "100.5", "0", "0.5"], ["2", "自然资源部", "99.5", "0.5", "0"],
        ["3", "财政金融部", "98.0", "2", "0"]]
    body = [p.text for p in doc.paragraphs]
    assert "良庄镇本期无应办结事项，不参加排名。" in body  # only the unit with nothing at all
    assert "2.自然资源部：扣0.5分（逾期每满1周1次扣0.5分）。" in body


def test_the_notice_whose_body_ends_on_page_2_has_its_banji_page_unnumbered(run, tmp_path):
    """GB/T 9704 7.5: the shipped registers' Q3 notice, without the recurring work, ends on page 2 (its table of 5 units and 9 idle units);
    the 版记 section starts on an even page, so page 3 is blank and the 版记 on page 4, which carries no page
    number (neither does the blank page); pages 1 and 2 keep theirs."""
    import shutil

    from pdfcheck import open_pdf

    reg, out = tmp_path / "r", tmp_path / "o"
    shutil.copytree(ROOT / "registers", reg)
    # without the work that recurs (issue 19: its deductions rank more units and lengthen the table by a page)
    for f in ("targets/2026.yaml", "projects.yaml", "meetings/2026-调度.yaml", "progress/2026-专报.yaml"):
        (reg / f).unlink()
    rules = (reg / "rules.yaml").read_text(encoding="utf-8")
    cut = rules[rules.index("\nreports:"):rules.index("\ncoordination:")]
    (reg / "rules.yaml").write_text(rules.replace(cut, ""), encoding="utf-8")
    rc, text, err = run("-r", str(reg), "-o", str(out), "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice")
    assert rc == 0, err
    with open_pdf(out / "documents" / "得分情况通报" / "督考〔2026〕1号.pdf") as pdf:
        texts = [(p.extract_text() or "") for p in pdf.pages]
    assert len(texts) == 4
    assert texts[0].rstrip().endswith("— 1 —") and texts[1].rstrip().endswith("— 2 —")
    assert texts[2].strip() == ""
    assert "抄送：党工委组织部，纪工委。" in texts[3] and "—" not in texts[3]


def test_a_proposal_whose_conversion_fails_keeps_its_facts_and_is_completed_by_the_next_run(
        run, tmp_path, quick_pdf, monkeypatch):
    """The 问责建议 of 12/20 (经济发展部's A due 11/12, 12/20 − 11/12 = 38 days overdue > 30: 临时性) is numbered;
    its conversion fails once. Its facts are recorded with its number: the next run lists no new fact, numbers
    nothing, and completes 督问〔2026〕1号 from its record."""
    from docgen.documents import merge
    from docgen.documents.pdf import Result
    from docgen.record.ledger import read

    reg = write_registers(tmp_path / "r", {"m.yaml": MEETING, "rules.yaml": ACC_RULES})
    out = tmp_path / "o"
    real = merge.convert
    calls = []

    def failing(paths, *a, **kw):
        if not calls:
            calls.append(paths)
            return [Result(p, None, f"{p.name} 转换失败（测试）") for p in paths]
        return real(paths, *a, **kw)

    monkeypatch.setattr(merge, "convert", failing)
    args = ("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q4", "--on", "2026-12-20", "--issue")
    rc, text, err = run(*args)
    assert rc == 2 and "编号已登记，再次运行将补齐" in err, (rc, text, err)
    st = read(reg)
    (slip,) = st.valid("accountability")
    assert slip.number == "督问〔2026〕1号" and slip.rendered is None
    assert slip.facts["问责情形"] == ["overdue_days|A|2026-11-12"]  # recorded in the numbering commit
    rc, text, err = run(*args)
    assert rc == 0, err
    assert "问责建议 督问〔2026〕1号（2026-12-20已编号，本次补齐）" in text
    assert "没有新的问责情形，不出具问责建议" in text
    st = read(reg)
    assert [s.number for s in st.valid("accountability")] == ["督问〔2026〕1号"]
    assert st.slips["督问〔2026〕1号"].rendered is not None
    assert (out / "documents" / "问责建议" / "督问〔2026〕1号.pdf").exists()


def test_a_facts_line_leaves_out_a_nought_part():
    # a unit with 5.5 deducted and no bonus reads （扣5.5分）, never “加0分”; one with neither reads nothing
    from docgen.engine.accountability import _points

    assert _points({"minus": -5.5, "plus": 0}) == "（扣5.5分）"
    assert _points({"minus": 0, "plus": 0.5}) == "（加0.5分）"
    assert _points({"minus": -9, "plus": 0.5}) == "（扣9分，加0.5分）"
    assert _points({"minus": 0, "plus": 0}) == ""
