"""The plan-blocks stage: claims cut into time blocks that cluster independently of each other.

The clusterer never joins claims more than ``max_days`` apart, so claims sorted by effective date split exactly
wherever consecutive dates are further apart than that: clustering each block alone gives the incidents of
clustering everything at once. A run of close dates over the size cap is cut at day boundaries (approximate:
an incident spanning the cut is split; engines count these cuts as ``approximate_splits``). Pure functions of
per-claim date ordinals, so the stream engine (numpy rows) and the Spark engine (per-date counts on the
driver) plan the same blocks."""
from __future__ import annotations

import numpy as np

MAX_BLOCK_CLAIMS = 4000
"""Largest clustering block (its distance matrix is n x n); the one default of the stream and Spark engines."""


def plan_date_blocks(date_counts: dict[int, int], max_days: float | None, cap: int) -> tuple[dict[int, int], int]:
    """Block ids per date from claim counts per date (ordinal; -1 for undated), shared by the local and
    Spark engines. Dates further apart than ``max_days`` never share a block (exact); a run of close
    dates over ``cap`` claims is cut at day boundaries, and one day over ``cap`` takes several
    consecutive ids (claim ``k`` of that day, in input order, goes to ``id + k // cap``).
    Returns ({ordinal: first block id}, number of approximate cuts)."""
    base: dict[int, int] = {}
    nxt, approx = 0, 0
    dated = sorted(d for d in date_counts if d >= 0)
    groups: list[list[int]] = []
    for d in dated:
        if groups and (max_days is None or d - groups[-1][-1] <= max_days):
            groups[-1].append(d)
        else:
            groups.append([d])
    if -1 in date_counts:
        groups.append([-1])
    for g in groups:
        total = sum(date_counts[d] for d in g)
        pieces_before = nxt
        if total <= cap:
            for d in g:
                base[d] = nxt
            nxt += 1
            continue
        cur = 0
        for d in g:
            n = date_counts[d]
            if n > cap:
                if cur:
                    nxt += 1
                base[d] = nxt
                nxt += -(-n // cap)
                cur = 0
                continue
            if cur and cur + n > cap:
                nxt += 1
                cur = 0
            base[d] = nxt
            cur += n
        if cur:
            nxt += 1
        approx += (nxt - pieces_before) - 1
    return base, approx


def plan_blocks(ordinals: np.ndarray, max_days: float | None, max_block_claims: int) -> tuple[list[np.ndarray], int]:
    """Claim rows (in input order) per clustering block; see :func:`plan_date_blocks`."""
    ordinals = np.asarray(ordinals, dtype=np.int64)
    if len(ordinals) == 0:
        return [], 0
    days, inverse, counts = np.unique(ordinals, return_inverse=True, return_counts=True)
    base, approx = plan_date_blocks({int(d): int(c) for d, c in zip(days, counts)}, max_days, max_block_claims)
    order = np.lexsort((np.arange(len(ordinals)), ordinals))  # by day, then input order
    first = np.searchsorted(ordinals[order], days)
    rank = np.empty(len(ordinals), dtype=np.int64)
    rank[order] = np.arange(len(ordinals)) - first[inverse[order]]
    block = np.array([base[int(d)] for d in days])[inverse]
    over = (counts > max_block_claims)[inverse]
    block = block + np.where(over, rank // max_block_claims, 0)
    ids, where = np.unique(block, return_inverse=True)
    rows = np.argsort(where, kind="stable")
    return np.split(rows, np.cumsum(np.bincount(where))[:-1]), approx


def plan_units(blocks: list[np.ndarray], unit_claims: int) -> list[list[np.ndarray]]:
    units, cur, n = [], [], 0
    for b in blocks:
        cur.append(b)
        n += len(b)
        if n >= unit_claims:
            units.append(cur)
            cur, n = [], 0
    if cur:
        units.append(cur)
    return units
