"""Writing a run's files, for every engine: every output through a temp file and a rename, the report, and
run.json last (it marks a finished run). :class:`RunWriter` writes them, :class:`Accounting` counts the inputs."""
from __future__ import annotations

import dataclasses
import json
import platform
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from importlib import metadata
from pathlib import Path

from discrep.fs import atomic_write
from discrep.io.output import check_outputs, json_line, prepare_out_dir, write_json
from discrep.io.report import render
from discrep.io.tables import check_format, convert_dir
from discrep.records.codec import claim_from_dict
from discrep.records.core import Article, Discrepancy, Incident, Reject
from discrep.records.result import ScoreResult, ordered_counts, register_writer
from discrep.stages.base import Embedder
from discrep.stages.salience import keep


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in ("discrep", "scikit-learn", "sentence-transformers", "torch", "mlflow", "hydra-core", "datasets", "skops"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def embedder_stats(emb: Embedder) -> dict:
    """What the embedder did in a run (run.json ``embedder``): texts embedded by the model vs served by the cache."""
    return {"model": emb.model, "backend": emb.backend,
            "encoded": getattr(emb, "n_encoded_", None), "cached": getattr(emb, "n_cached_", None),
            "encode_seconds": round(getattr(emb, "encode_seconds_", 0.0), 3)}


@dataclass
class Accounting:
    """Input accounting of a run (run.json): ``read = scored + rejected``; warnings are notes on scored records
    and do not count as rejects. The one counter of every engine (memory, stream chunk by chunk, Spark)."""

    scored: int = 0
    rejected_by_code: Counter = field(default_factory=Counter)
    warnings_by_code: Counter = field(default_factory=Counter)

    def note(self, reject: Reject | dict) -> None:
        """Count one reject or warning (a :class:`Reject` or its ``to_dict``)."""
        d = reject.to_dict() if isinstance(reject, Reject) else reject
        (self.warnings_by_code if d.get("severity") == "warning" else self.rejected_by_code)[d.get("code") or "other"] += 1

    @classmethod
    def of(cls, scored: int, rejects=()) -> "Accounting":
        acc = cls(scored)
        for r in rejects:
            acc.note(r)
        return acc

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_code.values())

    @property
    def warnings(self) -> int:
        return sum(self.warnings_by_code.values())

    def summary(self) -> dict:
        return {"read": self.scored + self.rejected, "scored": self.scored, "rejected": self.rejected,
                "warnings": self.warnings, "rejected_by_code": dict(self.rejected_by_code.most_common()),
                "warnings_by_code": dict(self.warnings_by_code.most_common())}

    def to_state(self) -> dict:
        """JSON-safe form for a checkpoint (the stream engine); :meth:`from_state` reads it back."""
        return {"articles": self.scored, "rejected_by_code": dict(self.rejected_by_code),
                "warnings_by_code": dict(self.warnings_by_code)}

    @classmethod
    def from_state(cls, st: dict) -> "Accounting":
        return cls(st.get("articles", 0), Counter(st.get("rejected_by_code") or {}),
                   Counter(st.get("warnings_by_code") or {}))


def reject_summary(result: ScoreResult) -> dict:
    """Counts of input accounting: read = scored + rejected, plus rejects and warnings by code."""
    return Accounting.of(len(result.articles), result.rejects).summary()


