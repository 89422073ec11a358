"""The record (issue 8): each finding of the issue as a test, run as a clerk runs docgen."""
import datetime as dt
import hashlib
import json
import os
import zipfile
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import MINI_SETTINGS, write_registers, docgen
from examples import Q3_REG

from docgen.record.ledger import read



def cli(reg, out, *args, check=True):
    p = docgen(["-r", reg, "-o", out, *args])
    if check:
        assert p.returncode == 0, p.stderr
    return p


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def items(n, lead="经济发展部", day="2026-11-02", ids=None):
    ids = ids or [f"X{i}" for i in range(n)]
    rows = "\n".join(f"      - {{id: {json.dumps(i, ensure_ascii=False)}, text: 落实事项{k}, lead: {lead}}}"
                     for k, i in enumerate(ids))
    return f"meetings:\n  - id: M\n    kind: 主任办公会\n    title: 2026年第20次主任办公会\n    date: {day}\n    items:\n{rows}\n"


@pytest.fixture
def office(tmp_path):
    """An office folder: registers in office/r, so the archive is office/r/archive (the default, inside the registers folder)."""
    return tmp_path / "office"


# ---------------------------------------------------------------- closed periods

LATE_FACTS = """\
progress:
  - {item: F1, date: 2026-09-20, type: 整改报告}
  - {item: I3, date: 2026-10-14, type: 延期申请, until: 2026-10-30, reason: 补报材料}
  - {item: I3, date: 2026-10-15, type: 延期批复, granted: 同意}
"""


def events(sheet, unit):
    u = next(u for u in sheet["units"] if u["unit"] == unit)
    return u, [(e["date"], e["rule"], e["points"], (e["cite"] or [None] * 4)[3]) for e in u["events"]]


