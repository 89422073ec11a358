"""Office templates cannot run code (issue 15): every template is rendered in a sandbox, and `templates check`
(run before every issuing command) renders each .docx and .j2 with sample contexts and refuses what reaches
Python's internals, and what fails when filled."""
import hashlib
import json
from pathlib import Path

import docx
import pytest

from docgen.documents import template_files as TF
from docgen.documents import templates as T
from docgen.documents.bulletin import text_context
from docgen.documents.forms import FORMS, fill

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    """A user cache of its own: templates found sound elsewhere are not taken as sound here."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    T._SOUND.clear()
    return tmp_path / "cache"


def payloads(marker: Path, name: str) -> list[str]:
    """Ways out of a Jinja2 template; `name` is a placeholder the template may use (a str in the context)."""
    touch = f"touch {marker}"
    return [
        "{{ cycler.__init__.__globals__.os.popen('%s').read() }}" % touch,
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ self._TemplateReference__context }}",
        "{{ lipsum.__globals__ }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
        "{{ '{0.__class__}'.format(%s) }}" % name,
        "{{ %s|attr('__class__') }}" % name,
        # a real way to a shell that names nothing but a placeholder docgen fills
        "{%% for c in %s.__class__.__mro__[1].__subclasses__() %%}{%% if c.__name__ == '_wrap_close' %%}"
        "{{ c.__init__.__globals__['popen']('%s').read() }}{%% endif %%}{%% endfor %%}" % (name, touch),
    ]


PAYLOAD_IDS = ["cycler", "subclasses", "template-reference", "lipsum", "for-subclasses", "format", "attr-filter",
               "wrap-close"]


def office_docx(registers: Path, form: str, payload: str) -> Path:
    """The shipped template of a form copied into the office's folder with the payload typed after the 牵头单位."""
    own = registers / "templates" / f"{form}.docx"
    own.parent.mkdir(parents=True, exist_ok=True)
    d = docx.Document(str(REPO / "templates" / f"{form}.docx"))
    runs = [r for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs
            if r.text == "{{ lead }}"]
    assert runs
    runs[0].text = "{{ lead }}" + payload
    d.save(str(own))
    return own


def office_text(registers: Path, name: str, extra: str) -> Path:
    own = registers / "templates" / "通报" / f"{name}.j2"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text((REPO / "templates" / "通报" / f"{name}.j2").read_text(encoding="utf-8") + extra + "\n",
                   encoding="utf-8")
    return own


def files(root: Path) -> dict:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


# ---------------------------------------------------------------- a payload in a .docx

@pytest.mark.parametrize("i", range(len(PAYLOAD_IDS)), ids=PAYLOAD_IDS)
def test_a_docx_payload_is_refused_and_leaves_no_trace(i, example_registers, tmp_path, run):
    marker = tmp_path / "pwned"
    own = office_docx(example_registers, "交办单", payloads(marker, "text")[i])
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "templates", "check")
    assert rc == 2 and str(own) in err and "不允许" in err, err
    assert not marker.exists()
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "assign", "--on", "2026-10-12", "--no-pdf")
    assert rc == 2 and str(own) in err and "未出具任何单据" in err, err
    assert "Traceback" not in err
    assert not marker.exists()
    assert not (example_registers / "ledger.jsonl").exists()
    assert files(out) == {}


def test_the_payload_is_named_in_the_message(example_registers, tmp_path, run):
    own = office_docx(example_registers, "交办单", "{{ text.__class__.__mro__ }}")
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2
    assert f"模板 {own}：正文“{{{{ text.__class__.__mro__ }}}}”使用了不允许的属性「__class__」" in err, err


def test_a_payload_in_a_branch_the_sample_does_not_take_is_refused(example_registers, tmp_path, run):
    """Found without rendering: no sample context takes this branch, so filling alone would not reach it."""
    marker = tmp_path / "pwned"
    own = office_docx(example_registers, "交办单",
                      "{% if text == 'never' %}{{ text.__class__.__base__.__subclasses__() }}{% endif %}")
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and str(own) in err and "「__subclasses__」" in err, err
    assert not marker.exists()


def test_a_payload_in_the_document_properties_is_refused(example_registers, run):
    own = example_registers / "templates" / "回执.docx"
    own.parent.mkdir(parents=True)
    d = docx.Document(str(REPO / "templates" / "回执.docx"))
    d.core_properties.title = "{{ number.__class__ }}"
    d.save(str(own))
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and str(own) in err and "文档属性“{{ number.__class__ }}”使用了不允许的属性「__class__」" in err, err


