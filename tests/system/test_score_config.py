"""`discrep score` reads conf/score.yaml: `--set` overrides give the very files the flags give (shares the
trained model)."""
import json

from tests.conftest import ROOT, run_cli

FILES = ("claims", "incidents", "discrepancies", "source_pairs", "figures", "grades", "syndication", "provenance",
         "rejects")


def test_set_overrides_write_the_files_the_flags_write(trained_home, tmp_path):
    outs = {}
    for how, args in (("set", ["--set", "engine=memory", "--set", "reconcile=median"]),
                      ("flags", ["--engine", "memory", "--reconcile", "median"])):
        outs[how] = tmp_path / how
        r = run_cli(["score", str(ROOT / "data" / "examples"), *args, "--out", str(outs[how]), "--quiet"],
                    trained_home)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    for name in FILES:
        got, want = (outs["set"] / f"{name}.jsonl").read_bytes(), (outs["flags"] / f"{name}.jsonl").read_bytes()
        assert got == want, f"{name}.jsonl differs between --set and the flags"
    assert (outs["set"] / "discrepancies.jsonl").stat().st_size > 0
    run = json.loads((outs["set"] / "run.json").read_text())
    assert run["engine"] == "memory" and run["reconcile_policy"] == "median"
    assert {json.loads(line)["policy"] for line in (outs["set"] / "figures.jsonl").open()} == {"median"}


def test_a_bad_override_is_refused_before_loading_a_model(tmp_path):
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--set", "engine=nope",
                 "--out", str(tmp_path / "o")], tmp_path / "empty-home")
    assert r.returncode == 2 and "Could not find 'engine/nope'" in r.stderr and "memory" in r.stderr
