"""Numbered slips and the number register (issue 4)."""
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from conftest import MINI_SETTINGS, write_registers, docgen
from examples import items_yaml
from pdfcheck import BOTTOM_EDGE, LEFT, RIGHT_EDGE, TOP, fonts_embedded, mm, open_pdf, page_number_line, text_lines

from docgen.record.ledger import read

DOCGEN = [sys.executable, "-m", "docgen"]


def numbers(reg: Path):
    """Every number in the ledger, in the order given (read() validates the whole chain)."""
    return sorted(read(reg).slips.values(), key=lambda s: s.line)


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


def test_twice_issues_nothing_new_and_one_new_item_issues_one(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(3)})
    out = tmp_path / "out"
    p = cli(reg, out, "assign", "--on", "2026-11-03")
    assert p.returncode == 0, p.stderr
    assert [e.number for e in numbers(reg)] == ["督交〔2026〕1号", "督交〔2026〕2号", "督交〔2026〕3号"]
    p = cli(reg, out, "assign", "--on", "2026-11-04")
    assert p.returncode == 0 and "新出具交办单0份" in p.stdout
    assert len(numbers(reg)) == 3
    (reg / "n.yaml").write_text(items_yaml(1, start=10), encoding="utf-8")
    p = cli(reg, out, "assign", "--on", "2026-11-05")
    assert "新出具交办单1份：督交〔2026〕4号" in p.stdout
    es = numbers(reg)
    assert [e.seq for e in es] == [1, 2, 3, 4] and es[-1].item == "X010"
    assert sorted(x.name for x in (out / "slips" / "交办单").glob("*.docx")) == [f"督交〔2026〕{i}号.docx" for i in (1, 2, 3, 4)]


def test_regenerating_keeps_the_number(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(2)})
    out = tmp_path / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    f = out / "slips" / "交办单" / "督交〔2026〕2号.docx"
    f.unlink()
    p = cli(reg, out, "assign", "--on", "2026-11-10")
    assert "新出具交办单0份" in p.stdout and "从归档恢复输出目录中缺少的文件1个" in p.stdout
    text = "\n".join(c.text for t in docx.Document(str(f)).tables for r in t.rows for c in r.cells)
    assert "督交〔2026〕2号" in text and "X001" not in text and "落实事项1" in text
    # dated as first issued, not as regenerated
    assert any("2026年11月3日" == p.text for p in docx.Document(str(f)).paragraphs)


def test_two_processes_at_once_give_50_distinct_consecutive_numbers(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(50)})
    procs = [subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(tmp_path / f"out{i}"), "assign", "--on", "2026-11-03"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    es = numbers(reg)
    assert len(es) == 50
    assert sorted(e.seq for e in es) == list(range(1, 51))
    assert len({e.item for e in es}) == 50
    news = sorted(int(o[0].split("份")[0].replace("新出具交办单", "")) for o in outs)
    assert news == [0, 50]  # one run numbered all 50, the other found them numbered


def _complete_files(folder: Path):
    """Every final-named file is whole: .docx opens, .pdf parses; returns (docx, pdf) counts."""
    nd = npdf = 0
    for f in folder.rglob("*"):
        if f.is_dir() or f.name.startswith(".") or any(part.startswith(".") for part in f.relative_to(folder).parts):
            continue
        if f.suffix == ".docx":
            with zipfile.ZipFile(f) as z:
                assert z.testzip() is None
            docx.Document(str(f))
            nd += 1
        elif f.suffix == ".pdf":
            assert len(PdfReader(str(f)).pages) >= 1
            npdf += 1
    return nd, npdf


def _consistent(office: Path, n_items: int) -> None:
    """After a completing run: ledger, archive, batches and files agree, and nothing temporary is left."""
    from docgen.record import archive as A
    from docgen.record.ledger import sha256_file

    reg, out = office / "r", office / "out"
    st = read(reg)  # a valid chain
    es = sorted(st.slips.values(), key=lambda s: s.seq)
    assert [e.seq for e in es] == list(range(1, n_items + 1))
    assert len({e.item for e in es}) == n_items  # one number per item, never two
    for e in es:
        r = e.rendered
        assert r is not None, e.number
        f = out / "slips" / "交办单" / f"{e.number}.docx"
        assert sha256_file(f) == r["docx"] and sha256_file(f.with_suffix(".pdf")) == r["pdf"]
        assert e.batch in st.batches  # in exactly one batch (a second is refused by the ledger)
    assert A.verify(office / "r" / "archive", st) == []
    on_disk = sorted(p.name for p in (out / "batches").iterdir())
    assert on_disk == sorted(st.batches)  # every batch folder is a recorded batch, and every batch is there
    for bid, b in st.batches.items():
        assert {p.name: sha256_file(p) for p in (out / "batches" / bid).iterdir()} == b["files"]
    assert sum(len(b["numbers"]) for b in st.batches.values()) == n_items
    left = [p for p in office.rglob("*") if p.name.startswith((".batch-", ".docgen-pdf-")) or p.name.endswith(".tmp")]
    assert left == []


GATED_SOFFICE = """#!/bin/sh
# LibreOffice behind a gate: it says it was started, waits until the test opens the gate, then runs the real one
touch {gate}/started.$$
while [ ! -e {gate}/open ]; do sleep 0.01; done
exec {soffice} "$@"
"""


def _phase(reg: Path) -> str:
    """How far the killed run got, from what its ledger holds (whatever was written parses)."""
    st = read(reg) if (reg / "ledger.jsonl").exists() else None
    if st is None or not st.slips:
        return "none"
    if st.batches:
        return "batched"
    if any(s.rendered for s in st.slips.values()):
        return "rendered"
    return "numbered"


def _until(cond, p, what: str, timeout: float = 240) -> None:
    """Wait until cond() holds. A run that ends first must have got there (the events are all on its way)."""
    deadline = time.monotonic() + timeout

    def holds():
        try:
            return cond()
        except OSError:  # a temporary folder removed while it was looked at
            return False

    while not holds():
        if p.poll() is not None:
            assert holds(), f"the run ended without {what}"
            return
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.005)


