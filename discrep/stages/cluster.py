"""Group claims (or whole documents) into incidents: one event, one place, one time.

Text similarity alone merges two strikes of the same kind on the same day in different cities;
the distance here adds event-date proximity, place overlap (with a cannot-link for two items that
name different cities and whose articles never mention the other's city), and optionally
salient-name overlap for whole documents, so they stay apart.

Large inputs are clustered in date-ordered blocks of at most ``block_size`` items; the incidents of
each block are then joined to the still-open incidents of earlier blocks through their centroids —
the same step that :mod:`discrep.store` uses to join a new run to incidents of earlier runs. Time and
memory grow linearly with the number of items for a fixed block size.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from discrep.records.core import Claim, Incident
from discrep.resources import CONF_DIR
from discrep.text.places import Gazetteer

CANNOT = 1e6
"""Distance of a cannot-link pair: finite (scipy needs that) but so large that any average over a
cluster holding such a pair stays above every threshold."""

# ---------------------------------------------------------------------------------------------- features
@dataclass
class Items:
    """What the distance needs about each item (a claim, a document, or a cluster summary).

    ``V``: rows whose dot products are mean cosine similarities (unit vectors for items, the mean of
    member unit vectors for clusters). ``day``: ordinal of the event date, NaN when unknown.
    ``places``: specific places; ``scope``: every place its article(s) name for the same day (used to
    lift the cannot-link for multi-city events). ``ent``/``lex``: L2-normalised TF-IDF rows of salient
    names / of the words of the text, or None.
    """

    V: np.ndarray
    day: np.ndarray
    places: list[frozenset]
    scope: list[frozenset]
    ent: sparse.csr_matrix | None = None
    count: np.ndarray | None = None
    lex: sparse.csr_matrix | None = None

    def __len__(self) -> int:
        return self.V.shape[0]

    def take(self, idx) -> "Items":
        idx = np.asarray(idx, dtype=int)
        return Items(self.V[idx], self.day[idx], [self.places[i] for i in idx], [self.scope[i] for i in idx],
                     None if self.ent is None else self.ent[idx],
                     None if self.count is None else self.count[idx],
                     None if self.lex is None else self.lex[idx])


def _days(dates, n: int) -> np.ndarray:
    if dates is None:
        return np.full(n, np.nan)
    if len(dates) != n:
        raise ValueError(f"dates has {len(dates)} entries for {n} items")
    return np.array([d.toordinal() if isinstance(d, date) else np.nan for d in dates], dtype=float)


def _sets(seq, n: int, what: str) -> list[frozenset]:
    if seq is None:
        return [frozenset()] * n
    if len(seq) != n:
        raise ValueError(f"{what} has {len(seq)} entries for {n} items")
    return [frozenset(s or ()) for s in seq]


def _incidence(a: list[frozenset], b: list[frozenset]):
    vocab: dict[str, int] = {}
    for s in (*a, *b):
        for p in s:
            vocab.setdefault(p, len(vocab))

    def mat(sets):
        rows = [i for i, s in enumerate(sets) for _ in s]
        cols = [vocab[p] for s in sets for p in s]
        return sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                 shape=(len(sets), max(len(vocab), 1)))

    return mat(a), mat(b)


# ---------------------------------------------------------------------------------------------- estimator
class IncidentClusterer(ClusterMixin, BaseEstimator):
    """Incident clustering over a combined distance (a scikit-learn estimator).

    d(i, j) = w_text * (1 - cos)
            + w_entity * (1 - cos of salient-name weights)        (documents; ``unknown_entity`` if one has none)
            + w_lexical * (1 - cos of word 1..``lexical_ngrams``-gram TF-IDF)   (documents)
            + w_date * clip((|days| - date_tolerance_days) / date_scale_days, 0, 1)   (``unknown_date`` if undated)
            + w_place * [disjoint places]                          (``unknown_place`` if one names none,
                                                                    ``lifted_place`` if an article names both)
    and a cannot-link (never in one incident) when the dates are more than ``max_days`` apart, or when
    ``cannot_link_places`` and the two name disjoint places while neither's article mentions the
    other's place that day (a wire piece on a nationwide strike that lists Kyiv and Lviv keeps them
    together; two reports of the same kind of strike on Odesa and on Dnipro stay apart).

    ``method``: ``agglomerative`` (scipy linkage cut at ``distance_threshold``) or ``hdbscan``
    (scikit-learn HDBSCAN on the same precomputed distance; its noise points become singletons —
    nothing is dropped). Inputs above ``block_size`` are clustered in date-ordered blocks joined by
    centroid (``join_threshold``, default ``distance_threshold``).

    ``fit(X, dates=None, places=None, scopes=None, entities=None, texts=None)``: X (n, d) L2-normalised
    embeddings; ``dates`` datetime.date or None per item; ``places``/``scopes`` sets of place names (None:
    unknown); ``entities`` lists of salient names (e.g. from :func:`salient_names`); ``texts`` the raw
    texts for the lexical term. TF-IDF weights are fitted on the items of the call (no labels involved).
    Whole documents carry far more than a sentence embedding sees (MiniLM reads ~200 words), so for
    them the names and words that tell two incidents of one kind apart get their own terms.
    """

    def __init__(self, method: str = "agglomerative", distance_threshold: float = 1.3, linkage: str = "average",
                 w_text: float = 1.0, w_entity: float = 0.0, unknown_entity: float = 0.5, w_lexical: float = 0.0,
                 lexical_ngrams: int = 2, lexical_min_df: int = 2, w_date: float = 1.0,
                 date_tolerance_days: float = 0.5, date_scale_days: float = 2.0, unknown_date: float = 0.0,
                 max_days: float | None = 4.0, w_place: float = 1.5, unknown_place: float = 0.3,
                 lifted_place: float = 0.5, cannot_link_places: bool = True, min_cluster_size: int = 2, block_size: int = 2000,
                 join_threshold: float | None = None):
        self.method = method
        self.distance_threshold = distance_threshold
        self.linkage = linkage
        self.w_text = w_text
        self.w_entity = w_entity
        self.unknown_entity = unknown_entity
        self.w_lexical = w_lexical
        self.lexical_ngrams = lexical_ngrams
        self.lexical_min_df = lexical_min_df
        self.w_date = w_date
        self.date_tolerance_days = date_tolerance_days
        self.date_scale_days = date_scale_days
        self.unknown_date = unknown_date
        self.max_days = max_days
        self.w_place = w_place
        self.unknown_place = unknown_place
        self.lifted_place = lifted_place
        self.cannot_link_places = cannot_link_places
        self.min_cluster_size = min_cluster_size
        self.block_size = block_size
        self.join_threshold = join_threshold

    # ------------------------------------------------------------------ inputs
    def items(self, X, dates=None, places=None, scopes=None, entities=None, texts=None) -> Items:
        """Validated per-item features (entity weights use the IDF fitted on this call's items)."""
        X = check_array(X, dtype=np.float32, ensure_min_samples=0)
        n = X.shape[0]
        pl = _sets(places, n, "places")
        sc = _sets(scopes, n, "scopes") if scopes is not None else pl
        sc = [s | p for s, p in zip(sc, pl)]
        ent = None
        if entities is not None and self.w_entity:
            if len(entities) != n:
                raise ValueError(f"entities has {len(entities)} entries for {n} items")
            ent = _tfidf([list(e or ()) for e in entities])
        lex = None
        if texts is not None and self.w_lexical:
            if len(texts) != n:
                raise ValueError(f"texts has {len(texts)} entries for {n} items")
            lex = _lexical(list(texts), self.lexical_ngrams, self.lexical_min_df)
        return Items(X, _days(dates, n), pl, sc, ent, np.ones(n), lex)

    # ------------------------------------------------------------------ distance
    def cross_distance(self, a: Items, b: Items) -> np.ndarray:
        """Combined distance between every item of ``a`` and every item of ``b`` (len(a), len(b))."""
        sim = np.clip(a.V @ b.V.T, -1.0, 1.0)
        D = self.w_text * (1.0 - sim.astype(np.float64))
        if self.w_entity:
            if a.ent is not None and b.ent is not None:
                es = np.asarray((a.ent @ b.ent.T).todense(), dtype=np.float64)
                ha = np.asarray(a.ent.getnnz(axis=1) > 0)
                hb = np.asarray(b.ent.getnnz(axis=1) > 0)
                both = ha[:, None] & hb[None, :]
                D += self.w_entity * np.where(both, 1.0 - np.clip(es, 0.0, 1.0), self.unknown_entity)
            else:
                D += self.w_entity * self.unknown_entity
        if self.w_lexical:
            if a.lex is None or b.lex is None:
                raise ValueError("w_lexical > 0 needs texts= in fit")
            D += self.w_lexical * (1.0 - np.clip(np.asarray((a.lex @ b.lex.T).todense(), dtype=np.float64), 0, 1))
        diff = np.abs(a.day[:, None] - b.day[None, :])
        known = ~np.isnan(diff)
        diff0 = np.nan_to_num(diff)
        if self.w_date:
            pen = np.clip((diff0 - self.date_tolerance_days) / max(self.date_scale_days, 1e-9), 0.0, 1.0)
            D += self.w_date * np.where(known, pen, self.unknown_date)
        cannot = np.zeros(D.shape, dtype=bool)
        if self.max_days is not None:
            cannot |= known & (diff0 > self.max_days)
        Pa, Pb = _incidence(a.places, b.places)
        ha = np.asarray(Pa.getnnz(axis=1) > 0)
        hb = np.asarray(Pb.getnnz(axis=1) > 0)
        both = ha[:, None] & hb[None, :]
        overlap = np.asarray((Pa @ Pb.T).todense()) > 0
        disjoint = both & ~overlap
        lifted = np.zeros(D.shape, dtype=bool)
        if disjoint.any():
            # b's places mentioned in a's scope, or a's places in b's scope: one multi-city event?
            Pa_s, Sb_s = _incidence(a.places, b.scope)
            Sa_s, Pb_s = _incidence(a.scope, b.places)
            lifted = disjoint & ((np.asarray((Pa_s @ Sb_s.T).todense()) > 0)
                                 | (np.asarray((Sa_s @ Pb_s.T).todense()) > 0))
        if self.w_place:
            pen = np.where(lifted, self.lifted_place, disjoint.astype(float))
            D += self.w_place * np.where(both, pen, self.unknown_place)
        if self.cannot_link_places:
            cannot |= disjoint & ~lifted
        if cannot.any():
            D = np.where(cannot, CANNOT, D)
        return D

    def pairwise_distance(self, X, dates=None, places=None, scopes=None, entities=None, texts=None) -> np.ndarray:
        it = self.items(X, dates, places, scopes, entities, texts)
        D = self.cross_distance(it, it)
        np.fill_diagonal(D, 0.0)
        return np.maximum(D, 0.0)

    # ------------------------------------------------------------------ fitting
    def _cluster_block(self, it: Items) -> np.ndarray:
        n = len(it)
        if n <= 1:
            return np.zeros(n, dtype=int)
        D = self.cross_distance(it, it)
        np.fill_diagonal(D, 0.0)
        D = np.maximum(D, 0.0)
        if self.method == "agglomerative":
            Z = scipy_linkage(squareform(D, checks=False), method=self.linkage)
            self._tree = Z
            raw = fcluster(Z, t=self.distance_threshold, criterion="distance")
        elif self.method == "hdbscan":
            from sklearn.cluster import HDBSCAN

            if n < max(self.min_cluster_size, 2):
                raw = np.arange(n)
            else:
                raw = HDBSCAN(metric="precomputed", min_cluster_size=self.min_cluster_size,
                              copy=True).fit_predict(np.minimum(D, 1e3))
                nxt = raw.max() + 1
                for i in np.flatnonzero(raw < 0):  # noise: its own incident, never dropped
                    raw[i] = nxt
                    nxt += 1
        else:
            raise ValueError(f"unknown method {self.method!r}: use 'agglomerative' or 'hdbscan'")
        return _first_seen(raw)

    def fit(self, X, y=None, dates=None, places=None, scopes=None, entities=None, texts=None):
        # no items is an error, as for any scikit-learn estimator (callers skip empty batches);
        # items() itself accepts none, for the incident store
        X = validate_data(self, X, dtype=np.float32)
        it = self.items(X, dates, places, scopes, entities, texts)
        self._tree = None
        if len(it) <= self.block_size:
            self.labels_ = self._cluster_block(it)
        else:
            self.labels_ = self._fit_blocked(it)
        self.n_clusters_ = int(self.labels_.max() + 1)
        return self

    def fit_predict(self, X, y=None, dates=None, places=None, scopes=None, entities=None, texts=None):
        return self.fit(X, dates=dates, places=places, scopes=scopes, entities=entities, texts=texts).labels_

    def labels_at(self, threshold: float) -> np.ndarray:
        """Labels for another ``distance_threshold`` without refitting (one agglomerative block only):
        a threshold sweep costs one linkage."""
        check_is_fitted(self, "labels_")
        if self._tree is None:
            if len(self.labels_) <= 1:
                return self.labels_.copy()
            raise ValueError("labels_at needs a single-block agglomerative fit")
        return _first_seen(fcluster(self._tree, t=threshold, criterion="distance"))

    def _fit_blocked(self, it: Items) -> np.ndarray:
        """Date-ordered blocks, each clustered exactly, joined to open incidents through centroids."""
        n = len(it)
        day = np.where(np.isnan(it.day), np.inf, it.day)
        order = np.lexsort((np.arange(n), day))  # by date, undated last, ties in input order
        labels = np.full(n, -1, dtype=int)
        book = Ledger(self)
        for start in range(0, n, self.block_size):
            idx = order[start:start + self.block_size]
            block = it.take(idx)
            local = self._cluster_block(block)
            ids = book.absorb(block, local)
            labels[idx] = ids
        return _first_seen(labels)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.method == "hdbscan"
        return tags


def _first_seen(raw) -> np.ndarray:
    """Relabel by first appearance so the same input order gives the same labels."""
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(r), len(order)) for r in raw], dtype=int)


