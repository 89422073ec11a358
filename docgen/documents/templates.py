"""Where a form's template comes from, and whether it can be used.

An office's own copy in <registers>/templates/<form>.docx wins over the one docgen ships in templates/. The
bulletin's sentences are Jinja2 text templates (templates/通报/*.j2), overridden the same way.
`check` finds, before any number is given: a template that does not open, Jinja2 syntax errors, placeholders
docgen does not fill, required placeholders a template dropped, an expression that reaches an underscore attribute
(Python's internals: the way out of a template to run code), and a template that fails when filled: each template,
.docx and .j2, is rendered in the sandbox (documents/sandbox.py) with sample contexts, strictly (an undefined name
or attribute is an error), and anything the sandbox refuses or that raises is reported naming the placeholder.
"""
from __future__ import annotations

import functools
import hashlib
import shutil
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import shipped, user_cache
from .forms import FORMS, Form, fill, sample_contexts

SHIPPED = shipped("templates")
# what a template is checked for: a template found sound by an older checker is checked again
CHECKER = "sandbox-1"
TEXTS = ("总体情况", "存在的问题", "下步工作要求")  # the bulletin's sentences: templates/通报/<name>.j2
# what the sentence templates can name (documents/bulletin.text_context)
TEXT_NAMES = {"as_of": "统计截止日期", "total": "本期合计（due 应办结、completed 已办结、on_time 按期办结、rate 按期办结率、"
              "in_progress 正在办理、overdue 逾期、extended 延期）", "new": "本期新交办（total、kinds）",
              "meetings": "各次会议", "by_source": "按来源", "overdue": "逾期未办结事项", "late_done": "逾期办结事项",
              "explain_days": "说明原因的期限（工作日）", "office": "督导专班名称"}


def office_dir(registers_root) -> Path:
    return Path(registers_root) / "templates"


def path(registers_root, name: str) -> Path:
    own = office_dir(registers_root) / f"{name}.docx"
    return own if own.exists() else SHIPPED / f"{name}.docx"


def text_path(registers_root, name: str) -> Path:
    own = office_dir(registers_root) / "通报" / f"{name}.j2"
    return own if own.exists() else SHIPPED / "通报" / f"{name}.j2"


@functools.lru_cache(maxsize=64)
def _read(p: str, stamp: tuple) -> bytes:
    return Path(p).read_bytes()


def data(registers_root, name: str) -> bytes:
    p = path(registers_root, name)
    st = p.stat()
    return _read(str(p), (st.st_mtime_ns, st.st_size))


def _problems(form: Form, p: Path) -> list[str]:
    """A template's problems. A template found sound is remembered by its content and the form's declaration
    (a marker file in the user's cache), so a daily run does not open and fill unchanged templates again."""
    data = p.read_bytes()
    decl = repr((CHECKER, form.name, sorted(form.fields), form.required, sorted(form.loops.items())))
    key = hashlib.sha256(data + decl.encode("utf-8")).hexdigest()[:32]
    marker = user_cache("templates") / f"{key}.ok"
    if key in _SOUND or marker.exists():
        return []
    found = _find_problems(form, p)
    if not found:
        _SOUND.add(key)
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass  # checked again next run
    return found


_SOUND: set[str] = set()  # templates found sound in this process (when the cache folder cannot be written)


def _docx_sources(tpl) -> list[tuple[str, str]]:
    """(part, Jinja2 source) of every part of a .docx docxtpl renders: the body and headers and footers as docxtpl
    patches them (one line per paragraph), the core properties and the footnotes."""
    import re

    def lines(xml: str) -> str:
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))

    out = [("正文", lines(tpl.get_xml()))]
    for uri, what in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        out += [(what, lines(tpl.get_part_xml(part))) for _, part in tpl.get_headers_footers(uri)]
    props = tpl.docx.core_properties
    out += [("文档属性", getattr(props, k) or "") for k in ("author", "comments", "identifier", "language", "subject",
                                                         "title")]
    for part in tpl.docx.part.package.parts:
        if part.content_type.endswith("footnotes+xml"):
            out.append(("脚注", lines(part.blob.decode("utf-8"))))
    return out


def _unsafe(env, where: str, source: str, numbered: bool, part: str = "") -> list[str]:
    """An expression reaching an underscore attribute, wherever it is (even in a branch not taken)."""
    from .sandbox import problems, tags

    lines = source.splitlines()
    out = []
    for line, attr in problems(env, source):
        at = (f"第{line}行" if numbered else part) + (f"“{tags(lines[line - 1], attr)}”" if 0 < line <= len(lines) else "")
        out.append(f"{where}：{at}使用了不允许的属性「{attr}」；模板只能使用 templates/README.md 所列的名称和过滤器，"
                   "不能执行代码")
    return list(dict.fromkeys(out))