def test_sigkill_at_random_moments(tmp_path):
    """Runs with PDFs killed (SIGKILL) at points reached by events, and at seeded moments across a whole run; the
    next run leaves ledger, archive, batches and files consistent: numbers never reused, every numbered slip
    rendered, the archive verifies. Which phase a kill falls in is asserted only where the event fixes it, so the
    test holds however fast the machine is:
      lock      the test holds the ledger's lock: nothing can be numbered (phase none, whenever the kill falls)
      gated     LibreOffice is held at a gate: all numbered, nothing rendered (phase numbered)
      pdf       the first PDF has appeared: numbered, perhaps further
      render    the ledger holds a render record: rendered or batched
      moment    a seeded moment within a whole run's length: any phase"""
    import fcntl
    import shutil

    from docgen.record.ledger import ledger_path

    rnd = random.Random(20261127)
    n = 5
    soffice = shutil.which("soffice")
    assert soffice
    probe = tmp_path / "probe"
    write_registers(probe / "r", {"m.yaml": items_yaml(n)})
    t = time.monotonic()
    cli(probe / "r", probe / "out", "assign", "--on", "2026-11-03")
    span = time.monotonic() - t  # how long a whole run takes here (LibreOffice's profile warm from the suite)
    _consistent(probe, n)
    plan = ["lock"] * 2 + ["gated"] * 3 + ["pdf"] * 2 + ["render"] * 2 + ["moment"] * 8
    seen = {}
    for trial, point in enumerate(plan):
        office = tmp_path / f"o{trial}"
        reg = write_registers(office / "r", {"m.yaml": items_yaml(n)})
        out = office / "out"
        gate = office / "gate"
        gate.mkdir()
        if point != "gated":
            (gate / "open").touch()
        fake = office / "soffice"
        fake.write_text(GATED_SOFFICE.format(gate=gate, soffice=soffice), encoding="utf-8")
        fake.chmod(0o755)
        lock = None
        if point == "lock":
            lock = open(ledger_path(reg).with_name(ledger_path(reg).name + ".lock"), "a")
            fcntl.flock(lock, fcntl.LOCK_EX)
        p = subprocess.Popen(DOCGEN + ["-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03"],
                             env=dict(os.environ, DOCGEN_SOFFICE=str(fake)),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        if point == "lock":
            time.sleep(0.2 + rnd.random())
        elif point == "gated":
            _until(lambda: any(gate.glob("started.*")), p, "LibreOffice started")
            time.sleep(rnd.random() / 2)
        elif point == "pdf":
            _until(lambda: any(out.rglob("*.pdf")), p, "PDF")
        elif point == "render":
            _until(lambda: '"act":"render"' in ledger_path(reg).read_text(encoding="utf-8"), p, "render record")
        else:
            time.sleep(span * (trial - 9 + rnd.random()) / 8)  # one kill in each eighth of a run
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        if lock is not None:
            lock.close()
        for f in gate.glob("started.*"):  # a LibreOffice still held at the gate: its own session, not killed above
            try:
                os.kill(int(f.suffix[1:]), signal.SIGKILL)
            except ProcessLookupError:
                pass
        ph = _phase(reg)
        seen.setdefault(point, {})[ph] = seen.get(point, {}).get(ph, 0) + 1
        expected = {"lock": {"none"}, "gated": {"numbered"}, "pdf": {"numbered", "rendered", "batched"},
                    "render": {"rendered", "batched"}}.get(point)
        assert expected is None or ph in expected, (trial, point, ph)
        before = {s.number: s.item for s in read(reg).slips.values()} if ph != "none" else {}
        if point == "gated":
            assert len(before) == n  # numbered in one commit before any conversion
        if out.exists():
            _complete_files(out)
        q = cli(reg, out, "assign", "--on", "2026-11-04")
        assert q.returncode == 0, q.stderr
        _consistent(office, n)
        after = {s.number: s.item for s in read(reg).slips.values()}
        assert {k: after.get(k) for k in before} == before  # a number taken before the kill keeps its item
    assert set(seen) == {"lock", "gated", "pdf", "render", "moment"}, seen


HOSTILE = "核查“A&B”<公司> 's \"报告\" 🚧 与 𠀾、龘字"


def test_hostile_text_renders_into_valid_documents(tmp_path):
    units = "units:\n  - {name: 经济发展部, contact: 孙伟}\n  - {name: \"../../x\", contact: 测试}\n"
    m = items_yaml(1, text=HOSTILE.replace('"', '\\"').join(['"', '"'])).replace("lead: 经济发展部", "lead: ../../x")
    reg = write_registers(tmp_path / "r", {"units.yaml": units, "m.yaml": m})
    out = tmp_path / "out"
    p = cli(reg, out, "assign", "--on", "2026-11-03")
    assert p.returncode == 0, p.stderr
    f = out / "slips" / "交办单" / "督交〔2026〕1号.docx"
    cells = [c.text for t in docx.Document(str(f)).tables for r in t.rows for c in r.cells]
    assert HOSTILE in cells and "../../x" in cells
    text = PdfReader(str(f.with_suffix(".pdf"))).pages[0].extract_text()
    for s in ("A&B", "<公司>", "龘"):
        assert s in text
    # nothing written outside the output folder; no file named after register text
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out", "r"] and (tmp_path / "r" / "archive").is_dir()
    assert not (tmp_path / "x").exists()
    assert all(part != "x" and ".." not in part for f in out.rglob("*") for part in f.relative_to(out).parts)


URGE_REG = """\
meetings:
  - id: M1
    kind: 主任办公会
    title: 2026年第9次主任办公会
    date: 2026-09-24
    items:
      - {id: A, text: 逾期未办, lead: 经济发展部}
      - {id: B, text: 已办结, lead: 财政金融部}
      - {id: C, text: 已延期, lead: 良庄镇}
documents:
  - {id: G, title: 通知, handed: 2026-10-12, category: 会办, lead: 财政金融部}
progress:
  - {item: B, date: 2026-10-08, type: 办结}
  - {item: C, date: 2026-09-30, type: 延期申请, until: 2026-11-30, reason: 等待批复}
  - {item: C, date: 2026-10-01, type: 延期批复, granted: 同意}
  - {item: A, date: 2026-10-09, type: 办结}
  - {item: A, date: 2026-10-12, type: 核查, passed: 不通过, note: 材料不全}
"""


def test_urge_rules(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": URGE_REG})
    out = tmp_path / "out"
    cli(reg, out, "assign", "--on", "2026-10-12")  # A (returned), C and G; B is done
    assert {e.item for e in numbers(reg)} == {"A", "C", "G"}
    # 10/15: A failed verification on 10/12, so it is back in 整改中 (yellow) until 10/19, five working days
    # later (rules.md §5a): not urged. G (会办, handed 10/12) is due 10/19, two working days away: blue.
    p = cli(reg, out, "urge", "--on", "2026-10-15")
    assert p.returncode == 0, p.stderr
    urged = {e.item: e for e in numbers(reg) if e.kind == "urge"}
    assert set(urged) == {"G"}
    doc = docx.Document(str(out / "slips" / "催办单" / f"{urged['G'].number}.docx"))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    # it cites the 交办单 by its own number and date (A, C, G were numbered in that order on 10/12)
    assert cells[cells.index("交办依据") + 1] == "督交〔2026〕3号交办单（2026年10月12日）"
    assert "剩余2个工作日" in cells and "蓝色预警（临期）" in cells
    assert "请于2026年10月19日前书面回复办理进展" in cells  # two working days after 10/15: 10/16, 10/19
    # 10/19: G was urged two working days ago (fewer than 3); A's rework is due today: nothing
    p = cli(reg, out, "urge", "--on", "2026-10-19")
    assert "新出具催办单0份" in p.stdout
    # 10/20: A is a day past its rework deadline, G a day past its due date and 3 working days since its urge
    p = cli(reg, out, "urge", "--on", "2026-10-20")
    assert "新出具催办单2份" in p.stdout
    urged = {e.item: e for e in numbers(reg) if e.kind == "urge" and e.issued.day == 20}
    cells = [c.text for t in docx.Document(str(out / "slips" / "催办单" / f"{urged['A'].number}.docx")).tables
             for r in t.rows for c in r.cells]
    assert "已逾期1天" in cells and "红色预警（逾期）" in cells
    assert "请于2026年10月22日前书面回复办理进展" in cells
    assert all(e.item != "C" for e in numbers(reg) if e.kind == "urge")  # extended past the date


def test_urge_needs_an_assignment_slip(tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": URGE_REG})
    p = cli(reg, tmp_path / "out", "urge", "--on", "2026-10-15", "--no-pdf")
    assert p.returncode == 0 and "尚无交办单" in p.stdout and not numbers(reg)


def test_rectify_for_findings_and_failed_checks(tmp_path, quick_pdf):
    f = "inspections:\n  - {id: F1, date: 2026-10-20, form: 实地督导, inspectors: [张明], finding: 台账不全, " \
        "requirement: 补齐台账, lead: 良庄镇, due: 2026-11-10}\n"
    reg = write_registers(tmp_path / "r", {"m.yaml": URGE_REG, "f.yaml": f})
    out = tmp_path / "out"
    p = cli(reg, out, "rectify", "--on", "2026-10-21")
    assert p.returncode == 0, p.stderr
    es = [e for e in numbers(reg) if e.kind == "rectify"]
    assert [(e.number, e.item) for e in es] == [("督改〔2026〕1号", "A"), ("督改〔2026〕2号", "F1")]
    cells = [c.text for t in docx.Document(str(out / "slips" / "整改单" / "督改〔2026〕1号.docx")).tables
             for r in t.rows for c in r.cells]
    assert "办结情况未通过核查：材料不全" in cells
    p = cli(reg, out, "rectify", "--on", "2026-10-22")
    assert "新出具整改通知单0份" in p.stdout


def test_void_keeps_the_number_and_backdated_items_take_the_next(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(3)})
    out = tmp_path / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    p = cli(reg, out, "void", "督交〔2026〕2号", "--reason", "牵头单位填错")
    assert p.returncode == 0, p.stderr
    es = numbers(reg)
    assert es[1].is_void and es[1].void["reason"] == "牵头单位填错"
    doc = docx.Document(str(out / "slips" / "交办单" / "督交〔2026〕2号.docx"))
    assert any("此单已作废" in p.text for p in doc.paragraphs)
    (reg / "b.yaml").write_text(items_yaml(1, start=50, day="2026-03-02"), encoding="utf-8")  # backdated
    p = cli(reg, out, "assign", "--on", "2026-11-05")
    es = numbers(reg)
    assert [(e.seq, e.item, e.is_void) for e in es] == [
        (1, "X000", False), (2, "X001", True), (3, "X002", False),
        (4, "X050", False), (5, "X001", False)]  # in order of assignment date: the backdated item first
    p = cli(reg, out, "void", "督交〔2026〕2号", "--reason", "再次")
    assert p.returncode == 2 and "已经作废" in p.stderr


def test_corrupt_number_register_is_reported(tmp_path):
    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(1)})
    (reg / "numbers.tsv").write_text("issuer\tkind\tyear\tseq\tnumber\titem\tkey\tissued\tstatus\tnote\nbroken line\n",
                                     encoding="utf-8")
    p = cli(reg, tmp_path / "out", "assign", "--on", "2026-11-03", "--no-pdf")
    assert p.returncode == 2 and "numbers.tsv:2: 编号登记簿:" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()
    p = cli(reg, tmp_path / "out", "check")
    assert p.returncode == 2 and "numbers.tsv:2: 编号登记簿:" in p.stderr


