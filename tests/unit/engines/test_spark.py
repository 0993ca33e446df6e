"""The Spark engine (pyspark local mode) gives the local engine's results on the bundled articles."""
import json
import math
import shutil

import pytest

from tests.conftest import ROOT, run_cli

JSONL = ("claims", "incidents", "discrepancies", "source_pairs", "rejects", "figures", "grades", "syndication",
         "provenance")


def _need_spark():
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install 'discrep[spark]')")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs a Java runtime (Java 17) on PATH")


def _close(a, b, tol=1e-3):
    """Equal JSON values, floats within ``tol`` (model scores may differ in the last bits across processes)."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and (
            a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tol))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    return a == b


def _lines(d, name):
    return [json.loads(x) for x in (d / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_spark_engine_equals_local_engine(trained_home, scored_dir, tmp_path):
    """Every output file equal to the local engine's, line for line and in the same order (scores within
    1e-3), with the local accounting of rejects and warnings in run.json."""
    _need_spark()
    from discrep.io.ingest import read_articles
    from discrep.io.output import validate_dir

    extra = tmp_path / "extra.jsonl"
    first = json.loads((ROOT / "data" / "examples" / "articles.jsonl").read_text().splitlines()[0])
    extra.write_text("\n".join(json.dumps(r) for r in [
        {"id": "no-text", "outlet": "X", "published": "2024-01-02", "title": "t"},  # rejected: missing field
        first,  # rejected: duplicate id
        {"id": "html-1", "outlet": "Weather Desk", "published": "2024-01-02", "title": "Weather",
         "text": "<p>It was sunny and mild across the region.</p>"},  # scored with a warning, no claims
        {"id": "fr-1", "outlet": "Gazette", "published": "2024-01-02", "title": "Météo", "lang": "fr",
         "text": "Il a fait beau et doux dans toute la région."},  # scored with a language warning (once)
    ]) + "\n")
    out = tmp_path / "spark"
    r = run_cli(["score", str(ROOT / "data" / "examples"), str(extra), "--engine", "spark", "--spark-master",
                 "local[2]", "--out", str(out), "--quiet"], trained_home, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert validate_dir(out) == []
    for name in JSONL:
        if name == "rejects":
            continue
        got, want = _lines(out, name), _lines(scored_dir, name)
        assert len(got) == len(want), name
        bad = [i for i, (g, w) in enumerate(zip(got, want)) if not _close(g, w)]
        assert not bad, f"{name}.jsonl line {bad[0] + 1}: {got[bad[0]]} != {want[bad[0]]}"
    assert len(_lines(out, "syndication")) == 3 and len(_lines(out, "figures")) > 10
    assert len(_lines(out, "provenance")) == len(_lines(out, "claims"))
    # rejects and warnings: what the local engine's readers give for the same inputs, in the same order
    _, notes = read_articles([ROOT / "data" / "examples", extra])
    assert _lines(out, "rejects") == [n.to_dict() for n in notes]
    run = json.loads((out / "run.json").read_text())
    local_run = json.loads((scored_dir / "run.json").read_text())
    assert run["engine"] == "spark" and run["reconcile_policy"] == local_run["reconcile_policy"]
    assert (run["read"], run["scored"], run["rejected"], run["warnings"]) == (18, 16, 2, 2)
    assert run["rejected_by_code"] == {"missing_field": 1, "duplicate_id": 1}
    assert run["warnings_by_code"] == {"html_in_text": 1, "unknown_language": 1}
    same = {k: v for k, v in local_run["counts"].items() if k not in ("articles", "rejects", "warnings")}
    assert {k: run["counts"][k] for k in same} == same
    assert list(run["counts"]) == list(local_run["counts"])
    html = (out / "report.html").read_text()
    assert "contradict" in html and first["title"] in html  # article titles reach the report


def _reprints():
    """The bundled articles plus reprints: credited copies with a line added, a copy of a copy, a trimmed
    copy published first, so groups, roots and credits all come into play."""
    from datetime import timedelta

    from discrep.io.ingest import read_articles
    from discrep.records.core import Article

    arts, _ = read_articles([ROOT / "data" / "examples"])
    out = list(arts)
    for k, a in enumerate(arts[:6]):
        c = Article(f"{a.id}-r1", "Metro Relay", a.published, a.title,
                    a.text + f" Reporting by {a.outlet}. Additional reporting by our desk.")
        out.append(c)
        out.append(Article(f"{a.id}-r2", "Valley Courier", a.published + timedelta(days=1), a.title,
                           "Valley Courier adds: " + c.text))
        if k % 2:
            cut = " ".join(a.text.split()[:-12])
            out.append(Article(f"{a.id}-r3", "Early Bird", a.published - timedelta(days=1), a.title, cut))
    return out


@pytest.mark.slow
def test_spark_independence_equals_source_independence(extractor):
    """Reprints and per-claim provenance computed on Spark equal SourceIndependence.fit on a reprint-heavy
    corpus, with the default parameters and with max_postings so low that most shingles sit in postings
    too big to propose candidates (they must still count toward the containment of candidate pairs)."""
    _need_spark()
    from discrep.engines.spark import independence_frames, spark_session
    from discrep.records.codec import claim_to_dict
    from discrep.stages.independence import SourceIndependence

    arts = _reprints()
    claims = [c for a in arts for c in extractor.extract(a)]
    spark = spark_session("local[2]", progress=False)
    adf = spark.createDataFrame(
        [(k, json.dumps({"id": a.id, "outlet": a.outlet, "published": a.published.isoformat()}), a.text)
         for k, a in enumerate(arts)], "ord long, payload string, text string")
    rank = {a.id: k for k, a in enumerate(arts)}
    rows, sent = [], {}
    for c in claims:
        n = sent[c.article_id] = sent.get(c.article_id, -1) + 1
        rows.append((rank[c.article_id], n, json.dumps({"c": claim_to_dict(c)})))
    cdf = spark.createDataFrame(rows, "ord long, sent int, payload string")
    for params in ({}, {"max_postings": 3, "min_shingles": 10}):
        ref = SourceIndependence(**params).fit(arts, claims)
        syns, prov = independence_frames(spark, adf, cdf, params)
        assert [s.to_dict() for s in syns] == [s.to_dict() for s in ref.syndications_]
        got = [json.loads(r["prov"]) for r in prov.orderBy("ord", "sent").collect()]
        assert got == [ref.provenance(c).to_dict() for c in claims]
    assert len(ref.syndications_) >= 12 and any(s.credited for s in ref.syndications_)
    assert sum(p["copy_of"] is not None for p in got) > 50


def test_spark_cluster_stage_uses_the_given_clusterer(extractor):
    """The cluster stage clusters with the clusterer handed to score_dataframe (not a default one): its
    incidents equal DiscrepPipeline.cluster's with that clusterer. Plain pandas, no JVM."""
    pd = pytest.importorskip("pandas")
    from discrep.api import DiscrepPipeline
    from discrep.engines.spark import _cluster_fn
    from discrep.io.ingest import read_articles
    from discrep.model.embedder import HashingEmbedder
    from discrep.records.codec import claim_to_dict
    from discrep.stages.cluster import Gazetteer, IncidentClusterer, context_fill

    arts, _ = read_articles([ROOT / "data" / "examples"])
    emb = HashingEmbedder()
    counts = {}
    for clu in (IncidentClusterer(), IncidentClusterer(distance_threshold=0.6, max_days=1.0)):
        claims = [c for a in arts for c in extractor.extract(a)]
        ctx = context_fill(claims, Gazetteer.load(extractor.places_path))
        X = emb.encode([c.text for c in claims])
        rows, sent = [], {}
        for k, (c, d, p, s) in enumerate(zip(claims, ctx.dates, ctx.places, ctx.scopes)):
            n = sent[c.article_id] = sent.get(c.article_id, -1) + 1
            rows.append({"ord": [a.id for a in arts].index(c.article_id), "sent": n, "vec": X[k].tolist(),
                         "payload": json.dumps({"c": claim_to_dict(c), "d": d.isoformat() if d else None,
                                                "p": sorted(p), "s": sorted(s)})})
        out = _cluster_fn(0.35, clu)(pd.DataFrame(rows))
        got = [json.loads(x) for x in out.loc[out["kind"] == "incident", "payload"]]
        pipe = DiscrepPipeline(extractor=extractor, embedder=emb, clusterer=clu)
        want = pipe.cluster(claims, dict(zip([c.claim_id for c in claims], X)))
        assert got == [json.loads(json.dumps(i.to_dict())) for i in want]
        counts[clu.distance_threshold] = len(got)
    assert counts[0.6] > counts[1.3]


def test_ingest_settings_travel_to_the_executors():
    """The CLI's reading limits and policies reach the workers' checks intact (as JSON)."""
    from datetime import date

    from discrep.engines.spark import _ingest_defaults, _ingest_wire
    from discrep.io.ingest import IngestDefaults

    d = IngestDefaults(outlet="Wire", published=date(2024, 1, 2), lang="en", max_text_chars=5_000_000,
                       unknown_lang="reject", today=date(2024, 3, 1))
    assert _ingest_defaults(json.loads(json.dumps(_ingest_wire(d)))) == d
    assert _ingest_defaults(_ingest_wire(IngestDefaults())) == IngestDefaults()
