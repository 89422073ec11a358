"""The forms an office prints and units fill in, as docxtpl templates an office can edit in Word or WPS.

Each form is declared once here: its template file (templates/<name>.docx), the placeholders docgen fills (with
what each means, for templates/README.md and `docgen templates check`), which of them a template must keep, and
how docgen draws the shipped template from the layout module (gbt9704.OfficialDocument), so the shipped files
are made reproducibly (scripts/build-templates.py; tests/test_forms.py checks the committed files match).

Rendering: docxtpl fills a template; then the layout module does what a template cannot know in advance: the
署名 and 成文日期 placed by their lengths and the office's seal setting, the 催办单's colour, a form kept on
its page by the measured steps of documents/fit.py, the 回执 appended below the cut line, and the core properties.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Callable

from docx.oxml.ns import qn
from lxml import etree

from ..engine.status import BLUE, RED, YELLOW
from . import fit as F
from . import oxml as X
from .gbt9704 import PITCH, Face, OfficialDocument, place_signature

BLANK_DATE = "　　　　年　　月　　日"
RECEIPT_ROW = 20.0  # pt: a receipt row tall enough to sign in


@dataclass(frozen=True)
class Form:
    name: str  # 交办单: the template is templates/交办单.docx
    title: str  # what the document is (its core property title)
    fields: dict  # placeholder -> what it holds (Chinese, for the README and the check's messages)
    required: tuple  # placeholders a template must keep
    draw: Callable[[], OfficialDocument] = field(compare=False, default=None)
    loops: dict = field(default_factory=dict)  # loop placeholder -> the attributes its items carry


# ---------------------------------------------------------------- drawing the shipped templates

def _title(d: OfficialDocument, text: str) -> None:
    d.title(text, blank_before=0)
    d.paragraph("{%p if mark %}", "单据标注")
    d.paragraph("（{{ mark }}）", "单据标注")
    d.paragraph("{%p endif %}", "单据标注")


def _number(d: OfficialDocument) -> None:
    d.number_line("{{ number }}", "{{ urgency }}")


def _sign(d: OfficialDocument) -> None:
    d.paragraph("{{ issuer }}", "署名")
    d.paragraph("{{ date }}", "成文日期")


CONTACT = ("联系人", "{{ contact }}　电话：{{ phone }}")
# a slip that assigns work after the deadline in force (a 补发) says so in a row of its own
LATE_ROWS = (("{%tr if late %}", None), ("补发说明", "{{ late }}"), ("{%tr endif %}", None))


def _assign() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    _title(d, "{{ issuer }}\n督办事项交办单")
    _number(d)
    d.form_table([
        ("事项来源", "{{ source }}"),
        ("交办事项", "{{ text }}"),
        ("牵头单位", "{{ lead }}"),
        ("配合单位", "{{ co }}"),
        ("交办日期", "{{ assigned }}"),
        ("办结时限", "{{ due }}"),
        *LATE_ROWS,
        ("办理要求", "{% if late %}请立即办理，并将办理结果书面报送{{ report_to }}。{% else %}"
                     "请于办结时限前将办理结果书面报送{{ report_to }}；特殊情况需要延期的，须在到期前向{{ issuer }}"
                     "书面申请并说明原因。{% endif %}"),
        CONTACT,
    ])
    _sign(d)
    return d


def _urge() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    _title(d, "{{ issuer }}\n督办事项催办单")
    _number(d)
    d.form_table([
        ("交办依据", "{{ assign }}"),
        ("交办事项", "{{ text }}"),
        ("牵头单位", "{{ lead }}"),
        ("办结时限", "{{ due }}"),
        ("办理进度", "{{ progress }}"),
        ("预警等级", "{{ level }}"),
        ("催办次数", "第{{ times }}次催办"),
        ("回复时限", "请于{{ reply_by }}前书面回复办理进展"),
        ("催办要求", "请抓紧办理，按时限报送办理结果；确有困难的，须书面说明原因和预计完成时间。"),
        ("{%tr if cc_report %}", None),
        ("抄报", "{{ cc_report }}"),
        ("{%tr endif %}", None),
        CONTACT,
    ])
    _sign(d)
    return d


def _rectify() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    _title(d, "{{ issuer }}\n{{ term }}检查整改通知单")
    _number(d)
    d.form_table([
        ("{%tr if not recheck %}", None),
        ("{{ term }}时间", "{{ inspected }}"),
        ("{{ term }}人员", "{{ inspectors }}"),
        ("发现问题", "{{ text }}"),
        ("{%tr else %}", None),
        ("核查事项", "{{ text }}"),
        ("核查时间", "{{ checked }}"),
        ("核查意见", "{{ opinion }}"),
        ("{%tr endif %}", None),
        ("整改要求", "{{ requirement }}"),
        ("整改时限", "{{ due }}"),
        *LATE_ROWS,
        ("责任单位", "{{ lead }}"),
        ("结果报送", "整改结果书面报送{{ report_to }}"),
        CONTACT,
    ])
    _sign(d)
    return d


def _receipt() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    d.cut_line()
    d.paragraph("回　执", "回执标题")
    d.form_table([("单据编号", "{{ number }}"), ("签收单位（盖章）", ""), ("签收人", ""), ("单位负责人", ""),
                  ("签收时间", BLANK_DATE), ("联系电话", ""), ("办理情况", "")], min_height=RECEIPT_ROW)
    return d


SIGNOFF_HEAD = ["序号", "编号", "单据", "接收单位", "事项摘要", "送达人", "签收人", "签收时间", "备注"]
# what the widest cell of each column looks like: the widths are set from these when the template is drawn
SIGNOFF_WIDEST = ["999", "督交〔2026〕9999号", "整改单", "社会事务服务中心", "摘" * 30, "　　　", "　　　　",
                  "　　月　　日", "　　　"]


def _signoff() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False, landscape=True)
    d.title("督办单据签收登记表", blank_before=0)
    d.paragraph("{{ office }}　{{ date }}　{{ kind }}共{{ count }}份", "表题注")
    widths = d.column_widths(SIGNOFF_HEAD, [SIGNOFF_WIDEST], 10.5, flex={3, 4})
    d.table(SIGNOFF_HEAD, [["{%tr for r in rows %}"] + [""] * 8,
                           ["{{ r.seq }}", "{{ r.number }}", "{{ r.kind }}", "{{ r.unit }}", "{{ r.summary }}", "",
                            "", "", ""],
                           ["{%tr endfor %}"] + [""] * 8], widths, size=10.5, row_height=2 * 10.5 * 1.4 + 2,
            align=["center", "left", "center", "left", "left", "left", "left", "left", "left"], keep=False)
    return d


def _extension() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    d.title("督办事项延期申请表", blank_before=0)
    d.number_line("{{ assign }}")
    d.form_table([
        ("交办事项", "{{ text }}"),
        ("牵头单位", "{{ lead }}"),
        ("交办日期", "{{ assigned }}"),
        ("原办结时限", "{{ due }}"),
        ("申请延至", BLANK_DATE),
        ("延期理由", "\n\n\n"),
        ("目前进展", "\n\n"),
        ("预计完成时间", BLANK_DATE),
        ("单位领导\n审核意见", "\n\n签字：　　　　　　　　（盖章）\n" + BLANK_DATE),
        ("申请单位联系人", "　　　　　　　　电话："),
    ], min_height=1.2 * PITCH)
    d.paragraph("（注：延期申请须在办结时限前报送{{ issuer }}，经批准后方可延期。）", "附注")
    return d


def _feedback() -> OfficialDocument:
    d = OfficialDocument(page_numbers=False)
    d.title("督办事项办结反馈单", blank_before=0)
    d.number_line("{{ assign }}")
    d.form_table([
        ("交办事项", "{{ text }}"),
        ("牵头单位", "{{ lead }}"),
        ("配合单位", "{{ co }}"),
        ("办结时限", "{{ due }}"),
        ("办理情况", "\n\n\n\n"),
        ("佐证材料", "\n"),
        ("单位负责人\n签字", ""),
        ("单位盖章", "\n（盖章）\n" + BLANK_DATE),
        ("联系人", "　　　　　　　　电话："),
    ], min_height=1.2 * PITCH)
    d.paragraph("（注：事项办结后报送{{ issuer }}，经核查后销号。）", "附注")
    return d


COMMON = {"number": "单据编号", "issuer": "出具机构（标题和署名）", "date": "成文日期", "mark": "补发、作废或更正标注",
          "urgency": "紧急程度", "contact": "督导专班联系人", "phone": "联系电话",
          "term": "工作名称（settings.yaml 的 office.term：督导、督查……）"}
ITEM = {"text": "事项内容", "lead": "牵头单位", "due": "办结时限"}

_SHIPPED: dict[str, Form] = {f.name: f for f in (
    Form("交办单", "督办事项交办单", {**COMMON, **ITEM, "source": "事项来源", "co": "配合单位", "assigned": "交办日期",
                                    "report_to": "办理结果报送对象", "late": "补发说明（办结时限后出具的才有）"},
         ("number", "text", "lead", "due"), _assign),
    Form("催办单", "督办事项催办单", {**COMMON, **ITEM, "assign": "交办依据（交办单编号和日期）", "progress": "办理进度",
                                    "level": "预警等级", "times": "催办次数", "reply_by": "回复时限",
                                    "cc_report": "抄报（分管领导）"},
         ("number", "text", "lead", "due", "times"), _urge),
    Form("整改通知单", "督导检查整改通知单", {**COMMON, **ITEM, "recheck": "是否为核查未通过的整改",
                                            "inspected": "督导时间和形式", "inspectors": "督导人员",
                                            "checked": "核查时间", "opinion": "核查意见", "requirement": "整改要求",
                                            "report_to": "整改结果报送对象",
                                            "late": "补发说明（整改时限后出具的才有）"},
         ("number", "text", "lead", "due"), _rectify),
    Form("回执", "回执", {"number": "单据编号"}, ("number",), _receipt),
    Form("签收登记表", "督办单据签收登记表", {"office": "督导专班", "date": "日期", "kind": "单据种类",
                                            "count": "份数", "rows": "各份单据"},
         ("rows",), _signoff,
         loops={"rows": {"seq": "序号", "number": "编号", "kind": "单据", "unit": "接收单位", "summary": "事项摘要"}}),
    Form("延期申请表", "督办事项延期申请表", {**ITEM, "issuer": "交办机构", "assign": "对应的交办单",
                                            "assigned": "交办日期"},
         ("text", "lead", "due"), _extension),
    Form("办结反馈单", "督办事项办结反馈单", {**ITEM, "issuer": "交办机构", "assign": "对应的交办单", "co": "配合单位"},
         ("text", "lead"), _feedback),
)}


class _Forms(Mapping):
    """Every form by name: those docgen ships, then the form of each kind declared with one (kinds.Kind.form)
    that is not among them, read from the registry each time (a kind registered later brings its form)."""

    def _all(self) -> dict[str, Form]:
        from ..kinds import KINDS, Kind

        out = dict(_SHIPPED)
        for k in KINDS.values():
            if isinstance(k, Kind) and k.form is not None:
                out.setdefault(k.form.name, k.form)
        return out

    def __getitem__(self, name: str) -> Form:
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


FORMS: Mapping[str, Form] = _Forms()


TEMPLATE_DATE = dt.date(2026, 1, 1)  # the shipped templates' date: the same bytes whenever they are built


def template_bytes(name: str) -> bytes:
    """The shipped template of a form, drawn from the layout module."""
    d = FORMS[name].draw()
    d.properties(f"{FORMS[name].title}（模板）", "docgen", TEMPLATE_DATE)
    return d.to_bytes()


def readme() -> str:
    """templates/README.md: what each placeholder holds, made from the declarations above."""
    from .sandbox import FILTERS
    from .template_files import TEXT_NAMES, TEXTS

    out = ["# templates/：单据模板", "",
           "本文件由 `scripts/build-templates.py` 生成，请勿手工修改。", "",
           "每种单据一个 .docx 模板（docxtpl），由版式模块 `docgen/documents/gbt9704.py` 画出，使用与所有公文相同的命名样式。",
           "办公室运行 `docgen templates init` 把模板复制到 `registers/templates/`，在 Word 或 WPS 中修改栏目名称、措辞、",
           "字号和列宽；docgen 优先使用那里的副本。修改后运行 `docgen templates check`。", "",
           "规则：`{{ 名称 }}` 处由 docgen 填写，名称须照抄下表；“必需”的占位符不能删除；`{%p if … %}`、`{%tr … %}` 所在的",
           "段落或表格行是条件和循环标记，填写后会消失，请整段保留。署名和成文日期的位置（是否用印）、催办单的颜色、",
           "单据过长时缩小表格字号，由 docgen 在填写后按 `settings.yaml` 的 `print:` 处理。", ""]
    for f in FORMS.values():
        out += [f"## {f.name}.docx（{f.title}）", "", "| 占位符 | 内容 | 必需 |", "| --- | --- | --- |"]
        out += [f"| `{{{{ {k} }}}}` | {v} | {'是' if k in f.required else ''} |" for k, v in f.fields.items()]
        for loop, attrs in f.loops.items():
            out += [f"| `{{{{ r.{a} }}}}`（`{{%tr for r in {loop} %}}` 中） | {m} | |" for a, m in attrs.items()]
        out.append("")
    out += ["## 通报/*.j2（《督导通报》的语句）", "",
            "、".join(f"`{t}.j2`" for t in TEXTS) + "：Jinja2 文本模板。每一行是一段正文；以“（一）……。”开头的行排为",
            "二级标题（句号后的文字接排正文），以“（一）……：”开头的行冒号及其前排为二级标题，以“1.……：”开头的行排为三级标题。可用的名称：", "",
            "| 名称 | 内容 |", "| --- | --- |"]
    out += [f"| `{k}` | {v} |" for k, v in TEXT_NAMES.items()]
    out += ["", "## 模板能用什么（沙箱）", "",
            "模板放在共享文件夹中，谁都能改，所以模板不能执行代码：所有模板（.docx 和 .j2）都在 Jinja2 的沙箱",
            "（`jinja2.sandbox.ImmutableSandboxedEnvironment`，见 `docgen/documents/sandbox.py`）中填写。模板可以用：",
            "",
            "- 上面各表所列的名称，以及它们的属性（如 `{{ total.due }}`、`{{ r.unit }}`）；`loop.index`、`loop.last` 等循环变量；",
            "- `{% if %}`、`{% for %}`、`{% set %}`，以及比较、算术和 `is defined` 等测试；",
            "- 这些过滤器：" + "、".join(f"`{f}`" for f in FILTERS) + "。",
            "",
            "不能用：以下划线开头的属性或下标（如 `__class__`、`_x`），Jinja2 的全局函数（`range`、`dict`、`lipsum`、`cycler`、",
            "`joiner`、`namespace`），其他过滤器（如 `attr`、`safe`），改动列表或字典的方法，以及这些标签：",
            "`{% autoescape %}`（.docx 中的文字总是转义，登记表的文字不能变成 XML）、`{% set %}…{% endset %}`、`{% filter %}`、",
            "`{% macro %}`、`{% call %}`、`{% for … recursive %}`、`{% include %}`、`{% import %}`、`{% extends %}`、`{% block %}`。",
            "",
            "模板也不能用来耗尽内存或让程序停不下来：一个表达式最多生成 100000 个字符（或列表项），`*`、`**`、`%`、`+`、`~`、",
            "`ljust`、`rjust`、`center`、`zfill`、`expandtabs`、`replace`、`join`、`format` 等都在生成之前检查；所有循环合计",
            "最多 1000000 次；一个 .docx 填写后最多 20000000 个字符，一个 .j2 最多 1000000 个字符；填写结果不能含有控制字符",
            "（如 `\\x01`），.docx 填写后必须是有效的 XML。",
            "",
            "模板文件：`registers/templates/` 中的模板必须是登记表文件夹内的普通文件，不能是符号链接（哪怕指向的文件不存在，",
            "也报错而不改用随附模板）、设备或管道；.docx 最大 5MB（解压后最大 64MB），.j2 最大 256KB。",
            "",
            ".docx 不能链接到文件以外：不能有 `TargetMode=\"External\"` 的关系（外部链接的图片、附加模板等；唯一的例外是指向",
            "http、https 或 mailto 的超链接，它只是文字链接，不会被自动打开），不能有 altChunk、子文档、框架、OLE 对象、",
            "嵌入包，不能有 INCLUDEPICTURE、INCLUDETEXT、INCLUDE、LINK、DDE、DDEAUTO、IMPORT 域，属性中不能有网络或本机",
            "文件地址：LibreOffice 转换 PDF 时、Word 打开时会去读取这些链接，把网络上或本机的文件带进出具的单据。",
            "填写后的文档再检查一遍（登记表的文字写进域代码也会被发现）；转换 PDF 时 LibreOffice 的配置还设置了",
            "`BlockUntrustedRefererLinks`，不去读取文档中外部链接的图片。",
            "",
            "`docgen templates check`（出具单据和《督导通报》之前也会自动运行）用样例数据把每个模板实际填写一遍：",
            "有条件的地方两种情况都填（例如本期有、没有逾期事项），名称或属性写错、除以零、类型不对（如数字加文字）都会报错；",
            "以下划线开头的属性、不提供的名称（包括上述全局函数）和不允许的过滤器，哪怕写在没有填到的分支里，也会报错。",
            "报错时指出文件、行（.j2）和占位符，退出码为 2，不给任何编号，不写任何文件。"]
    return "\n".join(out) + "\n"


SAMPLE_NUMBERS = {"times": 2, "count": 1, "seq": 1}  # placeholders docgen fills with numbers


def sample_context(form: Form) -> dict:
    """A context with every placeholder filled: what `templates check` renders a template with."""
    ctx = {k: SAMPLE_NUMBERS.get(k, f"〔{v}〕") for k, v in form.fields.items()}
    ctx["recheck"] = False
    ctx["mark"] = ""
    for loop, attrs in form.loops.items():
        ctx[loop] = [{a: SAMPLE_NUMBERS.get(a, f"〔{m}〕") for a, m in attrs.items()}]
    return ctx


def sample_contexts(form: Form) -> list[dict]:
    """The contexts `templates check` renders a template with: every placeholder filled; and the other branches
    of the shipped conditions (a 核查 not passed, a copy marked 作废, the optional placeholders empty, no rows)."""
    other = {k: (v if isinstance(v, int) else "") for k, v in sample_context(form).items()}
    other.update({k: f"〔{form.fields[k]}〕" for k in form.required if k in form.fields and k not in form.loops})
    other.update({"recheck": True, "mark": "作废", **{loop: [] for loop in form.loops}})
    return [sample_context(form), other]


# ---------------------------------------------------------------- rendering

COLOURS = {BLUE: "0070C0", YELLOW: "B8860B", RED: "FF0000"}  # 催办单 by warning level


def fill(data: bytes, context: dict, strict: bool = False):
    """A python-docx Document: the template `data` filled with `context` (values escaped as text), in the
    sandbox (documents/sandbox.py): a template cannot reach Python's internals. strict: an undefined name or
    attribute is an error (`templates check`), not an empty string.
    Every part docxtpl renders must come out well-formed XML with no character XML cannot hold, and the filled
    document must link nothing outside itself (templates.package_links: register text written into a field code
    of the template would make a field); otherwise, when `data` knows its file (template_files.data), a DocgenError
    naming the template (strict: the error itself, for `templates check` to word)."""
    from docxtpl import DocxTemplate
    from lxml import etree

    from ..core.diagnostics import DocgenError
    from .sandbox import Refused, describe
    from .template_files import LINKS_HINT, package_links

    filled = {"docProps/core.xml"}  # the parts docxtpl writes: the core properties, and each it renders

    class Checked(DocxTemplate):
        def init_docx(self, reload: bool = True):  # docxtpl's, the styles kept as their bytes (oxml.read_styles)
            if not self.docx or (self.is_rendered and reload):
                self.docx = X.open_keeping_styles(self.template_file)
                self.is_rendered = False

        def patch_xml(self, src_xml):  # a pure function of a part's XML: a template's parts patched once
            patched = _PATCHED.get(src_xml)
            if patched is None:
                if len(_PATCHED) > 64:
                    _PATCHED.clear()
                patched = _PATCHED[src_xml] = super().patch_xml(src_xml)
            return patched

        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            filled.add(str(part.partname).lstrip("/"))
            xml = super().render_xml_part(src_xml, part, context, jinja_env)
            try:
                etree.fromstring(xml.encode("utf-8"))
            except (etree.XMLSyntaxError, ValueError) as e:
                raise Refused("填写后不是有效的 XML（" + re.sub(r", line \d+, column \d+", "", str(e)) +
                              "）：模板中有控制字符，或改变了转义，或占位符写在了域代码等不能写文字的地方") from None
            return xml

    tpl = Checked(io.BytesIO(data))
    try:
        # autoescape on, whatever the template says: `{% autoescape %}` is refused when it is compiled
        tpl.render(context, jinja_env=_environment(strict), autoescape=True)
        found = package_links(tpl.docx.part.package, data, frozenset(filled))
        if found:
            raise Refused("；".join(found) + LINKS_HINT)
    except Exception as e:  # noqa: BLE001 - refused by the sandbox, or an expression of the template that fails
        where = getattr(data, "path", None)
        if strict or where is None:
            raise
        raise DocgenError(f"模板 {where}：无法填写（{describe(e, None)}），未出具任何单据") from None
    return tpl.docx


_FILL = threading.local()  # this thread's sandbox environments for fill(), by strict
_PATCHED: dict[str, str] = {}  # a template part's XML -> docxtpl's patch_xml of it (fill)


def _environment(strict: bool):
    """The sandbox environment fill() renders in: one per thread and strictness, its budgets (the loop count,
    the characters written) set back to nothing for each fill, as a new environment's are; the parts of a
    template (docxtpl compiles each from its XML) compiled once, not once per slip."""
    from .sandbox import environment

    envs = getattr(_FILL, "envs", None)
    if envs is None:
        envs = _FILL.envs = {}
    env = envs.get(strict)
    if env is None:
        env = envs[strict] = environment(autoescape=True, strict=strict)
        compiled: dict = {}
        compile_one = env.from_string

        def from_string(source, globals=None, template_class=None):
            if globals is not None or template_class is not None:
                return compile_one(source, globals, template_class)
            t = compiled.get(source)
            if t is None:  # one that the sandbox refuses raises here each time
                if len(compiled) > 256:
                    compiled.clear()
                t = compiled[source] = compile_one(source)
            return t

        env.from_string = from_string
    if hasattr(env, "written"):
        env.iterations = env.written = 0
    return env


def append_elements(doc, elements) -> None:
    """Body elements (paragraphs, tables) appended to doc's body, before its section properties."""
    sect = doc.element.body.find(qn("w:sectPr"))
    for el in elements:
        sect.addprevious(el)


