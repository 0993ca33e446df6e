"""Typed records that flow between the stages: Article -> Claim -> Incident -> ClaimPair -> SourcePairScore.

They are plain dataclasses so that a notebook user can build them by hand and every
stage can be tested without the others. ``to_dict`` gives the JSON shape of the output files.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

LABELS = ("agree", "contradict", "neutral", "unreported")
"""Classifier classes. ``neutral``: related but neither confirms nor contradicts;
``unreported``: the other side says nothing about it."""

REPORT_LABELS = ("agree", "contradict", "unreported")
"""Labels in ``discrepancies.jsonl``: neutral folds into unreported (no confirmation either way)."""


@dataclass
class Article:
    id: str
    outlet: str
    published: date | None
    title: str
    text: str
    url: str | None = None
    lang: str | None = None
    origin: str | None = None  # file (and line) it came from, for rejects and provenance

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d


@dataclass
class Quantity:
    """A figure as an interval: "at least 39" is [39, inf), "about 100" is [90, 110]."""

    value: float | None
    low: float
    high: float
    unit: str | None = None
    event: str | None = None
    text: str = ""
    qualifier: str | None = None  # exact, at_least, more_than, at_most, about, range, vague

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "high": None if math.isinf(self.high) else self.high,
            "unit": self.unit,
            "event": self.event,
            "text": self.text,
            "qualifier": self.qualifier,
        }

    def display(self) -> str:
        if self.qualifier in ("at_least", "more_than") or math.isinf(self.high):
            return f"≥{_num(self.low)}"
        if self.low == self.high:
            return _num(self.low)
        if self.qualifier == "about" and self.value is not None:
            return f"~{_num(self.value)}"
        if self.qualifier == "at_most":
            return f"≤{_num(self.high)}"
        return f"{_num(self.low)}–{_num(self.high)}"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass
class Claim:
    claim_id: str
    article_id: str
    outlet: str
    published: date | None
    sentence: int  # index of the sentence in the article
    text: str
    source: str  # canonical source id of the speaker (the outlet when unattributed)
    source_name: str = ""
    source_type: str = "media"
    party: str | None = None
    quantities: list[Quantity] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    date: date | None = None
    places: list[str] = field(default_factory=list)
    polarity: str = "affirmed"  # affirmed | negated | hedged
    kind: str = "statement"  # statement | silence
    silent_source: str | None = None
    topic: str | None = None
    relayed_by: str | None = None  # the outlet that relays the speaker
    incident_id: str | None = None
    source_text: str | None = None  # the speaker as written in the sentence ("he", "the ministry"); None: the outlet

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "article_id": self.article_id,
            "outlet": self.outlet,
            "published": self.published.isoformat() if self.published else None,
            "sentence": self.sentence,
            "text": self.text,
            "source": self.source,
            "source_name": self.source_name,
            "source_type": self.source_type,
            "party": self.party,
            "incident_id": self.incident_id,
            "quantities": [q.to_dict() for q in self.quantities],
            "events": list(self.events),
            "date": self.date.isoformat() if self.date else None,
            "places": list(self.places),
            "polarity": self.polarity,
            "kind": self.kind,
            "silent_source": self.silent_source,
            "topic": self.topic,
        }


@dataclass
class Incident:
    incident_id: str
    title: str
    date_from: date | None
    date_to: date | None
    places: list[str]
    sources: list[str]
    claim_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date_from"] = self.date_from.isoformat() if self.date_from else None
        d["date_to"] = self.date_to.isoformat() if self.date_to else None
        return d


@dataclass
class ClaimPair:
    """Two claims to compare; ``b`` is None when source_b has nothing aligned with ``a``."""

    a: Claim
    b: Claim | None
    source_a: str
    source_b: str
    incident_id: str | None = None
    label: str | None = None  # known label when used for training/evaluation
    focus: Quantity | None = None  # the figure of ``a`` under comparison (None: the whole claim)


@dataclass
class Discrepancy:
    incident_id: str
    source_a: str
    source_b: str
    label: str
    score: float
    reason: str
    claim_a: Claim
    claim_b: Claim | None
    proba: dict[str, float] = field(default_factory=dict)
    fact: str | None = None  # the compared figure, "event/unit" (None: the claim as a whole)

    def to_dict(self) -> dict[str, Any]:
        def brief(c: Claim | None):
            if c is None:
                return None
            return {"claim_id": c.claim_id, "text": c.text, "source": c.source}

        return {
            "incident_id": self.incident_id,
            "source_a": self.source_a,
            "source_b": self.source_b,
            "label": self.label,
            "score": round(float(self.score), 4),
            "reason": self.reason,
            "fact": self.fact,
            "claim_a": brief(self.claim_a),
            "claim_b": brief(self.claim_b),
            "proba": {k: round(float(v), 4) for k, v in self.proba.items()},
        }


@dataclass
class SourcePairScore:
    incident_id: str
    source_a: str
    source_b: str
    n_agree: int = 0
    n_contradict: int = 0
    n_unreported_a: int = 0  # facts stated by a that b leaves unreported
    n_unreported_b: int = 0  # facts stated by b that a leaves unreported
    agreement: float | None = None  # n_agree / (n_agree + n_contradict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reject:
    """An input that was not scored (``severity="error"``), or a note on one that was scored with
    something dropped or doubtful (``severity="warning"``). ``code`` is a stable machine-readable
    kind (see docs/robustness.md)."""

    input: str  # file (and line)
    reason: str
    id: str | None = None
    severity: str = "error"  # error: not scored | warning: scored, see reason
    code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
