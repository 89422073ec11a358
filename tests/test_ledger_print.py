"""The Excel 台账 prints (issue 17 item 15): every sheet with its title and 截至 line repeated on every page, 宋体,
rows as high as their wrapped text, A4 landscape at full size (≥ 9 pt), page numbers.

Read back with openpyxl, and printed for real: LibreOffice Calc converts the xlsx to PDF with docgen's font map and
the PDF is measured with pdfplumber.

Figures worked out by hand (docgen/core/xlsx.py states the constants):
- 事项内容 has room for 11.5 em of 10 pt text: a column of 115 + 5 pt, in units of 6.0 pt 20. A line takes 11 CJK
  characters (110 pt; 12 would be 120 pt), so 72 of them are 7 lines, 7 × 1.45 × 10 + 4 = 105.5 pt high.
- The twelve columns' rooms add up to 2 + 8 + 11.5 + 4.5 + 5 + 5.3 + 5.3 + 5 + 8.5 + 8.4 + 2 + 2 = 67.5 em; with 5 pt
  of padding each, (675 + 60) / 6.0 = 122.5 units, 753.4 pt at LibreOffice's 6.15 pt a unit: within A4 landscape's
  841.89 − 2 × 0.6 × 72 = 755.5 pt, so nothing is shrunk and the table prints at 10 pt.
"""
import datetime as dt
import re
import shutil
import subprocess
import zipfile

import pdfplumber
import pytest
from openpyxl import load_workbook

from conftest import ROOT, QUICK_SOFFICE, docgen

LONG = "推进重点项目建设" * 9  # 72 CJK characters, no punctuation: a known number of lines
NOTE = "已完成征地拆迁第一阶段工作，剩余3户正在协商，预计12月底前全部完成并移交施工单位进场"
EXTRA = f"""\
meetings:
  - id: 2026-ZR30
    kind: 主任办公会
    title: 2026年第30次主任办公会
    date: 2026-11-18
    items:
      - id: 2026-ZR30-1
        text: {LONG}
        lead: 经济发展部
        co: [财政金融部, 综合管理部, 规划建设部, 自然资源部]
      - id: 2026-ZR30-2
        text: "=HYPERLINK(\\"http://x\\")做好项目资金保障"
        lead: 财政金融部
"""
PROGRESS = f"""\
progress:
  - {{item: 2026-ZR30-1, date: 2026-11-19, type: 反馈, note: {NOTE}}}
"""
OFFICE = "泰安高新区管委会督导工作专班"
# the example office's work that recurs has sheets of its own (its milestones, 专报 and 调度; no item has feedback)
SHEETS = ["汇总", "会议议定事项", "领导批示", "公文办理", "督导整改", "协调议定事项", "年度目标", "定期报告", "项目调度", "统筹协调"]
A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """The example registers with two more items, slips issued on 11/16 (LibreOffice replaced by the blank-PDF
    stand-in: the slips' pages are not the point here), the 台账 of 11/20 and its PDF printed by LibreOffice Calc."""
    root = tmp_path_factory.mktemp("ledger-print")
    reg = root / "registers"
    shutil.copytree(ROOT / "registers", reg)
    (reg / "meetings" / "2026-extra.yaml").write_text(EXTRA, encoding="utf-8")
    (reg / "progress" / "2026-extra.yaml").write_text(PROGRESS, encoding="utf-8")
    out = root / "out"
    fake = root / "soffice"
    import sys

    fake.write_text(f"#!{sys.executable}\n" + QUICK_SOFFICE, encoding="utf-8")
    fake.chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_SOFFICE", str(fake))
        p = docgen(["-r", reg, "-o", out, "assign", "--on", "2026-11-19"])
        assert p.returncode == 0, p.stderr
    xlsx = root / "台账.xlsx"
    p = docgen(["-r", reg, "-o", out, "ledger", "--xlsx", xlsx, "--on", "2026-11-20"])
    assert p.returncode == 0, p.stderr
    from docgen.documents.pdf import font_env

    env = dict(font_env(), HOME=str(root / "home"))  # the repo's font map, as docgen's own PDFs are made
    calc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(root), str(xlsx)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert calc.returncode == 0, calc.stdout + calc.stderr
    return reg, xlsx, root / "台账.pdf"


