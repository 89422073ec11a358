"""The official document engine, measured on a real PDF made by LibreOffice (GB/T 9704-2012)."""
import re
import zipfile

import pytest

from pdfcheck import (BOTTOM_EDGE, LEFT, RIGHT_EDGE, TOP, fonts_embedded, mm, open_pdf, page_number_line,
                      rules, text_lines)

MM_PT = 72 / 25.4
ONE_CHAR_14 = 14 / MM_PT  # one 四号 character, mm


@pytest.fixture(scope="module")
def sample(tmp_path_factory, example_registers_module):
    from docgen.cli import main

    out = tmp_path_factory.mktemp("out")
    assert main(["-r", str(example_registers_module), "-o", str(out), "sample", "--on", "2026-11-20"]) == 0
    return out / "sample" / "样例公文.docx", out / "sample" / "样例公文.pdf"


@pytest.fixture(scope="module")
def pages(sample):
    with open_pdf(sample[1]) as pdf:
        yield [(p, text_lines(p), rules(p)) for p in pdf.pages]


def test_a4_pages_ending_on_an_even_page(pages):
    # body on pages 1-2, the 附件 on page 3 (odd): the 版记 goes on page 4, the back of the last sheet
    assert len(pages) == 4
    for p, _, _ in pages:
        assert abs(mm(p.width) - 210) < 0.5 and abs(mm(p.height) - 297) < 0.5


def test_every_character_but_the_page_number_inside_the_type_area(pages):
    for p, _, _ in pages:
        pn = page_number_line(p)
        for c in p.chars:
            if not c["text"].strip() or (pn and mm(c["top"]) >= pn.top - 0.1):
                continue
            # LibreOffice 7.4 hangs a line-end punctuation mark into the margin (it ignores w:overflowPunct;
            # docs/layout.md); nothing else may leave the type area
            hang = 16 / MM_PT if c["text"] in "，。、；：！？）》”" else 0
            assert LEFT - 1 <= mm(c["x0"]) and mm(c["x1"]) <= RIGHT_EDGE + 1 + hang, (p.page_number, c["text"], mm(c["x0"]))
            assert TOP - 1 <= mm(c["top"]) and mm(c["bottom"]) <= BOTTOM_EDGE + 1, (p.page_number, c["text"])


def body_lines(lines):
    return [ln for ln in lines if ln.size == 16.0 and "Fandol" in ln.font and "Fang" in ln.font]


def test_body_is_16pt_fangsong_at_22_lines_pitch(pages):
    for p, lines, _ in pages[:2]:
        body = body_lines(lines)
        assert len(body) >= 5
        pitches = [(b.top - a.top) * 72 / 25.4 for a, b in zip(body, body[1:])]
        regular = [x for x in pitches if x < 40]  # consecutive lines, not across a table or a blank line
        assert regular and all(28.4 <= x <= 29.5 for x in regular), regular


def test_28_characters_to_a_full_line(pages):
    full = [ln for _, lines, _ in pages for ln in body_lines(lines)
            if ln.x1 > RIGHT_EDGE - 1.5 and ln.x0 < LEFT + 0.5 and re.fullmatch(r"[\u3000-\u9fff\uff00-\uffef]+", ln.text)]
    assert full, "no full line of Chinese text found"
    assert all(len(ln.text) == 28 for ln in full), [(len(ln.text), ln.text) for ln in full]


def test_numbers_are_never_broken_across_lines(pages):
    for _, lines, _ in pages:
        for a, b in zip(lines, lines[1:]):
            if a.size == b.size == 16.0 and a.text and b.text:
                assert not (a.text[-1].isdigit() and b.text[0].isdigit()), (a.text, b.text)


def test_title_is_22pt_xiaobiaosong(pages):
    _, lines, _ = pages[0]
    title = [ln for ln in lines if ln.size == 22.0]
    assert len(title) == 2  # a trapezoid of two lines
    assert all("Serif" in t.font and "Bold" in t.font for t in title)
    # a trapezoid (上短下长, GB/T 9704 7.3.1: 梯形或菱形, either way up), broken between phrases, never after 和 (issue 17 item 6)
    assert [t.text for t in title] == ["关于进一步规范督导事项", "交办催办和整改工作的通知"]


def test_red_mark_and_red_line_on_page_one(pages):
    _, lines, rl = pages[0]
    mark = [ln for ln in lines if ln.red]
    assert len(mark) == 1 and mark[0].text.endswith("文件") and mark[0].size >= 22
    assert abs(mark[0].top - (TOP + 35)) <= 1.0, mark[0].top  # 35 mm below the type area's top
    assert LEFT - 0.5 <= mark[0].x0 and mark[0].x1 <= RIGHT_EDGE + 0.5
    red = [r for r in rl if r["red"]]
    assert red, "no red line"
    line = red[0]
    assert abs(line["x0"] - LEFT) < 0.5 and abs(line["x1"] - RIGHT_EDGE) < 0.5  # type-area wide
    number = next(ln for ln in lines if "〔" in ln.text and "号" in ln.text)
    assert abs(line["y"] - number.bottom - 4.0) <= 1.0  # 4 mm below the 发文字号
    assert number.text == "泰高管发〔2026〕15号"


