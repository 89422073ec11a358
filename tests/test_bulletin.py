"""《督导通报》 and scores (issue 5), on a register whose figures were worked out by hand."""
import datetime as dt
import json

import docx
import pytest
from openpyxl import load_workbook

from conftest import write_registers, docgen
from examples import Q3_REG as REG
from pdfcheck import BOTTOM_EDGE, LEFT, RIGHT_EDGE, open_pdf, page_number_line, rules, text_lines


# The register and its figures worked out by hand: examples.Q3_REG.


def cli(reg, out, *args):
    p = docgen(["-r", reg, "-o", out, *args])
    assert p.returncode == 0, p.stderr
    return p.stdout


@pytest.fixture
def reg(tmp_path):
    return write_registers(tmp_path / "r", {"m.yaml": REG})


def test_figures_by_hand(reg, tmp_path, quick_pdf):
    j = json.loads(cli(reg, tmp_path / "o", "bulletin", "--period", "2026-Q3", "--on", "2026-10-12", "--json"))
    assert j["number"] == "2026年第1期" and j["issue"] == 1
    assert j["total"] == {"due": 5, "completed": 3, "on_time": 2, "late": 1, "in_progress": 0, "overdue": 2,
                          "extended": 1, "on_time_rate": 40.0}
    assert j["by_source"]["meeting"] == {"due": 3, "completed": 2, "on_time": 1, "late": 1, "in_progress": 0,
                                         "overdue": 1, "extended": 0, "on_time_rate": 33.3}
    assert j["by_source"]["instruction"]["on_time_rate"] == 100.0
    assert j["by_source"]["document"]["due"] == 0 and j["by_source"]["document"]["on_time_rate"] is None
    assert j["by_source"]["inspection"]["overdue"] == 1
    units = {u["unit"]: u for u in j["units"]}
    assert (units["良庄镇"]["rank"], units["良庄镇"]["score"]) == (1, 100.0)
    assert (units["经济发展部"]["rank"], units["经济发展部"]["score"]) == (2, 97.5)
    assert (units["财政金融部"]["rank"], units["财政金融部"]["score"]) == (3, 91.5)
    assert units["良庄镇"]["commended"] and not units["经济发展部"]["commended"]
    assert [(o["id"], o["days_overdue"]) for o in j["overdue"]] == [("I3", 91), ("F1", 27)]


def test_every_score_event_cites_item_and_rule(reg, tmp_path):
    j = json.loads(cli(reg, tmp_path / "o", "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--json"))
    fin = next(u for u in j["units"] if u["unit"] == "财政金融部")
    rules = [(e["item"], e["rule"]) for e in fin["events"]]
    assert rules.count(("I3", "overdue_week")) == 11 and ("I3", "late_extension") in rules
    assert ("I2", "overdue") in rules and ("I2", "overdue_week") in rules
    assert sum(e["points"] for e in fin["events"]) == -8.5
    eco = next(u for u in j["units"] if u["unit"] == "经济发展部")
    assert [(e["date"], e["rule"], e["points"]) for e in eco["events"]] == [
        ("2026-07-14", "on_time", 0.5), ("2026-09-16", "rectify_overdue", -2.0),
        ("2026-09-22", "overdue_week", -0.5), ("2026-09-29", "overdue_week", -0.5)]
    assert all(e["label"] and e["reason"] for u in j["units"] for e in u["events"])