def _lexical(texts: list[str], ngrams: int, min_df: int) -> sparse.csr_matrix:
    from sklearn.feature_extraction.text import TfidfVectorizer

    min_df = min_df if len(texts) >= 2 * min_df else 1
    try:
        return TfidfVectorizer(sublinear_tf=True, stop_words="english", ngram_range=(1, ngrams),
                               min_df=min_df).fit_transform([t or "" for t in texts]).tocsr()
    except ValueError:  # empty vocabulary (no words at all)
        return sparse.csr_matrix((len(texts), 1), dtype=np.float64)


def _tfidf(docs: list[list[str]]) -> sparse.csr_matrix:
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(docs):
        return sparse.csr_matrix((len(docs), 1), dtype=np.float64)
    tv = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, norm="l2", min_df=1)
    return tv.fit_transform(docs).tocsr()


# ---------------------------------------------------------------------------------------------- joining
@dataclass
class Ledger:
    """Running incident summaries that new clusters join (used by blocked fitting and the store).

    Each incident keeps the sum of its member vectors (so mean-to-mean dot products are exactly the
    average-linkage cosine), its member count, day range and place/scope sets.
    """

    clusterer: IncidentClusterer
    sums: list[np.ndarray] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    day_lo: list[float] = field(default_factory=list)
    day_hi: list[float] = field(default_factory=list)
    day_mode: list[float] = field(default_factory=list)
    places: list[frozenset] = field(default_factory=list)
    scopes: list[frozenset] = field(default_factory=list)
    ents: list = field(default_factory=list)
    lexs: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.counts)

    def summary(self, idx) -> Items:
        V = np.stack([self.sums[i] / self.counts[i] for i in idx]).astype(np.float32)
        ent = None
        if self.ents and all(self.ents[i] is not None for i in idx):
            ent = sparse.vstack([self.ents[i] for i in idx]).tocsr()
        lex = None
        if self.lexs and all(self.lexs[i] is not None for i in idx):
            lex = sparse.vstack([self.lexs[i] for i in idx]).tocsr()
        return Items(V, np.array([self.day_mode[i] for i in idx], dtype=float),
                     [self.places[i] for i in idx], [self.scopes[i] for i in idx], ent,
                     np.array([self.counts[i] for i in idx], dtype=float), lex)

    def candidates(self, lo: float, hi: float) -> np.ndarray:
        """Incidents whose day range can still be within ``max_days`` of [lo, hi] (all when undated)."""
        md = self.clusterer.max_days
        if md is None or np.isnan(lo) or not len(self):
            return np.arange(len(self))
        dlo, dhi = np.asarray(self.day_lo), np.asarray(self.day_hi)
        return np.flatnonzero(np.isnan(dlo) | ((dlo - md <= hi) & (lo <= dhi + md)))

    def add(self, s: np.ndarray, count: int, days: np.ndarray, places: frozenset, scope: frozenset, ent,
            lex=None) -> int:
        self.sums.append(s.astype(np.float64))
        self.counts.append(int(count))
        known = days[~np.isnan(days)]
        self.day_lo.append(float(known.min()) if known.size else np.nan)
        self.day_hi.append(float(known.max()) if known.size else np.nan)
        self.day_mode.append(float(Counter(known.tolist()).most_common(1)[0][0]) if known.size else np.nan)
        self.places.append(places)
        self.scopes.append(scope)
        self.ents.append(ent)
        self.lexs.append(lex)
        return len(self) - 1

    def merge_into(self, i: int, s: np.ndarray, count: int, days: np.ndarray, places: frozenset,
                   scope: frozenset, ent, lex=None) -> None:
        n0 = self.counts[i]
        self.sums[i] = self.sums[i] + s
        self.counts[i] = n0 + int(count)
        known = days[~np.isnan(days)]
        if known.size:
            lo, hi = float(known.min()), float(known.max())
            self.day_lo[i] = lo if np.isnan(self.day_lo[i]) else min(self.day_lo[i], lo)
            self.day_hi[i] = hi if np.isnan(self.day_hi[i]) else max(self.day_hi[i], hi)
            if np.isnan(self.day_mode[i]):
                self.day_mode[i] = float(Counter(known.tolist()).most_common(1)[0][0])
        self.places[i] = self.places[i] | places
        self.scopes[i] = self.scopes[i] | scope
        if ent is not None and self.ents[i] is not None:
            merged = (self.ents[i] * n0 + ent * count) / (n0 + count)
            self.ents[i] = sparse.csr_matrix(merged)
        if lex is not None and self.lexs[i] is not None:
            self.lexs[i] = sparse.csr_matrix((self.lexs[i] * n0 + lex * count) / (n0 + count))

    def absorb(self, block: Items, local: np.ndarray) -> np.ndarray:
        """Join each cluster of ``block`` (labels ``local``, numbered by first appearance) to the nearest
        fitting incident held before this call, or open a new one; returns the ledger index per item.
        One distance matrix per call (clusters x candidate incidents), so the cost stays linear."""
        k = self.clusterer
        thr = k.join_threshold if k.join_threshold is not None else k.distance_threshold
        out = np.empty(len(block), dtype=int)
        L = int(local.max()) + 1 if len(local) else 0
        if L == 0:
            return out
        groups = [np.flatnonzero(local == lab) for lab in range(L)] if L < 64 else _groups(local, L)
        sums = np.zeros((L, block.V.shape[1]), dtype=np.float64)
        np.add.at(sums, local, block.V.astype(np.float64))
        counts = np.bincount(local, minlength=L).astype(float)
        modes = np.full(L, np.nan)
        for lab, members in enumerate(groups):
            known = block.day[members][~np.isnan(block.day[members])]
            if known.size:
                modes[lab] = Counter(known.tolist()).most_common(1)[0][0]
        places = [frozenset().union(*(block.places[i] for i in g)) for g in groups]
        scopes = [frozenset().union(*(block.scope[i] for i in g)) for g in groups]
        ent = lex = None
        if block.ent is not None or block.lex is not None:
            avg = sparse.csr_matrix((np.ones(len(local)) / counts[local], (local, np.arange(len(local)))),
                                    shape=(L, len(local)))
            ent = (avg @ block.ent).tocsr() if block.ent is not None else None
            lex = (avg @ block.lex).tocsr() if block.lex is not None else None
        me = Items((sums / counts[:, None]).astype(np.float32), modes, places, scopes, ent, counts, lex)
        known = block.day[~np.isnan(block.day)]
        lo, hi = (known.min(), known.max()) if known.size and known.size == len(block) else (np.nan, np.nan)
        cand = self.candidates(lo, hi)
        D = k.cross_distance(me, self.summary(cand)) if len(cand) else np.zeros((L, 0))
        for lab, members in enumerate(groups):
            e = ent[lab] if ent is not None else None
            x = lex[lab] if lex is not None else None
            days = block.day[members]
            j = int(np.argmin(D[lab])) if D.shape[1] else -1  # ties: the earliest incident
            if j >= 0 and D[lab, j] <= thr:
                target = int(cand[j])
                self.merge_into(target, sums[lab], int(counts[lab]), days, places[lab], scopes[lab], e, x)
            else:
                target = self.add(sums[lab], int(counts[lab]), days, places[lab], scopes[lab], e, x)
            out[members] = target
        return out


