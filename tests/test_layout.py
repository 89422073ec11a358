"""The folders are the stages of the brief, and the arrows between them go one way: every import of docgen's own
modules (at the top of a file or inside a function) is read from the source, and none goes against the flow."""
import ast
from pathlib import Path

import docgen

ROOT = Path(docgen.__file__).parent

# Who may import whom, written from the brief's flow (registers -> model -> engine -> plan -> the edge -> outputs),
# not from the code: core is below everything; kinds is the registry every stage reads; view is wording.
ALLOWED = {
    "core": set(),
    "kinds": {"core"},
    "registers": {"core", "kinds"},
    "engine": {"core", "kinds", "registers"},
    "record": {"core", "kinds", "registers"},
    "view": {"core", "kinds", "registers", "engine"},
    "documents": {"core", "kinds", "registers", "engine", "record", "view"},
    "issuing": {"core", "kinds", "registers", "engine", "record", "view", "documents"},
    "outputs": {"core", "kinds", "registers", "engine", "record", "view", "documents", "issuing"},
    "build": {"core", "kinds", "registers", "engine", "record", "view", "documents", "issuing", "outputs"},
    # the platform is an output that also takes the units' reports in: it reads the model and the record like the
    # board, and writes only its own files (accounts, inbox, audit) and, when the clerk accepts, a progress entry
    "platform": {"core", "kinds", "registers", "engine", "record", "view", "documents", "issuing", "outputs"},
    "cli": {"core", "kinds", "registers", "engine", "record", "view", "documents", "issuing", "outputs", "build",
            "platform"},
    "__main__": {"cli"},
    "__init__": set(),
}


def _modules():
    out = {}
    for p in ROOT.rglob("*.py"):
        rel = p.relative_to(ROOT).with_suffix("").parts
        out[".".join(rel)] = p
    return out


def _imports(name: str, path: Path) -> set[str]:
    """docgen's own modules a module imports, by their path below docgen (documents.gbt9704)."""
    pkg = name.split(".")[:-1]
    if path.name == "__init__.py":
        pkg = name.split(".")[:-1]
    found = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg[:len(pkg) - (n.level - 1)] if n.level > 1 else pkg
                mod = base + (n.module.split(".") if n.module else [])
            elif n.module and n.module.split(".")[0] == "docgen":
                mod = n.module.split(".")[1:]
            else:
                continue
            for a in n.names:
                found.add(".".join(mod + [a.name]) if not n.module or n.level and not n.module else ".".join(mod))
        elif isinstance(n, ast.Import):
            found |= {a.name.split(".", 1)[1] for a in n.names if a.name.startswith("docgen.")}
    return {f for f in found if f}


def _stage(mod: str) -> str:
    return mod.split(".")[0]


def test_every_arrow_between_folders_goes_with_the_flow():
    mods = _modules()
    against = []
    for name, path in mods.items():
        for dep in _imports(name, path):
            a, b = _stage(name), _stage(dep)
            if a != b and b not in ALLOWED[a]:
                against.append(f"{name} -> {dep}")
    assert len(mods) > 40  # the walk found the package
    assert against == []


def test_no_module_imports_itself_back():
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        deps = set()
        for d in _imports(name, path):
            while d and d not in mods:  # `from .x import name` names a module or something in one
                d = d.rpartition(".")[0]
            if d and d != name and not d.endswith("__init__"):
                deps.add(d)
        graph[name] = deps
    cycles, seen = [], {}

    def visit(v, stack):
        seen[v] = 1
        stack.append(v)
        for w in graph[v]:
            if seen.get(w) == 1:
                cycles.append(stack[stack.index(w):] + [w])
            elif w not in seen:
                visit(w, stack)
        stack.pop()
        seen[v] = 2

    for v in sorted(graph):
        if v not in seen:
            visit(v, [])
    assert cycles == []


def test_the_walk_sees_an_arrow_against_the_flow(tmp_path):
    """The check itself: an engine module that imports the edge is caught."""
    p = tmp_path / "x.py"
    p.write_text("from ..issuing.slips import issue\ndef f():\n    from ..outputs import site\n", encoding="utf-8")
    deps = _imports("engine.x", p)
    assert {_stage(d) for d in deps} == {"issuing", "outputs"}
    assert not {"issuing", "outputs"} <= ALLOWED["engine"]