def test_filling_a_docx_runs_no_code_even_without_the_check(tmp_path):
    """The sandbox is in the renderer itself, not only in the check: fill() of a payload template raises."""
    from jinja2.exceptions import SecurityError

    marker = tmp_path / "pwned"
    own = office_docx(tmp_path / "reg", "交办单", payloads(marker, "text")[-1])
    with pytest.raises(SecurityError):
        fill(own.read_bytes(), {k: "x" for k in FORMS["交办单"].fields})
    assert not marker.exists()


def test_an_attribute_a_placeholder_does_not_have_is_refused(example_registers, run):
    """Filled with an empty string before; a misspelt attribute is reported now."""
    own = office_docx(example_registers, "交办单", "{{ lead.nosuch }}")
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and str(own) in err and "用到了不存在的属性「nosuch」" in err, err


def test_a_template_found_sound_by_the_old_checker_is_checked_again(example_registers, cache, run):
    """The cache of sound templates is keyed by the checker too: the marker today's main wrote for a payload
    template (key: sha256 of the file and the form's declaration) does not let it through."""
    own = office_docx(example_registers, "交办单", "{{ text.__class__.__mro__ }}")
    form = FORMS["交办单"]
    decl = repr((form.name, sorted(form.fields), form.required, sorted(form.loops.items())))
    old_key = hashlib.sha256(own.read_bytes() + decl.encode("utf-8")).hexdigest()[:32]
    (cache / "docgen" / "templates").mkdir(parents=True)
    (cache / "docgen" / "templates" / f"{old_key}.ok").touch()
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and str(own) in err, err


# ---------------------------------------------------------------- a payload in a bulletin sentence template

@pytest.mark.parametrize("i", range(len(PAYLOAD_IDS)), ids=PAYLOAD_IDS)
def test_a_text_payload_is_refused_and_leaves_no_trace(i, example_registers, tmp_path, run, quick_pdf):
    marker = tmp_path / "pwned"
    out = tmp_path / "out"
    # a ledger with 交办单 in it already (issued for real): the refused bulletin leaves it byte for byte
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "assign", "--on", "2026-10-12")
    assert rc == 0, err
    ledger = (example_registers / "ledger.jsonl").read_bytes()
    before = files(out)
    own = office_text(example_registers, "存在的问题", payloads(marker, "as_of")[i])
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and str(own) in err and "不允许" in err, err
    assert not marker.exists()
    for draft in ([], ["--no-pdf"]):  # neither the real bulletin nor its draft
        rc, _, err = run("-r", str(example_registers), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on",
                         "2026-10-12", *draft)
        assert rc == 2 and str(own) in err, err
    assert "Traceback" not in err
    assert not marker.exists()
    assert (example_registers / "ledger.jsonl").read_bytes() == ledger
    assert files(out) == before


def test_drawing_the_bulletin_runs_no_code_even_without_the_check(tmp_path):
    """The sentence templates are rendered in the sandbox itself: a payload stops the bulletin with a Chinese
    message naming the file, and runs nothing."""
    from types import SimpleNamespace

    from docgen.core.diagnostics import DocgenError
    from docgen.documents.bulletin import sentences
    from docgen.documents.gbt9704 import OfficialDocument

    marker = tmp_path / "pwned"
    own = office_text(tmp_path / "reg", "总体情况", payloads(marker, "as_of")[-1])
    ctx = {"as_of": "2026年9月30日", "total": {"due": 0}, "new": {"total": 0, "kinds": []}, "meetings": [],
           "by_source": [], "overdue": [], "late_done": [], "explain_days": 5, "office": "督导专班",
           "title": "督导通报", "term": "督导"}
    with pytest.raises(DocgenError) as e:
        sentences(OfficialDocument(), SimpleNamespace(root=tmp_path / "reg"), "总体情况", ctx)
    assert str(own) in str(e.value) and "「__class__」" in str(e.value)
    assert not marker.exists()


def test_a_text_payload_is_named_with_its_line(example_registers, run):
    own = office_text(example_registers, "总体情况", "{{ as_of.__class__ }}")
    lines = own.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "{{ as_of.__class__ }}"
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2
    assert f"模板 {own}：第{len(lines)}行“{{{{ as_of.__class__ }}}}”使用了不允许的属性「__class__」" in err, err


