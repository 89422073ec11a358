"""A new office from its first day (issue 18): `docgen init` makes registers that pass `check` and build, from the
declarations; `docgen import` turns an office's Excel 台账 (title row, blank row, header, Excel and text dates) into
YAML registers, refuses a bad row naming sheet, row and column, writes nothing then, and reads back the Excel
台账 `docgen ledger` writes."""
import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook

from conftest import MINI_UNITS, write_registers

from docgen.core.xlsx import set_value
from docgen.registers import sources
from docgen.registers.load import read_registers, unprintable
from docgen.registers.model import Source
from docgen.registers.rules import Rules
from docgen.registers.sources import SourceKind


def _files(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- init

def test_init_passes_check_and_build_runs(run, tmp_path):
    reg = tmp_path / "新办公室" / "registers"
    rc, out, err = run("init", str(reg), "--office", "某区督导工作专班", "--committee", "某区管理委员会")
    assert rc == 0, err
    assert sorted(_files(reg)) == ["coordination/示例.yaml", "documents/示例.yaml", "inspections/示例.yaml", "instructions/示例.yaml",
                                   "meetings/示例.yaml", "progress/示例.yaml", "rules.yaml", "settings.yaml",
                                   "targets/示例.yaml", "units.yaml"]
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    assert "台账检查通过：0个单位，0个事项，0条进展记录" in out
    # what was not given is a placeholder, and check names it; what was given is not
    assert "警告：settings.yaml 的 office.contact 尚未填写：（待填写：联系人）" in out
    assert "office.name" not in out and "office.committee" not in out
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "build", "--on", "2026-12-01")
    assert rc == 0, err
    assert "今天没有需要出具的单据" in out
    assert (tmp_path / "out" / "台账.xlsx").is_file()


def test_init_writes_the_names_given_exactly_and_refuses_one_a_register_cannot_hold(run, tmp_path):
    reg = tmp_path / "registers"
    name = 'yes: "某区" #督导 - 专班'
    assert run("init", str(reg), "--office", name, "--phone", "0538")[0] == 0
    got, diags = read_registers(reg)
    assert diags == []
    assert (got.settings.office, got.settings.phone, got.settings.issuers["office"].name) == (name, "0538", name)
    rc, out, err = run("init", str(tmp_path / "r2"), "--office", "某区\n督导专班")
    assert rc == 2 and "错误：--office 的名称含有换行字符 U+000A" in err
    assert not (tmp_path / "r2").exists()


def _uncomment(path: Path) -> None:
    path.write_text("".join(line[2:] if line.startswith("# ") else line
                            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)), encoding="utf-8")


def test_the_commented_examples_are_registers_that_pass_check(run, tmp_path):
    reg = tmp_path / "registers"
    assert run("init", str(reg))[0] == 0
    for p in [reg / "units.yaml", *reg.glob("*/示例.yaml")]:
        _uncomment(p)
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err
    # units: 经济发展局、财政局、示例镇 (the names the examples use); items: 2 of the meeting, 1 of each other source;
    # progress: 反馈, 办结, 核查 of the first item, 延期申请 and 批复 of the second
    # the five examples' items, and the target example's two milestones (2026-MB01-1, -2)
    assert "台账检查通过：3个单位，7个事项，5条进展记录" in out
    rc, out, err = run("-r", str(reg), "status", "--on", "2026-02-01", "--json")
    assert rc == 0, err
    import json

    states = {r["id"]: r["state"] for r in json.loads(out)["items"]}
    assert states["2026-ZR01-1"] == "已销号" and states["2026-ZR01-2"] == "已延期"
    rc, out, err = run("-r", str(reg), "due", "2026-ZR01-1")
    assert rc == 0, err
    # 主任办公会 on Thu 2026-01-08, 会后10日: Sun 01-18, not a working day, so Mon 2026-01-19
    assert "2026年1月19日" in out
    rc, out, err = run("-r", str(reg), "due", "2026-GW001")
    assert rc == 0, err
    # 单办 handed Mon 2026-01-05, 3 working days: 01-06, 01-07, 01-08
    assert "2026年1月8日" in out


