"""Draw once (issue 17, the cold year's speed): every slip of a run is set at the step the fullest needs
(documents/fit.py); a slip that fitted at an earlier step is set again at the run's step from the document it was
already filled into, not filled from its template again; a print batch's cover sheets copy one blank document
instead of setting up its styles each. None of it may change a byte: the reference is the way a run drew before,
written out here from the public drawer (issuing.slips.draw, which still fills a slip's template from scratch at
a given step): every slip drawn from the template at step 0, then those below the run's step drawn again from the
template at that step."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import ROOT

DAY = dt.date(2026, 11, 20)
# a long item text: needs table text two sizes down (四号 → 五号) to keep its 回执 on the page; one that cannot fit
# even in 五号 (it runs over, numbered, and does not set the run's step)
LONG = "统筹推进老旧小区改造、背街小巷整治和雨污分流管网建设，" * 7 + "按月报送进展"
HUGE = "推进棚户区改造二期拆迁清表工作，" * 90


@pytest.fixture
def registers(tmp_path) -> Path:
    """The example office with 30 more items of one 主任办公会 (2026-11-16): 42 交办单 due on 2026-11-20 —
    enough for the run to draw them in forked processes (40 or more) — one of them long, one too long to fit."""
    reg = tmp_path / "registers"
    shutil.copytree(ROOT / "registers", reg)
    units = ["综合管理部", "经济发展部", "财政金融部"]
    lines = ["meetings:", "  - id: 2026-ZR13", "    kind: 主任办公会", "    title: 2026年第13次主任办公会",
             "    date: 2026-11-16", "    items:"]
    for j in range(1, 31):
        text = {8: LONG, 20: HUGE}.get(j, f"落实第13次主任办公会议定的第{j}项工作，按要求报送进展")
        lines.append(f"      - {{id: 2026-ZR13-{j}, text: {text}, lead: {units[j % 3]}}}")
    (reg / "meetings" / "2026-bulk.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return reg


def _load(reg: Path):
    from docgen.record.ledger import read
    from docgen.registers.calendar import WorkCalendar
    from docgen.registers.load import read_registers

    r, diags = read_registers(reg)
    assert not diags, [str(d) for d in diags]
    return r, WorkCalendar(r.calendar_files), read(reg)


def _draft_slips(r, cal, st):
    """The 交办单 a draft run on DAY draws, in order: the plan's needs with 草稿 where the number goes."""
    from docgen.issuing import slips as I
    from docgen.issuing.transaction import DRAFT
    from docgen.record.ledger import Slip

    needs, _, _ = I.plan("assign", r, cal, DAY, st)
    return [Slip(n.issuer, "assign", DAY.year, i, None, DRAFT, n.item_id, n.key, DAY, 0)
            for i, n in enumerate(needs, 1)]


def _as_before(r, cal, st, slips) -> tuple[list[bytes], list[int]]:
    """The bytes of each slip as a run drew them before draw-once, and each slip's own first step."""
    from docgen.issuing.slips import draw

    first = [draw(r, cal, st, s) for s in slips]
    level = max(d.fit.level for d in first if d.fit.fits)
    return ([d.to_bytes() if d.fit.level >= level else draw(r, cal, st, s, floor=level).to_bytes()
             for s, d in zip(slips, first)], [d.fit.level for d in first])


def _drafts(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (out / "drafts" / "交办单").glob("*.docx")}


def test_a_run_draws_the_same_bytes_as_drawing_each_slip_again_from_its_template(registers, tmp_path, run):
    """42 交办单 drafted in one run (forked drawing processes): 40 fit at the spacing step (1), the long one needs
    step 4 (五号), the huge one fits at none. The run sets the 40 at step 4 from their filled documents; each
    .docx must be byte for byte the one drawing it again from its template at step 4 gives."""
    r, cal, st = _load(registers)
    slips = _draft_slips(r, cal, st)
    assert len(slips) == 42
    expected, levels = _as_before(r, cal, st, slips)
    assert sorted(levels).count(1) == 40 and max(levels) == 4  # what the registers were made for
    rc, so, err = run("-r", str(registers), "-o", str(tmp_path / "out"), "assign", "--on", DAY.isoformat(), "--no-pdf")
    assert rc == 0, so + err
    assert "全部" not in so and "能放下的41份统一" in so, so  # the run's step, said as before: 41 of 42 fit
    got = _drafts(tmp_path / "out")
    assert len(got) == 42
    want = {f"草稿-{s.key}.docx": b for s, b in zip(slips, expected)}
    assert sorted(got) == sorted(want)
    assert [n for n in want if got[n] != want[n]] == []