def test_bulletin_agrees_with_status_and_scores(reg, tmp_path, quick_pdf):
    out = tmp_path / "o"
    b = json.loads(cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12", "--json"))
    st = json.loads(cli(reg, out, "status", "--on", "2026-10-12", "--json"))
    sc = json.loads(cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--json"))
    mine = [i for i in st["items"] if "2026-07-01" <= i["original_due"] <= "2026-09-30"]
    assert sorted(i["id"] for i in mine) == sorted(i["id"] for i in b["items"])
    assert b["total"]["due"] == len(mine)
    assert b["total"]["completed"] == sum(i["completed"] is not None for i in mine)
    assert b["total"]["on_time"] == sum(bool(i["on_time"]) for i in mine)
    assert b["total"]["overdue"] == sum(i["state"] == "逾期" for i in mine)
    assert b["total"]["extended"] == sum(i["extended"] for i in mine)
    assert sorted(o["id"] for o in b["overdue"]) == sorted(i["id"] for i in mine if i["state"] == "逾期")
    hand = {"良庄镇": 100.0, "经济发展部": 97.5, "财政金融部": 91.5}  # worked out at the top of this file
    assert {u["unit"]: u["score"] for u in b["units"]} == hand == {u["unit"]: u["score"] for u in sc["units"]}
    # the document carries the same figures
    d = docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx"))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "本期应办结督导事项5项，已办结3项，其中按期办结2项，按期办结率40.0%" in text
    assert "逾期未办结2项" in text and "经批准延期1项" in text
    unit_rows = {r.cells[0].text: [c.text for c in r.cells] for r in d.tables[1].rows}
    assert unit_rows["财政金融部"] == ["财政金融部", "2", "1", "0", "1", "0", "91.5"]
    assert "（一）财政金融部：事项三" in text and "已逾期91天" in text
    assert "良庄镇本期事项全部按期办结，予以通报表扬。" in text
    assert "统计截至2026年10月12日" in text


def test_empty_period(reg, tmp_path, quick_pdf):
    out = tmp_path / "o"
    j = json.loads(cli(reg, out, "bulletin", "--period", "2026-01", "--on", "2026-02-02", "--json"))
    assert j["total"]["due"] == 0 and j["total"]["on_time_rate"] is None
    assert all(not u["active"] and u["rank"] is None for u in j["units"])
    text = "\n".join(p.text for p in docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx")).paragraphs)
    assert "本期没有应办结的督导事项。" in text and "截至2026年2月2日，没有逾期未办结的事项。" in text
    assert "本期没有计分事项。" in text and "不参加排名" in text
    assert "100.0%" not in text  # a unit with nothing is never shown as perfect


def test_numbering_and_regeneration(reg, tmp_path, quick_pdf):
    out = tmp_path / "o"
    assert "2026年第1期" in cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    assert "2026年第2期" in cli(reg, out, "bulletin", "--period", "2026-10", "--on", "2026-11-02")
    assert "2026年第1期" in cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-11-20")
    from docgen.record.ledger import read

    assert [s.number for s in read(reg).slips.values() if s.kind == "bulletin"] == ["2026年第1期", "2026年第2期"]
    # regenerated as of its own issue date: it reads as it did
    text = "\n".join(p.text for p in docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx")).paragraphs)
    assert "统计截至2026年10月12日" in text


def test_being_named_in_a_bulletin_costs_a_point_later(reg, tmp_path, quick_pdf):
    out = tmp_path / "o"
    before = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-10-31", "--json"))
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    after = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-10-31", "--json"))
    named = [(u["unit"], e["item"], e["date"]) for u in after["units"] for e in u["events"] if e["rule"] == "bulletin_named"]
    assert sorted(named) == [("经济发展部", "F1", "2026-10-12"), ("财政金融部", "I3", "2026-10-12")]
    assert not [e for u in before["units"] for e in u["events"] if e["rule"] == "bulletin_named"]
    q3 = json.loads(cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-10-31", "--json"))
    assert {u["unit"]: u["score"] for u in q3["units"]}["财政金融部"] == 91.5  # a closed quarter does not move


def test_scores_spreadsheet(reg, tmp_path):
    out = tmp_path / "o"
    cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-10-12", "--xlsx")
    wb = load_workbook(out / "scores" / "2026-07-01..2026-09-30.xlsx")
    rows = list(wb["汇总"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:2] == (1, "良庄镇") and rows[0][5] == 100.0
    assert [r[1] for r in rows] == ["良庄镇", "经济发展部", "财政金融部"]
    detail = list(wb["明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 0 + 4 + (2 + 13)  # 良庄镇 none; 经济发展部 4; 财政金融部: I2 (2) and I3 (1 + 11 weeks + 1)
    assert ("财政金融部", "2026-07-20", "I3", "到期后才申请延期", -0.5) in [d[:5] for d in detail]


def test_bad_period(run, reg):
    rc, _, err = run("-r", str(reg), "scores", "--period", "2026-Q5")
    assert rc == 2 and "2026-Q3（季度）" in err


def test_bulletin_pdf_passes_the_page_checks(example_registers, tmp_path):
    out = tmp_path / "o"
    cli(example_registers, out, "assign", "--on", "2026-10-12")
    cli(example_registers, out, "bulletin", "--period", "2026-10", "--on", "2026-11-20")
    pdf_path = next((out / "bulletins").glob("*.pdf"))
    from ooxml_order import violations

    assert violations(pdf_path.with_suffix(".docx")) == []
    with open_pdf(pdf_path) as pdf:
        first, last = pdf.pages[0], pdf.pages[-1]
        lines = text_lines(first)
        mast = [ln for ln in lines if ln.red]
        assert [m.text for m in mast] == ["督导通报"] and mast[0].size >= 36
        assert any(ln.text == "第1期" for ln in lines)
        issuer = next(ln for ln in lines if ln.text.startswith("泰安高新区管委会督导工作专班"))
        assert issuer.text.endswith("2026年11月20日") and abs(issuer.x1 - RIGHT_EDGE) < 1
        red = [r for r in rules(first) if r["red"]]
        assert red and abs(red[0]["x0"] - LEFT) < 0.5 and abs(red[0]["x1"] - RIGHT_EDGE) < 0.5
        assert 0 < red[0]["y"] - issuer.bottom < 6
        assert last.page_number % 2 == 0  # 版记 on an even page, numbered when no blank page stands before it (7.5)
        if pdf.pages[-2].chars:
            pn = page_number_line(last)
            assert pn and pn.text == f"—{last.page_number}—" and abs(pn.top - (BOTTOM_EDGE + 7)) <= 1
        for p in pdf.pages[:-1]:
            pn = page_number_line(p)
            if not p.chars:  # the blank page before a 版记 page: unnumbered
                continue
            assert pn and pn.text == f"—{p.page_number}—" and abs(pn.top - (BOTTOM_EDGE + 7)) <= 1
        full = [r for r in rules(last) if abs(r["x0"] - LEFT) < 1 and abs(r["x1"] - RIGHT_EDGE) < 1]
        assert abs(full[-1]["bottom"] - BOTTOM_EDGE) <= 1
        ll = text_lines(last)
        assert any(ln.text == "抄送：党工委组织部，纪工委。" for ln in ll)
        assert any(ln.text.endswith("2026年11月20日印发") for ln in ll)
        text = "".join(p.extract_text() for p in pdf.pages).replace(" ", "")
    # October in the example office: its units' Q3 专报 (due 10/20) and the Q4 dispatch and October's 项目调度会 fall
    # due in it, so the sections on the work that recurs come before the scores (no target milestone is due then)
    for part in ("一、总体情况", "二、各单位落实情况", "三、定期报告报送情况", "四、项目调度情况", "五、考核计分排名",
                 "六、存在的问题", "七、下步工作要求", "附件："):
        assert part in text
    assert "北集坡街道" in text and "已逾期" in text and "督交〔2026〕" in text


def test_bulletin_scope_names_every_laggard(reg, tmp_path, quick_pdf):
    """rules.md §5: a bulletin names every item overdue on its date, whatever period it fell due in, with how many
    bulletins in a row named it; items completed late in the period; new items; each meeting's rate."""
    out = tmp_path / "o"
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    q3 = "\n".join(p.text for p in docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx")).paragraphs)
    assert "本期新交办督导事项6项（会议议定3项，领导批示1项，公文办理1项，督导整改1项）。" in q3
    assert "各次会议议定事项落实情况：2026年第15次主任办公会应办结3项，已办结2项，按期办结1项，按期办结率33.3%。" in q3
    assert "截至2026年10月12日，以下2个事项逾期未办结（含以前各期到期的），予以通报批评：" in q3
    assert "（一）财政金融部：事项三，办结时限2026年7月13日，已逾期91天。" in q3  # named for the first time
    assert "本期以下1个事项逾期办结：" in q3
    assert "（一）财政金融部：事项二，办结时限2026年7月13日，2026年7月20日办结，逾期7天。" in q3  # a list of its own
    # October, issued 11/20: nothing of I3 or F1 falls due in October, yet both are still overdue and named again
    j = json.loads(cli(reg, out, "bulletin", "--period", "2026-10", "--on", "2026-11-20", "--json"))
    assert [(o["id"], o["days_overdue"], o["times"]) for o in j["overdue"]] == [("I3", 130, 2), ("F1", 66, 2)]
    assert j["total"]["due"] == 1 and j["new"]["total"] == 0 and j["late_done"] == []
    units = {u["unit"]: u for u in j["units"]}
    assert (units["良庄镇"]["rank"], units["良庄镇"]["active"]) == (1, True)  # D1, due 10/8, done on time
    # nothing of 经济发展部 or 财政金融部 is due in October, but both lose points in it (rules.md §5: ranked):
    # F1 (due 9/15) weeks 10/06, 10/13, 10/20, 10/27 and named 10/12: 100 − 2 − 1 = 97; I3 (due 7/13) weeks
    # 10/05, 10/12, 10/19, 10/26 and named 10/12: 97. 良庄镇 100.5 first, the two share rank 2
    assert (units["财政金融部"]["rank"], units["财政金融部"]["score"]) == (2, 97.0)
    assert (units["经济发展部"]["rank"], units["经济发展部"]["score"]) == (2, 97.0)
    oct_ = "\n".join(p.text for p in docx.Document(str(out / "bulletins" / "督导通报2026年第2期.docx")).paragraphs)
    assert "（一）财政金融部：事项三，办结时限2026年7月13日，已逾期130天，连续第2期被通报。" in oct_
    assert "（二）经济发展部：台账不全，办结时限2026年9月15日，已逾期66天，连续第2期被通报。" in oct_
    assert "不参加排名" not in oct_  # every unit has a scoring event in October
    rows = [[c.text for c in r.cells] for r in docx.Document(str(out / "bulletins" / "督导通报2026年第2期.docx")).tables[1].rows]
    assert [r[0] for r in rows[1:]] == ["良庄镇", "经济发展部", "财政金融部"]  # by score, then name
    # being named again costs a point again, on the day of each bulletin
    sc = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-11-20", "--json"))
    fin = next(u for u in sc["units"] if u["unit"] == "财政金融部")
    assert [e["date"] for e in fin["events"] if e["rule"] == "bulletin_named"] == ["2026-10-12", "2026-11-20"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@given(st.dates(min_value=dt.date(2026, 7, 1), max_value=dt.date(2026, 12, 30)))
@settings(max_examples=60, deadline=None)
def test_scores_of_disjoint_periods_add_up(split):
    """Any split of July–December into two periods: every score event falls in exactly one of them."""
    from docgen.registers.calendar import WorkCalendar
    from docgen.engine.figures import Period, compute
    from docgen.registers.load import parse_registers
    from conftest import MINI_SETTINGS, MINI_UNITS

    reg, diags = parse_registers({"settings.yaml": MINI_SETTINGS, "units.yaml": MINI_UNITS, "m.yaml": REG}, "r")
    assert not diags
    cal = WorkCalendar()
    on = dt.date(2026, 12, 31)

    def events(a, b):
        f = compute(reg, cal, Period(a, b, "", f"{a}..{b}"), on)
        return sorted((e.unit, e.item, e.rule, e.date, e.points) for u in f.units for e in u.events)

    whole = events(dt.date(2026, 7, 1), dt.date(2026, 12, 31))
    parts = events(dt.date(2026, 7, 1), split) + events(split + dt.timedelta(days=1), dt.date(2026, 12, 31))
    assert sorted(parts) == whole and whole