def test_bad_prefix_in_settings(run, tmp_path):
    s = MINI_SETTINGS.replace("assign: 督交", "assign: ../督交")
    reg = write_registers(tmp_path / "r", {"settings.yaml": s})
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "settings.yaml:" in err and "机关代字" in err


# ---------------------------------------------------------------- the printed slips

@pytest.fixture(scope="module")
def issued(example_registers_module, tmp_path_factory):
    out = tmp_path_factory.mktemp("slips")
    # slips are first issued on 11/16; urged on 11/20 (never on the day an item's first slip goes out)
    for cmd, day in (("assign", "2026-11-16"), ("rectify", "2026-11-16"), ("urge", "2026-11-20")):
        p = cli(example_registers_module, out, cmd, "--on", day)
        assert p.returncode == 0, p.stderr
    return out


@pytest.mark.parametrize("kind", ["交办单", "催办单", "整改单"])
def test_slip_pdfs_pass_the_page_checks(issued, kind):
    pdfs = sorted((issued / "slips" / kind).glob("*.pdf"))
    assert pdfs
    for f in pdfs:
        emb, not_emb = fonts_embedded(f)
        assert emb and not not_emb
        with open_pdf(f) as pdf:
            assert len(pdf.pages) == 1, f.name  # a one-page form
            p = pdf.pages[0]
            assert abs(mm(p.width) - 210) < 0.5 and abs(mm(p.height) - 297) < 0.5
            pn = page_number_line(p)
            for c in p.chars:
                if c["text"].strip() and not (pn and mm(c["top"]) >= pn.top - 0.1):
                    assert LEFT - 1 <= mm(c["x0"]) and mm(c["x1"]) <= RIGHT_EDGE + 1, (f.name, c["text"])
                    assert TOP - 1 <= mm(c["top"]) and mm(c["bottom"]) <= BOTTOM_EDGE + 1, (f.name, c["text"])
            lines = p.extract_text().splitlines()
            # below the cut line, the 回执 (templates/回执.docx): its title, then its rows in order
            cut = next(i for i, ln in enumerate(lines) if "沿此线剪下" in ln)
            assert lines[cut + 1:] == ["回 执", f"单据编号 {f.stem}", "签收单位（盖章）", "签收人", "单位负责人",
                                       "签收时间 年 月 日", "联系电话", "办理情况"], lines[cut:]


