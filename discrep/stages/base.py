"""What each kind of stage must offer, as a ``typing.Protocol``: the pipeline, the engines and the stages
call nothing else, so any object with these members is a stage (a user's clusterer, a model-free embedder)
without inheriting from anything, and the callers use plain attribute access instead of probing.

``isinstance(obj, Embedder)`` checks that the members exist (not their signatures). Each protocol names
the discrep class that implements it.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from discrep.records.core import Article, Claim, ClaimPair
from discrep.text.places import Gazetteer
from discrep.text.sources import SourceRegistry

if TYPE_CHECKING:
    from discrep.records.findings import Provenance, Syndication

__all__ = ["Clusterer", "Embedder", "Extractor", "Independence", "PairJudge", "VectorMemory"]


@runtime_checkable
class Extractor(Protocol):
    """Article -> claims, with the speaker registry and gazetteer it resolves them against
    (:class:`discrep.stages.extract.ClaimExtractor`)."""

    registry: SourceRegistry
    places_path: str | None
    gazetteer: Gazetteer

    def extract(self, article: Article) -> list[Claim]: ...

    def extract_sentence(self, text: str, outlet: str = "unknown", published: date | None = None,
                         source: str | None = None, article_id: str = "adhoc", index: int = 0) -> Claim: ...


@runtime_checkable
class Embedder(Protocol):
    """Texts -> (n, d) float32 L2-normalised vectors; ``model`` and ``backend`` (None: no model runtime) go
    into run.json (:class:`discrep.model.embedder.Embedder`, :class:`~discrep.model.embedder.HashingEmbedder`)."""

    model: str
    backend: str | None

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@runtime_checkable
class VectorMemory(Protocol):
    """Optional for an embedder: take vectors already known for texts, so a second look costs no model
    call (:meth:`discrep.model.embedder.Embedder.remember`)."""

    def remember(self, texts: Sequence[str], vectors: np.ndarray) -> None: ...


@runtime_checkable
class Clusterer(Protocol):
    """Claim vectors + per-claim date, places and scope -> one incident label per claim; ``max_days`` (None:
    no limit) bounds the date gap inside an incident when ``w_date`` is non-zero, which the engines use to
    plan blocks (:class:`discrep.stages.cluster.IncidentClusterer`)."""

    max_days: float | None
    w_date: float

    def fit_predict(self, X: np.ndarray, y=None, dates: Sequence[date | None] | None = None,
                    places: Sequence[set[str]] | None = None,
                    scopes: Sequence[set[str]] | None = None) -> np.ndarray: ...


@runtime_checkable
class PairJudge(Protocol):
    """Claim pairs -> probabilities over agree / contradict / neutral / unreported, and the reason for a
    label (:class:`discrep.model.classifier.PairClassifier`)."""

    def proba_frame(self, pairs: Sequence[ClaimPair]) -> list[dict[str, float]]: ...

    def explain(self, pair: ClaimPair, label: str) -> str: ...


@runtime_checkable
class Independence(Protocol):
    """Who relays whom over a run, fitted: the origin of each claim's evidence, what reconciliation and the
    source-pair summary count once (:class:`discrep.stages.independence.SourceIndependence`,
    :class:`~discrep.stages.independence.SpooledIndependence`)."""

    registry_: SourceRegistry
    syndications_: list[Syndication]

    def provenance(self, c: Claim) -> Provenance: ...

    def origin(self, c: Claim) -> str: ...

    def outlet_source(self, outlet: str) -> str: ...

    def statement_key(self, c: Claim) -> tuple: ...
