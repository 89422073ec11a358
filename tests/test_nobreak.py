"""Numbers, dates and 文号 never split across lines in the PDF (issue 17 item 10; docs/layout.md 数字不断行).

Each document kind that prints register or rule text (交办单, 催办单, 延期申请表, 《督导通报》, 样例公文) is made from
registers whose text packs the proofreader's kinds of token (〔2021〕11号, 泰高管发〔2021〕, 11月10日, counts with
their units) so densely that line ends fall inside them: in the code before this change LibreOffice split them
there ("泰高管发〔2021〕11/号", "11月10/日", "43/项"). Measured on the PDF: every token the .docx holds is printed
whole on one line, as often as the .docx holds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document

from conftest import write_registers
from pdfcheck import open_pdf

ROOT = Path(__file__).resolve().parent.parent

# a register text that is nothing but the proofreader's tokens, one or two characters apart
DENSE = ("按泰高管发〔2021〕11号要求于2026年11月10日前完成第2期43项整改，按期办结率98.5%，逾期12天的于11月20日前书面"
         "说明，督交〔2026〕3号所列3项一并办结")
# the tokens in it, written out by hand: each must be printed whole
TOKENS = ["泰高管发〔2021〕11号", "2026年11月10日", "11月10日", "第2期", "43项", "98.5%", "12天", "11月20日",
          "督交〔2026〕3号", "3项"]


def _registers(root: Path) -> Path:
    rules = (ROOT / "registers" / "rules.yaml").read_text(encoding="utf-8")
    assert "关于进一步健全完善工作高效运行机制的意见" in rules
    # the rule file's title (cited in the sample's and the bulletin's first paragraph) is dense text too
    rules = rules.replace("关于进一步健全完善工作高效运行机制的意见", f"关于{DENSE}的意见")
    # without the example office's recurring work, whose issuer and units this small office does not have
    rules = rules.replace(rules[rules.index("\nreports:"):rules.index("\ncoordination:")], "")
    return write_registers(root, {"rules.yaml": rules, "meetings/m.yaml": f"""\
        meetings:
          - id: MA
            kind: 主任办公会
            title: 2026年第20次主任办公会
            date: 2026-11-02
            items:
              - {{id: A, text: "{DENSE}", lead: 经济发展部}}
              - {{id: B, text: "请{DENSE}", lead: 财政金融部}}
              - {{id: C, text: "由第三方于{DENSE}", lead: 良庄镇}}
        """})


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    from docgen.cli import main

    base = tmp_path_factory.mktemp("nobreak")
    reg, out = _registers(base / "r"), base / "o"
    d = ["-r", str(reg), "-o", str(out)]
    # 交办单 on 11/16 (four days after the 11/12 deadline), 催办单 for the overdue items on 11/24, the November
    # bulletin listing them, a 延期申请表, and the sample, which cites the rule file
    for args in (["build", "--on", "2026-11-16"], ["build", "--on", "2026-11-24"],
                 ["bulletin", "--period", "2026-11", "--on", "2026-11-30"],
                 ["form", "延期申请", "A", "--on", "2026-11-24"], ["sample", "--on", "2026-11-20"]):
        assert main(d + args) == 0, args
    return out


def docx_paragraphs(path: Path) -> list[str]:
    """The text of every paragraph: body, table cells, headers and footers (the 版记 is in a footer)."""
    doc = Document(str(path))
    parts = [doc] + [part for section in doc.sections
                     for part in (section.header, section.even_page_header, section.first_page_header,
                                  section.footer, section.even_page_footer, section.first_page_footer)
                     if not part.is_linked_to_previous]
    paras = []
    for part in parts:
        paras += [p.text for p in part.paragraphs]
        paras += [p.text for t in part.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    return paras


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    size: float
    widths: list  # each character's advance, pt


def pdf_lines(path: Path) -> list[list[Line]]:
    """Every printed line of every page: the characters on one baseline, left to right."""
    pages = []
    with open_pdf(path) as pdf:
        for page in pdf.pages:
            rows: dict[int, list] = {}
            for c in page.chars:
                if c["text"].strip():
                    rows.setdefault(round(c["bottom"]), []).append(c)
            lines = []
            for _, cs in sorted(rows.items()):
                cs.sort(key=lambda c: c["x0"])
                lines.append(Line("".join(c["text"] for c in cs), cs[0]["x0"], cs[-1]["x1"], round(cs[0]["size"], 1),
                                  [c["x1"] - c["x0"] for c in cs]))
            pages.append(lines)
    return pages


def count(texts: list[str], token: str) -> int:
    return sum(t.count(token) for t in texts)


def splits(lines: list[Line], token: str) -> list[tuple[Line, Line, int]]:
    """Where token runs from the end of one line into the start of the next: (line, next line, characters on the
    first)."""
    return [(a, b, k) for a, b in zip(lines, lines[1:]) for k in range(1, len(token))
            if a.text.endswith(token[:k]) and b.text.startswith(token[k:])]


def too_wide(page: list[Line], a: Line, token: str, k: int) -> bool:
    """Whether token is wider than the column line a is set in, measured on the page: its printed characters
    against the widest line that starts where a does (a narrow table column)."""
    column = max(ln.x1 - ln.x0 for ln in page if abs(ln.x0 - a.x0) < 1.0)
    printed = sum(a.widths[len(a.text) - k:]) + sum(ln_w for ln_w in page[page.index(a) + 1].widths[:len(token) - k])
    return printed > column


def assert_whole(docx: Path) -> None:
    pdf = docx.with_suffix(".pdf")
    assert pdf.is_file(), pdf
    paras, pages = docx_paragraphs(docx), pdf_lines(pdf)
    lines = [ln for page in pages for ln in page]
    # the issued .docx holds the register's text as it is: no joiner or other mark a clerk would meet in Word
    assert not any("\u2060" in p for p in paras), docx.name
    for token in TOKENS:
        want = count(paras, token)
        assert want >= 1 or token not in DENSE, (docx.name, token)
        narrow = 0
        for page in pages:
            for a, b, k in splits(page, token):
                # a token wider than its column (the 事项 column of a bulletin's 附件) cannot be whole: it breaks
                # only between the 机关代字 and 〔, or after the year, never inside a number
                assert too_wide(page, a, token, k) and (token[k] == "〔" or token[k - 1] == "年"), \
                    (docx.name, token, f"{a.text[-8:]}／{b.text[:8]}")
                narrow += 1
        # every one printed, each on one line but for those
        assert count([ln.text for ln in lines], token) + narrow == want, (docx.name, token, want, narrow)


def kinds(out: Path) -> dict[str, list[Path]]:
    return {
        "交办单": sorted((out / "slips" / "交办单").glob("*.docx")),
        "催办单": sorted((out / "slips" / "催办单").glob("*.docx")),
        "延期申请表": sorted((out / "forms").glob("延期申请表*.docx")),
        "督导通报": sorted((out / "bulletins").glob("*.docx")),
        "样例公文": sorted((out / "sample").glob("*.docx")),
    }


def test_every_kind_is_made_with_the_dense_text(office):
    found = kinds(office)
    assert [len(found[k]) for k in ("交办单", "催办单", "延期申请表", "督导通报", "样例公文")] == [3, 3, 1, 1, 1]
    for docs in found.values():
        for docx in docs:
            assert any(DENSE in p for p in docx_paragraphs(docx)), docx.name


@pytest.mark.parametrize("kind", ["交办单", "催办单", "延期申请表", "督导通报", "样例公文"])
def test_numbers_dates_and_document_numbers_are_printed_whole(office, kind):
    for docx in kinds(office)[kind]:
        assert_whole(docx)


def test_the_tokens_of_a_text():
    from docgen.documents.nobreak import spans

    def found(text):
        return [text[a:b] for a, b in spans(text)]

    # worked out by hand: a 文号 with its 机关代字 (not the verb before it), dates whole, a number with its unit
    assert found("根据泰高管发〔2021〕11号第10条第（1）项，截至2026年11月10日，逾期43天，第2期98.5分") == [
        "泰高管发〔2021〕11号", "第10条", "第（1）项", "2026年11月10日", "43天", "第2期", "98.5分"]
    assert found("你单位按督交〔2026〕3号办理，11月10日前报送，电话0538-8526001") == [
        "督交〔2026〕3号", "11月10日", "0538-8526001"]
    # the bulletin's citation of a slip: the 代字 is 督交, not the end of 交办单
    assert found("（交办单督交〔2026〕1号）") == ["督交〔2026〕1号"]
    assert found("按期办结率50.0%；2026年度") == ["50.0%", "2026年度"]
    assert found("统计截至202") == ["202"]  # a bare number is one token too
    assert found("无数字的文字") == []


def test_a_run_of_dates_breaks_after_its_punctuation_not_before_it(tmp_path):
    """Dates joined by 、 are each kept whole, yet a line may end after a 、: Writer asks ICU about a line end
    inside a token's (Western) run, and ICU kept 7月17日、8月21日、9月15日 together as one stretch, so the line before
    it ended early and was spaced out (“新 建 设 集 团 。 项 目 调 度 会 召 开 3次”). By hand, at 三号 on a 28-character line:
    新建设集团。项目调度会召开 (13) + 3次 (1.5) + （7月17日、 (5.5) + 8月21日、 (4.5) = 24 ≤ 28, and 9月15日）； (5.5)
    no longer fits, so the second line ends after “8月21日、”."""
    from docgen.documents.gbt9704 import OfficialDocument
    from docgen.documents.pdf import convert

    d = OfficialDocument()
    d.body("（一）中天门大街改造工程：包保领导陈立新，牵头单位高新建设集团。项目调度会召开3次（7月17日、8月21日、9月15日）；"
           "项目点评会召开1次（9月18日）。")
    path = tmp_path / "d.docx"
    path.write_bytes(d.to_bytes())
    assert convert([path])[0].pdf is not None
    with open_pdf(path.with_suffix(".pdf")) as pdf:
        lines = [ln.replace(" ", "") for ln in (pdf.pages[0].extract_text() or "").split("\n")]
    assert lines[:3] == ["（一）中天门大街改造工程：包保领导陈立新，牵头单位高", "新建设集团。项目调度会召开3次（7月17日、8月21日、",
                         "9月15日）；项目点评会召开1次（9月18日）。"]
