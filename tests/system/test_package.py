"""discrep as a package: the wheel carries conf/ and the run-time data files (copies equal to the repository's),
and, installed into a fresh venv the way the README says, it trains and scores from an empty folder."""
import fnmatch
import json
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import discrep
from tests.conftest import ROOT, clean_env

BUNDLE_PREFIX = "discrep/_bundle/"


def bundle_patterns() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["discrep"]["bundle"]


def build_wheel(dest: Path) -> Path:
    """``pip wheel . --no-deps`` on a copy of the source tree (so the checkout gets no build/ folder)."""
    src = dest / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("discrep", "conf", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(dest / "wheels")]
    try:  # the backend already installed here (setuptools>=77, as pyproject requires): no download
        if int(metadata.version("setuptools").split(".")[0]) >= 77:
            cmd.append("--no-build-isolation")
    except metadata.PackageNotFoundError:
        pass
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    (wheel,) = (dest / "wheels").glob("discrep-*.whl")
    return wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_the_wheel_carries_conf_and_the_run_time_data_as_copies_of_the_repositorys(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        bundled = {n[len(BUNDLE_PREFIX):]: z.read(n) for n in names if n.startswith(BUNDLE_PREFIX)}
        meta = z.read(f"discrep-{discrep.__version__}.dist-info/METADATA").decode()
        entry = z.read(f"discrep-{discrep.__version__}.dist-info/entry_points.txt").decode()
    expected = sorted({str(p.relative_to(ROOT)) for pat in bundle_patterns() for p in ROOT.glob(pat) if p.is_file()})
    assert sorted(bundled) == expected
    for rel in expected:  # byte for byte: the packaged copy is made from the top-level folders at build time
        assert bundled[rel] == (ROOT / rel).read_bytes(), rel
    # what scoring and `discrep train` read: every config file, the registry, the gazetteer, the seed claims
    assert {"conf/config.yaml", "conf/score.yaml", "data/sources.yaml", "data/places.yaml",
            "data/train/claims.jsonl"} <= set(bundled)
    assert {str(p.relative_to(ROOT)) for p in (ROOT / "conf").rglob("*.yaml")} <= set(bundled)
    assert not [n for n in bundled if fnmatch.fnmatch(n, "data/examples/*") or fnmatch.fnmatch(n, "data/gold/*")]
    assert f"Version: {discrep.__version__}" in meta
    assert "discrep = discrep.cli:main" in entry


def test_version_flag(capsys):
    from discrep.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.strip() == f"discrep {discrep.__version__}"


def test_a_missing_packaged_registry_is_a_warning_not_a_silent_empty_one(tmp_path, monkeypatch, caplog):
    from discrep.text import places, sources

    monkeypatch.setattr(sources, "DEFAULT_REGISTRY", tmp_path / "sources.yaml")
    monkeypatch.setattr(places, "DEFAULT_PLACES", tmp_path / "places.yaml")
    monkeypatch.setattr(sources, "_WARNED", set())
    with caplog.at_level("WARNING"):
        assert not sources.SourceRegistry.from_yaml().sources
        assert places.Gazetteer.load().places == {} and places.Gazetteer.load().places == {}
        assert not sources.SourceRegistry.from_yaml(tmp_path / "mine.yaml").sources  # a user's own file: quiet
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 2 and "speaker registry" in msgs[0] and "gazetteer" in msgs[1]
    assert all("without its data files" in m for m in msgs)


@pytest.mark.slow
def test_the_installed_wheel_trains_and_scores_from_an_empty_folder(wheel, tmp_path):
    """The README's install lines in a fresh venv (no system site-packages; torch's CPU wheel first, from the
    local wheel folder or pip's cache, then the wheel with its dependencies from the registry)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install torch==2.13.0" in readme and "pip install discrep-" in readme  # the lines run below
    venv = tmp_path / "venv"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py, env = str(venv / "bin" / "python"), clean_env(venv)
    for args in (["torch==2.13.0"], [str(wheel)]):
        r = subprocess.run([py, "-m", "pip", "install", "-q", *args], capture_output=True, text=True, env=env,
                           timeout=900)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    print(f"fresh venv + install: {time.perf_counter() - t0:.0f} s")
    empty = tmp_path / "empty"
    empty.mkdir()

    def run(*args, timeout=600):
        return subprocess.run([str(venv / "bin" / "discrep"), *args], capture_output=True, text=True, env=env,
                              cwd=empty, timeout=timeout)

    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"discrep {discrep.__version__}"
    probe = subprocess.run([py, "-c", "import discrep, discrep.resources as r\n"
                                      "from discrep.stages.extract import ClaimExtractor\n"
                                      "print(discrep.__file__); print(r.CONF_DIR)\n"
                                      "print(len(ClaimExtractor().registry.sources))"],
                           capture_output=True, text=True, env=env, cwd=empty, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    where, conf, n_sources = probe.stdout.split()
    assert where.startswith(str(venv)) and conf.startswith(str(venv)) and conf.endswith("_bundle/conf")
    assert int(n_sources) > 10  # the packaged speaker registry, not an empty one
    r = run("train", "features=structured", "data.synthetic.per_claim=2")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "registered discrep-pair v1, champion" in r.stdout
    assert (empty / "work" / "mlflow.db").exists() and sorted(p.name for p in empty.iterdir()) == ["work"]
    r = run("score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), str(ROOT / "data" / "examples"
                                                                               / "articles.jsonl"),
            "--out", "res", "--quiet")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    run_json = json.loads((empty / "res" / "run.json").read_text())
    assert run_json["counts"]["articles"] >= 2 and run_json["counts"]["claims"] > 0
    assert run_json["model_uri"] == "models:/discrep-pair@champion"
    claims = [json.loads(line) for line in (empty / "res" / "claims.jsonl").read_text().splitlines()]
    assert "syniehubov" in {c["source"] for c in claims}  # "Oleh Synehubov" resolved by the packaged registry
    assert (empty / "res" / "report.html").stat().st_size > 1000
