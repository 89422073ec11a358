"""A kind is one declaration: a new one, declared from this file alone with its own decider, context and a template
made here, is issued by `docgen build` like the built-in ones: numbered with its own prefix, recorded, archived,
batched; and gone again afterwards."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import MINI_SETTINGS, write_registers
from docgen.documents.forms import FORMS, Form
from docgen.documents.gbt9704 import OfficialDocument
from docgen.engine.slips import SlipNeed
from docgen.kinds import KINDS, SLIP_KINDS, Kind, KindInfo, registered
from docgen.record.ledger import read

ITEMS = """\
meetings:
  - id: M
    kind: 主任办公会
    title: 2026年第20次主任办公会
    date: 2026-11-02
    items:
      - {id: X0, text: 落实事项甲, lead: 经济发展部}
      - {id: X1, text: 落实事项乙, lead: 财政金融部}
"""
SETTINGS = MINI_SETTINGS.replace("prefixes: {assign: 督交, urge: 督催, rectify: 督改}",
                                 "prefixes: {assign: 督交, urge: 督催, rectify: 督改, supervise: 督函}")


def supervisions(reg, cal, as_of, statuses, issued):
    """A 督办函 for every open item that has been assigned (it has its first slip) and has no 督办函 yet."""
    done = issued.keys.get("supervise", set())
    return [SlipNeed("supervise", s.item.id, s.item.id, s.item.issuer) for s in statuses
            if s.completed is None and s.item.id in issued.first_slip and s.item.id not in done], []


def supervise_context(reg, entry, status, ctx, mark):
    issuer = reg.settings.issuers[entry.issuer]
    return {"number": entry.number, "issuer": issuer.name, "date": f"{entry.issued.year}年", "mark": mark or "",
            "text": status.item.text, "lead": status.item.lead, "assign": ctx.assign.number if ctx.assign else "无"}


FORM = Form("督办函", "督办事项督办函", {"number": "编号", "issuer": "出具机构", "date": "成文日期", "mark": "标注",
                                    "text": "事项", "lead": "牵头单位", "assign": "交办单编号"}, ("number", "text"))
SUPERVISE = Kind(KindInfo("supervise", "督办函", "督办函", "督函", "对已交办未办结的事项发出督办函", ("事项", "牵头单位"),
                          receipt=False, order=4, help="为已交办、尚未办结的事项出具督办函。"),
                 decide=supervisions, context=supervise_context, form=FORM)


def template() -> bytes:
    d = OfficialDocument(page_numbers=False)
    d.title("督办函", blank_before=0)
    d.number_line("{{ number }}")
    d.form_table([("督办事项", "{{ text }}"), ("牵头单位", "{{ lead }}"), ("交办依据", "{{ assign }}{{ mark }}")])
    d.paragraph("{{ issuer }}", "署名")
    d.paragraph("{{ date }}", "成文日期")
    return d.to_bytes()


@pytest.fixture
def supervise(tmp_path):
    """The office's registers with a 督办函 template and prefix; the kind registered for the test only."""
    reg = write_registers(tmp_path / "office" / "r", {"settings.yaml": SETTINGS, "m.yaml": ITEMS})
    (reg / "templates").mkdir()
    (reg / "templates" / "督办函.docx").write_bytes(template())
    with registered(SUPERVISE):
        yield reg
    assert "supervise" not in KINDS and "supervise" not in SLIP_KINDS and "督办函" not in FORMS


def test_a_kind_declared_in_a_test_is_issued_by_build_numbered_recorded_archived_batched(run, supervise, quick_pdf):
    reg, out = supervise, supervise.parent / "out"
    rc, so, err = run("-r", str(reg), "-o", str(out), "build", "--on", "2026-11-03")
    assert rc == 0, err
    assert "新出具督办函2份：督函〔2026〕1—2号；经济发展部：督函〔2026〕1号；财政金融部：督函〔2026〕2号" in so
    st = read(reg)
    mine = [s for s in st.slips.values() if s.kind == "supervise"]
    assert [(s.number, s.item, s.prefix, s.key) for s in mine] == [("督函〔2026〕1号", "X0", "督函", "X0"),
                                                                   ("督函〔2026〕2号", "X1", "督函", "X1")]
    # recorded with the facts the kind prints, in a batch of its own
    assert mine[0].rendered["facts"] == {"事项": "落实事项甲", "牵头单位": "经济发展部"}
    assert {s.batch for s in mine} == {"2026-11-03-督办函-1"}
    batch = out / "batches" / "2026-11-03-督办函-1"
    assert sorted(p.name for p in batch.iterdir()) == ["01-经济发展部.pdf", "02-财政金融部.pdf", "目录.txt",
                                                       "签收登记表.docx", "签收登记表.pdf"]
    # the slip and its archive copies
    docx = out / "slips" / "督办函" / "督函〔2026〕1号.docx"
    assert docx.is_file() and docx.with_suffix(".pdf").is_file()
    arch = reg / "archive" / "2026" / "督办函"  # the office's archive, inside its registers folder
    assert sorted(p.name for p in arch.iterdir()) == ["督函〔2026〕1号.docx", "督函〔2026〕1号.pdf", "督函〔2026〕2号.docx",
                                                      "督函〔2026〕2号.pdf"]
    text = _docx_text(docx)
    assert "落实事项甲" in text and "督交〔2026〕1号" in text and "督函〔2026〕1号" in text
    assert "回　执" not in text  # declared without one
    # the kind's command, and nothing issued twice
    rc, so, err = run("-r", str(reg), "-o", str(out), "supervise", "--on", "2026-11-04")
    assert rc == 0 and "新出具督办函0份" in so, err
    rc, so, _ = run("-r", str(reg), "-o", str(out), "archive", "verify")
    assert rc == 0 and "账本记录出具4份" in so  # 2 交办单, 2 督办函


