"""Writing a run's files: every output through a temp file and a rename, run.json last (it marks a finished run)."""
from __future__ import annotations

import platform
from collections import Counter
from importlib import metadata
from pathlib import Path

from discrep.fs import atomic_write
from discrep.io.ingest import count_rejected
from discrep.io.output import check_outputs, prepare_out_dir, write_json, write_jsonl
from discrep.io.report import render
from discrep.records.result import ScoreResult


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in ("discrep", "scikit-learn", "sentence-transformers", "torch", "mlflow", "hydra-core", "datasets", "skops"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def embedder_stats(emb) -> dict:
    """What the embedder did in a run (run.json ``embedder``): texts embedded by the model vs served by the cache."""
    return {"model": getattr(emb, "model", type(emb).__name__), "backend": getattr(emb, "backend", None),
            "encoded": getattr(emb, "n_encoded_", None), "cached": getattr(emb, "n_cached_", None),
            "encode_seconds": round(getattr(emb, "encode_seconds_", 0.0), 3)}


def reject_summary(result: ScoreResult) -> dict:
    """Counts of input accounting: read = scored + rejected, plus rejects and warnings by code."""
    n_err, n_warn = count_rejected(result.rejects)
    errs = Counter(r.code or "other" for r in result.rejects if r.severity != "warning")
    warns = Counter(r.code or "other" for r in result.rejects if r.severity == "warning")
    return {"read": len(result.articles) + n_err, "scored": len(result.articles), "rejected": n_err,
            "warnings": n_warn, "rejected_by_code": dict(errs.most_common()),
            "warnings_by_code": dict(warns.most_common())}


def write_outputs(result: ScoreResult, out: Path, model_uri: str, extra: dict | None = None) -> dict:
    """Every output through a temp file + rename; run.json last, so it marks a finished run."""
    out = prepare_out_dir(out)
    write_jsonl(out / "claims.jsonl", result.claims)
    write_jsonl(out / "incidents.jsonl", result.incidents)
    write_jsonl(out / "discrepancies.jsonl", result.discrepancies)
    write_jsonl(out / "source_pairs.jsonl", result.source_pairs)
    write_jsonl(out / "rejects.jsonl", result.rejects)
    write_jsonl(out / "figures.jsonl", result.figures)
    write_jsonl(out / "grades.jsonl", result.grades)
    write_jsonl(out / "syndication.jsonl", result.syndication)
    write_jsonl(out / "provenance.jsonl", result.provenance)
    with atomic_write(out / "report.html") as fh:
        fh.write(render(result, model_uri, figures=[f.to_dict() for f in result.figures]))
    counts = result.counts()
    summary = {"model_uri": model_uri, "counts": counts, "versions": package_versions(),
               **reject_summary(result), **(extra or {})}
    check_outputs(out, counts)
    write_json(out / "run.json", summary)
    return summary
