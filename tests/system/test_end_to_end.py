"""The README's main job, through the installed CLI: train -> register -> score -> files and report."""
import json
import subprocess
import sys

from discrep.evaluation.goldcheck import check_run
from discrep.io.output import validate_dir
from tests.conftest import ROOT, run_cli


def test_score_outputs_validate(scored_dir):
    assert validate_dir(scored_dir) == []
    run = json.loads((scored_dir / "run.json").read_text())
    assert run["read"] == run["scored"] + run["rejected"] == 14
    assert run["model_uri"].startswith("models:/discrep-pair")
    claims = [json.loads(l) for l in (scored_dir / "claims.jsonl").read_text().splitlines()]
    assert {c["source"] for c in claims} >= {"gladkov", "ru-mod", "klitschko"}  # canonical speakers, not outlets


def test_known_conflicts_found_and_agreements_not_contradicted(scored_dir):
    r = check_run(scored_dir, ROOT / "data" / "gold")
    assert r["conflicts_total"] >= 5
    missed = [c["gold"]["reason"] for c in r["conflicts"] if not c["found"]]
    assert r["conflicts_found"] == r["conflicts_total"], missed
    wrong = [a["gold"]["reason"] for a in r["agreements"] if a["called_contradict"]]
    assert r["agreements_called_contradict"] == 0, wrong
    assert r["agreements_found"] >= r["agreements_total"] - 3  # most planted agreements are also recognised


def test_report_is_self_contained(scored_dir):
    html = (scored_dir / "report.html").read_text()
    assert "<script" not in html and "http://" not in html.split("<main>")[0]
    assert "contradict" in html


def test_score_with_explicit_model_uri_and_bad_model(trained_home, tmp_path):
    out = tmp_path / "o"
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--model", "models:/discrep-pair/1",
                 "--out", str(out), "--quiet"], trained_home)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((out / "run.json").read_text())["scored"] == 1
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--model", str(tmp_path / "nope")], trained_home)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_no_model_says_what_to_run(tmp_path):
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--out", str(tmp_path / "o")], tmp_path / "empty-home")
    assert r.returncode == 2
    assert "no trained 'discrep-pair' model" in r.stderr and "discrep train" in r.stderr


def test_pyfunc_loads_in_fresh_process(trained_home):
    code = ("import mlflow, pandas as pd, sys\n"
            f"mlflow.set_tracking_uri('sqlite:///{trained_home}/mlflow.db')\n"
            "m = mlflow.pyfunc.load_model('models:/discrep-pair@champion')\n"
            "df = pd.DataFrame({'text_a': ['The governor said three people were killed.'],"
            " 'text_b': ['Officials said at least five people were killed.'], 'source_a': ['gov'], 'source_b': ['off'],"
            " 'published_a': ['2024-01-02'], 'published_b': ['2024-01-02']})\n"
            "out = m.predict(df)\nprint(out.iloc[0]['label'], out.iloc[0]['reason'])\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=trained_home)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[0] == "contradict"
    assert "killed: 3" in r.stdout


def test_compare_api(trained_home, monkeypatch):
    monkeypatch.setenv("DISCREP_HOME", str(trained_home))
    import discrep

    text = ("The regional governor said on Tuesday that at least five people were killed in the strike. "
            "Schools in the city were closed.")
    r = discrep.compare("Officials said three people were killed in the strike.", text)
    assert r.label == "contradict"
    assert abs(sum(r.proba.values()) - 1) < 1e-6
    assert "killed" in r.reason and r.evidence