def test_init_rules_are_the_defaults_and_every_key_is_explained(tmp_path, run):
    reg = tmp_path / "registers"
    assert run("init", str(reg))[0] == 0
    got, diags = read_registers(reg)
    assert diags == []
    assert got.rules == Rules(vocabulary=sources.default_vocabulary())
    for name in ("rules.yaml", "settings.yaml"):
        for n, line in enumerate((reg / name).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                assert re.search(r"   # .*[\u4e00-\u9fff]", line), f"{name}:{n} has no Chinese note: {line}"
    text = (reg / "rules.yaml").read_text(encoding="utf-8")
    assert "doc.single:" in text and "period: 3" in text and "主任办公会: meeting.major" in text
    assert "泰安" not in text and "泰高管发" not in text  # the defaults name no office


def test_init_refuses_a_folder_that_is_not_empty(run, tmp_path):
    reg = tmp_path / "registers"
    reg.mkdir()
    (reg / "笔记.txt").write_text("办事员的笔记", encoding="utf-8")
    rc, out, err = run("init", str(reg))
    assert rc == 2
    assert f"错误：文件夹 {reg} 不是空的：docgen init 不覆盖已有的文件" in err
    assert _files(reg) == {"笔记.txt": "办事员的笔记".encode()}
    assert [p.name for p in tmp_path.iterdir()] == ["registers"]  # no temporary folder left beside it
    f = tmp_path / "一个文件"
    f.write_text("x", encoding="utf-8")
    rc, out, err = run("init", str(f))
    assert rc == 2 and "已存在且不是文件夹" in err and f.read_text() == "x"
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    rc, out, err = run("init", str(empty))
    assert rc == 0, err
    assert (empty / "settings.yaml").is_file()


def test_init_writes_an_example_for_a_source_declared_later(run, tmp_path):
    def parse(s, e, col):
        src = Source(s.kind, e.str("id"), dt.date(2026, 1, 1), "年度目标", {}, e.src)
        col.item(e, src, None)

    targets = SourceKind("goal", "goals", "goals", "目标", "年度目标", "年度目标任务", parse,
                         lambda src: "年度目标", example={"id": "MB01", "text": "全年招引项目10个", "lead": "财政局",
                                                       "due": dt.date(2026, 12, 31)},
                         example_notes={"id": "目标编号"})
    sources.register(targets)
    try:
        reg = tmp_path / "registers"
        assert run("init", str(reg))[0] == 0
        text = (reg / "goals" / "示例.yaml").read_text(encoding="utf-8")
        assert "# goals:\n#   - id: MB01" in text and "# 目标编号" in text
        for p in [reg / "units.yaml", *reg.glob("*/示例.yaml")]:
            _uncomment(p)
        rc, out, err = run("-r", str(reg), "check")
        assert rc == 0, err
        assert "3个单位，8个事项，5条进展记录" in out  # and the built-in target example's two milestones
    finally:
        sources.unregister("goal")


# ---------------------------------------------------------------- import: an office's own sheet

UNITS = MINI_UNITS  # 经济发展部、财政金融部、良庄镇


def _office_sheet(path: Path, rows, header=None, title="某区督办事项台账", name="督办事项", merge=()) -> Path:
    """An office's sheet: a merged title row, a blank row, the header on row 3, the items from row 4; `merge`: cell
    ranges merged below the header (the value in the first cell)."""
    wb = Workbook()
    ws = wb.active
    ws.title = name
    header = header or ["序号", "事项来源", "会议名称/批示领导/文号", "督办事项", "责任单位", "配合单位", "交办日期",
                        "完成时限", "进展"]
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    for c, h in enumerate(header, 1):
        ws.cell(3, c, h)
    for r, values in enumerate(rows, 4):
        for c, v in enumerate(values, 1):
            if v is not None:
                set_value(ws.cell(r, c), v)
    for rng in merge:
        ws.merge_cells(rng)
    wb.save(path)
    return path


# rows 4 and 5: one meeting, its 事项来源 and 会议名称 merged down both rows (B4:B5, C4:C5)
OFFICE_MERGE = ("B4:B5", "C4:C5")
OFFICE_ROWS = [
    [1, "主任办公会", "2026年第12次主任办公会", "启动2027年部门预算编制工作", "财政金融部", "经济发展部、良庄镇",
     dt.datetime(2026, 11, 12), "2026年11月30日前", "已召开部署会"],
    [2, None, None, "梳理年度重点项目清单", "经济发展部", None,
     "2026.11.12", dt.datetime(2026, 11, 20), None],
    [3, "主要领导批示", "管委会主任", "加快老旧小区改造进度", "良庄镇", None, "2026-10-09", None, None],
    [4, "单办公文", "泰政办字〔2026〕45号《关于报送国庆假期安全稳定工作情况的通知》", "按要求报送情况", "经济发展部",
     None, dt.datetime(2026, 9, 30), None, None],
    [5, "挂牌督导", None, "秸秆禁烧网格化责任未落实", "良庄镇", None, "2026年10月20日", "2026-11-10",
     "10月22日：已部署\n10月25日：已整改一半"],  # not imported: its line break does not matter
]


@pytest.fixture
def office(tmp_path):
    return write_registers(tmp_path / "registers", {"units.yaml": UNITS})


def test_import_an_office_sheet_to_hand_written_items(run, office, tmp_path):
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS, merge=OFFICE_MERGE)
    rc, out, err = run("-r", str(office), "import", str(xlsx))
    assert rc == 0, err
    assert "工作表「督办事项」：表头在第3行，5行事项" in out
    assert re.search(r"责任单位\s+E\s+牵头单位 lead", out)
    assert re.search(r"完成时限\s+H\s+办结时限 due", out)
    assert "共导入5个事项" in out
    assert "说明：2行的“办理情况”没有导入" in out  # rows 4 and 8 hold 进展 text
    assert "注意：导入的事项都还没有进展记录" in out
    reg, diags = read_registers(office)
    assert diags == []
    got = {(i.source.kind, i.text): (i.lead, i.co, i.assigned, i.explicit_due, i.rule) for i in reg.items}
    d = dt.date
    assert got == {
        ("meeting", "启动2027年部门预算编制工作"): ("财政金融部", ("经济发展部", "良庄镇"), d(2026, 11, 12), d(2026, 11, 30), "explicit"),
        ("meeting", "梳理年度重点项目清单"): ("经济发展部", (), d(2026, 11, 12), d(2026, 11, 20), "explicit"),
        ("instruction", "加快老旧小区改造进度"): ("良庄镇", (), d(2026, 10, 9), None, "instruction.principal"),
        ("document", "按要求报送情况"): ("经济发展部", (), d(2026, 9, 30), None, "doc.single"),
        ("inspection", "秸秆禁烧网格化责任未落实"): ("良庄镇", (), d(2026, 10, 20), d(2026, 11, 10), "explicit"),
    }
    meeting = next(i.source for i in reg.items if i.source.kind == "meeting")
    assert (meeting.title, meeting.detail["kind"]) == ("2026年第12次主任办公会", "主任办公会")
    ins = next(i.source for i in reg.items if i.source.kind == "instruction")
    assert (ins.detail["leader"], ins.detail["level"], ins.date) == ("管委会主任", "主要领导", d(2026, 10, 9))
    doc = next(i.source for i in reg.items if i.source.kind == "document")
    assert (doc.detail["number"], doc.title, doc.detail["category"]) == (
        "泰政办字〔2026〕45号", "关于报送国庆假期安全稳定工作情况的通知", "单办")
    assert next(i.source for i in reg.items if i.source.kind == "inspection").detail["form"] == "挂牌督导"
    # the deadlines the rules give: 单办 handed Wed 09-30, 3 working days past the National Day holiday
    # (10-01..10-07 off): Thu 10-08, Fri 10-09, Sat 10-10 (a make-up working day)
    rc, out, err = run("-r", str(office), "due", [i.id for i in reg.items if i.source.kind == "document"][0])
    assert rc == 0 and "2026年10月10日" in out, out + err
    # 主要领导批示 of Fri 10-09, 1周: Fri 10-16
    rc, out, err = run("-r", str(office), "due", [i.id for i in reg.items if i.source.kind == "instruction"][0])
    assert rc == 0 and "2026年10月16日" in out, out + err
    assert run("-r", str(office), "check")[0] == 0
    # one file per source, and never one replaced: importing again is refused, the files stay as they were
    written = _files(office)
    assert sorted(k for k in written if "导入" in k) == [
        "documents/导入-台账.yaml", "inspections/导入-台账.yaml", "instructions/导入-台账.yaml", "meetings/导入-台账.yaml"]
    rc, out, err = run("-r", str(office), "import", str(xlsx))
    assert rc == 2 and "已存在：docgen import 不覆盖已有的文件" in err
    assert _files(office) == written


