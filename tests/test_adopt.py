"""Adopting what an office issued on paper before it used docgen (issue 18): an item's `slip` and `slip_date`,
settings.yaml `bulletin.adopted`. The paper number is recorded as adopted (ledger act `adopt`, 纸质出具), never
issued again; docgen's own numbers continue after the highest adopted one; receipts and 催办单 cite it; lateness
counts from its real date; it has no files in the archive."""
import datetime as dt
import errno
import json
import os
import threading
from pathlib import Path

from conftest import MINI_SETTINGS, write_registers

from docgen.record.ledger import Ledger, read

# 2026-11-02 is a Monday. 主任办公会: meeting.major, due 10 days after the meeting: 2026-11-12 (a Thursday).
ITEMS = """\
meetings:
  - id: M
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - id: A1
        text: 落实事项一
        lead: 经济发展部
        slip: 督交〔2026〕7号
        slip_date: 2026-11-03
      - id: A2
        text: 落实事项二
        lead: 财政金融部
        slip: 督交〔2026〕9号
        slip_date: 2026-11-06
      - {id: A3, text: 落实事项三, lead: 良庄镇}
"""
SIGNED = """\
progress:
  - {item: A1, date: 2026-11-04, type: 签收, slip: 督交〔2026〕7号, by: 孙伟}
"""


def office(tmp_path, **extra):
    return write_registers(tmp_path / "r", {"m.yaml": ITEMS, "p.yaml": SIGNED, **extra})


def acts(reg: Path) -> list[dict]:
    return [json.loads(x) for x in (reg / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]


def test_adopted_slips_get_no_new_slip_and_docgen_continues_after_the_highest(run, tmp_path, quick_pdf):
    reg, out = office(tmp_path), tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 0, err
    assert "新出具交办单1份：督交〔2026〕10号" in so  # 7 and 9 were issued on paper: the next is 10, for A3 only
    st = read(reg)
    assert sorted(s.item for s in st.valid("assign") if not s.adopted) == ["A3"]
    adopted = [a for a in acts(reg) if a["act"] == "adopt"]
    assert [(a["number"], a["item"], a["kind"], a["date"], a["source"]) for a in adopted] == [
        ("督交〔2026〕7号", "A1", "assign", "2026-11-03", "纸质出具"),
        ("督交〔2026〕9号", "A2", "assign", "2026-11-06", "纸质出具")]
    # the archive holds docgen's slip only, and verify accepts the paper slips without files
    folder = reg / "archive" / "2026" / "交办单"
    assert sorted(p.name for p in folder.iterdir()) == ["督交〔2026〕10号.docx", "督交〔2026〕10号.pdf"]
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0, so + err
    # nothing of them in the output or the print batch either
    assert sorted(p.name for p in (out / "slips" / "交办单").iterdir()) == ["督交〔2026〕10号.docx", "督交〔2026〕10号.pdf"]
    # idempotent: a second run records nothing more
    n = len(acts(reg))
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-10")
    assert rc == 0, err
    assert "新出具交办单0份" in so and len(acts(reg)) == n


def test_check_reads_the_paper_slips_before_any_run(run, tmp_path):
    """A receipt citing a paper slip is accepted (no "not in the ledger" warning), and the paper slip dated four
    working days after the meeting is listed as late (issue_lag 2: 11-03, 04, 05, 06 are the 1st to 4th working
    days after 11-02); the one dated the next day is not. Nothing is written."""
    reg = office(tmp_path)
    rc, so, err = run("-r", str(reg), "check")
    assert rc == 0, err
    assert "在账本中没有" not in so
    assert "警告：交办单出具偏晚 督交〔2026〕9号（事项「A2」，财政金融部）：交办（2026年11月2日）后第4个工作日才出具，超过2个工作日" in so
    assert "督交〔2026〕7号（" not in so
    assert "账本0条记录，0个编号，0个已结算期间；2份纸质出具的单据将在下次出具时登记。" in so
    assert not (reg / "ledger.jsonl").exists()


def test_a_receipt_citing_another_items_paper_slip_is_refused(run, tmp_path):
    reg = office(tmp_path, **{"p.yaml": "progress:\n  - {item: A3, date: 2026-11-04, type: 签收, slip: 督交〔2026〕7号, by: 邓超}\n"})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "r/p.yaml:2: slip: 单据「督交〔2026〕7号」是事项「A1」的，不是「A3」的" in err


def test_an_urge_for_an_overdue_adopted_item_cites_the_paper_slip(run, tmp_path):
    """Due 2026-11-12; on Monday 2026-11-16 A2 is overdue 4 days (red) and gets a 催办单 whose 交办依据 is
    督交〔2026〕9号 of 2026年11月6日, the date it was really issued: read from the real PDF."""
    import pdfplumber

    reg, out = office(tmp_path), tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "urge", "--on", "2026-11-16")
    assert rc == 0, err
    st = read(reg)
    urge = next(s for s in st.valid("urge") if s.item == "A2")
    with pdfplumber.open(out / "slips" / "催办单" / f"{urge.number}.pdf") as pdf:
        lines = pdf.pages[0].extract_text().splitlines()
    assert "交办依据 督交〔2026〕9号交办单（2026年11月6日）" in lines
    assert "办理进度 已逾期4天" in lines
    assert not any(s.item == "A2" for s in st.valid("assign") if not s.adopted)


