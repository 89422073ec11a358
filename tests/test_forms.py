"""What a 文秘 reviewer checks on the pages, and what a clerk finds opening the .docx in Word or WPS (issue 10)."""
import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from docx.oxml.ns import qn

from conftest import write_registers, docgen
from pdfcheck import BOTTOM_EDGE, LEFT, RIGHT_EDGE, mm, open_pdf, page_number_line, rules, text_lines

from docgen.documents.forms import FORMS, template_bytes
from docgen.documents.gbt9704 import STYLES
from docgen.record.ledger import read

REPO = Path(__file__).resolve().parents[1]
BLUE, RED = (0.0, 0.439, 0.753), (1.0, 0.0, 0.0)  # 0070C0 and FF0000


def cli(reg, out, *args):
    return docgen(["-r", reg, "-o", out, *args])


@pytest.fixture(scope="module")
def printed(example_registers_module, tmp_path_factory):
    """Every kind of paper the demo prints: slips and batches, a bulletin, the sample, both blank forms."""
    out = tmp_path_factory.mktemp("printed")
    reg = example_registers_module
    for args in (("assign", "--on", "2026-10-12"), ("assign", "--on", "2026-11-16"), ("rectify", "--on", "2026-11-16"),
                 ("urge", "--on", "2026-11-20"), ("bulletin", "--period", "2026-10", "--on", "2026-11-20"),
                 ("sample", "--on", "2026-11-20"), ("form", "延期申请", "2026-GW05-3", "--on", "2026-11-20"),
                 ("form", "办结反馈", "2026-GW05-3", "--on", "2026-11-20")):
        p = cli(reg, out, *args)
        assert p.returncode == 0, (args, p.stderr)
    return out


def pdfs(root: Path):
    return sorted(p for p in root.rglob("*.pdf") if "batches" not in p.parts)


def colour_of(c):
    col = c.get("non_stroking_color")
    return tuple(round(float(x), 3) for x in col) if col else None


# ---------------------------------------------------------------- measured on the PDFs

def test_no_title_line_is_a_single_character(printed):
    seen = 0
    for f in pdfs(printed):
        with open_pdf(f) as pdf:
            for p in pdf.pages:
                for ln in text_lines(p):
                    if ln.size >= 20:  # 二号 titles and the masthead
                        seen += 1
                        assert len(ln.text) >= 2, (f.name, ln.text)
    assert seen >= 10


def test_no_rule_id_or_register_id_is_printed(printed):
    rule_id = re.compile(r"\b(meeting|instruction|doc|explicit)\.?[a-z]*\b")
    register_id = re.compile(r"2026-(GW|DC|PS|ZT|ZR)\d")  # the example registers' item ids
    for f in pdfs(printed):
        with open_pdf(f) as pdf:
            text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert not rule_id.search(text), (f.name, rule_id.search(text).group(0))
        assert not register_id.search(text.replace(" ", "")), f.name


def test_the_bulletin_attachment_table_is_at_least_wuhao_and_keeps_numbers_whole(printed):
    bulletin = next((printed / "bulletins").glob("*.pdf"))
    with open_pdf(bulletin) as pdf:
        page = next(p for p in pdf.pages if any(ln.text == "附件" for ln in text_lines(p)))
        lines = text_lines(page)
        table_chars = [c for c in page.chars if c["text"].strip() and mm(c["top"]) > lines[2].bottom]
        assert table_chars and min(c["size"] for c in table_chars) >= 10.5
        joined = "\n".join(ln.text for ln in lines)
    # each slip number and each date is whole on its line: 督交〔2026〕1号 and 督交〔2026〕2号 are cited (the two
    # items of October that were assigned by a numbered slip), dates like 10月8日 are never split
    assert "督交〔2026〕1号" in joined and "督交〔2026〕2号" in joined
    head = next(ln for ln in lines if ln.text.startswith("序号"))
    assert head.text == "序号来源事项牵头单位时限状态交办单号"  # printed 序号, never the register's ids
    for ln in lines:
        assert not re.search(r"\d月$", ln.text) and not re.search(r"督交〔\d*$", ln.text), ln.text