def test_headers_with_remarks_rows_numbered_ahead_and_unnamed_meetings(run, office, tmp_path):
    header = ["序号", "事项\n来源", "督办事项", "牵头单位（部门）", "配合单位", "交办\n日期", "办结时限(截止)"]
    rows = [[1, "主任办公会", "甲事项", "经济发展部", None, "2026-11-02", "2026-11-20"],
            [2, "主任办公会", "乙事项", "良庄镇", None, "2026-11-02", "2026-11-20"],
            [3, "主任办公会", "丙事项", "良庄镇", None, "2026-11-16", "2026-11-27"],
            [4], [5], [6]]  # numbered in advance, not used yet
    xlsx = _office_sheet(tmp_path / "t.xlsx", rows, header=header)
    rc, out, err = run("-r", str(office), "import", str(xlsx))
    assert rc == 0, err
    assert "表头在第3行，3行事项" in out and "共导入3个事项" in out
    reg, _ = read_registers(office)
    # no meeting name: the items of one day are one meeting (2026-11-02: 甲, 乙), another day another (丙)
    meetings = {}
    for i in reg.items:
        meetings.setdefault((i.source.id, i.source.date), []).append(i.text)
    assert sorted(meetings.values()) == [["丙事项"], ["甲事项", "乙事项"]]
    assert sorted(d for _, d in meetings) == [dt.date(2026, 11, 2), dt.date(2026, 11, 16)]


