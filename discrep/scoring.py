"""Batch scoring into files: read -> score -> write outputs, report and run.json."""
from __future__ import annotations

import platform
import sys
import time
from importlib import metadata
from pathlib import Path

from .ingest import IngestDefaults, read_articles
from .output import write_json, write_jsonl
from .pipeline import DiscrepPipeline, ScoreResult
from .report import render


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for p in ("discrep", "scikit-learn", "sentence-transformers", "torch", "mlflow", "hydra-core", "datasets", "skops"):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            pass
    return out


def write_outputs(result: ScoreResult, out: Path, model_uri: str, extra: dict | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "claims.jsonl", result.claims)
    write_jsonl(out / "incidents.jsonl", result.incidents)
    write_jsonl(out / "discrepancies.jsonl", result.discrepancies)
    write_jsonl(out / "source_pairs.jsonl", result.source_pairs)
    write_jsonl(out / "rejects.jsonl", result.rejects)
    write_jsonl(out / "figures.jsonl", result.figures)
    write_jsonl(out / "grades.jsonl", result.grades)
    write_jsonl(out / "syndication.jsonl", result.syndication)
    write_jsonl(out / "provenance.jsonl", result.provenance)
    from .output import atomic_write

    with atomic_write(out / "report.html") as fh:
        fh.write(render(result, model_uri, figures=[f.to_dict() for f in result.figures]))
    counts = result.counts()
    summary = {"model_uri": model_uri, "counts": counts, "versions": package_versions(),
               "read": counts["articles"] + counts["rejects"], "scored": counts["articles"],
               "rejected": counts["rejects"], **(extra or {})}
    write_json(out / "run.json", summary)
    return summary


def _conf_dir() -> Path | None:
    from .cli import find_conf_dir
    from .errors import DiscrepError

    try:
        return find_conf_dir()
    except DiscrepError:
        return None


def score_files(inputs, out: str | Path, model_uri: str | None = None, defaults: IngestDefaults | None = None,
                tracking_uri: str | None = None, quiet: bool = False, pipeline: DiscrepPipeline | None = None,
                incidents: str | Path | None = None, reconcile: str | None = None) -> dict:
    """``incidents``: an incident store joining earlier runs; ``reconcile``: a policy name in
    conf/reconcile/ or a YAML path (default: conservative)."""
    t0 = time.perf_counter()
    out = Path(out)
    policy = None
    if reconcile is not None or pipeline is None or pipeline.reconcile_policy is None:
        from .reconcile import ReconcilePolicy

        policy = ReconcilePolicy.load(reconcile or "conservative", _conf_dir())  # fails before the model loads
    arts, rejects = read_articles(inputs, defaults)
    if not quiet:
        print(f"read {len(arts)} articles ({len(rejects)} rejected)", file=sys.stderr)
    if pipeline is None:
        from .tracking import configure, load_classifier

        if tracking_uri:
            configure(tracking_uri)
        pipeline = DiscrepPipeline.from_model(model_uri)
    if policy is not None:
        pipeline.reconcile_policy = policy
    extra = {"inputs": [str(i) for i in inputs], "reconcile_policy": pipeline.reconcile_policy.name}
    if incidents is None:
        result = pipeline.score(arts, rejects) if arts else ScoreResult(rejects=rejects)
    else:
        from .store import IncidentStore

        with IncidentStore(incidents, embedder=getattr(pipeline.embedder, "model", None)) as store:
            result = pipeline.score(arts, rejects, store=store) if arts else ScoreResult(rejects=rejects)
            extra.update(incident_store=str(Path(incidents).resolve()), incidents_in_store=len(store))
    extra["seconds"] = round(time.perf_counter() - t0, 2)
    return write_outputs(result, out, getattr(pipeline, "model_uri_", model_uri or "in-memory"), extra)