def test_the_run_is_the_same_whichever_slips_are_drawn_first(registers, tmp_path, run, monkeypatch):
    """draw_many draws the slips it takes for the fullest first (by their text), then the rest from the step
    those need. Told the opposite (the emptiest first: the 8 drawn first all fit at step 1, and the long one, drawn
    later, raises the run's step to 4), the run must still give every slip the bytes of drawing it again from
    its template at the run's step."""
    from docgen.issuing import slips as I

    r, cal, st = _load(registers)
    slips = _draft_slips(r, cal, st)
    expected, _ = _as_before(r, cal, st, slips)
    real = I._content_size
    sizes = []

    def emptiest_first(*a):
        sizes.append(real(*a))
        return -sizes[-1]

    monkeypatch.setattr(I, "_content_size", emptiest_first)
    rc, so, err = run("-r", str(registers), "-o", str(tmp_path / "out"), "assign", "--on", DAY.isoformat(), "--no-pdf")
    assert rc == 0, so + err
    assert len(sizes) == 42 and max(sizes) > 2 * min(sizes)  # the long and the huge ones said so
    got = _drafts(tmp_path / "out")
    want = {f"草稿-{s.key}.docx": b for s, b in zip(slips, expected)}
    assert sorted(got) == sorted(want)
    assert [n for n in want if got[n] != want[n]] == []
    assert "能放下的41份统一" in so, so


def test_each_slip_is_filled_once(registers, tmp_path, run, monkeypatch):
    """Drafting the 42 交办单 fills 43 templates: each slip's form once, and the 回执 once for the run (each slip's
    回执 is a copy with its number, forms.filled_body). Before draw-once, the 40 slips set at step 4 after fitting
    at step 1 were filled again (164 fills); before filled_body, each 回执 was filled too (84)."""
    from docgen.documents import forms as F
    from docgen.documents import slips as S

    calls = []
    real = F.fill

    def counting(data, context, *a, **k):
        calls.append(context.get("number"))
        return real(data, context, *a, **k)

    monkeypatch.setattr(S, "fill", counting)
    monkeypatch.setattr(F, "fill", counting)
    monkeypatch.setattr(F, "_BODIES", {})  # this process may have filled the 回执 before (another test)
    rc, so, err = run("-r", str(registers), "-o", str(tmp_path / "out"), "assign", "--on", DAY.isoformat(),
                      "--no-pdf", "--workers", "1")  # drawn in this process, where the count is kept
    assert rc == 0, so + err
    assert len(_drafts(tmp_path / "out")) == 42
    # (the template check before a run fills each template with its sample contexts: not counted here)
    assert calls.count("草稿") == 42  # each form, where the number goes
    assert calls.count("\ue000docgen\ue001") == 1  # the 回执's, with the mark where the number goes
    assert len([c for c in calls if c not in ("〔单据编号〕", None)]) == 42 + 1, calls


def test_a_slip_set_again_at_each_later_step_is_the_slip_drawn_at_it(registers):
    """forms.refinish, step by step: a short slip (first fits at step 1) set again from its saved document at
    steps 2, 3 and 4 gives the bytes and the fit of the slip drawn from its template at that step. Step 4 is the
    last for the template's 四号 table text (spacing, row heights, 小四, 五号); asked for step 5 both stay at 4."""
    from docgen.documents.forms import refinish
    from docgen.issuing.slips import draw

    r, cal, st = _load(registers)
    s = next(s for s in _draft_slips(r, cal, st) if s.item == "2026-ZR13-1")
    d = draw(r, cal, st, s)
    assert d.fit.level == 1 and d.fit.fits
    data = d.to_bytes()
    for step in (2, 3, 4, 5):
        again = refinish(data, d.unfitted, step)
        ref = draw(r, cal, st, s, floor=step)
        assert again is not None, step
        assert again[1] == ref.fit and ref.fit.level == min(step, 4)
        assert again[0] == ref.to_bytes(), step


def test_cover_sheets_set_up_the_blank_document_once_and_keep_their_bytes(registers, monkeypatch):
    """Five cover sheets of a print batch: the styles are set up at most once in the process (before, five
    times), and each sheet is byte for byte the sheet made with the styles set up for it alone."""
    from docgen.documents import gbt9704 as G
    from docgen.documents.slips import build_separator

    r, _, _ = _load(registers)
    rows = [("督交〔2026〕1号", "落实第13次主任办公会议定的第1项工作"), ("督交〔2026〕2号", LONG)]

    def sheets():
        return [build_separator(r, unit, "交办单", DAY, rows).to_bytes()
                for unit in ("综合管理部", "经济发展部", "财政金融部", "良庄镇", "北集坡街道")]

    class Never(dict):  # a cache that keeps nothing: every document sets up its own styles, as before
        def __setitem__(self, key, value):
            pass

    monkeypatch.setattr(G, "_BLANKS", Never(), raising=False)
    alone = sheets()
    monkeypatch.setattr(G, "_BLANKS", {}, raising=False)
    setups = []
    real = G.OfficialDocument._setup_styles
    monkeypatch.setattr(G.OfficialDocument, "_setup_styles", lambda self: (setups.append(1), real(self))[1])
    assert sheets() == alone
    assert len(setups) <= 1


