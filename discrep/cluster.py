"""Group claims (or whole documents) into incidents: one event, one place, one time.

Text similarity alone merges two strikes of the same kind on the same day in different cities;
the distance here adds event-date proximity and place overlap, so they stay apart.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_array

from .types import Claim, Incident


class IncidentClusterer(ClusterMixin, BaseEstimator):
    """Agglomerative clustering over a combined distance.

    d(i, j) = w_text * (1 - cos) + w_date * min(|days| / date_scale_days, 1) + w_place * place_mismatch
    where place_mismatch is 1 for disjoint place sets, 0 for overlapping ones and ``unknown_place`` when
    either side names no place. Items further apart than ``max_days`` never merge.

    ``fit(X, dates=None, places=None)``: X is an (n, d) array of L2-normalised embeddings,
    ``dates`` a sequence of ``datetime.date`` or None, ``places`` a sequence of sets of names.
    """

    def __init__(self, distance_threshold: float = 1.5, linkage: str = "average", w_text: float = 1.0,
                 w_date: float = 1.0, date_scale_days: float = 1.0, w_place: float = 1.0,
                 unknown_place: float = 0.15, max_days: float | None = 4.0):
        self.distance_threshold = distance_threshold
        self.linkage = linkage
        self.w_text = w_text
        self.w_date = w_date
        self.date_scale_days = date_scale_days
        self.w_place = w_place
        self.unknown_place = unknown_place
        self.max_days = max_days

    def pairwise_distance(self, X, dates=None, places=None) -> np.ndarray:
        X = check_array(X, dtype=np.float32)
        n = X.shape[0]
        sim = np.clip(X @ X.T, -1.0, 1.0)
        D = self.w_text * (1.0 - sim)
        if dates is not None and self.w_date:
            days = np.array([d.toordinal() if isinstance(d, date) else np.nan for d in dates], dtype=float)
            diff = np.abs(days[:, None] - days[None, :])
            known = ~np.isnan(diff)
            D += self.w_date * np.where(known, np.minimum(np.nan_to_num(diff) / self.date_scale_days, 1.0), 0.5)
            if self.max_days is not None:
                D = np.where(known & (np.nan_to_num(diff) > self.max_days), D + 10.0, D)
        if places is not None and self.w_place:
            pl = [frozenset(p or ()) for p in places]
            M = np.full((n, n), self.unknown_place, dtype=float)
            for i in range(n):
                if not pl[i]:
                    continue
                for j in range(i + 1, n):
                    if pl[j]:
                        M[i, j] = M[j, i] = 0.0 if pl[i] & pl[j] else 1.0
            D += self.w_place * M
        np.fill_diagonal(D, 0.0)
        return np.maximum(D, 0.0)

    def fit(self, X, y=None, dates=None, places=None):
        X = check_array(X, dtype=np.float32)
        n = X.shape[0]
        if n == 0:
            self.labels_ = np.zeros(0, dtype=int)
        elif n == 1:
            self.labels_ = np.zeros(1, dtype=int)
        else:
            D = self.pairwise_distance(X, dates, places)
            Z = linkage(squareform(D, checks=False), method=self.linkage)
            raw = fcluster(Z, t=self.distance_threshold, criterion="distance")
            # relabel by first appearance so the same input order gives the same labels
            order: dict[int, int] = {}
            self.labels_ = np.array([order.setdefault(r, len(order)) for r in raw], dtype=int)
        self.n_clusters_ = int(self.labels_.max() + 1) if n else 0
        return self

    def fit_predict(self, X, y=None, dates=None, places=None):
        return self.fit(X, dates=dates, places=places).labels_


def context_fill(claims: list[Claim], countries: set[str] | None = None, window: int = 3):
    """Effective date and places per claim for clustering: a claim that names none inherits them from
    the claims just before it in the same article (reports state the where/when once, then go on)."""
    countries = countries or set()
    dates, places = [], []
    last: dict[str, tuple[int, date | None, set[str]]] = {}
    for c in claims:
        fine = {p for p in c.places if p not in countries}
        prev = last.get(c.article_id)
        d = c.date
        if d is None and prev and c.sentence - prev[0] <= window:
            d = prev[1]
        if not fine and prev and c.sentence - prev[0] <= window:
            fine = set(prev[2])
        d_eff = d or c.published
        dates.append(d_eff)
        places.append(fine)
        last[c.article_id] = (c.sentence, d, fine)
    return dates, places


EVENT_WORDS = {"killed": "killed", "injured": "injured", "shot_down": "shot down", "launched": "launched",
               "damaged": "damaged"}


def incident_id(claims: list[Claim], d: date | None, place: str | None) -> str:
    h = hashlib.blake2b("|".join(sorted(c.claim_id for c in claims)).encode(), digest_size=3).hexdigest()
    slug = re.sub(r"[^a-z0-9]+", "-", (place or "unplaced").lower()).strip("-")
    return f"{d.isoformat() if d else 'undated'}-{slug}-{h}"


def build_incidents(claims: list[Claim], labels, dates, places) -> list[Incident]:
    """Incident records from cluster labels; also writes ``incident_id`` onto each claim."""
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
        iid = incident_id(members, mode_date, top_place)
        for c in members:
            c.incident_id = iid
        sources = []
        for c in members:
            for s in (c.source, c.silent_source):
                if s and s not in sources:
                    sources.append(s)
        incidents.append(Incident(
            incident_id=iid, title=incident_title(members, mode_date, [p for p, _ in place_counts.most_common(3)]),
            date_from=min(ds) if ds else None, date_to=max(ds) if ds else None,
            places=[p for p, _ in place_counts.most_common()], sources=sources,
            claim_ids=[c.claim_id for c in members]))
    return incidents


def incident_title(claims: list[Claim], d: date | None, places: list[str]) -> str:
    """A short human title, e.g. "Belgorod, 2024-01-02: 17 rockets shot down, 1 killed"."""
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
    where = ", ".join(places[:2]) if places else "Unplaced"
    when = d.isoformat() if d else "undated"
    head = f"{where}, {when}"
    if not parts:
        ev = Counter(e for c in claims for e in c.events).most_common(1)
        parts = [ev[0][0].replace("_", " ")] if ev else [claims[0].text[:60]]
    return f"{head}: {', '.join(parts)}"
