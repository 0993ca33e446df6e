"""The package's import contract: no import cycles, counting the imports made inside functions too, and
imports flowing one way between the layers (records and text at the bottom, the CLI at the top)."""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "discrep"

# layer of each top-level part of the package: a module may import only its own layer or lower ones
LAYERS = {
    "errors": 0, "resources": 0, "fs": 0, "_legacy": 0,
    "records": 1, "text": 2,
    "stages": 3, "model": 3,  # the verdict stage reads the featurizer's figures, the featurizer the extractor's
    "io": 4, "graph": 5, "engines": 6, "training": 7, "evaluation": 7, "api": 8, "cli": 9, "__init__": 9,
}


def module_name(f: Path, pkg: Path = PKG) -> str:
    parts = list(f.relative_to(pkg.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(pkg: Path = PKG) -> dict[str, set[str]]:
    """Module -> the discrep modules it imports anywhere in its body (function-level imports included).
    ``from discrep.x import y`` counts as importing ``discrep.x.y`` where that is a module."""
    mods = {module_name(f, pkg): f for f in pkg.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, f in mods.items():
        deps: set[str] = set()
        is_pkg = f.name == "__init__.py"
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[:len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for a in node.names:
                    if f"{target}.{a.name}" in mods:
                        deps.add(f"{target}.{a.name}")
                    elif target in mods:
                        deps.add(target)
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in mods}
        graph[name] = deps - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in graph:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def layer(mod: str) -> int:
    parts = mod.split(".")
    return LAYERS["__init__"] if len(parts) == 1 else LAYERS[parts[1]]


def test_the_checker_sees_cycles_and_function_level_imports(tmp_path):
    pkg = tmp_path / "discrep"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from discrep.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..a import x\n")
    (pkg / "c.py").write_text("from . import a\n")
    g = import_graph(pkg)
    assert g["discrep.sub.b"] == {"discrep.a"} and g["discrep.c"] == {"discrep.a"}
    assert cycles(g) == [["discrep.a", "discrep.sub.b"]]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert found == [], f"import cycles (function-level imports included): {found}"


def test_imports_flow_down_the_layers():
    bad = sorted(f"{m} -> {d}" for m, deps in import_graph().items() for d in deps
                 if d != "discrep" and layer(d) > layer(m))
    assert bad == [], "imports against the layers (a lower layer imports a higher one):\n" + "\n".join(bad)


def test_every_module_has_a_layer():
    assert {m.split(".")[1] for m in import_graph() if "." in m} <= set(LAYERS)
