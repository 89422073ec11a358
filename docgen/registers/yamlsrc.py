"""Safe YAML loading that remembers where every key and list element was written.

Dates stay strings here (the timestamp resolver is removed) so that a date that does not exist,
such as 2026-02-30, becomes a diagnostic with its line instead of an exception from the parser.
"""
from __future__ import annotations

import re

import yaml

from ..core.diagnostics import Diagnostic


class YMap(dict):
    """A mapping with the line of the mapping itself and of each key."""

    line: int = 0

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int = 0

    def __init__(self, *a):
        super().__init__(*a)
        self.item_lines: list[int] = []

    def line_at(self, i: int) -> int:
        return self.item_lines[i] if i < len(self.item_lines) else self.line


# libyaml's C parser when PyYAML has it (ten times faster); our constructors and resolvers either way.
class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


# No implicit timestamps: dates are parsed (and checked) by the register loader.
# Booleans as in YAML 1.2: only true/false, so that keys and values like on, off, yes, no, y, n stay text.
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers
         if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    m = YMap()
    m.line = node.start_mark.line + 1
    yield m
    loader.flatten_mapping(node)
    for knode, vnode in node.value:
        key = loader.construct_object(knode, deep=True)
        kline = knode.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.problems.append((kline, "?", "键不能是列表或映射"))
            continue
        if key in m:
            loader.problems.append((kline, str(key), f"键重复（第{m.key_lines[key]}行已写过）"))
        m[key] = loader.construct_object(vnode, deep=True)
        m.key_lines[key] = kline


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    s = YList()
    s.line = node.start_mark.line + 1
    yield s
    for child in node.value:
        s.append(loader.construct_object(child, deep=True))
        s.item_lines.append(child.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def load_yaml(text: str, file: str) -> tuple[object, list[Diagnostic]]:
    """Parse one YAML document. Returns (data or None, diagnostics)."""
    loader = _Loader(text)
    loader.problems = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 0
        what = (e.problem or e.context or "").strip()
        return None, [Diagnostic(file, line, "YAML", f"格式错误，无法解析（{what}）。请检查缩进、冒号和引号")]
    except yaml.YAMLError as e:  # pragma: no cover - other parser errors
        return None, [Diagnostic(file, 0, "YAML", f"格式错误，无法解析（{e}）")]
    finally:
        loader.dispose()
    return data, [Diagnostic(file, ln, key, msg) for ln, key, msg in loader.problems]
