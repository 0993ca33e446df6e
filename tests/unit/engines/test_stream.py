"""The streaming engine: same results as the in-memory pipeline, bounded blocks, resumable state."""
import json
import re
from datetime import date

import numpy as np
import pytest

from discrep.api import DiscrepPipeline
from discrep.engines.stream import StreamConfig, StreamScorer
from discrep.io.ingest import read_articles
from discrep.io.output import validate_dir
from discrep.model.classifier import PairClassifier
from discrep.model.embedder import HashingEmbedder
from discrep.model.features import PairFeaturizer
from discrep.records.codec import claim_from_dict, claim_from_json, claim_to_json
from discrep.records.core import ClaimPair
from discrep.stages.blocks import plan_blocks, plan_units
from discrep.training.synth import synth_articles, write_corpus
from tests.conftest import ROOT

NAMES = ("claims.jsonl", "incidents.jsonl", "discrepancies.jsonl", "source_pairs.jsonl", "rejects.jsonl",
         "figures.jsonl", "grades.jsonl", "syndication.jsonl", "provenance.jsonl")


@pytest.fixture(scope="module")
def fast_pipe(extractor):
    return _fast_pipeline(extractor)


def _fast_pipeline(extractor=None):
    """A real pipeline with a model-free embedder and a small classifier: tests the engine, not the model."""
    if extractor is None:
        from discrep.stages.extract import ClaimExtractor

        extractor = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                                   places_path=str(ROOT / "data" / "places.yaml"))
    base = [("The governor said three people were killed.", "Officials said at least five people were killed.", "contradict"),
            ("The governor said three people were killed.", "Officials said three people were killed.", "agree"),
            ("The ministry said 17 rockets were shot down.", "Air defences downed 40 rockets, officials said.", "contradict"),
            ("The mayor said 20 people were injured.", "The mayor declined to comment.", "unreported"),
            ("The mayor said 20 people were injured.", "Schools will reopen next week.", "neutral")]
    pairs, y = [], []
    for _ in range(3):
        for a, b, lab in base:
            pairs.append(ClaimPair(extractor.extract_sentence(a), extractor.extract_sentence(b), "a", "b"))
            y.append(lab)
    clf = PairClassifier(PairFeaturizer(groups=("numeric", "events", "polarity", "lexical", "meta")),
                         calibration=None).fit(pairs, y)
    return DiscrepPipeline(extractor=extractor, embedder=HashingEmbedder(), classifier=clf)


def _lines(d, name):
    p = d / name
    return sorted(p.read_text(encoding="utf-8").splitlines()) if p.exists() else None


def _in_memory(pipe, inputs, tmp_path):
    from discrep.io.writer import write_outputs

    arts, rej = read_articles(inputs)
    out = tmp_path / "memory"
    write_outputs(pipe.score(arts, rej), out, "in-memory")
    return out


def test_claims_round_trip_exactly(extractor):
    arts, _ = read_articles([ROOT / "data" / "examples"])
    claims = [c for a in arts for c in extractor.extract(a)]
    assert claims and all(claim_from_json(claim_to_json(c)) == c for c in claims)
    # the output shape (claims.jsonl) loads too
    c = claims[0]
    assert claim_from_dict(c.to_dict()).quantities == c.quantities


def test_plan_blocks_splits_exactly_at_date_gaps():
    d0 = date(2024, 1, 1).toordinal()
    ords = np.array([d0, d0 + 20, d0 + 1, d0 + 21, d0 + 3, -1, d0 + 25])
    blocks, approx = plan_blocks(ords, max_days=4, max_block_claims=100)
    assert [b.tolist() for b in blocks] == [[0, 2, 4], [1, 3, 6], [5]]  # gap 3->20 > 4; 21->25 is not
    assert approx == 0
    assert sorted(np.concatenate(blocks).tolist()) == list(range(len(ords)))


def test_plan_blocks_cuts_overflow_at_day_boundaries():
    d0 = 800_000
    ords = np.array([d0] * 3 + [d0 + 1] * 3 + [d0 + 2] * 7)
    blocks, approx = plan_blocks(ords, max_days=4, max_block_claims=6)
    sizes = [len(b) for b in blocks]
    assert max(sizes) <= 6 and sum(sizes) == 13
    assert blocks[0].tolist() == [0, 1, 2, 3, 4, 5]  # two whole days; the 7-claim day is cut in input order
    assert approx == len(blocks) - 1 == 2
    assert [len(u) for u in plan_units(blocks, 7)] == [2, 1]