def test_bad_paper_numbers_are_refused_naming_file_line_and_field(run, tmp_path):
    bad = """\
meetings:
  - id: M
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: B1, text: 事项一, lead: 经济发展部, slip: 招交〔2026〕3号, slip_date: 2026-11-03}
      - {id: B2, text: 事项二, lead: 经济发展部, slip: 督交〔2025〕3号, slip_date: 2026-11-03}
      - {id: B3, text: 事项三, lead: 经济发展部, slip: 督交〔2026〕4号, slip_date: 2026-11-03}
      - {id: B4, text: 事项四, lead: 经济发展部, slip: 督交〔2026〕4号, slip_date: 2026-11-04}
      - {id: B5, text: 事项五, lead: 经济发展部, slip: "督交[2026]5号", slip_date: 2026-11-04}
      - {id: B6, text: 事项六, lead: 经济发展部, slip: 督交〔2026〕6号}
"""
    reg = write_registers(tmp_path / "r", {"m.yaml": bad})
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-09")
    assert rc == 2 and "Traceback" not in err
    m = reg / "m.yaml"
    lines = err.splitlines()
    assert f"{m}:7: slip: 「招交〔2026〕3号」不是编号机构「dudao」的交办单编号：其机关代字是「督交」（应如 督交〔2026〕3号）" in lines
    assert f"{m}:8: slip: 编号「督交〔2025〕3号」的年份2025与出具日期 2026-11-03（slip_date）的年份不符" in lines
    assert f"{m}:10: slip: 编号「督交〔2026〕4号」已由另一个事项登记为纸质出具（{m}:9）：一个编号只属于一份单据" in lines
    assert any(x.startswith(f"{m}:11: slip: 「督交[2026]5号」不是单据编号") for x in lines)
    assert f"{m}:12: slip: 写了纸质单据的编号（slip），还须写它的出具日期（slip_date）" in lines
    assert not (reg / "ledger.jsonl").exists() and not (tmp_path / "out").exists()