@pytest.mark.parametrize("expr,expect", [
    ("{{ total.nosuch.x }}", "用到了不存在的属性「nosuch」"),
    ("{{ 1/0 }}", "ZeroDivisionError"),
    ("{{ total.due + '项' }}", "TypeError"),
    ("{{ overdue | first | attr('lead') }}", "不允许的过滤器「attr」"),
    # only in the branch where nothing fell due: the check renders that case too
    ("{% if total.due == 0 %}{{ overdue[0].lead }}{% endif %}", "用到了不存在"),
    # a template must not fill the printing machine's memory either: each of these would make 10^5+ characters
    ("{{ office * 10**9 }}", "超过100000个字符"),
    ("{{ [total] * 200000 }}", "超过100000个字符"),
    ("{{ '%999999999s' % office }}", "超过100000个字符"),
    ("{{ '%0999999d' | format(total.due) }}", "超过100000个字符"),
    ("{{ office | center(10**8) }}", "超过100000个字符"),
    ("{{ office | indent(100000) }}", "超过100000个字符"),
    ("{{ 7 ** 1000000 }}", "超过100000个字符"),
])
def test_a_text_template_that_fails_when_filled_is_refused(expr, expect, example_registers, run):
    own = office_text(example_registers, "下步工作要求", expr)
    n = len(own.read_text(encoding="utf-8").splitlines())
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：第{n}行" in err and expect in err, err


# ---------------------------------------------------------------- the sample context is the real one's shape

def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    return "number" if isinstance(v, (int, float)) and not isinstance(v, bool) else "text"


def test_the_sample_sentence_context_has_the_real_ones_shape(example_registers, tmp_path, run, quick_pdf):
    """The context a real bulletin's sentences are filled with (from the view its ledger records) has the names
    TEXT_NAMES documents, and the full sample has the same shape, list entries included."""
    from docgen.documents.bulletin import sample_contexts
    from docgen.registers.load import read_registers

    out = tmp_path / "out"
    for args in (("assign", "--on", "2026-10-12"), ("bulletin", "--period", "2026-10", "--on", "2026-11-20")):
        rc, _, err = run("-r", str(example_registers), "-o", str(out), *args)
        assert rc == 0, err
    views = [r["view"] for r in map(json.loads, (example_registers / "ledger.jsonl").read_text().splitlines())
             if "view" in r]
    assert len(views) == 1
    reg, _ = read_registers(example_registers)
    real = text_context(reg, views[0])
    full, empty = sample_contexts()
    assert set(real) == set(full) == set(empty) == set(T.TEXT_NAMES)
    real_shape, full_shape = shape(real), shape(full)
    for k in real:  # a list the demo leaves empty is compared by the sample alone
        if real_shape[k] == []:
            continue
        assert real_shape[k] == full_shape[k], k
    assert all(full_shape[k] != [] for k in full)  # every list in the full sample has an entry
    assert all(v == [] for k, v in empty.items() if isinstance(v, list))


# ---------------------------------------------------------------- the shipped templates

def test_the_shipped_templates_pass_the_sandboxed_check(example_registers, run):
    rc, out, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 0 and "模板检查通过" in out, err
    assert T.check(example_registers) == []


