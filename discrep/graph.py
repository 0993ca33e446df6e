"""The stage graph: the one description of how discrep scores articles. Every engine runs these stages.

::

    articles ─▶ prepare ─▶ embed ─▶ plan_blocks ─▶ cluster_block ─▶ incidents ─▶ align ─▶ judge ─▶ finish ─▶ records
                (extract,           (time blocks  (one block at    (records,    (pairs   (verdict (dedupe, salience,
                 guard,              that cluster  a time; joins    titles)      per      per      reconcile,
                 context)            apart)        the store)                    incident) pair)   summarise,
                                                                                                  provenance)

    per chunk of articles ─────┘   per run ┘      per block ────────────────────────┘ per pair └── per unit/incident

The stages are plain functions of a :class:`Parts` (the configured stage objects) and records, so one stage
runs the same in a notebook, in a stream unit or inside a Spark executor. The engines (``discrep/engines``)
only decide *how* they run: ``memory`` calls them once over the whole batch (:func:`run_batch` is that
engine), ``stream`` runs prepare + embed per chunk with spools and checkpoints between the phases and the
rest per unit of time blocks, ``spark`` runs prepare + embed in ``mapInPandas``, cluster_block → align per
block in ``applyInPandas``, judge in the MLflow model's UDF (which calls :func:`discrep.stages.verdict.verdicts`,
the code :func:`judge` calls) and finish per incident. Source independence (reprints, provenance) is fitted
over the whole run by each engine in its own way (in memory, from spools, on Spark) and handed to
:func:`finish`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from discrep.records.core import Article, Claim, ClaimPair, Discrepancy, Incident, Reject
from discrep.records.result import ScoreResult
from discrep.stages.align import MIN_ALIGN, align_incident
from discrep.stages.blocks import plan_blocks as _plan_blocks
from discrep.stages.cluster import ClaimContext, build_incidents, context_fill
from discrep.stages.guard import extract_guarded
from discrep.stages.independence import SourceIndependence
from discrep.stages.reconcile import ReconcilePolicy, reconcile
from discrep.stages.salience import keep, score_unreported
from discrep.stages.summarise import summarise
from discrep.stages.verdict import INTERVAL_GUARD, dedupe, discrepancy, verdicts
from discrep.text.places import Gazetteer

STAGES = ("prepare", "embed", "plan_blocks", "cluster_block", "incidents", "align", "judge", "finish")
"""The stage order, once. Each name is a function of this module."""


@dataclass
class Parts:
    """The configured stages of a run: what every engine executes. ``policy`` None: the conservative default
    (discrep.stages.reconcile.ReconcilePolicy). ``classifier`` may be None where pairs are judged elsewhere
    (the Spark driver hands them to the MLflow model)."""

    extractor: Any
    embedder: Any
    clusterer: Any
    classifier: Any = None
    min_align: float = MIN_ALIGN
    interval_guard: bool = INTERVAL_GUARD
    policy: ReconcilePolicy | None = None
    min_salience: float | None = None  # unreported rows below it are left out of the outputs (None: all kept)

    # An extractor needs only ``extract(article)``; its speaker registry and places file are optional (None:
    # the bundled data/places.yaml, no registry), read here once for every stage that uses them.
    @property
    def places_path(self):
        return getattr(self.extractor, "places_path", None)

    @property
    def registry(self):
        return getattr(self.extractor, "registry", None)

    @property
    def gazetteer(self) -> Gazetteer:
        """The extractor's gazetteer (discrep.text.places: loaded once per file): place types for context and
        reconciliation (countries never place an incident)."""
        return Gazetteer.load(self.places_path)

    @property
    def reconcile_policy(self) -> ReconcilePolicy:
        return self.policy if self.policy is not None else ReconcilePolicy()

    @property
    def max_days(self) -> float | None:
        """Largest date gap the clusterer joins (None: dates do not separate incidents)."""
        return self.clusterer.max_days if self.clusterer.w_date else None

    def independence(self, cls: type[SourceIndependence] = SourceIndependence) -> SourceIndependence:
        """An unfitted source-independence model of the policy's settings (``cls``: the engine's kind)."""
        return cls(registry=self.registry, **self.reconcile_policy.independence)


def load_model(model_uri: str | None = None, embedder=None) -> tuple[Any, Any, str]:
    """(classifier, embedder, resolved uri) of a trained model: a local folder, ``runs:/…``, ``models:/…`` or
    None (the registered champion of the default tracking store). ``embedder`` None: the one the model was
    trained with."""
    from discrep.io.tracking import load_classifier
    from discrep.model.embedder import Embedder

    clf, info = load_classifier(model_uri, embedder=embedder)  # passed in at load, never attached after
    return clf, clf.featurizer_.embedder or Embedder(), info


def as_parts(obj) -> Parts:
    """``obj`` itself when it is Parts, else its ``parts`` (a :class:`discrep.api.DiscrepPipeline`)."""
    return obj if isinstance(obj, Parts) else obj.parts


@dataclass
class Prepared:
    """What :func:`prepare` makes of a batch of articles: the articles kept, their claims in input order, the
    notes (rejects and warnings) of extraction, and each claim's clustering context."""

    articles: list[Article]
    claims: list[Claim]
    notes: list[Reject]
    context: ClaimContext


