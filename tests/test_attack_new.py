"""Today's new features attacked as a hostile user would: what a 5 KB workbook can make `docgen import` do.
Each refusal is a Chinese message naming the file and sheet, exit 2, nothing written."""
import signal
import zipfile
from contextlib import contextmanager

from openpyxl import load_workbook

from conftest import MINI_UNITS, write_registers
from test_init_import import OFFICE_ROWS, _files, _office_sheet


@contextmanager
def _within(seconds):
    """The code under test gets `seconds` of wall time; past them the test fails (instead of hanging)."""
    def late(*_):
        raise AssertionError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_a_stray_cell_at_the_last_cell_of_a_sheet_is_refused_not_read_for_hours(run, tmp_path):
    # one cell at XFD1048576 (the last cell Excel has: column 16384, row 1048576): the file stays ~5 KB, yet
    # reading every row of that sheet is 1048576 x 16384 = 1.7e10 cells
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS[:1])
    wb = load_workbook(xlsx)
    wb.active["XFD1048576"] = "x"
    wb.save(xlsx)
    assert xlsx.stat().st_size < 10_000
    before = _files(reg)
    with _within(30):
        rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2
    assert (f"错误：{xlsx} 工作表「督办事项」用到了第1048576行、第16384列（直到单元格 XFD1048576），"
            "超过 docgen import 能读的100000行、200列") in err
    assert "Traceback" not in err
    assert _files(reg) == before


def test_a_zip_bomb_is_refused_before_it_is_unpacked(run, tmp_path):
    # a real 台账 whose sheet is padded with 300 MB of blanks after its root element (legal XML): ~300 KB on disk
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    good = _office_sheet(tmp_path / "好.xlsx", OFFICE_ROWS[:1])
    bomb = tmp_path / "台账.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                out.writestr(info.filename, data)
                continue
            with out.open(info.filename, "w", force_zip64=True) as f:
                f.write(data)
                chunk = b" " * 2**20
                for _ in range(300):
                    f.write(chunk)
    assert bomb.stat().st_size < 2_000_000
    before = _files(reg)
    with _within(30):
        rc, out, err = run("-r", str(reg), "import", str(bomb))
    assert rc == 2
    # 300 MB of blanks plus the parts of the workbook: 300 whole MB
    assert f"错误：无法打开 {bomb}：工作簿解压后有300MB，超过 docgen import 能读的200MB" in err
    assert _files(reg) == before


# ---------------------------------------------------------------- an adopted number that overflows

def test_a_paper_number_past_any_years_numbering_is_refused_before_it_enters_the_ledger(run, tmp_path):
    # adopted, a number stays in the ledger for good and docgen numbers on after it: 督交〔2026〕1e20号 would make
    # every later 交办单 of 2026 number 100000000000000000000 and up
    from test_adopt import ITEMS, SIGNED
    from conftest import MINI_SETTINGS

    huge = "督交〔2026〕99999999999999999999号"
    items = ITEMS.replace("slip: 督交〔2026〕7号", f"slip: {huge}")
    settings = MINI_SETTINGS + "bulletin:\n  adopted:\n    - {period: 2026-Q3, number: 2026年第100000期, date: 2026-10-12}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": items, "p.yaml": SIGNED, "settings.yaml": settings})
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 2 and "Traceback" not in err
    lines = err.splitlines()
    # m.yaml line 10 is A1's `slip:`; settings.yaml's last line is the bulletin's
    assert (f"{reg / 'm.yaml'}:10: slip: 编号「{huge}」的序号99999999999999999999过大：纸质单据的序号不应超过99999，"
            "请检查是否多写了数字（登记后写入账本，docgen 的编号从它之后接着编）") in lines
    n = len(settings.splitlines())
    assert (f"{reg / 'settings.yaml'}:{n}: number: 期号「2026年第100000期」的序号100000过大：纸质单据的序号不应超过99999，"
            "请检查是否多写了数字（登记后写入账本，docgen 的编号从它之后接着编）") in lines
    rc, out, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-09")
    assert rc == 2
    assert not (reg / "ledger.jsonl").exists() and not (tmp_path / "out").exists()
    # the largest one allowed is adopted, and check passes
    (reg / "m.yaml").write_text(ITEMS.replace("slip: 督交〔2026〕7号", "slip: 督交〔2026〕99999号"), encoding="utf-8")
    (reg / "settings.yaml").write_text(settings.replace("第100000期", "第99999期"), encoding="utf-8")
    rc, out, err = run("-r", str(reg), "check")
    assert rc == 0, err


# ---------------------------------------------------------------- formulas

