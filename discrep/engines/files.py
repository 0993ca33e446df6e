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
import sys
import time
from pathlib import Path

from discrep.api import DiscrepPipeline
from discrep.io.ingest import IngestDefaults, count_rejected, iter_articles, read_articles
from discrep.io.output import locked_run
from discrep.io.writer import embedder_stats, write_outputs
from discrep.records.core import Article
from discrep.records.result import ScoreResult
from discrep.resources import conf_dir_or_none


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
    from discrep.io.store import IncidentStore

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
    from discrep.errors import DiscrepError

    engine = engine_name(engine)
    if engine not in ENGINES:
        raise DiscrepError(f"unknown engine {engine!r} (stream or memory; Spark is discrep.spark.score_files_spark)")
    if resume and engine != "stream":
        raise DiscrepError("resume needs the stream engine (the memory engine keeps no checkpoints)")
    with locked_run(out, incidents, quiet):  # one run at a time per --out and store, checked before the model loads
        return _score_files(inputs, Path(out), model_uri, defaults, tracking_uri, quiet, pipeline, incidents, reconcile,
                            engine, resume, config, embedder_options)


def _score_files(inputs, out, model_uri, defaults, tracking_uri, quiet, pipeline, incidents, reconcile, engine,
                 resume, config, embedder_options) -> dict:
    t0 = time.perf_counter()
    policy = None
    if reconcile is not None or pipeline is None or pipeline.reconcile_policy is None:
        from discrep.stages.reconcile import ReconcilePolicy

        policy = ReconcilePolicy.load(reconcile or "conservative", conf_dir_or_none())  # fails before the model loads
    extra: dict = {"inputs": [str(i) for i in inputs], "engine": engine}
    if engine == "stream":
        from discrep.engines.stream import StreamScorer

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
        from discrep.io.tracking import configure

        if tracking_uri:
            configure(tracking_uri)
        pipeline = DiscrepPipeline.from_model(model_uri)
    if embedder_options:
        from discrep.model.embedder import configure_embedder

        configure_embedder(pipeline.embedder, **embedder_options)
    if policy is not None:
        pipeline.reconcile_policy = policy
    return pipeline