def test_stream_equals_in_memory_pipeline(fast_pipe, tmp_path):
    """Two epochs of the examples (two time blocks), small chunks and units: same files as pipeline.score."""
    corpus = write_corpus(tmp_path / "in" / "corpus.jsonl", 28)
    with open(corpus, "a") as fh:
        fh.write('{"id": "broken", "outlet": "X"\n')  # one reject
    mem = _in_memory(fast_pipe, [corpus], tmp_path)
    out = tmp_path / "stream"
    s = StreamScorer(fast_pipe, [corpus], out, config=StreamConfig(chunk_size=3, unit_claims=10), quiet=True).run()
    assert validate_dir(out) == []
    for name in NAMES:
        assert _lines(out, name) == _lines(mem, name), name
    mem_run = json.loads((mem / "run.json").read_text())
    assert s["counts"] == mem_run["counts"]
    assert s["read"] == s["scored"] + s["rejected"] == 29 and s["rejected"] == 1
    assert s["blocks"] == 2 and s["approximate_splits"] == 0
    assert not (out / ".discrep-run").exists()
    # the report too (titles, dates and links of the articles included), but for its time stamp
    stamp = re.compile(r"generated [^<·]*")
    assert stamp.sub("", (out / "report.html").read_text()) == stamp.sub("", (mem / "report.html").read_text())


class _Boom(Exception):
    pass


def _interrupt_after(obj, name, n_calls):
    orig = getattr(obj, name)
    calls = {"n": 0}

    def wrapper(*a, **kw):
        calls["n"] += 1
        if calls["n"] > n_calls:
            raise KeyboardInterrupt("test interrupt")
        return orig(*a, **kw)

    setattr(obj, name, wrapper)
    return lambda: setattr(obj, name, orig)


@pytest.mark.parametrize("where", ["extract", "independence", "classify"])
def test_interrupted_run_resumes_without_loss_or_duplicates(fast_pipe, tmp_path, where):
    """Stopped in phase 1, at the start of phase 2 (source independence reading its postings parts: recomputed
    on resume from the checkpointed spools) or after a unit of phase 2: the files equal an uninterrupted run's."""
    from discrep.stages.independence import SpooledIndependence

    corpus = write_corpus(tmp_path / "corpus.jsonl", 42)
    ref = tmp_path / "ref"
    StreamScorer(fast_pipe, [corpus], ref, config=StreamConfig(chunk_size=4, unit_claims=50), quiet=True).run()
    out = tmp_path / "out"
    cfg = StreamConfig(chunk_size=4, unit_claims=50)
    # extraction goes through guard.extract_guarded, one extractor call per article: stop after 4 chunks of 4
    target = {"extract": (fast_pipe.extractor, "extract", 16), "classify": (fast_pipe.classifier, "proba_frame", 1),
              "independence": (SpooledIndependence, "_candidates", 5)}[where]  # parts 0-4 done, then the stop
    restore = _interrupt_after(*target)
    try:
        with pytest.raises(KeyboardInterrupt):
            StreamScorer(fast_pipe, [corpus], out, config=cfg, quiet=True).run()
    finally:
        restore()
    state = json.loads((out / ".discrep-run" / "state.json").read_text())
    if where == "extract":
        assert state["phase"] == "extract" and state["items"] == 16  # four chunks of four were checkpointed
    else:
        assert state["phase"] == "classify" and state["units_done"] == (where == "classify")
        assert not (out / ".discrep-run" / "independence.tmp").exists()
    assert not (out / "run.json").exists()  # an interrupted run leaves no complete-looking output
    # other chunk and unit sizes on resume: the chunk size applies, the interrupted run's unit plan is kept
    s = StreamScorer(fast_pipe, [corpus], out, config=StreamConfig(chunk_size=7, unit_claims=1000), resume=True,
                     quiet=True).run()
    assert s["resumed"] == 1 and s["counts"]["syndicated"] > 0
    for name in NAMES:
        assert _lines(out, name) == _lines(ref, name), name
    claims = [json.loads(l) for l in (out / "claims.jsonl").read_text().splitlines()]
    assert len({c["claim_id"] for c in claims}) == len(claims) == s["counts"]["claims"]


