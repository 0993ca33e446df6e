"""Typed records that flow between the stages: Article -> Claim -> Incident -> ClaimPair -> Discrepancy ->
SourcePairScore, and Reject for what was not scored.

They are plain dataclasses so that a notebook user can build them by hand and every stage can be tested
without the others. ``to_dict`` gives the JSON shape of the output files and ``from_dict`` reads it back
(dates from ISO strings, unknown keys ignored), so no engine rebuilds a record by hand.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any


@functools.cache
def _names(cls) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


def _known(cls, d: dict[str, Any]) -> dict[str, Any]:
    names = _names(cls)
    return {k: v for k, v in d.items() if k in names}


def _date(v) -> date | None:
    return date.fromisoformat(v) if isinstance(v, str) and v else (v or None)

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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Article":
        kw = _known(cls, d)
        kw.setdefault("title", "")
        kw.setdefault("text", "")
        return cls(**{**kw, "published": _date(kw.get("published"))})


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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Quantity":
        kw = _known(cls, d)
        return cls(**{**kw, "high": math.inf if kw.get("high") is None else kw["high"]})

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
    url: str | None = None  # the article's URL (graph.prepare fills it in), so each discrepancy row can carry it

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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Claim":
        """A claim from its output record or from the full spool record (discrep.records.codec), exactly."""
        kw = _known(cls, d)
        for k in ("published", "date"):
            if isinstance(kw.get(k), str):
                kw[k] = date.fromisoformat(kw[k])
        kw["quantities"] = [Quantity.from_dict(q) for q in kw.get("quantities") or []]
        return cls(**kw)


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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Incident":
        kw = _known(cls, d)
        return cls(**{**kw, "date_from": _date(kw.get("date_from")), "date_to": _date(kw.get("date_to"))})


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
    salience: float | None = None  # unreported rows: how much the silence matters, 0-1 (stages.salience)

    def to_dict(self) -> dict[str, Any]:
        def brief(c: Claim | None):
            if c is None:
                return None
            return {"claim_id": c.claim_id, "text": c.text, "source": c.source, "article_id": c.article_id,
                    "outlet": c.outlet, "published": c.published.isoformat() if c.published else None,
                    "url": c.url}

        return {
            "incident_id": self.incident_id,
            "source_a": self.source_a,
            "source_b": self.source_b,
            "label": self.label,
            "score": round(float(self.score), 4),
            "salience": None if self.salience is None else round(float(self.salience), 4),
            "reason": self.reason,
            "fact": self.fact,
            "claim_a": brief(self.claim_a),
            "claim_b": brief(self.claim_b),
            "proba": {k: round(float(v), 4) for k, v in self.proba.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], claims: dict[str, Claim] | None = None) -> "Discrepancy":
        """A discrepancy from its output record; ``claims`` (by id) gives back the full claims its brief
        ``claim_a``/``claim_b`` name (without it, claims hold what the brief carries: id, text, source, article,
        outlet, published date and URL)."""
        def full(b):
            if b is None:
                return None
            if claims is not None:
                return claims.get(b["claim_id"])
            return Claim(b["claim_id"], b.get("article_id") or "", b.get("outlet") or "", _date(b.get("published")), 0,
                         b.get("text", ""), b.get("source", ""), url=b.get("url"))

        return cls(d["incident_id"], d["source_a"], d["source_b"], d["label"], d["score"], d["reason"],
                   full(d.get("claim_a")), full(d.get("claim_b")), d.get("proba", {}), d.get("fact"),
                   d.get("salience"))


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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SourcePairScore":
        return cls(**_known(cls, d))


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

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Reject":
        return cls(**_known(cls, d))
