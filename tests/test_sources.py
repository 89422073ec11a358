"""A register source is one declaration (issue 16): a source declared from this file alone is read and checked,
listed by `status`, assigned by `build`, given a sheet of its own in the Excel 台账, counted in the bulletin by
source; and a bulletin recorded before it was declared draws again byte for byte."""
import datetime as dt
import json

import docx
import pytest
from openpyxl import load_workbook

from conftest import write_registers

from docgen.registers import sources
from docgen.registers.model import Source
from docgen.registers.sources import SourceKind

BUILT_IN = ("meeting", "instruction", "document", "inspection", "coordination", "target", "report", "schedule", "feedback")


def _target(s: SourceKind, e, col) -> None:
    """年度目标: {id, text, lead, by}; set at the start of the year of its deadline `by`."""
    by = e.date("by", required=True)
    src = Source(s.kind, e.str("id"), dt.date(by.year, 1, 1) if by else dt.date.min, "年度目标", {}, e.src)
    col.item(e, src, None, due_key="by")


TARGETS = SourceKind("goal", "goals", "goals", "目标", "年度目标", "年度目标任务", _target,
                     lambda src: f"{src.date.year}年度目标", id_pattern=r"MB\d{2}", id_example="MB01",
                     columns=("序号", "事项内容", "牵头单位", "办结时限", "状态"))


@pytest.fixture(autouse=True)
def registry_restored():
    yield
    assert sources.kinds() == BUILT_IN


@pytest.fixture
def targets():
    sources.register(TARGETS)
    try:
        yield TARGETS
    finally:
        sources.unregister("goal")


# A: 主任办公会 on 11/02, 会后10日内: due 11/12 (Thu), never done: overdue from 11/13.
# MB01: a target due 11/30, set on 1/1 (its assignment date), reported done on 11/20: on time.
MEETING = """\
    meetings:
      - id: M1
        kind: 主任办公会
        title: 2026年第20次主任办公会
        date: 2026-11-02
        items:
          - {id: A, text: 推进甲项目开工建设, lead: 经济发展部}
    """
TARGET = """\
    goals:
      - {id: MB01, text: 全年招引亿元以上项目10个, lead: 财政金融部, by: 2026-11-30}
    """
PROGRESS = """\
    progress:
      - {item: MB01, date: 2026-11-20, type: 办结}
    """


@pytest.fixture
def office(tmp_path):
    return write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING, "targets/t.yaml": TARGET,
                                            "progress/p.yaml": PROGRESS})


def test_the_key_is_unknown_until_the_source_is_declared(run, office):
    rc, _, err = run("-r", str(office), "check")
    assert rc == 2
    assert f"{office}/targets/t.yaml:1: goals: 台账文件中没有「goals」这个字段" in err
    assert "（可用：units、projects、meetings、instructions、documents、inspections、coordination、targets、progress）" in err


def test_a_bad_entry_is_named_by_file_and_line(run, tmp_path, targets):
    reg = write_registers(tmp_path / "r", {"targets/t.yaml": """\
        goals:
          - {id: MB01, text: 目标一, lead: 财政金融部, by: 2026-11-30}
          - {id: X-1, text: 目标二, lead: 经济发展部, by: 2026-02-30}
          - {id: MB03, text: 目标三, lead: 良庄镇, by: 2026-12-31, manager: 张三}
          - {id: MB04, text: 目标四, lead: 财政局, by: 2026-12-31}
        """})
    rc, _, err = run("-r", str(reg), "check")
    f = f"{reg}/targets/t.yaml"
    assert rc == 2
    assert f"{f}:3: id: 事项编号「X-1」不符合年度目标的编号格式（如 MB01）" in err
    assert f"{f}:3: by: 日期「2026-02-30」不存在（2026年2月没有30日）" in err
    assert f"{f}:4: manager: 目标中没有「manager」这个字段" in err
    assert "可用：id、text、co、assigned、rule、issuer、urgency、slip、slip_date、owner、feedback、lead、by）" in err
    assert f"{f}:5: lead: 单位「财政局」不在单位名录（units）中" in err
    assert f"{f}:2:" not in err  # the good entry has nothing said about it
    # the registers' keys now name it, between the built-in sources and progress
    rc, _, err = run("-r", str(write_registers(tmp_path / "r2", {"t.yaml": "goal: []\n"})), "check")
    assert "台账文件中没有「goal」这个字段，是否想写「goals」？（可用：units、projects、meetings、instructions、documents、" \
           "inspections、coordination、targets、goals、progress）" in err


