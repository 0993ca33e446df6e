"""Stages by scikit-learn's conventions: the incident clusterer passes ``parametrize_with_checks``; the claim
extractor stores its parameters untouched and reads its data files on first use, not when built or cloned."""
from datetime import date

import pytest
from sklearn.base import clone
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

from discrep.errors import InputError
from discrep.records.core import Article
from discrep.stages import extract
from discrep.stages.cluster import IncidentClusterer
from discrep.stages.extract import ClaimExtractor
from discrep.stages.guard import extract_guarded
from tests.conftest import ROOT

SOURCES, PLACES = str(ROOT / "data" / "sources.yaml"), str(ROOT / "data" / "places.yaml")
TEXT = "Governor Oleh Syniehubov said three people were killed in Kharkiv on Monday."


@parametrize_with_checks([IncidentClusterer(), IncidentClusterer(method="hdbscan")])
def test_incident_clusterer_passes_sklearn_checks(estimator, check):
    """``documents`` (w_lexical > 0) is left out: it needs ``texts=`` beside X, which the checks do not pass."""
    check(estimator)


@pytest.mark.parametrize("check", [ec.check_estimator_cloneable, ec.check_no_attributes_set_in_init,
                                   ec.check_get_params_invariance, ec.check_set_params,
                                   ec.check_parameters_default_constructible, ec.check_estimator_repr,
                                   ec.check_do_not_raise_errors_in_init_or_set_params], ids=lambda c: c.__name__)
def test_claim_extractor_passes_the_api_checks(check):
    check("ClaimExtractor", ClaimExtractor(sources_path=SOURCES, places_path=PLACES))


@pytest.fixture
def reads(monkeypatch):
    """Paths the extractor's registry and gazetteer were read from, in order."""
    seen = []
    for cls, name in ((extract.SourceRegistry, "from_yaml"), (extract.Gazetteer, "load")):
        load = getattr(cls, name).__func__

        def counted(klass, path=None, _load=load):
            seen.append(path)
            return _load(klass, path)

        monkeypatch.setattr(cls, name, classmethod(counted))
    return seen


def test_extractor_reads_its_files_on_first_use_once(reads):
    ex = ClaimExtractor(sources_path=SOURCES, places_path=PLACES)
    twin = clone(ex)
    assert twin.get_params() == ex.get_params() and repr(twin) == repr(ex)
    assert reads == []  # building, get_params, clone and repr read nothing
    a = ex.extract_sentence(TEXT)
    assert sorted(reads) == sorted([SOURCES, PLACES])
    ex.extract_sentence(TEXT)
    assert len(reads) == 2  # kept by the extractor
    assert a.source == "syniehubov" and "Kharkiv" in a.places  # read from both files
    ex.set_params(places_path=str(ROOT / "missing-places.yaml"))  # a changed path is read again
    assert "Kharkiv" not in ex.extract_sentence(TEXT).places and len(reads) == 3


def test_a_broken_registry_fails_the_run_not_each_article(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - {id: gov}\n", encoding="utf-8")
    ex = ClaimExtractor(sources_path=str(bad))  # builds: the file is read on first use
    with pytest.raises(InputError, match="needs at least an id and a name"):
        extract_guarded(ex, [Article("a1", "Wire", date(2024, 1, 2), "T", TEXT)])