@pytest.mark.parametrize("row,column,letter,words", [
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部", "财政金融部、不存在局",
      "2026-11-12", "2026-11-30"], "配合单位", "F", "单位「不存在局」不在单位名录（units.yaml）中"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "规划建设部", None, "2026-11-12", "2026-11-30"],
     "责任单位", "E", "单位「规划建设部」不在单位名录（units.yaml）中"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部", None, "11月12日", "2026-11-30"],
     "交办日期", "G", "没有写年份，不能确定是哪一年"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部", None, "2026-11-12", 46000],
     "完成时限", "H", "是一个数字，看不出是哪一天"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部", None, "2026-02-30", "2026-11-30"],
     "交办日期", "G", "「2026-02-30」不存在"),
    ([6, "主任办公会", "2026年第12次主任办公会", "第一行\n第二行", "经济发展部", None, "2026-11-12", "2026-11-30"],
     "督办事项", "D", "含有换行字符 U+000A"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部", None, "2206-11-12", "2026-11-30"],
     "交办日期", "G", "日期 2206-11-12 不在"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某" * 2001, "经济发展部", None, "2026-11-12", "2026-11-30"],
     "督办事项", "D", "文字过长（2001个字符）"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "经济发展部、良庄镇", None, "2026-11-12", "2026-11-30"],
     "责任单位", "E", "牵头单位只能有一个，其余的请写在配合单位中"),
    ([6, "主任办公会", "2026年第12次主任办公会", "某项工作", "良庄镇", "良庄镇", "2026-11-12", "2026-11-30"],
     "配合单位", "F", "牵头单位「良庄镇」不应同时列为配合单位"),
    ([6, "群众来信", None, "某项工作", "经济发展部", None, "2026-11-12", "2026-11-30"],
     "事项来源", "B", "看不出事项属于哪种来源「群众来信」"),
])
def test_a_bad_row_is_refused_naming_sheet_row_and_column_and_nothing_is_written(run, office, tmp_path, row, column,
                                                                               letter, words):
    # the bad row is row 9 (items start on row 4); its column is named as the sheet names it (责任单位, 完成时限)
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS + [row], merge=OFFICE_MERGE)
    before = _files(office)
    rc, out, err = run("-r", str(office), "import", str(xlsx))
    assert rc == 2
    line = next((x for x in err.splitlines() if words in x), None)
    assert line is not None, err
    assert line.startswith(f"{xlsx} 工作表「督办事项」:9: {column}（{letter}列）: 第9行：")
    assert "未生成任何文件" in err
    assert _files(office) == before


def test_import_of_a_sheet_by_name_and_one_without_a_header(run, office, tmp_path):
    xlsx = tmp_path / "台账.xlsx"
    _office_sheet(xlsx, OFFICE_ROWS[:1])
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    wb.create_sheet("说明").cell(1, 1, "本表由综合办维护")
    wb.save(xlsx)
    rc, out, err = run("-r", str(office), "import", str(xlsx), "--sheet", "说明")
    assert rc == 2 and "工作表「说明」的前20行中找不到表头" in err
    rc, out, err = run("-r", str(office), "import", str(xlsx), "--sheet", "汇总")
    assert rc == 2 and "中没有工作表「汇总」（有：督办事项、说明）" in err
    rc, out, err = run("-r", str(office), "import", str(xlsx), "--sheet", "督办事项")
    assert rc == 0, err
    assert "共导入1个事项" in out


def test_a_missing_or_broken_workbook_is_refused_in_chinese(run, office, tmp_path):
    rc, out, err = run("-r", str(office), "import", str(tmp_path / "无.xlsx"))
    assert (rc, err) == (2, f"错误：找不到 Excel 台账 {tmp_path / '无.xlsx'}\n")
    bad = tmp_path / "旧.xlsx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    rc, out, err = run("-r", str(office), "import", str(bad))
    assert rc == 2 and "不是 Excel 工作簿（.xlsx），或文件已损坏" in err and "另存为 .xlsx" in err


