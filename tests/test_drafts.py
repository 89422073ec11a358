"""A draft is a draft (issue 15): --no-pdf takes no number, closes no period and records nothing; a later real
issue draws from the registers of its own run."""
import json
from pathlib import Path

import docx

from docgen.record.ledger import read


def texts(path: Path) -> list[str]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]


def listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_assign_draft_takes_nothing_and_a_rename_after_it_issues_one_slip_each(run, example_registers, tmp_path):
    reg, out = example_registers, tmp_path / "out"
    before = listing(reg)
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-10-12", "--no-pdf")
    assert rc == 0, err
    assert listing(reg) == before  # no ledger, no lock file, nothing at all in the registers
    assert not (out / "slips").exists() and not (reg / "archive").exists() and not (out / "batches").exists()
    drafts = sorted((out / "drafts" / "交办单").iterdir())
    assert [p.name for p in drafts] == ["草稿-2026-GW05-3.docx", "草稿-2026-GW05-4.docx"]
    t = texts(drafts[0])
    assert "草稿" in t and "推进棚户区改造二期拆迁清表工作" in t and not any("督交〔" in x for x in t)
    assert "这些只是草稿" in so and "去掉 --no-pdf" in so and "未编号" in so
    # the office corrects an item's wording after the draft; the real run issues from the registers as they are
    m = reg / "meetings" / "2026-h2.yaml"
    m.write_text(m.read_text(encoding="utf-8").replace("推进棚户区改造二期拆迁清表工作", "推进棚户区改造二期拆迁清表收尾工作"),
                 encoding="utf-8")
    rc, so, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-10-12")
    assert rc == 0, so + err
    st = read(reg)
    assigns = sorted((s.item, s.number) for s in st.valid("assign"))
    assert assigns == [("2026-GW05-3", "督交〔2026〕1号"), ("2026-GW05-4", "督交〔2026〕2号")]
    assert all(s.rendered for s in st.valid("assign"))
    slip = out / "slips" / "交办单" / "督交〔2026〕1号.docx"
    assert "推进棚户区改造二期拆迁清表收尾工作" in texts(slip) and slip.with_suffix(".pdf").exists()
    assert list((out / "drafts" / "交办单").iterdir()) == []  # the drafts the real run superseded are gone
    # a second build issues nothing more
    rc, so, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-10-12")
    assert rc == 0, err
    assert sorted((s.item, s.number) for s in read(reg).valid("assign")) == assigns


def test_drafts_of_every_slip_kind_record_nothing(run, example_registers, tmp_path):
    reg, out = example_registers, tmp_path / "out"
    before = listing(reg)
    for cmd in ("assign", "rectify", "urge"):
        rc, so, err = run("-r", str(reg), "-o", str(out), cmd, "--on", "2026-11-20", "--no-pdf")
        assert rc == 0, err
    assert listing(reg) == before
    assert not (out / "slips").exists()
    # 2026-11-20 on the example registers: the 整改通知单 of the failed check of 2026-ZR12-2 is due
    rect = sorted(p.name for p in (out / "drafts" / "整改单").iterdir())
    assert "草稿-2026-ZR12-2-核查2026-11-19.docx" in rect
    assert "草稿" in texts(out / "drafts" / "整改单" / "草稿-2026-ZR12-2-核查2026-11-19.docx")


def test_a_bulletin_draft_closes_nothing_and_the_real_one_counts_what_came_after(run, example_registers, tmp_path):
    reg, out = example_registers, tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-10-12")
    assert rc == 0, so + err
    ledger = (reg / "ledger.jsonl").read_bytes()
    rc, so, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-10-12",
                      "--no-pdf", "--json")
    assert rc == 0, err
    draft = json.loads(so)
    # 2026-MB03-2, a target's milestone due 8/31, is overdue too (42 days on 10/12, more than 2026-GW05-3's)
    assert "number" not in draft and [o["id"] for o in draft["overdue"]] == ["2026-MB03-2", "2026-GW05-3"]
    assert (reg / "ledger.jsonl").read_bytes() == ledger  # no 期号, the period still open
    assert read(reg).closes == {} and not (out / "bulletins").exists()
    rc, so, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-10-12", "--no-pdf")
    path = out / "drafts" / "督导通报" / "草稿-督导通报-2026年第三季度.docx"
    assert rc == 0 and str(path) in so and "未编期号" in so
    t = texts(path)
    assert "草稿" in t and not any(x.startswith("第") and x.endswith("期") for x in t)
    # the 2026-GW05-3 completion is recorded after the draft: the issued bulletin has it
    p = reg / "progress" / "2026-h2.yaml"
    lines = p.read_text(encoding="utf-8").splitlines()
    lines = [ln for ln in lines if not ln.startswith("  - {item: 2026-GW05-3, date: 2026-10-30")]
    lines = ["  - {item: 2026-GW05-3, date: 2026-10-12, type: 办结}" if ln.startswith(
        "  - {item: 2026-GW05-3, date: 2026-10-13, type: 延期批复") else ln for ln in lines]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc, so, err = run("-r", str(reg), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on", "2026-10-12", "--json")
    assert rc == 0, err
    real = json.loads(so)
    # only the milestone 2026-MB03-2 (due 8/31, not done) is still overdue on 10/12
    assert real["number"] == "2026年第1期" and [o["id"] for o in real["overdue"]] == ["2026-MB03-2"]
    assert [c["named"] for c in read(reg).closes.values()] == [["2026-MB03-2"]]
    assert "第1期" in texts(out / "bulletins" / "督导通报2026年第1期.docx")
    assert not path.exists()  # the period's draft went with the real bulletin


def test_a_void_draft_voids_nothing(run, example_registers, tmp_path, quick_pdf):
    reg, out = example_registers, tmp_path / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-10-12")
    assert rc == 0, err
    ledger = (reg / "ledger.jsonl").read_bytes()
    rc, so, err = run("-r", str(reg), "-o", str(out), "void", "督交〔2026〕1号", "--reason", "牵头单位填错",
                      "--on", "2026-10-13", "--no-pdf")
    assert rc == 0, err
    assert (reg / "ledger.jsonl").read_bytes() == ledger and not read(reg).slips["督交〔2026〕1号"].is_void
    assert "尚未作废" in so
    t = "\n".join(texts(out / "drafts" / "交办单" / "草稿-作废-督交〔2026〕1号.docx"))
    assert "（此单已作废）" in t and "草稿（督交〔2026〕1号作废）" in t
    # a reissue draft records nothing either
    rc, so, err = run("-r", str(reg), "-o", str(out), "assign", "--reissue", "督交〔2026〕2号", "--reason", "时限写错",
                      "--on", "2026-10-13", "--no-pdf")
    assert rc == 0, err
    assert (reg / "ledger.jsonl").read_bytes() == ledger
    t = "\n".join(texts(out / "drafts" / "交办单" / "草稿-更正-督交〔2026〕2号.docx"))
    assert "2026年10月13日更正：时限写错" in t and "草稿（督交〔2026〕2号更正版）" in t