def test_status_lists_its_items(run, office, targets):
    rc, out, err = run("-r", str(office), "status", "--on", "2026-11-16", "--json")
    assert rc == 0, err
    rows = {r["id"]: r for r in json.loads(out)["items"]}
    mb = rows["MB01"]
    assert (mb["source"], mb["source_text"], mb["lead"], mb["rule"]) == ("年度目标", "2026年度目标", "财政金融部", "explicit")
    assert (mb["assigned"], mb["due"], mb["completed"]) == ("2026-01-01", "2026-11-30", None)
    assert rows["A"]["source"] == "会议议定" and rows["A"]["due"] == "2026-11-12"
    rc, out, _ = run("-r", str(office), "status", "--on", "2026-11-16")
    line = next(ln for ln in out.splitlines() if ln.startswith("MB01"))
    assert "年度目标" in line and "2026-11-30" in line


def test_build_assigns_it_and_the_ledger_gives_it_a_sheet(run, office, tmp_path, targets, quick_pdf):
    out = tmp_path / "o"
    rc, text, err = run("-r", str(office), "-o", str(out), "build", "--on", "2026-11-16")
    assert rc == 0, err
    from docgen.issuing.slips import assigning_slip
    from docgen.record.ledger import read

    st = read(office)
    mb, a = assigning_slip(st, "MB01"), assigning_slip(st, "A")
    assert mb.kind == "assign" and a.kind == "assign"
    assert {mb.number, a.number} == {"督交〔2026〕1号", "督交〔2026〕2号"}

    wb = load_workbook(out / "台账.xlsx")
    assert wb.sheetnames == ["汇总", "会议议定事项", "领导批示", "公文办理", "督导整改", "协调议定事项", "年度目标任务"]
    ws = wb["年度目标任务"]
    assert [c.value for c in ws[3]] == ["序号", "事项内容", "牵头单位", "办结时限", "状态"]
    row = [c.value for c in ws[4]]
    assert row[:4] == [1, "全年招引亿元以上项目10个", "财政金融部", dt.datetime(2026, 11, 30)]
    assert ws.max_row == 4 and ws.auto_filter.ref == "A3:E4"  # under the title and the 截至 line
    # 汇总: 来源, 事项数, 已销号, 已办结待核查, 正在办理, 逾期, 延期, 红, 黄, 蓝. On 11/16 MB01 is open with ten
    # working days left (no warning); A is four days overdue (red).
    rows = {r[0]: list(r[1:]) for r in wb["汇总"].iter_rows(min_row=4, values_only=True)}
    assert rows["年度目标"] == [1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert rows["合计"] == [2, 0, 0, 1, 1, 0, 1, 0, 0]
    # the board's overview counts it by source
    index = next(p for p in out.rglob("index.html") if p.parent.name != "units").read_text(encoding="utf-8")
    assert "年度目标" in index
    assert any("年度目标" in p.read_text(encoding="utf-8") for p in out.rglob("items/*.html"))


def test_the_bulletin_counts_it_by_source(run, office, tmp_path, targets, quick_pdf):
    out = tmp_path / "o"
    rc, text, err = run("-r", str(office), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-01",
                        "--json")
    assert rc == 0, err
    j = json.loads(text)
    assert j["by_source"]["goal"] == {"due": 1, "completed": 1, "on_time": 1, "late": 0, "in_progress": 0,
                                        "overdue": 0, "extended": 0, "on_time_rate": 100.0}
    assert j["by_source"]["meeting"] == {"due": 1, "completed": 0, "on_time": 0, "late": 0, "in_progress": 0,
                                         "overdue": 1, "extended": 0, "on_time_rate": 0.0}
    # new in November: A (assigned 11/02); MB01 was set on 1/1
    assert j["new"] == {"total": 1, "meeting": 1, "instruction": 0, "document": 0, "inspection": 0, "coordination": 0,
                        "goal": 0}
    d = docx.Document(str(out / "bulletins" / f"督导通报{j['number']}.docx"))
    rows = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    assert ["会议议定", "1", "0", "0", "0", "1", "0", "0.0%"] in rows
    assert ["年度目标", "1", "1", "1", "0", "0", "0", "100.0%"] in rows
    assert ["合计", "2", "1", "1", "0", "1", "0", "50.0%"] in rows
    listed = [r for r in rows if len(r) == 7 and r[2] == "全年招引亿元以上项目10个"]
    # the 来源 column breaks between words where it must (a line break in the cell: 年度 / 目标), never inside one
    assert listed and listed[0][1] in ("年度目标", "年度\n目标")


FAILING_SOFFICE = "import sys\nsys.exit(1)\n"


def test_a_recorded_bulletin_redraws_unchanged_after_a_source_is_added(run, tmp_path, quick_pdf):
    """The ledger's view of a closed period is all a redraw reads: a source declared after it is not in it."""
    from docgen.documents.bulletin import build_bulletin
    from docgen.engine.figures import parse_period
    from docgen.record import archive as A
    from docgen.record.ledger import read
    from docgen.registers.load import read_registers

    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING})
    out = tmp_path / "o"
    rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-01")
    assert rc == 0, err
    st = read(reg)
    key = parse_period("2026-11").key
    slip = st.find("bulletin", key)
    view = st.closes[key]["view"]
    assert set(view["by_source"]) == {"meeting", "instruction", "document", "inspection", "coordination"}  # work assigned
    r, _ = read_registers(reg)
    archived = A.archived(reg / "archive", slip, 0, ".docx").read_bytes()  # the default: inside the registers

    sources.register(TARGETS)
    try:
        r, problems = read_registers(reg)
        assert problems == []
        # what issue_bulletin draws a closed period's bulletin from when it has not been rendered yet
        assert build_bulletin(r, read(reg).closes[key]["view"], slip.number, slip.seq, slip.issued).to_bytes() == archived
        # and through the CLI: a reissue of the recorded period leaves its files as recorded
        (out / "bulletins" / f"督导通报{slip.number}.docx").unlink()
        rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-20")
        assert rc == 0, err
        assert (out / "bulletins" / f"督导通报{slip.number}.docx").read_bytes() == archived
    finally:
        sources.unregister("goal")


