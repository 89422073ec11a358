"""A filled form's styles are its template's (issue 17, the cold year's speed): forms.fill opens the template with
its styles.xml kept as its bytes (documents/oxml.py, KeptStyles), the measure (documents/fit.py) and the style
names a form is set by (署名, 成文日期, 公文标题) are read from one parse a process and template (oxml.read_styles,
style_name), and the part is written out as python-docx writes it once parsed. None of it may change a byte or
a decision: the reference is python-docx's own Document, with its StylesPart parsed for every form. And
core/forked.py, the forked workers the batch's sheets and the merged conversion's checks are shared among."""
from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest

from conftest import ROOT

DAY = dt.date(2026, 11, 20)


def _load(reg: Path):
    from docgen.record.ledger import read
    from docgen.registers.calendar import WorkCalendar
    from docgen.registers.load import read_registers

    r, diags = read_registers(reg)
    assert not diags, [str(d) for d in diags]
    return r, WorkCalendar(r.calendar_files), read(reg)


def _slips(r, cal, st):
    """Every slip the example office drafts on DAY, of each kind: its 交办单, 催办单 (coloured by level) and
    整改通知单."""
    from docgen.issuing import slips as I
    from docgen.issuing.transaction import DRAFT
    from docgen.record.ledger import Slip

    out = []
    for kind in ("assign", "urge", "rectify"):
        needs, _, _ = I.plan(kind, r, cal, DAY, st)
        out += [Slip(n.issuer, kind, DAY.year, i, None, DRAFT, n.item_id, n.key, DAY, 0)
                for i, n in enumerate(needs, 1)]
    return out


def _parsed_by_python_docx(monkeypatch):
    """forms.fill opening templates with python-docx's own Document (every part parsed)."""
    from docx import Document

    from docgen.documents import oxml as X

    monkeypatch.setattr(X, "open_keeping_styles", lambda stream: Document(stream))


def test_every_slip_is_the_bytes_python_docx_gives_with_its_styles_parsed(monkeypatch):
    """Each slip of each kind the example office drafts on DAY (at its own step, and again at the last step, where
    every table is at its smallest size), drawn with the styles kept, then with python-docx parsing them: the
    same .docx, byte for byte, and the same step."""
    from docgen.documents import fit as F
    from docgen.issuing.slips import draw

    r, cal, st = _load(ROOT / "registers")
    slips = _slips(r, cal, st)
    assert {s.kind for s in slips} == {"assign", "urge", "rectify"}
    last = F.max_level(14)
    kept = [(d.to_bytes(), d.fit.level) for s in slips for d in (draw(r, cal, st, s), draw(r, cal, st, s, floor=last))]
    _parsed_by_python_docx(monkeypatch)
    parsed = [(d.to_bytes(), d.fit.level) for s in slips for d in (draw(r, cal, st, s), draw(r, cal, st, s, floor=last))]
    assert len(kept) == 2 * len(slips) >= 10
    assert [i for i, (a, b) in enumerate(zip(kept, parsed)) if a != b] == []


def test_a_style_changed_after_filling_is_written_out():
    """A form whose styles something changes after filling (here 正文's size): the part is parsed then and is the
    document's own, so the change is in the .docx, and read_styles gives the document's tree, not the template's."""
    from docx.shared import Pt

    from docgen.documents import forms
    from docgen.documents import oxml as X
    from docgen.documents import template_files as T

    data = T.data(ROOT / "registers", "交办单")
    doc = forms.fill(data, {})
    shared, _ = X.read_styles(doc)
    doc.styles["正文"].font.size = Pt(9)
    own, memo = X.read_styles(doc)
    assert own is not shared and memo == {}
    saved = io.BytesIO()
    doc.save(saved)
    from docx import Document

    again = Document(io.BytesIO(saved.getvalue()))
    assert again.styles["正文"].font.size == Pt(9)
    # and a form left alone writes its template's styles as python-docx parses and writes them
    import zipfile

    from docx.opc.oxml import serialize_part_xml
    from docx.oxml.parser import parse_xml

    plain = io.BytesIO()
    forms.fill(data, {}).save(plain)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        template_styles = z.read("word/styles.xml")
    with zipfile.ZipFile(plain) as z:
        assert z.read("word/styles.xml") == serialize_part_xml(parse_xml(template_styles))


@pytest.mark.parametrize("template", ["交办单", "催办单", "整改通知单", "回执", "签收登记表"])
def test_style_names_are_python_docx_style_names(template):
    """oxml.style_name gives what python-docx's `p.style.name` gives, for every paragraph of a filled template:
    in the body, in table cells, in headers and footers (their part is not the document's)."""
    from docgen.documents import forms
    from docgen.documents import oxml as X
    from docgen.documents import template_files as T

    doc = forms.fill(T.data(ROOT / "registers", template), {})
    paras = list(doc.paragraphs) + [p for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    for s in doc.sections:
        paras += list(s.header.paragraphs) + list(s.footer.paragraphs)
    mine = [X.style_name(p) for p in paras]
    from docx import Document

    theirs = [p.style.name for p in paras]  # parses the styles: after style_name, so as not to help it
    assert mine == theirs and len(set(theirs)) >= 2
    assert Document  # python-docx's own, the reference


def test_forked_tasks_return_in_order_and_raise_what_failed():
    from docgen.core.forked import Forked, forked

    pid = os.getpid()
    tasks = [lambda i=i: (i * i, os.getpid() != pid) for i in range(23)]
    got = forked(tasks, 2, least=2)
    assert [g[0] for g in got] == [i * i for i in range(23)]
    assert all(g[1] for g in got)  # in the workers
    assert [g[1] for g in forked(tasks[:3], 2, least=8)] == [False] * 3  # few: here
    assert [g[1] for g in forked(tasks, 1)] == [False] * 23  # one worker: here

    def bad():
        raise OSError(28, "No space left on device", "/x/y.pdf")

    with pytest.raises(OSError) as e:
        forked(tasks[:5] + [bad] + tasks[5:], 2)
    assert e.value.errno == 28 and e.value.filename == "/x/y.pdf"
    f = Forked(tasks, 2)
    f.cancel()  # nothing runs afterwards, and results() gives nothing
    assert f.results() == []


_LOADED: list = []  # what a task "loads once a process" (test_the_first_task_here...)


def test_the_first_task_here_runs_before_the_workers_fork_and_they_inherit_what_it_loaded():
    from docgen.core.forked import forked

    pid = os.getpid()

    def task(i):
        if not _LOADED:  # the first task of a process loads; the others find it loaded
            _LOADED.append(os.getpid())
        return i, os.getpid() != pid, _LOADED[0] == pid

    _LOADED.clear()
    got = forked([lambda i=i: task(i) for i in range(12)], 2, first_here=True)
    assert [g[0] for g in got] == list(range(12))
    assert not got[0][1] and all(g[1] for g in got[1:])  # the first here, the others in the workers
    assert all(g[2] for g in got)  # every worker found it loaded here
    _LOADED.clear()
    got = forked([lambda i=i: task(i) for i in range(12)], 2)
    assert not any(g[2] for g in got)  # without it, each worker loads its own

    def bad():
        raise OSError(28, "No space left on device", "/x/first.pdf")

    with pytest.raises(OSError) as e:  # the first failing here is raised as a worker's would be
        forked([bad] + [lambda i=i: task(i) for i in range(6)], 2, first_here=True)
    assert e.value.filename == "/x/first.pdf"
