import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DISCREP_SHARED", ROOT.parent / "shared"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


MLFLOW_ENV = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI",
                                             "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "HF_HUB_DISABLE_PROGRESS_BARS")}


@pytest.fixture(autouse=True)
def _mlflow_env_restored():
    """mlflow.set_tracking_uri/set_registry_uri also set MLFLOW_TRACKING_URI/MLFLOW_REGISTRY_URI in os.environ
    "so that subprocesses inherit them": a test (or a module fixture, set up before this one) that logs
    in-process would point every later subprocess and default store at its own (and tracking.configure's
    progress-bar settings would silence later subprocesses). Reset after each test to what the session
    started with."""
    yield
    for k, v in MLFLOW_ENV.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def need_shared(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"public benchmark data not found at {p} (set DISCREP_SHARED to the shared/ folder)")
    return p


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def embedder():
    from discrep.model.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def extractor():
    from discrep.stages.extract import ClaimExtractor

    return ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                          places_path=str(ROOT / "data" / "places.yaml"))


def clean_env(venv: Path) -> dict[str, str]:
    """The environment of someone who never cloned the repository, with ``venv`` active: no PYTHONPATH, no
    discrep or MLflow variables."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCREP_", "PYTHON", "MLFLOW_", "VIRTUAL_ENV"))}
    env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", VIRTUAL_ENV=str(venv),
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return env


def run_cli(args, home: Path, timeout=600, **kw):
    Path(home).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DISCREP_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    env.pop("MLFLOW_REGISTRY_URI", None)
    return subprocess.run([sys.executable, "-m", "discrep.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=kw.get("cwd", home))


@pytest.fixture(scope="session")
def trained_home(tmp_path_factory) -> Path:
    """A work folder with one trained, registered model (the README's train step; FNC-1 aggregator off and
    fewer synthetic pairs for speed)."""
    home = tmp_path_factory.mktemp("home")
    r = run_cli(["train", "data.sick.enabled=false", "data.fnc.enabled=false", "data.synthetic.per_claim=12",
                 "run_name=test-run"], home)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return home


@pytest.fixture(scope="session")
def scored_dir(trained_home) -> Path:
    out = trained_home / "score-examples"
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--out", str(out), "--quiet"], trained_home)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out
