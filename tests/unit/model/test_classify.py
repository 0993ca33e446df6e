"""Pair features, the pair classifier, synthetic/FNC data helpers and compare()'s aggregator."""
import math

import numpy as np
import pytest
from sklearn.base import clone

from discrep.api import compare
from discrep.errors import ModelLoadError
from discrep.model.classifier import PairClassifier
from discrep.model.embedder import HashingEmbedder
from discrep.model.features import (
    NUMERIC_NAMES,
    STRUCT_NAMES,
    PairFeaturizer,
    numeric_features,
    quantities,
    reason,
    scope,
)
from discrep.model.stance import DOC_FEATURES, StanceAggregator
from discrep.records.core import ClaimPair
from discrep.training.data import KIND_LABELS, fnc_pairs, story_folds, synthetic_pairs
from tests.conftest import need_shared

STRUCT = ("numeric", "events", "polarity", "lexical", "meta")


def num(extractor, a, b, focus_event=None, focus_unit=None):
    ca, cb = extractor.extract_sentence(a), extractor.extract_sentence(b)
    focus = None
    if focus_event:
        focus = next(q for q in quantities(ca) if q.event == focus_event and (focus_unit is None or q.unit == focus_unit))
    return dict(zip(NUMERIC_NAMES, numeric_features(ca, cb, focus)))


def test_qualified_figures_conflict_or_agree_as_intervals(extractor):
    f = num(extractor, "The governor said three people were killed.", "Officials said at least five people were killed.")
    assert f["num_conflict"] == 1 and f["num_compatible"] == 0
    f = num(extractor, "At least 20 people were killed, officials said.", "The mayor said 26 people were killed.")
    assert f["num_compatible"] == 1 and f["num_conflict"] == 0
    f = num(extractor, "Dozens of people were injured in the strike.", "The strike injured 43 people.")
    assert f["num_compatible"] == 1


def test_figures_of_different_places_or_scopes_are_not_a_conflict(extractor):
    f = num(extractor, "One person was killed in Lviv, the governor said.", "Three people were killed in Kyiv, the mayor said.")
    assert f["num_has_match"] == 1 and f["num_place_blocked"] == 1 and f["num_conflict"] == 0
    f = num(extractor, "At least 30 people were killed nationwide, the emergency service said.",
            "In the capital alone, five people were killed, the mayor said.")
    assert f["num_scope_blocked"] == 1 and f["num_conflict"] == 0
    # same place: the conflict stands
    f = num(extractor, "One person was killed in Kyiv, the governor said.", "Three people were killed in Kyiv, the mayor said.")
    assert f["num_conflict"] == 1


def test_scope_words(extractor):
    assert scope(extractor.extract_sentence("At least 39 people were killed across the country.")) == "national"
    assert scope(extractor.extract_sentence("In Kyiv, three people were killed.")) == "local"
    assert scope(extractor.extract_sentence("Three people were killed, officials said.")) is None


def test_subgroup_is_not_compared_with_the_total(extractor):
    a = "At least 18 people, including two children, were killed, the ministry said."
    b = "The number of people killed in the attack has risen to 25, including five children, the governor said."
    cb = extractor.extract_sentence(b)
    assert {(q.event, q.unit, q.low) for q in quantities(cb)} == {("killed", "people", 25.0), ("killed", "children", 5.0)}
    assert num(extractor, a, b, "killed", "people")["num_compatible"] == 1       # ≥18 vs 25
    assert num(extractor, a, b, "killed", "children")["num_conflict"] == 1       # 2 vs 5
    # drones are not missiles
    f = num(extractor, "Russia fired 122 missiles and 36 drones.", "Russia launched 40 drones overnight.", "launched", "missiles")
    assert f["num_has_match"] == 0


def test_missing_people_are_not_a_death_count(extractor):
    c = extractor.extract_sentence("The death toll climbed to 30, with dozens of residents still unaccounted for.")
    assert [(q.event, q.low) for q in quantities(c)] == [("killed", 30.0)]


def test_reason_names_figures_and_sources(extractor):
    a = extractor.extract_sentence("The governor said one person was killed.", source="gladkov")
    b = extractor.extract_sentence("Local channels said at least two people died.", source="local-telegram")
    r = reason(a, b, "contradict")
    assert "1 (gladkov)" in r and "≥2 (local-telegram)" in r and "conflict" in r
    c = extractor.extract_sentence("Three people were killed in Lviv.", source="x")
    d = extractor.extract_sentence("One person was killed in Kyiv.", source="y")
    assert "different places" in reason(c, d, "neutral")