def test_a_number_docgen_issued_cannot_be_adopted(run, tmp_path, quick_pdf):
    first = ITEMS.replace("        slip: 督交〔2026〕7号\n        slip_date: 2026-11-03\n", "") \
                 .replace("        slip: 督交〔2026〕9号\n        slip_date: 2026-11-06\n", "")
    reg = write_registers(tmp_path / "r", {"m.yaml": first})
    out = tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 0 and "新出具交办单3份：督交〔2026〕1—3号" in so, so + err
    before = (reg / "ledger.jsonl").read_bytes()
    more = first + "      - {id: A4, text: 落实事项四, lead: 良庄镇, slip: 督交〔2026〕2号, slip_date: 2026-11-03}\n"
    (reg / "m.yaml").write_text(more, encoding="utf-8")
    for cmd in (["check"], ["assign", "--on", "2026-11-04"]):
        rc, _, err = run("-r", str(reg), "-o", str(out), *cmd)
        assert rc == 2, (cmd, err)
        assert "r/m.yaml:14: slip: 编号「督交〔2026〕2号」是 docgen 出具的（账本第2行，2026-11-03），不能再登记为纸质出具" in err
    assert (reg / "ledger.jsonl").read_bytes() == before
    # an item docgen already assigned cannot adopt a paper slip beside it
    (reg / "m.yaml").write_text(first.replace("{id: A3, text: 落实事项三, lead: 良庄镇}",
                                              "{id: A3, text: 落实事项三, lead: 良庄镇, slip: 督交〔2026〕8号, slip_date: 2026-11-03}"),
                                encoding="utf-8")
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert "事项「A3」的交办单已由 docgen 于2026-11-03出具：督交〔2026〕3号（账本第3行），不能再登记「督交〔2026〕8号」" in err


def test_a_paper_bulletin_closes_its_period_and_the_next_continues_its_number(run, tmp_path, quick_pdf):
    settings = MINI_SETTINGS + """\
bulletin:
  adopted:
    - {period: 2026-Q3, number: 2026年第2期, date: 2026-10-12}
"""
    reg, out = office(tmp_path, **{"settings.yaml": settings}), tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-10", "--on", "2026-11-05")
    assert rc == 0, err
    assert "2026年第3期" in so
    assert (out / "bulletins" / "督导通报2026年第3期.pdf").is_file() or any("2026年第3期" in p.name for p in out.rglob("*.pdf"))
    rc, _, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-11-05")
    assert rc == 1
    assert "2026年第三季度的《督导通报》2026年第2期已于2026-10-12纸质出具" in err
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0, so + err


def test_a_bad_paper_bulletin_is_refused_with_its_line(run, tmp_path):
    settings = MINI_SETTINGS + """\
bulletin:
  adopted:
    - {period: 2026-Q3, number: 2025年第2期, date: 2026-10-12}
    - {period: 2026-Q5, number: 2026年第3期, date: 2026-10-12}
"""
    reg = office(tmp_path, **{"settings.yaml": settings})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    # MINI_SETTINGS is 11 lines: bulletin is line 12, adopted 13, its entries 14 and 15
    assert "r/settings.yaml:14: number: 期号「2025年第2期」的年份与出具日期 2026-10-12 的年份不符（期号按出具的年份编）" in err
    assert "r/settings.yaml:15: period: 无法识别期间「2026-Q5」" in err


def test_adopting_under_two_clerks_at_once_records_each_number_once(tmp_path):
    from docgen.issuing.transaction import adopt_paper
    from docgen.registers.load import read_registers

    reg_dir = office(tmp_path)
    reg, diags = read_registers(reg_dir)
    assert not diags
    barrier = threading.Barrier(2)
    errors = []

    def clerk():
        try:
            barrier.wait()
            with Ledger(reg_dir, wait_seconds=30) as led:
                adopt_paper(led, reg)
                led.commit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=clerk) for _ in range(2)]
    [t.start() for t in ts]
    [t.join(60) for t in ts]
    assert errors == []
    assert [a["number"] for a in acts(reg_dir) if a["act"] == "adopt"] == ["督交〔2026〕7号", "督交〔2026〕9号"]
    assert read(reg_dir).next_number("dudao", "assign", "督交", 2026) == (10, "督交〔2026〕10号")


def test_a_run_that_cannot_write_the_ledger_adopts_nothing_and_the_next_adopts_once(run, tmp_path, monkeypatch,
                                                                                      quick_pdf):
    import docgen.record.ledger as L

    reg, out = office(tmp_path), tmp_path / "out"
    real = L.atomic_write_bytes

    def full(path, data):
        if Path(path).name == "ledger.jsonl":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, data)

    monkeypatch.setattr(L, "atomic_write_bytes", full)
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 2 and "账本未改动" in err
    assert not (reg / "ledger.jsonl").exists()
    monkeypatch.setattr(L, "atomic_write_bytes", real)
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 0, err
    assert "督交〔2026〕10号" in so
    assert [a["number"] for a in acts(reg) if a["act"] == "adopt"] == ["督交〔2026〕7号", "督交〔2026〕9号"]


