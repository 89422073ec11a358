"""Slips converted many to one LibreOffice document and cut per slip (documents/merge.py): each slip's pages are
the pixels of converting it alone, its PDF is PDF/A-2b with its own metadata and no more than 1.5× the size of its
PDF made alone, and whatever fails in the merged way is converted alone."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fontTools.misc import eexec, psLib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from pypdf.generic import DecodedStreamObject

from docgen.documents import merge, pdf

from conftest import write_registers

pytestmark = pytest.mark.skipif(pdf.find_soffice() is None, reason="needs LibreOffice")  # installed by make test


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    """The example office's slips as `docgen` issues them: 交办单 (with its 回执) on 2026-10-12 and 2026-11-16,
    催办单 and 整改通知单 on 2026-11-16, and 督交〔2026〕3号 reissued (更正) the same day."""
    from conftest import ROOT, docgen

    tmp = tmp_path_factory.mktemp("issued")
    reg, out = tmp / "registers", tmp / "output"
    shutil.copytree(ROOT / "registers", reg)
    for args in (["build", "--on", "2026-10-12"], ["build", "--on", "2026-11-16"],
                 ["assign", "--reissue", "督交〔2026〕3号", "--reason", "事项表述有误", "--on", "2026-11-16"]):
        p = docgen(["-r", reg, "-o", out, *args])
        assert p.returncode == 0, p.stderr
    return out / "slips"


def pngs(pdf_file: Path, prefix: Path) -> list[bytes]:
    """The pages at 100 dpi, as pdftoppm draws them (PNG bytes)."""
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf_file), str(prefix)], check=True)
    return [p.read_bytes() for p in sorted(prefix.parent.glob(prefix.name + "-*.png"))]


def copies(files: list[Path], folder: Path) -> list[Path]:
    folder.mkdir()
    return [Path(shutil.copy(p, folder / p.name)) for p in files]


def tagged(p: Path) -> bool:
    """A PDF converted alone carries LibreOffice's structure tree; one cut from a merged document does not."""
    return "/StructTreeRoot" in PdfReader(str(p)).trailer["/Root"]


KINDS = {"交办单 with 回执": "交办单/督交〔2026〕1号", "交办单 with 回执 on 2026-11-16": "交办单/督交〔2026〕5号",
         "催办单": "催办单/督催〔2026〕1号", "整改通知单": "整改单/督改〔2026〕1号", "更正": "交办单/督交〔2026〕3号"}


@pytest.mark.parametrize("synced", [False, True], ids=["fonts-encrypted-whole", "glyphs-encrypted-once"])
def test_each_slip_is_the_pixels_of_converting_it_alone(issued, tmp_path, monkeypatch, synced):
    # a run of SYNCED_FROM merged slips or more encrypts each glyph once (merge.Type1.encrypt): here with 5
    monkeypatch.setattr(merge, "SYNCED_FROM", 1 if synced else 10 ** 6)
    slips = [issued / f"{v}.docx" for v in KINDS.values()]
    assert "更正" in zipfile.ZipFile(issued / "交办单/督交〔2026〕3号.docx").read("word/document.xml").decode()
    alone = pdf.convert(copies(slips, tmp_path / "alone"), workers=1)
    merged = merge.convert(copies(slips, tmp_path / "merged"), workers=1)
    for kind, a, m in zip(KINDS, alone, merged):
        assert a.pdf and m.pdf, (kind, a.error, m.error)
        assert tagged(a.pdf) and not tagged(m.pdf), kind  # really cut from the merged document
        one, two = pngs(a.pdf, tmp_path / f"a-{a.pdf.stem}"), pngs(m.pdf, tmp_path / f"m-{m.pdf.stem}")
        assert len(one) == len(two) and one == two, kind
    # the 更正 slip keeps its one sheet (documents/fit.py); slips of two pages: the page-number tests below
    assert len(PdfReader(str(merged[-1].pdf)).pages) == 1


