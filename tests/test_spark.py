"""The Spark engine (pyspark local mode) gives the local engine's results on the bundled articles."""
import json
import shutil

import pytest

from .conftest import ROOT, run_cli


def _need_spark():
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install 'discrep[spark]')")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs a Java runtime (Java 17) on PATH")


def _rows(d, name):
    return sorted((d / name).read_text(encoding="utf-8").splitlines())


@pytest.mark.slow
def test_spark_engine_equals_local_engine(trained_home, scored_dir, tmp_path):
    _need_spark()
    out = tmp_path / "spark"
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--engine", "spark", "--spark-master", "local[2]",
                 "--out", str(out), "--quiet"], trained_home, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    # source pairs: Spark summarises per incident without the run-wide source independence (docs/scale.md)
    for name in ("claims.jsonl", "incidents.jsonl", "rejects.jsonl"):
        assert _rows(out, name) == _rows(scored_dir, name), name

    def verdicts(d):
        out = {}
        for line in (d / "discrepancies.jsonl").read_text().splitlines():
            x = json.loads(line)
            out[(x["incident_id"], x["source_a"], x["source_b"], x["claim_a"]["claim_id"],
                 (x["claim_b"] or {}).get("claim_id"), x["label"], x["reason"])] = x["score"]
        return out

    spark_v, local_v = verdicts(out), verdicts(scored_dir)
    assert spark_v.keys() == local_v.keys() and len(spark_v) > 100
    assert max(abs(spark_v[k] - local_v[k]) for k in spark_v) < 1e-3
    run, local_run = json.loads((out / "run.json").read_text()), json.loads((scored_dir / "run.json").read_text())
    shared = set(run["counts"]) - {"source_pairs"}
    assert run["engine"] == "spark" and {k: run["counts"][k] for k in shared} == {
        k: local_run["counts"].get(k, 0) for k in shared}
    assert run["read"] == run["scored"] + run["rejected"] == 14
    assert "contradict" in (out / "report.html").read_text()
