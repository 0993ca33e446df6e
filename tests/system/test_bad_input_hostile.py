"""Hostile input through a whole scoring run (issue 17: findings 5, 7, 8): run.json accounts for every
physical record, the first article is parsed once, and memory does not grow with rejects."""
import json
import tracemalloc

import pytest

from discrep.engines.files import score_files
from discrep.io.ingest import IngestDefaults
from tests.system.test_bad_input import BODY, TODAY, quick_pipeline


@pytest.fixture(scope="module")
def pipe():
    return quick_pipeline()


def _row(i, title="Strike on the city"):
    return f'{i},Wire,2024-01-0{1 + i % 9},{title},"{BODY} Report {i}."'


def test_a_stray_csv_quote_is_counted_in_read(tmp_path, pipe):
    """Before: 68 records in, run.json read 66: the row with the stray quote swallowed the next one."""
    rows = ["id,outlet,published,title,text"] + [_row(i) for i in range(1, 69)]
    rows[20] = f'20,Wire,2024-01-03,"Unterminated title,{BODY}'
    p = tmp_path / "feed.csv"
    p.write_text("\n".join(rows) + "\n")
    s = score_files([p], tmp_path / "out", pipeline=pipe, defaults=IngestDefaults(today=TODAY), quiet=True)
    assert s["read"] == 68 and s["rejected"] == 1 and s["rejected_by_code"] == {"bad_csv": 1}
    lines = [json.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_text().splitlines()]
    assert [x["input"] for x in lines if x["severity"] == "error"] == [f"{p}:21"]


def test_the_first_article_is_parsed_once(tmp_path, pipe, monkeypatch):
    """Before: the nothing-scorable pre-check parsed the first article, then the engine parsed it again."""
    import discrep.io.ingest as ingest

    calls = []
    real = ingest.html_to_text
    monkeypatch.setattr(ingest, "html_to_text", lambda h: calls.append(1) or real(h))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html").write_text("<html><head><title>Strike</title><meta name='author' content='Wire'>"
                                               "<meta name='date' content='2024-01-02'></head><body><p>"
                                               f"{BODY}</p></body></html>")
    s = score_files([tmp_path / "in"], tmp_path / "out", pipeline=pipe, defaults=IngestDefaults(today=TODAY),
                    quiet=True)
    assert s["scored"] == 1 and len(calls) == 1


def test_memory_does_not_grow_with_rejects(tmp_path, pipe):
    """Before: 1M ``{}`` lines + 1 article took 1.65 GB (rejects kept by the pre-check and the chunk buffer)."""
    p = tmp_path / "f.jsonl"
    good = json.dumps({"id": "a", "outlet": "Wire", "published": "2024-01-02", "title": "T", "text": BODY})
    p.write_text("{}\n" * 60_000 + good + "\n")
    tracemalloc.start()
    try:
        s = score_files([p], tmp_path / "out", pipeline=pipe, defaults=IngestDefaults(today=TODAY), quiet=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert s["read"] == 60_001 and s["scored"] == 1
    assert peak < 40_000_000, peak