def test_banji_on_an_even_page_at_the_foot_of_the_type_area(printed):
    for f in [next((printed / "bulletins").glob("*.pdf")), printed / "sample" / "样例公文.pdf"]:
        with open_pdf(f) as pdf:
            last = pdf.pages[-1]
            assert len(pdf.pages) % 2 == 0, f.name
            if pdf.pages[-2].chars:  # no blank page before it: numbered (GB/T 9704 7.5)
                pn = page_number_line(last)
                assert pn and pn.text == f"—{len(pdf.pages)}—", f.name
            else:
                assert page_number_line(last) is None
            assert any(ln.text.startswith("抄送：") for ln in text_lines(last))
            full = [r for r in rules(last) if abs(r["x0"] - LEFT) < 1 and abs(r["x1"] - RIGHT_EDGE) < 1]
            assert abs(full[-1]["bottom"] - BOTTOM_EDGE) <= 0.5


def test_bulletin_has_a_signature_and_the_print_run(printed):
    bulletin = next((printed / "bulletins").glob("*.pdf"))
    with open_pdf(bulletin) as pdf:
        text = "".join((p.extract_text() or "").replace(" ", "") for p in pdf.pages)
    assert "泰安高新区管委会督导工作专班\n2026年11月20日" in text  # 落款 after the body
    assert "（共印40份）" in text  # settings.yaml print.copies
    assert "附件：2026年10月督导事项清单" in text and "附件\n2026年10月督导事项清单\n序号" in text  # 附件, not 附件1


def test_one_page_forms_carry_no_page_number(printed):
    forms = [f for f in pdfs(printed) if "slips" in f.parts or "forms" in f.parts]
    assert len(forms) >= 15
    for f in forms:
        with open_pdf(f) as pdf:
            assert len(pdf.pages) == 1, f.name
            assert page_number_line(pdf.pages[0]) is None, f.name
            assert not any(re.fullmatch(r"—\d+—", ln.text) for ln in text_lines(pdf.pages[0])), f.name


def _urge_titles(printed):
    out = {}
    for f in sorted((printed / "slips" / "催办单").glob("*.pdf")):
        with open_pdf(f) as pdf:
            p = pdf.pages[0]
            title = [c for c in p.chars if c["size"] >= 20]
            level = "红" if "红色预警" in p.extract_text().replace(" ", "") else "蓝"
            last = max((c["bottom"] for c in title), default=0)  # the title's last line (the issuer's name first)
            under = [r for r in p.rects + p.lines if mm(r["top"]) > mm(last) and
                     mm(r["top"]) - mm(last) < 5 and mm(r["x1"] - r["x0"]) > 150]
            out[f.name] = (level, {colour_of(c) for c in title}, under)
    return out


def test_red_and_blue_urge_slips_carry_their_colour(printed):
    titles = _urge_titles(printed)
    assert {lv for lv, _, _ in titles.values()} == {"红", "蓝"}
    for name, (level, colours, under) in titles.items():
        assert colours == {RED if level == "红" else BLUE}, (name, colours)
        assert under, name  # a rule of the same colour under the title
        stroke = under[0].get("stroking_color") or under[0].get("non_stroking_color")
        assert tuple(round(float(x), 3) for x in stroke) == (RED if level == "红" else BLUE)


def test_colour_can_be_turned_off_for_coloured_paper(example_registers, tmp_path, quick_pdf):
    s = example_registers / "settings.yaml"
    s.write_text(s.read_text(encoding="utf-8").replace("colour: true", "colour: false"), encoding="utf-8")
    out = tmp_path / "o"
    for args in (("assign", "--on", "2026-11-16"), ("urge", "--on", "2026-11-20")):
        assert cli(example_registers, out, *args).returncode == 0
    for name, (level, colours, under) in _urge_titles(out).items():
        assert colours <= {(0.0,), (0.0, 0.0, 0.0), None} and not under, name


def test_receipt_and_cut_line(printed):
    for f in sorted((printed / "slips" / "交办单").glob("*.pdf"))[:2]:
        with open_pdf(f) as pdf:
            text = pdf.pages[0].extract_text().replace(" ", "")
        for label in ("沿此线剪下", "回执", "签收单位（盖章）", "签收人", "单位负责人", "签收时间", "联系电话", "办理情况"):
            assert label in text, (f.name, label)


def test_urge_slip_counts_its_urges_and_reports_to_the_leader(printed):
    doc = docx.Document(str(printed / "slips" / "催办单" / "督催〔2026〕2号.docx"))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    # the fixture urges once, on 11/20: every 催办单 is its item's first; 抄报 names the lead unit's 分管领导
    # (units.yaml leader), as settings.yaml print.cc_leader asks
    assert "第1次催办" in cells
    lead = cells[cells.index("牵头单位") + 1]
    leaders = {u["name"]: u["leader"] for u in yaml.safe_load((REPO / "registers" / "units.yaml").read_text())["units"]}
    assert cells[cells.index("抄报") + 1] == f"{leaders[lead]}同志（{lead}分管领导）"
    assert cells[cells.index("联系人") + 1] == "张明　电话：0538-8526001"


