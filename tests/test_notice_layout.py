"""The 得分情况通报 (张榜公布) and the 问责建议 measured on the real PDF against GB/T 9704-2012, by the same checks
as the sample document (test_pdf_layout.py, pdfcheck.py), made from the example registers (issue 20: the notice
"passes the project's GB/T 9704 tests").

Worked out by hand from registers/ and the standard:
- the notice of 2026-Q3 as of 2026-10-12 is 督考〔2026〕1号, the office's first (settings.yaml prefixes.notice 督考);
  its title 关于2026年第三季度各单位工作落实考核得分情况的通报 (23 characters and 4 figures, wider than one 22 pt line of the
  156 mm type area, 20 characters) breaks between the period and its subject into a trapezoid, short above:
  关于2026年第三季度 / 各单位工作落实考核得分情况的通报; 8 units ranked (a table of 9 rows, 12 pt), running onto
  page 2, where its head repeats; 三、有关要求 and its paragraph stay with the signature (7.3.5), which page 2 has
  no room left for: page 3; the body ends on an odd page, so the 版记 is on page 4, the back of the sheet, and
  numbered like every page (7.5 leaves unnumbered only a 版记 page after a blank page). Its 版记: 抄送 the
  bodies of settings.yaml office.cc (党工委组织部，纪工委), 印发 by 泰安高新区综合管理部 on 2026年10月12日, right on
  the last rule (7.4.3) — no 共印N份, which is the 《督导通报》's print run (print.copies);
- the 问责建议 of 2026-Q4 as of 2026-11-20 is 督问〔2026〕1号; seven facts (two 阶段性: 北集坡街道 94.5 and 良庄镇
  92.5 below 95; five 临时性), two sections 一、阶段性问责 and 二、临时性问责, over three pages; the 版记 on page 4,
  numbered; addressed to the bodies the office copies its scores to, so its 版记 has no 抄送: the two thick rules
  with the 印发 line between them.
"""
import pytest

from pdfcheck import (check_a4, check_banji, check_body_pitch, check_docx_standard_fonts, check_inside_type_area,
                      check_numbers_unbroken, check_page_number, check_red_mark_and_line, check_signature,
                      fonts_embedded, full_chinese_lines, open_pdf, page_number_line, rules, text_lines, title_lines)

OFFICE = "泰安高新区管委会督导工作专班"


def _issue(tmp_path_factory, args):
    import shutil

    from conftest import ROOT
    from docgen.cli import main

    reg = tmp_path_factory.mktemp("reg") / "registers"
    shutil.copytree(ROOT / "registers", reg)
    out = tmp_path_factory.mktemp("out")
    assert main(["-r", str(reg), "-o", str(out), *args]) == 0
    return out


@pytest.fixture(scope="module")
def notice(tmp_path_factory):
    out = _issue(tmp_path_factory, ["scores", "--period", "2026-Q3", "--on", "2026-10-12", "--notice"])
    docx = out / "documents" / "得分情况通报" / "督考〔2026〕1号.docx"
    return docx, docx.with_suffix(".pdf")


@pytest.fixture(scope="module")
def proposal(tmp_path_factory):
    out = _issue(tmp_path_factory, ["accountability", "--period", "2026-Q4", "--on", "2026-11-20", "--issue"])
    docx = out / "documents" / "问责建议" / "督问〔2026〕1号.docx"
    return docx, docx.with_suffix(".pdf")


def _pages(path):
    with open_pdf(path) as pdf:
        return [(p, text_lines(p), rules(p)) for p in pdf.pages]


@pytest.fixture(scope="module")
def notice_pages(notice):
    return _pages(notice[1])


@pytest.fixture(scope="module")
def proposal_pages(proposal):
    return _pages(proposal[1])


CASES = {
    "notice": dict(title=["关于2026年第三季度", "各单位工作落实考核得分情况的通报"], number="督考〔2026〕1号",
                   pages=4, numbered=[1, 2, 3, 4], signed_on=3, date="2026年10月12日",
                   cc="抄送：党工委组织部，纪工委。"),
    "proposal": dict(title=["关于2026年第四季度", "工作落实问责情形的建议"], number="督问〔2026〕1号",
                     pages=4, numbered=[1, 2, 3, 4], signed_on=3, date="2026年11月20日", cc=None),
}


@pytest.fixture(params=sorted(CASES))
def case(request):
    pages = request.getfixturevalue(f"{request.param}_pages")
    files = request.getfixturevalue(request.param)
    return CASES[request.param], pages, files


def test_a4_pages_and_the_banji_on_an_even_last_page(case):
    want, pages, _ = case
    assert len(pages) == want["pages"]
    check_a4([p for p, _, _ in pages])


def test_every_character_but_the_page_number_inside_the_type_area(case):
    _, pages, _ = case
    check_inside_type_area([p for p, _, _ in pages])


def test_body_is_16pt_fangsong_at_22_lines_pitch(case):
    _, pages, _ = case
    for _, lines, _ in pages[:2]:
        check_body_pitch(lines)


def test_28_characters_to_a_full_line(case):
    _, pages, _ = case
    full = full_chinese_lines(lines for _, lines, _ in pages)
    assert full, "no full line of Chinese text found"
    assert all(len(ln.text) == n for ln, n in full), [(len(ln.text), n, ln.text) for ln, n in full]


def test_numbers_are_never_broken_across_lines(case):
    _, pages, _ = case
    check_numbers_unbroken(lines for _, lines, _ in pages)


