"""Batch scoring into files: read -> score -> write outputs, report and run.json.

``score_files`` streams (discrep/stream.py: chunks, checkpoints, resume); ``write_outputs`` writes an
in-memory :class:`ScoreResult` (notebooks, small batches)."""
from __future__ import annotations

import platform
from importlib import metadata
from pathlib import Path

from .ingest import IngestDefaults
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
    from .output import atomic_write

    with atomic_write(out / "report.html") as fh:
        fh.write(render(result, model_uri))
    counts = result.counts()
    summary = {"model_uri": model_uri, "counts": counts, "versions": package_versions(),
               "read": counts["articles"] + counts["rejects"], "scored": counts["articles"],
               "rejected": counts["rejects"], **(extra or {})}
    write_json(out / "run.json", summary)
    return summary


def score_files(inputs, out: str | Path, model_uri: str | None = None, defaults: IngestDefaults | None = None,
                tracking_uri: str | None = None, quiet: bool = False, pipeline: DiscrepPipeline | None = None,
                resume: bool = False, config=None, embedder_options: dict | None = None) -> dict:
    """Score files into ``out`` with the streaming engine (bounded memory, checkpoints, ``resume``).

    ``config``: a :class:`discrep.stream.StreamConfig` (chunk sizes, report size, progress bar);
    ``embedder_options``: batch_size, threads, backend, cache_dir, memory_cache (see
    :func:`discrep.embed.configure_embedder`)."""
    from .stream import StreamScorer

    if pipeline is None:
        from .tracking import configure

        if tracking_uri:
            configure(tracking_uri)
        pipeline = DiscrepPipeline.from_model(model_uri)
    if embedder_options:
        from .embed import configure_embedder

        configure_embedder(pipeline.embedder, **embedder_options)
    scorer = StreamScorer(pipeline, inputs, out, defaults=defaults, config=config,
                          model_uri=getattr(pipeline, "model_uri_", model_uri or "in-memory"), resume=resume, quiet=quiet)
    return scorer.run()