def test_the_sandbox_has_no_default_globals_and_only_the_documented_filters():
    from docgen.documents.sandbox import FILTERS, environment

    env = environment(autoescape=False)
    assert env.globals == {}
    assert sorted(env.filters) == sorted(FILTERS)
    assert "safe" not in env.filters and "attr" not in env.filters
    readme = (REPO / "templates" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{f}`" in readme for f in FILTERS)


def test_ordinary_arithmetic_and_formatting_still_work():
    from docgen.documents.sandbox import environment

    env = environment(autoescape=False, strict=True)
    # worked by hand: 3*4, 2^10, '%5.2f' of pi, 'ab' centred in 6, 'ab' twice
    assert env.from_string("{{ 3 * 4 }} {{ 2 ** 10 }} {{ '%5.2f' % 3.14159 }}|{{ 'ab' | center(6) }}|{{ 'ab' * 2 }}"
                           ).render() == "12 1024  3.14|  ab  |abab"


# ---------------------------------------------------------------- issue 16: holes found after the sandbox

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL_IMAGE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
PIC_NS = ('xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
          'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
          'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"')


def linked_picture(rid: str, n: int) -> str:
    """A run showing a picture that is not in the file: <a:blip r:link> to a relationship."""
    return (f'<w:r><w:drawing><wp:inline {PIC_NS}><wp:extent cx="914400" cy="914400"/><wp:docPr id="{n}" name="p{n}"/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="{n}" name="p{n}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:link="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm><a:prstGeom prst="rect">'
            '<a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>')


def field(code: str) -> str:
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> {code} </w:instrText>'
            '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def patched_docx(out: Path, form: str = "交办单", after_text: str = "", rels: str = "", replace_text: str | None = None,
                 src: Path | None = None) -> Path:
    """A form's shipped .docx with raw XML runs after the `{{ text }}` run (or `{{ text }}` itself replaced by
    replace_text, as XML), and relationships added to the body's."""
    import zipfile

    out.parent.mkdir(parents=True, exist_ok=True)
    zin = zipfile.ZipFile(src or REPO / "templates" / f"{form}.docx")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/document.xml":
                s = data.decode()
                assert "{{ text }}" in s
                if replace_text is not None:
                    s = s.replace("{{ text }}", replace_text)
                else:
                    s = s.replace("{{ text }}", "{{ text }}</w:t></w:r>" + after_text + "<w:r><w:t>", 1)
                data = s.encode()
            elif info.filename == "word/_rels/document.xml.rels" and rels:
                data = data.decode().replace("</Relationships>", rels + "</Relationships>").encode()
            zout.writestr(info, data)
    return out


def external(rid: str, target: str, reltype: str = REL_IMAGE) -> str:
    return f'<Relationship Id="{rid}" Type="{reltype}" Target="{target}" TargetMode="External"/>'


class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        import http.server
        import threading

        seen = self.seen = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
            do_HEAD = do_PROPFIND = do_OPTIONS = do_GET

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("what,after,rels,named", [
    ("http-image", linked_picture("rIdX1", 901), external("rIdX1", "http://127.0.0.1:8765/blip.png"),
     "word/_rels/document.xml.rels：含有外部链接的图片（http://127.0.0.1:8765/blip.png）"),
    ("file-image", linked_picture("rIdX2", 902), external("rIdX2", "file:///tmp/secret.png"),
     "含有外部链接的图片（file:///tmp/secret.png）"),
    ("attached-template", "", external("rIdX3", "http://127.0.0.1:8765/t.dotx", "http://schemas.openxmlformats.org/"
                                       "officeDocument/2006/relationships/attachedTemplate"),
     "含有附加模板（http://127.0.0.1:8765/t.dotx）"),
    ("altchunk", '</w:p><w:altChunk r:id="rIdA1"/><w:p>',
     external("rIdA1", "file:///etc/passwd", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
              "aFChunk"), "含有嵌入文档块（altChunk）"),
    ("includepicture", field('INCLUDEPICTURE "http://127.0.0.1:8765/p" \\d'), "",
     'word/document.xml：含有 INCLUDEPICTURE 域（INCLUDEPICTURE "http://127.0.0.1:8765/p" \\d）'),
    ("includetext", field('INCLUDETEXT "/etc/passwd"'), "", '含有 INCLUDETEXT 域（INCLUDETEXT "/etc/passwd"）'),
    ("link", field('LINK Excel.Sheet.8 "C:\\\\a.xls" "" \\a'), "", "含有 LINK 域"),
    ("file-hyperlink", "", external("rIdH", "file:///etc/passwd", "http://schemas.openxmlformats.org/officeDocument/"
                                    "2006/relationships/hyperlink"), "含有外部链接的超链接（file:///etc/passwd）"),
])
def test_a_docx_linking_outside_itself_is_refused(what, after, rels, named, example_registers, tmp_path, run):
    own = patched_docx(example_registers / "templates" / "交办单.docx", after_text=after, rels=rels)
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "templates", "check")
    assert rc == 2 and f"模板 {own}：" in err and named in err, err
    assert "不能引用网络地址或本机的其他文件" in err
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "assign", "--on", "2026-10-12", "--no-pdf")
    assert rc == 2 and str(own) in err and "未出具任何单据" in err, err
    assert not (example_registers / "ledger.jsonl").exists()
    assert files(out) == {}


def test_a_hyperlink_to_a_web_page_is_allowed(example_registers, run):
    """A text link (to http, https or mailto) is not fetched by anything: a clerk may keep one."""
    patched_docx(example_registers / "templates" / "交办单.docx",
                 rels=external("rIdH", "https://www.gov.cn/", "http://schemas.openxmlformats.org/officeDocument/"
                                                               "2006/relationships/hyperlink"))
    rc, out, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 0 and "模板检查通过" in out, err


def test_register_text_cannot_make_a_field(example_registers):
    """A placeholder an office put into a field code: the text filled in would be the field's instruction. The
    filled document is checked as the template is, and the issuing stops naming the template."""
    from docgen.core.diagnostics import DocgenError

    own = patched_docx(example_registers / "templates" / "交办单.docx",
                       after_text=field("{{ lead }}"))
    data = TF.data(example_registers, "交办单")
    ctx = {k: "x" for k in FORMS["交办单"].fields}
    fill(data, ctx)  # a harmless text there makes no field docgen refuses
    with pytest.raises(DocgenError) as e:
        fill(data, {**ctx, "lead": 'INCLUDETEXT "/etc/passwd"'})
    assert f"模板 {own}：" in str(e.value) and 'INCLUDETEXT 域（INCLUDETEXT "/etc/passwd"）' in str(e.value)


def test_libreoffice_loads_no_linked_picture_while_converting(tmp_path, monkeypatch):
    """The second line: a .docx that links a picture on a local web server (made here directly, not from a
    template, which the check refuses) converts to PDF without one request reaching the server."""
    from docgen.documents import pdf

    if not pdf.find_soffice():
        pytest.fail("LibreOffice (soffice) is needed for this test")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "lo-cache"))
    server = Listener()
    try:
        doc = patched_docx(tmp_path / "d" / "linked.docx", after_text=linked_picture("rIdX1", 901),
                           rels=external("rIdX1", f"{server.url}/blip.png"))
        [result] = pdf.convert([doc], workers=1)
        assert result.pdf is not None, result.error
        assert server.seen == []
    finally:
        server.close()


def test_the_profile_keeps_its_other_settings(tmp_path):
    from docgen.documents import pdf

    user = tmp_path / "user"
    user.mkdir()
    other = '<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>'
    (user / "registrymodifications.xcu").write_text(pdf.XCU % other, encoding="utf-8")
    pdf.block_links(tmp_path)
    pdf.block_links(tmp_path)  # twice: the setting once
    xcu = (user / "registrymodifications.xcu").read_text(encoding="utf-8")
    assert other in xcu and xcu.count("BlockUntrustedRefererLinks") == 1
    assert '<prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop>' in xcu


# ---------------------------------------------------------------- what a template file may be

def shipped_text(name: str) -> str:
    return (REPO / "templates" / "通报" / f"{name}.j2").read_text(encoding="utf-8")


def test_a_symlinked_template_is_refused_not_followed(example_registers, tmp_path, run, quick_pdf):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    own = example_registers / "templates" / "通报" / "总体情况.j2"
    own.parent.mkdir(parents=True)
    own.symlink_to(secret)
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：是符号链接（指向 {secret}）" in err, err
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on",
                     "2026-10-12", "--no-pdf")
    assert rc == 2 and "SECRET-LINE" not in err and str(own) in err, err
    assert files(out) == {}


@pytest.mark.parametrize("kind", ["broken-symlink", "dev-zero", "fifo", "folder"])
def test_a_template_that_is_not_a_regular_file_is_an_error(kind, example_registers, run):
    """Not a silent fallback to the shipped template, and nothing read from a device or a pipe (a read would
    never end)."""
    import os

    own = example_registers / "templates" / "通报" / "存在的问题.j2"
    own.parent.mkdir(parents=True)
    if kind == "broken-symlink":
        own.symlink_to(example_registers / "nosuch.j2")
    elif kind == "dev-zero":
        own.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(own)
    else:
        own.mkdir()
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：" in err, err
    assert ("符号链接" if "symlink" in kind or kind == "dev-zero" else "不是普通文件") in err


def test_a_template_folder_pointing_outside_the_registers_is_refused(example_registers, tmp_path, run):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "回执.docx").write_bytes((REPO / "templates" / "回执.docx").read_bytes())
    (example_registers / "templates").symlink_to(elsewhere)
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {example_registers / 'templates' / '回执.docx'}：实际位置 {elsewhere / '回执.docx'}" \
        f" 不在登记表文件夹" in err, err


@pytest.mark.parametrize("name,size,cap", [("通报/总体情况.j2", 300 * 1024, 256 * 1024),
                                           ("交办单.docx", 6 * 1024 * 1024, 5 * 1024 * 1024)])
def test_a_template_over_the_size_cap_is_refused(name, size, cap, example_registers, run):
    own = example_registers / "templates" / name
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_bytes(b"a" * size)
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：文件有{size}字节，超过模板的上限{cap}字节" in err, err


# ---------------------------------------------------------------- escaping

X4_TEXT = '{% autoescape false %}{{ text }}{% endautoescape %}'


def test_autoescape_false_is_refused_in_a_docx(example_registers, tmp_path, run):
    """Register text must not become XML: a red 36pt paragraph typed into an item's text."""
    own = patched_docx(example_registers / "templates" / "交办单.docx", replace_text=X4_TEXT)
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：正文“{{% autoescape false %}}、{{{{ text }}}}、{{% endautoescape %}}”使用了不允许的" \
        "标签 {% autoescape %}" in err, err
    injected = ('</w:t></w:r></w:p><w:p><w:r><w:rPr><w:color w:val="FF0000"/><w:sz w:val="72"/></w:rPr>'
                '<w:t>此事项已撤销，无需办理</w:t></w:r></w:p><w:p><w:r><w:t>')
    with pytest.raises(Exception) as e:  # and filling it without the check
        fill(own.read_bytes(), {**{k: "x" for k in FORMS["交办单"].fields}, "text": injected})
    assert "autoescape" in str(e.value)


def test_autoescape_false_is_refused_in_a_text_template(example_registers, run):
    own = office_text(example_registers, "总体情况", "{% autoescape false %}{{ office }}{% endautoescape %}")
    n = len(own.read_text(encoding="utf-8").splitlines())
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：第{n}行" in err and "不允许的标签 {% autoescape %}" in err, err


def test_markup_like_register_text_is_written_as_text(example_registers):
    """`R&D‹投入>` in an item's text: escaped, the filled body reads it back as typed."""
    doc = fill(TF.data(example_registers, "交办单"), {**{k: "x" for k in FORMS["交办单"].fields},
                                                    "text": "R&D‹投入></w:t>"})
    texts = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "R&D‹投入></w:t>" in texts


# ---------------------------------------------------------------- bounds

@pytest.mark.parametrize("expr,expect", [
    ('{{ "a".ljust(5*10**7)|length }}', "超过100000个字符"),
    ('{{ "a".zfill(10**6) }}', "超过100000个字符"),
    ('{{ "a".center(10**6) }}', "超过100000个字符"),
    ('{{ "a".ljust(99999*99999) }}', "超过100000个字符"),
    ('{{ "a\tb".expandtabs(10**6) }}', "超过100000个字符"),
    ('{{ ("a"*7000)|replace("a","a"*7000) }}', "超过100000个字符"),
    ('{{ ("a"*7000).replace("a","a"*7000) }}', "超过100000个字符"),
    ('{{ ("a"*7000).join("b"*7000) }}', "超过100000个字符"),
    ('{{ ("x"*99999)|join("y"*99999) }}', "超过100000个字符"),
    ('{{ "{:>999999}".format(office) }}', "超过100000个字符"),
    ('{{ "{:>{}}".format(office, 99999) }}', "超过100000个字符"),
    ('{% set x = "a"*60000 %}{{ x ~ x }}', "超过100000个字符"),
    ('{% set x = "a"*60000 %}{{ x + x }}', "超过100000个字符"),
    ('{{ [1]|batch(10**6, 0)|list }}', "超过100000个字符"),
    ('{% for a in "x"*1000 %}{{ "a"*99999 }}{% endfor %}', "填写后超过1000000个字符"),
    ('{% for a in "x"*99999 %}{% for b in "x"*99999 %}{% for c in "x"*99999 %}{% endfor %}{% endfor %}{% endfor %}',
     "循环次数超过1000000次"),
    ('{% set x %}{{ office }}{% endset %}{{ x }}', "不允许的标签 {% set %}…{% endset %}"),
    ('{% filter upper %}{{ office }}{% endfilter %}', "不允许的标签 {% filter %}"),
    ('{% macro m() %}{{ office }}{% endmacro %}{{ m() }}', "不允许的标签 {% macro %}"),
])
def test_a_text_template_cannot_exhaust_the_machine(expr, expect, example_registers, run):
    import time

    own = office_text(example_registers, "下步工作要求", expr)
    n = len(own.read_text(encoding="utf-8").splitlines())
    start = time.monotonic()
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：" in err and expect in err, err
    assert f"模板 {own}：第{n}行" in err or "填写后" in expect
    assert time.monotonic() - start < 30


def test_a_docx_cannot_exhaust_the_machine(example_registers, run):
    own = patched_docx(example_registers / "templates" / "交办单.docx",
                       replace_text='{{ text }}{% for a in "x"*99999 %}{% for b in "x"*99999 %}{% endfor %}{% endfor %}')
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：" in err and "循环次数超过1000000次" in err, err


def test_ordinary_uses_of_the_bounded_methods_still_work():
    from docgen.documents.sandbox import environment

    env = environment(autoescape=False, strict=True)
    # worked by hand
    src = ("{{ 'ab'.ljust(4) }}|{{ '7'.zfill(3) }}|{{ ['a', 'b']|join('、') }}|{{ '、'.join(['甲', '乙']) }}|"
           "{{ 'a-b'|replace('-', '——') }}|{{ '{:,}'.format(1234567) }}|{{ 'x' ~ 1 }}|{{ 123456 * 2 }}|"
           "{% for c in 'ab' %}{{ loop.index }}{{ c }}{% endfor %}")
    assert env.from_string(src).render() == "ab  |007|a、b|甲、乙|a——b|1,234,567|x1|246912|1a2b"


# ---------------------------------------------------------------- characters XML cannot hold

def test_a_text_template_writing_a_control_character_is_refused(example_registers, tmp_path, run, quick_pdf):
    own = office_text(example_registers, "总体情况", '{{ "\\x01" }}好')
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：填写后的第" in err and "行有控制字符 U+0001" in err, err
    out = tmp_path / "out"
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "assign", "--on", "2026-10-12")
    assert rc == 0, err
    ledger = (example_registers / "ledger.jsonl").read_bytes()
    before = files(out)
    rc, _, err = run("-r", str(example_registers), "-o", str(out), "bulletin", "--period", "2026-Q3", "--on",
                     "2026-10-12", "--no-pdf")
    assert rc == 2 and str(own) in err and "内部错误" not in err and "Traceback" not in err, err
    assert (example_registers / "ledger.jsonl").read_bytes() == ledger
    assert files(out) == before


def test_drawing_a_sentence_with_a_control_character_names_the_template(tmp_path):
    """Without the check: the drawing itself stops with a Chinese message, not lxml's ValueError."""
    from types import SimpleNamespace

    from docgen.core.diagnostics import DocgenError
    from docgen.documents.bulletin import sample_contexts, sentences
    from docgen.documents.gbt9704 import OfficialDocument

    own = office_text(tmp_path / "reg", "总体情况", '{{ "\\x01" }}好')
    with pytest.raises(DocgenError) as e:
        sentences(OfficialDocument(), SimpleNamespace(root=tmp_path / "reg"), "总体情况", sample_contexts()[0])
    assert f"模板 {own}：无法生成《督导通报》的“总体情况”" in str(e.value) and "U+0001" in str(e.value)


def test_a_docx_writing_a_control_character_is_refused(example_registers, run):
    own = patched_docx(example_registers / "templates" / "交办单.docx", replace_text='{{ text }}{{ "\\x01" }}')
    rc, _, err = run("-r", str(example_registers), "templates", "check")
    assert rc == 2 and f"模板 {own}：" in err and "填写后不是有效的 XML" in err, err


def test_a_part_judged_before_is_judged_again_once_its_bytes_change():
    """package_links remembers parts by their bytes (a slip's styles and theme are its template's): a document
    whose body gains a field that links out after a clean check of the same document is still refused."""
    import docx
    from docx.oxml import parse_xml

    from docgen.documents.template_files import package_links

    d = docx.Document()
    d.add_paragraph("交办事项")
    assert package_links(d.part.package) == []
    assert package_links(d.part.package) == []  # the second time from what was remembered
    fld = parse_xml('<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    '<w:instrText> INCLUDEPICTURE "http://127.0.0.1:9/x.png" </w:instrText></w:r>')
    d.paragraphs[0]._p.append(fld)
    found = package_links(d.part.package)
    assert len(found) == 1 and "INCLUDEPICTURE" in found[0] and found[0].startswith("word/document.xml")
