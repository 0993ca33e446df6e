"""What a `discrep train` run leaves in MLflow: its datasets (mlflow.log_input), params that name no path of
this machine, the logged model's requirements, whether it took @champion and why; and a sweep that leaves
the champion where it was."""
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, clean_env, run_cli

FAST = ["features=structured", "data.synthetic.per_claim=2", "data.sick.enabled=false", "data.fnc.enabled=false"]


def _store(home):
    from mlflow import MlflowClient

    uri = f"sqlite:///{home / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def _runs(client):
    exp = client.get_experiment_by_name("discrep-pair")
    return client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"])


def test_a_run_logs_its_datasets_portable_params_and_why_it_was_promoted(trained_home):
    client = _store(trained_home)
    (run,) = [r for r in _runs(client) if r.info.run_name == "test-run"]
    inputs = {i.dataset.name: i for i in run.inputs.dataset_inputs}
    assert set(inputs) == {"train", "validation", "news-selection", "gold"}
    contexts = {name: [t.value for t in i.tags if t.key == "mlflow.data.context"] for name, i in inputs.items()}
    assert contexts == {"train": ["training"], "validation": ["validation"], "news-selection": ["selection"],
                        "gold": ["evaluation"]}
    for name, i in inputs.items():
        assert re.fullmatch(r"[0-9a-f]{16}", i.dataset.digest), name
        assert '"${paths.root_dir}/data/' in i.dataset.source, i.dataset.source  # where, in config terms
        assert '"num_rows": 0' not in i.dataset.profile
    mv = client.get_model_version("discrep-pair", run.data.tags["registered_version"])
    assert mv.tags["selection_set"] == inputs["news-selection"].dataset.digest  # the set it was ranked on

    params = run.data.params
    assert params["extract.sources_path"] == "${paths.root_dir}/data/sources.yaml"
    assert params["embedder.cache_dir"] == "${paths.work_dir}/cache"
    machine = [str(trained_home), str(ROOT), str(ROOT.parent)]
    assert [(k, v) for k, v in params.items() if v.startswith("/") or any(m in v for m in machine)] == []

    assert run.data.tags["promoted"] == "true" and run.data.tags["promotion"] == "no champion yet"
    assert mv.tags["promotion"] == "no champion yet"
    import mlflow

    from discrep.io.tracking import configure

    configure(f"sqlite:///{trained_home / 'mlflow.db'}")  # tracking and registry both
    reqs = mlflow.pyfunc.get_model_dependencies(f"models:/discrep-pair/{mv.version}")
    names = {line.split("==")[0] for line in open(reqs).read().split() if not line.startswith("-")}
    assert {"dateparser", "scikit-learn", "skops", "sentence-transformers", "mlflow"} <= names


@pytest.mark.slow
def test_a_sweep_never_moves_the_champion(tmp_path):
    home = tmp_path / "home"
    r = run_cli(["train", *FAST, "model=logreg", "run_name=first"], home)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "registered discrep-pair v1, champion (no champion yet)" in r.stdout
    client = _store(home)
    # the champion now scores 0 on the validation set: every run of the sweep beats it, none may take it
    client.set_model_version_tag("discrep-pair", "1", "selection_metric", "0.0")
    r = run_cli(["train", "-m", *FAST, "model=logreg,hgb"], home)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert r.stdout.count("not promoted (part of a sweep (-m): sweeps never move @champion") == 2, r.stdout
    assert str(client.get_model_version_by_alias("discrep-pair", "champion").version) == "1"
    swept = [x for x in _runs(client) if x.info.run_name != "first"]
    assert len(swept) == 2 and {x.data.tags["promoted"] for x in swept} == {"false"}
    r = run_cli(["train", "-m", *FAST, "model=logreg,hgb", "promote=true"], home)
    assert r.returncode == 2 and "promote=true in a sweep" in r.stderr and "Traceback" not in r.stderr
    assert "training on" not in r.stdout + r.stderr  # refused before any training
    r = run_cli(["train", *FAST, "model=hgb", "promote=false"], home)
    assert r.returncode == 0 and "not promoted (promote=false)" in r.stdout
    r = run_cli(["train", *FAST, "model=hgb"], home)  # one run, better than 0: it takes the alias
    assert r.returncode == 0 and "registered discrep-pair v5, champion (beats champion v1:" in r.stdout
    assert str(client.get_model_version_by_alias("discrep-pair", "champion").version) == "5"
    # a champion ranked on another validation set (the seed claims changed since) is re-scored on this one
    client.set_model_version_tag("discrep-pair", "5", "selection_set", "another-set")
    r = run_cli(["train", *FAST, "model=hgb", "seed=14"], home)
    assert r.returncode == 0 and "champion v5: news_val_macro_f1" in r.stdout
    assert "champion re-scored on this run's validation set" in r.stdout


@pytest.mark.slow
def test_the_logged_model_predicts_in_a_venv_built_from_its_requirements_alone(trained_home, tmp_path):
    """No discrep installed there: the model's own code (code_paths) and its requirements.txt, nothing else."""
    import mlflow

    from discrep.io.tracking import configure

    configure(f"sqlite:///{trained_home / 'mlflow.db'}")
    model = Path(mlflow.artifacts.download_artifacts("models:/discrep-pair@champion", dst_path=str(tmp_path)))
    venv = tmp_path / "venv"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py, env = str(venv / "bin" / "python"), clean_env(venv)
    r = subprocess.run([py, "-m", "pip", "install", "-q", "-r", str(model / "requirements.txt")],
                       capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    print(f"venv from the model's requirements: {time.perf_counter() - t0:.0f} s")
    code = ("import importlib.util, sys, mlflow, pandas as pd\n"
            "assert importlib.util.find_spec('discrep') is None, 'discrep is installed here'\n"
            f"m = mlflow.pyfunc.load_model({str(model)!r})\n"
            "df = pd.DataFrame({'text_a': ['The governor said three people were killed.'],"
            " 'text_b': ['Officials said at least five people were killed.'], 'source_a': ['gov'],"
            " 'source_b': ['off'], 'published_a': ['2024-01-02'], 'published_b': ['2024-01-03']})\n"
            "out = m.predict(df)\nprint(out.iloc[0]['label'], out.iloc[0]['reason'])\n")
    r = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[0] == "contradict" and "killed: 3" in r.stdout


def test_portable_replaces_this_machines_paths_at_path_boundaries():
    from discrep.training.train import portable

    roots = {"${paths.root_dir}": "/srv/repo", "${paths.shared_dir}": "/srv/repo/../shared", "~": "/home/ann"}
    cfg = {"a": "/srv/repo/data/x.yaml", "b": "/srv/repo/../shared/data/SICK.txt", "c": "/srv/repository/y",
           "d": ["/home/ann/m.db", "sqlite:////srv/repo/mlflow.db", 3], "e": "/mnt/elsewhere/f.jsonl", "f": None}
    assert portable(cfg, roots) == {
        "a": "${paths.root_dir}/data/x.yaml", "b": "${paths.shared_dir}/data/SICK.txt", "c": "…/y",
        "d": ["~/m.db", "sqlite:///${paths.root_dir}/mlflow.db", 3], "e": "…/f.jsonl", "f": None}
