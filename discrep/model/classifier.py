"""The pair classifier: agree / contradict / neutral / unreported with calibrated probabilities.

A scikit-learn estimator over :class:`ClaimPair` s. Saved as a skops file (type-checked on load,
no pickle) plus a small JSON of featurizer settings, so loading a model file cannot run code.
"""
from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from discrep.errors import ModelLoadError, UntrustedModelError
from discrep.model.features import PairFeaturizer, reason
from discrep.records.core import LABELS, ClaimPair

SKOPS_FILE = "classifier.skops"
META_FILE = "discrep.json"
TRUSTED_TYPES = frozenset({
    # what skops itself does not trust by default but our models (logreg / hgb / forests, calibrated) hold
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.tree._tree.Tree",
})
"""Exact type names trusted beyond skops' defaults. Never prefixes: a prefix such as ``builtins.``
would trust ``builtins.exec``, which a crafted file can call with its own arguments on load.

Trusting a type does not make its *data* safe: the tree types are walked by compiled code that does not
check child or feature indices, so a crafted file could make prediction read outside memory (a
segfault). :func:`check_structures` validates every tree before a loaded model is used."""


AGG_FILE = "aggregator.skops"


def _threads(n: int | None):
    """OpenMP threads for the estimator: HistGradientBoosting's OpenMP loops slow down ~50x when their
    threads compete for 2 busy cores, so training defaults to one thread (None: library default)."""
    import contextlib

    return _controller().limit(limits=int(n), user_api="openmp") if n else contextlib.nullcontext()


