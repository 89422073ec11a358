"""The office's own words in its bulletin (issue 18): settings.yaml `bulletin.title` (督导通报 / 督查通报 …) and
`office.term` (督导 / 督查) name the bulletin's masthead, its document properties, its file names, the console
messages, the opening sentence, the 附件 title, the inspection source's label and the score rule of being named.
A bulletin already issued keeps the words and the file name it was issued with.

The register is examples.Q3_REG: its 2026-Q3 bulletin on 2026-10-12 names I3 (财政金融部) and F1 (经济发展部) as
overdue (tests/test_bulletin.py works these figures out by hand); the period's range is 2026-07-01..2026-09-30."""
import json
import os

import docx
import pypdf
import pytest

from conftest import MINI_SETTINGS, docgen, write_registers
from examples import Q3_REG
from pdfcheck import open_pdf, text_lines

# A 县委督查室: no 督导 anywhere in its settings, so none may appear in its bulletin.
DUCHA = """\
office:
  committee: 某县县委办公室
  name: 某县县委督查室
  contact: 王强
  phone: 0538-6000001
  print_organ: 某县县委办公室
  cc: [县委组织部, 县纪委监委]
  term: 督查
issuers:
  - id: ducha
    name: 某县县委督查室
    prefixes: {assign: 督交, urge: 督催, rectify: 督改}
bulletin:
  title: 督查通报
"""


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


def pdf_text(path) -> str:
    with open_pdf(path) as pdf:
        return "".join(p.extract_text() for p in pdf.pages).replace(" ", "").replace("\n", "")


def test_an_office_of_督查_issues_its_督查通报(tmp_path):
    reg = write_registers(tmp_path / "r", {"settings.yaml": DUCHA, "m.yaml": Q3_REG})
    out = tmp_path / "o"
    p = cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("《督查通报》2026年第1期（2026年第三季度，2026-10-12出具，该期间已结算）："), p.stdout
    assert sorted(os.listdir(out / "bulletins")) == ["督查通报2026年第1期.docx", "督查通报2026年第1期.pdf"]
    pdf_path = out / "bulletins" / "督查通报2026年第1期.pdf"
    with open_pdf(pdf_path) as pdf:
        mast = [ln for ln in text_lines(pdf.pages[0]) if ln.red]
        assert [m.text for m in mast] == ["督查通报"] and mast[0].size >= 36
    text = pdf_text(pdf_path)
    assert "现将2026年第三季度（2026年7月1日至2026年9月30日）督查事项落实情况通报如下。" in text
    assert "本期应办结督查事项5项" in text  # the shipped 总体情况.j2 in the office's word
    assert "附件：2026年第三季度督查事项清单" in text
    assert "督查整改" in text  # F1, an inspection finding: the table by source and the 附件's 来源 column
    assert "督导" not in text
    assert pypdf.PdfReader(str(pdf_path)).metadata["/Subject"] == "督查通报2026年第1期"
    assert docx.Document(str(pdf_path.with_suffix(".docx"))).core_properties.subject == "督查通报2026年第1期"
    p = cli(reg, out, "check")
    assert p.returncode == 0 and "台账检查通过" in p.stdout, p.stderr
    p = cli(reg, out, "archive", "verify")
    assert p.returncode == 0 and "全部在位，内容与记录一致" in p.stdout, p.stdout + p.stderr
    # being named on 2026-10-12 costs I3 and F1 a point in 2026-Q4, in the office's word
    sc = json.loads(cli(reg, out, "scores", "--period", "2026-Q4", "--on", "2026-10-20", "--json").stdout)
    named = [(u["unit"], e["item"], e["label"], e["reason"]) for u in sc["units"] for e in u["events"]
             if e["rule"] == "bulletin_named"]
    assert sorted(named) == [("经济发展部", "F1", "因逾期被《督查通报》点名", "2026年10月12日《督查通报》点名逾期"),
                             ("财政金融部", "I3", "因逾期被《督查通报》点名", "2026年10月12日《督查通报》点名逾期")]


def test_the_example_office_bulletin_keeps_its_words_and_records_them(example_registers, tmp_path, quick_pdf):
    out = tmp_path / "o"
    assert cli(example_registers, out, "assign", "--on", "2026-10-12").returncode == 0
    p = cli(example_registers, out, "bulletin", "--period", "2026-10", "--on", "2026-11-20")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("《督导通报》2026年第1期（2026年10月"), p.stdout
    assert sorted(os.listdir(out / "bulletins")) == ["督导通报2026年第1期.docx", "督导通报2026年第1期.pdf"]
    d = docx.Document(str(out / "bulletins" / "督导通报2026年第1期.docx"))
    paras = [x.text for x in d.paragraphs]
    assert "督导通报" in paras
    assert any("（2026年10月1日至2026年10月31日）督导事项落实情况通报如下。" in x for x in paras)
    assert "2026年10月督导事项清单" in paras
    assert d.core_properties.subject == "督导通报2026年第1期"
    closes = [r for r in map(json.loads, (example_registers / "ledger.jsonl").read_text().splitlines())
              if r["act"] == "close"]
    assert [c["view"]["words"] for c in closes] == [{"title": "督导通报", "term": "督导"}]