def test_a_closed_period_never_changes_and_late_facts_are_adjusted_in_the_open_one(office, quick_pdf):
    reg = write_registers(office / "r", {"m.yaml": Q3_REG})
    out = office / "out"
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    q3_before = json.loads(cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-11-20", "--json").stdout)
    cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-11-20", "--xlsx")
    xlsx = out / "scores" / "2026-07-01..2026-09-30.xlsx"
    files = {p: sha(p) for p in [xlsx, *(out / "bulletins").iterdir()]}
    assert len(files) == 3
    # facts that arrive after the close: a back-dated 整改报告 (F1, 9/20) and a late extension (I3, asked 10/14)
    (reg / "late.yaml").write_text(LATE_FACTS, encoding="utf-8")
    q3_after = json.loads(cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-11-20", "--json").stdout)
    assert q3_after == q3_before
    assert {u["unit"]: u["score"] for u in q3_after["units"]} == {"良庄镇": 100.0, "经济发展部": 97.5,
                                                                   "财政金融部": 91.5}  # as issued (test_bulletin)
    cli(reg, out, "scores", "--period", "2026-Q3", "--on", "2026-11-20", "--xlsx")
    (out / "bulletins" / "督导通报2026年第1期.pdf").unlink()  # lost from output: restored from the archive
    assert "2026年第1期" in cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-11-20").stdout
    assert {p: sha(p) for p in files} == files  # byte-identical: bulletin .docx, .pdf and the xlsx

    q4 = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-11-20", "--json").stdout)
    # 经济发展部: F1 finished 9/20 (5 days late), so its Q3 weekly deductions of 9/22 and 9/29 no longer hold:
    # returned on 10/1, the first open day; being named in the 10/12 bulletin still costs a point.
    u, ev = events(q4, "经济发展部")
    assert ev == [("2026-10-01", "adjust", 0.5, "2026-09-22"), ("2026-10-01", "adjust", 0.5, "2026-09-29"),
                  ("2026-10-12", "bulletin_named", -1.0, None)]
    # nothing of 经济发展部 falls due in Q4, but it has deductions and bonuses there: ranked (rules.md §5),
    # 100 + 0.5 + 0.5 − 1 = 100
    assert (u["active"], u["score"]) == (True, 100.0) and sum(e[2] for e in ev) == 0.0
    assert all("2026年第三季度" in e["reason"] for e in u["events"] if e["rule"] == "adjust")
    # 财政金融部: I3 (due 7/13) asked on 10/14, after its due date, granted on 10/15 to 10/30. A late request
    # (rules.md §2, decided): the 94 days overdue until the grant stand, so the Q3 overdue point (7/14) and its 11
    # weekly half points (7/20 … 9/28) stay as recorded — nothing to adjust — and the weeks go on in Q4 until the
    # grant: 10/5 and 10/12 (7/13 + 12 and 13 weeks). The late request costs -0.5 (10/14); overdue again from
    # 10/31 (-1), weeks at 11/6, 11/13, 11/20 (-1.5); named on 10/12 (-1): -1 - 1 - 0.5 - 1 - 1.5 = -5.0
    u, ev = events(q4, "财政金融部")
    assert [e for e in ev if e[1] == "adjust"] == []
    assert [e[:3] for e in ev] == [
        ("2026-10-05", "overdue_week", -0.5), ("2026-10-12", "bulletin_named", -1.0),
        ("2026-10-12", "overdue_week", -0.5), ("2026-10-14", "late_extension", -0.5),
        ("2026-10-31", "overdue", -1.0), ("2026-11-06", "overdue_week", -0.5), ("2026-11-13", "overdue_week", -0.5),
        ("2026-11-20", "overdue_week", -0.5)]
    # I3's original due date is in Q3, but its deductions fall in Q4: ranked with 100 − 5 = 95
    assert sum(e[2] for e in ev) == -5.0 and (u["active"], u["score"]) == (True, 95.0)

    # closing October records the adjustments with it; they are never applied twice
    cli(reg, out, "bulletin", "--period", "2026-10", "--on", "2026-11-20")
    q4b = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-11-25", "--json").stdout)
    u, ev = events(q4b, "经济发展部")
    assert [e for e in ev if e[1] == "adjust"] == [("2026-10-01", "adjust", 0.5, "2026-09-22"),
                                                   ("2026-10-01", "adjust", 0.5, "2026-09-29")]
    oct_close = read(reg).closes["2026-10-01..2026-10-31"]
    assert sum(e["rule"] == "adjust" for u in oct_close["scores"]["units"] for e in u["events"]) == 2  # F1's


def test_the_named_deduction_comes_from_the_printed_bulletin(office, quick_pdf):
    """A back-dated 办结 no longer removes the 通报点名 deduction: the bulletin named the item, so it stays."""
    reg = write_registers(office / "r", {"m.yaml": Q3_REG})
    out = office / "out"
    cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    (reg / "late.yaml").write_text("progress:\n  - {item: I3, date: 2026-09-01, type: 办结}\n", encoding="utf-8")
    q4 = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-10-31", "--json").stdout)
    _, ev = events(q4, "财政金融部")
    assert ("2026-10-12", "bulletin_named", -1.0, None) in ev


# ---------------------------------------------------------------- numbers across issuers

TWO_ISSUERS = MINI_SETTINGS + """\
  - id: zhaoshang
    name: 双招双引工作专班办公室
"""


def test_two_issuers_without_prefixes_are_refused_by_check(run, tmp_path):
    reg = write_registers(tmp_path / "r", {"settings.yaml": TWO_ISSUERS.replace(
        "    prefixes: {assign: 督交, urge: 督催, rectify: 督改}\n", "")})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "settings.yaml:" in err and "「zhaoshang」的交办单机关代字「督交」与编号机构「dudao」" in err
    assert "催办单机关代字「督催」" in err and "整改通知单机关代字「督改」" in err


def test_two_issuers_with_one_shared_prefix_are_refused(run, tmp_path):
    s = TWO_ISSUERS + "    prefixes: {assign: 招交, urge: 督催, rectify: 招改}\n"
    reg = write_registers(tmp_path / "r", {"settings.yaml": s})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "催办单机关代字「督催」" in err and "交办单机关代字" not in err


# ---------------------------------------------------------------- any Unicode in ids and reasons

# ids with line separators are refused by check (tests/test_text_edges.py); these are the odd ids a register may hold
@pytest.mark.parametrize("odd", ["A\tB", "A\u3000B", 'A"B\\', "A{{B}}"])
def test_odd_characters_in_an_id_never_break_the_ledger_or_give_a_second_number(office, odd, quick_pdf):
    reg = write_registers(office / "r", {"m.yaml": items(2, ids=[odd, "B"])})
    out = office / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    cli(reg, out, "assign", "--on", "2026-11-04")  # the next day's run
    assert sorted(s.item for s in read(reg).slips.values()) == sorted([odd, "B"])
    # a reason on the command line may hold line separators: the ledger keeps them, one record a line
    reason = f"原因{odd}\u2028\r\u2029\u0085尾"
    cli(reg, out, "void", "督交〔2026〕1号", "--reason", reason)
    assert read(reg).slips["督交〔2026〕1号"].void["reason"] == reason
    assert cli(reg, out, "check").returncode == 0


def test_a_forged_number_never_becomes_a_path(office, tmp_path, quick_pdf):
    reg = write_registers(office / "r", {"m.yaml": items(2)})
    out = office / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    p = reg / "ledger.jsonl"
    p.write_text(p.read_text(encoding="utf-8").replace("督交〔2026〕2号", "../../../../X"), encoding="utf-8")
    before = sorted(str(x) for x in tmp_path.rglob("*"))
    r = cli(reg, out, "assign", "--on", "2026-11-04", check=False)  # with PDFs: everything would be written
    assert r.returncode == 2 and "ledger.jsonl:" in r.stderr and "../../../../X" in r.stderr
    assert "Traceback" not in r.stderr
    assert sorted(str(x) for x in tmp_path.rglob("*")) == before
    assert not list(Path("/").glob("X.docx")) and not (tmp_path / "X.docx").exists()


def test_a_lost_ledger_never_hands_a_number_to_another_item(office, quick_pdf):
    reg = write_registers(office / "r", {"m.yaml": items(2)})
    out = office / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    (reg / "ledger.jsonl").unlink()
    (reg / "m.yaml").write_text(items(2, ids=["Y0", "Y1"]), encoding="utf-8")  # other items now
    r = cli(reg, out, "assign", "--on", "2026-11-04", check=False)
    assert r.returncode == 2 and "督交〔2026〕1号.docx" in r.stderr and "账本中没有记录" in r.stderr
    assert not (reg / "ledger.jsonl").exists()  # nothing numbered
    text = [c.text for t in docx.Document(str(out / "slips" / "交办单" / "督交〔2026〕1号.docx")).tables
            for row in t.rows for c in row.cells]
    assert "落实事项0" in text  # the old slip is untouched


# ---------------------------------------------------------------- nothing numbered that cannot be rendered

def test_control_characters_are_refused_at_check_and_nothing_is_numbered(run, office):
    units = 'units:\n  - {name: "经济\\x01发展部", contact: 孙伟}\n  - {name: 财政金融部, contact: 周敏}\n'
    m = items(1, lead="财政金融部").replace("text: 落实事项0", 'text: "落实\\x0b事项"')
    reg = write_registers(office / "r", {"units.yaml": units, "m.yaml": m})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{reg}/units.yaml:2: name: 含有不能写入文档的控制字符 U+0001（第3个字符）" in err
    assert "m.yaml:7: text: 含有不能写入文档的控制字符 U+000B" in err
    rc, _, err = run("-r", str(reg), "-o", str(office / "out"), "assign", "--on", "2026-11-03")
    assert rc == 2 and not (reg / "ledger.jsonl").exists() and not (office / "out").exists()


def test_an_output_folder_that_cannot_be_written_is_found_before_numbering(run, office):
    reg = write_registers(office / "r", {"m.yaml": items(2)})
    blocker = office / "out"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    rc, out, err = run("-r", str(reg), "-o", str(blocker), "assign", "--on", "2026-11-03")
    assert rc == 2 and "无法写入" in err and "本次未编号" in err
    assert not read(reg).slips


def test_a_full_disk_is_found_before_numbering(run, office, monkeypatch):
    import errno

    import docgen.core.files

    reg = write_registers(office / "r", {"m.yaml": items(2)})

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(docgen.core.files.os, "write", full)
    rc, out, err = run("-r", str(reg), "-o", str(office / "out"), "assign", "--on", "2026-11-03")
    assert rc == 2 and "No space left on device" in err and "本次未编号" in err
    assert not read(reg).slips


def test_a_slip_that_cannot_be_drawn_gets_no_number(run, office, monkeypatch, quick_pdf):
    import dataclasses

    from docgen.issuing.kinds import ASSIGN
    from docgen.kinds import KINDS

    reg = write_registers(office / "r", {"m.yaml": items(3)})
    real = ASSIGN.context

    def fragile(reg_, entry, status, ctx, mark=None):
        if status.item.id == "X1":
            raise ValueError("模拟的排版失败")
        return real(reg_, entry, status, ctx, mark)

    monkeypatch.setitem(KINDS, "assign", dataclasses.replace(ASSIGN, context=fragile))
    rc, out, err = run("-r", str(reg), "-o", str(office / "out"), "assign", "--on", "2026-11-03")
    assert rc == 2  # the others are issued, and the run says one was not
    assert "未编号：事项「X1」的交办单无法生成（ValueError: 模拟的排版失败）" in out
    assert "交办单未出具：事项「X1」的交办单无法生成" in err
    assert [(s.number, s.item) for s in read(reg).slips.values()] == [("督交〔2026〕1号", "X0"), ("督交〔2026〕2号", "X2")]


# ---------------------------------------------------------------- spreadsheets

def test_register_text_is_never_a_formula_in_a_spreadsheet(office):
    formula = '=HYPERLINK("http://example.invalid","x")'
    units = f"units:\n  - {{name: '{formula}', contact: 孙伟}}\n  - {{name: '+1', contact: 周敏}}\n"
    reg = write_registers(office / "r", {"units.yaml": units, "m.yaml": items(1, lead=f"'{formula}'")})
    out = office / "out"
    cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-11-30", "--xlsx")
    path = out / "scores" / "2026-10-01..2026-12-31.xlsx"
    wb = load_workbook(path)
    cells = {c.value: c for row in wb["汇总"].iter_rows() for c in row if isinstance(c.value, str)}
    assert cells[formula].data_type == "s" and cells["+1"].data_type == "s"
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" in xml


# ---------------------------------------------------------------- the archive, revisions, metadata

@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """Three 交办单 issued with PDFs on 2026-11-03 in an office with its own archive."""
    office = tmp_path_factory.mktemp("office")
    reg = write_registers(office / "r", {"m.yaml": items(3)})
    cli(reg, office / "out", "assign", "--on", "2026-11-03")
    return office


def test_issued_slips_are_recorded_archived_and_batched(issued):
    st = read(issued / "r")
    arch = issued / "r" / "archive" / "2026" / "交办单"
    for s in st.slips.values():
        r = s.rendered
        out = issued / "out" / "slips" / "交办单" / f"{s.number}.docx"
        assert r["docx"] == sha(out) == sha(arch / f"{s.number}.docx")
        assert r["pdf"] == sha(out.with_suffix(".pdf")) == sha(arch / f"{s.number}.pdf")
        assert r["facts"]["牵头单位"] == "经济发展部" and r["facts"]["办结时限"] == "2026年11月12日"  # 11/2 + 10
        assert s.batch == "2026-11-03-交办单-1"
        assert not os.access(arch / f"{s.number}.pdf", os.W_OK) or os.getuid() == 0
        assert (os.stat(arch / f"{s.number}.pdf").st_mode & 0o222) == 0  # written read-only
    b = issued / "out" / "batches" / "2026-11-03-交办单-1"
    assert sorted(p.name for p in b.iterdir()) == ["01-经济发展部.pdf", "目录.txt", "签收登记表.docx", "签收登记表.pdf"]
    assert st.batches["2026-11-03-交办单-1"]["files"]["01-经济发展部.pdf"] == sha(b / "01-经济发展部.pdf")
    # printed on both sides: the separator sheet, then each one-page slip on a sheet of its own (blank backs)
    pages = [p.extract_text() or "" for p in PdfReader(str(b / "01-经济发展部.pdf")).pages]
    assert len(pages) == 8
    assert "经济发展部" in pages[0] and all(f"督交〔2026〕{n}号" in pages[0].replace(" ", "") for n in (1, 2, 3))
    assert [p.strip() for p in pages[1::2]] == ["", "", "", ""]
    assert [f"督交〔2026〕{n}号" in pages[2 * n].replace(" ", "") for n in (1, 2, 3)] == [True, True, True]
    assert json.loads((issued / "r" / "archive" / "ledger-head.json").read_text()) == {"n": len(st.lines), "hash": st.head}


def test_pdf_metadata_and_pdf_a(issued):
    pdf = issued / "out" / "slips" / "交办单" / "督交〔2026〕2号.pdf"
    r = PdfReader(str(pdf))
    m = r.metadata
    assert m["/Title"] == "督办事项交办单" and m["/Subject"] == "督交〔2026〕2号"
    assert m["/Author"] == "泰安高新区管委会督导工作专班" and m["/Keywords"] == "经济发展部"
    assert m["/CreationDate"].startswith("D:20261103000000")
    xmp = r.xmp_metadata.stream.get_data().decode()
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "<xmp:CreateDate>2026-11-03T00:00:00" in xmp


def test_archive_verify_names_what_is_missing_altered_or_unrecorded(issued, tmp_path, run):
    import shutil

    office = tmp_path / "copy"
    shutil.copytree(issued, office)
    reg, arch = office / "r", office / "r" / "archive" / "2026" / "交办单"
    rc, out, _ = run("-r", str(reg), "archive", "verify")
    assert rc == 0 and "账本记录出具3份" in out
    p = arch / "督交〔2026〕2号.pdf"
    os.chmod(p, 0o644)
    p.write_bytes(p.read_bytes() + b"%")
    (arch / "督交〔2026〕3号.docx").unlink()
    (arch / "督交〔2026〕9号.pdf").write_bytes(b"%PDF-1.4")
    rc, out, _ = run("-r", str(reg), "archive", "verify")
    assert rc == 1
    assert f"被改动：{p}" in out and f"缺失：{arch / '督交〔2026〕3号.docx'}" in out
    assert f"未登记：{arch / '督交〔2026〕9号.pdf'}" in out
    assert "督交〔2026〕1号" not in out


def test_archive_verify_notices_records_cut_off_the_end(issued, tmp_path, run):
    import shutil

    office = tmp_path / "copy"
    shutil.copytree(issued, office)
    led = office / "r" / "ledger.jsonl"
    led.write_bytes(b"".join(led.read_bytes().splitlines(keepends=True)[:-2]))  # still a valid chain
    rc, out, _ = run("-r", str(office / "r"), "archive", "verify")
    assert rc == 1 and "末尾的记录被删除" in out


def test_a_correction_that_would_change_an_issued_slip_is_refused_then_reissued(issued, tmp_path, run):
    import shutil

    office = tmp_path / "copy"
    shutil.copytree(issued, office)
    reg, out = office / "r", office / "out"
    (reg / "m.yaml").write_text(items(3).replace("落实事项1", "落实事项一（更正）"), encoding="utf-8")
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-05")
    assert rc == 2
    assert "督交〔2026〕2号（2026年11月3日出具）：台账中事项由「落实事项1」改为「落实事项一（更正）」" in err
    assert "docgen assign --reissue 督交〔2026〕2号 --reason" in err
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "督交〔2026〕2号" in err
    rc, stdout, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-05",
                          "--reissue", "督交〔2026〕2号", "--reason", "事项表述有误")
    assert rc == 0, err
    arch = office / "r" / "archive" / "2026" / "交办单"
    assert sha(arch / "督交〔2026〕2号.pdf") == read(reg).slips["督交〔2026〕2号"].renders[0]["pdf"]  # untouched
    assert (arch / "督交〔2026〕2号-更正1.pdf").is_file()
    d = docx.Document(str(out / "slips" / "交办单" / "督交〔2026〕2号.docx"))
    assert any(p.text == "（2026年11月5日更正：事项表述有误）" for p in d.paragraphs)
    assert "落实事项一（更正）" in [c.text for t in d.tables for row in t.rows for c in row.cells]
    st = read(reg)
    assert st.slips["督交〔2026〕2号"].batch == "2026-11-05-交办单-1"
    assert run("-r", str(reg), "check")[0] == 0
    assert run("-r", str(reg), "archive", "verify")[0] == 0


def test_void_of_an_issued_slip_archives_a_marked_copy_beside_it(issued, tmp_path, run):
    import shutil

    office = tmp_path / "copy"
    shutil.copytree(issued, office)
    rc, _, err = run("-r", str(office / "r"), "-o", str(office / "out"), "void", "督交〔2026〕1号", "--reason",
                     "重复交办", "--on", "2026-11-06")
    assert rc == 0, err
    arch = office / "r" / "archive" / "2026" / "交办单"
    assert (arch / "督交〔2026〕1号.pdf").is_file() and (arch / "督交〔2026〕1号-作废.pdf").is_file()
    assert "此单已作废" in PdfReader(str(arch / "督交〔2026〕1号-作废.pdf")).pages[0].extract_text()
    assert run("-r", str(office / "r"), "archive", "verify")[0] == 0


# ---------------------------------------------------------------- progress

def test_progress_is_shown_only_on_a_terminal():
    import io

    from docgen.core.progress import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    pipe, tty = io.StringIO(), Tty()
    for stream in (pipe, tty):
        bar = Progress("生成 PDF", stream)
        for i in (0, 3, 3, 7, 10):
            bar(i, 10)
        bar.close()  # after the end: nothing more
    assert pipe.getvalue() == ""
    lines = tty.getvalue().split("\r")
    assert "[#########---------------------]  3/10" in lines[2]  # 3 of 10: 9 of 30 cells
    assert tty.getvalue().endswith("生成 PDF  [" + "#" * 30 + "]  10/10\x1b[?25h\n")  # the cursor back, one newline


def test_the_same_slip_drawn_twice_is_the_same_bytes(issued):
    """A .docx does not carry the clock: drawn again from the same registers and ledger, it is identical."""
    from docgen.registers.calendar import WorkCalendar
    from docgen.issuing.slips import draw
    from docgen.registers.load import read_registers

    reg, _ = read_registers(issued / "r")
    st = read(issued / "r")
    s = st.slips["督交〔2026〕1号"]
    one = draw(reg, WorkCalendar(reg.calendar_files), st, s).to_bytes()
    two = draw(reg, WorkCalendar(reg.calendar_files), st, s).to_bytes()
    assert one == two
    with zipfile.ZipFile(__import__("io").BytesIO(one)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 3, 0, 0, 0)}  # the issue date, not the clock


def test_the_archive_folder_is_a_setting(office):
    s = MINI_SETTINGS + "archive: 档案室/督办\n"
    reg = write_registers(office / "r", {"settings.yaml": s, "m.yaml": items(1)})
    cli(reg, office / "out", "assign", "--on", "2026-11-03")
    assert (reg / "档案室" / "督办" / "2026" / "交办单" / "督交〔2026〕1号.pdf").is_file()
    assert not (office / "r" / "archive").exists()