def _shown(v) -> str:
    """A cell's value as printed: numbers as digits, dates as yyyy-mm-dd, blanks dropped."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d")
    return re.sub(r"\s", "", str(v))


# ---- the workbook ----

def test_every_sheet_has_its_title_and_as_of_line_repeated_on_every_page(ledger):
    _, xlsx, _ = ledger
    wb = load_workbook(xlsx)
    assert wb.sheetnames == SHEETS
    for ws in wb:
        last = "J" if ws.title in ("汇总", "统筹协调") else "L"
        assert ws["A1"].value == f"{OFFICE}督办事项台账（{ws.title}）"
        assert ws["A2"].value == "截至2026年11月20日"
        assert {str(m) for m in ws.merged_cells.ranges} == {f"A1:{last}1", f"A2:{last}2"}
        assert ws.print_title_rows == "$1:$3"  # title, 截至 line, header
        assert ws.freeze_panes == "A4"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # 9: A4
        assert ws.oddFooter.center.text == "第&P页 共&N页" and ws.oddFooter.center.font.startswith("宋体")
        m = ws.page_margins
        assert (m.left, m.right, m.top, m.bottom) == (0.6, 0.6, 0.8, 0.8)
    assert wb["汇总"]["A3"].value == "来源" and wb["会议议定事项"]["C3"].value == "事项内容"


def test_every_cell_is_in_song_and_no_calibri_is_left(ledger):
    _, xlsx, _ = ledger
    wb = load_workbook(xlsx)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    assert c.font.name == "宋体" and c.font.sz >= 9, (ws.title, c.coordinate)
    assert wb["会议议定事项"]["A1"].font.sz == 16 and wb["会议议定事项"]["A1"].font.b
    assert wb["会议议定事项"]["C4"].font.sz == 10 and wb["会议议定事项"]["C3"].font.b
    styles = zipfile.ZipFile(xlsx).read("xl/styles.xml").decode("utf-8")
    # the Normal style (what new cells and the width unit use) is 宋体 11 pt too, not openpyxl's Calibri
    assert "Calibri" not in styles
    assert re.search(r'<fonts count="\d+"><font><name val="宋体"/><charset val="134"/>.*?<sz val="11"/>', styles)


def test_row_height_of_a_known_long_text(ledger):
    _, xlsx, _ = ledger
    ws = load_workbook(xlsx)["会议议定事项"]
    row = next(r for r in ws.iter_rows(min_row=4) if r[2].value == LONG)
    assert ws.column_dimensions["C"].width == pytest.approx(20.0)
    assert ws.row_dimensions[row[0].row].height == pytest.approx(105.5)
    assert row[2].alignment.wrap_text
    # a row of one line: 1 × 14.5 + 4 pt
    one = next(r for r in ws.iter_rows(min_row=4) if str(r[2].value).endswith("做好项目资金保障"))
    assert one[2].value.startswith("=HYPERLINK") and one[2].data_type == "s"  # text, never a formula
    # its tallest cell is 来源, 2026年第30次主任办公会（2026年11月18日）议定事项, in 8 em: 4 lines
    assert ws.row_dimensions[one[0].row].height == pytest.approx(4 * 14.5 + 4)


def test_the_columns_fit_the_page_at_full_size(ledger):
    _, xlsx, _ = ledger
    wb = load_workbook(xlsx)
    ws = wb["会议议定事项"]
    total = sum(ws.column_dimensions[chr(65 + i)].width for i in range(12))
    assert total == pytest.approx(122.5, abs=0.05)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0


def test_a_sheet_too_wide_for_nine_points_is_not_shrunk():
    from openpyxl import Workbook

    from docgen.core.xlsx import print_setup

    wb = Workbook()
    ws = wb.active
    for i in range(1, 31):  # 30 columns of 10 units: 300 × 6.15 = 1845 pt; 10 pt × 755.5 / 1845 = 4.1 pt < 9
        ws.column_dimensions[chr(64 + i) if i <= 26 else "A" + chr(64 + i - 26)].width = 10
    print_setup(ws, "1:3", 10)
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    assert ws.page_setup.scale == 100
    ws2 = wb.create_sheet()
    for i in range(1, 14):  # 13 × 10 = 130 units, 799.5 pt: 10 × 755.5 / 799.5 = 9.45 pt, fitted
        ws2.column_dimensions[chr(64 + i)].width = 10
    print_setup(ws2, "1:3", 10)
    assert ws2.sheet_properties.pageSetUpPr.fitToPage and ws2.page_setup.fitToWidth == 1
    ws3 = wb.create_sheet()
    for i in range(1, 16):  # 150 units, 922.5 pt: 8.2 pt, not fitted
        ws3.column_dimensions[chr(64 + i)].width = 10
    print_setup(ws3, "1:3", 10)
    assert not ws3.sheet_properties.pageSetUpPr or not ws3.sheet_properties.pageSetUpPr.fitToPage


def test_wrapping_keeps_closing_marks_and_numbers_together():
    from docgen.core.xlsx import wrap

    def cjk(s):  # every character one em of 10 pt (a hand ruler; the digits half)
        return sum(5 if c.isascii() else 10 for c in s)

    assert wrap("一二三四五，六", 50, cjk) == ["一二三四", "五，六"]  # no line starts with ，
    assert wrap("督交〔2026〕12号", 60, cjk) == ["督交〔2026〕", "12号"]  # 20 + 40 pt, then 10 + 10
    assert wrap("督交〔2026〕12号", 45, cjk) == ["督交", "〔2026〕", "12号"]  # 〔 stays with 2026, and 〕 too
    assert wrap("第一行\n第二行", 100, cjk) == ["第一行", "第二行"]
    assert wrap("字" * 25, 100, cjk) == ["字" * 10, "字" * 10, "字" * 5]
    assert wrap("a" * 30, 50, cjk) == ["a" * 10, "a" * 10, "a" * 10]  # a word longer than the line is cut


def test_same_day_same_bytes(ledger, tmp_path):
    reg, xlsx, _ = ledger
    again = tmp_path / "again.xlsx"
    p = docgen(["-r", reg, "-o", tmp_path / "o", "ledger", "--xlsx", again, "--on", "2026-11-20"])
    assert p.returncode == 0, p.stderr
    assert again.read_bytes() == xlsx.read_bytes()


# ---- the printed pages ----

def _grid(page):
    """The table on a page: the x of its vertical rules and the y of its horizontal ones."""
    xs, ys = set(), set()
    for ln in page.lines + [r for r in page.rects if min(r["width"], r["height"]) < 1.5]:
        if abs(ln["x1"] - ln["x0"]) < 1.5 and ln["bottom"] - ln["top"] > 5:
            xs.add(round((ln["x0"] + ln["x1"]) / 2, 1))
        elif abs(ln["bottom"] - ln["top"]) < 1.5 and ln["x1"] - ln["x0"] > 5:
            ys.add(round((ln["top"] + ln["bottom"]) / 2, 1))

    def merge(vs):
        out = []
        for v in sorted(vs):
            if not out or v - out[-1] > 1.5:
                out.append(v)
        return out

    return merge(xs), merge(ys)


def _cell_text(page, x0, x1, top, bottom) -> str:
    chars = [c for c in page.chars if x0 < (c["x0"] + c["x1"]) / 2 < x1 and top < (c["top"] + c["bottom"]) / 2 < bottom]
    chars.sort(key=lambda c: (round(c["top"]), c["x0"]))
    return re.sub(r"\s", "", "".join(c["text"] for c in chars))


def test_printed_pages_are_a4_landscape_with_text_of_at_least_9_points(ledger):
    _, _, pdf = ledger
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            assert (page.width, page.height) == (pytest.approx(A4_LANDSCAPE[0], abs=1),
                                                 pytest.approx(A4_LANDSCAPE[1], abs=1))
            sizes = {round(c["size"], 1) for c in page.chars}
            assert min(sizes) >= 9, (page.page_number, sizes)
            assert sizes <= {10.0, 11.0, 16.0}  # printed at full size: the table, the 截至 line, the title
            assert all("NotoSerifCJK" in c["fontname"] for c in page.chars)  # 宋体 through the font map


def test_every_page_has_the_titles_and_its_number(ledger):
    _, _, pdf = ledger
    with pdfplumber.open(pdf) as doc:
        n = len(doc.pages)
        assert n >= 8  # the summary and seven sheets, the meeting items over more than one page
        seen = []
        for page in doc.pages:
            lines = page.extract_text().splitlines()
            m = re.fullmatch(f"{OFFICE}督办事项台账（(.+)）", lines[0])
            assert m, lines[0]
            seen.append(m.group(1))
            assert lines[1] == "截至2026年11月20日"
            assert lines[-1] == f"第{page.page_number}页 共{n}页"
        assert sorted(set(seen), key=SHEETS.index) == SHEETS
        assert seen.count("会议议定事项") >= 2  # so the repeated titles were really tried


def test_no_cell_text_is_cut(ledger):
    """Every cell of every sheet is printed whole inside its own box on the paper: the grid of each page is read
    from its rules, the first row of boxes is the header repeated, the rest are the sheet's rows in order."""
    _, xlsx, pdf = ledger
    wb = load_workbook(xlsx)
    expected = {ws.title: [[_shown(c.value) for c in row] for row in ws.iter_rows(min_row=3)] for ws in wb}
    printed = {t: [] for t in expected}
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            sheet = re.search("（(.+)）", page.extract_text().splitlines()[0]).group(1)
            xs, ys = _grid(page)
            assert len(xs) == len(expected[sheet][0]) + 1, (page.page_number, xs)
            rows = [[_cell_text(page, a, b, top, bottom) for a, b in zip(xs, xs[1:])]
                    for top, bottom in zip(ys, ys[1:])]
            assert rows[0] == expected[sheet][0]  # the header on every page
            printed[sheet] += rows[1:]
    for sheet, rows in expected.items():
        assert printed[sheet] == rows[1:], sheet
    meeting = {r[2]: r for r in printed["会议议定事项"]}
    assert meeting[LONG][3:5] == ["经济发展部", "财政金融部、综合管理部、规划建设部、自然资源部"]
    assert NOTE in meeting[LONG][8]


