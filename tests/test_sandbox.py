"""Office templates cannot run code (issue 15): every template is rendered in a sandbox, and `templates check`
(run before every issuing command) renders each .docx and .j2 with sample contexts and refuses what reaches
Python's internals, and what fails when filled."""
import hashlib
import json
from pathlib import Path

import docx
import pytest

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
           "by_source": [], "overdue": [], "late_done": [], "explain_days": 5, "office": "督导专班"}
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
