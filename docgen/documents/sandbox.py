"""The one place docgen makes the Jinja2 environments it renders templates with: all of them sandboxed.

Office templates (the forms' .docx, the bulletin's .j2) are edited in a shared folder by anyone, so a template must
not be able to run code. Every template is rendered by `jinja2.sandbox.ImmutableSandboxedEnvironment`, made
stricter here:
- an attribute or item starting with an underscore, or any other attribute the sandbox finds unsafe, stops the
  rendering with a SecurityError at once (Jinja2 alone returns an undefined value, which prints as nothing);
- none of Jinja2's default globals (range, dict, lipsum, cycler, joiner, namespace): no shipped template uses one;
- only the filters in FILTERS (SITE_FILTERS adds `safe` for docgen's own board pages, not editable by an office).

An office template (every environment without the `safe` filter: the .docx forms and the .j2 sentences) is held
tighter still, because a template must not be able to exhaust the machine either (OfficeSandbox):
- the tags that change escaping or buffer output out of sight are refused when the template is compiled:
  `{% autoescape %}` (register text would go into a .docx as XML), `{% set %}…{% endset %}`, `{% filter %}`,
  `{% macro %}`, `{% call %}`, recursive loops, `{% include %}`/`{% import %}`/`{% extends %}`/`{% block %}`;
- every expression is bounded (LIMIT characters or list items): `*`, `**`, `%`, `+`, `~` and int × int, the
  string methods that take a width or a count (ljust, rjust, center, zfill, expandtabs, replace, join, format,
  format_map, and any int argument over LIMIT), and the filters center, indent, format, join, replace, batch;
- all the loops of one rendering together run at most ITERATIONS times, a deterministic time limit that holds in
  any thread (a wall-clock alarm would only work in the main thread and would depend on the machine's load);
- the whole output of one rendering (every part of a .docx together) is at most OUTPUT characters.

`problems` finds, without rendering, the expressions that reach an underscore attribute and the refused tags, so
`templates check` names them even in a branch the sample context does not take; `describe` turns an error raised
while rendering into a Chinese sentence naming the line and the placeholder.
"""
from __future__ import annotations

import re
import traceback

from jinja2 import StrictUndefined, Template, Undefined, nodes
from jinja2.compiler import CodeGenerator
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

# the filters a template may use (templates/README.md lists them)
FILTERS = ("abs", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first",
           "float", "format", "groupby", "indent", "int", "items", "join", "last", "length", "list", "lower", "map",
           "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "select", "selectattr", "slice",
           "sort", "string", "sum", "title", "trim", "truncate", "unique", "upper", "wordcount")
SITE_FILTERS = FILTERS + ("safe",)  # the board's pages insert docgen's own SVG charts


LIMIT = 100_000  # characters (or list items) one expression of a template may make: a slip is a page
TOO_BIG = "output too large"  # the SecurityError's text for an expression that would make more (see _why)
BITS = 4000  # an integer of more bits (about 1200 digits) is refused: no count on a form is that long
ITERATIONS = 1_000_000  # loop iterations of one rendering, all loops together
OUTPUT = 20_000_000  # characters one rendering writes (a .docx's XML: thousands of table rows fit)


class Refused(SecurityError):
    """A template the sandbox refuses, its reason in Chinese (describe shows it as it is)."""


class Sandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment that refuses an unsafe attribute at once instead of rendering it as empty,
    and an expression that would make more than LIMIT characters (`'a' * 10**9`, `'%999999999s' % x`, a huge
    `center`): a template must not be able to fill the printing machine's memory either."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe.")

    def call_binop(self, context, operator, left, right):
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > LIMIT:
                    raise SecurityError(TOO_BIG)
            if _int(left) and _int(right) and left.bit_length() + right.bit_length() > BITS:
                raise SecurityError(TOO_BIG)
        elif operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64 and isinstance(left, (int, float)) and abs(left) > 1:
                raise SecurityError(TOO_BIG)
            if _int(left) and _int(right) and right > 0 and left.bit_length() * right > BITS:
                raise SecurityError(TOO_BIG)
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return sized(super().call_binop(context, operator, left, right))


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def sized(v):
    """v itself, unless it is a string or list longer than LIMIT or an integer of more than BITS bits."""
    if isinstance(v, (str, list, tuple)) and len(v) > LIMIT or _int(v) and v.bit_length() > BITS:
        raise SecurityError(TOO_BIG)
    return v