def test_featurizer_names_match_columns(extractor):
    fz = PairFeaturizer(groups=("embedding",) + STRUCT, embedder=HashingEmbedder(32), embedding_mode="cosine")
    pairs = [ClaimPair(extractor.extract_sentence("Two people were killed."), None, "a", "b")]
    X = fz.fit(pairs).transform(pairs)
    assert X.shape[1] == len(fz.feature_names()) == 1 + sum(len(STRUCT_NAMES[g]) for g in STRUCT)
    with pytest.raises(ValueError, match="unknown feature groups"):
        PairFeaturizer(groups=("nope",)).fit(pairs)


def _pairs(extractor):
    base = [("The governor said three people were killed.", "Officials said at least five people were killed.", "contradict"),
            ("The governor said three people were killed.", "Officials said three people were killed.", "agree"),
            ("The ministry said 17 rockets were shot down.", "Air defences downed 40 rockets, officials said.", "contradict"),
            ("The ministry said 17 rockets were shot down.", "Seventeen rockets were intercepted, the ministry said.", "agree"),
            ("The mayor said 20 people were injured.", "The mayor declined to comment.", "unreported"),
            ("The mayor said 20 people were injured.", "Schools will reopen next week.", "neutral")]
    pairs, y = [], []
    for _ in range(4):
        for a, b, lab in base:
            pairs.append(ClaimPair(extractor.extract_sentence(a), extractor.extract_sentence(b), "a", "b"))
            y.append(lab)
    return pairs, y


def test_classifier_is_a_sklearn_estimator():
    clf = PairClassifier(calibration="isotonic", cv=4, threads=None)
    p = clone(clf).get_params()
    assert p["calibration"] == "isotonic" and p["cv"] == 4 and p["threads"] is None


def test_classifier_fit_predict_save_load(tmp_path, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=STRUCT), calibration=None, aggregator=StanceAggregator(calibration=None))
    clf.fit(pairs, y)
    assert set(clf.classes_) == set(y)
    P = clf.predict_proba(pairs)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert (clf.predict(pairs) == np.array(y)).mean() >= 0.9
    # a stance aggregator travels with the model
    rng = np.random.default_rng(0)
    Xd = rng.normal(size=(40, len(DOC_FEATURES)))
    yd = np.array(["agree", "contradict", "neutral", "unreported"] * 10)
    Xd[:, 0] += (yd == "agree") * 3
    clf.fit_aggregator(Xd, yd)
    clf.save(tmp_path / "m")
    back = PairClassifier.load(tmp_path / "m")
    assert np.allclose(back.predict_proba(pairs), P)
    assert np.allclose(back.aggregator_.predict_proba(Xd), clf.aggregator_.predict_proba(Xd))


def test_corrupt_model_gives_clear_error(tmp_path, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=("numeric",)), calibration=None).fit(pairs, y)
    d = clf.save(tmp_path / "m")
    f = d / "classifier.skops"
    f.write_bytes(f.read_bytes()[:200])
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        PairClassifier.load(d)


def test_synthetic_pairs_are_labelled_by_construction(extractor, root):
    from discrep.training.data import read_jsonl

    seeds = read_jsonl(root / "data" / "train" / "claims.jsonl")
    ps = synthetic_pairs(seeds, extractor, per_claim=6, seed=1)
    assert len(ps) > 500 and set(ps.kinds) <= set(KIND_LABELS)
    assert all(KIND_LABELS[k] == lab for k, lab in zip(ps.kinds, ps.labels))
    by_kind = {}
    for p, k in zip(ps.pairs, ps.kinds):
        by_kind.setdefault(k, []).append(p)
    # a changed figure conflicts / stays within bounds, measured on the focused figure
    conf = [numeric_features(p.a, p.b, p.focus)[NUMERIC_NAMES.index("num_conflict")] for p in by_kind["contradict_number"]]
    agree = [numeric_features(p.a, p.b, p.focus)[NUMERIC_NAMES.index("num_compatible")] for p in by_kind["agree_within"]]
    assert np.mean(conf) >= 0.9 and np.mean(agree) >= 0.9
    # another place / scope is never a numeric conflict
    for k in ("neutral_place", "neutral_scope"):
        for p in by_kind.get(k, []):
            assert numeric_features(p.a, p.b, p.focus)[NUMERIC_NAMES.index("num_conflict")] == 0, (p.a.text, p.b.text)
    with pytest.raises(ValueError, match="unknown synthetic pair kinds"):
        synthetic_pairs(seeds[:3], extractor, kinds={"contradict_place": 1.0})