def _groups(labels: np.ndarray, L: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    return np.split(order, np.cumsum(np.bincount(labels, minlength=L))[:-1])


# ---------------------------------------------------------------------------------------------- claims
@dataclass
class ClaimContext:
    """Per-claim inputs for the clusterer after :func:`context_fill`."""

    dates: list[date | None]
    places: list[set[str]]
    scopes: list[set[str]]


def context_fill(claims: list[Claim], gazetteer: Gazetteer | set[str] | None = None, window: int = 3) -> ClaimContext:
    """Effective date, places and article scope per claim.

    Reports state the where/when once and go on: a claim that names no date or place inherits them
    from the claims just before it in the same article. A claim with its own date that differs from
    the article's (an aside such as "a day earlier, Russia had launched …") keeps only its own places
    and does not change the context. A silence ("officials in Kyiv declined to comment") is about the
    context's incident as well as any place it names. Districts and regions add to the context's city.
    A claim far (> ``window`` sentences) from the previous one falls back on the lede's context.
    """
    if gazetteer is None:
        gaz = Gazetteer([])
    elif isinstance(gazetteer, Gazetteer):
        gaz = gazetteer
    else:
        gaz = Gazetteer.from_types({c: "country" for c in gazetteer})
    countries = gaz.countries
    dates: list[date | None] = []
    places: list[set[str]] = []
    last: dict[str, tuple[int, date | None, set[str]]] = {}
    lead: dict[str, tuple[int, date | None, set[str]]] = {}
    for c in claims:
        own = {p for p in c.places if p not in countries}
        prev = last.get(c.article_id)
        if prev is not None and c.sentence - prev[0] > window:
            prev = lead.get(c.article_id)  # far from the last claim: the lede's where/when
        ctx_date = prev[1] if prev else None
        ctx_places = set(prev[2]) if prev else set()
        aside = c.date is not None and ctx_date is not None and c.date != ctx_date
        d = c.date or ctx_date
        if aside:
            fine = own
        elif c.kind == "silence":
            fine = own | ctx_places
        elif own and not any(gaz.specific(p) for p in own):
            fine = own | ctx_places
        else:
            fine = own or ctx_places
        dates.append(d or c.published)
        places.append(fine)
        if not aside:
            last[c.article_id] = (c.sentence, d, fine)
            if fine and c.article_id not in lead:
                lead[c.article_id] = (c.sentence, d, fine)
    scope: dict[tuple[str, date | None], set[str]] = {}
    for c, d, p in zip(claims, dates, places):
        scope.setdefault((c.article_id, d), set()).update(p)
    return ClaimContext(dates, places, [set(scope[(c.article_id, d)]) for c, d in zip(claims, dates)])


_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)*|[A-Z]{2,})(?:\s+(?:[A-Z][a-z]+|[A-Z]{2,}))*\b|\b(?:1[89]|20)\d\d\b")
_STOP_NAMES = frozenset("""The A An In On At For But And Or If It Its He She They We I You His Her Their Our This That
These Those There Here When Where What Who Why How After Before While Since As By From With Without According
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
September October November December Mr Mrs Ms Dr Sir Also However Meanwhile Some Many Most One Two Three""".split())