def test_slips_of_one_template_go_to_libreoffice_as_one_document(issued, tmp_path, monkeypatch):
    slips = copies(sorted((issued / "交办单").glob("*.docx")), tmp_path / "s")  # 9 交办单
    given = []
    real = subprocess.Popen

    def popen(cmd, *a, **k):
        if "--convert-to" in cmd:
            given.append([c for c in cmd if c.endswith(".docx")])
        return real(cmd, *a, **k)

    monkeypatch.setattr(pdf.subprocess, "Popen", popen)
    from docgen.issuing.transaction import convert_and_record

    class Led:
        def add(self, *a, **k):
            pass

        def commit(self):
            pass

    done, errors, extra = convert_and_record(Led(), [], slips, workers=1)  # converted as a batch's extras are
    assert errors == [] and [r.error for r in extra] == [""] * 9
    assert len(given) == 1 and len(given[0]) == 1  # one start, one document for the 9 slips
    assert all(p.with_suffix(".pdf").is_file() and not tagged(p.with_suffix(".pdf")) for p in slips)


def test_metadata_of_each_cut_pdf(issued, tmp_path):
    names = ["交办单/督交〔2026〕1号", "交办单/督交〔2026〕2号", "整改单/督改〔2026〕1号"]
    slips = [issued / f"{n}.docx" for n in names]
    alone = pdf.convert(copies(slips, tmp_path / "alone"), workers=1)
    merged = merge.convert(copies(slips, tmp_path / "merged"), workers=1)
    for a, m in zip(alone, merged):
        pdf.stamp_date(a.pdf, dt.date(2026, 10, 12))
        pdf.stamp_date(m.pdf, dt.date(2026, 10, 12))
    # as the example registers have it: the office, the number, the receiving unit
    expected = {"督交〔2026〕1号": ("督办事项交办单", "北集坡街道"), "督交〔2026〕2号": ("督办事项交办单", "高新建设集团")}
    for a, m in zip(alone, merged):
        ra, rm = PdfReader(str(a.pdf)), PdfReader(str(m.pdf))
        ia, im = ra.metadata, rm.metadata
        for key in ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate"):
            assert im.get(key) == ia.get(key), (m.pdf.name, key)
        assert im["/Author"] == "泰安高新区管委会督导工作专班"
        assert im["/Subject"] == m.pdf.stem
        assert im["/CreationDate"].startswith("D:20261012000000")
        if m.pdf.stem in expected:
            assert (im["/Title"], im["/Keywords"]) == expected[m.pdf.stem]
        xa, xm = ra.xmp_metadata, rm.xmp_metadata
        assert xm.dc_title == xa.dc_title and xm.dc_creator == xa.dc_creator
        assert xm.dc_description == xa.dc_description and xm.pdf_keywords == xa.pdf_keywords
        assert xm.xmp_create_date == xa.xmp_create_date == dt.datetime(2026, 10, 12)
        packet = rm.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert "<pdfaid:part>2</pdfaid:part>" in packet and "<pdfaid:conformance>B</pdfaid:conformance>" in packet
        assert rm.pdf_header == "%PDF-1.6"
        assert rm.trailer["/Root"]["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
        assert len(rm.trailer["/ID"]) == 2
    other = [m.pdf for m in merged]
    assert len({PdfReader(str(p)).metadata["/Subject"] for p in other}) == 3  # not the first slip's, each its own


# ---------------------------------------------------------------- size

POOL = ("春夏秋冬东南西北金木水火土山河湖海风雨雷电日月星辰江城乡镇村街道社区企业园区项目工程建设发展规划财政金融"
        "教育卫生文化体育交通运输农业林业畜牧渔业工业商业服务旅游生态环境保护治理安全生产消防应急救援民政社会保障"
        "就业创业人才科技创新改革开放招商引资营商优化审批服务窗口数据信息网络平台系统运维档案资料统计调查核实整改"
        "落实督查督办考核评价奖励惩处纪律作风廉政监督问责通报批评表扬先进典型经验推广宣传舆论引导群众满意度提升"
        "道路桥梁隧道管网供水排水供电供气供热通信邮政物流仓储冷链市场价格质量标准计量检测认证食品药品医疗器械疫苗")


def test_a_cut_slip_is_no_more_than_half_again_its_size_alone(tmp_path, run):
    """24 slips whose texts share few characters: the merged document's fonts hold several times the glyphs of
    any one slip, and each cut PDF carries only its own."""
    items = "".join(f"      - {{id: M1-{i}, text: {POOL[i * 9:i * 9 + 40]}工作, lead: 经济发展部}}\n"
                    for i in range(24))
    reg = write_registers(tmp_path / "reg", {"meetings.yaml": "meetings:\n  - id: M1\n    kind: 主任办公会\n"
                                             "    title: 第1次主任办公会\n    date: 2026-11-02\n    items:\n" + items})
    rc, _, err = run("-r", str(reg), "-o", str(tmp_path / "out"), "assign", "--no-pdf", "--on", "2026-11-03")
    assert rc == 0, err
    drafts = sorted((tmp_path / "out" / "drafts").rglob("*.docx"))
    assert len(drafts) == 24
    alone = pdf.convert(copies(drafts, tmp_path / "alone"), workers=1)
    merged = merge.convert(copies(drafts, tmp_path / "merged"), workers=1)
    for a, m in zip(alone, merged):
        assert a.pdf and m.pdf and not tagged(m.pdf)
        assert m.pdf.stat().st_size <= 1.5 * a.pdf.stat().st_size, m.pdf.name
        # the slip's own glyphs, as many as alone (each font has a .notdef besides)
        (ga, fa), (gm, fm) = _glyphs(a.pdf), _glyphs(m.pdf)
        assert gm - fm == ga - fa, m.pdf.name


def _glyphs(p: Path) -> tuple[int, int]:
    """Glyphs in the PDF's embedded Type 1 fonts (the count of each font's CharStrings, as fontTools' PostScript
    interpreter reads the font program), and the fonts."""
    fonts = {}
    for page in PdfReader(str(p)).pages:
        for f in page["/Resources"]["/Font"].values():
            ff = f.get_object()["/FontDescriptor"].get_object()["/FontFile"].get_object()
            fonts[f.idnum] = len(psLib.suckfont(ff.get_data())["CharStrings"])
    return sum(fonts.values()), len(fonts)


# ---------------------------------------------------------------- fonts cut to a slip's glyphs

def test_every_cipher_state_has_whitespace_to_the_sync_state():
    """Each glyph of a cut slip's font is encrypted once per batch, from one fixed cipher state; the whitespace
    after each glyph brings the cipher back to it. fontTools' eexec (another implementation of the cipher) checks
    the whitespace of all 65,536 states."""
    pads = merge._pads()
    assert len(pads) == 65536
    for r, pad in enumerate(pads):
        assert set(pad) <= set(b" \t\r\n") and len(pad) <= 10, r
        assert eexec.encrypt(pad, r)[1] == merge.SYNC, r


@pytest.fixture(scope="module")
def font_alone(issued, tmp_path_factory):
    """The largest Type 1 font LibreOffice embeds in a 交办单 converted alone: its FontFile stream."""
    [res] = pdf.convert(copies([issued / "交办单/督交〔2026〕1号.docx"], tmp_path_factory.mktemp("font") / "alone"),
                        workers=1)
    streams = {}
    for page in PdfReader(str(res.pdf)).pages:
        for f in page["/Resources"]["/Font"].values():
            ff = f.get_object()["/FontDescriptor"].get_object()["/FontFile"].get_object()
            streams[len(ff.get_data())] = ff
    return streams[max(streams)]


@given(data=st.data(), synced=st.booleans())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_font_cut_to_some_glyphs_is_read_as_the_same_program_with_only_those(font_alone, data, synced):
    whole = psLib.suckfont(font_alone.get_data())
    font = merge.parse_type1(font_alone)
    names = [n for n in font.glyphs if n != b".notdef"]
    assert len(names) > 40
    kept = set(data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names) - 1, unique=True)))
    codes = {c for c, n in font.names.items() if n in kept}
    warm = merge.parse_type1(font_alone)  # a font other slips were cut from first keeps their glyphs' bytes
    merge.subset_type1(DecodedStreamObject(), warm, set(data.draw(st.sets(st.sampled_from(sorted(font.names))))),
                       synced)
    out = []
    for f in (font, warm):
        stream = DecodedStreamObject()
        merge.subset_type1(stream, f, codes, synced)
        out.append(stream.get_data())
        cut = psLib.suckfont(stream.get_data())
        want = {n.decode() for n in kept} | {".notdef"}
        assert set(cut["CharStrings"]) == want
        assert all(cut["CharStrings"][n] == whole["CharStrings"][n] for n in want)
        assert cut["Private"] == whole["Private"] and cut["FontName"] == whole["FontName"]
        assert stream["/Length1"] == len(font.clear) and stream.get_data().endswith(font.trailer)
    assert out[0] == out[1]


