"""Claim extraction speed on one core: sentences per second.

    python experiments/bench_extract.py [--seconds 5]

Corpus: the 14 bundled articles of ``data/examples`` and the articles of every
``data/gold/claims_*.jsonl`` (about 300 sentences), extracted whole (speaker, figures, dates,
places, silence) again and again, each pass with the publication dates shifted by a day so no
article is seen twice with the same context. The process is pinned to one CPU. The rate is given
per CPU second (what one core sustains; robust to other jobs on a shared machine) and per wall
second. The first, cold pass (imports, dateparser's first parses) is reported on its own.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET = 2000.0


def corpus():
    from discrep.io.ingest import read_articles
    from discrep.records.core import Article

    arts, _ = read_articles([str(ROOT / "data" / "examples")])
    for p in sorted((ROOT / "data" / "gold").glob("claims_*.jsonl")):
        by: dict[str, dict] = {}
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                a = by.setdefault(r["article_id"], {"outlet": r["outlet"], "published": r["published"], "paras": []})
                a["paras"].append(r["sentence"])
        arts += [Article(aid, a["outlet"], date.fromisoformat(a["published"]), "", "\n\n".join(a["paras"]))
                 for aid, a in by.items()]
    return arts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0, help="measure for about this long (CPU seconds)")
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from discrep.stages.extract import ClaimExtractor, split_sentences

    arts = corpus()
    n_sent = sum(len(split_sentences(a.text)) for a in arts)
    cold_wall, cold_cpu = time.perf_counter(), time.process_time()
    ex = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                        places_path=str(ROOT / "data" / "places.yaml"))
    n_claims = sum(len(ex.extract(a)) for a in arts)
    cold_cpu = time.process_time() - cold_cpu
    cold_wall = time.perf_counter() - cold_wall
    passes, shift = 0, 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while time.process_time() - cpu0 < args.seconds:
        shift += 1
        for a in arts:
            ex.extract(replace(a, published=a.published + timedelta(days=shift) if a.published else None))
        passes += 1
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    rate_cpu, rate_wall = passes * n_sent / cpu, passes * n_sent / wall
    print(f"corpus: {len(arts)} articles, {n_sent} sentences, {n_claims} claims per pass")
    print(f"first (cold) pass: {n_sent / cold_cpu:,.0f} sentences/s per CPU second, {cold_wall:.2f}s wall "
          f"(registry and gazetteer loading, dateparser's first parses included)")
    print(f"warm: {passes} passes, {passes * n_sent:,} sentences in {cpu:.2f} CPU s / {wall:.2f} wall s")
    print(f"sentences/s on one core: {rate_cpu:,.0f} (CPU time)   {rate_wall:,.0f} (wall clock, machine load "
          f"{os.getloadavg()[0]:.1f})")
    print(f"target ≥ {TARGET:,.0f} sentences/s: {'met' if rate_cpu >= TARGET else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