def test_a_kind_without_its_prefix_in_settings_takes_its_default_and_is_gone_when_unregistered(run, tmp_path,
                                                                                              quick_pdf):
    reg = write_registers(tmp_path / "office" / "r", {"m.yaml": ITEMS})
    (reg / "templates").mkdir()
    (reg / "templates" / "督办函.docx").write_bytes(template())
    other = Kind(KindInfo("supervise", "督办函", "督办函", "督查函", "", order=4, receipt=False),
                 decide=supervisions, context=supervise_context, form=FORM)
    with registered(other):
        rc, so, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--on", "2026-11-03")
        assert rc == 0, err
        rc, so, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "supervise", "--on", "2026-11-03")
        assert rc == 0, err
        assert "新出具督办函2份：督查函〔2026〕1—2号" in so
    assert "supervise" not in KINDS and "督办函" not in FORMS
    rc, _, err = run("-r", str(reg), "supervise", "--on", "2026-11-03")
    assert rc == 2 and "没有「supervise」这个命令" in err
    # a ledger that holds a kind no longer declared is reported, not misread
    rc, _, err = run("-r", str(reg), "check")
    assert rc == 2 and "未知的单据种类「supervise」" in err


def test_a_kind_cannot_take_a_built_in_id_or_command():
    clash = Kind(KindInfo("assign", "督办函", "督办函", "督函", ""), decide=supervisions, context=supervise_context,
                 form=FORM)
    with pytest.raises(ValueError):
        with registered(clash):
            pass
    verb = Kind(KindInfo("supervise", "督办函", "督办函", "督函", "", verb="urge"), decide=supervisions,
                context=supervise_context, form=FORM)
    with pytest.raises(ValueError):
        with registered(verb):
            pass
    assert KINDS["assign"].name == "交办单" and "supervise" not in KINDS


def test_the_real_pdf_of_a_declared_kind(run, supervise, quick_pdf, monkeypatch):
    """Numbers and records with the stand-in converter; then one slip of the new kind through LibreOffice."""
    reg, out = supervise, supervise.parent / "out"
    (reg / "m.yaml").write_text(ITEMS.split("      - {id: X1")[0], encoding="utf-8")
    assert run("-r", str(reg), "-o", str(out), "assign", "--on", "2026-11-03")[0] == 0
    monkeypatch.delenv("DOCGEN_SOFFICE")
    rc, so, err = run("-r", str(reg), "-o", str(out), "supervise", "--on", "2026-11-03")
    assert rc == 0, err
    pdf = PdfReader(out / "slips" / "督办函" / "督函〔2026〕1号.pdf")
    text = "".join(p.extract_text() for p in pdf.pages).replace(" ", "")
    assert "督办函" in text and "落实事项甲" in text and "督交〔2026〕1号" in text and "经济发展部" in text
    assert len(pdf.pages) == 1 and "回执" not in text


def test_the_ledger_the_archive_and_the_registers_read_kinds_without_the_engine_or_python_docx():
    code = ("import sys, docgen.record.ledger, docgen.record.archive, docgen.registers.load, docgen.kinds; "
            "print(json.dumps(sorted(m for m in sys.modules if m == 'docx' or m.startswith(('docx.', "
            "'docgen.engine', 'docgen.documents', 'docgen.issuing')))))")
    r = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True,
                       cwd=Path(__file__).parent)
    assert json.loads(r.stdout) == []


def _docx_text(p: Path) -> str:
    from docx import Document

    d = Document(str(p))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([para.text for para in d.paragraphs] + cells)
