"""Batch scoring into files: read -> score -> write outputs, report and run.json.

Accounting: every input record is either scored or rejected (``read = scored + rejected`` in
run.json); warnings are notes on scored records and do not count as rejects. A run where nothing
could be scored still writes its outputs (rejects.jsonl says why) and :func:`nothing_scored_reason`
gives the one-line reason the CLI prints before exiting non-zero.

``engine="stream"`` (default; discrep/stream.py: chunks, checkpoints, ``resume``, bounded memory) and
``engine="memory"`` (everything at once; ``"local"`` is an old name for it) write the same files
(tested line for line); Spark is :func:`discrep.spark.score_files_spark`. See docs/scale.md.
"""
from __future__ import annotations

import contextlib
import platform
import sys
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

from .ingest import IngestDefaults, count_rejected, iter_articles, read_articles
from .output import atomic_write, prepare_out_dir, write_json, write_jsonl
from .pipeline import DiscrepPipeline, ScoreResult
from .report import render
from .types import Article


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
    write_json(out / "run.json", summary)
    return summary


def _conf_dir() -> Path | None:
    from .cli import find_conf_dir
    from .errors import DiscrepError

    try:
        return find_conf_dir()
    except DiscrepError:
        return None


def nothing_scored_reason(summary: dict) -> str:
    """Why a run scored nothing, in one line (for the CLI's error message)."""
    if summary["read"] == 0:
        return "no input records were found"
    by = summary.get("rejected_by_code", {})
    parts = ", ".join(f"{n} {code.replace('_', ' ')}" for code, n in by.items())
    return f"all {summary['read']} input(s) were rejected ({parts})"


ENGINES = ("stream", "memory")
ENGINE_ALIASES = {"local": "memory"}  # the memory engine's name before the stream engine became the default


def engine_name(name: str) -> str:
    return ENGINE_ALIASES.get(name, name)


@contextlib.contextmanager
def _incident_store(incidents, pipeline):
    """The incident store of ``--incidents`` (None without one), made for the pipeline's embedder."""
    if incidents is None:
        yield None
        return
    from .store import IncidentStore

    with IncidentStore(incidents, embedder=getattr(pipeline.embedder, "model", None)) as store:
        yield store


def score_files(inputs, out: str | Path, model_uri: str | None = None, defaults: IngestDefaults | None = None,
                tracking_uri: str | None = None, quiet: bool = False, pipeline: DiscrepPipeline | None = None,
                incidents: str | Path | None = None, reconcile: str | None = None, engine: str = "stream",
                resume: bool = False, config=None, embedder_options: dict | None = None) -> dict:
    """Read, score and write one batch. The model is loaded only when something can be scored, so
    a run of unusable inputs reports its rejects rather than a model problem. ``incidents``: an
    incident store joining earlier runs; ``reconcile``: a policy name in conf/reconcile/ or a YAML path.

    ``engine="stream"`` (default): bounded memory, checkpoints, ``resume`` (``config`` a
    :class:`discrep.stream.StreamConfig`); ``engine="memory"``: the whole batch at once, no checkpoints.
    ``embedder_options``: batch_size, threads, backend, cache_dir (:func:`discrep.embed.configure_embedder`)."""
    from .errors import DiscrepError

    engine = engine_name(engine)
    if engine not in ENGINES:
        raise DiscrepError(f"unknown engine {engine!r} (stream or memory; Spark is discrep.spark.score_files_spark)")
    if resume and engine != "stream":
        raise DiscrepError("resume needs the stream engine (the memory engine keeps no checkpoints)")
    t0 = time.perf_counter()
    out = Path(out)
    policy = None
    if reconcile is not None or pipeline is None or pipeline.reconcile_policy is None:
        from .reconcile import ReconcilePolicy

        policy = ReconcilePolicy.load(reconcile or "conservative", _conf_dir())  # fails before the model loads
    extra: dict = {"inputs": [str(i) for i in inputs], "engine": engine}
    if engine == "stream":
        from .stream import StreamScorer

        if not (resume and StreamScorer.resumable(out)):
            rejects = _nothing_scorable(inputs, defaults)
            if rejects is not None:  # no model needed to say so
                if not quiet:
                    n_err, n_warn = count_rejected(rejects)
                    print(f"read 0 articles ({n_err} rejected, {n_warn} warnings)", file=sys.stderr)
                StreamScorer.discard(out)
                extra["seconds"] = round(time.perf_counter() - t0, 2)
                return write_outputs(ScoreResult(rejects=rejects), out, "none (nothing to score)", extra)
        pipeline = _prepare_pipeline(pipeline, model_uri, tracking_uri, embedder_options, policy)
        extra["reconcile_policy"] = pipeline.reconcile_policy.name
        model = getattr(pipeline, "model_uri_", model_uri or "in-memory")
        with _incident_store(incidents, pipeline) as store:
            return StreamScorer(pipeline, inputs, out, defaults=defaults, config=config, model_uri=model,
                                resume=resume, quiet=quiet, extra=extra, store=store).run()
    arts, rejects = read_articles(inputs, defaults)
    if not quiet:
        n_err, n_warn = count_rejected(rejects)
        print(f"read {len(arts)} articles ({n_err} rejected, {n_warn} warnings)", file=sys.stderr)
    model_desc = model_uri or "none (nothing to score)"
    if arts:
        pipeline = _prepare_pipeline(pipeline, model_uri, tracking_uri, embedder_options, policy)
        extra["reconcile_policy"] = pipeline.reconcile_policy.name
        with _incident_store(incidents, pipeline) as store:
            result = pipeline.score(arts, rejects, store=store)
            if store is not None:
                extra.update(incident_store=str(store.path.resolve()), incidents_in_store=len(store))
        model_desc = getattr(pipeline, "model_uri_", model_uri or "in-memory")
        extra["embedder"] = embedder_stats(pipeline.embedder)
    else:
        result = ScoreResult(rejects=rejects)
    extra["seconds"] = round(time.perf_counter() - t0, 2)
    return write_outputs(result, out, model_desc, extra)


def _nothing_scorable(inputs, defaults) -> list | None:
    """Every reject and warning when the inputs hold no usable article, else None. Stops reading at the
    first article, so a normal run pays for parsing one record twice."""
    rejects = []
    for item in iter_articles(inputs, defaults):
        if isinstance(item, Article):
            return None
        rejects.append(item)
    return rejects


def _prepare_pipeline(pipeline, model_uri, tracking_uri, embedder_options, policy) -> DiscrepPipeline:
    """The pipeline both engines score with: the given one or the model's, embedder options and policy applied."""
    if pipeline is None:
        from .tracking import configure

        if tracking_uri:
            configure(tracking_uri)
        pipeline = DiscrepPipeline.from_model(model_uri)
    if embedder_options:
        from .embed import configure_embedder

        configure_embedder(pipeline.embedder, **embedder_options)
    if policy is not None:
        pipeline.reconcile_policy = policy
    return pipeline
