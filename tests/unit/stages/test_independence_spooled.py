"""Bounded source independence (SpooledIndependence) gives what SourceIndependence.fit gives, from spooled hashes."""
import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from discrep.io.ingest import read_articles
from discrep.records.core import Article
from discrep.stages.independence import ShingleSpool, SourceIndependence, SpooledIndependence, shingle_hashes, shingles
from discrep.training.synth import synth_articles
from tests.conftest import ROOT


def spooled_fit(tmp_path, articles, claims, chunk=5, **params):
    """Spool articles in chunks as the stream engine does, then fit from the files; counts what is read back."""
    folder = tmp_path / "spool"
    folder.mkdir(exist_ok=True)
    files = {n: open(folder / n, "wb") for n in ShingleSpool.FILES}
    k = params.get("shingle_size", 4)
    n_hash, row = 0, 0
    per_art = {a.id: [c for c in claims if c.article_id == a.id] for a in articles}
    for s in range(0, len(articles), chunk):
        arts = articles[s:s + chunk]
        hs = [shingle_hashes(a.text, k) for a in arts]
        counts = [len(per_art[a.id]) for a in arts]
        for name, b in ShingleSpool.records(hs, s, np.arange(s, s + len(arts)), n_hash, counts, row).items():
            files[name].write(b)
        n_hash += sum(len(h) for h in hs)
        row += sum(counts)
    for fh in files.values():
        fh.close()
    ordered = [c for a in articles for c in per_art[a.id]]
    reads = {"articles": [], "claims": []}

    def read_article(off):
        reads["articles"].append(off)
        return articles[off]

    def read_claims(r, n):
        reads["claims"].append((r, n))
        return ordered[r:r + n]

    ind = SpooledIndependence(**params).fit_spool(folder, len(articles), read_article, read_claims)
    return ind, reads


def assert_same(ref, ind, claims, articles):
    assert [s.to_dict() for s in ind.syndications_] == [s.to_dict() for s in ref.syndications_]
    ids = [a.id for a in articles]
    assert {tuple(sorted((ids[i], ids[j]))): c for (i, j), c in ind._edges().items()} == ref.pairs_
    for c in claims:
        assert ind.provenance(c).to_dict() == ref.provenance(c).to_dict(), c.claim_id
        assert ind.statement_key(c) == ref.statement_key(c)
    assert ind.duplicate_claim_pairs(claims) == ref.duplicate_claim_pairs(claims)


def test_shingle_hashes_are_the_shingle_sets_and_stable():
    texts = ["", "One two", "Killed four people", "Four people were killed, the governor said.",
             "a b c d a b c d a b c d e", "Ракета влучила в будинок, сказав губернатор."]
    for t in texts:
        h = shingle_hashes(t, 4)
        assert len(h) == len(shingles(t, 4)) and np.all(np.diff(h.astype(np.float64)) >= 0) or len(h) < 2
    # short texts (fewer than k words) are one shingle, not a prefix of a longer text's
    assert not set(shingle_hashes("one two three", 4)) & set(shingle_hashes("one two three four", 4))
    # stable across processes (Python's own str hash is salted per process)
    code = "from discrep.independence import shingle_hashes; print(shingle_hashes(%r, 4).tolist())" % texts[3]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert json.loads(out) == shingle_hashes(texts[3], 4).tolist()


def test_bundled_examples_same_as_in_memory(extractor, tmp_path):
    arts, _ = read_articles([ROOT / "data" / "examples"])
    claims = [c for a in arts for c in extractor.extract(a)]
    ref = SourceIndependence().fit(arts, claims)
    ind, reads = spooled_fit(tmp_path, arts, claims)
    assert len(ind.syndications_) == 3
    assert_same(ref, ind, claims, arts)
    # only the reprint groups' texts are read back, and only the originals' claims
    assert sorted(reads["articles"]) == sorted(i for i, a in enumerate(arts) if a.id in
                                                set(ind.original_of_) | set(ind.original_of_.values()))
    assert len(reads["claims"]) == len(set(ind.original_of_.values()))


def _reprinted_corpus(n):
    """Synthetic epochs (their figure-free sentences repeat) plus edited, credited and re-dated reprints."""
    arts = [Article(r["id"], r["outlet"], date.fromisoformat(r["published"]), r["title"], r["text"])
            for r in synth_articles(n)]
    extra = []
    for i, a in enumerate(arts[::5]):
        sents = a.text.split(". ")
        text = ". ".join(sents[:-1] if i % 2 else sents) + f" Reporting by {a.outlet}. Photo: the scene."
        extra.append(replace(a, id=f"{a.id}-copy", outlet=f"Reprint Weekly {i % 3}", text=text,
                             published=a.published + timedelta(days=i % 2)))
    # interleave so copies and originals fall in different chunks, some copies first
    out = []
    for i, a in enumerate(arts):
        out.append(a)
        if i % 3 == 0 and extra:
            out.insert(len(out) - (i % 2), extra.pop())
    return out + extra


@pytest.mark.parametrize("max_rows", [2_000_000, 300])
def test_generated_corpus_with_reprints_same_as_in_memory(extractor, tmp_path, max_rows):
    arts = _reprinted_corpus(42)
    claims = [c for a in arts for c in extractor.extract(a)]
    ref = SourceIndependence().fit(arts, claims)
    ind, _ = spooled_fit(tmp_path, arts, claims, chunk=7, max_rows=max_rows, cache_claims=50, cache_articles=2)
    assert len(ref.syndications_) > 20 and any(s.credited for s in ref.syndications_)
    assert_same(ref, ind, claims, arts)
    # max_rows=300 reads parts in several passes (the postings file of one part holds more)
    assert max(os.path.getsize(tmp_path / "spool" / n) // 12 for n in ShingleSpool.FILES[2:]) > 300


def test_boilerplate_over_max_postings_counts_in_containment_not_in_candidates(tmp_path):
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()
    boiler = " ".join(f"{w} {v}" for w in words for v in ("x", "y"))  # 32 words shared by every article
    story = [" ".join(f"s{i}w{j}" for j in range(30)) for i in range(6)]
    arts = [Article(f"a{i}", f"Outlet {i}", date(2024, 1, 2), "", f"{story[i]} {boiler}") for i in range(6)]
    # a7 shares only 6 words of a0's story: few candidate shingles, but the boilerplate lifts containment
    arts.append(Article("a7", "Outlet 7", date(2024, 1, 3), "", " ".join(story[0].split()[:6]) + f" {boiler}"))
    params = dict(max_postings=3)
    ref = SourceIndependence(**params).fit(arts, [])
    ind, _ = spooled_fit(tmp_path, arts, [], chunk=2, **params)
    assert [(s.article_id, s.original_id) for s in ref.syndications_] == [("a7", "a0")]
    assert ref.pairs_[("a0", "a7")] > 0.9  # the boilerplate's shingles count in |A ∩ B|
    assert_same(ref, ind, [], arts)
    # with the cap lifted, the boilerplate itself proposes every pair: all one story
    assert len(SourceIndependence().fit(arts, []).syndications_) == 6
    assert len(spooled_fit(tmp_path, arts, [], chunk=3)[0].syndications_) == 6


def test_unfitted_spooled_gives_each_claim_its_own_evidence(extractor):
    arts, _ = read_articles([ROOT / "data" / "examples"])
    c = next(c for a in arts for c in extractor.extract(a))
    assert SpooledIndependence().provenance(c).to_dict() == SourceIndependence().provenance(c).to_dict()