def salient_names(text: str, limit: int = 60) -> list[str]:
    """Capitalised names and years in a document, lower-cased, sentence-initial function words dropped:
    what tells two incidents of the same kind apart (two celebrities, two earthquakes, two years)."""
    out = []
    for m in _NAME.finditer(text or ""):
        words = [w for w in m.group(0).split() if w not in _STOP_NAMES]
        if not words:
            continue
        out.append(" ".join(words).lower())
        if len(words) > 1:  # also each part: "Lindsay Lohan" later called "Lohan"
            out.extend(w.lower() for w in words)
        if len(out) >= limit * 3:
            break
    return out


# ---------------------------------------------------------------------------------------------- records
EVENT_WORDS = {"killed": "killed", "injured": "injured", "shot_down": "shot down", "launched": "launched",
               "damaged": "damaged"}


def incident_id(claims: list[Claim], d: date | None, place: str | None) -> str:
    h = hashlib.blake2b("|".join(sorted(c.claim_id for c in claims)).encode(), digest_size=3).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", (place or "unplaced").lower()).strip("-")
    return f"{d.isoformat() if d else 'undated'}-{slug}-{h}"


def build_incidents(claims: list[Claim], labels, dates, places, ids: Sequence[str] | None = None) -> list[Incident]:
    """Incident records from cluster labels; also writes ``incident_id`` onto each claim.
    ``ids``: an incident id per label (from the store); by default one is derived from the members."""
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    incidents = []
    for lab, idx in groups.items():
        members = [claims[i] for i in idx]
        ds = [dates[i] for i in idx if dates[i] is not None]
        place_counts = Counter(p for i in idx for p in sorted(places[i]))  # sorted: ties break the same in every process
        top_place = place_counts.most_common(1)[0][0] if place_counts else None
        mode_date = Counter(ds).most_common(1)[0][0] if ds else None
        iid = ids[lab] if ids is not None else incident_id(members, mode_date, top_place)
        for c in members:
            c.incident_id = iid
        sources = []
        for c in members:
            for s in (c.source, c.silent_source):
                if s and s not in sources:
                    sources.append(s)
        incidents.append(Incident(
            incident_id=iid, title=incident_title(members, mode_date, _main_places(place_counts)),
            date_from=min(ds) if ds else None, date_to=max(ds) if ds else None,
            places=[p for p, _ in place_counts.most_common()], sources=sources,
            claim_ids=[c.claim_id for c in members]))
    return incidents