def test_a_bulletin_issued_keeps_its_name_when_the_office_renames_its_bulletins(tmp_path, quick_pdf):
    reg = write_registers(tmp_path / "r", {"m.yaml": Q3_REG})  # MINI_SETTINGS: names no words
    out = tmp_path / "o"
    assert cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12").returncode == 0
    old = out / "bulletins" / "督导通报2026年第1期.docx"
    issued = old.read_bytes()
    renamed = MINI_SETTINGS.replace("  cc: [党工委组织部, 纪工委]\n", "  cc: [党工委组织部, 纪工委]\n  term: 督查\n")
    (reg / "settings.yaml").write_text(renamed + "bulletin:\n  title: 督查通报\n", encoding="utf-8")
    for f in (out / "bulletins").iterdir():
        f.unlink()
    # the issued one is found (and restored from the archive) under the name it was issued with
    p = cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("《督导通报》2026年第1期（2026年第三季度，"), p.stdout
    assert sorted(os.listdir(out / "bulletins")) == ["督导通报2026年第1期.docx", "督导通报2026年第1期.pdf"]
    assert old.read_bytes() == issued
    p = cli(reg, out, "bulletin", "--period", "2026-Q3", "--on", "2026-10-12", "--no-pdf")
    assert p.returncode == 0 and "随《督导通报》2026年第1期结算" in p.stdout and str(old) in p.stdout, p.stdout
    # the next one takes the new name
    p = cli(reg, out, "bulletin", "--period", "2026-Q4", "--on", "2026-12-31")
    assert p.returncode == 0 and p.stdout.startswith("《督查通报》2026年第2期"), p.stdout + p.stderr
    assert sorted(os.listdir(out / "bulletins")) == ["督导通报2026年第1期.docx", "督导通报2026年第1期.pdf",
                                                     "督查通报2026年第2期.docx", "督查通报2026年第2期.pdf"]
    p = cli(reg, out, "archive", "verify")
    assert p.returncode == 0, p.stdout + p.stderr


# DUCHA's lines, counted by hand: term is line 8, bulletin.title line 14.
@pytest.mark.parametrize("key,line,value,why", [
    ("title", 14, '""', "bulletin.title（通报的名称）不能为空"),
    ("title", 14, "", "bulletin.title（通报的名称）不能为空"),  # `title:` with nothing after it
    ("title", 14, "督查督查督查督查督查通报", "有12个字，不能超过10个字"),
    ("title", 14, '"督查\\n通报"', "含有换行字符 U+000A"),
    ("title", 14, "督查/通报", "不能含有空白或 / \\"),
    ("term", 8, '""', "office.term（固定用语中的工作名称）不能为空"),
    ("term", 8, "督查督查督查督查督查督", "有11个字，不能超过10个字"),
])
def test_a_bad_office_word_is_refused_naming_its_line(tmp_path, key, line, value, why):
    old = {"title": "  title: 督查通报\n", "term": "  term: 督查\n"}[key]
    settings = DUCHA.replace(old, f"  {key}: {value}\n")
    assert settings != DUCHA
    reg = write_registers(tmp_path / "r", {"settings.yaml": settings, "m.yaml": Q3_REG})
    out = tmp_path / "o"
    for args in (("check",), ("bulletin", "--period", "2026-Q3", "--on", "2026-10-12")):
        p = cli(reg, out, *args)
        assert p.returncode == 2, p.stdout + p.stderr
        assert f"settings.yaml:{line}: {key}: " in p.stderr and why in p.stderr, p.stderr
        assert "Traceback" not in p.stderr
    assert not (reg / "ledger.jsonl").exists() and not (out / "bulletins").exists()


def test_init_writes_both_words_with_their_defaults_and_a_note(tmp_path, run):
    reg = tmp_path / "registers"
    assert run("init", str(reg), "--office", "某县县委督查室")[0] == 0
    lines = (reg / "settings.yaml").read_text(encoding="utf-8").splitlines()
    term = next(x for x in lines if x.strip().startswith("term:"))
    title = next(x for x in lines if x.strip().startswith("title:"))
    assert term.split("#")[0].strip() == "term: 督导" and "督查" in term.split("#")[1]
    assert title.split("#")[0].strip() == "title: 督导通报" and "督查通报" in title.split("#")[1]
    # they are the office's settings: written as 督查, the registers read them
    from docgen.registers.load import read_registers

    text = "\n".join(lines).replace("term: 督导", "term: 督查").replace("title: 督导通报", "title: 督查通报")
    (reg / "settings.yaml").write_text(text + "\n", encoding="utf-8")
    r, _ = read_registers(reg)
    assert (r.settings.bulletin_title, r.settings.term) == ("督查通报", "督查")


def test_the_rectification_slip_takes_the_offices_term(tmp_path):
    """A 督查室's 整改通知单 (its settings say office.term: 督查): the title reads 督查检查整改通知单 and the rows 督查时间
    and 督查人员; nothing on it says 督导."""
    reg = write_registers(tmp_path / "r", {"settings.yaml": DUCHA, "m.yaml": Q3_REG})
    out = tmp_path / "o"
    p = docgen(["-r", str(reg), "-o", str(out), "rectify", "--on", "2026-10-12", "--no-pdf"])
    assert p.returncode == 0, p.stdout + p.stderr
    drafts = sorted((out / "drafts" / "整改单").glob("*.docx"))
    assert drafts
    d = docx.Document(str(drafts[0]))
    paras = [x.text for x in d.paragraphs]
    labels = [r.cells[0].text for r in d.tables[0].rows]
    assert "某县县委督查室\n督查检查整改通知单" in paras or any(x.endswith("督查检查整改通知单") for x in paras), paras
    assert labels[:2] == ["督查时间", "督查人员"], labels
    assert not any("督导" in x for x in paras + labels)
