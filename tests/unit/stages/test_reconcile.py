"""Reconciled figures, policies and grades on hand-built claims and on the gold claims (no embedder)."""
import json
import math
from dataclasses import replace
from datetime import date

import pytest

from discrep.evaluation.reconcile_gold import (
    GoldIndex,
    figure_scores,
    gold_claims,
    gold_incidents,
    grade_scores,
    match_figures,
    match_incidents,
    syndication_scores,
)
from discrep.io.ingest import read_articles
from discrep.io.output import validate_record
from discrep.records.core import Discrepancy, Incident, Quantity
from discrep.stages.independence import SourceIndependence
from discrep.stages.reconcile import (
    GradeConfig,
    PolicyError,
    ReconcilePolicy,
    claim_scope,
    quantity_interval,
    reconcile,
    vague_interval,
)
from discrep.text.numbers import VAGUE
from tests.conftest import ROOT
from tests.unit.stages.test_independence import claim

INF = math.inf
PLACES = {"Kyiv": "city", "Lviv": "city", "Belgorod": "city", "Ukraine": "country", "Pecherskyi": "district"}


def inc(places=("Belgorod",), iid="inc"):
    return Incident(iid, iid, None, None, list(places), [], [])


def run(claims, policy=None, discrepancies=(), places=("Belgorod",)):
    ind = SourceIndependence().fit([], claims)
    return reconcile(claims, [inc(places)], list(discrepancies), ind, policy or ReconcilePolicy(), PLACES)[0]


def one(figs, event="killed", unit="people", place=None):
    [f] = [f for f in figs if (f.event, f.unit, f.place) == (event, unit, place)]
    return f


# ---------------------------------------------------------------- vague counts follow the policy
def test_vague_mapping_of_policy_overrides_numbers_table():
    assert vague_interval("more than a dozen", ReconcilePolicy().vague) == (13, INF, 13)
    assert vague_interval("up to a dozen", ReconcilePolicy().vague) == (1, 12, 12)
    assert vague_interval("dozens of", ReconcilePolicy().vague) == (24, 99, 24)
    assert vague_interval("nearly a dozen", ReconcilePolicy().vague) == (11, 12, 12)
    assert vague_interval("forty", ReconcilePolicy().vague) is None
    # "as many as 12" is a bounded figure, not the vague "many"
    assert quantity_interval(Quantity(value=12, low=1, high=12, text="as many as 12", qualifier="at_most"),
                             ReconcilePolicy()) == (1, 12, 12)
    # the extractor's interval comes from discrep.numbers.VAGUE; the policy's mapping wins in reconciliation
    q = Quantity(value=VAGUE["dozens"][2], low=24, high=99, unit="people", event="injured", text="Dozens",
                 qualifier="vague")
    assert quantity_interval(q, ReconcilePolicy()) == (24, 99, 24)
    custom = ReconcilePolicy.from_dict({"vague": {"dozens": {"low": 30, "best": 40, "high": 60}}})
    assert quantity_interval(q, custom) == (30, 60, 40)
    assert quantity_interval(Quantity(value=110, low=111, high=INF, text="more than 110", qualifier="more_than"),
                             ReconcilePolicy()) == (111, INF, 111)


# ---------------------------------------------------------------- bounds and best under each policy
TOLL = [  # Dec. 29 style: three compatible tolls, one vague
    ("a:0", "ua-sesu", "At least 30", 30, INF, date(2023, 12, 29)),
    ("b:0", "ua-officials", "At least 39", 39, INF, date(2023, 12, 30)),
    ("c:0", "paper", "dozens", 24, 99, date(2023, 12, 30)),
]


def toll_claims():
    return [claim(cid, "P", src, t, [("killed", "people", lo, hi, t)], published=d) for cid, src, t, lo, hi, d in TOLL]


@pytest.mark.parametrize("policy,best", [
    ({}, 39),  # conservative: the lowest figure none contradicts
    ({"best": "median"}, 39),  # median of 30, 39, 24 is 30, raised into the common interval [39, 99]
    ({"best": "highest"}, 39),  # the highest point, 39, is inside [39, 99]
    ({"best": "latest"}, 39),  # newest statements (Dec. 30): 39 and dozens(24) -> 24, raised to 39
])
def test_compatible_figures_best_stays_in_common_interval(policy, best):
    f = one(run(toll_claims(), ReconcilePolicy.from_dict(policy)))
    assert (f.low, f.best, f.high) == (24, best, 99)
    assert not f.disputed and f.n_sources == 3
    assert f.low_claim_ids == ["c:0"] and f.high_claim_ids == ["c:0"] and f.best_claim_ids == ["b:0"]


