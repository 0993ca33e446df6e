from datetime import date

import numpy as np
import pytest
from sklearn.base import clone

from discrep.classify import PairClassifier
from discrep.cluster import IncidentClusterer
from discrep.errors import ModelLoadError
from discrep.features import PairFeaturizer
from discrep.types import ClaimPair


def test_clusterer_is_a_sklearn_estimator():
    k = IncidentClusterer(distance_threshold=0.8)
    assert clone(k).get_params()["distance_threshold"] == 0.8
    X = np.eye(3, dtype=np.float32)
    assert len(k.fit_predict(X)) == 3 and hasattr(k, "labels_")


def test_same_place_a_week_apart_stay_apart():
    v = np.ones((2, 8), dtype=np.float32) / np.sqrt(8)
    labels = IncidentClusterer().fit_predict(v, dates=[date(2024, 1, 2), date(2024, 1, 9)],
                                            places=[{"Kyiv"}, {"Kyiv"}])
    assert labels[0] != labels[1]


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


def test_classifier_fit_predict_save_load(tmp_path, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=("numeric", "events", "polarity", "lexical", "meta")), calibration=None)
    clf.fit(pairs, y)
    assert set(clf.classes_) == set(y)
    P = clf.predict_proba(pairs)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert (clf.predict(pairs) == np.array(y)).mean() >= 0.9
    clf.save(tmp_path / "m")
    back = PairClassifier.load(tmp_path / "m")
    assert np.allclose(back.predict_proba(pairs), P)


def test_corrupt_model_gives_clear_error(tmp_path, extractor):
    pairs, y = _pairs(extractor)
    clf = PairClassifier(PairFeaturizer(groups=("numeric",)), calibration=None).fit(pairs, y)
    d = clf.save(tmp_path / "m")
    f = d / "classifier.skops"
    f.write_bytes(f.read_bytes()[:200])
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        PairClassifier.load(d)