def test_resume_refuses_to_replace_a_finished_run_it_cannot_match(fast_pipe, tmp_path):
    from discrep.engines.files import score_files
    from discrep.errors import InputError

    corpus = write_corpus(tmp_path / "corpus.jsonl", 14)
    out = tmp_path / "out"
    first = StreamScorer(fast_pipe, [corpus], out, quiet=True).run()
    again = StreamScorer(fast_pipe, [corpus], out, resume=True, quiet=True).run()  # complete: nothing to do
    assert again == first
    other = write_corpus(tmp_path / "other.jsonl", 15)
    with pytest.raises(InputError, match="finished run of other inputs"):
        StreamScorer(fast_pipe, [other], out, resume=True, quiet=True).run()
    assert json.loads((out / "run.json").read_text()) == first  # untouched
    mem = tmp_path / "mem"
    score_files([corpus], mem, pipeline=fast_pipe, engine="memory", quiet=True)
    with pytest.raises(InputError, match="another engine"):
        score_files([corpus], mem, pipeline=fast_pipe, resume=True, quiet=True)


def test_resume_refuses_changed_inputs(fast_pipe, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 14)
    out = tmp_path / "out"
    restore = _interrupt_after(fast_pipe.classifier, "proba_frame", 0)
    try:
        with pytest.raises(KeyboardInterrupt):
            StreamScorer(fast_pipe, [corpus], out, quiet=True).run()
    finally:
        restore()
    write_corpus(corpus, 15)
    from discrep.errors import InputError

    with pytest.raises(InputError, match="input files changed"):
        StreamScorer(fast_pipe, [corpus], out, resume=True, quiet=True).run()


def test_block_overflow_keeps_every_claim_once(fast_pipe, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 14)
    out = tmp_path / "out"
    s = StreamScorer(fast_pipe, [corpus], out, config=StreamConfig(max_block_claims=30), quiet=True).run()
    assert s["approximate_splits"] >= 3
    claims = [json.loads(l) for l in (out / "claims.jsonl").read_text().splitlines()]
    assert len(claims) == len({c["claim_id"] for c in claims}) == s["counts"]["claims"] > 90
    incs = [json.loads(l) for l in (out / "incidents.jsonl").read_text().splitlines()]
    assert sorted(i for inc in incs for i in inc["claim_ids"]) == sorted(c["claim_id"] for c in claims)
    assert validate_dir(out) == []


def test_synthetic_corpus_epochs():
    recs = synth_articles(30)
    assert len({r["id"] for r in recs}) == 30
    e0, e2 = recs[0], recs[28]
    assert e2["id"].endswith("-e2") and date.fromisoformat(e0["published"]) - date.fromisoformat(e2["published"]) \
        == (date.fromisoformat(e0["published"]) - date.fromisoformat(e0["published"])) + __import__("datetime").timedelta(28)
    assert e0["text"] != e2["text"]


def test_progress_bar_shows_rate_and_quiet_silences_it(fast_pipe, tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 14)
    StreamScorer(fast_pipe, [corpus], tmp_path / "a", config=StreamConfig(chunk_size=5, progress=True)).run()
    err = capsys.readouterr().err
    assert "extract+embed" in err and "cluster+classify" in err and "rec/s" in err and "14/14" in err
    assert "<" in err  # elapsed<remaining: the ETA
    StreamScorer(fast_pipe, [corpus], tmp_path / "b", config=StreamConfig(progress=True), quiet=True).run()
    assert capsys.readouterr().err == ""
    # not a terminal (pytest captures stderr) and no explicit choice: no bar
    StreamScorer(fast_pipe, [corpus], tmp_path / "c").run()
    assert "extract+embed" not in capsys.readouterr().err


def test_embedder_options_and_memory_of_spooled_vectors():
    from discrep.model.embedder import Embedder, configure_embedder

    e = configure_embedder(Embedder(), batch_size=16, threads=1, backend="onnx", cache_dir="/tmp/x", memory_cache=5)
    assert (e.batch_size, e.threads, e.backend, e.cache_dir, e.memory_cache) == (16, 1, "onnx", "/tmp/x", 5)
    e = Embedder(memory_cache=3)
    V = np.eye(4, dtype=np.float32)
    e.remember(["a", "b", "c", "d"], V)
    assert len(e._mem) == 3  # the LRU bound holds
    assert np.array_equal(e.encode(["d", "c"]), V[[3, 2]]) and e.n_encoded_ == 0  # served without the model