def test_conflicting_figures_each_policy():
    cs = [claim("a:0", "P", "gladkov", "one", [("killed", "people", 1, 1, "one")], published=date(2024, 1, 2)),
          claim("b:0", "Q", "tg", "at least two", [("killed", "people", 2, INF, "at least two")], source_type="media",
                published=date(2024, 1, 3))]
    got = {p: one(run(cs, ReconcilePolicy.from_dict({"best": p}))).best
           for p in ("conservative", "median", "latest", "highest")}
    assert got == {"conservative": 1, "median": 1, "latest": 2, "highest": 2}
    f = one(run(cs))
    assert f.disputed and (f.low, f.high) == (1, 2) and f.grade == "contested"
    unb = one(run(cs, ReconcilePolicy.from_dict({"open_high": "unbounded"})))
    assert math.isinf(unb.high) and unb.to_dict()["high"] is None


def test_relays_count_once_and_newest_statement_of_a_source_supersedes():
    relays = [claim(f"{a}:0", o, "gladkov", "one killed", [("killed", "people", 1, 1, "one")])
              for a, o in (("ed", "Eastern"), ("bt", "Border"), ("nl", "Northern"))]
    f = one(run(relays))
    assert f.n_sources == 1 and f.grade == "single-source" and sorted(f.supporting_claim_ids) == ["bt:0", "ed:0", "nl:0"]
    assert len(f.estimates) == 1 and len(f.estimates[0].chains) == 3
    early = claim("x:0", "P", "gladkov", "more than 100", [("injured", "people", 101, INF, "more than 100")],
                  published=date(2023, 12, 30))
    late = claim("y:0", "Q", "gladkov", "109", [("injured", "people", 109, 109, "109")], published=date(2024, 1, 1))
    f = one(run([early, late]), "injured")
    assert (f.low, f.best, f.high, f.superseded_claim_ids) == (109, 109, 109, ["x:0"])
    f = one(run([early, late], ReconcilePolicy.from_dict({"per_source": "all"})), "injured")
    assert (f.low, f.best, f.high) == (101, 109, 109) and f.n_sources == 1


def test_city_figures_are_separate_from_incident_total():
    cs = [claim("a:0", "P", "klitschko", "three in Kyiv", [("killed", "people", 3, 3, "three")], places=["Kyiv"]),
          claim("b:0", "P", "sesu", "at least 30 nationwide", [("killed", "people", 30, INF, "At least 30")],
                places=["Ukraine"])]
    figs = run(cs, places=("Kyiv", "Lviv"))
    assert {f.place for f in figs} == {"Kyiv", None} and not any(f.disputed for f in figs)
    assert len(run(cs, ReconcilePolicy.from_dict({"scope_by_place": False}), places=("Kyiv", "Lviv"))) == 1
    kyiv = inc(("Kyiv",))
    assert claim_scope(cs[0], kyiv, PLACES) is None  # the incident's only city is the incident itself
    assert claim_scope(cs[0], inc(("Kyiv", "Lviv")), PLACES) == "Kyiv"
    assert claim_scope(claim("c:0", "P", "x", places=["Pecherskyi"]), inc(("Kyiv", "Lviv")), PLACES) is None


# ---------------------------------------------------------------- grades
def test_classifier_contradiction_contests_only_above_threshold_and_only_its_figure():
    a = claim("a:0", "P", "syniehubov", "dozens injured, one killed",
              [("injured", "people", 24, 99, "dozens"), ("killed", "people", 1, INF, "at least one")])
    b = claim("b:0", "Q", "prosecutors", "43 injured, one killed",
              [("injured", "people", 43, 43, "43"), ("killed", "people", 1, INF, "at least one")])
    for score, grade in ((0.9, "contested"), (0.5, "confirmed")):
        d = Discrepancy("inc", "syniehubov", "prosecutors", "contradict", score, "r", a, b)
        figs = run([a, b], discrepancies=[d])
        assert one(figs, "injured").grade == grade and one(figs, "killed").grade == grade
    c = claim("c:0", "Q", "prosecutors", "two killed", [("killed", "people", 2, 2, "two"),
                                                       ("injured", "people", 43, 43, "43")])
    d = Discrepancy("inc", "syniehubov", "prosecutors", "contradict", 0.9, "r", a, c)
    figs = run([a, c], ReconcilePolicy.from_dict({"grades": {"contest_evidence": ["classifier"]}}), [d])
    # no shared figure is disjoint (>=1 vs 2, 24-99 vs 43): the verdict cannot be pinned on one, so both get it
    assert one(figs, "killed").contradictions and one(figs, "injured").contradictions
    e = claim("e:0", "Q", "prosecutors", "no one killed", [("killed", "people", 0, 0, "no one"),
                                                       ("injured", "people", 43, 43, "43")])
    d = Discrepancy("inc", "syniehubov", "prosecutors", "contradict", 0.9, "r", a, e)
    figs = run([a, e], discrepancies=[d])
    assert one(figs, "killed").contradictions and not one(figs, "injured").contradictions
    assert one(figs, "injured").grade == "confirmed"
    # a hedged report is not evidence of the figure: its contradiction contests nothing
    h = replace(a, claim_id="h:0", article_id="h", polarity="hedged")
    d = Discrepancy("inc", "syniehubov", "prosecutors", "contradict", 0.95, "r", h, b)
    figs = run([h, b], discrepancies=[d])
    assert [f.grade for f in figs] == ["single-source", "single-source"] and not any(f.contradictions for f in figs)


