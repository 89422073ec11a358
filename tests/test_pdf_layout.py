"""The official document engine, measured on a real PDF made by LibreOffice (GB/T 9704-2012)."""
import pytest

from pdfcheck import (LEFT, check_a4, check_banji, check_body_pitch, check_docx_standard_fonts,
                      check_inside_type_area, check_numbers_unbroken, check_page_number, check_red_mark_and_line,
                      check_signature, fonts_embedded, full_chinese_lines, open_pdf, page_number_line, rules, text_lines,
                      title_lines)

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
    check_a4([p for p, _, _ in pages])


def test_every_character_but_the_page_number_inside_the_type_area(pages):
    check_inside_type_area([p for p, _, _ in pages])


def test_body_is_16pt_fangsong_at_22_lines_pitch(pages):
    for p, lines, _ in pages[:2]:
        check_body_pitch(lines)


def test_28_characters_to_a_full_line(pages):
    full = full_chinese_lines(lines for _, lines, _ in pages)
    assert full, "no full line of Chinese text found"
    assert all(n == 28 for _, n in full)  # the sample has no line a mark took a character from
    assert all(len(ln.text) == 28 for ln, _ in full), [(len(ln.text), ln.text) for ln, _ in full]


def test_numbers_are_never_broken_across_lines(pages):
    check_numbers_unbroken(lines for _, lines, _ in pages)


def test_title_is_22pt_xiaobiaosong(pages):
    _, lines, _ = pages[0]
    title = title_lines(lines)
    assert len(title) == 2  # a trapezoid of two lines
    # a trapezoid (上短下长, GB/T 9704 7.3.1: 梯形或菱形, either way up), broken between phrases, never after 和 (issue 17 item 6)
    assert [t.text for t in title] == ["关于进一步规范督导事项", "交办催办和整改工作的通知"]


def test_red_mark_and_red_line_on_page_one(pages):
    _, lines, rl = pages[0]
    # the mark 35 mm below the type area's top, the red line type-area wide 4 mm below the 发文字号
    number = check_red_mark_and_line(lines, rl)
    assert number.text == "泰高管发〔2026〕15号"


def test_page_numbers(pages):
    *body, last = pages
    # the 版记 page follows the 附件 page directly (no blank page): numbered like any even page (7.5)
    pn = page_number_line(last[0])
    assert pn and pn.text == "—4—" and abs(pn.x0 - (LEFT + ONE_CHAR_14)) < 1
    for p, _, _ in body:  # 7 mm below the type area; odd: right, even: left, one character in
        check_page_number(p, p.page_number)


def test_banji_on_the_last_page(pages):
    p, lines, rl = pages[-1]
    # an even page (the back of the last sheet); thick, thin, thick; the last rule on the type area's bottom edge
    check_banji(p, lines, rl, "抄送：党工委组织部，纪工委。", "泰安高新区综合管理部", "2026年11月20日")


def test_attachment_page(pages):
    p, lines, _ = pages[-2]
    assert lines[0].text == "附件" and "Sans" in lines[0].font and abs(lines[0].x0 - LEFT) < 0.5
    assert lines[1].size == 22.0  # its title, on line 3: its centre within the third line's band
    centre = lambda ln: (ln.top + ln.bottom) / 2  # noqa: E731
    assert abs((centre(lines[1]) - centre(lines[0])) - 2 * 10.21) < 10.21 / 2


def test_signature_and_date(pages):
    _, lines, _ = pages[1]
    organ = check_signature(lines, "泰安高新技术产业开发区管理委员会", "2026年11月20日")
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
    check_docx_standard_fonts(sample[0], ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"))