def _find_problems(form: Form, p: Path) -> list[str]:
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    from .sandbox import describe, environment, not_allowed

    where = f"模板 {p}"
    try:
        tpl = DocxTemplate(str(p))
        tpl.init_docx()
    except Exception as e:  # noqa: BLE001 - not a .docx Word can open
        return [f"{where}：无法打开（不是有效的 .docx 文件：{type(e).__name__}）"]
    env = environment(autoescape=True, strict=True)
    try:
        names = tpl.get_undeclared_template_variables(jinja_env=env)
        sources = _docx_sources(tpl)
        out = [m for part, src in sources for m in _unsafe(env, where, src, False, part)]
    except TemplateSyntaxError as e:
        if not_allowed(e):
            return [f"{where}：{not_allowed(e)}"]
        return [f"{where}：占位符语法错误（{e.message}，模板第{e.lineno}行附近）"]
    except Exception as e:  # noqa: BLE001
        return [f"{where}：无法读取占位符（{e}）"]
    unknown = sorted(set(names) - set(form.fields) - set(form.loops))
    if unknown:
        out.append(f"{where}：有 docgen 不认识的占位符 " + "、".join("{{ %s }}" % u for u in unknown) +
                   "（可用的占位符见 templates/README.md）")
    missing = [r for r in form.required if r not in names]
    if missing:
        out.append(f"{where}：缺少必需的占位符 " + "、".join("{{ %s }}（%s）" % (m, form.fields.get(m, m))
                                                          for m in missing))
    if not out:
        data = p.read_bytes()
        for ctx in sample_contexts(form):
            try:
                fill(data, ctx, strict=True)
            except Exception as e:  # noqa: BLE001 - refused by the sandbox, or a filter or tag that fails when filled
                out.append(f"{where}：{describe(e, sources[0][1], numbered=False)}")
                break
    return out


def _text_problems(p: Path) -> list[str]:
    from jinja2 import TemplateSyntaxError, meta

    from .bulletin import render_text, sample_contexts as text_samples, text_environment
    from .sandbox import describe, not_allowed

    where = f"模板 {p}"
    env = text_environment()
    try:
        source = p.read_text(encoding="utf-8")
        names = meta.find_undeclared_variables(env.parse(source))
    except TemplateSyntaxError as e:
        return [f"{where}：第{e.lineno}行" + (not_allowed(e) or f"语法错误（{e.message}）")]
    except (OSError, UnicodeDecodeError) as e:
        return [f"{where}：无法读取（{e}）"]
    out = _unsafe(env, where, source, True)
    unknown = sorted(set(names) - set(TEXT_NAMES))
    if unknown:
        out.append(f"{where}：有 docgen 不认识的名称 " + "、".join(unknown) + "（可用的名称见 templates/README.md）")
    if out:
        return out
    for ctx in text_samples():
        try:
            render_text(source, ctx)
        except Exception as e:  # noqa: BLE001 - refused by the sandbox, or an expression that fails
            return [f"{where}：{describe(e, source)}"]
    return []


def check(registers_root, names=None) -> list[str]:
    """Problems of the templates docgen would use for the named forms (all forms and texts by default)."""
    out = []
    for name in names or list(FORMS) + ["通报"]:
        if name == "通报":
            for t in TEXTS:
                out += _text_problems(text_path(registers_root, t))
            continue
        p = path(registers_root, name)
        if not p.exists():
            out.append(f"模板 {p}：文件不存在")
            continue
        out += _problems(FORMS[name], p)
    return out


def require(registers_root, names) -> None:
    """Stop (exit 2) when a template docgen is about to use cannot be used."""
    problems = check(registers_root, names)
    if problems:
        raise DocgenError("模板有误，未出具任何单据：\n" + "\n".join(problems))


def init(registers_root, force: bool = False) -> list[tuple[str, str]]:
    """Copy the shipped templates into <registers>/templates/ for the office to edit. Existing copies are kept
    unless force. Returns (file, what happened)."""
    dst = office_dir(registers_root)
    out = []
    files = [SHIPPED / f"{n}.docx" for n in FORMS] + [SHIPPED / "通报" / f"{t}.j2" for t in TEXTS]
    for src in files:
        target = dst / src.relative_to(SHIPPED)
        if target.exists() and not force:
            same = hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
            out.append((str(target), "已存在，未覆盖" + ("（与随附模板相同）" if same else "（办公室已修改）")))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        out.append((str(target), "已复制"))
    return out