def test_unreported_by_party_needs_explicit_silence_on_the_topic():
    fig_claims = [claim("a:0", "P", "gladkov", "7 injured", [("injured", "people", 7, 7, "seven")], party="russia"),
                  claim("a:1", "P", "ru-mod", "2 missiles", [("launched", "missiles", 2, 2, "two")], party="russia",
                        source_type="military")]
    silent = claim("b:0", "Q", "ua-officials", "Ukrainian officials made no mention of civilian casualties.",
                   kind="silence", party="ukraine", source_type="official", topic="civilian casualties")
    figs = run(fig_claims + [silent])
    assert one(figs, "injured").grade == "unreported-by-party" and one(figs, "injured").silent_parties == ["ukraine"]
    assert one(figs, "launched", "missiles").grade == "single-source"  # the silence is about casualties only
    assert one(run(fig_claims), "injured").grade == "single-source"
    lax = ReconcilePolicy.from_dict({"grades": {"require_explicit_silence": False}})
    ind = SourceIndependence().fit([], fig_claims)
    _, [g] = reconcile(fig_claims, [inc()], [], ind, lax, PLACES)
    assert g.grade == "unreported-by-party" and g.silent_parties == ["ukraine"]


def test_incident_grades_and_configurable_precedence():
    cs = [claim("a:0", "P", "klitschko", "two killed", [("killed", "people", 2, 2, "two")], party="ukraine"),
          claim("b:0", "Q", "kyiv-cma", "two killed", [("killed", "people", 2, 2, "two")], party="ukraine"),
          claim("c:0", "Q", "ru-mod", "no mention of casualties", kind="silence", party="russia",
                source_type="military", topic="civilian casualties in Kyiv")]
    ind = SourceIndependence().fit([], cs)
    [f], [g] = reconcile(cs, [inc(("Kyiv",))], [], ind, ReconcilePolicy(), PLACES)
    assert f.grade == "confirmed" and g.grade == "unreported-by-party" and set(g.flags) == {"confirmed",
                                                                                          "unreported-by-party"}
    pol = ReconcilePolicy.from_dict({"grades": {"incident_precedence": ["contested", "confirmed", "unreported-by-party",
                                                                       "single-source", "uncorroborated"]}})
    _, [g] = reconcile(cs, [inc(("Kyiv",))], [], ind, pol, PLACES)
    assert g.grade == "confirmed"
    # anonymous sources are not credible: two residents do not confirm
    anon = [replace(c, source_type="anonymous") for c in cs[:2]]
    [f], [g] = reconcile(anon, [inc(("Kyiv",))], [], SourceIndependence().fit([], anon), ReconcilePolicy(), PLACES)
    assert f.grade == "single-source" and g.grade == "single-source"
    # a non-numeric contradiction between independent sources contests the incident
    x = claim("x:0", "P", "ru-mod", "struck only military targets", party="russia")
    y = claim("y:0", "Q", "klitschko", "residential blocks were hit", party="ukraine")
    d = Discrepancy("inc", "ru-mod", "klitschko", "contradict", 0.8, "r", x, y)
    _, [g] = reconcile([x, y], [inc()], [d], SourceIndependence().fit([], [x, y]), ReconcilePolicy(), PLACES)
    assert g.grade == "contested"
    _, [g] = reconcile([x, y], [inc()], [], SourceIndependence().fit([], [x, y]), ReconcilePolicy(), PLACES)
    assert g.grade == "uncorroborated"


# ---------------------------------------------------------------- policy files
def test_policy_files_load_and_conservative_is_the_default():
    names = sorted(p.stem for p in (ROOT / "conf" / "reconcile").glob("*.yaml"))
    assert names == ["conservative", "default", "latest", "median"]  # default.yaml: the keys the others inherit
    pols = {n: ReconcilePolicy.load(n, ROOT / "conf") for n in names}
    default = ReconcilePolicy()
    assert replace(pols["conservative"], independence={}) == default
    si = SourceIndependence(**pols["conservative"].independence)
    assert {k: getattr(si, k) for k in pols["conservative"].independence} == \
           {k: getattr(SourceIndependence(), k) for k in pols["conservative"].independence}
    assert pols["median"].best == "median" and pols["median"].vague["dozens"] == (24, 36, 99)
    assert pols["latest"].best == "latest"


