"""The summarise stage: per pair of independent sources, how often they agree, contradict or leave a fact unreported."""
from __future__ import annotations

from discrep.records.core import Discrepancy, SourcePairScore
from discrep.stages.base import Independence
from discrep.stages.independence import statement_key


def summarise(ds: list[Discrepancy], independence: Independence | None = None) -> list[SourcePairScore]:
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