def test_an_old_ledger_without_adopt_records_still_reads_and_adopts(tmp_path):
    """A version-1 ledger (no "v", written before the adopt act existed) reads as before; a paper slip adopted
    into it keeps the chain, and docgen's next number follows the highest of both (1 given, 7 adopted: 8)."""
    from docgen.record.ledger import GENESIS, encode

    r = {"n": 1, "prev": GENESIS, "at": "2026-01-05T01:00:00Z", "act": "number", "issuer": "dudao", "kind": "assign",
         "year": 2026, "seq": 1, "prefix": "督交", "number": "督交〔2026〕1号", "item": "X", "key": "X",
         "date": "2026-01-05"}
    (tmp_path / "ledger.jsonl").write_text(encode(r) + "\n", encoding="utf-8")
    with Ledger(tmp_path) as led:
        led.adopt("dudao", "assign", "督交", 2026, 7, "督交〔2026〕7号", "Y", "Y", dt.date(2026, 1, 4))
        led.commit()
    st = read(tmp_path)
    assert [(s.number, s.adopted) for s in st.slips.values()] == [("督交〔2026〕1号", False), ("督交〔2026〕7号", True)]
    assert st.next_number("dudao", "assign", "督交", 2026) == (8, "督交〔2026〕8号")
    assert acts(tmp_path)[1]["v"] == 2 and "v" not in acts(tmp_path)[0]


def test_import_writes_the_paper_slip_numbers_of_the_issuer(run, tmp_path, quick_pdf):
    """交办单号 督交〔2026〕7号 (the issuer's prefix) and 督改〔2026〕2号 (a finding's 整改通知单) are imported as
    paper slips dated their 交办日期; 招交〔2026〕1号 is another issuer's and is not. The first run issues a
    交办单 only for the rows without one, numbered after 7: 8 and 9."""
    from test_init_import import _office_sheet

    from docgen.registers.load import read_registers

    header = ["序号", "事项来源", "会议名称/批示领导/文号", "督办事项", "责任单位", "配合单位", "交办日期", "完成时限", "交办单号"]
    rows = [[1, "主任办公会", "2026年第12次主任办公会", "甲事项", "财政金融部", None, "2026-11-02", "2026-11-30", "督交〔2026〕7号"],
            [2, "主任办公会", "2026年第12次主任办公会", "乙事项", "经济发展部", None, "2026-11-02", "2026-11-30", "招交〔2026〕1号"],
            [3, "主任办公会", "2026年第12次主任办公会", "丙事项", "良庄镇", None, "2026-11-02", "2026-11-30", None],
            [4, "挂牌督导", None, "秸秆禁烧责任未落实", "良庄镇", None, "2026-11-03", "2026-11-20", "督改〔2026〕2号"]]
    reg_dir = write_registers(tmp_path / "registers", {})
    xlsx = _office_sheet(tmp_path / "台账.xlsx", rows, header=header)
    rc, so, err = run("-r", str(reg_dir), "import", str(xlsx))
    assert rc == 0, err
    assert "说明：2行的“交办单号”导入为纸质出具的单据" in so
    assert "说明：1行的“交办单号”不是本编号机构的机关代字，没有导入：招交〔2026〕1号" in so
    reg, diags = read_registers(reg_dir)
    assert diags == []
    got = {i.text: (i.paper.number, i.paper.date) if i.paper else None for i in reg.items}
    assert got == {"甲事项": ("督交〔2026〕7号", dt.date(2026, 11, 2)), "乙事项": None, "丙事项": None,
                   "秸秆禁烧责任未落实": ("督改〔2026〕2号", dt.date(2026, 11, 3))}
    out = tmp_path / "out"
    rc, so, err = run("-r", str(reg_dir), "-o", str(out), "assign", "--on", "2026-11-03")
    assert rc == 0, err
    assert "新出具交办单2份：督交〔2026〕8—9号" in so, so
    rc, so, err = run("-r", str(reg_dir), "-o", str(out), "rectify", "--on", "2026-11-03")
    assert rc == 0, err
    assert "新出具整改通知单0份" in so, so


