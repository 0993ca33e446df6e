"""Batch scoring into files: read -> score with an engine -> write outputs, report and run.json.

Accounting: every input record is either scored or rejected (``read = scored + rejected`` in
run.json); warnings are notes on scored records and do not count as rejects. A run where nothing
could be scored still writes its outputs (rejects.jsonl says why) and :func:`nothing_scored_reason`
gives the one-line reason the CLI prints before exiting non-zero.

The engines run the one stage graph (discrep.graph) and differ only in how: ``engine="stream"`` (default;
discrep/engines/stream.py: chunks, checkpoints, ``resume``, bounded memory), ``engine="memory"``
(discrep/engines/memory.py: everything at once; ``"local"`` is an old name for it) and Spark
(:func:`discrep.engines.spark.score_files_spark`). They write the same files (tests/system/
test_engines_contract.py). See docs/scale.md.
"""
from __future__ import annotations

import contextlib
import dataclasses
import sys
import time
from pathlib import Path

from discrep import graph
from discrep.graph import Parts, as_parts
from discrep.io.ingest import IngestDefaults, PeekedArticles, count_rejected
from discrep.io.output import locked_run
from discrep.io.writer import write_outputs
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


def _store_for(incidents):
    """``store_for(parts)``: the incident store of ``--incidents`` (None without one), for the run's embedder."""

    @contextlib.contextmanager
    def store_for(parts: Parts):
        if incidents is None:
            yield None
            return
        from discrep.io.store import IncidentStore

        with IncidentStore(incidents, embedder=parts.embedder.model) as store:
            yield store

    return store_for


def score_files(inputs, out: str | Path, model_uri: str | None = None, defaults: IngestDefaults | None = None,
                tracking_uri: str | None = None, quiet: bool = False, pipeline=None,
                incidents: str | Path | None = None, reconcile: str | None = None, engine: str = "stream",
                resume: bool = False, config=None, embedder_options: dict | None = None, clusterer=None,
                min_align: float | None = None, fmt: str = "jsonl", min_salience: float | None = None) -> dict:
    """Read, score and write one batch. The model is loaded only when something can be scored, so
    a run of unusable inputs reports its rejects rather than a model problem. ``pipeline``: the stages to score
    with (a :class:`discrep.graph.Parts` or a :class:`discrep.api.DiscrepPipeline`; None: the model of
    ``model_uri``). ``incidents``: an incident store joining earlier runs; ``reconcile``: a policy name in
    conf/reconcile/, a YAML path or a ReconcilePolicy; ``clusterer``, ``min_align``, ``min_salience``: replace the
    stages' (None keeps them); ``fmt``: the tables' format, ``jsonl`` (default), ``parquet`` or ``csv``.

    ``engine="stream"`` (default): bounded memory, checkpoints, ``resume`` (``config`` a
    :class:`discrep.engines.stream.StreamConfig`); ``engine="memory"``: the whole batch at once, no checkpoints.
    ``embedder_options``: batch_size, threads, backend, cache_dir (:func:`discrep.model.embedder.configure_embedder`)."""
    from discrep.errors import DiscrepError
    from discrep.io.tables import check_format

    check_format(fmt)
    engine = engine_name(engine)
    if engine not in ENGINES:
        raise DiscrepError(f"unknown engine {engine!r} (stream or memory; Spark is "
                           "discrep.engines.spark.score_files_spark)")
    if resume and engine != "stream":
        raise DiscrepError("resume needs the stream engine (the memory engine keeps no checkpoints)")
    with locked_run(out, incidents, quiet):  # one run at a time per --out and store, checked before the model loads
        t0 = time.perf_counter()
        out = Path(out)
        given = as_parts(pipeline) if pipeline is not None else None
        policy = None
        if reconcile is not None or given is None or given.policy is None:
            from discrep.stages.reconcile import ReconcilePolicy

            policy = reconcile if isinstance(reconcile, ReconcilePolicy) else \
                ReconcilePolicy.load(reconcile or "conservative", conf_dir_or_none())  # fails before the model loads
        model_desc = getattr(pipeline, "model_uri_", model_uri or "in-memory")

        def load() -> tuple[Parts, str]:
            parts, desc = _prepare_parts(given, model_uri, tracking_uri, embedder_options, policy, model_desc)
            swap = {k: v for k, v in (("clusterer", clusterer), ("min_align", min_align),
                                      ("min_salience", min_salience)) if v is not None}
            return (dataclasses.replace(parts, **swap) if swap else parts), desc

        extra: dict = {"inputs": [str(i) for i in inputs], "engine": engine}
        store_for = _store_for(incidents)
        if engine == "memory":
            from discrep.engines.memory import score_memory

            return score_memory(load, inputs, out, defaults, quiet, extra, store_for, t0, fmt=fmt)
        from discrep.engines.stream import StreamScorer

        items = None
        if not (resume and StreamScorer.resumable(out)):
            items = PeekedArticles(inputs, defaults)  # read once: the engine goes on from here
            rejects = None if items.has_article else items.before
            if rejects is not None:  # no model needed to say so
                if not quiet:
                    n_err, n_warn = count_rejected(rejects)
                    print(f"read 0 articles ({n_err} rejected, {n_warn} warnings)", file=sys.stderr)
                StreamScorer.discard(out)
                extra["seconds"] = round(time.perf_counter() - t0, 2)
                return write_outputs(ScoreResult(rejects=rejects), out, "none (nothing to score)", extra,
                                     fmt=fmt)
        parts, model = load()
        extra["reconcile_policy"] = parts.reconcile_policy.name
        with store_for(parts) as store:
            return StreamScorer(parts, inputs, out, defaults=defaults, config=config, model_uri=model,
                                resume=resume, quiet=quiet, extra=extra, store=store, items=items,
                                fmt=fmt).run()


def _prepare_parts(parts: Parts | None, model_uri, tracking_uri, embedder_options, policy,
                   model_desc: str) -> tuple[Parts, str]:
    """The stages every engine scores with: the given ones or the model's, embedder options and policy applied
    (the caller's objects are not changed but for the embedder's options), and the model's description."""
    if parts is None:
        from discrep.io.tracking import configure

        if tracking_uri:
            configure(tracking_uri)
        clf, embedder, model_desc = graph.load_model(model_uri)
        from discrep.stages.cluster import IncidentClusterer
        from discrep.stages.extract import ClaimExtractor

        parts = Parts(ClaimExtractor(), embedder, IncidentClusterer(), clf)
    if embedder_options:
        from discrep.model.embedder import configure_embedder

        configure_embedder(parts.embedder, **embedder_options)
    if policy is not None:
        parts = dataclasses.replace(parts, policy=policy)
    return parts, model_desc
