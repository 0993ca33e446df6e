"""discrep score --format parquet|csv and --min-salience through the CLI, for every engine: the tables hold what the
JSONL run holds (the trained model of the suite; Spark in the slow test), and the notebook path gives the same."""
import json
import math
import shutil

import pytest

from discrep.io.tables import read_table
from discrep.records.result import TABLES
from tests.conftest import ROOT, run_cli


def rows(df):
    def plain(v):
        if hasattr(v, "tolist"):
            v = v.tolist()
        return None if isinstance(v, float) and math.isnan(v) else v
    return [{k: plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def score(trained_home, out, *args):
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--out", str(out), "--quiet", *args], trained_home,
                timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads((out / "run.json").read_text())


def same_tables(out, fmt, jsonl_dir, keep=lambda name, row: True):
    for name in TABLES:
        want = [r for r in rows(read_table(jsonl_dir / f"{name}.jsonl")) if keep(name, r)]
        assert rows(read_table(out / f"{name}.{fmt}")) == want, f"{fmt}: {name} differs from the JSONL run"
        assert not (out / f"{name}.jsonl").exists()


@pytest.mark.parametrize("engine, fmt", [("stream", "parquet"), ("memory", "csv")])
def test_parquet_and_csv_runs_hold_the_jsonl_runs_tables(trained_home, scored_dir, tmp_path, engine, fmt):
    run = score(trained_home, tmp_path / fmt, "--engine", engine, "--format", fmt)
    assert run["format"] == fmt and run["counts"] == json.loads((scored_dir / "run.json").read_text())["counts"]
    same_tables(tmp_path / fmt, fmt, scored_dir)


def test_min_salience_leaves_out_the_less_salient_unreported_rows(trained_home, scored_dir, tmp_path):
    ds = [json.loads(line) for line in (scored_dir / "discrepancies.jsonl").read_text().splitlines()]
    sal = sorted(d["salience"] for d in ds if d["label"] == "unreported")
    cut = sal[len(sal) // 2]
    run = score(trained_home, tmp_path / "cut", "--min-salience", str(cut), "--format", "csv")
    kept = rows(read_table(tmp_path / "cut" / "discrepancies.csv"))
    assert 0 < sum(d["label"] == "unreported" for d in kept) < len(sal)
    assert all(d["salience"] >= cut for d in kept if d["label"] == "unreported")
    assert run["min_salience"] == cut and run["counts"]["discrepancies"] == len(kept)
    same_tables(tmp_path / "cut", "csv", scored_dir,
                keep=lambda name, r: name != "discrepancies" or r["label"] != "unreported" or r["salience"] >= cut)
    bad = run_cli(["score", str(ROOT / "data" / "examples"), "--min-salience", "2"], trained_home)
    assert bad.returncode == 2 and "between 0 and 1" in bad.stderr


NOTEBOOK = """
import json, sys
sys.path.insert(0, {root!r})
import pandas as pd
from discrep import DiscrepPipeline, read_articles
from discrep.io.tables import read_table
path = {root!r} + "/data/examples/articles.jsonl"
df = pd.read_json(path, lines=True, dtype={{"published": str}})
pipe = DiscrepPipeline.from_model()
frames = [pipe.score(*read_articles(x)).to_pandas() for x in (df, [path])]
d, want = (f["discrepancies"] for f in frames)
pipe.score(*read_articles(df)).write({out!r}, format="parquet")
back = read_table({out!r} + "/discrepancies.parquet")
print(json.dumps({{"rows": len(d), "same_as_file": d.equals(want), "columns": list(d.columns),
                  "sides_filled": bool(d[["outlet_a", "published_a", "url_a", "text_a"]].notna().all().all()),
                  "parquet_rows": len(back), "parquet_salience": back["salience"].fillna(-1).tolist()
                  == d["salience"].fillna(-1).tolist()}}))
"""


def test_the_notebook_path_dataframe_in_dataframes_out(trained_home, tmp_path):
    """read_articles(df) -> score -> to_pandas(), as the README shows it: the same rows as from the file, each with
    both sides' outlet, date, URL and sentence; write() gives them back from Parquet."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DISCREP_HOME": str(trained_home), "HF_HUB_OFFLINE": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    code = NOTEBOOK.format(root=str(ROOT), out=str(tmp_path / "nb"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900, env=env,
                       cwd=trained_home)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["rows"] > 0 and got["same_as_file"] and got["sides_filled"]
    assert {"outlet_b", "published_b", "url_b", "text_b", "salience"} <= set(got["columns"])
    assert got["parquet_rows"] == got["rows"] and got["parquet_salience"]


@pytest.mark.slow
def test_spark_writes_parquet_of_the_same_tables(trained_home, scored_dir, tmp_path):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install 'discrep[spark]')")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs a Java runtime (Java 17) on PATH")
    score(trained_home, tmp_path / "spark", "--engine", "spark", "--spark-master", "local[2]", "--format", "parquet")
    same_tables(tmp_path / "spark", "parquet", scored_dir)
