"""Results as flat tables: ScoreResult.to_pandas, ScoreResult.write and the Parquet/CSV formats (equal in content
to the JSONL files), on a hand-built result run through the graph's finish stage: no model."""
import json
import math
from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest

from discrep import graph
from discrep.io.tables import read_table
from discrep.records.core import Article, Claim, Discrepancy, Incident, Quantity, Reject
from discrep.records.result import TABLES
from discrep.records.tables import column_names, flatten, unflattened_keys
from discrep.stages.independence import SourceIndependence

IID = "belgorod"


def killed(n, text=None):
    return Quantity(value=n, low=n, high=n, unit="people", event="killed", text=text or str(n), qualifier="exact")


@pytest.fixture(scope="module")
def result():
    arts = [Article("bt-1", "Border Telegraph", date(2023, 12, 30), "Belgorod", "…", url="https://bt.example/1"),
            Article("kw-1", "Kyiv Wire, \"Service\"", date(2023, 12, 31), "Toll", "…", url=None)]

    def claim(cid, art, src, text, qs, party="russia", kind="statement", events=("killed",)):
        a = next(x for x in arts if x.id == art)
        return Claim(cid, art, a.outlet, a.published, int(cid[-1]), text, src, source_name="" if kind == "silence"
                     else src.title(), source_type="government", party=party, quantities=qs, events=list(events),
                     date=date(2023, 12, 30), places=["Belgorod"], kind=kind,
                     silent_source=src if kind == "silence" else None, incident_id=IID, url=a.url)

    c1 = claim("bt-1:0", "bt-1", "gladkov", "Gladkov said 25 people were killed, including 5 children.",
               [killed(25), Quantity(5, 5, 5, "children", "killed", "5", "exact")])
    c2 = claim("kw-1:0", "kw-1", "ru-emergencies", "The ministry said at least 18 were killed.",
               [Quantity(18, 18, math.inf, "people", "killed", "at least 18", "at_least")])
    c3 = claim("kw-1:1", "kw-1", "ua-officials", "Ukrainian officials declined to comment on the attack.", [],
               party="ukraine", kind="silence", events=("attack",))
    claims = [c1, c2, c3]
    judged = [Discrepancy(IID, "gladkov", "ru-emergencies", "agree", 0.81, "killed: 25 vs ≥18 — compatible", c1, c2,
                          {"agree": 0.81, "contradict": 0.19, "neutral": 0.0, "unreported": 0.0}, "killed/people"),
              Discrepancy(IID, "gladkov", "ua-officials", "unreported", 0.9, "killed: 25 vs nothing", c1, c3,
                          {"agree": 0.0, "contradict": 0.0, "neutral": 0.2, "unreported": 0.7}, "killed/people"),
              Discrepancy(IID, "ru-emergencies", "ua-officials", "unreported", 0.6, "killed: ≥18 vs nothing", c2, None,
                          {"agree": 0.1, "contradict": 0.0, "neutral": 0.3, "unreported": 0.6}, "killed/people")]
    inc = Incident(IID, "Belgorod, 2023-12-30: 25 killed", date(2023, 12, 30), date(2023, 12, 30), ["Belgorod"],
                   ["gladkov", "ru-emergencies", "ua-officials"], [c.claim_id for c in claims])
    parts = graph.Parts(SimpleNamespace(places_path=None, registry=None), None, None)
    res = graph.finish(parts, claims, [inc], judged, SourceIndependence().fit(arts, claims))
    res.articles = arts
    res.rejects = [Reject("feed.jsonl:3", "missing required field(s): title", "x9", "error", "missing_field"),
                   Reject("feed.jsonl:4", "text held HTML markup; converted", "", "warning", "html_in_text")]
    assert res.figures and res.grades and res.provenance  # every kind of column is exercised
    return res