_SENTINEL = "\ue000docgen\ue001"  # a private-use mark no register text or number carries
_BODIES: dict = {}  # (a template's sha256, a field) -> its body filled with _SENTINEL for the field, or None
# what docxtpl rewrites in a filled part's text, and \r, which parsing the filled XML turns into \n
_LISTING = ("\t", "\n", "\r", "\a", "\f", "{_", "_}", "%_", "_%")


def filled_body(data: bytes, field: str, value: str) -> list:
    """The body elements (not the section properties) of the template `data` filled with {field: value}, as
    fill(data, {field: value}) fills them: a 回执 under each slip, whose one placeholder is its number. The template is filled once a process, with a mark for the value; each call copies that body and
    writes the value where the mark is, in text only. When the mark is anywhere but text (an attribute, a field
    code), the value is one docxtpl would rewrite, or the copy would link out of the document, the template is
    filled as fill() fills it (which says what is wrong, naming the template)."""
    import copy
    import hashlib

    from .template_files import xml_problems

    key = (hashlib.sha256(data).digest(), field)
    if key not in _BODIES:
        body = fill(data, {field: _SENTINEL}).element.body
        elements = [el for el in body if el.tag != qn("w:sectPr")]
        in_text = sum(t.text.count(_SENTINEL) for el in elements for t in el.iter(qn("w:t")) if t.text)
        anywhere = etree.tostring(body, encoding="unicode").count(_SENTINEL)
        if len(_BODIES) > 16:
            _BODIES.clear()
        _BODIES[key] = elements if in_text and in_text == anywhere else None
    proto = _BODIES[key]
    if proto is None or any(c in value for c in _LISTING):
        return [el for el in fill(data, {field: value}).element.body if el.tag != qn("w:sectPr")]
    out = [copy.deepcopy(el) for el in proto]
    try:
        for el in out:
            for t in el.iter(qn("w:t")):
                if t.text and _SENTINEL in t.text:
                    t.text = t.text.replace(_SENTINEL, value) or None  # as parsed: <w:t/>, not <w:t></w:t>
    except ValueError:  # a character XML cannot hold: fill() says so
        return [el for el in fill(data, {field: value}).element.body if el.tag != qn("w:sectPr")]
    if any(xml_problems("word/document.xml", el) for el in out):
        return [el for el in fill(data, {field: value}).element.body if el.tag != qn("w:sectPr")]
    return out


