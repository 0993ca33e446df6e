import numpy as np
import pytest

from discrep.classify import PairClassifier
from discrep.errors import ModelLoadError
from discrep.features import PairFeaturizer
from discrep.types import ClaimPair


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