def test_a_sheet_without_a_header_is_named_and_left(run, office, tmp_path):
    xlsx = tmp_path / "台账.xlsx"
    _office_sheet(xlsx, OFFICE_ROWS[:1])
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    wb.create_sheet("说明").cell(1, 1, "本表由综合办维护")
    wb.save(xlsx)
    rc, out, err = run("-r", str(office), "import", str(xlsx))
    assert rc == 0, err
    assert "工作表「说明」：前20行中没有督办事项的表头，未导入" in out
    assert "共导入1个事项" in out


# ---------------------------------------------------------------- the round trip through `docgen ledger`

@pytest.mark.parametrize("titled", [False, True])
def test_the_ledger_xlsx_imports_back_to_the_same_items(run, example_registers, tmp_path, titled):
    from docgen.engine.status import status_all
    from docgen.registers.calendar import WorkCalendar

    on = dt.date(2026, 11, 20)
    xlsx = tmp_path / "台账.xlsx"
    rc, out, err = run("-r", str(example_registers), "ledger", "--xlsx", str(xlsx), "--on", on.isoformat())
    assert rc == 0, err
    if titled:  # the print layout with title rows on top of each sheet (another change of ledger_xlsx.py)
        from openpyxl import load_workbook

        wb = load_workbook(xlsx)
        for ws in wb.worksheets:
            ws.insert_rows(1, 2)
            ws.cell(1, 1, f"督办事项台账·{ws.title}")
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
        wb.save(xlsx)
    new = tmp_path / "new"
    assert run("init", str(new), "--office", "新专班")[0] == 0
    shutil.copy(example_registers / "units.yaml", new / "units.yaml")
    rc, out, err = run("-r", str(new), "import", str(xlsx))
    assert rc == 0, err
    assert "共导入47个事项" in out  # the example office's 47 items (README)
    assert "会议议定，23个事项" in out and "督导整改，4个事项" in out

    def items(root):
        reg, diags = read_registers(root)
        assert diags == []
        due = {s.item.id: s.due for s in status_all(reg, WorkCalendar(reg.calendar_files), on)}
        # the items written one an entry (the example's milestones, 专报 and 调度 are not in an import: their sheets
        # are skipped, tests/test_recurring_example.py)
        return sorted((i.source.kind, i.text, i.lead, i.co, i.assigned, due[i.id]) for i in reg.items
                      if not i.source.standing)

    before, after = items(example_registers), items(new)
    assert len(after) == 47
    assert after == before
    # and the sources' own words: meetings by title and date, documents by number and title
    reg, _ = read_registers(new)
    titles = {(i.source.title, i.source.date) for i in reg.items if i.source.kind == "meeting"}
    assert ("2026年第12次主任办公会", dt.date(2026, 11, 12)) in titles
    docs = {(i.source.detail.get("number"), i.source.title) for i in reg.items if i.source.kind == "document"}
    assert ("泰政办发〔2026〕2号", "关于做好2026年元旦春节期间有关工作的通知") in docs


# ---------------------------------------------------------------- hostile text

HOSTILE = st.sampled_from(["yes", "no", "on", "off", "null", "~", "true", "0123", "1e3", "0x1F", "12:30", "- 甲",
                           "#注释", "甲: 乙", "\"引号\"", "'单引号'", "a # b", "[甲]", "{甲: 乙}", "&锚", "*别名", "!标签",
                           "%指令", "@人", "`反引号`", "|", ">", "=HYPERLINK(\"x\")", "+1", "—", "2026-02-30", "..."])


def _register_text(s: str) -> bool:
    return bool(s) and s == s.strip() and unprintable(s) is None and len(s) <= 500


TEXT = st.one_of(HOSTILE, st.text(min_size=1, max_size=40), st.lists(HOSTILE, min_size=2, max_size=4).map(" ".join)
                 ).filter(_register_text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, title=TEXT)
def test_hostile_text_round_trips_exactly(text, title):
    from docgen.registers import xlsx_import as X

    with tempfile.TemporaryDirectory() as d:
        root = write_registers(Path(d) / "registers", {"units.yaml": UNITS})
        xlsx = _office_sheet(Path(d) / "t.xlsx", [[1, "主任办公会", title, text, "良庄镇", None, "2026-11-12",
                                                   "2026-11-30"]])
        X.write(root, X.plan(xlsx, root))
        reg, diags = read_registers(root)
        assert diags == []
        (item,) = reg.items
        assert item.text == text
        assert item.source.title == title