def test_page_numbers(pages):
    *body, last = pages
    # the 版记 page follows the 附件 page directly (no blank page): numbered like any even page (7.5)
    pn = page_number_line(last[0])
    assert pn and pn.text == "—4—" and abs(pn.x0 - (LEFT + ONE_CHAR_14)) < 1
    for p, _, _ in body:
        pn = page_number_line(p)
        assert pn is not None, p.page_number
        n = p.page_number
        chars = [c for c in p.chars if mm(c["top"]) >= pn.top - 0.1 and c["text"].strip()]
        assert "".join(c["text"] for c in chars) == f"—{n}—"
        assert chars[0]["text"] == "\u2014" and chars[-1]["text"] == "\u2014"
        assert all(round(c["size"]) == 14 for c in chars)
        assert abs(pn.top - (BOTTOM_EDGE + 7)) <= 1.0, pn.top  # 7 mm below the type area
        if n % 2:
            assert abs(pn.x1 - (RIGHT_EDGE - ONE_CHAR_14)) <= 1.0, pn.x1  # odd: right, one character in
        else:
            assert abs(pn.x0 - (LEFT + ONE_CHAR_14)) <= 1.0, pn.x0  # even: left, one character in


def test_banji_on_the_last_page(pages):
    p, lines, rl = pages[-1]
    assert p.page_number % 2 == 0  # an even page: the back of the last sheet
    full = [r for r in rl if abs(r["x0"] - LEFT) < 1 and abs(r["x1"] - RIGHT_EDGE) < 1 and not r["red"]]
    banji = full[-3:]
    assert len(banji) == 3
    assert abs(banji[-1]["bottom"] - BOTTOM_EDGE) <= 1.0  # the last rule on the type area's bottom edge
    top, mid, bottom = (r["thickness"] for r in banji)
    assert top > mid and bottom > mid  # thick, thin, thick
    cc = next(ln for ln in lines if ln.text.startswith("抄送："))
    assert cc.text == "抄送：党工委组织部，纪工委。" and cc.size == 14.0
    assert banji[0]["y"] < cc.top < banji[1]["y"]
    printed = next(ln for ln in lines if ln.text.endswith("印发"))
    assert printed.text.startswith("泰安高新区综合管理部") and "2026年11月20日印发" in printed.text
    assert banji[1]["y"] < printed.top < banji[2]["y"]
    assert abs(printed.x0 - (LEFT + ONE_CHAR_14)) < 1.0 and abs(printed.x1 - (RIGHT_EDGE - ONE_CHAR_14)) < 1.0


def test_attachment_page(pages):
    p, lines, _ = pages[-2]
    assert lines[0].text == "附件" and "Sans" in lines[0].font and abs(lines[0].x0 - LEFT) < 0.5
    assert lines[1].size == 22.0  # its title, on line 3: its centre within the third line's band
    centre = lambda ln: (ln.top + ln.bottom) / 2  # noqa: E731
    assert abs((centre(lines[1]) - centre(lines[0])) - 2 * 10.21) < 10.21 / 2


def test_signature_and_date(pages):
    _, lines, _ = pages[1]
    organ = next(i for i, ln in enumerate(lines) if ln.text == "泰安高新技术产业开发区管理委员会")
    date = lines[organ + 1]
    assert date.text == "2026年11月20日"
    char = 15.75 / (72 / 25.4)
    assert abs((RIGHT_EDGE - lines[organ].x1) - 2 * char) < 1.0  # two characters from the right
    assert abs((date.x0 - lines[organ].x0) - 2 * char) < 1.0  # the date two characters further right
    assert lines[organ + 2].text.startswith("（联系人")  # 附注


def test_table_header_repeats_across_pages(pages):
    heads = [p.page_number for p, lines, _ in pages if any(ln.text.replace(" ", "") == "事项类别办结时限反馈对象" for ln in lines)]
    assert heads == [1, 2]


def test_every_font_embedded(sample):
    emb, not_emb = fonts_embedded(sample[1])
    assert emb and not not_emb
    names = " ".join(emb)
    assert "FandolFang" in names and "NotoSerifCJK" in names and "NotoSansCJK" in names and "FandolKai" in names


def test_docx_property_elements_in_schema_order(sample):
    from ooxml_order import violations

    assert violations(sample[0]) == []  # Word would otherwise offer to "repair" the file


def test_docx_names_the_standard_fonts(sample):
    with zipfile.ZipFile(sample[0]) as z:
        xml = z.read("word/document.xml").decode() + z.read("word/styles.xml").decode()
        footers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
    for face in ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"):
        assert f'w:eastAsia="{face}"' in xml, face
    assert 'w:eastAsia="宋体"' in xml and 'w:pStyle w:val="页码"' in footers  # page numbers in 宋体
    assert "eastAsiaTheme" not in xml
    assert "docGrid" not in xml
