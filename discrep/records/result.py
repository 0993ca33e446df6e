"""The result of scoring one batch: every record the stages produced, one list per output file."""
from __future__ import annotations

from dataclasses import dataclass, field

from discrep.records.core import Article, Claim, Discrepancy, Incident, Reject, SourcePairScore


@dataclass
class ScoreResult:
    articles: list[Article] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    source_pairs: list[SourcePairScore] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    figures: list = field(default_factory=list)  # reconcile.Figure: low / best / high per incident, event, unit
    grades: list = field(default_factory=list)  # reconcile.IncidentGrade: one per incident
    syndication: list = field(default_factory=list)  # independence.Syndication: reprinted articles
    provenance: list = field(default_factory=list)  # independence.Provenance: origin and chain per claim

    def counts(self) -> dict[str, int]:
        labels = {}
        for d in self.discrepancies:
            labels[d.label] = labels.get(d.label, 0) + 1
        n_warn = sum(r.severity == "warning" for r in self.rejects)
        return {"articles": len(self.articles), "claims": len(self.claims), "incidents": len(self.incidents),
                "discrepancies": len(self.discrepancies), "source_pairs": len(self.source_pairs),
                "rejects": len(self.rejects) - n_warn, "warnings": n_warn, "figures": len(self.figures),
                "syndicated": len(self.syndication),
                **{f"label_{k}": v for k, v in sorted(labels.items())}}
