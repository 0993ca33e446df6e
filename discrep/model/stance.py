"""``discrep.compare(claim, text)``: check one statement against one document.

The claim is aligned to the most relevant sentences of the text (embedding top-k plus shared
event/figure), each (claim, sentence) pair is classified by the pair model, and the results are
aggregated into agree / contradict / neutral / unreported with the decisive sentence's reason.

Aggregation: when the model carries a trained :class:`StanceAggregator` (``discrep train`` fits one
on FNC-1 training stories when that data is present) it turns document-level evidence — the pair
probabilities of the top-k sentences, how much of the document is about the claim, refuting and
hedging language — into calibrated four-way probabilities. Without one, the sentence the pair model
is surest takes a side on decides.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from discrep.model.features import HEDGE, REFUTE, _neg_count, _tokens, numeric_features
from discrep.records.core import LABELS, Claim, ClaimPair
from discrep.stages.align import alignment_score
from discrep.stages.extract import split_sentences

DOC_FEATURES = (
    ["cos_max", "cos_top3", "cos_mean", "cos_frac_05", "tok_cover", "tok_cover_top"]
    + [f"p_{k}_{agg}" for agg in ("max", "mean", "top1") for k in LABELS]
    + ["refute_doc", "refute_top", "refute_claim", "hedge_doc", "hedge_top", "hedge_claim", "neg_top", "neg_claim",
       "n_sents", "question", "num_conflict_top", "num_compatible_top"])


@dataclass
class _Doc:
    """A document prepared once: sentences, their claims and vectors (reused across many claims)."""

    sents: list[str]
    claims: list[Claim]
    vectors: np.ndarray
    tokens: set[str]
    refute: int
    hedge: int


def prepare_document(pipe, text: str, published: date | None = None, source: str = "document",
                     max_sentences: int = 400) -> _Doc:
    ex = pipe.extractor
    sents = [s for s in split_sentences(text or "") if len(s.split()) >= 3][:max_sentences]
    claims = [ex.extract_sentence(s, "document", published, source=source, article_id="doc", index=i)
              for i, s in enumerate(sents)]
    V = pipe.embedder.encode(sents) if sents else np.zeros((0, 1), np.float32)
    return _Doc(sents, claims, V, _tokens(text or ""), len(REFUTE.findall(text or "")), len(HEDGE.findall(text or "")))


def _evidence(pipe, claim: str, doc: _Doc, top_k: int, published, source_a: str, source_b: str):
    """Claim, top-k pairs, their four-way probabilities and the document-level feature vector."""
    a = pipe.extractor.extract_sentence(claim, "claim", published, source=source_a, article_id="claim")
    if not doc.sents:
        return a, [], [], np.zeros(len(DOC_FEATURES), np.float32), np.zeros(0)
    va = pipe.embedder.encode([a.text])[0]
    cos = doc.vectors @ va
    align = np.array([alignment_score(a, b, float(c)) for b, c in zip(doc.claims, cos)])
    top = list(np.argsort(-align)[:top_k])
    pairs = [ClaimPair(a, doc.claims[i], source_a, source_b) for i in top]
    probas = pipe.classifier.proba_frame(pairs)
    P = np.array([[pr[k] for k in LABELS] for pr in probas])
    top_text = " ".join(doc.sents[i] for i in top)
    ta = _tokens(a.text)
    top_tok = _tokens(top_text)
    cs = np.sort(cos)[::-1]
    nums = [numeric_features(a, doc.claims[i]) for i in top]
    f = [float(cs[0]), float(cs[:3].mean()), float(cos.mean()), float((cos > 0.5).mean()),
         len(ta & doc.tokens) / max(len(ta), 1), len(ta & top_tok) / max(len(ta), 1),
         *P.max(axis=0), *P.mean(axis=0), *P[0],
         math.log1p(doc.refute), math.log1p(len(REFUTE.findall(top_text))), float(len(REFUTE.findall(a.text))),
         math.log1p(doc.hedge), math.log1p(len(HEDGE.findall(top_text))), float(len(HEDGE.findall(a.text))),
         float(sum(_neg_count(doc.claims[i]) for i in top)), float(_neg_count(a)),
         math.log1p(len(doc.sents)), float("?" in a.text),
         float(any(n[2] for n in nums)), float(any(n[3] for n in nums))]
    return a, pairs, probas, np.array(f, dtype=np.float32), cos


class StanceAggregator(ClassifierMixin, BaseEstimator):
    """Document-level features (see ``DOC_FEATURES``) -> agree / contradict / neutral / unreported.

    ``estimator``: any scikit-learn classifier (default: balanced histogram gradient boosting);
    ``calibration``: "sigmoid", "isotonic" or None.
    """

    def __init__(self, estimator=None, calibration: str | None = "sigmoid", cv: int = 3):
        self.estimator = estimator
        self.calibration = calibration
        self.cv = cv

    def fit(self, X, y, sample_weight=None):
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.ensemble import HistGradientBoostingClassifier

        X, y = validate_data(self, X, y, dtype=np.float32)  # float32 as the feature rows are built
        check_classification_targets(y)
        est = clone(self.estimator) if self.estimator is not None else HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.08, max_leaf_nodes=15, l2_regularization=1.0, class_weight="balanced",
            random_state=0)
        if self.calibration:
            est = CalibratedClassifierCV(est, method=self.calibration, cv=self.cv)
        self.model_ = est.fit(X, y, sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(validate_data(self, X, dtype=np.float32, reset=False))

    def predict(self, X):
        P = self.predict_proba(X)
        return self.classes_[P.argmax(axis=1)]



def document_features(pipe, claims: list[str], texts: list[str], top_k: int = 3) -> np.ndarray:
    """Feature rows for many (claim, text) pairs, each distinct text prepared once (for training the aggregator)."""
    docs: dict[str, _Doc] = {}
    rows = []
    for c, t in zip(claims, texts):
        if t not in docs:
            docs[t] = prepare_document(pipe, t)
        rows.append(_evidence(pipe, c, docs[t], top_k, None, "claim", "document")[3])
    return np.vstack(rows) if rows else np.zeros((0, len(DOC_FEATURES)), np.float32)


_WS = re.compile(r"\s+")