def test_title_is_22pt_xiaobiaosong_in_a_trapezoid(case):
    want, pages, _ = case
    title = title_lines(pages[0][1])
    assert [t.text for t in title] == want["title"]
    assert title[0].x1 - title[0].x0 < title[1].x1 - title[1].x0  # short above, long below
    for t in title:  # each line centred in the type area
        assert abs((t.x0 + t.x1) / 2 - (28 + 156 / 2)) < 1.0, t.text


def test_red_mark_35mm_down_and_red_line_4mm_below_the_number(case):
    want, pages, _ = case
    _, lines, rl = pages[0]
    number = check_red_mark_and_line(lines, rl)
    assert number.text == want["number"]
    assert [ln.text for ln in lines if ln.red] == [f"{OFFICE}文件"]


def test_page_numbers(case):
    want, pages, _ = case
    numbered = [p.page_number for p, _, _ in pages if page_number_line(p) is not None]
    assert numbered == want["numbered"]
    for p, _, _ in pages:
        if p.page_number in want["numbered"]:
            check_page_number(p, p.page_number)


def test_banji_on_the_last_page(case):
    want, pages, _ = case
    p, lines, rl = pages[-1]
    check_banji(p, lines, rl, want["cc"], "泰安高新区综合管理部", want["date"])
    assert not any("共印" in ln.text for ln in lines)


def test_signature_and_date(case):
    want, pages, _ = case
    _, lines, _ = pages[want["signed_on"] - 1]
    check_signature(lines, OFFICE, want["date"])


def test_every_font_embedded(case):
    _, _, files = case
    emb, not_emb = fonts_embedded(files[1])
    assert emb and not not_emb
    names = " ".join(emb)
    assert "FandolFang" in names and "NotoSerifCJK" in names and "NotoSansCJK" in names


def test_docx_property_elements_in_schema_order(case):
    from ooxml_order import violations

    _, _, files = case
    assert violations(files[0]) == []


def test_docx_names_the_standard_fonts(case):
    _, _, files = case
    check_docx_standard_fonts(files[0])


def test_the_notice_table_head_repeats_on_page_2(notice_pages):
    heads = [p.page_number for p, lines, _ in notice_pages if any(ln.text == "名次单位得分扣分加分" for ln in lines)]
    assert heads == [1, 2]


def test_the_proposal_sections(proposal_pages):
    heads = [ln.text for _, lines, _ in proposal_pages for ln in lines if ln.text[1:2] == "、" and "Sans" in ln.font]
    assert heads == ["一、阶段性问责", "二、临时性问责"]


def test_the_proposal_cites_its_clause_once_and_each_fact_names_its_trigger(proposal, proposal_pages):
    import docx as D

    body = [p.text for p in D.Document(str(proposal[0])).paragraphs if p.text]
    # 2026-GW05-3 (党工委会 of 2026-09-24: 会后10日, 10/04, in the National Day holiday of 10/01-10/07: the next
    # workday 10/08), its extension refused, open on 2026-11-20: 23 days of October and 20 of November, 43 > 30
    assert "1.北集坡街道：“推进棚户区改造二期拆迁清表工作”（2026-GW05-3）办结时限2026年10月8日，已逾期43天仍未办结（逾期超过30天仍未办结）。" in body
    assert "一、阶段性问责" in body and any(t.endswith("（期间考核得分低于95分）。") for t in body)  # score_below: 95
    text = "".join(ln.text for _, lines, _ in proposal_pages for ln in lines)
    assert text.count("泰高管发〔2021〕11号第14条") == 1  # in the opening only
    # the opening's third line would end 予以问责 but 。 may not begin a line: 责 goes down with it
    full = full_chinese_lines(lines for _, lines, _ in proposal_pages[:1])
    assert [(ln.text, n) for ln, n in full] == [("性问责和年度考核问责的规定，经泰安高新区管委会督导工作专", 28),
                                               ("班核查，以下单位和事项达到问责情形，建议依规依纪予以问", 27)]


def test_a_fact_under_another_clause_keeps_it():
    # the proposal's opening cites 第14条 (clause); a 年度 fact under year_clause 第15条 keeps its own clause, and
    # only the pace its section heading names is left out
    from docgen.documents.standalone import _condition

    cite = "泰高管发〔2021〕11号第14条"
    assert _condition("年度考核问责：年度得分低于90分，泰高管发〔2021〕11号第15条", "年度考核问责", cite) == \
        "年度得分低于90分，泰高管发〔2021〕11号第15条"
    assert _condition("年度考核问责：年度得分低于90分，泰高管发〔2021〕11号第14条", "年度考核问责", cite) == "年度得分低于90分"
    assert _condition("临时性问责：整改逾期未完成", "临时性问责", "") == "整改逾期未完成"  # no clause in rules.yaml


def test_a_proposal_names_a_derived_obligation_by_its_text_not_docgens_id(tmp_path, run):
    """良庄镇 never sent its Q3 专报 (due 10/20; 11/20 − 10/20 = 31 days overdue > 30): the 问责建议 names it by its
    text, never by the id docgen derives for it (报告-quarterly-2026Q3-良庄镇), which no register holds."""
    import shutil

    import docx as D
    from conftest import ROOT

    reg, out = tmp_path / "r", tmp_path / "o"
    shutil.copytree(ROOT / "registers", reg)
    rc, text, err = run("-r", str(reg), "-o", str(out), "accountability", "--period", "2026-Q4", "--on", "2026-11-20",
                        "--issue", "--no-pdf")
    assert rc == 0, err
    doc = next((out / "drafts" / "问责建议").glob("*.docx"))  # --no-pdf: a draft, numbered by nothing
    body = "\n".join(p.text for p in D.Document(str(doc)).paragraphs)
    assert "报送2026年第三季度重点工作、重大项目进展情况专报" in body
    assert "报告-quarterly" not in body
