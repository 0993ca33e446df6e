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

from .errors import ModelLoadError
from .features import PairFeaturizer, reason
from .types import LABELS, ClaimPair

SKOPS_FILE = "classifier.skops"
META_FILE = "discrep.json"
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


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

    ``estimator``: any scikit-learn classifier (default: balanced logistic regression).
    ``calibration``: "sigmoid", "isotonic" or None; ``cv``: folds for the calibration; ``threads``:
    OpenMP threads while fitting/predicting (see :func:`_threads`).
    After ``fit``, ``aggregator_`` may be set to a fitted :class:`discrep.compare.StanceAggregator`;
    it is saved and loaded with the model.
    """

    def __init__(self, featurizer: PairFeaturizer | None = None, estimator=None, calibration: str | None = "sigmoid",
                 cv: int = 3, scale: bool = True, threads: int | None = 1):
        self.featurizer = featurizer
        self.estimator = estimator
        self.calibration = calibration
        self.cv = cv
        self.scale = scale
        self.threads = threads

    def _featurizer(self) -> PairFeaturizer:
        return self.featurizer if self.featurizer is not None else PairFeaturizer()

    def fit(self, X, y, sample_weight=None):
        t0 = time.perf_counter()
        fz = self._featurizer()
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
        self.classes_ = self.model_.classes_
        self.n_features_in_ = F.shape[1]
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        F = self.featurizer_.transform(X)
        with _threads(getattr(self, "threads", 1)):
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
        return reason(pair.a, pair.b, label, getattr(pair, "focus", None))

    # ------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write ``classifier.skops`` + ``discrep.json`` into a folder."""
        import skops.io as sio

        check_is_fitted(self, "model_")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sio.dump(self.model_, path / SKOPS_FILE)
        agg = getattr(self, "aggregator_", None)
        if agg is not None:
            sio.dump(agg.model_, path / AGG_FILE)
        fz = self.featurizer_
        meta = {"format": 1, "classes": [str(c) for c in self.classes_], "n_features": int(self.n_features_in_),
                "featurizer": {"groups": list(fz.groups), "embedding_mode": fz.embedding_mode},
                "embedder": getattr(fz.embedder, "model", None), "aggregator": agg is not None}
        (path / META_FILE).write_text(json.dumps(meta, indent=2))
        return path

    @classmethod
    def load(cls, path: str | Path, embedder=None, trusted: list[str] | None = None) -> "PairClassifier":
        """Load a saved classifier; refuses types outside scikit-learn/numpy unless listed in ``trusted``."""
        import skops.io as sio

        path = Path(path)
        f, m = path / SKOPS_FILE, path / META_FILE
        if not f.exists() or not m.exists():
            raise ModelLoadError(f"{path} is not a discrep classifier folder (expected {SKOPS_FILE} and {META_FILE})")
        try:
            meta = json.loads(m.read_text())
            untrusted = sio.get_untrusted_types(file=str(f))
        except Exception as e:  # noqa: BLE001
            raise ModelLoadError(f"model file {f} is corrupt or truncated: {type(e).__name__}: {e}") from None
        trusted = list(trusted or [])
        bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES) and t not in trusted]
        if bad:
            raise ModelLoadError(f"model file {f} contains types that are not trusted: {bad}. "
                                 "Load it only if you trust its author, passing trusted=[...]")
        model = _load_skops(f, trusted)
        agg = None
        if meta.get("aggregator"):
            from .compare import StanceAggregator

            agg = StanceAggregator()
            agg.model_ = _load_skops(path / AGG_FILE, trusted)
            agg.classes_ = agg.model_.classes_
        fz = PairFeaturizer(groups=tuple(meta["featurizer"]["groups"]), embedder=embedder,
                            embedding_mode=meta["featurizer"]["embedding_mode"])
        obj = cls(featurizer=fz)
        obj.model_ = model
        obj.featurizer_ = fz
        obj.classes_ = np.array(meta["classes"], dtype=object)
        obj.n_features_in_ = meta["n_features"]
        obj.embedder_name_ = meta.get("embedder")
        if agg is not None:
            obj.aggregator_ = agg
        return obj


def _load_skops(f: Path, trusted: list[str] | None):
    """A skops file whose types are all scikit-learn/numpy (or listed in ``trusted``); clear errors otherwise."""
    import skops.io as sio

    if not f.exists():
        raise ModelLoadError(f"model file {f} is missing")
    try:
        untrusted = sio.get_untrusted_types(file=str(f))
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"model file {f} is corrupt or truncated: {type(e).__name__}: {e}") from None
    bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES) and t not in (trusted or [])]
    if bad:
        raise ModelLoadError(f"model file {f} contains types that are not trusted: {bad}. "
                             "Load it only if you trust its author, passing trusted=[...]")
    try:
        return sio.load(str(f), trusted=untrusted)
    except Exception as e:  # noqa: BLE001
        raise ModelLoadError(f"model file {f} is corrupt or truncated: {type(e).__name__}: {e}") from None
