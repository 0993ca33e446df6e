"""Issue 16 item 6 with a trained model: ``compare --pairs`` gives one JSON line per pair from one
process, a positional path is read, and no third-party bar reaches a stderr that is not a terminal."""
import json

from tests.conftest import run_cli

DOC = "Regional officials said three people were killed and five injured in the strike on Tuesday."


def test_compare_pairs_one_line_per_pair_quiet_stderr(trained_home, tmp_path):
    doc = tmp_path / "doc.txt"
    doc.write_text(DOC, encoding="utf-8")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("\n".join(json.dumps(r) for r in [
        {"id": 1, "claim": "Officials said three people were killed.", "text": DOC},
        {"id": 2, "claim": "Officials said ten people were killed.", "file": str(doc)},
        {"id": 3, "claim": "The mayor said the bridge reopened.", "text": DOC}]), encoding="utf-8")
    r = run_cli(["compare", "--pairs", str(pairs)], trained_home, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in rows] == [1, 2, 3] and all(x["label"] in x["proba"] for x in rows)
    for bar in ("Loading weights", "Downloading artifacts", "it/s]"):
        assert bar not in r.stderr, r.stderr[-2000:]
    r = run_cli(["compare", "Officials said three people were killed.", str(doc)], trained_home, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "is an existing file: reading it" in r.stderr
    assert json.loads(r.stdout)["label"] == rows[0]["label"]