def _with_formulas(path, cached: bool):
    """Row 4 of an office sheet with 配合单位 =HYPERLINK(…,"经济发展部") and 完成时限 =DATE(2026,11,30), as a program
    writes them (no computed value) or as Excel saves them (the value beside the formula)."""
    import re as _re

    xlsx = _office_sheet(path, [list(OFFICE_ROWS[0])])
    wb = load_workbook(xlsx)
    ws = wb.active
    ws["F4"] = '=HYPERLINK("http://example.invalid/x","经济发展部")'
    ws["H4"] = "=DATE(2026,11,30)"
    wb.save(xlsx)
    if cached:
        with zipfile.ZipFile(xlsx) as z:
            parts = {i.filename: z.read(i.filename) for i in z.infolist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        # G4 (交办日期 2026-11-12) is serial 46338 with the date style s="1": 2026-11-30 is 18 days later, 46356
        assert '<c r="G4" s="1" t="n"><v>46338</v></c>' in sheet
        sheet = _re.sub(r'<c r="F4"><f>(.*?)</f><v></v></c>', r'<c r="F4" t="str"><f>\1</f><v>经济发展部</v></c>', sheet)
        sheet = _re.sub(r'<c r="H4"><f>(.*?)</f><v></v></c>', r'<c r="H4" s="1"><f>\1</f><v>46356</v></c>', sheet)
        parts["xl/worksheets/sheet1.xml"] = sheet.encode()
        with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return xlsx


def test_a_formula_without_its_computed_value_is_refused_not_read_as_empty(run, tmp_path):
    # read as empty, 配合单位 was dropped and 完成时限 replaced by the rule's 10 days (2026-11-22): silently
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _with_formulas(tmp_path / "台账.xlsx", cached=False)
    before = _files(reg)
    rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2 and "Traceback" not in err
    lines = err.splitlines()
    w = f"{xlsx} 工作表「督办事项」:4:"
    assert (f'{w} 配合单位（F列）: 第4行：单元格是公式「=HYPERLINK("http://example.invalid/x","经济发展部")」，文件中没有它的'
            "计算结果（由程序生成、未经 Excel 或 WPS 保存过）：请在 Excel 或 WPS 中打开后保存一次，或把公式改为它的值") in lines
    assert any(x.startswith(f"{w} 完成时限（H列）: 第4行：单元格是公式「=DATE(2026,11,30)」，文件中没有它的计算结果")
               for x in lines)
    assert "共2个问题，未生成任何文件。" in err
    assert _files(reg) == before


def test_a_formula_with_its_computed_value_imports_the_value(run, tmp_path):
    import datetime as dt

    from docgen.registers.load import read_registers

    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _with_formulas(tmp_path / "台账.xlsx", cached=True)
    rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 0, err
    got, diags = read_registers(reg)
    assert diags == []
    (item,) = got.items
    assert (item.lead, item.co, item.explicit_due) == ("财政金融部", ("经济发展部",), dt.date(2026, 11, 30))


# ---------------------------------------------------------------- the YAML import writes

def test_an_imported_meeting_is_written_without_yaml_anchors(run, tmp_path):
    # OFFICE_ROWS[0]: a meeting whose date is its item's 交办日期 (2026-11-12), the same value twice. Written as
    # `date: &id001 2026-11-12` … `assigned: *id001`, a clerk correcting the meeting's date changed the item's too
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", [list(OFFICE_ROWS[0])])
    rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 0, err
    text = (reg / "meetings" / "导入-台账.yaml").read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text
    assert "  date: 2026-11-12\n" in text and "    assigned: 2026-11-12\n" in text
    # the clerk corrects the meeting's date: the item's 交办日期 stays as the sheet has it
    (reg / "meetings" / "导入-台账.yaml").write_text(text.replace("  date: 2026-11-12\n", "  date: 2026-11-11\n"),
                                                  encoding="utf-8")
    from docgen.registers.load import read_registers
    import datetime as dt

    got, diags = read_registers(reg)
    assert diags == []
    (item,) = got.items
    assert (item.source.date, item.assigned) == (dt.date(2026, 11, 11), dt.date(2026, 11, 12))


# ---------------------------------------------------------------- merged cells

def _merge_in(xlsx, refs):
    """The office sheet's first sheet with more merged ranges, written into its XML as Excel writes them."""
    with zipfile.ZipFile(xlsx) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    old = '<mergeCells count="1"><mergeCell ref="A1:I1"/></mergeCells>'
    assert old in sheet
    more = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        old, f'<mergeCells count="{1 + len(refs)}"><mergeCell ref="A1:I1"/>{more}</mergeCells>').encode()
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_merged_range_to_the_last_cell_is_refused_before_the_workbook_is_opened(run, tmp_path):
    # J5:XFD1048576: 16375 columns x 1048572 rows, 1.7e10 cells, each an object openpyxl makes on opening
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS[:1])
    _merge_in(xlsx, ["J5:XFD1048576"])
    before = _files(reg)
    with _within(30):
        rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2
    assert (f"错误：无法打开 {xlsx}：有合并单元格 J5:XFD1048576 延伸到第1048576行、第16384列，超过 docgen import 能读的"
            "100000行、200列：请取消这个合并后再导入") in err
    assert _files(reg) == before