def test_second_urge_is_counted(tmp_path, quick_pdf):
    from examples import items_yaml

    reg = write_registers(tmp_path / "r", {"m.yaml": items_yaml(1)})
    out = tmp_path / "out"
    cli(reg, out, "assign", "--on", "2026-11-03")
    # 主任办公会 on 11/2: due 11/12 (10 days); overdue on 11/13 → urged; three working days later → urged again
    for day in ("2026-11-13", "2026-11-18"):
        assert cli(reg, out, "urge", "--on", day).returncode == 0
    times = []
    for n in (1, 2):
        cells = [c.text for t in docx.Document(str(out / "slips" / "催办单" / f"督催〔2026〕{n}号.docx")).tables
                 for r in t.rows for c in r.cells]
        times.append(cells[cells.index("催办次数") + 1])
    assert times == ["第1次催办", "第2次催办"]


def test_blank_forms_for_units(printed):
    ext = printed / "forms" / "延期申请表-督交〔2026〕1号.pdf"
    fb = printed / "forms" / "办结反馈单-督交〔2026〕1号.pdf"
    with open_pdf(ext) as pdf:
        t = pdf.pages[0].extract_text().replace(" ", "")
    for label in ("督办事项延期申请表", "交办单：督交〔2026〕1号", "原办结时限", "申请延至", "延期理由", "预计完成时间",
                  "审核意见", "（盖章）"):
        assert label in t, label
    with open_pdf(fb) as pdf:
        t = pdf.pages[0].extract_text().replace(" ", "")
    for label in ("督办事项办结反馈单", "办理情况", "佐证材料", "单位负责人", "签字", "单位盖章"):
        assert label in t, label


def test_blank_forms_take_no_number(example_registers, tmp_path, quick_pdf):
    out = tmp_path / "o"
    assert cli(example_registers, out, "assign", "--on", "2026-10-12").returncode == 0
    before = (example_registers / "ledger.jsonl").read_bytes()
    p = cli(example_registers, out, "form", "办结反馈", "2026-GW05-3", "--no-pdf")
    assert p.returncode == 0, p.stderr
    assert (example_registers / "ledger.jsonl").read_bytes() == before
    p = cli(example_registers, out, "form", "办结反馈", "NOPE")
    assert p.returncode == 2 and "没有事项「NOPE」" in p.stderr


def test_sealed_signature(example_registers, tmp_path):
    """GB/T 9704 7.3.5.1: with a seal the date sits four characters in from the right, the organ centred over it."""
    s = example_registers / "settings.yaml"
    s.write_text(s.read_text(encoding="utf-8").replace("sealed: false", "sealed: true"), encoding="utf-8")
    out = tmp_path / "o"
    assert cli(example_registers, out, "sample", "--on", "2026-11-20").returncode == 0
    with open_pdf(out / "sample" / "样例公文.pdf") as pdf:
        lines = [ln for p in pdf.pages for ln in text_lines(p)]
    i = next(i for i, ln in enumerate(lines) if ln.text == "泰安高新技术产业开发区管理委员会")
    organ, date = lines[i], lines[i + 1]
    char = 15.75 / (72 / 25.4)
    assert date.text == "2026年11月20日" and abs((RIGHT_EDGE - date.x1) - 4 * char) < 1.0
    centre = (date.x0 + date.x1) / 2
    if RIGHT_EDGE - centre >= (organ.x1 - organ.x0) / 2:
        assert abs((organ.x0 + organ.x1) / 2 - centre) < 1.0
    else:  # the 16-character organ centred over the 7-character date would run past the type area: flush with it
        assert abs(organ.x1 - RIGHT_EDGE) < 1.0


# ---------------------------------------------------------------- the .docx a clerk opens

def _paragraph_styles(path: Path):
    """The style name of every paragraph in the body, the tables, headers and footers of a .docx."""
    d = docx.Document(str(path))
    names = {s.style_id: s.name for s in d.styles}
    parts = [d.element.body] + [p.element for p in d.part.package.parts
                                if p.partname.startswith("/word/footer") or p.partname.startswith("/word/header")]
    for part in parts:
        for p in part.iter(qn("w:p")):
            st = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            yield names.get(st.get(qn("w:val")) if st is not None else None, "Normal")