def test_to_pandas_gives_one_flat_frame_per_table(result):
    dfs = result.to_pandas()
    assert list(dfs) == list(TABLES)
    for name, df in dfs.items():
        assert list(df.columns) == column_names(name)
        assert len(df) == len(result.tables()[name])
        for r in result.tables()[name]:
            assert unflattened_keys(name, r.to_dict()) == set(), name  # no field is lost
    d = dfs["discrepancies"]
    arts = {a.id: a for a in result.articles}
    for row, rec in zip(d.itertuples(), result.discrepancies):
        a = arts[row.article_id_a]
        assert (row.outlet_a, row.published_a, None if pd.isna(row.url_a) else row.url_a, row.text_a) == (
            a.outlet, a.published.isoformat(), a.url, rec.claim_a.text)
        assert row.claim_id_a == rec.claim_a.claim_id and row.p_unreported == rec.proba["unreported"]
    agree, silent, alone = d.itertuples()
    assert (agree.outlet_b, agree.published_b, agree.text_b) == ("Kyiv Wire, \"Service\"", "2023-12-31",
                                                                "The ministry said at least 18 were killed.")
    assert pd.isna(agree.url_b) and pd.isna(agree.salience)  # kw-1 has no URL; agreements have no salience
    assert silent.text_b.startswith("Ukrainian officials declined") and silent.salience > alone.salience
    assert pd.isna(alone.claim_id_b) and pd.isna(alone.outlet_b)
    assert dfs["claims"]["places"].iloc[0] == ["Belgorod"]  # lists stay lists
    assert dfs["claims"]["quantities"].iloc[1][0]["high"] is None  # records stay records ("at least": no bound)


def test_parquet_and_csv_hold_what_jsonl_holds(result, tmp_path):
    runs = {fmt: result.write(tmp_path / fmt, format=fmt, model_uri="test") for fmt in ("jsonl", "parquet", "csv")}
    assert {fmt: s["format"] for fmt, s in runs.items()} == {"jsonl": "jsonl", "parquet": "parquet", "csv": "csv"}
    for fmt in runs:
        tables = sorted(p.name for p in (tmp_path / fmt).iterdir() if p.name not in ("report.html", "run.json"))
        assert tables == sorted(f"{t}.{fmt}" for t in TABLES)  # one format, no JSONL left behind
    for name in TABLES:
        want = rows(read_table(tmp_path / "jsonl" / f"{name}.jsonl"))
        assert want == [flatten(name, json.loads(json.dumps(r.to_dict()))) for r in result.tables()[name]]
        for fmt in ("parquet", "csv"):
            assert rows(read_table(tmp_path / fmt / f"{name}.{fmt}")) == want, (name, fmt)
    assert runs["csv"]["counts"] == runs["jsonl"]["counts"]


def rows(df):
    """A frame's rows as plain values: NaN is None, numpy arrays are lists, floats that are integers compare
    equal to ints (JSON writes 25, Parquet 25.0)."""
    def plain(v):
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, float) and math.isnan(v):
            return None
        return v
    return [{k: plain(v) for k, v in r.items()} for r in df.to_dict("records")]


def test_csv_keeps_empty_strings_apart_from_missing_values(result, tmp_path):
    result.write(tmp_path, format="csv")
    rej = read_table(tmp_path / "rejects.csv")
    assert rej["id"].tolist()[1] == "" and read_table(tmp_path / "claims.csv")["silent_source"].isna().tolist()[:2] == \
        [True, True]


def test_write_with_min_salience_leaves_out_less_salient_unreported_rows(result, tmp_path):
    cut = max(d.salience for d in result.discrepancies if d.salience is not None)
    summary = result.write(tmp_path, min_salience=cut)
    kept = [json.loads(line) for line in (tmp_path / "discrepancies.jsonl").read_text().splitlines()]
    assert [(d["label"], d["source_a"]) for d in kept] == [("agree", "gladkov"), ("unreported", "gladkov")]
    assert summary["counts"]["discrepancies"] == 2 and summary["min_salience"] == cut
    assert len(result.discrepancies) == 3  # the result itself is not changed


def test_discrepancy_records_read_back_with_salience_and_both_sides(result):
    for d in result.discrepancies:
        back = Discrepancy.from_dict(json.loads(json.dumps(d.to_dict())))
        assert back.to_dict() == d.to_dict()
        assert (back.claim_a.outlet, back.claim_a.url, back.claim_a.published) == (
            d.claim_a.outlet, d.claim_a.url, d.claim_a.published)
