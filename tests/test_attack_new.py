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
