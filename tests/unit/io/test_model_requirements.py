"""The logged pyfunc's requirements name every distribution its code imports: the pyfunc module, the discrep
package it ships with (code_paths) and every discrep module those reach, imports inside functions included."""
import ast
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from discrep.io.tracking import PIP_REQUIREMENTS, pyfunc_requirements

ROOT = Path(__file__).resolve().parents[3]
PKG = ROOT / "discrep"
ENTRY = "discrep.io.pyfunc"


def _canon(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = list(f.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def _imports(name: str, f: Path, mods: dict[str, Path]) -> list[tuple[str, bool]]:
    """(imported module, inside a function?) for every import statement of a module."""
    is_pkg = f.name == "__init__.py"
    out = []

    def visit(node, in_func):
        for ch in ast.iter_child_nodes(node):
            inner = in_func or isinstance(ch, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(ch, ast.ImportFrom):
                if ch.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    target = ".".join(base[:len(base) - ch.level + 1] + ([ch.module] if ch.module else []))
                else:
                    target = ch.module
                for a in ch.names:
                    out.append((f"{target}.{a.name}" if f"{target}.{a.name}" in mods else target, inner))
            elif isinstance(ch, ast.Import):
                out.extend((a.name, inner) for a in ch.names)
            visit(ch, inner)

    visit(ast.parse(f.read_text(encoding="utf-8")), False)
    return out


def reached_imports(entry: str = ENTRY) -> dict[str, bool]:
    """Top-level third-party module -> whether some reached module imports it at module level (False: only
    inside functions). Importing a module imports its parent packages, so those are reached too."""
    mods = _modules()
    todo = [".".join(entry.split(".")[:i]) for i in range(1, entry.count(".") + 2)]
    seen: set[str] = set()
    third: dict[str, bool] = {}
    while todo:
        m = todo.pop()
        if m in seen or m not in mods:
            continue
        seen.add(m)
        for target, in_func in _imports(m, mods[m], mods):
            top = target.split(".")[0]
            if top == "discrep":
                parts = target.split(".")
                todo += [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
            elif top not in sys.stdlib_module_names and top != "__future__":
                third[top] = third.get(top, False) or not in_func
    return third


def optional_distributions() -> set[str]:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    return {_canon(r.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip())
            for reqs in extras.values() for r in reqs}


def needed_distributions() -> tuple[dict[str, set[str]], set[str]]:
    """(module the pyfunc needs -> the distributions that provide it, optional distributions it imports only
    inside functions). Several may provide one module (mlflow: mlflow, mlflow-skinny, mlflow-tracing)."""
    dists = metadata.packages_distributions()
    optional = optional_distributions()
    need, opt = {}, set()
    for mod, module_level in reached_imports().items():
        names = {_canon(d) for d in dists.get(mod, [])}
        assert names, f"no installed distribution provides {mod!r} (imported by the pyfunc's code)"
        if names & optional:
            assert not module_level, f"{mod} (an optional extra) is imported at module level: loading would fail"
            opt |= names & optional
        else:
            need[mod] = names
    return need, opt


def unmet(need: dict[str, set[str]], requirements) -> list[str]:
    listed = {_canon(r.split("==")[0]) for r in requirements}
    return sorted(mod for mod, names in need.items() if not names & listed)


def test_the_walk_sees_imports_made_inside_functions():
    third = reached_imports()
    assert third["mlflow"] is True and third["pandas"] is True  # pyfunc.py's own module-level imports
    assert third.get("dateparser") is False  # discrep.text.dates imports it in a function: still needed
    assert "onnxruntime" in third  # the embedder's optional onnx backend
    assert "hydra" not in third and "pyspark" not in third  # training and Spark are not reached


def test_requirements_name_every_distribution_the_pyfunc_imports():
    need, optional = needed_distributions()
    assert unmet(need, PIP_REQUIREMENTS) == []
    provided = set().union(*need.values())
    assert sorted(_canon(r) for r in PIP_REQUIREMENTS if _canon(r) not in provided) == []  # nothing stale
    assert "onnxruntime" in optional


def test_requirements_are_pinned_to_the_running_versions():
    reqs = pyfunc_requirements()
    assert [r.split("==")[0] for r in reqs] == list(PIP_REQUIREMENTS)
    for r in reqs:
        name, version = r.split("==")
        assert version == metadata.version(name).split("+")[0], r
    assert next(r for r in reqs if r.startswith("torch==")).count("+") == 0  # no local tag pip cannot resolve


@pytest.fixture(scope="module")
def logged_model(tiny_model, tmp_path_factory):
    """The small classifier logged as the pyfunc (no registry), and its downloaded folder."""
    import mlflow

    from discrep.io import tracking

    folder, example = tiny_model
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'mlflow.db'}"
    with tracking.start_run("req-test", "req", {}, uri):
        info = tracking.log_classifier(folder, example, str(ROOT / "data" / "sources.yaml"),
                                       str(ROOT / "data" / "places.yaml"), register=False)
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=info["model_uri"])), info


def test_the_logged_models_requirements_are_the_checked_list(logged_model):
    local, info = logged_model
    reqs = [line.strip() for line in (local / "requirements.txt").read_text().splitlines() if line.strip()]
    assert [r for r in reqs if not r.startswith("-")] == pyfunc_requirements()
    need, _ = needed_distributions()
    assert unmet(need, reqs) == []
    assert "dateparser" in {r.split("==")[0] for r in reqs}  # missing before: predict failed in a clean env
    assert info["promoted"] is False and "not registered" in info["promotion"]
