"""The result of scoring one batch: every record the stages produced, one list per output file."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from discrep.records.core import Article, Claim, Discrepancy, Incident, Reject, SourcePairScore
from discrep.records.findings import Figure, IncidentGrade, Provenance, Syndication

TABLES = ("claims", "incidents", "discrepancies", "source_pairs", "rejects", "figures", "grades", "syndication",
          "provenance")
"""The record lists of a result, in the order of the output files (``<name>.jsonl``, docs/outputs.md)."""

COUNT_KEYS = ("articles", "claims", "incidents", "discrepancies", "source_pairs", "rejects", "warnings", "figures",
              "syndicated")
"""run.json ``counts``, in this order, then ``label_<label>`` per discrepancy label (sorted)."""


def ordered_counts(counts: dict[str, int]) -> dict[str, int]:
    """``counts`` in run.json's order: :data:`COUNT_KEYS` (0 when missing), then the labels, sorted."""
    return {k: counts.get(k, 0) for k in COUNT_KEYS} | {k: v for k, v in sorted(counts.items())
                                                        if k.startswith("label_")}


@dataclass
class ScoreResult:
    articles: list[Article] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    source_pairs: list[SourcePairScore] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)  # low / best / high per incident, event, unit
    grades: list[IncidentGrade] = field(default_factory=list)  # one per incident
    syndication: list[Syndication] = field(default_factory=list)  # reprinted articles
    provenance: list[Provenance] = field(default_factory=list)  # origin and chain per claim

    def tables(self) -> dict[str, list[Any]]:
        """Output file name (without .jsonl) -> its records, in file order."""
        return {name: getattr(self, name) for name in TABLES}

    def counts(self) -> dict[str, int]:
        labels: dict[str, int] = {}
        for d in self.discrepancies:
            labels[d.label] = labels.get(d.label, 0) + 1
        n_warn = sum(r.severity == "warning" for r in self.rejects)
        return ordered_counts({"articles": len(self.articles), "claims": len(self.claims),
                               "incidents": len(self.incidents), "discrepancies": len(self.discrepancies),
                               "source_pairs": len(self.source_pairs), "rejects": len(self.rejects) - n_warn,
                               "warnings": n_warn, "figures": len(self.figures), "syndicated": len(self.syndication),
                               **{f"label_{k}": v for k, v in labels.items()}})
