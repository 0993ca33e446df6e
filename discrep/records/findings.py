"""What reconciliation and source independence find: per incident the reconciled figures (low / best / high,
with every independent source's estimate) and a grade; per article its reprints (Syndication); per claim the
independent source its evidence counts as (Provenance). Written to figures/grades/syndication/provenance.jsonl."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass
class Estimate:
    """One independent source's figure (its relays and reprints merged)."""

    origin: str
    origin_name: str
    party: str | None
    source_type: str
    low: float
    high: float
    point: float
    text: str
    published: date | None
    claim_ids: list[str] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "origin_name": self.origin_name, "party": self.party,
                "source_type": self.source_type, "low": _num(self.low), "high": _num(self.high),
                "point": _num(self.point), "text": self.text,
                "published": self.published.isoformat() if self.published else None,
                "claim_ids": list(self.claim_ids), "chains": list(self.chains)}


@dataclass
class Figure:
    incident_id: str
    event: str
    unit: str
    place: str | None  # None: the incident as a whole; a city when the incident spans several
    low: float
    best: float
    high: float  # inf only under open_high: unbounded (written as null)
    policy: str
    n_sources: int
    sources: list[str]
    supporting_claim_ids: list[str]
    low_claim_ids: list[str]
    best_claim_ids: list[str]
    high_claim_ids: list[str]
    disputed: bool
    grade: str = "single-source"
    flags: list[str] = field(default_factory=list)
    silent_parties: list[str] = field(default_factory=list)
    contradictions: list[dict] = field(default_factory=list)
    superseded_claim_ids: list[str] = field(default_factory=list)
    estimates: list[Estimate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id, "event": self.event, "unit": self.unit, "place": self.place,
            "low": _num(self.low), "best": _num(self.best), "high": _num(self.high), "policy": self.policy,
            "n_sources": self.n_sources, "sources": list(self.sources),
            "supporting_claim_ids": list(self.supporting_claim_ids), "low_claim_ids": list(self.low_claim_ids),
            "best_claim_ids": list(self.best_claim_ids), "high_claim_ids": list(self.high_claim_ids),
            "disputed": self.disputed, "grade": self.grade, "flags": list(self.flags),
            "silent_parties": list(self.silent_parties), "contradictions": list(self.contradictions),
            "superseded_claim_ids": list(self.superseded_claim_ids),
            "estimates": [e.to_dict() for e in self.estimates],
        }

    def display(self) -> str:
        hi = "∞" if math.isinf(self.high) else _fmt(self.high)
        return f"{_fmt(self.best)} [{_fmt(self.low)}–{hi}]"


@dataclass
class IncidentGrade:
    incident_id: str
    title: str
    grade: str
    flags: list[str]
    n_sources: int  # independent origins with statements in the incident
    sources: list[str]
    silent_parties: list[str]
    n_figures: int
    n_contested: int
    n_confirmed: int
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(x: float) -> float | int | None:
    if x is None or math.isinf(x):
        return None
    return int(x) if float(x).is_integer() else round(float(x), 4)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass
class Syndication:
    """``article_id`` is a copy of ``original_id`` (the earliest / credited / shortest of its group)."""

    article_id: str
    original_id: str
    outlet: str
    original_outlet: str
    similarity: float  # shingle containment with the original
    credited: bool = False  # the copy names the original's outlet (e.g. "Reporting by Kyiv Wire Service")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["similarity"] = round(float(self.similarity), 4)
        return d


@dataclass
class Provenance:
    """Where one claim's evidence comes from: ``origin`` is the independent source it counts as."""

    claim_id: str
    article_id: str
    outlet: str
    source: str
    origin: str
    origin_name: str
    origin_type: str = "media"  # the origin's source type (government, military, media…)
    origin_party: str | None = None
    chain: list[str] = field(default_factory=list)  # display names: outlet → original outlet → speaker
    copy_of: str | None = None  # claim id of the same sentence in the original article
    relayed: bool = False  # the outlet reports someone else's statement

    @property
    def chain_text(self) -> str:
        return " → ".join(self.chain)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chain_text"] = self.chain_text
        return d