def test_bad_policies_are_refused_with_reasons(tmp_path):
    with pytest.raises(PolicyError, match="available: conservative, default, latest, median"):
        ReconcilePolicy.load("nope", ROOT / "conf")
    for body, msg in (("best: mode", "best must be one of"), ("colour: red", "unknown keys"),
                      ("vague: {dozens: {low: 50, best: 10, high: 60}}", "low <= best <= high"),
                      ("grades: {figure_precedence: [great]}", "unknown grade"),
                      ("independence: {shingles: 3}", "unknown independence keys"), ("- a list", "mapping")):
        p = tmp_path / "p.yaml"
        p.write_text(body)
        with pytest.raises(PolicyError, match=msg):
            ReconcilePolicy.load(p)
    assert GradeConfig().contest_threshold == ReconcilePolicy.load("conservative", ROOT / "conf").grades.contest_threshold


# ---------------------------------------------------------------- the gold, from gold claims
@pytest.fixture(scope="module")
def gold_run():
    arts, _ = read_articles([ROOT / "data" / "examples"])
    gold = ROOT / "data" / "gold"
    cs = gold_claims(gold, arts)
    incs = gold_incidents(gold, cs)
    ind = SourceIndependence().fit(arts, cs)
    figs, grades = reconcile(cs, incs, [], ind, ReconcilePolicy.load("conservative", ROOT / "conf"))
    return gold, arts, cs, incs, ind, figs, grades


def test_gold_claims_reproduce_the_hand_coded_figures_and_grades(gold_run):
    gold, arts, cs, incs, ind, figs, grades = gold_run
    r = figure_scores(match_figures(figs, cs, None), gold)
    wrong = [(x["key"], x.get("best"), x.get("grade")) for x in r["rows"]
             if not (x.get("exact") and x.get("grade_ok") and x.get("sources_ok"))]
    assert r["n_gold"] == 21 and wrong == [] and r["extra"] == []
    assert r["coverage"] == 1.0
    g = grade_scores(match_incidents(grades, incs, cs, None), gold)
    assert g["accuracy"] == 1.0 and g["n_gold"] == 5
    s = syndication_scores(ind, gold)
    assert (s["precision"], s["recall"], s["direction_correct"]) == (1.0, 1.0, 3)


def test_gold_files_are_consistent(gold_run):
    gold, arts, cs, incs, ind, figs, grades = gold_run
    labels = {i.incident_id for i in incs}
    rows = [json.loads(line) for line in (gold / "figures.jsonl").read_text().splitlines()]
    for r in rows:
        assert r["incident"] in labels and r["reasoning"]
        assert r["low"] <= r["best"] <= (r["high"] if r["high"] is not None else INF)
        assert len(r["sources"]) == r["n_sources"]
        srcs = {c.source for c in cs if c.incident_id == r["incident"]
                and any(q.event == r["event"] and q.unit == r["unit"] for q in c.quantities)}
        assert set(r["sources"]) <= srcs | {"eastern-dispatch", "northern-ledger"}, r
    ids = {a.id for a in arts}
    for r in (json.loads(line) for line in (gold / "syndication.jsonl").read_text().splitlines()):
        assert {r["article_id"], r["original_id"]} <= ids
    assert {json.loads(line)["incident"] for line in (gold / "grades.jsonl").read_text().splitlines()} == labels


def test_figure_records_validate(gold_run):
    *_, figs, grades = gold_run
    for f in figs:
        assert validate_record("figures.jsonl", json.loads(json.dumps(f.to_dict()))) == []
    bad = dict(figs[0].to_dict(), best=figs[0].high + 1 if figs[0].high is not None else 1e9)
    assert "figures.jsonl: need low <= best <= high" in validate_record("figures.jsonl", bad)
    for g in grades:
        assert validate_record("grades.jsonl", g.to_dict()) == []


def test_gold_index_maps_sentences_to_gold_incidents(gold_run):
    gold, arts, cs, *_ = gold_run
    idx = GoldIndex(gold)
    c = claim("bt-002:3", "Border Telegraph", "x", "Local Telegram channels, however, reported that at least two "
              "people had died, citing residents of the affected villages.")
    assert idx.incident_of(c) == "belgorod-2024-01-02"
    assert idx.incident_of(claim("bt-002:99", "B", "x", "Nothing like this was said.")) is None