def test_story_folds_never_split_a_story():
    stories = ["s1|s1", "s1|s2", "s2|s2", "s3|s3", "s3|s1"]
    f = story_folds(stories, 3)
    fold_of = {}
    for pair, k in zip(stories, f):
        if k >= 0:
            for s in pair.split("|"):
                assert fold_of.setdefault(s, k) == k
        else:
            a, b = pair.split("|")
            assert a != b


def test_fnc_loader_maps_labels_and_stories():
    folder = need_shared("data/fnc1-dev")
    s = fnc_pairs(folder, limit=300)
    assert len(s) == 300 and set(s.labels) <= {"agree", "contradict", "neutral", "unreported"}
    assert all("|" in x for x in s.stories)


class _Pipe:
    def __init__(self, extractor, clf):
        self.extractor, self.classifier, self.embedder = extractor, clf, clf.featurizer_.embedder


def test_compare_aligns_and_explains(extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=("embedding",) + STRUCT, embedder=HashingEmbedder(64),
                                        embedding_mode="cosine"), calibration=None).fit(pairs, y)
    pipe = _Pipe(extractor, clf)
    text = ("Schools in the city were closed on Monday. The regional governor said at least five people were "
            "killed in the strike. Trains ran as usual.")
    r = compare("Officials said three people were killed in the strike.", text, pipeline=pipe)
    assert r.label == "contradict" and "killed" in r.reason and r.evidence[0].startswith("The regional governor")
    assert math.isclose(sum(r.proba.values()), 1.0, abs_tol=1e-6)
    r = compare("Officials said three people were killed.", "", pipeline=pipe)
    assert r.label == "unreported"


def test_interval_rule_overrides_a_contradiction_between_compatible_figures(extractor):
    """"several homes" [3, 9] and "up to five homes" [1, 5] overlap: never a contradiction, whatever the model says."""
    from discrep.api import DiscrepPipeline
    from discrep.stages.verdict import interval_compatible

    a = extractor.extract_sentence("According to the governor, several homes were damaged by debris.")
    b = extractor.extract_sentence("According to local channels, up to five houses were damaged.")
    c = extractor.extract_sentence("According to local channels, twelve houses were damaged.")
    assert interval_compatible(ClaimPair(a, b, "gov", "ch"))
    assert not interval_compatible(ClaimPair(a, c, "gov", "ch"))

    class AlwaysContradict:
        def proba_frame(self, pairs):
            return [{"agree": 0.3, "contradict": 0.6, "neutral": 0.05, "unreported": 0.05} for _ in pairs]

        def explain(self, pair, label):
            return reason(pair.a, pair.b, label)

    pipe = DiscrepPipeline(extractor=extractor, embedder=HashingEmbedder(), classifier=AlwaysContradict())
    d1, d2 = pipe.compare_pairs([ClaimPair(a, b, "gov", "ch"), ClaimPair(a, c, "gov", "ch")])
    assert d1.label == "agree" and "interval rule" in d1.reason and abs(d1.score - 0.9) < 1e-9
    assert d2.label == "contradict"
    pipe.interval_guard = False
    assert pipe.compare_pairs([ClaimPair(a, b, "gov", "ch")])[0].label == "contradict"


def test_claim_memo_derives_once_per_claim_and_changes_no_feature(extractor, root, monkeypatch):
    """Pair scoring shares per-claim work across the pairs of a batch; the features must not notice."""
    import json

    import discrep.model.features as F

    claims = [extractor.extract_sentence(json.loads(line)["text"])
              for line in (root / "data" / "train" / "claims.jsonl").read_text().splitlines()[:40]]
    pairs = [ClaimPair(a, b, "x", "y") for a in claims[:20] for b in claims[20:]]
    fz = PairFeaturizer(groups=STRUCT).fit(pairs)
    one_by_one = np.vstack([fz.transform([p]) for p in pairs])  # no sharing between pairs
    calls = []
    orig = F._quantities
    monkeypatch.setattr(F, "_quantities", lambda c: calls.append(id(c)) or orig(c))
    together = fz.transform(pairs)
    assert np.array_equal(together, one_by_one)
    assert len(calls) == len(set(calls)) == 40  # each claim's figures derived once, not once per pair
    monkeypatch.setattr(F, "_quantities", orig)
    outside = [reason(p.a, p.b, "contradict") for p in pairs]
    with F.claim_memo():
        assert [reason(p.a, p.b, "contradict") for p in pairs] == outside
