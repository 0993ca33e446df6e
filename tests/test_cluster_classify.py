"""Incident clustering (the pair classifier's tests are in test_classify.py)."""
from datetime import date

import numpy as np
from sklearn.base import clone

from discrep.cluster import IncidentClusterer


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