@functools.lru_cache(maxsize=1)
def _controller():
    """One ThreadpoolController per process: building it scans the loaded libraries (~10 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


class PairClassifier(ClassifierMixin, BaseEstimator):
    """Featurizer + scaler + (calibrated) scikit-learn classifier.

    ``featurizer``: a :class:`PairFeaturizer` (default: all groups, which needs an embedder: pass
    ``PairFeaturizer(embedder=...)``); ``fit`` fits a clone (``featurizer_``) that shares its embedder.
    ``estimator``: any scikit-learn classifier (default: balanced logistic regression).
    ``calibration``: "sigmoid", "isotonic" or None; ``cv``: folds for the calibration; ``threads``:
    OpenMP threads while fitting/predicting (see :func:`_threads`). ``aggregator``: the unfitted
    :class:`~discrep.model.stance.StanceAggregator` that :meth:`fit_aggregator` clones and fits
    (default ``StanceAggregator()``); the fitted one, ``aggregator_``, is saved and loaded with the model.
    """

    def __init__(self, featurizer: PairFeaturizer | None = None, estimator=None, calibration: str | None = "sigmoid",
                 cv: int = 3, scale: bool = True, threads: int | None = 1, aggregator=None):
        self.featurizer = featurizer
        self.estimator = estimator
        self.calibration = calibration
        self.cv = cv
        self.scale = scale
        self.threads = threads
        self.aggregator = aggregator

    def _featurizer(self) -> PairFeaturizer:
        return clone(self.featurizer) if self.featurizer is not None else PairFeaturizer()

    def fit(self, X, y, sample_weight=None):
        t0 = time.perf_counter()
        fz = self._featurizer()  # a clone: the featurizer passed in stays as it was given
        fz.fit(X)
        F = fz.transform(X)
        y = np.asarray(y)
        est = clone(self.estimator) if self.estimator is not None else LogisticRegression(
            C=1.0, max_iter=3000, class_weight="balanced")
        if self.calibration:
            counts = np.unique(y, return_counts=True)[1]
            cv = max(2, min(self.cv, int(counts.min()))) if len(counts) > 1 else 2
            est = CalibratedClassifierCV(est, method=self.calibration, cv=cv)
        steps = ([("scale", StandardScaler())] if self.scale else []) + [("clf", est)]
        self.model_ = Pipeline(steps)
        fit_params = {"clf__sample_weight": sample_weight} if sample_weight is not None else {}
        with _threads(self.threads):
            self.model_.fit(F, y, **fit_params)
        self.featurizer_ = fz
        self.__dict__.pop("aggregator_", None)  # fitted on the previous model's probabilities: stale now
        self.classes_ = self.model_.classes_
        self.n_features_in_ = F.shape[1]
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def fit_aggregator(self, X, y, sample_weight=None) -> "PairClassifier":
        """Fit ``aggregator_`` (a clone of ``aggregator``) on document-level features: rows of
        :func:`discrep.model.stance.document_features`, which this fitted classifier computes, so the
        aggregator is a second stage fitted after :meth:`fit` on other data (FNC-1 stories)."""
        check_is_fitted(self, "model_")
        agg = self._aggregator()
        self.aggregator_ = agg.fit(X, y, sample_weight=sample_weight)
        return self

    def _aggregator(self):
        """An unfitted clone of ``aggregator`` (default ``StanceAggregator()``), e.g. for cross-validation."""
        from discrep.model.stance import StanceAggregator

        return clone(self.aggregator) if self.aggregator is not None else StanceAggregator()

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        F = self.featurizer_.transform(X)
        with _threads(self.threads):
            return self.model_.predict_proba(F)

    def predict(self, X) -> np.ndarray:
        P = self.predict_proba(X)
        return self.classes_[P.argmax(axis=1)] if len(P) else np.array([], dtype=object)

    def proba_frame(self, X) -> list[dict[str, float]]:
        """Probabilities as dicts over all four labels (missing classes get 0)."""
        P = self.predict_proba(X)
        out = []
        for row in P:
            d = {lab: 0.0 for lab in LABELS}
            for c, p in zip(self.classes_, row):
                d[str(c)] = float(p)
            out.append(d)
        return out

    def explain(self, pair: ClaimPair, label: str) -> str:
        return reason(pair.a, pair.b, label, pair.focus)

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``classifier.skops`` + ``discrep.json`` into a folder."""
        import skops.io as sio

        check_is_fitted(self, "model_")
        from discrep.fs import atomic_write

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with atomic_write(path / SKOPS_FILE, "wb") as fh:  # a killed save never leaves a truncated model
            fh.write(sio.dumps(self.model_))
        agg = getattr(self, "aggregator_", None)
        if agg is not None:
            with atomic_write(path / AGG_FILE, "wb") as fh:
                fh.write(sio.dumps(agg.model_))
        fz = self.featurizer_
        meta = {"format": 1, "classes": [str(c) for c in self.classes_], "n_features": int(self.n_features_in_),
                "featurizer": {"groups": list(fz.groups), "embedding_mode": fz.embedding_mode},
                "embedder": fz.embedder.model if fz.embedder is not None else None, "aggregator": agg is not None}
        with atomic_write(path / META_FILE) as fh:
            fh.write(json.dumps(meta, indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path, embedder=None, trusted: list[str] | None = None) -> "PairClassifier":
        """Load a saved classifier without running code from the file.

        ``embedder``: the featurizer's embedder (default: an :class:`~discrep.model.embedder.Embedder` of the
        model named in ``discrep.json``, which loads its weights on first use only; None if it names none).
        skops rebuilds only types it trusts; beyond its defaults only the exact names in
        ``TRUSTED_TYPES`` and in ``trusted`` (the caller vouching for the file's author) are
        allowed, anything else raises UntrustedModelError before a single object is built.
        A corrupt, truncated or inconsistent folder raises ModelLoadError naming the file.
        """
        path = Path(path)
        f, m = path / SKOPS_FILE, path / META_FILE
        if not f.exists() or not m.exists():
            raise ModelLoadError(f"{path} is not a discrep classifier folder (expected {SKOPS_FILE} and {META_FILE})")
        meta = _read_meta(m)
        model = _load_skops(f, trusted)
        if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
            raise ModelLoadError(f"model file {f} holds a {type(model).__name__}, not a fitted classifier")
        if [str(c) for c in model.classes_] != meta["classes"]:
            raise ModelLoadError(f"{m} and {f} disagree on the classes ({meta['classes']} vs "
                                 f"{[str(c) for c in model.classes_]}): files from different models?")
        n_in = getattr(model, "n_features_in_", meta["n_features"])  # trees are bounded by their owners (check_structures)
        if n_in != meta["n_features"]:
            raise ModelLoadError(f"{m} says {meta['n_features']} features, {f} expects {n_in}: files from "
                                 "different models?")
        agg = None
        if meta.get("aggregator") is True:
            from discrep.model.stance import StanceAggregator

            agg = StanceAggregator()
            agg.model_ = _load_skops(path / AGG_FILE, trusted)
            if not hasattr(agg.model_, "predict_proba"):
                raise ModelLoadError(f"model file {path / AGG_FILE} does not hold a fitted classifier")
            agg.classes_ = agg.model_.classes_
            if hasattr(agg.model_, "n_features_in_"):
                agg.n_features_in_ = agg.model_.n_features_in_
        if embedder is None and meta.get("embedder") is not None:
            from discrep.model.embedder import Embedder

            embedder = Embedder(model=meta["embedder"])
        fz = PairFeaturizer(groups=tuple(meta["featurizer"]["groups"]), embedder=embedder,
                            embedding_mode=meta["featurizer"]["embedding_mode"])
        obj = cls(featurizer=fz)
        obj.model_ = model
        obj.featurizer_ = clone(fz)  # as fit leaves it: a clone of the parameter, sharing the embedder
        obj.featurizer_.n_features_out_ = meta["n_features"]
        obj.classes_ = np.array(meta["classes"], dtype=object)
        obj.n_features_in_ = meta["n_features"]
        obj.embedder_name_ = meta.get("embedder")
        if agg is not None:
            obj.aggregator_ = agg
        return obj


def _read_meta(m: Path) -> dict:
    """The featurizer settings beside the skops file, checked field by field (it is untrusted too)."""
    try:
        meta = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"model file {m} is corrupt or truncated: {type(e).__name__}: {e}") from None
    fz = meta.get("featurizer") if isinstance(meta, dict) else None
    ok = (isinstance(meta, dict) and isinstance(fz, dict)
          and isinstance(meta.get("classes"), list) and all(isinstance(c, str) for c in meta["classes"])
          and isinstance(meta.get("n_features"), int) and not isinstance(meta["n_features"], bool)
          and isinstance(fz.get("groups"), list) and all(isinstance(g, str) for g in fz["groups"])
          and isinstance(fz.get("embedding_mode"), str)
          and isinstance(meta.get("embedder"), (str, type(None))))
    if not ok:
        raise ModelLoadError(f"model file {m} is not a valid discrep model description (expected classes, "
                             "n_features, featurizer.groups, featurizer.embedding_mode, embedder)")
    from discrep.model.features import GROUPS

    unknown = sorted(set(fz["groups"]) - set(GROUPS))
    if unknown:
        raise ModelLoadError(f"model file {m} names unknown feature groups {unknown} (known: {list(GROUPS)}); "
                             "made by a newer discrep?")
    return meta