# ---------------------------------------------------------------- the stages, in order
def prepare(parts: Parts, articles: Iterable[Article]) -> Prepared:
    """Extract claims (an article the extractor fails on becomes a reject, not a crash: stages.guard) and fill
    in each claim's effective date, places and scope from its article (stages.cluster.context_fill), and its
    article's URL (so every output row can carry it without a join)."""
    arts, claims, notes = extract_guarded(parts.extractor, articles)
    urls = {a.id: a.url for a in arts}
    for c in claims:
        c.url = c.url or urls.get(c.article_id)
    return Prepared(arts, claims, notes, context_fill(claims, parts.gazetteer))


def embed(parts: Parts, claims: Sequence[Claim]) -> np.ndarray:
    """One vector per claim, in order."""
    return parts.embedder.encode([c.text for c in claims])


def plan_blocks(parts: Parts, ordinals, max_block_claims: int) -> tuple[list[np.ndarray], int]:
    """Claim rows per clustering block from the claims' date ordinals (-1: undated), with the clusterer's
    own ``max_days``; returns (blocks, approximate cuts). See discrep.stages.blocks."""
    return _plan_blocks(ordinals, parts.max_days, max_block_claims)


def cluster_block(parts: Parts, claims: Sequence[Claim], X: np.ndarray, ctx: ClaimContext, store=None) -> list:
    """An incident key per claim of one block: a block-local label, or with ``store`` (an
    :class:`discrep.io.store.IncidentStore`) the id of the stored incident it joins (one committed transaction;
    claims stored before keep their incident, so a block redone after a kill gets the same ids)."""
    if store is None:
        return list(parts.clusterer.fit_predict(X, dates=ctx.dates, places=ctx.places, scopes=ctx.scopes))
    labels, ids = store.assign(list(claims), X, ctx, parts.clusterer)
    return [ids[lab] for lab in labels]


def incidents(claims: Sequence[Claim], keys: Sequence, ctx: ClaimContext, store=None) -> list[Incident]:
    """Incident records of claims keyed by :func:`cluster_block` (also writes each claim's ``incident_id``).
    With ``store`` the keys are stored ids, possibly from several blocks: one record per incident, and the
    store's titles updated."""
    if store is None:
        return build_incidents(list(claims), keys, ctx.dates, ctx.places)
    order = list(dict.fromkeys(keys))
    pos = {k: i for i, k in enumerate(order)}
    out = build_incidents(list(claims), [pos[k] for k in keys], ctx.dates, ctx.places, ids=order)
    store.set_titles({i.incident_id: i.title for i in out})
    return out


def align(parts: Parts, claims: Sequence[Claim], incidents_: Sequence[Incident],
          vectors: dict[str, np.ndarray]) -> list[ClaimPair]:
    """The claim pairs to judge: within each incident, each fact of each source against the best-aligned
    claims of every other source (stages.align)."""
    by_inc: dict[str, list[Claim]] = {}
    for c in claims:
        by_inc.setdefault(c.incident_id or "", []).append(c)
    pairs: list[ClaimPair] = []
    for inc in incidents_:
        pairs.extend(align_incident(by_inc.get(inc.incident_id, []), vectors, parts.min_align))
    return pairs


def judge(parts: Parts, pairs: Sequence[ClaimPair]) -> list[Discrepancy]:
    """A verdict per pair (agree / contradict / unreported, score, reason) from the classifier's
    probabilities and the interval rule (stages.verdict)."""
    return [discrepancy(p, *v) for p, v in zip(pairs, verdicts(parts.classifier, pairs, parts.interval_guard))]


def finish(parts: Parts, claims: Sequence[Claim], incidents_: Sequence[Incident], judged: Sequence[Discrepancy],
           independence: SourceIndependence) -> ScoreResult:
    """One row per compared fact, each unreported one with its salience (stages.salience; rows under
    ``parts.min_salience`` left out), reconciled figures and grades per incident, source pairs counting each
    piece of evidence once, and every claim's provenance, given the run's fitted source independence."""
    ds = dedupe(list(judged))
    score_unreported(ds, claims, independence)
    figures, grades = reconcile(list(claims), list(incidents_), ds, independence, parts.policy, parts.gazetteer.types)
    pairs = summarise(ds, independence)  # counts every compared fact: min_salience only shortens the list of rows
    return ScoreResult(claims=list(claims), incidents=list(incidents_),
                       discrepancies=[d for d in ds if keep(d, parts.min_salience)],
                       source_pairs=pairs, figures=figures, grades=grades,
                       provenance=[independence.provenance(c) for c in claims])


# ---------------------------------------------------------------- the stages chained over one batch
def run_batch(parts: Parts, articles: Iterable[Article], rejects: Sequence[Reject] = (), store=None) -> ScoreResult:
    """Every stage over the whole batch at once: one block, independence fitted in memory (the memory engine;
    the stream and Spark engines give the same records in bounded memory or spread over executors)."""
    prep = prepare(parts, articles)
    claims = prep.claims
    incs: list[Incident] = []
    vectors: dict[str, np.ndarray] = {}
    if claims:
        X = embed(parts, claims)
        vectors = {c.claim_id: v for c, v in zip(claims, X)}
        incs = incidents(claims, cluster_block(parts, claims, X, prep.context, store), prep.context, store)
    judged = judge(parts, align(parts, claims, incs, vectors))
    indep = parts.independence().fit(prep.articles, claims)
    res = finish(parts, claims, incs, judged, indep)
    res.articles = list(prep.articles)
    res.rejects = list(rejects) + prep.notes
    res.syndication = indep.syndications_
    return res
