"""The one reader of places.yaml: what each stage got from its own reader before, from one cached Gazetteer."""
import os

import yaml

from discrep.model.features import local_places
from discrep.records.core import Claim
from discrep.stages.cluster import context_fill
from discrep.stages.extract import ClaimExtractor
from discrep.text.places import SPECIFIC_PLACE_TYPES, Gazetteer
from tests.conftest import ROOT

PLACES = ROOT / "data" / "places.yaml"


def _raw(path) -> dict:
    return yaml.safe_load(open(path, encoding="utf-8"))["places"]


def _claim(places):
    return Claim(claim_id="a:0", article_id="a", outlet="o", published=None, sentence=0, text="t", source="o",
                 places=list(places))


def _declared(spec):
    return spec.get("type") if isinstance(spec, dict) else None


def test_packaged_file_gives_what_each_old_reader_gave():
    raw = _raw(PLACES)
    g = Gazetteer.load(PLACES)
    # the model's and the API's countries: typed "country"
    assert g.countries == {k for k, v in raw.items() if _declared(v) == "country"}
    # reconciliation's place types: "" for a place the file gives no type
    assert g.types == {k: _declared(v) or "" for k, v in raw.items()}
    # the clusterer's specific places: an untyped place counts as a city
    assert {k for k in raw if g.specific(k)} == {k for k, v in raw.items()
                                                 if (_declared(v) or "city") in SPECIFIC_PLACE_TYPES}
    # the extractor's names: every canonical name and alias, lower-cased, a later place winning a shared alias
    alias = {}
    for k, v in raw.items():
        alias[k.lower()] = k
        for a in (v.get("aliases") if isinstance(v, dict) else v) or []:
            alias[str(a).lower()] = k
    assert g.alias == alias
    assert Gazetteer.load() is g  # the packaged file is the default, read once


def test_odd_entries_keep_each_consumers_default(tmp_path):
    """The old shape (name -> aliases) and an entry without a type: a city to the clusterer, no type to reconcile."""
    p = tmp_path / "places.yaml"
    p.write_text("places:\n  Oldtown: [Old Town]\n  Nowhere: {aliases: []}\n"
                 "  Sumy: {type: city, country: Ukraine}\n  Ukraine: {type: country, demonym: Ukrainian}\n"
                 "  Donbas: {type: region, country: Ukraine}\n", encoding="utf-8")
    g = Gazetteer.load(p)
    assert g.types == {"Oldtown": "", "Nowhere": "", "Sumy": "city", "Ukraine": "country", "Donbas": "region"}
    assert [n for n in g.types if g.specific(n)] == ["Oldtown", "Nowhere", "Sumy"]
    assert g.countries == {"Ukraine"} and g.country_of("Sumy") == "Ukraine" and not g.is_country("Oldtown")
    assert g.alias["old town"] == "Oldtown"
    assert [h.name for h in g.find("Strikes on Old Town and Ukrainian cities")] == ["Oldtown", "Ukraine"]


def test_every_stage_shares_one_object_and_an_edited_file_is_read_again(tmp_path, monkeypatch):
    p = tmp_path / "places.yaml"
    p.write_text("places:\n  Kyiv: {type: city}\n  Ukraine: {type: country}\n", encoding="utf-8")
    g = Gazetteer.load(p)
    monkeypatch.chdir(tmp_path)
    assert Gazetteer.load("places.yaml") is g and Gazetteer.load(str(p)) is g  # keyed by the resolved path
    ex = ClaimExtractor(places_path=str(p))
    assert ex.gazetteer is g
    ctx = context_fill([_claim(["Kyiv", "Ukraine"])], Gazetteer.load(ex.places_path))
    assert ctx.places == [{"Kyiv"}]

    p.write_text("places:\n  Kyiv: {type: city}\n  Ukraine: {type: country}\n  Poland: {type: country}\n",
                 encoding="utf-8")
    st = os.stat(p)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a coarse clock must not hide the edit
    g2 = Gazetteer.load(p)
    assert g2 is not g and g2.countries == {"Ukraine", "Poland"} and g2.types["Poland"] == "country"
    assert Gazetteer.load(p) is g2


def test_a_missing_file_is_an_empty_gazetteer(tmp_path):
    missing = tmp_path / "none.yaml"
    g = Gazetteer.load(missing)
    assert (g.places, g.types, g.countries, g.alias, g.find("Kyiv was hit")) == ({}, {}, frozenset(), {}, [])
    assert g.specific("Kyiv")  # untyped: a city, as the clusterer's reader said
    assert Gazetteer.load(missing).types == {}
    assert ClaimExtractor(places_path=str(missing)).gazetteer.places == {}


def test_features_use_the_packaged_countries():
    raw = _raw(PLACES)
    names = sorted(raw)
    c = _claim(names)
    assert local_places(c) == {k for k in names if _declared(raw[k]) != "country"} != set(names)
