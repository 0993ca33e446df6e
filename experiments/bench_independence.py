"""Memory and time of source independence in the stream engine: in-memory fit vs spooled (bounded) fit.

The stage (reprint detection + claim provenance, discrep/stages/independence.py) runs at the start of the stream
engine's phase 2. Before this change it read every article text and every claim of the run back into memory
and ran ``SourceIndependence.fit``; now ``SpooledIndependence.fit_spool`` works from the shingle hashes
spooled in phase 1. Per corpus size and per implementation, one fresh process runs a whole
``StreamScorer`` and prints:

  * ``stage s``: wall time of the stage (the phase-1 hashing cost shows in ``run s``);
  * ``stage RSS MB``: the process's peak RSS while the stage runs minus its RSS before it (the kernel's
    peak counter is reset at the start of the stage through /proc/self/clear_refs);
  * ``traced MB``: peak of Python allocations during the stage (tracemalloc), from a second process that
    stops after the stage (tracing slows everything, so the timed run is untraced);
  * ``run s`` and ``peak RSS MB`` of the whole run;
  * a digest of syndication.jsonl + provenance.jsonl + figures.jsonl + grades.jsonl + source_pairs.jsonl, equal
    for both implementations.

The embedding model does not enter this stage, so the runs use the model-free ``HashingEmbedder`` and a small
classifier (as tests/unit/engines/test_stream.py): the stage's memory is then not hidden under the ~0.8 GB of
the sentence-transformers model, and a 10,000-article run takes a minute instead of three.

    python experiments/bench_independence.py --sizes 1000,10000
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIGEST = ("syndication.jsonl", "provenance.jsonl", "figures.jsonl", "grades.jsonl", "source_pairs.jsonl")


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def fast_pipeline():
    from discrep.api import DiscrepPipeline
    from discrep.model.classifier import PairClassifier
    from discrep.model.embedder import HashingEmbedder
    from discrep.model.features import PairFeaturizer
    from discrep.records.core import ClaimPair
    from discrep.stages.extract import ClaimExtractor

    ex = ClaimExtractor(str(ROOT / "data" / "sources.yaml"), str(ROOT / "data" / "places.yaml"))
    base = [("The governor said three people were killed.", "Officials said at least five people were killed.", "contradict"),
            ("The governor said three people were killed.", "Officials said three people were killed.", "agree"),
            ("The ministry said 17 rockets were shot down.", "Air defences downed 40 rockets, officials said.", "contradict"),
            ("The mayor said 20 people were injured.", "The mayor declined to comment.", "unreported"),
            ("The mayor said 20 people were injured.", "Schools will reopen next week.", "neutral")] * 3
    pairs = [ClaimPair(ex.extract_sentence(a), ex.extract_sentence(b), "a", "b") for a, b, _ in base]
    clf = PairClassifier(PairFeaturizer(groups=("numeric", "events", "polarity", "lexical", "meta")),
                         calibration=None).fit(pairs, [lab for *_, lab in base])
    return DiscrepPipeline(extractor=ex, embedder=HashingEmbedder(), classifier=clf)


def old_independence(self, index):
    """The stage as it was: every article text and every claim of the run in memory, then SourceIndependence.fit."""
    from discrep.engines.stream import _d, _read_jsonl
    from discrep.records.codec import claim_from_dict
    from discrep.records.core import Article
    from discrep.stages.independence import SourceIndependence
    from discrep.stages.reconcile import ReconcilePolicy

    arts = [Article(**{**d, "published": _d(d.get("published"))}) for d in _read_jsonl(self.work / "articles.spool")]
    claims = []
    with open(self.work / "claims.spool", "rb") as spool:
        for off in index[:, 0]:
            spool.seek(int(off))
            claims.append(claim_from_dict(json.loads(spool.readline())["c"]))
    policy = self.pipe.reconcile_policy or ReconcilePolicy()
    return SourceIndependence(registry=getattr(self.pipe.extractor, "registry", None),
                              **policy.independence).fit(arts, claims)


def child(corpus: str, out: str, impl: str, traced: bool):
    """One stream run; ``traced``: stop after the stage, which runs under tracemalloc (the traced child)."""
    from discrep.engines.stream import StreamConfig, StreamScorer

    new_independence = StreamScorer._independence
    stage = {}

    def measured(self, index):
        fn = old_independence if impl == "memory" else new_independence
        gc.collect()
        if traced:
            tracemalloc.start()
            fn(self, index)
            print(json.dumps({"traced_mb": tracemalloc.get_traced_memory()[1] / 2**20}))
            raise SystemExit(0)
        before = _rss_kb("VmRSS")
        stage["phase1_peak_mb"] = _rss_kb("VmHWM") / 1024
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS counter (VmHWM)
        t0 = time.perf_counter()
        res = fn(self, index)
        stage["seconds"] = time.perf_counter() - t0
        stage["rss_mb"] = (_rss_kb("VmHWM") - before) / 1024
        stage["syndicated"] = len(res.syndications_)
        return res

    StreamScorer._independence = measured
    t0 = time.perf_counter()
    s = StreamScorer(fast_pipeline(), [corpus], out, config=StreamConfig(), quiet=True).run()
    wall = time.perf_counter() - t0
    h = hashlib.sha256()
    for name in DIGEST:
        h.update(b"".join(sorted((Path(out) / name).read_bytes().splitlines())))
    print(json.dumps({**stage, "run_s": wall, "peak_rss_mb": max(stage["phase1_peak_mb"], _rss_kb("VmHWM") / 1024),
                      "articles": s["counts"]["articles"], "claims": s["counts"]["claims"],
                      "digest": h.hexdigest()[:12]}))


def _child(corpus, out, impl, traced=False) -> dict:
    p = subprocess.run([sys.executable, __file__, "--child", str(corpus), str(out), impl, str(int(traced))],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--impls", default="memory,spooled")
    ap.add_argument("--work", default=str(Path(os.environ.get("DISCREP_HOME", ROOT / "work")) / "bench"))
    ap.add_argument("--child", nargs=4, metavar=("CORPUS", "OUT", "IMPL", "TRACED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(*args.child[:3], args.child[3] == "1")
    from discrep.training.synth import write_corpus

    work = Path(args.work)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; HashingEmbedder, chunk 200")
    print(f"{'articles':>8} {'claims':>7} {'impl':>8} {'stage s':>8} {'stage RSS MB':>12} {'traced MB':>9} "
          f"{'syndicated':>10} {'run s':>7} {'peak RSS MB':>11} {'digest':>12}")
    for n in [int(x) for x in args.sizes.split(",") if x]:
        corpus = write_corpus(work / f"corpus-{n}.jsonl", n)
        for impl in args.impls.split(","):
            r = _child(corpus, work / f"indep-{n}-{impl}", impl)
            r["traced_mb"] = _child(corpus, work / f"indep-{n}-{impl}-traced", impl, traced=True)["traced_mb"]
            print(f"{r['articles']:>8} {r['claims']:>7} {impl:>8} {r['seconds']:>8.2f} {r['rss_mb']:>12.1f} "
                  f"{r['traced_mb']:>9.1f} {r['syndicated']:>10} {r['run_s']:>7.1f} {r['peak_rss_mb']:>11.0f} "
                  f"{r['digest']:>12}", flush=True)


if __name__ == "__main__":
    main()