def test_slips_docx_in_schema_order(issued):
    from ooxml_order import violations

    files = list(issued.rglob("*.docx"))
    assert len(files) > 20
    assert [v for f in files for v in violations(f)] == []


def test_print_batches(issued):
    batches = sorted((issued / "batches").iterdir())
    assert [b.name for b in batches] == ["2026-11-16-交办单-1", "2026-11-16-整改单-1", "2026-11-20-催办单-1"]
    b = batches[0]
    index = (b / "目录.txt").read_text(encoding="utf-8")
    merged = sorted(b.glob("[0-9][0-9]-*.pdf"))
    assert merged and all(f.name in index for f in merged)
    slips = len(list((issued / "slips" / "交办单").glob("*.pdf")))
    # duplex: per unit a separator sheet (front and blank back), then every one-page slip on a sheet of its own
    total = sum(len(PdfReader(str(f)).pages) for f in merged)
    assert total == 2 * len(merged) + 2 * slips
    with open_pdf(b / "签收登记表.pdf") as pdf:
        page = pdf.pages[0]
        assert page.width > page.height  # nine columns: the page is turned
        lines = text_lines(page)
        text = "".join(p.extract_text() for p in pdf.pages)
    head = next(ln for ln in lines if ln.text.startswith("序号"))  # the table starts on the first page
    assert head.text == "序号编号单据接收单位事项摘要送达人签收人签收时间备注"  # every header on one line
    assert "督办单据签收登记表" in text and f"交办单共{slips}份" in text


