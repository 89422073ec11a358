"""Where a form's template comes from, and whether it can be used.

An office's own copy in <registers>/templates/<form>.docx wins over the one docgen ships in templates/. The
bulletin's sentences are Jinja2 text templates (templates/通报/*.j2), overridden the same way.
`check` finds, before any number is given: a template that does not open, Jinja2 syntax errors, placeholders
docgen does not fill, required placeholders a template dropped, an expression that reaches an underscore attribute
(Python's internals: the way out of a template to run code), and a template that fails when filled: each template,
.docx and .j2, is rendered in the sandbox (documents/sandbox.py) with sample contexts, strictly (an undefined name
or attribute is an error), and anything the sandbox refuses or that raises is reported naming the placeholder.

An office's template is a regular file inside the registers folder (not a symlink, not a device or a pipe), at most
MAX_DOCX or MAX_TEXT bytes, read with that cap; anything else is an error naming the file, never a silent fallback
to the shipped template. A .docx must not link outside itself (`links`): no relationship with TargetMode="External"
but a hyperlink to http(s) or mailto (a text link nobody's software follows by itself), no altChunk, subDocument,
attachedTemplate, frame, oleObject or package part, no INCLUDEPICTURE/INCLUDETEXT/LINK/DDE/IMPORT field and no
attribute holding an address: LibreOffice fetched such links while converting to PDF, and Word would.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from ..core.diagnostics import DocgenError
from ..core.files import user_cache
from .forms import FORMS, Form, fill, sample_contexts
from .template_files import (  # noqa: F401 - also what callers read here: where each template comes from
    LINKS_HINT, MAX_DOCX, MAX_TEXT, SHIPPED, TEXT_NAMES, TEXTS, BadTemplate, links, office_dir, path,
    read_capped, text_path, unprintable_text)

# what a template is checked for: a template found sound by an older checker is checked again
CHECKER = "sandbox-2"


def _problems(form: Form, p: Path) -> list[str]:
    """A template's problems. A template found sound is remembered by its content and the form's declaration
    (a marker file in the user's cache), so a daily run does not open and fill unchanged templates again."""
    data = read_capped(p, MAX_DOCX)
    decl = repr((CHECKER, form.name, sorted(form.fields), form.required, sorted(form.loops.items())))
    key = hashlib.sha256(data + decl.encode("utf-8")).hexdigest()[:32]
    marker = user_cache("templates") / f"{key}.ok"
    if key in _SOUND or marker.exists():
        return []
    found = _find_problems(form, p, data)
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
    from .sandbox import problems, tag_problems, tags

    lines = source.splitlines()
    out = []
    for line, attr in problems(env, source):
        at = (f"第{line}行" if numbered else part) + (f"“{tags(lines[line - 1], attr)}”" if 0 < line <= len(lines) else "")
        out.append(f"{where}：{at}使用了不允许的属性「{attr}」；模板只能使用 templates/README.md 所列的名称和过滤器，"
                   "不能执行代码")
    for line, why in tag_problems(env, source):
        at = (f"第{line}行" if numbered else part) + (f"“{tags(lines[line - 1])}”" if 0 < line <= len(lines) else "")
        out.append(f"{where}：{at}{why}")
    return list(dict.fromkeys(out))


def _find_problems(form: Form, p: Path, data: bytes) -> list[str]:
    import io

    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    from .sandbox import describe, environment, not_allowed

    where = f"模板 {p}"
    try:
        found = links(data)
        tpl = DocxTemplate(io.BytesIO(data))
        tpl.init_docx()
    except Exception as e:  # noqa: BLE001 - not a .docx Word can open
        return [f"{where}：无法打开（不是有效的 .docx 文件：{type(e).__name__}）"]
    if found:
        return [f"{where}：{m}" for m in found[:-1]] + [f"{where}：{found[-1]}{LINKS_HINT}"]
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
        source = read_capped(p, MAX_TEXT).decode("utf-8")
        names = meta.find_undeclared_variables(env.parse(source))
    except TemplateSyntaxError as e:
        return [f"{where}：第{e.lineno}行" + (not_allowed(e) or f"语法错误（{e.message}）")]
    except BadTemplate as e:
        return [str(e)]
    except UnicodeDecodeError as e:
        return [f"{where}：无法读取（不是 UTF-8 文本：{e.reason}）"]
    out = _unsafe(env, where, source, True)
    unknown = sorted(set(names) - set(TEXT_NAMES))
    if unknown:
        out.append(f"{where}：有 docgen 不认识的名称 " + "、".join(unknown) + "（可用的名称见 templates/README.md）")
    if out:
        return out
    for ctx in text_samples():
        try:
            text = render_text(source, ctx)
        except Exception as e:  # noqa: BLE001 - refused by the sandbox, or an expression that fails
            return [f"{where}：{describe(e, source)}"]
        bad = unprintable_text(text)
        if bad:
            return [f"{where}：{bad}"]
    return []


def check(registers_root, names=None) -> list[str]:
    """Problems of the templates docgen would use for the named forms (all forms and texts by default)."""
    out = []
    for name in names or list(FORMS) + ["通报"]:
        if name == "通报":
            for t in TEXTS:
                try:
                    out += _text_problems(text_path(registers_root, t))
                except BadTemplate as e:
                    out.append(str(e))
            continue
        try:
            p = path(registers_root, name)
            if not p.exists():
                out.append(f"模板 {p}：文件不存在")
                continue
            out += _problems(FORMS[name], p)
        except BadTemplate as e:
            out.append(str(e))
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
