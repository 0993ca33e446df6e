"""Pair features: what tells agreement from contradiction from silence.

Embeddings say whether two claims talk about the same thing; they are blind to "three" vs "at
least five". The numeric group compares qualified figures as intervals of the same event and
unit, which is where conflict reporting disagrees.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from .extract import NEG_RE, UNIT_FAMILY
from .numbers import gap, overlap
from .types import Claim, ClaimPair

GROUPS = ("embedding", "numeric", "events", "polarity", "lexical", "meta")
EVENTS = ("killed", "injured", "shot_down", "launched", "damaged")
ANTONYMS = [
    ({"hit", "struck", "destroyed", "damaged", "reached"}, {"intercepted", "downed", "repelled", "thwarted"}),
    ({"civilian", "civilians", "residential", "homes", "hospital", "school"}, {"military", "soldiers", "troops", "base"}),
    ({"confirmed", "admitted", "acknowledged"}, {"denied", "rejected", "dismissed", "refuted"}),
    ({"increased", "rose", "more"}, {"decreased", "fell", "fewer"}),
    ({"alive", "survived", "rescued"}, {"dead", "killed", "died"}),
]
_TOK = re.compile(r"[a-z0-9]+")
_STOP = set("the a an of to in on at by for and or but with from as is are was were be been has have had that this "
            "it its their his her he she they said says".split())


def _family(unit: str | None) -> str | None:
    return UNIT_FAMILY.get(unit or "", unit)


def numeric_features(a: Claim, b: Claim | None) -> list[float]:
    """Interval compatibility of figures that count the same event in the same unit family."""
    if b is None:
        return [0.0] * 11
    qa = [q for q in a.quantities if q.event]
    qb = [q for q in b.quantities if q.event]
    matches = [(x, y) for x in qa for y in qb if x.event == y.event and
               (_family(x.unit) == _family(y.unit) or x.unit is None or y.unit is None)]
    # a figure of one side about an event the other side also counts
    ev_shared = {x.event for x in qa} & {y.event for y in qb}
    if matches:
        ovs = [overlap(x.low, x.high, y.low, y.high) for x, y in matches]
        gaps = [gap(x.low, x.high, y.low, y.high) for x, y in matches]
        # per event, best-aligned figure pair: an event agrees if any of its pairs overlaps
        per_event: dict[str, float] = {}
        for (x, _), o in zip(matches, ovs):
            per_event[x.event] = max(per_event.get(x.event, 0.0), o)
        disjoint_events = sum(1 for v in per_event.values() if v == 0.0)
        exact_equal = any(x.low == y.low and x.high == y.high for x, y in matches)
        exact_differ = any(x.qualifier == y.qualifier == "exact" and x.low != y.low for x, y in matches)
        min_gap = min(g for g in gaps)
        return [1.0, len(matches), max(ovs), min(per_event.values()), float(disjoint_events > 0),
                float(disjoint_events == len(per_event)), min_gap, max(gaps), float(exact_equal), float(exact_differ),
                float(bool(ev_shared))]
    return [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, float(bool(ev_shared))]


def event_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0, 0.0, float(bool(set(a.events) & set(EVENTS))), 1.0]
    ea, eb = set(a.events) & set(EVENTS), set(b.events) & set(EVENTS)
    jac = len(ea & eb) / len(ea | eb) if ea | eb else 0.0
    a_only = len(ea - eb) / max(len(ea), 1)
    return [jac, float(bool(ea & eb)), a_only, float(not eb)]


def polarity_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    na, nb = bool(NEG_RE.search(a.text)), bool(NEG_RE.search(b.text))
    return [float(na != nb), float(a.polarity == "hedged" or b.polarity == "hedged"),
            float(b.kind == "silence"), float(a.kind == "silence"), float(na and nb)]


def _tokens(t: str) -> set[str]:
    return {w for w in _TOK.findall(t.lower()) if w not in _STOP}


def lexical_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0] * 5
    ta, tb = _tokens(a.text), _tokens(b.text)
    jac = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    cov = len(ta & tb) / max(len(ta), 1)
    ant = sum(1.0 for x, y in ANTONYMS if (ta & x and tb & y) or (ta & y and tb & x))
    nums_a = {w for w in ta if w.isdigit()}
    nums_b = {w for w in tb if w.isdigit()}
    num_j = len(nums_a & nums_b) / len(nums_a | nums_b) if nums_a | nums_b else 0.0
    num_diff = float(bool(nums_a) and bool(nums_b) and not (nums_a & nums_b))
    return [jac, cov, ant, num_j, num_diff]


def meta_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0] * 7 + [1.0]
    same_source = float(a.source == b.source)
    same_outlet = float(a.outlet == b.outlet)
    if a.date and b.date:
        dd = abs((a.date - b.date).days)
        date_agree, date_conf = float(dd == 0), float(dd > 1)
    else:
        date_agree, date_conf = 0.0, 0.0
    pa, pb = set(a.places), set(b.places)
    place_j = len(pa & pb) / len(pa | pb) if pa and pb else 0.0
    place_conf = float(bool(pa) and bool(pb) and not (pa & pb))
    party_diff = float(bool(a.party) and bool(b.party) and a.party != b.party)
    return [same_source, same_outlet, date_agree, date_conf, place_j, place_conf, party_diff, 0.0]


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """ClaimPairs -> feature matrix. ``embedder`` is any object with ``encode(texts) -> (n, d)``;
    it is excluded from the saved model and re-attached at load (weights live in their own package)."""

    def __init__(self, groups: Sequence[str] = GROUPS, embedder=None, embedding_mode: str = "diff_prod"):
        self.groups = groups
        self.embedder = embedder
        self.embedding_mode = embedding_mode

    def fit(self, X, y=None):
        unknown = set(self.groups) - set(GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; known: {GROUPS}")
        self.n_features_out_ = self.transform(X[:1]).shape[1] if len(X) else None
        return self

    def transform(self, X: Sequence[ClaimPair]) -> np.ndarray:
        pairs = list(X)
        blocks = []
        if "embedding" in self.groups:
            if self.embedder is None:
                raise ValueError("the 'embedding' feature group needs an embedder")
            ta = [p.a.text for p in pairs]
            tb = [p.b.text if p.b is not None else "" for p in pairs]
            E = self.embedder.encode(ta + tb) if pairs else np.zeros((0, 1), np.float32)
            u, v = E[: len(pairs)], E[len(pairs):]
            present = np.array([[p.b is not None] for p in pairs], dtype=np.float32).reshape(-1, 1)
            v = v * present
            cos = np.sum(u * v, axis=1, keepdims=True)
            parts = [np.abs(u - v), u * v, cos]
            if self.embedding_mode == "full":
                parts = [u, v] + parts
            elif self.embedding_mode == "cosine":
                parts = [cos]
            blocks.append(np.hstack(parts))
        fns = [("numeric", numeric_features), ("events", event_features), ("polarity", polarity_features),
               ("lexical", lexical_features), ("meta", meta_features)]
        for name, fn in fns:
            if name in self.groups:
                blocks.append(np.array([fn(p.a, p.b) for p in pairs], dtype=np.float32).reshape(len(pairs), -1))
        if not blocks:
            raise ValueError("no feature groups selected")
        out = np.hstack(blocks).astype(np.float32)
        return np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=0.0)

    def feature_names(self, dim: int | None = None) -> list[str]:
        names: list[str] = []
        if "embedding" in self.groups:
            d = dim or 384
            if self.embedding_mode == "full":
                names += [f"u{i}" for i in range(d)] + [f"v{i}" for i in range(d)]
            if self.embedding_mode != "cosine":
                names += [f"absdiff{i}" for i in range(d)] + [f"prod{i}" for i in range(d)]
            names.append("cosine")
        names_by_group = {
            "numeric": ["num_has_match", "num_n_match", "num_max_overlap", "num_min_event_overlap", "num_any_disjoint",
                        "num_all_disjoint", "num_min_gap", "num_max_gap", "num_exact_equal", "num_exact_differ",
                        "num_shared_event"],
            "events": ["ev_jaccard", "ev_shared", "ev_a_only", "ev_b_none"],
            "polarity": ["neg_mismatch", "hedged", "b_silence", "a_silence", "both_negated"],
            "lexical": ["tok_jaccard", "tok_cover", "antonyms", "num_tok_jaccard", "num_tok_differ"],
            "meta": ["same_source", "same_outlet", "date_agree", "date_conflict", "place_jaccard", "place_conflict",
                     "party_differ", "b_missing"],
        }
        for g in ("numeric", "events", "polarity", "lexical", "meta"):
            if g in self.groups:
                names += names_by_group[g]
        return names


def reason(a: Claim, b: Claim | None, label: str) -> str:
    """Human-readable reason, e.g. ``killed: 1 (gladkov) vs ≥2 (local-telegram)``."""
    if b is None:
        facts = ", ".join(f"{q.event}: {q.display()}" for q in a.quantities if q.event) or a.text[:80]
        return f"{a.source} states {facts}; the other source says nothing about it"
    if b.kind == "silence":
        facts = ", ".join(f"{q.event}: {q.display()}" for q in a.quantities if q.event) or "this"
        return f"{a.source} states {facts}; {b.source} has not commented"
    pairs = [(x, y) for x in a.quantities for y in b.quantities if x.event and x.event == y.event and
             (_family(x.unit) == _family(y.unit) or x.unit is None or y.unit is None)]
    if pairs:
        def score(xy):
            x, y = xy
            return overlap(x.low, x.high, y.low, y.high) if label != "contradict" else -gap(x.low, x.high, y.low, y.high)
        x, y = max(pairs, key=score)
        unit = f" {x.unit or y.unit}" if (x.unit or y.unit) not in (None, "people") else ""
        rel = {"agree": "compatible", "contradict": "conflict"}.get(label, "")
        return f"{x.event}{unit}: {x.display()} ({a.source}) vs {y.display()} ({b.source})" + (f" — {rel}" if rel else "")
    na, nb = bool(NEG_RE.search(a.text)), bool(NEG_RE.search(b.text))
    if na != nb:
        return f"{a.source} {'denies' if na else 'affirms'} what {b.source} {'affirms' if na else 'denies'}"
    if a.places and b.places and not set(a.places) & set(b.places):
        return f"place: {', '.join(a.places)} ({a.source}) vs {', '.join(b.places)} ({b.source})"
    return f"{label}: {a.source} vs {b.source} (text similarity)"


def safe_inf(x: float) -> float:
    return 1e9 if math.isinf(x) else x