def test_a_run_never_renders_slips_dated_after_it(tmp_path, quick_pdf):
    """Numbers taken but never rendered (an older docgen's --no-pdf run, or a run killed after numbering) are
    finished by the first run with PDFs on or after their date, under their own numbers."""
    from docgen.record.ledger import Ledger

    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(2)})
    out = tmp_path / "out"
    with Ledger(reg) as led:
        for i in range(2):
            led.allocate("dudao", "assign", "督交", f"X{i:03d}", f"X{i:03d}", __import__("datetime").date(2026, 11, 5))
        led.commit()
    p = cli(reg, out, "assign", "--on", "2026-11-04")  # before they were numbered
    assert "补齐" not in p.stdout and not (out / "slips" / "交办单").exists()
    p = cli(reg, out, "assign", "--on", "2026-11-06")
    assert p.returncode == 0, p.stderr
    assert "新出具交办单0份" in p.stdout and "补齐已编号交办单的文件2份（编号不变）：督交〔2026〕1号、督交〔2026〕2号" in p.stdout
    assert sorted(x.name for x in (out / "slips" / "交办单").iterdir()) == [
        "督交〔2026〕1号.docx", "督交〔2026〕1号.pdf", "督交〔2026〕2号.docx", "督交〔2026〕2号.pdf"]
    assert all(s.rendered for s in read(reg).slips.values())