def _main_places(counts: Counter) -> list[str]:
    """Places for a title: the most named, and others named at least half as often."""
    top = counts.most_common(3)
    return [p for p, n in top if n * 2 >= top[0][1]] if top else []


_EVENT_NOUNS = [("missile", "missile strike"), ("drone", "drone attack"), ("rocket", "rocket attack"),
                ("shell", "shelling"), ("strike", "strike"), ("attack", "attack"), ("explosion", "explosions")]


def incident_title(claims: list[Claim], d: date | None, places: list[str]) -> str:
    """A short human title, e.g. "Belgorod, 2024-01-02: rocket attack, 17 rockets shot down, 1 killed"."""
    facts: Counter = Counter()
    for c in claims:
        for q in c.quantities:
            if q.event in EVENT_WORDS:
                facts[(q.event, q.unit, q.display())] += 1
    parts, seen_events = [], set()
    for (ev, unit, disp), _ in facts.most_common():
        if ev in seen_events:
            continue
        seen_events.add(ev)
        parts.append(f"{disp} {unit + ' ' if unit and unit not in ('people',) else ''}{EVENT_WORDS[ev]}".strip())
        if len(parts) == 2:
            break
    words = Counter(w for c in claims for w in re.findall(r"[a-z]+", c.text.lower()))
    kind = next((name for stem, name in _EVENT_NOUNS if sum(v for w, v in words.items() if w.startswith(stem)) >= 2),
                None)
    if kind:
        parts.insert(0, kind)
    where = ", ".join(places[:2]) if places else "Unplaced"
    when = d.isoformat() if d else "undated"
    head = f"{where}, {when}"
    if not parts:
        ev = Counter(e for c in claims for e in c.events).most_common(1)
        parts = [ev[0][0].replace("_", " ")] if ev else [claims[0].text[:60]]
    return f"{head}: {', '.join(parts)}"