def _store_run(pipe, corpus, out, store_path, **kw):
    from discrep.io.store import IncidentStore

    with IncidentStore(store_path, embedder="hashing") as st:
        return StreamScorer(pipe, [corpus], out, store=st, quiet=True, **kw).run()


def test_stream_with_incident_store_equals_memory_engine_and_resumes(fast_pipe, tmp_path):
    """The store path of the stream engine: the ids the memory engine gives, and a run killed halfway
    through phase 2 (some blocks already committed to the store) resumes to the same files and store."""
    from discrep.io.store import IncidentStore
    from discrep.io.writer import write_outputs

    corpus = write_corpus(tmp_path / "corpus.jsonl", 42)  # three epochs: three time blocks
    arts, rej = read_articles([corpus])
    with IncidentStore(tmp_path / "mem.sqlite", embedder="hashing") as st:
        write_outputs(fast_pipe.score(arts, rej, store=st), tmp_path / "mem", "in-memory")
        mem_store = sorted(st.incidents(), key=lambda i: i["incident_id"])  # stream stores block by block
    cfg = dict(config=StreamConfig(chunk_size=5, unit_claims=1))  # one checkpoint per block
    s = _store_run(fast_pipe, corpus, tmp_path / "ref", tmp_path / "ref.sqlite", **cfg)
    assert s["blocks"] == 3 and s["incidents_in_store"] == len(mem_store) > 3
    for name in NAMES:
        assert _lines(tmp_path / "ref", name) == _lines(tmp_path / "mem", name), name
    with IncidentStore(tmp_path / "ref.sqlite") as st:
        assert sorted(st.incidents(), key=lambda i: i["incident_id"]) == mem_store

    restore = _interrupt_after(fast_pipe.classifier, "proba_frame", 1)  # the second block is in the store, unscored
    try:
        with pytest.raises(KeyboardInterrupt):
            _store_run(fast_pipe, corpus, tmp_path / "out", tmp_path / "out.sqlite", **cfg)
    finally:
        restore()
    with IncidentStore(tmp_path / "out.sqlite") as st:
        assert 0 < len(st) < len(mem_store)
    s = _store_run(fast_pipe, corpus, tmp_path / "out", tmp_path / "out.sqlite", resume=True, **cfg)
    assert s["resumed"] == 1 and s["incidents_in_store"] == len(mem_store)
    for name in NAMES:
        assert _lines(tmp_path / "out", name) == _lines(tmp_path / "ref", name), name
    with IncidentStore(tmp_path / "out.sqlite") as st:
        assert sorted(st.incidents(), key=lambda i: i["incident_id"]) == mem_store and len(st.members()) == s["counts"]["claims"]


