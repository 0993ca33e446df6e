"""Which claims to compare: aligning one source's facts with what another source says.

Every fact that source A states in an incident is paired with the claim of source B that talks
about the same thing (same event, closest meaning) — or with B's explicit silence, or with
nothing. The classifier then judges the pair.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from discrep.model.features import EVENTS, claim_memo, quantities, same_fact
from discrep.records.core import Claim, ClaimPair, Quantity


def is_fact(c: Claim) -> bool:
    """A statement that can be confirmed or contradicted: a counted event, or an event predicate."""
    if c.kind != "statement":
        return False
    return any(q.event in EVENTS for q in c.quantities) or bool(set(c.events) & set(EVENTS))


def alignment_score(a: Claim, b: Claim, cos: float, focus: Quantity | None = None) -> float:
    """Closest meaning, plus a bonus for talking about the same event and for counting the same fact."""
    qa = [focus] if focus is not None else quantities(a)
    qb = quantities(b)
    ev_a = {q.event for q in qa} | (set(a.events) & set(EVENTS) if focus is None else set())
    ev_b = {q.event for q in qb} | (set(b.events) & set(EVENTS))
    shared_q = any(same_fact(x, y) for x in qa for y in qb)
    return cos + 0.25 * bool(ev_a & ev_b) + 0.35 * shared_q


MIN_ALIGN = 0.35
"""Least alignment score for two claims of an incident to be compared; the one default (engines, API, config)."""


def align_incident(claims: list[Claim], vectors: dict[str, np.ndarray], min_align: float = MIN_ALIGN) -> list[ClaimPair]:
    """All (fact of A, best counterpart of B) pairs for ordered source pairs A != B of one incident.

    A claim with several figures ("18 killed, including two children") gives one fact per figure,
    each paired with B's claim that best matches that figure."""
    with claim_memo():  # every claim is scored against every fact of the other sources
        return _align(claims, vectors, min_align)


def _align(claims: list[Claim], vectors: dict[str, np.ndarray], min_align: float) -> list[ClaimPair]:
    by_source: dict[str, list[Claim]] = defaultdict(list)
    silences: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        if c.kind == "silence":
            silences[c.silent_source or c.source].append(c)
        else:
            by_source[c.source].append(c)
    # a source counts as a witness of the incident when it states a fact or is explicitly silent;
    # speakers quoted only in background would otherwise "leave unreported" every fact
    sources = sorted({s for s, cs in by_source.items() if any(is_fact(c) for c in cs)} | set(silences))
    pairs: list[ClaimPair] = []
    for sa in sources:
        facts = [c for c in by_source.get(sa, []) if is_fact(c)]
        for a in facts:
            va = vectors.get(a.claim_id)
            focuses: list[Quantity | None] = list(quantities(a)) or [None]
            for sb in sources:
                if sb == sa:
                    continue
                for focus in focuses:
                    best, best_s = None, -1e9
                    for b in by_source.get(sb, []):
                        vb = vectors.get(b.claim_id)
                        cos = float(va @ vb) if va is not None and vb is not None else 0.0
                        s = alignment_score(a, b, cos, focus)
                        if s > best_s:
                            best, best_s = b, s
                    if best is None or best_s < min_align:
                        best = silences[sb][0] if silences.get(sb) else best
                    pairs.append(ClaimPair(a=a, b=best, source_a=sa, source_b=sb, incident_id=a.incident_id,
                                           focus=focus))
    return pairs