def test_the_xlsx_and_the_board_show_the_paper_numbers(run, tmp_path):
    """Before any run: the 台账.xlsx 交办单号 column holds 督交〔2026〕7号 for A1 and 9号 for A2, A3 none; the
    board's page of A1 lists the paper slip, marked 纸质出具, without a link (there is no PDF)."""
    from openpyxl import load_workbook

    reg, out = office(tmp_path), tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "ledger", "--xlsx", str(tmp_path / "t.xlsx"), "--on", "2026-11-09")
    assert rc == 0, err
    ws = load_workbook(tmp_path / "t.xlsx")["会议议定事项"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(r for r in rows if "交办单号" in r)
    col, text = head.index("交办单号"), head.index("督办事项") if "督办事项" in head else head.index("事项内容")
    got = {r[text]: r[col] for r in rows[rows.index(head) + 1:] if r[text]}
    assert got == {"落实事项一": "督交〔2026〕7号", "落实事项二": "督交〔2026〕9号", "落实事项三": None}
    rc, _, err = run("-r", str(reg), "-o", str(out), "site", "--on", "2026-11-09")
    assert rc == 0, err
    page = next(p for p in (out / "site").rglob("*.html") if "落实事项一" in p.read_text(encoding="utf-8")
                and "出具交办单" in p.read_text(encoding="utf-8"))
    html = page.read_text(encoding="utf-8")
    assert "督交〔2026〕7号" in html and "（纸质出具）" in html
    assert not (reg / "ledger.jsonl").exists()


def test_a_paper_slip_changed_after_it_was_recorded_is_refused(run, tmp_path, quick_pdf):
    reg, out = office(tmp_path), tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 0, err
    before = (reg / "ledger.jsonl").read_bytes()
    m = reg / "m.yaml"
    m.write_text(ITEMS.replace("slip_date: 2026-11-06", "slip_date: 2026-11-05"), encoding="utf-8")
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-10")
    assert rc == 2
    # the adopt records are lines 1 and 2 (staged before this run's number), A2's slip is written on line 15
    assert (f"{m}:15: slip: 督交〔2026〕9号 已按出具日期 2026-11-06 登记在账本中（第2行），这里写的是 2026-11-05："
            "请把日期改回") in err
    m.write_text(ITEMS.replace("督交〔2026〕9号", "督交〔2026〕8号"), encoding="utf-8")
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2
    assert f"{m}:15: slip: 事项「A2」的交办单已登记为纸质出具：督交〔2026〕9号（账本第2行），不能再登记「督交〔2026〕8号」" in err
    assert (reg / "ledger.jsonl").read_bytes() == before


def test_a_voided_paper_slip_is_assigned_anew(run, tmp_path, quick_pdf):
    """Voiding a paper slip records the void and makes no file; the item then gets docgen's 交办单, 10号."""
    reg, out = office(tmp_path), tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 0, err
    rc, _, err = run("-r", str(reg), "-o", str(out), "void", "督交〔2026〕9号", "--reason", "纸质单据送错单位", "--on", "2026-11-09")
    assert rc == 0, err
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-10")
    assert rc == 0, err
    assert "新出具交办单1份：督交〔2026〕11号" in so
    assert read(reg).slips["督交〔2026〕11号"].item == "A2"
    assert not list((reg / "archive").rglob("督交〔2026〕9号*"))
    rc, so, err = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0, so + err


def test_drafts_leave_out_the_items_assigned_on_paper(run, tmp_path):
    reg, out = office(tmp_path), tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--no-pdf", "--on", "2026-11-09")
    assert rc == 0, err
    assert [p.name for p in (out / "drafts" / "交办单").iterdir()] == ["草稿-A3.docx"]
    assert not (reg / "ledger.jsonl").exists()


def test_import_refuses_a_number_docgen_issued_as_a_paper_slip(run, tmp_path, quick_pdf):
    """docgen's own 台账.xlsx carries the numbers docgen issued in 交办单号: imported into the office whose ledger
    issued them, they are not paper slips; the import is refused and writes nothing."""
    reg, out = office(tmp_path), tmp_path / "out"
    rc, _, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-09")
    assert rc == 0, err
    rc, _, err = run("-r", str(reg), "-o", str(out), "ledger", "--xlsx", str(tmp_path / "t.xlsx"), "--on", "2026-11-09")
    assert rc == 0, err
    before = sorted(p.name for p in reg.rglob("*"))
    rc, _, err = run("-r", str(reg), "import", str(tmp_path / "t.xlsx"))
    assert rc == 2
    assert "编号「督交〔2026〕10号」是 docgen 出具的（账本第3行，2026-11-09），不能再登记为纸质出具" in err
    assert sorted(p.name for p in reg.rglob("*")) == before


def test_two_clerks_running_assign_at_once_adopt_once_and_number_once(tmp_path, quick_pdf):
    """Two docgen processes at once (as two clerks on a shared drive): the second waits for the ledger's lock and
    finds the paper slips and 10号 recorded: 7号 and 9号 are adopted once, 督交〔2026〕10号 given once."""
    import subprocess
    import sys

    reg = office(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "docgen", "-r", str(reg), "-o", str(tmp_path / f"out{i}"),
                               "assign", "--on", "2026-11-09"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in (1, 2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    recs = acts(reg)
    assert [a["number"] for a in recs if a["act"] == "adopt"] == ["督交〔2026〕7号", "督交〔2026〕9号"]
    assert [a["number"] for a in recs if a["act"] == "number"] == ["督交〔2026〕10号"]
    assert sum("新出具交办单1份：督交〔2026〕10号" in so for so, _ in results) == 1


def test_the_ledger_refuses_adopt_records_that_do_not_hold(tmp_path):
    """Read back, an adopt record is checked like a number: its form, its kind (no paper 催办单), its source, and
    that nothing is rendered, reissued or batched under it; each problem is named with its line."""
    import pytest

    from docgen.core.diagnostics import InputErrors
    from docgen.record.ledger import GENESIS, encode, line_hash, parse

    def ledger(*recs):
        lines, prev = [], GENESIS
        for n, r in enumerate(recs, 1):
            line = encode({"n": n, "prev": prev, "at": "2026-11-09T01:00:00Z", "v": 2, **r})
            lines.append(line)
            prev = line_hash(line)
        return ("\n".join(lines) + "\n").encode("utf-8")

    good = {"act": "adopt", "issuer": "dudao", "kind": "assign", "year": 2026, "seq": 7, "prefix": "督交",
            "number": "督交〔2026〕7号", "item": "A1", "key": "A1", "date": "2026-11-03", "source": "纸质出具"}
    st = parse(ledger(good), "l")
    assert st.slips["督交〔2026〕7号"].adopted and st.counters[("dudao", "assign", 2026)] == 7
    cases = [
        ({**good, "kind": "urge", "prefix": "督催", "number": "督催〔2026〕7号"}, "只有交办单、整改通知单和《督导通报》可以登记为纸质出具，不能是「urge」"),
        ({**good, "source": "补录"}, "纸质出具记录的来源应为「纸质出具」"),
        ({**good, "number": "督交〔2026〕07号"}, "编号「督交〔2026〕07号」与机关代字、年份、序号不符（应为「督交〔2026〕7号」）"),
        ({**good, "date": "2025-12-30"}, "编号年份与出具日期的年份不符"),
    ]
    for rec, msg in cases:
        with pytest.raises(InputErrors) as e:
            parse(ledger(rec), "l")
        assert str(e.value) == f"l:1: 账本: {msg}"
    render = {"act": "render", "number": "督交〔2026〕7号", "rev": 0, "date": "2026-11-09", "docx": "0" * 64,
              "pdf": "0" * 64, "facts": {}}
    with pytest.raises(InputErrors) as e:
        parse(ledger(good, render), "l")
    assert str(e.value) == "l:2: 账本: 督交〔2026〕7号 是纸质出具的，docgen 没有出具它的文件"