def test_a_slips_number_is_printed_on_one_line(ledger):
    """督交〔2026〕11号 is 8.26 em of the stand-in font: its column (8.4 em of room) keeps it whole."""
    _, _, pdf = ledger
    numbers = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            if "（会议议定事项）" not in page.extract_text().splitlines()[0]:
                continue
            xs, ys = _grid(page)
            x0, x1 = xs[9], xs[10]  # 交办单号
            for top, bottom in zip(ys[1:], ys[2:]):
                chars = [c for c in page.chars if x0 < c["x0"] < x1 and top < c["top"] < bottom]
                if chars:
                    numbers.append("".join(c["text"] for c in chars))
                    assert len({round(c["top"]) for c in chars}) == 1, numbers[-1]
    assert all(re.fullmatch(r"督交〔2026〕\d+号", n) for n in numbers)
    assert any(re.fullmatch(r"督交〔2026〕\d\d号", n) for n in numbers)  # the widest of them tried


def test_a_title_too_wide_for_its_table_breaks_after_the_office_name(tmp_path):
    """泰安高新技术产业开发区管理委员会督导工作专班 (22 characters) + 督办事项台账（汇总） (10) at 16 pt is 512 pt. 汇总's
    columns have 6 + 3 + 3 + 6.2 + 4 + 3 + 3 + 4 + 4 + 4 = 40.2 em of room and ten paddings: (402 + 50) / 6.0 = 75.33
    units, and its merged title 75.33 × 6.0 − 5 = 447 pt: two lines, 2 × 1.45 × 16 + 4 = 50.4 pt. The twelve columns
    of a source's sheet leave 122.5 × 6.0 − 5 = 730 pt: one line, 1.45 × 16 + 4 = 27.2 pt."""
    from conftest import MINI_SETTINGS, write_registers
    from examples import DAILY_REGS

    office = "泰安高新技术产业开发区管理委员会督导工作专班"
    settings = MINI_SETTINGS.replace("  name: 泰安高新区管委会督导工作专班", f"  name: {office}")
    assert settings != MINI_SETTINGS
    reg = write_registers(tmp_path / "r", {**DAILY_REGS, "settings.yaml": settings})
    xlsx = tmp_path / "台账.xlsx"
    p = docgen(["-r", reg, "-o", tmp_path / "o", "ledger", "--xlsx", xlsx, "--on", "2026-11-17"])
    assert p.returncode == 0, p.stderr
    wb = load_workbook(xlsx)
    assert wb["汇总"]["A1"].value == f"{office}\n督办事项台账（汇总）"
    assert wb["汇总"].row_dimensions[1].height == pytest.approx(50.4)
    assert wb["会议议定事项"]["A1"].value == f"{office}督办事项台账（会议议定事项）"
    assert wb["会议议定事项"].row_dimensions[1].height == pytest.approx(27.2)
    from docgen.documents.pdf import font_env

    calc = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                          env=dict(font_env(), HOME=str(tmp_path / "home")), capture_output=True, text=True,
                          timeout=300)
    assert calc.returncode == 0, calc.stdout + calc.stderr
    with pdfplumber.open(tmp_path / "台账.pdf") as doc:
        lines = doc.pages[0].extract_text().splitlines()
        assert lines[:3] == [office, "督办事项台账（汇总）", "截至2026年11月17日"]
        assert doc.pages[1].extract_text().splitlines()[0] == f"{office}督办事项台账（会议议定事项）"