def test_default_engine_streams_and_refuses_unscorable_input_before_the_model(tmp_path):
    """score_files streams by default; with nothing scorable it writes the rejects and never asks for a model."""
    from discrep.engines.files import score_files

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "outlet": "X"}\n{"id": "b"\n')
    s = score_files([bad], tmp_path / "o", model_uri=str(tmp_path / "no-such-model"), quiet=True)
    assert s["engine"] == "stream" and s["read"] == s["rejected"] == 2 and s["scored"] == 0
    assert len((tmp_path / "o" / "rejects.jsonl").read_text().splitlines()) == 2
    assert validate_dir(tmp_path / "o") == []




def test_store_with_blocks_cut_for_size_gives_one_record_per_incident(fast_pipe, tmp_path):
    """A busy period cut into blocks: claims of the second block may join an incident the first one just
    stored; the unit still writes that incident once, with all its claims."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", 14)
    s = _store_run(fast_pipe, corpus, tmp_path / "out", tmp_path / "s.sqlite",
                   config=StreamConfig(max_block_claims=30, unit_claims=10_000))
    assert s["approximate_splits"] >= 3
    incs = [json.loads(l) for l in (tmp_path / "out" / "incidents.jsonl").read_text().splitlines()]
    ids = [i["incident_id"] for i in incs]
    assert len(ids) == len(set(ids)) == s["counts"]["incidents"]
    claims = [json.loads(l) for l in (tmp_path / "out" / "claims.jsonl").read_text().splitlines()]
    assert sorted(c for i in incs for c in i["claim_ids"]) == sorted(c["claim_id"] for c in claims)
    assert all(c["incident_id"] in set(ids) for c in claims)
    assert validate_dir(tmp_path / "out") == []


def test_temp_files_of_a_killed_write_go_on_resume_and_on_later_runs(fast_pipe, tmp_path):
    """Issue 17, finding 12: a ``report.html.tmp-*`` left by a kill during the final write survived ``--resume``
    and later runs (the stream engine never swept them). Now the run that holds ``--out`` removes them."""
    from discrep.engines.files import score_files

    corpus = write_corpus(tmp_path / "corpus.jsonl", 6)
    out = tmp_path / "out"

    def leave_temps(*names):
        for name in names:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_text("half written")

    def temps():
        return sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".tmp-" in p.name)

    restore = _interrupt_after(fast_pipe.classifier, "proba_frame", 0)  # an interrupted run: a checkpoint to resume
    try:
        with pytest.raises(KeyboardInterrupt):
            score_files([corpus], out, pipeline=fast_pipe, quiet=True)
    finally:
        restore()
    leave_temps("report.html.tmp-k1ll3d", ".discrep-run/state.json.tmp-x", "notes.tmp-mine")
    s = score_files([corpus], out, pipeline=fast_pipe, quiet=True, resume=True)
    assert s["resumed"] == 1 and temps() == ["notes.tmp-mine"]  # not an output name: the user's own file stays
    leave_temps("report.html.tmp-k1ll3d")
    score_files([corpus], out, pipeline=fast_pipe, quiet=True, resume=True)  # "already complete"
    assert temps() == ["notes.tmp-mine"]
    leave_temps("report.html.tmp-k1ll3d", "claims.jsonl.tmp-2")
    score_files([corpus], out, pipeline=fast_pipe, quiet=True)  # a later run
    assert temps() == ["notes.tmp-mine"] and validate_dir(out) == []


@pytest.mark.parametrize("engine", ["stream", "memory"])
def test_store_keeps_apart_runs_that_reuse_article_ids(fast_pipe, tmp_path, engine):
    """Issue 17, finding 4: claims were stored under ``{article_id}:{n}`` and a known key kept its old incident,
    so day 2's ``article.txt`` (a flood in Lviv) was filed under day 1's Kharkiv incident, whose title was then
    overwritten while its places stayed ["Kharkiv"]. Keys are now digests of the claims' content."""
    from datetime import date

    from discrep.engines.files import score_files
    from discrep.io.ingest import IngestDefaults
    from discrep.io.store import IncidentStore

    days = {"day1": ("Strike on Kharkiv\n\nTwo people were killed in a missile strike on Kharkiv, the regional "
                     "governor said. Rescuers said five people were injured in Kharkiv.\n", date(2024, 1, 2)),
            "day2": ("Floods in Lviv\n\nThree people died in floods in Lviv, the mayor said on Wednesday. "
                     "Officials said 40 homes were flooded in Lviv.\n", date(2024, 1, 3))}
    store, runs = tmp_path / "incidents.sqlite", {}
    for day, (text, published) in days.items():
        (tmp_path / day).mkdir()
        (tmp_path / day / "article.txt").write_text(text)  # the same file name, so the same article id, every day
        out = tmp_path / f"out-{day}"
        score_files([tmp_path / day], out, pipeline=fast_pipe, quiet=True, incidents=store, engine=engine,
                    defaults=IngestDefaults(outlet="Daily", published=published))
        runs[day] = {c["claim_id"]: c["incident_id"] for c in map(json.loads, (out / "claims.jsonl").open())}
        if day == "day1":
            with IncidentStore(store) as st:
                before = {i["incident_id"]: i for i in st.incidents()}
    shared = set(runs["day1"]) & set(runs["day2"])
    assert shared, "the two days should reuse claim ids (that is the case under test)"
    assert not set(runs["day2"].values()) & set(runs["day1"].values())  # a flood in Lviv is not the Kharkiv strike
    with IncidentStore(store) as st:
        after = {i["incident_id"]: i for i in st.incidents()}
    for iid, inc in before.items():
        assert after[iid]["title"] == inc["title"] and after[iid]["places"] == inc["places"]  # day 1's untouched
    for inc in after.values():  # titles and places agree: a title names the incident's own places
        assert inc["places"] and inc["title"].startswith(inc["places"][0]), inc
    assert any("Lviv" in after[i]["places"] for i in runs["day2"].values())
