"""Incident clustering: the estimator's contract, the time/place cases it exists for, blocking, HDBSCAN,
context filling, the bundled gold, and the incident store across runs."""
import json
from datetime import date, timedelta

import numpy as np
import pytest
from sklearn.base import clone

from discrep.io.store import IncidentStore, StoreError
from discrep.records.core import Claim
from discrep.stages.cluster import (
    IncidentClusterer,
    bcubed,
    build_incidents,
    context_fill,
    load_clusterer,
    salient_names,
)
from discrep.text.places import Gazetteer
from tests.conftest import ROOT, run_cli

D0 = date(2024, 1, 2)


def _unit(rng, n, d=16):
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _same_text(n=2, d=8):
    return np.ones((n, d), dtype=np.float32) / np.sqrt(d)


def test_clusterer_is_a_sklearn_estimator():
    k = IncidentClusterer(distance_threshold=0.8)
    assert clone(k).get_params()["distance_threshold"] == 0.8
    X = np.eye(3, dtype=np.float32)
    assert len(k.fit_predict(X)) == 3 and hasattr(k, "labels_") and k.n_clusters_ == 3
    with pytest.raises(ValueError, match="0 sample"):  # no items is an error, as for any estimator
        k.fit_predict(np.zeros((0, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="dates has 1 entries for 3 items"):
        k.fit(X, dates=[D0])


def test_configs_load_and_are_estimators():
    for name in ("agglomerative", "hdbscan", "documents"):
        k = load_clusterer(name)
        assert isinstance(k, IncidentClusterer) and clone(k).get_params() == k.get_params()
    assert load_clusterer("agglomerative").get_params() == IncidentClusterer().get_params() | {"method": "agglomerative"}


def test_same_place_a_week_apart_stay_apart():
    labels = IncidentClusterer().fit_predict(_same_text(), dates=[D0, D0 + timedelta(days=7)],
                                            places=[{"Kyiv"}, {"Kyiv"}])
    assert labels[0] != labels[1]


def test_same_day_different_city_identical_text_stay_apart():
    # two reports of the same kind of strike, word for word, on the same day in two cities
    k = IncidentClusterer()
    labels = k.fit_predict(_same_text(4), dates=[D0] * 4, places=[{"Odesa"}, {"Dnipro"}, {"Odesa"}, {"Dnipro"}])
    assert labels[0] == labels[2] and labels[1] == labels[3] and labels[0] != labels[1]


def test_multi_city_event_named_by_one_article_stays_one():
    # a nationwide strike: articles that name Kyiv and Lviv that day let their claims be one incident
    scopes = [{"Kyiv", "Lviv"}, {"Kyiv", "Lviv"}, {"Kyiv"}, {"Lviv", "Kyiv"}]
    labels = IncidentClusterer().fit_predict(_same_text(4), dates=[D0] * 4,
                                            places=[{"Kyiv"}, {"Lviv"}, {"Kyiv"}, {"Lviv"}], scopes=scopes)
    assert len(set(labels)) == 1
    # without that article's scope the two cities are a cannot-link
    labels = IncidentClusterer().fit_predict(_same_text(4), dates=[D0] * 4,
                                            places=[{"Kyiv"}, {"Lviv"}, {"Kyiv"}, {"Lviv"}])
    assert len(set(labels)) == 2


def test_wire_report_and_ministry_statement_join(embedder):
    texts = ["Russian missiles struck the port of Odesa on Friday, killing 21 people, officials said.",
             "The defence ministry said on Friday that its strike on Odesa port hit military targets.",
             "Russian missiles struck Kharkiv on Friday, killing 21 people, officials said."]
    X = embedder.encode(texts)
    labels = IncidentClusterer().fit_predict(X, dates=[D0] * 3, places=[{"Odesa"}, {"Odesa"}, {"Kharkiv"}])
    assert labels[0] == labels[1] != labels[2]


def test_documents_without_dates_or_places():
    rng = np.random.default_rng(0)
    centers = _unit(rng, 3)
    X = np.repeat(centers, 5, axis=0) + 0.05 * rng.normal(size=(15, 16)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    texts = [f"{name} said the earthquake in {place} was strong" for name, place in
             [("Ann Lee", "Chile")] * 5 + [("Bob Roe", "Peru")] * 5 + [("Cy Doe", "Japan")] * 5]
    k = load_clusterer("documents", distance_threshold=2.0)
    labels = k.fit_predict(X, dates=[None] * 15, places=None, entities=[salient_names(t) for t in texts], texts=texts)
    assert bcubed(np.repeat([0, 1, 2], 5), labels)[2] == 1.0
    assert salient_names("Lindsay Lohan checked in. Lohan said in 2013 that The Center helped.")[:4] == [
        "lindsay lohan", "lindsay", "lohan", "lohan"]


def test_blocked_fit_matches_exact_on_separable_data():
    rng = np.random.default_rng(1)
    centers = _unit(rng, 40, d=32)
    y = np.repeat(np.arange(40), 25)
    X = centers[y] + 0.02 * rng.normal(size=(1000, 32)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    dates = [D0 + timedelta(days=int(i // 4)) for i in y]  # ten incidents a day... four per day
    perm = rng.permutation(1000)
    X, y, dates = X[perm], y[perm], [dates[i] for i in perm]
    exact = IncidentClusterer(distance_threshold=0.5, block_size=5000).fit_predict(X, dates=dates)
    blocked = IncidentClusterer(distance_threshold=0.5, block_size=150).fit_predict(X, dates=dates)
    assert bcubed(y, exact)[2] == 1.0
    assert bcubed(y, blocked)[2] == 1.0
    # the same input in the same order gives the same labels
    assert (IncidentClusterer(distance_threshold=0.5, block_size=150).fit_predict(X, dates=dates) == blocked).all()


def test_hdbscan_keeps_noise_as_singletons():
    rng = np.random.default_rng(2)
    centers = _unit(rng, 2)
    X = np.vstack([centers[0] + 0.01 * rng.normal(size=(6, 16)), centers[1] + 0.01 * rng.normal(size=(6, 16)),
                   _unit(rng, 2)]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    k = load_clusterer("hdbscan")
    labels = k.fit_predict(X)
    assert (labels >= 0).all() and len(labels) == 14
    assert len(set(labels[:6])) == 1 and len(set(labels[6:12])) == 1 and labels[0] != labels[6]
    assert labels[12] != labels[13] and {labels[12], labels[13]}.isdisjoint(labels[:12])


def _claim(aid, i, text, places=(), d=None, kind="statement", published=D0):
    return Claim(claim_id=f"{aid}:{i}", article_id=aid, outlet="o", published=published, sentence=i, text=text,
                 source="o", places=list(places), date=d, kind=kind)


def test_context_fill_asides_silences_and_scope():
    gaz = Gazetteer.from_types({"Kyiv": "city", "Belgorod": "city", "Ukraine": "country", "Pecherskyi": "district"})
    cs = [_claim("a", 0, "Rockets hit Belgorod on Tuesday.", ["Belgorod"], D0),
          _claim("a", 1, "Russia had launched a huge attack on Ukraine a day earlier.", ["Ukraine"], D0 - timedelta(1)),
          _claim("a", 2, "Officials in Kyiv did not respond.", ["Kyiv"], kind="silence"),
          _claim("a", 3, "One person was killed.", []),
          _claim("b", 0, "Debris fell in the Pecherskyi district of Kyiv.", ["Pecherskyi"])]
    cs[-1].places = ["Pecherskyi"]
    ctx = context_fill(cs, gaz)
    assert ctx.dates == [D0, D0 - timedelta(1), D0, D0, D0]
    assert ctx.places[1] == set()  # the aside keeps only its own (country-level) place
    assert ctx.places[2] == {"Kyiv", "Belgorod"} and ctx.places[3] == {"Kyiv", "Belgorod"}
    assert ctx.places[4] == {"Pecherskyi"}
    assert ctx.scopes[0] == {"Belgorod", "Kyiv"}


@pytest.fixture(scope="module")
def gold_claims(extractor, embedder):
    from discrep.io.ingest import read_articles
    from discrep.training.data import _norm, read_jsonl

    arts, _ = read_articles([ROOT / "data" / "examples"])
    claims = [c for a in arts for c in extractor.extract(a)]
    gold: dict[str, list[dict]] = {}
    for g in read_jsonl(ROOT / "data" / "gold" / "claims.jsonl"):
        if not g.get("caption"):
            gold.setdefault(g["article_id"], []).append(g)
    labels = []
    for c in claims:
        t = _norm(c.text)
        m = next((g for g in gold.get(c.article_id, []) if _norm(g["sentence"]) in t or t in _norm(g["sentence"])), None)
        labels.append(m["incident"] if m else None)
    return claims, labels, embedder.encode([c.text for c in claims])


def test_gold_incidents(gold_claims):
    claims, labels, X = gold_claims
    ctx = context_fill(claims, Gazetteer.load(ROOT / "data" / "places.yaml"))
    pred = IncidentClusterer().fit_predict(X, dates=ctx.dates, places=ctx.places, scopes=ctx.scopes)
    keep = [i for i, lab in enumerate(labels) if lab]
    assert len(keep) >= 95
    p, r, f = bcubed([labels[i] for i in keep], pred[keep])
    assert f >= 0.9, (p, r, f)
    # the Kyiv and Kharkiv strikes of the same morning are separate incidents
    inc = {labels[i]: pred[i] for i in keep}
    assert len({inc["kyiv-2024-01-02"], inc["kharkiv-2024-01-02"], inc["belgorod-2024-01-02"]}) == 3
    incidents = build_incidents(claims, pred, ctx.dates, ctx.places)
    first = claims[labels.index("belgorod-2024-01-02")].claim_id
    title = next(i.title for i in incidents if first in i.claim_ids)
    assert title.startswith("Belgorod, 2024-01-02: ") and ("killed" in title or "shot down" in title), title


def test_store_joins_runs_and_is_deterministic(tmp_path, gold_claims):
    claims, labels, X = gold_claims
    ctx = context_fill(claims, Gazetteer.load(ROOT / "data" / "places.yaml"))
    first = [i for i, c in enumerate(claims) if c.article_id != "kharkiv-local"]
    second = [i for i, c in enumerate(claims) if c.article_id == "kharkiv-local"]
    k = IncidentClusterer()

    def run(store, idx):
        sub = type(ctx)([ctx.dates[i] for i in idx], [ctx.places[i] for i in idx], [ctx.scopes[i] for i in idx])
        lab, ids = store.assign([claims[i] for i in idx], X[idx], sub, k)
        return [ids[x] for x in lab]

    with IncidentStore(tmp_path / "a.sqlite", embedder="m") as st:
        ids1 = run(st, first)
        n1 = len(st)
        ids2 = run(st, second)
        kharkiv = {ids1[j] for j, i in enumerate(first) if labels[i] == "kharkiv-2024-01-02"}
        assert len(kharkiv) == 1 and set(ids2) == kharkiv  # the local paper's claims join the earlier incident
        assert len(st) == n1
        again = run(st, first)  # claims already stored keep their incident, nothing is added twice
        assert again == ids1 and len(st) == n1 and len(st.members()) == len(claims)
    with IncidentStore(tmp_path / "b.sqlite", embedder="m") as st:
        assert run(st, first) == ids1  # same input, same order, fresh store: same ids
    with pytest.raises(StoreError, match="built with embedder 'm'"):
        IncidentStore(tmp_path / "a.sqlite", embedder="other")
    with IncidentStore(tmp_path / "c.sqlite") as st:
        with pytest.raises(StoreError, match="w_lexical"):
            st.assign(claims[:2], X[:2], ctx, load_clusterer("documents"))


def test_score_twice_with_incident_store(trained_home, tmp_path):
    store = tmp_path / "incidents.sqlite"
    ex = ROOT / "data" / "examples"

    def score(inputs, out):
        r = run_cli(["score", *map(str, inputs), "--out", str(tmp_path / out), "--incidents", str(store), "--quiet"],
                    trained_home)
        assert r.returncode == 0, r.stderr[-3000:]
        return [json.loads(line) for line in (tmp_path / out / "incidents.jsonl").read_text().splitlines()]

    run1 = score([ex / "articles.jsonl"], "r1")
    run2 = score([ex / "kharkiv-local.txt"], "r2")
    ids1 = {i["incident_id"] for i in run1}
    assert len(run2) == 1 and run2[0]["incident_id"] in ids1
    assert run2[0]["incident_id"].startswith("2024-01-02-kharkiv-")
    assert json.loads((tmp_path / "r2" / "run.json").read_text())["incidents_in_store"] == len(run1)
