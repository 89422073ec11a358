"""What the document says is what the page prints (issue 17): for every document kind, the text of the .docx and
the text of its PDF (LibreOffice 7.4) hold the same characters, in the same order; and the proofreader's findings
measured on the PDF (楷体 face, titles, numbering, numbers never split, tables, the 版记 page).

Characters the comparison leaves out, and why:
- whitespace (spaces, tabs, line breaks): layout; the PDF has no tab character and puts spaces where it likes;
- U+2060 WORD JOINER: a no-break join between the characters of a number (〔2021〕11号, 11月10日), zero width,
  never drawn;
- a page number line "— N —": its number is a PAGE field, which only the layout knows; the .docx holds no digit of it;
- a table's header row repeated at the top of a following page: the .docx holds it once (w:tblHeader).
"""
from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from pdfcheck import mm, open_pdf, text_lines

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_ONLY = {"\u2060"}
PAGE_NO = re.compile(r"^—\d+—$")


def keep(ch: str) -> bool:
    return bool(ch.strip()) and ch not in LAYOUT_ONLY


# ------------------------------------------------------------------ the .docx's text, in reading order

def _cell_text(tc, parent) -> str:
    cell = _Cell(tc, parent)
    return "".join(_blocks(cell._tc, cell))


def _blocks(container, parent):
    """The text of a body, cell or footer: paragraphs and tables in document order, a table row by row, cell by
    cell (a merged cell once)."""
    out = []
    for el in container.iterchildren():
        if el.tag == qn("w:p"):
            p = Paragraph(el, parent)
            if p.style is not None and p.style.name == "页码":
                continue
            out.append(p.text)
        elif el.tag == qn("w:tbl"):
            t = Table(el, parent)
            for tr in el.iterchildren(qn("w:tr")):
                for tc in tr.iterchildren(qn("w:tc")):
                    out.append(_cell_text(tc, t))
    return out


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = _blocks(doc.element.body, doc._body)
    for section in doc.sections:  # the 版记 lives in the last section's even-page footer
        for footer in (section.even_page_footer, section.footer):
            if footer.is_linked_to_previous:
                continue
            parts += _blocks(footer._element, footer)
    return "".join(ch for ch in "".join(parts) if keep(ch))


# ------------------------------------------------------------------ the PDF's text, in reading order