def check_fitted(est: IncidentClusterer) -> None:
    check_is_fitted(est, "labels_")


def bcubed(y_true, y_pred) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering (Bagga & Baldwin): per item, the share of its
    predicted cluster that is truly with it, and the share of its true cluster that it was put with."""
    from sklearn.metrics.cluster import contingency_matrix

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    if len(y_true) == 0:
        return 1.0, 1.0, 1.0
    C = contingency_matrix(y_true, y_pred, sparse=True).tocsr().astype(np.float64)
    sq = C.multiply(C)
    p = float((sq @ sparse.diags(1.0 / np.asarray(C.sum(axis=0)).ravel())).sum()) / len(y_true)
    r = float((sparse.diags(1.0 / np.asarray(C.sum(axis=1)).ravel()) @ sq).sum()) / len(y_true)
    return p, r, 2 * p * r / (p + r)


def load_clusterer(name_or_path: str = "agglomerative", conf_dir: str | Path | None = None, **overrides) -> IncidentClusterer:
    """An IncidentClusterer from ``conf/cluster/<name>.yaml`` (or a YAML path), with overrides."""
    import yaml

    p = Path(name_or_path)
    if not p.suffix:
        p = Path(conf_dir or CONF_DIR) / "cluster" / f"{name_or_path}.yaml"
    if not p.exists():
        from discrep.errors import DiscrepError

        raise DiscrepError(f"no clusterer config {p}")
    raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    raw.pop("_target_", None)
    raw.update(overrides)
    return IncidentClusterer(**raw)