# str methods whose result grows with an argument: checked before they are called (OfficeSandbox.call)
WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
TAGS_REFUSED = {nodes.EvalContextModifier: "{% autoescape %}（会让登记表中的文字不经转义写入文件）",
                nodes.AssignBlock: "{% set %}…{% endset %}", nodes.FilterBlock: "{% filter %}",
                nodes.Macro: "{% macro %}", nodes.CallBlock: "{% call %}", nodes.Include: "{% include %}",
                nodes.Import: "{% import %}", nodes.FromImport: "{% from … import %}", nodes.Extends: "{% extends %}",
                nodes.Block: "{% block %}"}


def refused_tags(tree) -> list[tuple[int, str]]:
    """(line, tag) of every tag an office template may not use."""
    out = []
    for node in tree.find_all(nodes.Stmt):
        if isinstance(node, nodes.For) and node.recursive:
            out.append((node.lineno, "{% for … recursive %}"))
        for cls, tag in TAGS_REFUSED.items():
            if isinstance(node, cls):
                out.append((node.lineno, tag))
    return sorted(set(out))


def _refuse_tag_message(tag: str) -> str:
    return f"使用了不允许的标签 {tag}；模板只能使用 templates/README.md 所列的标签"


class _Bounded(NodeTransformer):
    """Every loop's iterable counted against the rendering's budget, every `~` checked for its length."""

    def visit_For(self, node):
        node = self.generic_visit(node)
        node.iter = nodes.Call(nodes.EnvironmentAttribute("counted", lineno=node.lineno), [node.iter], [], None,
                               None, lineno=node.lineno)
        return node

    def visit_Concat(self, node):
        node = self.generic_visit(node)
        return nodes.Call(nodes.EnvironmentAttribute("checked", lineno=node.lineno), [node], [], None, None,
                          lineno=node.lineno)


class _OfficeCodeGenerator(CodeGenerator):
    def visit_Template(self, node, frame=None):
        found = refused_tags(node)
        if found:
            e = Refused(_refuse_tag_message(found[0][1]))
            e.lineno = found[0][0]
            raise e
        return super().visit_Template(_Bounded().visit(node), frame)


class _CappedTemplate(Template):
    """render() through generate(), the characters written counted against the environment's OUTPUT."""

    def render(self, *args, **kwargs):
        env = self.environment
        out = []
        for piece in self.generate(*args, **kwargs):
            env.written += len(piece)
            if env.written > env.output_limit:
                raise Refused(f"模板填写后超过{env.output_limit}个字符（模板不能用来耗尽内存）")
            out.append(piece)
        return "".join(out)


class OfficeSandbox(Sandbox):
    """The sandbox of the templates an office edits: bounded string methods, a loop budget, an output cap,
    and no tag that changes escaping or buffers output."""

    code_generator_class = _OfficeCodeGenerator
    template_class = _CappedTemplate

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.iterations = 0
        self.written = 0
        self.output_limit = OUTPUT

    def counted(self, iterable):
        for x in iterable:
            self.iterations += 1
            if self.iterations > ITERATIONS:
                raise Refused(f"循环次数超过{ITERATIONS}次（模板不能用来让程序无休止地运行）")
            yield x

    def checked(self, value):
        return sized(value)

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)  # str.format is sandboxed when it is looked up
        if wrapped is not None:
            _check_braces(value.__self__)
        return wrapped

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - the sandbox's own signature
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            args = _check_str_call(owner, name, args, kwargs)
        return sized(super().call(__context, __obj, *args, **kwargs))


def _joinable(items, sep) -> list:
    """The items a join would join, as a list, when the joined string is at most LIMIT characters."""
    if isinstance(items, str):
        items = list(items)
    else:
        import itertools

        items = list(itertools.islice(items, LIMIT + 1))
    n = len(items)
    sep_len = len(sep) if isinstance(sep, str) else 0
    if n > LIMIT or sep_len * max(n - 1, 0) + sum(len(x) for x in items if isinstance(x, str)) > LIMIT:
        raise SecurityError(TOO_BIG)
    return items


