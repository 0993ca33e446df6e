"""read_articles on records held in memory: a pandas DataFrame, a list of dicts, a datasets.Dataset — the same
articles as from the JSONL file, with the same checks and rejects naming the row."""
import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from discrep.errors import InputError
from discrep.io.ingest import IngestDefaults, iter_articles, read_articles


@pytest.fixture(scope="module")
def rows(root):
    with open(root / "data" / "examples" / "articles.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


@pytest.fixture(scope="module")
def from_file(root):
    arts, rejects = read_articles([root / "data" / "examples" / "articles.jsonl"])
    assert arts and not rejects
    return arts


def same(arts, want):
    """Articles equal but for ``origin`` (where they came from)."""
    return [replace(a, origin=None) for a in arts] == [replace(a, origin=None) for a in want]


def test_a_dataframe_gives_the_files_articles(rows, from_file):
    df = pd.DataFrame(rows)
    df["published"] = pd.to_datetime(df["published"])  # as a notebook would have it: timestamps, not strings
    arts, rejects = read_articles(df)
    assert rejects == []
    assert same(arts, from_file)
    assert [a.origin for a in arts[:2]] == ["dataframe[0]", "dataframe[1]"]


def test_dataframe_rows_are_checked_like_file_records(rows):
    recs = [dict(r) for r in rows[:3]] + [dict(rows[0])]  # the last: a duplicate id
    del recs[2]["url"]  # pandas fills the missing cell with NaN: no URL, not a float
    df = pd.DataFrame(recs, index=["r1", "r2", "r3", "r4"])
    df.loc["r2", "title"] = float("nan")  # a missing cell (NaN) is a missing field
    assert df["url"].isna().tolist() == [False, False, True, False]
    arts, rejects = read_articles(df)
    assert [a.id for a in arts] == [rows[0]["id"], rows[2]["id"]]
    assert arts[1].url is None
    assert [(r.input, r.code) for r in rejects] == [("dataframe[r2]", "missing_field"), ("dataframe[r4]", "duplicate_id")]


def test_a_list_of_dicts_and_one_dict(rows, from_file):
    arts, rejects = read_articles(rows)
    assert rejects == [] and same(arts, from_file)
    assert arts[0].origin == "records[0]"
    one, rej = read_articles(rows[0])
    assert rej == [] and same(one, from_file[:1])
    bad, rej = read_articles([rows[0], "not a record"])
    assert len(bad) == 1 and [(r.input, r.code) for r in rej] == [("records[1]", "not_an_object")]


def test_a_datasets_dataset(rows, from_file):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list(rows)
    arts, rejects = read_articles(ds)
    assert rejects == [] and same(arts, from_file)
    assert arts[-1].origin == f"dataset[{len(rows) - 1}]"
    with pytest.raises(InputError, match="pass one"):
        read_articles(datasets.DatasetDict({"train": ds, "test": ds}))


def test_defaults_fill_what_the_table_lacks(rows):
    df = pd.DataFrame(rows)[["id", "title", "text"]]
    arts, rejects = read_articles(df, IngestDefaults(outlet="Archive", published=date(2024, 1, 2)))
    assert rejects == [] and {a.outlet for a in arts} == {"Archive"} and {a.published for a in arts} == {date(2024, 1, 2)}


def test_paths_still_read_as_paths(root, from_file):
    one = str(root / "data" / "examples" / "articles.jsonl")
    assert same(read_articles(one)[0], from_file)  # a single path, not its characters
    assert [type(x).__name__ for x in iter_articles(pd.DataFrame(columns=["id", "text"]))] == ["Reject"]
