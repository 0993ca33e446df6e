"""Models logged before the package was laid out by role still load and score.

Such a model carries its own copy of the pyfunc code (discrep/io/pyfunc.py of discrep 0.1, kept in
tests/fixtures/legacy/), which imports the flat module names ``discrep.classify``, ``discrep.embed``,
``discrep.extract``, ``discrep.ingest``, ``discrep.pipeline``, ``discrep.types`` and ``discrep.spool``: they are
deprecated aliases of the new modules (discrep/_legacy.py)."""
import importlib
import json
import subprocess
import sys
import warnings

import pytest

from tests.conftest import ROOT, run_cli

LEGACY_CODE = ROOT / "tests" / "fixtures" / "legacy" / "mlflow_model_v0_1.py"
OLD_NAMES = {  # what the pyfunc code of discrep 0.1 imports
    "discrep.classify": ["META_FILE", "PairClassifier"], "discrep.embed": ["Embedder"],
    "discrep.extract": ["ClaimExtractor"], "discrep.ingest": ["parse_date"], "discrep.pipeline": ["judge"],
    "discrep.types": ["ClaimPair"], "discrep.spool": ["claim_from_json"], "discrep.spark": ["score_dataframe"],
}


@pytest.mark.parametrize("old", sorted(OLD_NAMES))
def test_old_module_names_import_with_a_deprecation_warning(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod = importlib.import_module(old)
    assert any(issubclass(w.category, DeprecationWarning) and old in str(w.message) for w in caught)
    for name in OLD_NAMES[old]:
        assert hasattr(mod, name), f"{old}.{name}"


def test_an_alias_is_the_new_module_itself():
    import discrep.classify
    import discrep.model.classifier

    assert discrep.classify is discrep.model.classifier
    assert discrep.classify.PairClassifier is discrep.model.classifier.PairClassifier


def _legacy_model(trained_home, tmp_path):
    """The registered model of ``trained_home`` logged again as discrep 0.1 logged it: its pyfunc code is the
    old file; artifacts (classifier, sources, places) as they are."""
    code = f"""
import json, mlflow, sys
sys.path.insert(0, {str(ROOT)!r})
from discrep.io.tracking import configure, model_artifacts
uri = configure(None)
_, arts = model_artifacts(None, uri)
mlflow.set_experiment("legacy")
with mlflow.start_run():
    info = mlflow.pyfunc.log_model(name="model", python_model={str(LEGACY_CODE)!r}, artifacts=arts,
                                   pip_requirements=["discrep"])
print(json.dumps({{"uri": info.model_uri, "arts": arts}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=trained_home,
                       env={**_env(trained_home)})
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _env(home):
    import os

    env = {**os.environ, "DISCREP_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def test_a_model_logged_with_the_old_pyfunc_code_predicts_like_the_new_one(trained_home, tmp_path):
    legacy = _legacy_model(trained_home, tmp_path)
    code = f"""
import json, sys, warnings
sys.path.insert(0, {str(ROOT)!r})
import mlflow, pandas as pd
from discrep.io.tracking import configure, default_model_uri
configure(None)
rows = pd.DataFrame([
    {{"text_a": "The governor said one person was killed.", "text_b": "Local channels said two people died."}},
    {{"text_a": "The ministry said 17 rockets were shot down.", "text_b": "Air defences downed 17 rockets."}},
    {{"text_a": "The mayor said 20 people were injured.", "text_b": ""}}])  # "": nothing on the other side
rows["source_a"], rows["source_b"] = "governor", "local-channels"  # the new model's signature wants all four
rows["published_a"] = rows["published_b"] = "2024-01-02"
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    old = mlflow.pyfunc.load_model({legacy["uri"]!r}).predict(rows)
new = mlflow.pyfunc.load_model(default_model_uri()).predict(rows)
print(json.dumps({{"old": old.to_dict("records"), "new": new.to_dict("records"),
                  "deprecated": sorted({{str(x.message).split()[0] for x in w if x.category is DeprecationWarning
                                        and str(x.message).startswith("discrep.")}})}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600, cwd=trained_home,
                       env=_env(trained_home))
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["old"] == got["new"] and len(got["old"]) == 3
    assert {"discrep.classify", "discrep.pipeline"} <= set(got["deprecated"])  # it did run the old code


def test_discrep_score_with_a_model_logged_by_the_old_code(trained_home, scored_dir, tmp_path):
    legacy = _legacy_model(trained_home, tmp_path)
    out = tmp_path / "legacy-score"
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--model", legacy["uri"], "--engine", "memory",
                 "--out", str(out), "--quiet"], trained_home)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for name in ("claims", "incidents", "discrepancies", "figures"):
        assert (out / f"{name}.jsonl").read_bytes() == (scored_dir / f"{name}.jsonl").read_bytes(), name