def _load_skops(f: Path, trusted: list[str] | None):
    """Objects from a skops file, built only from skops' defaults, ``TRUSTED_TYPES`` and the exact
    names in ``trusted``; UntrustedModelError for anything else, ModelLoadError when corrupt."""
    import skops.io as sio

    if not f.exists():
        raise ModelLoadError(f"model file {f} is missing")
    try:
        untrusted = sio.get_untrusted_types(file=str(f))
    except Exception as e:  # noqa: BLE001 - zip/JSON/schema errors of every kind: one clear error
        raise ModelLoadError(f"model file {f} is corrupt or truncated: {type(e).__name__}: {e}") from None
    allowed = TRUSTED_TYPES | set(trusted or [])
    bad = sorted(t for t in untrusted if t not in allowed)
    if bad:
        raise UntrustedModelError(
            f"model file {f} contains types that are not trusted: {bad}. Loading them could run code from "
            "the file; load it only if you trust its author, passing trusted=[...] with these names")
    try:
        obj = sio.load(str(f), trusted=sorted(set(untrusted) & allowed))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"model file {f} is corrupt or truncated: {type(e).__name__}: {e}") from None
    check_structures(obj, f)
    return obj


def check_structures(obj, f: str | Path = "model") -> None:
    """Validate every tree reachable from a loaded estimator, so prediction cannot read outside memory.

    Histogram gradient boosting (``TreePredictor.nodes``) and decision trees (``Tree``) are walked by
    compiled loops without bounds checks. Every tree must be a well-formed tree: at least one node, each
    split's children later in the array than the split itself (so every path ends in a leaf), features
    within the ``n_features_in_`` of the estimators that own the trees and check X against it before they
    predict (tree ensembles, decision trees; never a meta-estimator such as a calibrator or a pipeline, whose
    own ``n_features_in_`` says nothing of what reaches the trees), no categorical splits (discrep's features
    are numeric). A tree no such estimator bounds is refused too. Raises ModelLoadError naming the file and
    the first problem."""
    from sklearn.ensemble._base import BaseEnsemble
    from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
    from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import BaseHistGradientBoosting
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
    from sklearn.tree._classes import BaseDecisionTree
    from sklearn.tree._tree import Tree

    owners = (BaseHistGradientBoosting, BaseDecisionTree, BaseEnsemble)  # they check X's width, then walk trees

    seen: set[tuple[int, int | None]] = set()  # (object, bound): one object reachable under two bounds is checked twice

    def bad(where: str, why: str):
        raise ModelLoadError(f"model file {f} holds a malformed tree ({where}: {why}); refused, as predicting "
                             "with it could crash the process")

    def predictor(p: TreePredictor, where: str, n_features: int | None):
        if n_features is None:
            bad(where, "no estimator that checks its input's width holds it (n_features_in_ missing)")
        nodes = getattr(p, "nodes", None)
        if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE or nodes.ndim != 1:
            bad(where, "nodes is not a 1-d array of tree nodes")
        n = len(nodes)
        if n == 0:
            bad(where, "no nodes")
        split = nodes["is_leaf"] == 0
        idx = np.arange(n)
        for side in ("left", "right"):
            child = nodes[side].astype(np.int64)
            wrong = split & ((child <= idx) | (child >= n))
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                bad(where, f"node {i} has {side} child {int(child[i])} (of {n} nodes)")
        feat = nodes["feature_idx"].astype(np.int64)
        wrong = split & ((feat < 0) | (feat >= n_features))
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            bad(where, f"node {i} splits on feature {int(feat[i])}, the model has {n_features}")
        if (split & (nodes["is_categorical"] != 0)).any():
            bad(where, "categorical splits (discrep's features are numeric)")

    def tree(t: Tree, where: str, n_features: int | None):
        if n_features is None:
            bad(where, "no estimator that checks its input's width holds it (n_features_in_ missing)")
        cap, count = int(t.capacity), int(t.node_count)
        if not 1 <= count <= cap:  # before reading node arrays, which are views of node_count nodes
            bad(where, f"node_count {count} with room for {cap} nodes")
        if int(t.n_features) != n_features:
            bad(where, f"built for {int(t.n_features)} features, the model has {n_features}")
        left, right = t.children_left.astype(np.int64), t.children_right.astype(np.int64)
        leaf = left == -1
        idx = np.arange(count)
        if ((right == -1) != leaf).any():
            bad(where, "a node with only one child")
        for side, child in (("left", left), ("right", right)):
            wrong = ~leaf & ((child <= idx) | (child >= count))
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                bad(where, f"node {i} has {side} child {int(child[i])} (of {count} nodes)")
        feat = t.feature.astype(np.int64)
        wrong = ~leaf & ((feat < 0) | (feat >= int(t.n_features)))
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            bad(where, f"node {i} splits on feature {int(feat[i])} of {int(t.n_features)}")

    # every object reachable from obj, with the fewest input features an enclosing estimator checks X for
    # (a forest checks X, not its trees: a tree claiming more features than its forest would read past X)
    stack: list[tuple[object, str, int | None]] = [(obj, type(obj).__name__, None)]
    while stack:
        x, where, n_features = stack.pop()
        if (id(x), n_features) in seen or isinstance(x, (str, bytes, int, float, bool, type(None), np.generic)):
            continue
        seen.add((id(x), n_features))
        if isinstance(x, TreePredictor):
            predictor(x, where, n_features)
        elif isinstance(x, Tree):
            tree(x, where, n_features)
        elif isinstance(x, np.ndarray):
            if x.dtype == object:  # e.g. GradientBoosting's estimators_
                stack.extend((v, f"{where}[{i}]", n_features) for i, v in enumerate(x.ravel()))
        elif isinstance(x, dict):
            stack.extend((v, f"{where}[{k!r}]", n_features) for k, v in x.items())
        elif isinstance(x, (list, tuple)):
            stack.extend((v, f"{where}[{i}]", n_features) for i, v in enumerate(x))
        elif isinstance(getattr(x, "__dict__", None), dict):
            nf = x.__dict__.get("n_features_in_")
            if isinstance(x, owners):  # only these bound their trees; without n_features_in_ they check nothing
                ok = isinstance(nf, (int, np.integer)) and not isinstance(nf, bool)
                n_features = None if not ok else int(nf) if n_features is None else min(n_features, int(nf))
            elif isinstance(x, Pipeline):  # each step checks its own input, which earlier steps may reshape
                n_features = None
            stack.extend((v, f"{where}.{k}", n_features) for k, v in x.__dict__.items())