def test_merged_ranges_of_more_than_a_million_cells_are_refused(run, tmp_path):
    # A5:K5 … A99999:K99999: 99995 ranges of 11 cells, 1099945 cells, every range within 100000 rows and 200 columns
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS[:1])
    _merge_in(xlsx, [f"A{r}:K{r}" for r in range(5, 100000)])
    with _within(60):
        rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2
    assert f"错误：无法打开 {xlsx}：合并单元格共有超过1000000个单元格，不像是一份台账" in err
    # the office's own merges (B4:B5, C4:C5 below the header, the title's A1:I1) still import
    xlsx2 = _office_sheet(tmp_path / "好.xlsx", OFFICE_ROWS, merge=("B4:B5", "C4:C5"))
    rc, out, err = run("-r", str(reg), "import", str(xlsx2))
    assert rc == 0, err


def test_millions_of_cells_written_are_refused_before_the_workbook_is_opened(run, tmp_path):
    # rows 5-100000 of 21 empty cells (columns A-U: within the limits of 100000 rows and 200 columns):
    # 99996 x 21 = 2099916 cells, 2 MB compressed, each an object openpyxl would make
    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", OFFICE_ROWS[:1])
    with zipfile.ZipFile(xlsx) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cols = [chr(ord("A") + i) for i in range(21)]
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"/>' for c in cols) + "</row>" for r in range(5, 100001))
    assert sheet.count("</sheetData>") == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.replace("</sheetData>", rows + "</sheetData>").encode()
    with zipfile.ZipFile(xlsx, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with _within(60):
        rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2
    assert f"错误：无法打开 {xlsx}：工作表中写有超过2000000个单元格" in err


# ---------------------------------------------------------------- unit aliases

def test_a_unit_written_by_its_alias_imports_as_that_unit_even_when_it_is_part_of_another_name(run, tmp_path):
    # 财政 is 经济发展部's alias (as odd as an office may make it) and part of 财政金融部's name: the sheet's 财政 is
    # 经济发展部, its 财政金融部 is 财政金融部; the registers accept an alias, so import does too
    units = MINI_UNITS.replace("{name: 经济发展部,", "{name: 经济发展部, aliases: [财政, 经发部],")
    reg = write_registers(tmp_path / "registers", {"units.yaml": units})
    row = list(OFFICE_ROWS[0])
    row[4], row[5] = "财政", "财政金融部、良庄镇"
    xlsx = _office_sheet(tmp_path / "台账.xlsx", [row])
    rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 0, err
    from docgen.registers.load import read_registers

    got, diags = read_registers(reg)
    assert diags == []
    (item,) = got.items
    assert (item.lead, item.co) == ("经济发展部", ("财政金融部", "良庄镇"))
    # lead 经发部 and co 经济发展部: one unit twice, refused naming the row
    row[4], row[5] = "经发部", "经济发展部"
    xlsx = _office_sheet(tmp_path / "台账2.xlsx", [row])
    rc, out, err = run("-r", str(reg), "import", str(xlsx))
    assert rc == 2
    assert f"{xlsx} 工作表「督办事项」:4: 配合单位（F列）: 第4行：牵头单位「经济发展部」不应同时列为配合单位" in err


# ---------------------------------------------------------------- the workbook's file name

def test_a_line_break_in_the_workbooks_name_does_not_become_yaml(run, tmp_path):
    # the name is quoted in the imported file's first comment: `台账\nunits: []\n#.xlsx` ended the comment and put a
    # `units:` key in meetings/ (checked and written); U+2028 and NEL are YAML line breaks too
    import yaml

    reg = write_registers(tmp_path / "registers", {"units.yaml": MINI_UNITS})
    for k, brk in enumerate(("\n", "\u2028", "\x85")):
        name = f"台账{k}{brk}units: []{brk}#.xlsx"
        xlsx = _office_sheet(tmp_path / name, OFFICE_ROWS[:1])
        rc, out, err = run("-r", str(reg), "import", str(xlsx))
        assert rc == 0, err
        (written,) = (reg / "meetings").glob(f"导入-台账{k}*.yaml")
        text = written.read_text(encoding="utf-8")
        code = f"\\u{ord(brk):04x}"
        assert text.startswith(f"# 会议议定：由 docgen import 从 台账{k}{code}units: []{code}#.xlsx 导入（1个事项）。\nmeetings:\n")
        assert list(yaml.safe_load(text)) == ["meetings"]