def _in(c, bbox) -> bool:
    x = (c["x0"] + c["x1"]) / 2
    y = (c["top"] + c["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _line_text(chars) -> str:
    rows: dict[float, list] = {}
    for c in chars:
        rows.setdefault(round(c["bottom"]), []).append(c)
    return "".join("".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"])) for _, cs in sorted(rows.items()))


def pdf_pages(path: Path) -> list[list[tuple[str, object]]]:
    """Each page as items in reading order: ("line", text) for a line outside tables, ("table", [row texts…])."""
    pages = []
    with open_pdf(path) as pdf:
        for page in pdf.pages:
            chars = [c for c in page.chars if keep(c["text"])]
            items = []
            tables = page.find_tables()
            used = set()
            for t in tables:
                rows = []
                for row in t.rows:
                    texts = []
                    for cell in row.cells:
                        if cell is None:
                            continue
                        inside = [c for c in chars if id(c) not in used and _in(c, cell)]
                        used.update(id(c) for c in inside)
                        texts.append(_line_text(inside))
                    rows.append("".join(texts))
                items.append((t.bbox[1], "table", rows))
            rest = [c for c in chars if id(c) not in used]
            lines: dict[float, list] = {}
            for c in rest:
                lines.setdefault(round(c["bottom"]), []).append(c)
            for key, cs in lines.items():
                text = "".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"]))
                if PAGE_NO.match(text):
                    continue
                items.append((min(c["top"] for c in cs), "line", text))
            pages.append([(kind, v) for _, kind, v in sorted(items, key=lambda i: i[0])])
    return pages


def pdf_text(path: Path) -> str:
    out = []
    last_head = None  # the first row of the last table fragment on the page before
    for items in pdf_pages(path):
        head_here = None
        for i, (kind, v) in enumerate(items):
            if kind == "line":
                out.append(v)
                continue
            rows = list(v)
            if i == 0 and last_head is not None and rows and rows[0] == last_head:
                rows = rows[1:]  # the header row repeated on a new page
            out += rows
            head_here = v[0] if v else None
        last_head = head_here if items and items[-1][0] == "table" else None
    return "".join(ch for ch in "".join(out) if keep(ch))


def compare(docx: Path, pdf: Path) -> None:
    a, b = docx_text(docx), pdf_text(pdf)
    missing, extra = Counter(a) - Counter(b), Counter(b) - Counter(a)
    assert not missing and not extra, f"{docx.name}: 未印出 {dict(missing)}，多印 {dict(extra)}"
    if a != b:
        i = next(k for k, (x, y) in enumerate(zip(a, b)) if x != y)
        raise AssertionError(f"{docx.name}: 第 {i} 字起顺序不同：.docx …{a[max(0, i - 15):i + 15]}… PDF …{b[max(0, i - 15):i + 15]}…")


# ------------------------------------------------------------------ every document kind, as the demo makes them

@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The example office's year on the demo's fixed dates (Makefile demo): slips of every kind, both bulletins,
    the blank forms and the sample, each .docx with its PDF."""
    from docgen.cli import main

    base = tmp_path_factory.mktemp("office")
    reg, out = base / "registers", base / "output"
    shutil.copytree(ROOT / "registers", reg)
    d = ["-r", str(reg), "-o", str(out)]
    for args in (["sample", "--on", "2026-11-20"], ["build", "--on", "2026-10-12"],
                 ["bulletin", "--period", "2026-Q3", "--on", "2026-10-12"],
                 ["scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice"],
                 ["coordinate", "2026-XT01", "--on", "2026-11-04"], ["build", "--on", "2026-11-16"],
                 ["build", "--on", "2026-11-20"], ["bulletin", "--period", "2026-10", "--on", "2026-11-20"],
                 ["form", "延期申请", "2026-GW05-4", "--on", "2026-11-20"],
                 ["form", "办结反馈", "2026-GW05-3", "--on", "2026-11-20"]):
        assert main(d + args) == 0, args
    return out


def kinds(out: Path) -> dict[str, Path]:
    """One .docx of each kind (the first by name), with a PDF beside it."""
    found = {
        "交办单": sorted((out / "slips" / "交办单").glob("*.docx")),
        "催办单": sorted((out / "slips" / "催办单").glob("*.docx")),
        "整改通知单": sorted((out / "slips" / "整改单").glob("*.docx")),
        "签收登记表": sorted(out.glob("batches/*/签收登记表*.docx")),
        "延期申请表": sorted((out / "forms").glob("延期申请表*.docx")),
        "办结反馈单": sorted((out / "forms").glob("办结反馈单*.docx")),
        "督导通报第1期": sorted((out / "bulletins").glob("*第1期.docx")),
        "督导通报第2期": sorted((out / "bulletins").glob("*第2期.docx")),
        "样例公文": sorted((out / "sample").glob("*.docx")),
        "提请协调单": sorted((out / "documents" / "提请协调单").glob("*.docx")),
        "得分情况通报": sorted((out / "documents" / "得分情况通报").glob("*.docx")),
    }
    return {k: v[0] for k, v in found.items() if v}


KINDS = ["交办单", "催办单", "整改通知单", "签收登记表", "延期申请表", "办结反馈单", "督导通报第1期", "督导通报第2期",
         "样例公文", "提请协调单", "得分情况通报"]


def test_every_kind_is_made(office):
    assert sorted(kinds(office)) == sorted(KINDS)
    for docx in kinds(office).values():
        assert docx.with_suffix(".pdf").is_file(), docx


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_prints_every_character_of_the_docx_in_order(office, kind):
    docx = kinds(office)[kind]
    compare(docx, docx.with_suffix(".pdf"))


def test_every_slip_and_form_prints_its_text(office):
    # all of them, not only the first of each kind: any line-end comma in any slip
    files = sorted(office.glob("slips/*/*.docx")) + sorted(office.glob("forms/*.docx")) + \
        sorted(office.glob("batches/*/签收登记表*.docx"))
    assert len(files) >= 20
    for docx in files:
        compare(docx, docx.with_suffix(".pdf"))


def test_the_hung_comma_of_bulletin_2_is_printed(office):
    # the proofreader's line: 第2期 p3 item 1 of 四、 ends "…已逾期43天，连续第2期被通报。" in the .docx
    pdf = office / "bulletins" / "督导通报2026年第2期.pdf"
    text = pdf_text(pdf)
    assert "已逾期43天，连续第2期被通报。" in text
    assert "43天连续" not in text


# ------------------------------------------------------------------ the proofreader's findings, measured on the PDF

def lines_of(pdf: Path, page: int):
    with open_pdf(pdf) as doc:
        return text_lines(doc.pages[page - 1])


def chars_of(pdf: Path, page: int):
    with open_pdf(pdf) as doc:
        return list(doc.pages[page - 1].chars)


def page_of(pdf: Path, needle: str) -> int:
    with open_pdf(pdf) as doc:
        for p in doc.pages:
            if any(needle in ln.text for ln in text_lines(p)):
                return p.page_number
    raise AssertionError(f"{needle} not in {pdf.name}")


def test_kaiti_is_the_mainland_fandolkai(office):
    # item 4: every 二级标题 （一）… in 楷体, drawn with FandolKai (AR PL UKai centres ，。 the Taiwan way)
    pdf = office / "bulletins" / "督导通报2026年第2期.pdf"
    n = page_of(pdf, "（一）抓紧办理逾期事项。")
    chars = chars_of(pdf, n)
    first = next(i for i, c in enumerate(chars) if c["text"] == "抓" and chars[i + 1]["text"] == "紧")
    cs = chars[first:first + 8]  # 抓紧办理逾期事项, the heading's own characters
    assert "".join(c["text"] for c in cs) == "抓紧办理逾期事项"
    fonts = {c["fontname"].split("+")[-1] for c in cs}
    assert len(fonts) == 1 and "FandolKai" in fonts.pop()


# the bulletins are two pages longer with the example's sections on the work that recurs (年度目标推进情况, 项目调度情况
# in 第1期; 定期报告报送情况, 项目调度情况 in 第2期) and its overdue milestones named
@pytest.mark.parametrize("name,last", [("bulletins/督导通报2026年第2期.pdf", 8), ("sample/样例公文.pdf", 4)])
def test_the_banji_page_has_its_page_number(office, name, last):
    # item 5: the 版记 page follows a page with text (no blank page): numbered — N — on the left, one 四号
    # character in, its line 7 mm below the type area (GB/T 9704 7.5), like every even page
    pdf = office / name
    with open_pdf(pdf) as doc:
        assert len(doc.pages) == last and doc.pages[-2].chars
        lines = text_lines(doc.pages[-1])
    pn = [ln for ln in lines if PAGE_NO.match(ln.text)]
    assert [ln.text for ln in pn] == [f"—{last}—"]
    assert abs(pn[0].top - (262 + 7)) <= 1 and abs(pn[0].x0 - (28 + 14 / MM_PT)) <= 1
    assert any(ln.text.startswith("抄送：") for ln in lines)


def test_the_banji_page_after_a_blank_page_has_no_page_number(office):
    # 第1期's 附件 (page 6) ends on an even page, so the 版记 section, which starts on an even page, leaves page 7
    # blank and puts the 版记 on page 8: 7.5 numbers neither (the run draws the 版记 page again unnumbered)
    with open_pdf(office / "bulletins/督导通报2026年第1期.pdf") as doc:
        assert len(doc.pages) == 8
        assert (doc.pages[5].extract_text() or "").startswith("附件")
        assert not doc.pages[6].chars
        lines = text_lines(doc.pages[7])
    assert not [ln for ln in lines if PAGE_NO.match(ln.text)]
    assert any(ln.text.startswith("抄送：") for ln in lines)


MM_PT = 72 / 25.4


def title_lines(pdf: Path) -> list[str]:
    return [ln.text for ln in lines_of(pdf, 1) if ln.size == 22.0]


def test_titles_break_between_phrases(office):
    # item 6: never after 和/的 (…交办催办和 / 整改工作的通知), never inside a word (重点 / 工作)
    assert title_lines(office / "sample" / "样例公文.pdf") == ["关于进一步规范督导事项", "交办催办和整改工作的通知"]
    assert title_lines(office / "bulletins" / "督导通报2026年第1期.pdf") == ["关于2026年第三季度", "重点工作落实情况的通报"]


def test_the_signature_page_holds_body_text(office):
    # item 7: 第1期 p4 held only a blank line, the 附件说明, the 署名 and the date: body text comes with them
    pdf = office / "bulletins" / "督导通报2026年第1期.pdf"
    n = page_of(pdf, "附件：2026年第三季度督导事项清单")
    lines = [ln for ln in lines_of(pdf, n) if not PAGE_NO.match(ln.text)]
    note = next(i for i, ln in enumerate(lines) if ln.text.startswith("附件："))
    assert note >= 1, [ln.text for ln in lines]  # at least one line of body text above the 附件说明
    assert lines[note + 1].text == "泰安高新区管委会督导工作专班" and lines[note + 2].text == "2026年10月12日"


def attachment_cells(pdf: Path) -> list[list[list[str]]]:
    """The 附件 table's body rows: each cell as its printed lines."""
    with open_pdf(pdf) as doc:
        page = next(p for p in doc.pages if any(ln.text == "附件" for ln in text_lines(p)))
        t = page.find_tables()[0]
        out = []
        for row in t.rows[1:]:
            cells = []
            for cell in row.cells:
                inside = [c for c in page.chars if keep(c["text"]) and _in(c, cell)]
                rows: dict[float, list] = {}
                for c in inside:
                    rows.setdefault(round(c["bottom"]), []).append(c)
                cells.append(["".join(c["text"] for c in sorted(cs, key=lambda c: c["x0"]))
                              for _, cs in sorted(rows.items())])
            out.append(cells)
        return out


def test_attachment_table_keeps_unit_names_whole_and_states_short(office):
    # item 8: 牵头单位 never broken inside a name (招商服务中 / 心, 北集坡街 / 道); 状态 at most two lines
    rows = attachment_cells(office / "bulletins" / "督导通报2026年第2期.pdf")
    assert len(rows) == 6
    # the units of 第2期 and the only breaks a clerk accepts (between the words of the name), by hand
    allowed = {"经济发展部": [["经济发展部"], ["经济", "发展部"]], "综合管理部": [["综合管理部"], ["综合", "管理部"]],
               "北集坡街道": [["北集坡街道"]], "高新建设集团": [["高新建设集团"], ["高新", "建设集团"], ["高新建设", "集团"]],
               "生态环境分局": [["生态环境分局"], ["生态环境", "分局"]]}
    for cells in rows:
        unit, state = cells[3], cells[5]
        assert unit in allowed["".join(unit)], unit
        assert 1 <= len(state) <= 2, state
        assert all(len(x) >= 2 for x in state), state


def test_lists_under_a_heading_are_numbered_yi_and_restart(office):
    # item 9: under 六、 (after the sections on the work that recurs) the entries are （一）（二）…, not 1. directly under
    # 一、; the second list starts at （一）. The milestones of 高新建设集团 (81 and 7 days overdue) are named too.
    pdf = office / "bulletins" / "督导通报2026年第2期.pdf"
    text = pdf_text(pdf)
    part = text[text.index("六、存在的问题"):text.index("七、下步工作要求")]
    assert "（一）高新建设集团：" in part and "（二）北集坡街道：" in part and "（三）良庄镇：" in part
    assert "（五）高新建设集团：" in part and "（六）良庄镇：" in part
    late = part[part.index("逾期办结："):]
    assert late.startswith("逾期办结：（一）生态环境分局：")
    assert not re.search(r"(?<![\d〔])[1-5]\.[^\d]", part), part


def test_a_heading_after_a_table_stands_clear_of_it(office):
    # item 13: 第2期 存在的问题 (四、, now 六、 after the sections on the work that recurs) came right on the ranking
    # table's bottom rule; half a line (5.1 mm) more now: the glyphs' top was 2.7 mm below the rule (measured), half a
    # line more is at least 5 mm
    pdf = office / "bulletins" / "督导通报2026年第2期.pdf"
    n = page_of(pdf, "六、存在的问题")
    with open_pdf(pdf) as doc:
        page = doc.pages[n - 1]
        head = next(ln for ln in text_lines(page) if ln.text == "六、存在的问题")
        bottoms = [t.bbox[3] for t in page.find_tables() if t.bbox[3] <= head.top * MM_PT]
    assert bottoms
    assert head.top - mm(max(bottoms)) >= 5.0


def test_the_sample_has_real_core_properties(office):
    # item 13: not python-docx's defaults: the title, the committee as author, the date of the document
    cp = Document(str(office / "sample" / "样例公文.docx")).core_properties
    assert cp.title == "关于进一步规范督导事项交办催办和整改工作的通知"
    assert cp.author == "泰安高新技术产业开发区管理委员会"
    assert (cp.created.year, cp.created.month, cp.created.day) == (2026, 11, 20)
    assert cp.subject.endswith("〔2026〕15号")