def _check_str_call(s: str, name: str, args, kwargs) -> tuple:
    """A str method's arguments (the iterable of a join made a list), once the result is known to be bounded."""
    if name not in ("format", "format_map") and any(_int(a) and a > LIMIT for a in (*args, *kwargs.values())):
        raise SecurityError(TOO_BIG)
    if name in WIDTH_METHODS:
        width = args[0] if args else next(iter(kwargs.values()), 0)
        if _int(width) and (width > LIMIT or name == "expandtabs" and width * s.count("\t") > LIMIT):
            raise SecurityError(TOO_BIG)
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(s, args[0], args[1], args[2] if len(args) > 2 and _int(args[2]) else -1)
    elif name == "join" and args:
        return (_joinable(args[0], s), *args[1:])
    elif name in ("format", "format_map"):
        _check_braces(s)
    return args


def _check_replace(s: str, old: str, new: str, count: int = -1) -> None:
    n = (len(s) + 1) if old == "" else s.count(old)
    if count >= 0:
        n = min(n, count)
    if len(s) + n * (len(new) - len(old)) > LIMIT:
        raise SecurityError(TOO_BIG)


def _check_braces(fmt: str) -> None:
    """A str.format template: a width of six digits or more, or one given by another field, is refused."""
    import string

    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format raises the same error itself
    for _, _, spec, _ in parsed:
        if spec and ("{" in spec or re.search(r"\d{6,}", spec)):
            raise SecurityError(TOO_BIG)


def _check_format(fmt: str) -> None:
    for spec in re.findall(r"%[-#0 +]*[\d*]*(?:\.[\d*]+)?", fmt):
        if any(len(w) >= 6 or w == "*" for w in re.findall(r"\d+|\*", spec)):
            raise SecurityError(TOO_BIG)


def _bounded(name: str, fn):
    """A filter whose width argument is at most LIMIT (center, indent, format's printf widths), whose result of
    join, replace and batch would not be longer, and whose result is checked (sized)."""
    def wrapper(*args, **kwargs):
        if name == "format":
            _check_format(str(args[0]) if args else "")
        elif name in ("center", "indent"):
            width = args[1] if len(args) > 1 else kwargs.get("width", 0)
            if isinstance(width, int) and width > 1000:
                raise SecurityError(TOO_BIG)
            if name == "indent" and isinstance(args[0], str) and isinstance(width, int) \
                    and width * (args[0].count("\n") + 1) > LIMIT:
                raise SecurityError(TOO_BIG)
        elif name == "replace":  # (eval_ctx, s, old, new, count)
            rest = list(args[1:])
            if len(rest) >= 3 and all(isinstance(a, str) for a in rest[:3]):
                _check_replace(rest[0], rest[1], rest[2], rest[3] if len(rest) > 3 and _int(rest[3]) else -1)
        elif name == "join" and len(args) > 1:  # (eval_ctx, value, d="", attribute=None)
            sep = args[2] if len(args) > 2 else kwargs.get("d", "")
            args = (args[0], _joinable(args[1], sep), *args[2:])
        elif name == "batch":  # (value, linecount, fill_with=None)
            count = args[1] if len(args) > 1 else kwargs.get("linecount", 0)
            if _int(count) and count > LIMIT:
                raise SecurityError(TOO_BIG)
        return sized(fn(*args, **kwargs))

    for attr in ("jinja_pass_arg",):  # keep the filter's calling convention (context/environment passing)
        if hasattr(fn, attr):
            setattr(wrapper, attr, getattr(fn, attr))
    return wrapper


def environment(*, autoescape: bool, strict: bool = False, filters=FILTERS, output: int = OUTPUT,
                **options) -> Sandbox:
    """A sandboxed environment: autoescape for XML and HTML, StrictUndefined when strict; other Jinja2 options
    (loader, trim_blocks …) as given. Without the `safe` filter (an office's templates) an OfficeSandbox whose
    renderings together write at most `output` characters."""
    office = "safe" not in filters  # docgen's own board pages (SITE_FILTERS) are not an office's templates
    env = (OfficeSandbox if office else Sandbox)(autoescape=autoescape, undefined=StrictUndefined if strict
                                                 else Undefined, **options)
    env.globals.clear()
    if office:
        env.output_limit = output
    bounded = FILTERS if office else ("center", "indent", "format")
    env.filters = {name: (_bounded(name, env.filters[name]) if name in bounded else env.filters[name])
                   for name in filters}
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


def tag_problems(env, source: str) -> list[tuple[int, str]]:
    """(line, Chinese reason) of every tag an office template may not use."""
    return [(line, _refuse_tag_message(tag)) for line, tag in refused_tags(env.parse(source))]


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
    if isinstance(e, Refused):
        return msg
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
