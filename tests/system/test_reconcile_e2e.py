"""`discrep score` writes reconciled figures, grades, syndication and provenance (shares the trained model)."""
import json

from discrep.io.output import validate_dir, validate_record
from tests.conftest import ROOT, run_cli


def rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_score_writes_valid_figures_and_grades(scored_dir):
    assert validate_dir(scored_dir) == []
    figs = rows(scored_dir / "figures.jsonl")
    assert figs and all(validate_record("figures.jsonl", f) == [] for f in figs)
    assert {f["policy"] for f in figs} == {"conservative"}
    claims = {c["claim_id"]: c for c in rows(scored_dir / "claims.jsonl")}
    incidents = {i["incident_id"] for i in rows(scored_dir / "incidents.jsonl")}
    for f in figs:
        assert f["incident_id"] in incidents
        assert set(f["supporting_claim_ids"]) <= set(claims)
        assert set(f["low_claim_ids"]) | set(f["best_claim_ids"]) | set(f["high_claim_ids"]) <= set(f["supporting_claim_ids"])
        assert f["n_sources"] == len({e["origin"] for e in f["estimates"]})
    grades = rows(scored_dir / "grades.jsonl")
    assert {g["incident_id"] for g in grades} == incidents
    run = json.loads((scored_dir / "run.json").read_text())
    assert run["counts"]["figures"] == len(figs) and run["reconcile_policy"] == "conservative"


def test_reprints_found_and_chains_shown(scored_dir):
    synd = {(s["article_id"], s["original_id"]) for s in rows(scored_dir / "syndication.jsonl")}
    assert synd == {("ed-003", "nl-001"), ("bt-001", "ed-001"), ("bt-003", "kws-003")}
    prov = {p["claim_id"]: p for p in rows(scored_dir / "provenance.jsonl")}
    copied = [p for p in prov.values() if p["article_id"] == "bt-003" and p["copy_of"]]
    assert copied and all(p["chain"][:2] == ["Border Telegraph", "Kyiv Wire Service (reprinted)"] for p in copied)
    # the Belgorod Jan. 2 death toll: Gladkov's figure relayed by three outlets is one source
    figs = rows(scored_dir / "figures.jsonl")
    gl = [f for f in figs if f["event"] == "killed" and f["unit"] == "people"
          and any(e["origin"] == "gladkov" and e["low"] == 1 and e["high"] == 1 for e in f["estimates"])]
    assert gl, "Gladkov's one killed should be a figure"
    [est] = [e for e in gl[0]["estimates"] if e["origin"] == "gladkov" and e["low"] == 1]
    assert len(est["claim_ids"]) >= 2 and all(" → " in ch for ch in est["chains"])
    assert gl[0]["best"] == 1 and gl[0]["disputed"] and gl[0]["grade"] == "contested"


def test_report_shows_reconciled_figures(scored_dir):
    html = (scored_dir / "report.html").read_text(encoding="utf-8")
    assert "Reconciled figures" in html and "contested" in html


def test_unknown_policy_is_refused_before_loading_a_model(tmp_path):
    r = run_cli(["score", str(ROOT / "data" / "examples" / "kharkiv-local.txt"), "--reconcile", "nope",
                 "--out", str(tmp_path / "o")], tmp_path / "empty-home")
    assert r.returncode == 2 and "reconcile policy not found" in r.stderr and "conservative" in r.stderr