def test_every_paragraph_has_a_named_style(printed):
    files = [f for f in printed.rglob("*.docx")]
    assert len(files) >= 20
    for f in files:
        used = set(_paragraph_styles(f))
        assert used <= set(STYLES), (f.name, used - set(STYLES))


def test_heading_styles_have_outline_levels_and_no_theme_colour(printed):
    d = docx.Document(str(printed / "sample" / "样例公文.docx"))
    for level, (builtin, own) in enumerate(
            [("Heading 1", "一级标题"), ("Heading 2", "二级标题"), ("Heading 3", "三级标题"), ("Heading 4", "四级标题")]):
        for name in (builtin, own):
            el = d.styles[name].element
            assert el.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}").get(qn("w:val")) == str(level), name
            color = el.find(f"{qn('w:rPr')}/{qn('w:color')}")
            assert color is not None and color.get(qn("w:val")) == "000000" and color.get(qn("w:themeColor")) is None
            assert d.styles[name].font.size.pt == 16.0
    faces = {n: d.styles[n].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}").get(qn("w:eastAsia"))
             for n in ("Heading 1", "Heading 2", "Heading 3", "一级标题", "二级标题")}
    assert faces == {"Heading 1": "黑体", "Heading 2": "楷体_GB2312", "Heading 3": "仿宋_GB2312", "一级标题": "黑体",
                     "二级标题": "楷体_GB2312"}
    used = list(_paragraph_styles(printed / "sample" / "样例公文.docx"))
    assert {"一级标题", "二级标题", "三级标题", "四级标题", "公文标题", "正文", "署名", "成文日期"} <= set(used)


def test_core_and_app_properties(printed):
    f = printed / "slips" / "交办单" / "督交〔2026〕1号.docx"
    cp = docx.Document(str(f)).core_properties
    assert cp.title == "督办事项交办单" and cp.author == "泰安高新区管委会督导工作专班"
    assert cp.created.replace(tzinfo=None) == dt.datetime(2026, 10, 12) and cp.language == "zh-CN" and cp.subject == "督交〔2026〕1号"
    with zipfile.ZipFile(f) as z:
        names = z.namelist()
        app = z.read("docProps/app.xml").decode()
        everything = "".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith(".xml"))
    assert "<Application>docgen</Application>" in app
    assert "python-docx" not in everything and "Macintosh" not in everything and "ja-JP" not in everything
    assert not any("thumbnail" in n for n in names)


# ---------------------------------------------------------------- templates an office edits

def test_committed_templates_are_what_the_layout_module_draws():
    from docgen.documents.forms import readme

    for name in FORMS:
        assert (REPO / "templates" / f"{name}.docx").read_bytes() == template_bytes(name), name
    assert (REPO / "templates" / "README.md").read_text(encoding="utf-8") == readme()


def _edit(path: Path, old: str, new: str) -> None:
    """Change a text in a .docx the way Word would keep it: in its run."""
    d = docx.Document(str(path))
    hit = 0
    for t in d.tables:
        for row in t.rows:
            for cell in row.cells:
                for p in cell.paragraphs:
                    for r in p.runs:
                        if old in r.text:
                            r.text = r.text.replace(old, new)
                            hit += 1
    for p in d.paragraphs:
        for r in p.runs:
            if old in r.text:
                r.text = r.text.replace(old, new)
                hit += 1
    assert hit
    d.save(str(path))


def test_an_edited_template_changes_the_printed_slip(example_registers, tmp_path):
    p = docgen(["templates", "init", "-r", str(example_registers)])
    assert p.returncode == 0 and "已复制" in p.stdout
    own = example_registers / "templates" / "交办单.docx"
    _edit(own, "交办事项", "督办内容")
    _edit(own, "办理要求", "工作要求")
    out = tmp_path / "o"
    p = cli(example_registers, out, "assign", "--on", "2026-10-12")
    assert p.returncode == 0, p.stderr
    with open_pdf(out / "slips" / "交办单" / "督交〔2026〕1号.pdf") as pdf:
        text = pdf.pages[0].extract_text().replace(" ", "")
    assert "督办内容" in text and "工作要求" in text and "交办事项" not in text
    # init again keeps the office's copy
    p = docgen(["templates", "init", "-r", str(example_registers)])
    assert "交办单.docx：已存在，未覆盖（办公室已修改）" in p.stdout