# ---------------------------------------------------------------- failures

FAILING_MERGED = """\
import os, pathlib, sys
args = sys.argv[1:]
if any(pathlib.Path(a).name.startswith("merged-") for a in args):
    out = pathlib.Path(args[args.index("--outdir") + 1])
    for a in args:
        if a.endswith(".docx"):  # half a PDF, then a crash
            (out / (pathlib.Path(a).stem + ".pdf")).write_bytes(b"%PDF-1.6\\n1 0 obj")
    sys.exit(134)
os.execv(REAL, [REAL, *args])
"""


def test_a_merged_conversion_that_crashes_leaves_each_slip_converted_alone(issued, tmp_path, monkeypatch):
    slips = [issued / f"{v}.docx" for v in KINDS.values()]
    script = tmp_path / "soffice"
    script.write_text(f"#!{sys.executable}\nREAL = {pdf.find_soffice()!r}\n" + FAILING_MERGED, encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("DOCGEN_SOFFICE", str(script))
    merged = merge.convert(copies(slips, tmp_path / "m"), workers=1)
    monkeypatch.delenv("DOCGEN_SOFFICE")
    alone = pdf.convert(copies(slips, tmp_path / "a"), workers=1)
    for a, m in zip(alone, merged):
        assert m.pdf and m.error == ""
        assert tagged(m.pdf)  # converted alone
        assert pngs(m.pdf, tmp_path / f"m-{m.pdf.stem}") == pngs(a.pdf, tmp_path / f"a-{a.pdf.stem}")
    assert not list((tmp_path / "m").glob(".docgen-pdf-*"))  # the merged document's folder removed


_compose = merge.compose


def _losing_a_bookmark(files, target):
    """compose, then the end of the second slip unmarked, as if LibreOffice had dropped its bookmark (a function
    of the module: composing runs in worker processes)."""
    _compose(files, target)
    with zipfile.ZipFile(target) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"], n = re.subn(rb'<w:bookmarkStart w:id="\d+" w:name="docgenslip1z"/>', b"",
                                            parts["word/document.xml"])
    assert n == 1
    with zipfile.ZipFile(target, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_one_slip_whose_pages_cannot_be_found_is_converted_alone_the_others_cut(issued, tmp_path, monkeypatch):
    slips = [issued / f"{v}.docx" for v in KINDS.values()]
    monkeypatch.setattr(merge, "compose", _losing_a_bookmark)
    merged = merge.convert(copies(slips, tmp_path / "m"), workers=1)
    alone = pdf.convert(copies(slips, tmp_path / "a"), workers=1)
    assert [tagged(m.pdf) for m in merged] == [False, True, False, False, False]
    for a, m in zip(alone, merged):
        assert pngs(m.pdf, tmp_path / f"m-{m.pdf.stem}") == pngs(a.pdf, tmp_path / f"a-{a.pdf.stem}")


def test_a_slip_that_fails_alone_too_is_reported_and_gets_no_pdf(issued, tmp_path):
    slips = copies([issued / f"{v}.docx" for v in KINDS.values()], tmp_path / "m")
    bad = slips[2]
    bad.write_bytes(b"PK\x03\x04 not a docx")
    results = merge.convert(slips, workers=1)
    assert results[2].pdf is None and "督催〔2026〕1号.docx 转换 PDF 失败" in results[2].error
    assert not bad.with_suffix(".pdf").exists()
    assert all(r.pdf and not tagged(r.pdf) for i, r in enumerate(results) if i != 2)


def test_a_file_given_alone_that_fails_in_the_merged_start_is_tried_again_and_reported_by_its_name(issued, tmp_path):
    """The file given `alone` converts in the merged documents' start as LibreOffice's copy (own-000.docx); when
    it fails there it is tried once more on its own, and what is reported names the file, not the copy; the slips
    are cut as ever."""
    slips = copies(sorted((issued / "交办单").glob("*.docx"))[:4], tmp_path / "s")
    lone = tmp_path / "签收登记表.docx"
    lone.write_bytes(b"PK\x03\x04 not a docx")
    results = merge.convert(slips + [lone], workers=1, alone=(lone,))
    assert results[-1].pdf is None and results[-1].error.startswith("签收登记表.docx 转换 PDF 失败"), results[-1].error
    assert "own-" not in results[-1].error
    assert not lone.with_suffix(".pdf").exists()
    assert all(r.pdf and not tagged(r.pdf) for r in results[:-1])


def test_ranges_of_slips_in_a_merged_pdf():
    """A slip runs from its first bookmark to the page before the next slip's, less the blank page Writer puts
    before a page numbered 1 that would be a left-hand page; a page with anything on it is the slip's (its last
    paragraph ran onto it); a blank page on which the slip's last bookmark lies is the slip's own."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    def build(marked: list[int], dests: dict[str, int], pages: int = 3):
        w = PdfWriter()
        for k in range(pages):
            page = w.add_blank_page(595, 842)
            if k in marked:
                s = DecodedStreamObject()
                s.set_data(b"BT /F1 12 Tf <01> Tj ET")
                page[NameObject("/Contents")] = w._add_object(s)
        for name, k in dests.items():
            w.add_named_destination(f"docgenslip{name}", k)
        buf = io.BytesIO()
        w.write(buf)
        return PdfReader(buf)

    two = {"0a": 0, "0z": 0, "1a": 2, "1z": 2}
    assert merge.ranges(build([0, 2], two), 2) == [(0, 0), (2, 2)]  # page 2 blank: Writer's
    assert merge.ranges(build([0, 1, 2], two), 2) == [(0, 1), (2, 2)]  # page 2 the first slip's
    assert merge.ranges(build([0, 2], {**two, "0z": 1}), 2) == [(0, 1), (2, 2)]  # its own blank last page
    assert merge.ranges(build([0, 2], {"0a": 0, "0z": 0, "1z": 2}), 2) == [None, None]  # where slip 1 starts?
    assert merge.ranges(build([0, 1, 2], {"0a": 1, "0z": 1, "1a": 2, "1z": 2}), 2) == [None, (2, 2)]
    assert merge.ranges(build([0, 2], {**two, "1a": 0}), 2) == [None, None]  # out of order


def _with_page_numbers(src: Path, dst: Path) -> Path:
    """The slip with GB/T 9704 page numbers in its footers (odd pages right, even pages left: — 1 —), as a
    template may add them."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = Document(str(src))
    d.settings.odd_and_even_pages_header_footer = True
    sec = d.sections[0]
    for footer, align in ((sec.footer, WD_ALIGN_PARAGRAPH.RIGHT), (sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        p.add_run("— ")
        r = p.add_run()
        for kind in ("begin", None, "end"):
            el = OxmlElement("w:fldChar" if kind else "w:instrText")
            if kind:
                el.set(qn("w:fldCharType"), kind)
            else:
                el.set(qn("xml:space"), "preserve")
                el.text = " PAGE "
            r._r.append(el)
        p.add_run(" —")
    d.save(str(dst))
    return dst


def test_page_numbers_in_footers_restart_for_each_slip(issued, tmp_path):
    names = ["交办单/督交〔2026〕3号", "交办单/督交〔2026〕1号", "催办单/督催〔2026〕1号", "交办单/督交〔2026〕5号"]
    (tmp_path / "src").mkdir()
    slips = [_with_page_numbers(issued / f"{n}.docx", tmp_path / "src" / f"{Path(n).name}.docx") for n in names]
    from docx import Document

    two = Document(str(slips[0]))  # the first slip runs onto a second page: both cut, in order, numbered 1 and 2
    two.add_page_break()
    two.add_paragraph("续页")
    two.save(str(slips[0]))
    assert len({merge.eligible(p)[0] for p in slips}) == 1
    alone = pdf.convert(copies(slips, tmp_path / "alone"), workers=1)
    merged = merge.convert(copies(slips, tmp_path / "merged"), workers=1)
    import pdfplumber

    for a, m in zip(alone, merged):
        assert m.pdf and not tagged(m.pdf)
        assert pngs(m.pdf, tmp_path / f"m-{m.pdf.stem}") == pngs(a.pdf, tmp_path / f"a-{a.pdf.stem}"), m.pdf.name
        with pdfplumber.open(str(m.pdf)) as doc:
            for number, page in enumerate(doc.pages, 1):
                words = [w for w in page.extract_words() if w["top"] > page.height - 100]
                assert "".join(w["text"] for w in words).replace(" ", "") == f"—{number}—", (m.pdf.name, number)
                # odd pages: at the right of the page; even pages: at the left
                assert (words[0]["x0"] > page.width / 2) == (number % 2 == 1)
    assert len(PdfReader(str(merged[0].pdf)).pages) == len(PdfReader(str(alone[0].pdf)).pages) >= 2
    # each cut PDF's pages come with its result (the one-sheet check reads them instead of the file): as pypdf
    # counts them in the file, and as many as the slip converted alone has; a PDF converted alone has none, and
    # is counted in its file
    counted = [len(PdfReader(str(a.pdf)).pages) for a in alone]
    assert [m.pages for m in merged] == [len(PdfReader(str(m.pdf)).pages) for m in merged] == counted
    assert counted[0] >= 2 and counted[1:] == [1, 1, 1]
    assert all(a.pages is None for a in alone) and [a.page_count() for a in alone] == counted


def _with_even_page_section(src: Path, dst: Path) -> Path:
    """The slip with a second section that starts on an even page (as a 版记 page does), its own footer."""
    from docx import Document
    from docx.enum.section import WD_SECTION_START

    d = Document(str(src))
    sec = d.add_section(WD_SECTION_START.EVEN_PAGE)
    sec.footer.is_linked_to_previous = False
    sec.footer.paragraphs[0].text = "版记页脚"
    d.add_paragraph("抄送：党工委组织部，纪工委。")
    d.save(str(dst))
    return dst


def test_a_slip_of_two_sections_one_starting_on_an_even_page(issued, tmp_path):
    """Slips with page numbers in their footers, the middle one with a second section that starts on an even page
    (as a 版记 page does) and a footer of its own: merged, the same pages as alone; a slip whose later section has
    a footer its first section lacks (the next slip would inherit it) is converted alone."""
    (tmp_path / "src").mkdir()
    src = tmp_path / "src"
    names = ["督交〔2026〕1号", "督交〔2026〕4号", "督交〔2026〕2号"]
    slips = [_with_page_numbers(issued / f"交办单/{n}.docx", src / f"{k}.docx") for k, n in zip("abc", names)]
    _with_even_page_section(slips[1], slips[1])
    assert len({merge.eligible(p)[0] for p in slips}) == 1
    alone = pdf.convert(copies(slips, tmp_path / "alone"), workers=1)
    merged = merge.convert(copies(slips, tmp_path / "merged"), workers=1)
    for a, m in zip(alone, merged):
        assert m.pdf and not tagged(m.pdf)
        assert pngs(m.pdf, tmp_path / f"m-{m.pdf.stem}") == pngs(a.pdf, tmp_path / f"a-{a.pdf.stem}"), m.pdf.name
    # the even-page section's page is the slip's page 2 (its first page is 1, an odd page)
    text = [p.extract_text() for p in PdfReader(str(merged[1].pdf)).pages]
    assert len(text) == 2 and "抄送" in text[1] and "抄送" not in text[0]
    lone = _with_even_page_section(issued / "交办单/督交〔2026〕5号.docx", src / "d.docx")
    assert merge.eligible(lone) == (None, "后面的节有第一节没有的页眉或页脚")


def test_a_file_converted_alone_shares_the_merged_documents_start_after_them_and_each_merged_pdf_is_cut_while_the_next_converts(
        issued, tmp_path, monkeypatch):
    """One LibreOffice start (one worker) converts three merged documents of three 交办单 each (MAX_MERGED 3) and
    then the file given `alone` (a long 签收登记表 in a real run), as its own document: a start costs about 0.75 s
    of CPU before its first document, so the file gets no start of its own. LibreOffice writes its documents' PDFs
    one after another, so the first merged PDF is whole once the second appears: it is taken (and cut) while the
    start still runs. Every slip still gets its PDF, cut from the merged ones, and the file its own, beside it."""
    slips = copies(sorted((issued / "交办单").glob("*.docx")), tmp_path / "s")
    assert len(slips) == 9
    lone = Path(shutil.copy(issued / "催办单" / "督催〔2026〕1号.docx", tmp_path / "lone.docx"))
    given, early = [], []
    real_popen, real_ready = subprocess.Popen, pdf._Job.ready

    def popen(cmd, *a, **k):
        if "--convert-to" in cmd:
            given.append([Path(c).name for c in cmd if c.endswith(".docx")])
        return real_popen(cmd, *a, **k)

    def ready(job):
        got = real_ready(job)
        if got:
            early.append((job.proc.poll() is None, [r.docx.name for r in got]))
        return got

    monkeypatch.setattr(pdf.subprocess, "Popen", popen)
    monkeypatch.setattr(pdf._Job, "ready", ready)
    monkeypatch.setattr(merge, "MAX_MERGED", 3)
    results = merge.convert(slips + [lone], workers=1, alone=(lone,))
    assert [r.error for r in results] == [""] * 10
    # one start: the merged documents, then LibreOffice's copy of the file given alone
    assert given == [["merged-000.docx", "merged-001.docx", "merged-002.docx", "own-000.docx"]]
    assert (True, ["merged-000.docx"]) in early  # taken while LibreOffice still ran
    assert all(p.with_suffix(".pdf").is_file() and not tagged(p.with_suffix(".pdf")) for p in slips)
    assert results[-1].pdf == lone.with_suffix(".pdf")
    assert tagged(lone.with_suffix(".pdf"))  # converted as its own document


def test_two_workers_share_the_documents_by_weight(issued, tmp_path, monkeypatch):
    """Two workers: as many starts as workers, each document (a merged one, a file of its own) to the start that
    is lightest so far, heaviest first (the weight: the size of its text part), each start's documents in their
    own order. By hand, weights m0, m1, m2 30 and own 50: own → A (50, 0); m0 → B (50, 30); m1 → B, the lighter
    (50, 60); m2 → A (80, 60). So A = m2, own and B = m0, m1."""
    assert merge._balance(["m0", "m1", "m2", "own"], {"m0": 30, "m1": 30, "m2": 30, "own": 50}, 2) == \
        [["m2", "own"], ["m0", "m1"]]
    # equal weights: to the first of the lightest, in the items' order
    assert merge._balance(list("abcd"), dict.fromkeys("abcd", 1), 2) == [["a", "c"], ["b", "d"]]
    assert merge._balance(["x"], {"x": 5}, 4) == [["x"]]  # never an empty start
    slips = copies(sorted((issued / "交办单").glob("*.docx")), tmp_path / "s")
    lone = Path(shutil.copy(issued / "催办单" / "督催〔2026〕1号.docx", tmp_path / "lone.docx"))
    given = []
    real_popen = subprocess.Popen

    def popen(cmd, *a, **k):
        if "--convert-to" in cmd:
            given.append(sorted(Path(c).name for c in cmd if c.endswith(".docx")))
        return real_popen(cmd, *a, **k)

    monkeypatch.setattr(pdf.subprocess, "Popen", popen)
    monkeypatch.setattr(merge, "MAX_MERGED", 3)
    monkeypatch.setattr(merge, "_weight", lambda p: 50 if p == lone else 10)
    results = merge.convert(slips + [lone], workers=2, alone=(lone,))
    assert [r.error for r in results] == [""] * 10
    # 9 slips, 2 workers, MAX_MERGED 3: 2 × ceil(9 / 6) = 4 merged documents asked for, of ceil(9 / 4) = 3 slips,
    # so three (30 each); then as above: one start merged-002 and own-000, the other merged-000 and merged-001
    assert sorted(given) == [["merged-000.docx", "merged-001.docx"], ["merged-002.docx", "own-000.docx"]]


def test_a_pdf_is_taken_early_only_once_the_next_one_has_appeared(tmp_path):
    """_Job.ready, the rule alone: of a start's files a, b, c, d, with a.pdf and b.pdf written (b's perhaps still
    being written), a is complete and taken; b is not, until c.pdf appears. When c fails (no c.pdf) and d.pdf
    appears, b still cannot be told complete by ready(): finish() (the start has ended) takes b and d and reports
    c; it does not give again what ready() gave."""
    whole = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    class Proc:
        returncode = 0

        def poll(self):
            return 0

        def communicate(self):
            return b"", b""

    job = object.__new__(pdf._Job)
    job.files = [tmp_path / f"{n}.docx" for n in "abcd"]
    job.early, job.out, job.proc = set(), tmp_path / "out", Proc()
    job.profile = type("P", (), {"close": lambda self: None})()
    job.out.mkdir()
    job._kill = lambda: None
    (job.out / "a.pdf").write_bytes(whole)
    (job.out / "b.pdf").write_bytes(b"%PDF-")  # being written
    assert [r.docx.name for r in job.ready()] == ["a.docx"]
    assert job.ready() == []  # nothing new until c.pdf appears
    (job.out / "b.pdf").write_bytes(whole)
    (job.out / "d.pdf").write_bytes(whole)  # c failed, d written after it
    assert job.ready() == []
    rest = job.finish()
    assert [(r.docx.name, r.pdf is not None) for r in rest] == [("b.docx", True), ("c.docx", False), ("d.docx", True)]
    assert (tmp_path / "a.pdf").read_bytes() == whole and (tmp_path / "b.pdf").is_file()
    assert not (tmp_path / "c.pdf").exists()


def _rezip(src: Path, dst: Path, change: dict | None = None, level: int | None = None) -> Path:
    """src's parts written again into dst, deflated at `level`, the parts in `change` replaced by their bytes."""
    change = change or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change.get(info.filename, zin.read(info.filename)))
    return dst


def test_slips_share_a_document_only_when_their_shared_parts_are_the_same(issued, tmp_path):
    """The signature reads the shared parts as the zip stores them: the slips of one template (written alike)
    share a document; a slip whose styles differ by one character does not; the same parts deflated at another
    level only keep slips apart (never merge different ones); a part whose local header is damaged makes a file
    that is not a readable .docx."""
    a, b = issued / "交办单/督交〔2026〕1号.docx", issued / "交办单/督交〔2026〕2号.docx"
    sig = merge.eligible(a)[0]
    assert sig is not None and merge.eligible(b)[0] == sig  # drawn from one template by one writer
    with zipfile.ZipFile(a) as z:
        styles = z.read("word/styles.xml")
    assert b'w:val="0"' in styles
    edited = styles.replace(b'w:val="0"', b'w:val="1"', 1)  # one character of the styles
    assert merge.eligible(_rezip(a, tmp_path / "edited.docx", {"word/styles.xml": edited}, 1))[0] != sig
    same = _rezip(a, tmp_path / "same-9.docx", level=9)
    assert merge.eligible(same)[0] not in (None, sig)  # the same content stored differently: apart, still eligible
    assert merge.eligible(_rezip(a, tmp_path / "same-9b.docx", level=9))[0] == merge.eligible(same)[0]
    # a styles.xml whose local header (where its stored bytes are read from) is damaged
    data = bytearray(a.read_bytes())
    with zipfile.ZipFile(a) as z:
        info = z.getinfo("word/styles.xml")
    bad = tmp_path / "bad.docx"
    bad.write_bytes(bytes(data[:info.header_offset + 2]) + b"XX" + bytes(data[info.header_offset + 4:]))
    sig_bad, why = merge.eligible(bad)
    assert sig_bad is None and why.startswith("不是可读的 .docx")
