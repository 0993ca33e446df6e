"""Time and memory of the hostile inputs of issue 17 (findings 5, 6, 8), on one or more source trees.

Each case runs in a fresh subprocess with the tree first on ``sys.path``, so the same script measures
the code before a fix (a checkout of the old commit) and after it::

    git archive 352f10f | tar -x -C /tmp/base
    python experiments/bench_hostile.py --tree before=/tmp/base --tree after=.

Cases: HTML tag soup ``<a<a<a…`` of 40k/160k/320k characters (html_to_text), one unpunctuated
400,000-character sentence of "three people killed in Kyiv" and of dates (guarded extraction),
1,000,000 ``{}`` lines + 1 article through ``discrep score``'s stream engine (model-free embedder,
peak RSS), and a 100 MB one-row CSV through the reader (peak RSS). Figures: docs/robustness.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = {
    "html <a 40k": ("html", 40_000),
    "html <a 160k": ("html", 160_000),
    "html <a 320k": ("html", 320_000),
    "extract 400k 'three people killed in Kyiv'": ("extract", "three people killed in Kyiv "),
    "extract 400k dates": ("extract", "on 2 January 2024 and on 3 January 2024 "),
    "imports + model-free pipeline only (peak RSS baseline)": ("rejects", 0),
    "score 1M {} lines + 1 article (peak RSS)": ("rejects", 1_000_000),
    "read 100 MB one-row CSV (peak RSS)": ("csv", 100_000_000),
}

BODY = "The regional governor said three people were killed and five were injured in the strike on Tuesday."

CODE = r'''
import json, resource, sys, time
kind, arg, work = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
from datetime import date
from pathlib import Path
from discrep.io.ingest import IngestDefaults, html_to_text, read_articles
from discrep.records.core import Article
from discrep.stages.extract import ClaimExtractor
from discrep.stages.guard import extract_guarded
if kind == "html":
    page = "<p>Three people were killed.</p>" + "<a" * (arg // 2)
    t = time.perf_counter()
    html_to_text(page)
elif kind == "extract":
    ex, text = ClaimExtractor(), arg * (400_000 // len(arg))
    t = time.perf_counter()
    extract_guarded(ex, [Article("x", "Wire", date(2024, 1, 5), "T", text)])
elif kind == "rejects":
    from discrep.engines.files import score_files
    from tests.system.test_bad_input import quick_pipeline
    pipe = quick_pipeline()
    p = Path(work) / "f.jsonl"
    good = json.dumps({"id": "a", "outlet": "Wire", "published": "2024-01-02", "title": "T", "text": BODY})
    p.write_text("{}\n" * arg + good + "\n")
    t = time.perf_counter()
    s = score_files([p], Path(work) / "out", pipeline=pipe, defaults=IngestDefaults(today=date(2024, 6, 1)), quiet=True)
    assert s["scored"] == 1, s
elif kind == "csv":
    p = Path(work) / "big.csv"
    with open(p, "w") as fh:
        fh.write("id,outlet,published,title,text\n1,Wire,2024-01-02,T,")
        for _ in range(arg // 1_000_000):
            fh.write("x" * 1_000_000)
        fh.write("\n")
    t = time.perf_counter()
    read_articles([p], IngestDefaults(today=date(2024, 6, 1)))
print(json.dumps({"seconds": time.perf_counter() - t,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''.replace("BODY", repr(BODY))


def run_case(tree: Path, kind: str, arg, timeout: float) -> dict:
    with tempfile.TemporaryDirectory() as work:
        env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        try:
            r = subprocess.run([sys.executable, "-c", CODE, kind, json.dumps(arg), work], cwd=tree, env=env,
                               capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"seconds": None, "note": f"> {timeout:.0f} s (killed)"}
        if r.returncode != 0:
            return {"seconds": None, "note": "failed: " + r.stderr.strip().splitlines()[-1][:80]}
        return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tree", action="append", default=[], help="NAME=PATH of a source tree (repeatable)")
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    trees = [t.split("=", 1) for t in (a.tree or ["current=."])]
    print("| case | " + " | ".join(n for n, _ in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for name, (kind, arg) in CASES.items():
        if a.only not in name:
            continue
        cells = []
        for _, path in trees:
            res = run_case(Path(path).resolve(), kind, arg, a.timeout)
            if res.get("seconds") is None:
                cells.append(res["note"])
            elif "RSS" in name:
                cells.append(f"{res['rss_mb']:,.0f} MB ({res['seconds']:.1f} s)")
            else:
                cells.append(f"{res['seconds']:.2f} s")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