@pytest.mark.parametrize("damage,expect", [
    (("{{ lead }}", "{{ lead_unit }}"), "不认识的占位符 {{ lead_unit }}"),
    (("{{ number }}", "编号"), "缺少必需的占位符 {{ number }}（单据编号）"),
    (("{{ text }}", "{{ text "), "占位符语法错误"),
    (None, "无法打开"),
])
def test_a_broken_template_is_refused_before_numbering(example_registers, tmp_path, damage, expect, quick_pdf):
    own = example_registers / "templates" / "交办单.docx"
    own.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "templates" / "交办单.docx", own)
    if damage:
        _edit(own, *damage)
    else:
        own.write_bytes(b"not a docx")
    out = tmp_path / "o"
    p = cli(example_registers, out, "assign", "--on", "2026-10-12")
    assert p.returncode == 2 and expect in p.stderr and str(own) in p.stderr, p.stderr
    assert "Traceback" not in p.stderr
    assert not (example_registers / "ledger.jsonl").exists() or not read(example_registers).slips
    assert not (out / "slips").exists() or not list((out / "slips").rglob("*.docx"))
    p = docgen(["templates", "check", "-r", str(example_registers)])
    assert p.returncode == 2 and expect in p.stderr
    p = docgen(["check", "-r", str(example_registers)])
    assert p.returncode == 2 and expect in p.stderr


def test_shipped_templates_pass_the_check(example_registers):
    p = docgen(["templates", "check", "-r", str(example_registers)])
    assert p.returncode == 0 and "模板检查通过" in p.stdout, p.stderr


def test_bulletin_sentences_come_from_the_office_text_template(example_registers, tmp_path, quick_pdf):
    own = example_registers / "templates" / "通报" / "下步工作要求.j2"
    own.parent.mkdir(parents=True)
    text = (REPO / "templates" / "通报" / "下步工作要求.j2").read_text(encoding="utf-8")
    own.write_text(text.replace("严格落实限时办结", "坚持挂图作战"), encoding="utf-8")
    out = tmp_path / "o"
    assert cli(example_registers, out, "bulletin", "--period", "2026-10", "--on", "2026-11-20").returncode == 0
    d = docx.Document(str(next((out / "bulletins").glob("*.docx"))))
    heads = [p for p in d.paragraphs if p.text.startswith("（二）")]
    assert heads[-1].text.startswith("（二）坚持挂图作战。") and heads[-1].style.name == "二级标题"
    # an unknown name in the text template stops the next bulletin before it is numbered
    own.write_text(text + "\n{{ mystery }}\n", encoding="utf-8")
    p = cli(example_registers, out, "bulletin", "--period", "2026-11", "--on", "2026-12-20")
    assert p.returncode == 2 and "mystery" in p.stderr and str(own) in p.stderr
    assert len([s for s in read(example_registers).slips.values() if s.kind == "bulletin"]) == 1


def test_banji_stays_at_the_foot_after_a_clerk_edits_the_docx(printed, tmp_path):
    """The .docx as a clerk would edit it (paragraphs added to the body, a row added to a table), opened again by
    LibreOffice: the 版记 is still at the foot of an even last page (docs/layout.md)."""
    from docgen.documents.pdf import convert

    src = printed / "sample" / "样例公文.docx"
    for extra in (1, 4, 9):  # lines that push the body onto the next page, or not
        d = docx.Document(str(src))
        anchor = next(p for p in d.paragraphs if p.text.startswith("（联系人"))
        for i in range(extra):
            new = d.add_paragraph(f"补充说明第{i + 1}段：请各单位高度重视，认真抓好落实。", style="正文")
            anchor._p.addnext(new._p)
        row = d.tables[0].add_row()
        row.cells[0].text = "新增事项类别"
        f = tmp_path / f"edited{extra}.docx"
        d.save(str(f))
        (r,) = convert([f])
        with open_pdf(r.pdf) as pdf:
            assert len(pdf.pages) % 2 == 0, extra
            last = pdf.pages[-1]
            assert any(ln.text.startswith("抄送：") for ln in text_lines(last))
            full = [x for x in rules(last) if abs(x["x0"] - LEFT) < 1 and abs(x["x1"] - RIGHT_EDGE) < 1]
            assert abs(full[-1]["bottom"] - BOTTOM_EDGE) <= 0.5, extra
            assert not any("抄送：党工委" in (p.extract_text() or "").replace(" ", "") for p in pdf.pages[:-1])
