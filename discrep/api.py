"""The library API: :class:`DiscrepPipeline` (fit, score) and :func:`compare` (one claim against one text).

A notebook, the CLI and the MLflow model score with the same stages (discrep.graph): the pipeline holds the
configured parts and runs the stage graph over a batch in memory; :func:`discrep.engines.files.score_files`
runs it over files with the stream or memory engine, :mod:`discrep.engines.spark` on Spark.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from discrep import graph
from discrep.graph import MIN_ALIGN, Parts
from discrep.model.classifier import PairClassifier
from discrep.model.embedder import Embedder
from discrep.model.features import PairFeaturizer
from discrep.model.stance import DOC_FEATURES, _Doc, _evidence, prepare_document
from discrep.records.core import LABELS, Article, Claim, ClaimPair, Discrepancy, Incident, Reject
from discrep.records.result import ScoreResult
from discrep.stages.cluster import IncidentClusterer, context_fill
from discrep.stages.extract import ClaimExtractor
from discrep.stages.verdict import INTERVAL_GUARD

log = logging.getLogger(__name__)


class DiscrepPipeline:
    """``fit`` on labelled ClaimPairs; ``score`` a batch of articles.

    Example::

        pipe = DiscrepPipeline()              # default extractor, MiniLM embedder, clusterer
        pipe.fit(pairs, labels)               # or DiscrepPipeline.from_model("models:/discrep-pair@champion")
        result = pipe.score(articles)
        result.discrepancies[0].reason        # 'killed: 1 (gladkov) vs ≥2 (local-telegram) — conflict'
    """

    def __init__(self, extractor: ClaimExtractor | None = None, embedder=None,
                 clusterer: IncidentClusterer | None = None, classifier: PairClassifier | None = None,
                 min_align: float = MIN_ALIGN, show_progress: bool = False, reconcile_policy=None,
                 interval_guard: bool = INTERVAL_GUARD):
        self.extractor = extractor or ClaimExtractor()
        self.embedder = embedder or Embedder()
        self.clusterer = clusterer or IncidentClusterer()
        self.classifier = classifier or PairClassifier(PairFeaturizer(embedder=self.embedder))
        self.min_align = min_align
        self.show_progress = show_progress
        self.reconcile_policy = reconcile_policy  # reconcile.ReconcilePolicy; None: conf/reconcile/conservative.yaml defaults
        self.interval_guard = interval_guard

    @property
    def parts(self) -> Parts:
        """The configured stages, as the engines take them (the same objects, not copies)."""
        return Parts(self.extractor, self.embedder, self.clusterer, self.classifier, self.min_align,
                     self.interval_guard, self.reconcile_policy)

    # ------------------------------------------------------------ training
    def fit(self, pairs: list[ClaimPair], labels: list[str], sample_weight=None) -> "DiscrepPipeline":
        self.classifier.fit(pairs, labels, sample_weight=sample_weight)
        return self

    @classmethod
    def from_model(cls, model_uri: str | None = None, **kw) -> "DiscrepPipeline":
        """Pipeline around a trained classifier: a local folder, ``runs:/…``, ``models:/…`` or None
        (the newest registered ``discrep-pair`` in the default tracking store)."""
        clf, embedder, info = graph.load_model(model_uri, kw.pop("embedder", None))
        pipe = cls(embedder=embedder, classifier=clf, **kw)
        pipe.model_uri_ = info
        return pipe

    # ------------------------------------------------------------ stages (discrep.graph, one at a time)
    def extract(self, articles: Iterable[Article]) -> list[Claim]:
        claims: list[Claim] = []
        for a in articles:
            claims.extend(self.extractor.extract(a))
        return claims

    def embed_claims(self, claims: list[Claim]) -> dict[str, np.ndarray]:
        if not claims:
            return {}
        return {c.claim_id: v for c, v in zip(claims, graph.embed(self.parts, claims))}

    def cluster(self, claims: list[Claim], vectors: dict[str, np.ndarray], store=None) -> list[Incident]:
        """Incidents of this batch; with ``store`` (an :class:`~discrep.io.store.IncidentStore`) claims join
        incidents of earlier runs and the store is updated."""
        if not claims:
            return []
        parts = self.parts
        ctx = context_fill(claims, parts.gazetteer)
        X = np.stack([vectors[c.claim_id] for c in claims])
        return graph.incidents(claims, graph.cluster_block(parts, claims, X, ctx, store), ctx, store)

    def compare_pairs(self, pairs: list[ClaimPair]) -> list[Discrepancy]:
        return graph.judge(self.parts, pairs)

    def score(self, articles: list[Article], rejects: list[Reject] | None = None, store=None) -> ScoreResult:
        """Score a batch in memory (every stage of discrep.graph over the whole batch); an article the extractor
        fails on becomes a reject, not a crash (stages.guard)."""
        return graph.run_batch(self.parts, articles, rejects or (), store)


_DEFAULT_PIPE = {}


@dataclass
class Comparison:
    label: str
    proba: dict[str, float]
    reason: str
    evidence: list[str] = field(default_factory=list)

    def to_dict(self):
        return {"label": self.label, "proba": {k: round(v, 4) for k, v in self.proba.items()},
                "reason": self.reason, "evidence": self.evidence}


def _pipeline(model: str | None, pipeline):
    if pipeline is not None:
        return pipeline
    key = model or "<default>"
    if key not in _DEFAULT_PIPE:
        _DEFAULT_PIPE[key] = DiscrepPipeline.from_model(model)
    return _DEFAULT_PIPE[key]


def compare(claim: str, text: str, model: str | None = None, pipeline=None, top_k: int = 3,
            published: date | None = None, source_a: str = "claim", source_b: str = "document",
            min_cosine: float = 0.2, document: _Doc | None = None) -> Comparison:
    """Probabilities for agree / contradict / neutral / unreported, and a short reason.

    ``document``: a :func:`prepare_document` result, to compare many claims with one text cheaply."""
    pipe = _pipeline(model, pipeline)
    doc = document if document is not None else prepare_document(pipe, text, published, source_b)
    a, pairs, probas, f, cos = _evidence(pipe, claim, doc, top_k, published, source_a, source_b)
    if not pairs:
        return Comparison("unreported", {**{k: 0.0 for k in LABELS}, "unreported": 1.0},
                          f"{source_b} has no sentence to compare with", [])
    evidence = [p.b.text for p in pairs]
    agg = getattr(pipe.classifier, "aggregator_", None)
    if agg is not None:
        P = agg.predict_proba(f[None, :])[0]
        pr = {k: 0.0 for k in LABELS}
        for c, p in zip(agg.classes_, P):
            pr[str(c)] = float(p)
        label = max(pr, key=pr.get)
        if label == "unreported":
            return Comparison(label, pr, f"{source_b} says nothing close to the claim (max cosine "
                                         f"{float(cos.max()):.2f})", evidence)
        # the reason comes from the sentence that most supports the label
        best = int(np.argmax([q.get(label, 0.0) for q in probas]))
        why = pipe.classifier.explain(pairs[best], label)
        if label == "contradict" and f[DOC_FEATURES.index("refute_top")] > 0 and "conflict" not in why:
            why = f"{source_b} disputes it: “{pairs[best].b.text[:120]}”"
        elif label == "neutral":
            why = f"{source_b} discusses it without taking a side: “{pairs[best].b.text[:120]}”"
        return Comparison(label, pr, why, evidence)
    if float(cos.max()) < min_cosine:
        pr = {k: 0.0 for k in LABELS}
        pr["unreported"] = 1.0
        return Comparison("unreported", pr, f"{source_b} says nothing close to the claim (max cosine "
                                            f"{float(cos.max()):.2f})", [])
    # the decisive sentence: the one the classifier is most sure takes a side on
    decisive = [pr["agree"] + pr["contradict"] for pr in probas]
    best = int(np.argmax(decisive))
    pr = probas[best]
    label = max(pr, key=pr.get)
    return Comparison(label, pr, pipe.classifier.explain(pairs[best], label), evidence)