def test_a_bulletin_numbered_before_a_source_was_added_is_drawn_from_its_record(run, tmp_path, quick_pdf,
                                                                                 monkeypatch):
    """The conversion fails on the first run: the period is closed and its view recorded, the bulletin not
    rendered. The next run, after a source is declared, draws it from the recorded view: the same bytes."""
    bad = tmp_path / "soffice-fails"
    bad.write_text(f"#!{__import__('sys').executable}\n{FAILING_SOFFICE}", encoding="utf-8")
    bad.chmod(0o755)
    reg = write_registers(tmp_path / "r", {"meetings/m.yaml": MEETING})
    out = tmp_path / "o"
    monkeypatch.setenv("DOCGEN_SOFFICE", str(bad))
    rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-01")
    assert rc != 0 and "期号已登记，再次运行将补齐" in err
    path = out / "bulletins" / "督导通报2026年第1期.docx"
    first = path.read_bytes()

    sources.register(TARGETS)
    try:
        monkeypatch.setenv("DOCGEN_SOFFICE", str(quick_pdf))
        path.unlink()
        rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-11", "--on", "2026-12-20")
        assert rc == 0, err
        assert path.read_bytes() == first
    finally:
        sources.unregister("goal")


def test_the_registry_refuses_a_second_declaration_of_a_source():
    with pytest.raises(ValueError):
        sources.register(SourceKind("meeting2", "meetings", "x", "x", "x", "x", _target, str))
    with pytest.raises(ValueError):
        sources.register(SourceKind("x", "progress", "x", "x", "x", "x", _target, str))
    with pytest.raises(ValueError):
        sources.register(SourceKind("x", "xs", "x", "x", "x", "x", _target, str, columns=("序号", "备注")))
