"""The result of scoring one batch: every record the stages produced, one list per output file."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from discrep.records.core import Article, Claim, Discrepancy, Incident, Reject, SourcePairScore
from discrep.records.findings import Figure, IncidentGrade, Provenance, Syndication
from discrep.records.tables import column_names, flatten

if TYPE_CHECKING:
    import pandas as pd

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


_WRITER: list[Callable[..., dict]] = []
"""The function :meth:`ScoreResult.write` calls: discrep.io.writer registers its ``write_outputs`` when imported
(``import discrep`` does). Records sit below io in the layers (tests/unit/test_import_layers.py), so the record
names what it needs and io provides it."""


def register_writer(fn: Callable[..., dict]) -> None:
    _WRITER[:] = [fn]


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

    def to_pandas(self) -> dict[str, pd.DataFrame]:
        """One DataFrame per output table (``claims``, ``incidents``, ``discrepancies``, …, in file order) with flat
        columns (discrep.records.tables): each discrepancy row carries both sides' claim id, article, outlet,
        published date, URL and sentence. Empty tables keep their columns."""
        import pandas as pd

        return {name: pd.DataFrame.from_records([flatten(name, r.to_dict()) for r in records],
                                                columns=column_names(name))
                for name, records in self.tables().items()}

    def write(self, out: str | Path, format: str = "jsonl", model_uri: str = "in-memory",
              min_salience: float | None = None) -> dict:
        """Write the files of ``discrep score`` into ``out``: the tables (``format``: ``jsonl``, ``parquet`` or
        ``csv``), report.html, and run.json last; returns what run.json holds. ``min_salience``: unreported rows
        under it are left out (of the tables and the report), as ``--min-salience`` does."""
        if not _WRITER:
            raise RuntimeError("no writer registered: import discrep (discrep.io.writer registers it)")
        return _WRITER[0](self, Path(out), model_uri, None, fmt=format, min_salience=min_salience)

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
