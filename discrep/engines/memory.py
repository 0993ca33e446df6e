"""The memory engine (``discrep score --engine memory``): read every input, run the stage graph once over the
whole batch (:func:`discrep.graph.run_batch`), write the files. Simple and fast for small batches; memory grows
with the corpus (the stream engine, the default, writes the same files in bounded memory)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from discrep import graph
from discrep.io.ingest import IngestDefaults, count_rejected, read_articles
from discrep.io.writer import embedder_stats, write_outputs
from discrep.records.result import ScoreResult


def score_memory(parts_or_loader, inputs, out: str | Path, defaults: IngestDefaults | None = None,
                 quiet: bool = False, extra: dict | None = None, store_for=None, t0: float | None = None,
                 fmt: str = "jsonl") -> dict:
    """Read ``inputs``, score them in one batch, write ``out``. ``parts_or_loader``: the run's
    :class:`discrep.graph.Parts` with its model description as ``(parts, model_uri)``, or a function giving
    them, called only when something can be scored (a run of unusable inputs reports its rejects, not a model
    problem). ``store_for(parts)``: a context manager giving the incident store (or None); ``fmt``: the tables'
    format (jsonl, parquet, csv)."""
    t0 = time.perf_counter() if t0 is None else t0
    extra = dict(extra or {})
    arts, rejects = read_articles(inputs, defaults)
    if not quiet:
        n_err, n_warn = count_rejected(rejects)
        print(f"read {len(arts)} articles ({n_err} rejected, {n_warn} warnings)", file=sys.stderr)
    if not arts:
        extra["seconds"] = round(time.perf_counter() - t0, 2)
        return write_outputs(ScoreResult(rejects=rejects), out, "none (nothing to score)", extra, fmt=fmt)
    parts, model_desc = parts_or_loader() if callable(parts_or_loader) else parts_or_loader
    extra["reconcile_policy"] = parts.reconcile_policy.name
    with store_for(parts) as store:
        result = graph.run_batch(parts, arts, rejects, store)
        if store is not None:
            extra.update(incident_store=str(store.path.resolve()), incidents_in_store=len(store))
    extra["embedder"] = embedder_stats(parts.embedder)
    extra["seconds"] = round(time.perf_counter() - t0, 2)
    return write_outputs(result, out, model_desc, extra, fmt=fmt, min_salience=parts.min_salience)