def test_a_style_set_once_a_document_is_the_style_python_docx_sets():
    """OfficialDocument sets a paragraph's style from an id it looked up once (python-docx scans every style for
    the default one at each `p.style = …`): the XML is python-docx's own for a named style (w:pStyle 正文) and
    for the default one (Normal: no w:pStyle at all)."""
    from docx.oxml.ns import qn

    from docgen.documents.gbt9704 import OfficialDocument

    d = OfficialDocument()
    for name in ("正文", "Normal", "表格文字", "正文"):
        mine, theirs = d.doc.add_paragraph(), d.doc.add_paragraph()
        d._use_style(mine, name)
        theirs.style = d.doc.styles[name]
        assert mine._p.xml == theirs._p.xml
        ps = mine._p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        assert (ps is None) if name == "Normal" else (ps.get(qn("w:val")) == d.doc.styles[name].style_id)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40) | st.from_regex(r"[\u4e00-\u9fff]{1,4}〔20\d\d〕\d{1,4}号", fullmatch=True))
@example(value="\r")  # parsing the filled XML makes it \n
@example(value="")
def test_a_receipt_copied_with_its_number_is_the_receipt_filled_with_it(value):
    """forms.filled_body (the 回执 filled once, then copied with each number) against filling the template with
    the number: any text at all gives the same body, or the same refusal. Compared as exclusive canonical XML: a
    copy declares only the namespaces it uses, the filled body's elements each of their document's (the same
    once in a slip's document: the slips' bytes are the same, test_a_run_draws_the_same_bytes_…)."""
    from lxml import etree

    from docgen.documents import template_files as T
    from docgen.documents.forms import fill, filled_body
    from docx.oxml.ns import qn

    data = T.data(ROOT / "registers", "回执")

    def body(make):
        try:
            return [etree.tostring(el, method="c14n", exclusive=True) for el in make()]
        except Exception as e:  # noqa: BLE001 - the refusal, compared
            return type(e).__name__

    want = body(lambda: [el for el in fill(data, {"number": value}).element.body if el.tag != qn("w:sectPr")])
    assert body(lambda: filled_body(data, "number", value)) == want


def _edited_receipt(old: str, new: str) -> bytes:
    """The shipped 回执 with its document.xml edited as an office might (`old` replaced by `new`)."""
    import io
    import zipfile

    from docgen.documents import template_files as T

    src = zipfile.ZipFile(io.BytesIO(T.data(ROOT / "registers", "回执")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            z.writestr(info, data)
    return buf.getvalue()


@pytest.mark.parametrize("where", ["bookmark name", "field code"])
def test_a_receipt_edited_to_use_the_number_outside_its_text_is_filled_for_each_slip(where, monkeypatch):
    """An office's 回执 that also writes the number into an attribute (a bookmark's name) or a field code: the
    mark cannot be swapped in text alone, so filled_body fills the template for each number, and gives what
    filling gives."""
    from lxml import etree

    from docgen.documents import forms as F
    from docx.oxml.ns import qn

    cell = "<w:r><w:t>{{ number }}</w:t></w:r>"
    extra = {"bookmark name": '<w:bookmarkStart w:id="7" w:name="n{{ number }}"/><w:bookmarkEnd w:id="7"/>',
             "field code": '<w:r><w:instrText xml:space="preserve"> REF {{ number }} </w:instrText></w:r>'}[where]
    data = _edited_receipt(cell, extra + cell)
    monkeypatch.setattr(F, "_BODIES", {})
    calls = []
    real = F.fill
    monkeypatch.setattr(F, "fill", lambda d, ctx, *a, **k: calls.append(ctx["number"]) or real(d, ctx, *a, **k))
    for number in ("督交〔2026〕1号", "督交〔2026〕2号"):
        got = [etree.tostring(el, method="c14n", exclusive=True) for el in F.filled_body(data, "number", number)]
        want = [etree.tostring(el, method="c14n", exclusive=True)
                for el in real(data, {"number": number}).element.body if el.tag != qn("w:sectPr")]
        assert got == want
        assert number.encode() in b"".join(got)
    assert calls == ["\ue000docgen\ue001", "督交〔2026〕1号", "督交〔2026〕2号"]  # the mark once, then each number