class RunWriter:
    """Every output file of a run, for every engine: the JSONL tables (each through a temp file and a rename),
    the report, and run.json last (its presence marks a finished run). ``prepare``: clear the completion marker
    and stale temp files first (an engine that prepared the folder itself passes False). ``fmt``: the tables'
    format in the end (``parquet`` and ``csv`` are converted from the JSONL files in :meth:`finish`, in batches);
    ``min_salience``: the run's ``--min-salience`` (None: the report lists unreported facts from
    stages.salience.REPORT_MIN_SALIENCE up, the tables hold all)."""

    def __init__(self, out: str | Path, prepare: bool = True, fmt: str = "jsonl", min_salience: float | None = None):
        self.out = prepare_out_dir(out) if prepare else Path(out)
        self.fmt = check_format(fmt)
        self.min_salience = min_salience

    def table(self, name: str, records) -> int:
        """``<name>.jsonl`` from records (``to_dict`` objects or dicts) or JSON lines (str)."""
        n = 0
        with atomic_write(self.out / f"{name}.jsonl") as fh:
            for r in records:
                fh.write((r if isinstance(r, str) else json_line(r.to_dict() if hasattr(r, "to_dict") else r))
                         + "\n")
                n += 1
        return n

    def report(self, result: ScoreResult, model_uri: str, figures: list[dict]) -> None:
        with atomic_write(self.out / "report.html") as fh:
            fh.write(render(result, model_uri, figures=figures, min_salience=self.min_salience))

    def report_from_files(self, files: dict[str, Path], model_uri: str, incidents: int, counts: dict) -> None:
        """The report of a run too large to hold: the ``incidents`` most disputed incidents read back from the
        run's files (:func:`report_slice`), with the run's true totals."""
        sl = report_slice(files, incidents, ordered_counts(counts))
        keep = {i.incident_id for i in sl.incidents}
        self.report(sl, model_uri, [r for r in _read_jsonl(files["figures"]) if r.get("incident_id") in keep])

    def finish(self, model_uri: str, counts: dict, accounting: Accounting, extra: dict | None = None) -> dict:
        """Convert the tables to the run's format, write run.json (last) and return it: model, counts, package
        versions, accounting, format and min_salience, then ``extra``. The JSONL files a conversion replaces are
        removed after run.json: a run killed before it keeps them, and its resume converts again."""
        check_outputs(self.out, ordered_counts(counts))  # never a finished run.json over files another process changed
        converted = convert_dir(self.out, self.fmt)
        summary = {"model_uri": model_uri, "counts": ordered_counts(counts), "versions": package_versions(),
                   **accounting.summary(), "format": self.fmt, "min_salience": self.min_salience, **(extra or {})}
        write_json(self.out / "run.json", summary)
        for p in converted:
            p.unlink(missing_ok=True)
        return summary


def write_outputs(result: ScoreResult, out: Path, model_uri: str, extra: dict | None = None, fmt: str = "jsonl",
                  min_salience: float | None = None) -> dict:
    """A whole result into ``out`` (the memory engine; a run with nothing to score; ``ScoreResult.write``).
    ``min_salience``: unreported rows under it are left out (the graph's finish stage already did so for a run
    scored with it)."""
    w = RunWriter(out, fmt=fmt, min_salience=min_salience)
    if min_salience is not None:
        result = dataclasses.replace(result, discrepancies=[d for d in result.discrepancies
                                                            if keep(d, min_salience)])
    for name, records in result.tables().items():
        w.table(name, records)
    w.report(result, model_uri, [f.to_dict() for f in result.figures])
    return w.finish(model_uri, result.counts(), Accounting.of(len(result.articles), result.rejects), extra)


register_writer(write_outputs)


class _ReportResult(ScoreResult):
    """A bounded slice of a large run for the report, with the run's true totals."""

    totals: dict | None = None

    def counts(self) -> dict[str, int]:
        return dict(self.totals) if self.totals is not None else super().counts()


def report_slice(files: dict[str, Path], K: int, totals: dict) -> _ReportResult:
    """The ``K`` most disputed incidents of a run (and what the report shows of them), read back from its
    JSONL files in a few passes: memory grows with K and the number of incidents, not with claims."""
    from discrep.io.report import dispute_score

    score: dict[str, list[int]] = {}
    for rec in _read_jsonl(files["discrepancies"]):
        s = score.setdefault(rec["incident_id"], [0, 0, 0])
        s[{"contradict": 0, "unreported": 1}.get(rec["label"], 2)] += 1
    keep = set(sorted(score, key=lambda i: (-dispute_score(*score[i]), i))[:K])
    incidents, quiet = [], 0
    for rec in _read_jsonl(files["incidents"]):
        iid = rec["incident_id"]
        if iid in keep or (iid not in score and quiet < K):
            quiet += iid not in score
            incidents.append(Incident.from_dict(rec))
    keep |= {i.incident_id for i in incidents}
    claims = {}
    for rec in _read_jsonl(files["claims"]):
        if rec.get("incident_id") in keep:
            claims[rec["claim_id"]] = claim_from_dict(rec)
    ds = []
    for rec in _read_jsonl(files["discrepancies"]):
        if rec["incident_id"] in keep:
            ds.append(Discrepancy.from_dict(rec, claims))
    need = {c.article_id for c in claims.values()}
    arts = [Article(r["id"], r["outlet"], _date(r.get("published")), r.get("title") or "", "", url=r.get("url"))
            for r in _read_jsonl(files["articles"]) if r["id"] in need]  # what the report shows of them
    rejects = []
    for rec in _read_jsonl(files["rejects"]):
        if len(rejects) >= 1000:
            break
        rejects.append(Reject.from_dict(rec))
    res = _ReportResult(articles=arts, claims=list(claims.values()), incidents=incidents, discrepancies=ds,
                        source_pairs=[], rejects=rejects)
    res.totals = totals
    return res


def _date(s):
    return date.fromisoformat(s) if s else None


def _read_jsonl(path: Path):
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)
