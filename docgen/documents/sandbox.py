"""The one place docgen makes the Jinja2 environments it renders templates with: all of them sandboxed.

Office templates (the forms' .docx, the bulletin's .j2) are edited in a shared folder by anyone, so a template must
not be able to run code. Every template is rendered by `jinja2.sandbox.ImmutableSandboxedEnvironment`, made
stricter here:
- an attribute or item starting with an underscore, or any other attribute the sandbox finds unsafe, stops the
  rendering with a SecurityError at once (Jinja2 alone returns an undefined value, which prints as nothing);
- none of Jinja2's default globals (range, dict, lipsum, cycler, joiner, namespace): no shipped template uses one;
- only the filters in FILTERS (SITE_FILTERS adds `safe` for docgen's own board pages, not editable by an office).

`problems` finds, without rendering, the expressions that reach an underscore attribute, so `templates check` names
them even in a branch the sample context does not take; `describe` turns an error raised while rendering into a
Chinese sentence naming the line and the placeholder.
"""
from __future__ import annotations

import re
import traceback

from jinja2 import StrictUndefined, Undefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

# the filters a template may use (templates/README.md lists them)
FILTERS = ("abs", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
           "float", "format", "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
           "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr", "slice",
           "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount")
SITE_FILTERS = FILTERS + ("safe",)  # the board's pages insert docgen's own SVG charts


LIMIT = 100_000  # characters (or list items) one expression of a template may make: a slip is a page
TOO_BIG = "output too large"  # the SecurityError's text for an expression that would make more (see _why)


class Sandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment that refuses an unsafe attribute at once instead of rendering it as empty,
    and an expression that would make more than LIMIT characters (`'a' * 10**9`, `'%999999999s' % x`, a huge
    `center`): a template must not be able to fill the printing machine's memory either."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe.")

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > LIMIT:
                    raise SecurityError(TOO_BIG)
        elif operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64 and isinstance(left, (int, float)) and abs(left) > 1:
                raise SecurityError(TOO_BIG)
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)


def _check_format(fmt: str) -> None:
    for spec in re.findall(r"%[-#0 +]*[\d*]*(?:\.[\d*]+)?", fmt):
        if any(len(w) >= 6 or w == "*" for w in re.findall(r"\d+|\*", spec)):
            raise SecurityError(TOO_BIG)


def _bounded(name: str, fn):
    """A filter whose width argument is at most LIMIT (center, indent, format's printf widths)."""
    def wrapper(*args, **kwargs):
        if name == "format":
            _check_format(str(args[0]) if args else "")
        else:
            width = args[1] if len(args) > 1 else kwargs.get("width", 0)
            if isinstance(width, int) and width > 1000:
                raise SecurityError(TOO_BIG)
        return fn(*args, **kwargs)

    for attr in ("jinja_pass_arg",):  # keep the filter's calling convention (context/environment passing)
        if hasattr(fn, attr):
            setattr(wrapper, attr, getattr(fn, attr))
    return wrapper


def environment(*, autoescape: bool, strict: bool = False, filters=FILTERS, **options) -> Sandbox:
    """A sandboxed environment: autoescape for XML and HTML, StrictUndefined when strict; other Jinja2 options
    (loader, trim_blocks …) as given."""
    env = Sandbox(autoescape=autoescape, undefined=StrictUndefined if strict else Undefined, **options)
    env.globals.clear()
    env.filters = {name: (_bounded(name, env.filters[name]) if name in ("center", "indent", "format")
                          else env.filters[name]) for name in filters}
    return env


def _private(node) -> str | None:
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) \
            and node.arg.value.startswith("_"):
        return node.arg.value
    return None


def problems(env, source: str) -> list[tuple[int, str]]:
    """(line, attribute) of every expression in the template that names an underscore attribute or item."""
    out = []
    for node in env.parse(source).find_all((nodes.Getattr, nodes.Getitem)):
        attr = _private(node)
        if attr:
            out.append((node.lineno, attr))
    return out


TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def tags(line: str, hint: str | None = None) -> str:
    """The Jinja2 tags of a template line (its XML markup dropped), those naming hint first."""
    found = TAG.findall(re.sub(r"<[^>]+>", "", line))
    named = [t for t in found if hint and hint in t]
    return "、".join(named if hint else found)


def template_line(e: BaseException) -> int | None:
    """The template line an error was raised on (Jinja2 puts the template's lines into the traceback)."""
    line = getattr(e, "lineno", None)
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename == "<template>" or frame.filename.endswith((".j2", ".docx")):
            line = frame.lineno
    return line


def _hint(e: BaseException) -> str | None:
    m = re.search(r"attribute '([^']+)'|'([^']+)' is undefined", str(e))
    return (m.group(1) or m.group(2)) if m else None


def _why(e: BaseException) -> str:
    msg = str(e)
    if isinstance(e, SecurityError) and str(e) == TOO_BIG:
        return f"表达式会生成超过{LIMIT}个字符的文字（模板不能用来耗尽内存）"
    if isinstance(e, SecurityError):
        attr = _hint(e)
        return ("使用了不允许的属性或方法" + (f"「{attr}」" if attr else f"（{msg}）") +
                "；模板只能使用 templates/README.md 所列的名称和过滤器，不能执行代码")
    if isinstance(e, UndefinedError):
        m = re.fullmatch(r"'(.+) object' has no attribute '(.+)'", msg)
        if m:
            return f"用到了不存在的属性「{m.group(2)}」（{m.group(1)} 没有这个属性）"
        m = re.fullmatch(r"'(.+)' is undefined", msg)
        if m:
            return f"用到了 docgen 不提供的名称「{m.group(1)}」"
        return f"用到了不存在的名称或属性（{msg}）"
    if isinstance(e, TemplateSyntaxError):
        return not_allowed(e) or f"语法错误（{e.message}）"
    return f"填写时出错（{type(e).__name__}：{msg}）"


def not_allowed(e: TemplateSyntaxError) -> str | None:
    """A filter or test the sandbox does not have (Jinja2 reports it as a syntax error), in Chinese."""
    m = re.fullmatch(r"No (filter|test) named '(.+)'\.", e.message or "")
    if m:
        return f"使用了不允许的{'过滤器' if m.group(1) == 'filter' else '测试'}「{m.group(2)}」（可用的见 templates/README.md）"
    return None


def describe(e: BaseException, source: str | None, numbered: bool = True) -> str:
    """An error raised while rendering a template, in Chinese: which line (when the source's lines are the
    file's: not a .docx's XML) and placeholder, and why."""
    line = template_line(e)
    where = ""
    if line and source is not None:
        lines = source.splitlines()
        text = tags(lines[line - 1], _hint(e)) if 0 < line <= len(lines) else ""
        where = (f"第{line}行" if numbered else "") + (f"“{text}”" if text else "")
    return (f"{where}：" if where else "") + _why(e)