def colour(doc, rgb: str) -> None:
    """The 催办单's colour: its title, and a rule of that colour under it."""
    for p in doc.paragraphs:
        if X.style_name(p) == "公文标题":
            for r in p.runs:
                Face(color=rgb).apply(X.run_rpr(r))
            X.border(X.para_ppr(p), "bottom", 1.5, rgb, 4)
            return


def finish(doc, *, sealed: bool, width_mm: float, shrink: bool = True, floor: int = 0) -> OfficialDocument:
    """What docgen does to every filled form: 署名 and 成文日期 placed, the page kept by the steps of
    documents/fit.py (from step `floor`, so that every slip of a run is set alike; none when not `shrink`), the
    page's spare height given to the 回执's rows, page numbers only when the form runs over a page. The
    document's `fit` says which step it was set at; its `unfitted` is its body before the steps (refinish)."""
    place_signature(doc, sealed, width_mm)
    unfitted = None
    if shrink:
        unfitted = etree.tostring(doc.element.body)
        result = F.fit(doc, floor)
    else:
        m = F.Measure(doc)
        size = F.table_size(doc)
        result = F.Fit(0, not m.over(m.height()), size, size)
    d = OfficialDocument(document=doc)
    d.fit = result
    d.unfitted = unfitted
    if not result.fits:
        d.add_page_numbers()
    return d


def refinish(data: bytes, unfitted: bytes, floor: int) -> tuple[bytes, F.Fit] | None:
    """A form that finish() set and that was saved (`data`, OfficialDocument.to_bytes), set again from step
    `floor` of documents/fit.py without filling its template again, to the bytes finish() would have made from
    that step: its body put back as it was before the steps (`unfitted`, the document's), the steps taken from
    `floor`, and only the main part written anew (the steps change nothing else). (bytes, fit); None when the
    form would not fit then (its page numbers go outside the body: draw it again)."""
    import zipfile

    from docx import Document
    from docx.oxml import parse_xml

    from ..core.files import fixed_date_zip

    doc = Document(io.BytesIO(data))
    body = doc.element.body
    for el in list(body):
        body.remove(el)
    for el in list(parse_xml(unfitted)):
        body.append(el)
    result = F.fit(doc, floor)
    if not result.fits:
        return None
    main = doc.part.partname.membername
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for info in src.infolist():
            z.writestr(info.filename, doc.part.blob if info.filename == main else src.read(info.filename))
    when = dt.date(*src.infolist()[0].date_time[:3])  # the package's date (to_bytes: the document's)
    return fixed_date_zip(buf.getvalue(), when, compresslevel=1), result
