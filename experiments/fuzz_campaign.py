"""A longer fuzz campaign over the readers, the claim extractor and whole scoring runs.

The default test suite runs 1,000 seeded examples per target (tests/unit/io/test_fuzz.py); this script runs
many more with fresh randomness, plus byte-level mutations of real inputs, and prints what it tried
and what it found instead of stopping at the first failure:

    python experiments/fuzz_campaign.py                      # ~5 minutes on 2 busy cores
    python experiments/fuzz_campaign.py --examples 20000 --mutations 50000 --seed 7 --json out.json

Targets:
  jsonl, json, csv, txt, html, html-broken, extractor  the tests' hypothesis strategies and checks
  extractor-any-date  the extractor with publication dates anywhere in date.min..date.max
                      (reachable through the library API; ingest bounds dates to 1900..today+1)
  mutate              byte mutations (flips, inserts, BOMs, truncation, splices, huge numbers, markup)
                      of the bundled example files, through the matching reader, extract_guarded and
                      the JSON writer
  quadratic-html, quadratic-extract, quadratic-csv
                      random repeated units (tag soup, quotes, number words, dates, abbreviations) at n and
                      8 n characters: a finding when the time grows more than 24-fold (issue 17)
  score               batches of mutated files through score_files with a quick pipeline (hashing
                      embedder, small classifier): read = scored + rejected and validate_dir == []
  races               2-3 processes started a few hundred ms apart on one --out (and, every other round,
                      one incident store): each either finishes with complete files or is refused with
                      LockError, never anything else, and the folder and the store end consistent

A finding is any exception out of a reader, any reader fault caught by the internal_error guard,
any extraction caught by the extraction_failed guard, an output that is not strict JSON, a broken
accounting identity, or a case slower than --slow seconds. Each is printed once per distinct
signature with its smallest input.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


@dataclass
class Target:
    name: str
    cases: int = 0
    seconds: float = 0.0
    articles: int = 0
    rejects: int = 0
    warnings: int = 0
    codes: Counter = field(default_factory=Counter)
    findings: dict = field(default_factory=dict)  # signature -> (size, input repr, message)
    slowest: tuple = (0.0, "")


def signature(exc: BaseException) -> str:
    """Exception type + the innermost frame inside discrep (or the test checks)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "discrep" in f.filename or "test_fuzz" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at {where}"


def record(t: Target, sig: str, payload, message: str):
    size = len(payload) if hasattr(payload, "__len__") else len(repr(payload))
    if sig not in t.findings or size < t.findings[sig][0]:
        t.findings[sig] = (size, payload, message[:300])


def tally(t: Target, items):
    for art, notes in items:
        t.articles += art is not None
        for r in notes:
            if r.severity == "warning":
                t.warnings += 1
            else:
                t.rejects += 1
            t.codes[r.code] += 1


# ------------------------------------------------------------------------------------------- hypothesis targets
def hypothesis_targets(n: int, seed: int, slow: float) -> list[Target]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from discrep.errors import DiscrepError
    from discrep.io.ingest import csv_records, html_records, json_records, jsonl_records, txt_records
    from discrep.stages.extract import ClaimExtractor
    from tests.unit.io import test_fuzz as F

    cfg = settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
                   suppress_health_check=list(HealthCheck))
    extractor = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                               places_path=str(ROOT / "data" / "places.yaml"))

    def reader(name, fn, to_args):
        def body(t, x):
            items = list(fn(*to_args(x)))
            tally(t, items)
            F.check_items(items, "f.")
            bad = [r for _, notes in items for r in notes if r.code == "internal_error"]
            if bad:
                raise AssertionError(bad[0].reason)
        return name, body

    edges = st.sampled_from([date.min, date(1, 1, 2), date(1, 1, 7), date.max, date(9999, 12, 30), date(9999, 6, 1)])
    any_date = st.builds(lambda a, d: F.Article(a.id, a.outlet, d, a.title, a.text), F.ARTICLES,
                         st.one_of(st.dates(min_value=date.min, max_value=date.max), edges))

    def extract_body(t, art):
        try:
            claims = extractor.extract(art)
        except DiscrepError:
            return
        t.articles += 1
        F.check_claims(claims, art)

    targets = [
        (*reader("jsonl", jsonl_records, lambda d: (io.BytesIO(d), "f.jsonl", F.DEFAULTS)), F.jsonl_files()),
        (*reader("json", json_records, lambda d: (d.encode("utf-8", "surrogatepass"), "f.json", F.DEFAULTS)),
         st.one_of(st.lists(F.records(), max_size=4).map(json.dumps), st.binary(max_size=200).map(lambda b: b.decode("latin-1")))),
        (*reader("csv", csv_records, lambda d: (d, "f.csv", F.DEFAULTS)), st.one_of(F.csv_files(), st.binary(max_size=300))),
        (*reader("txt", txt_records, lambda d: (d, "f.txt", "f", F.PAGE_DEFAULTS)), st.one_of(F.txt_files(), st.binary(max_size=300))),
        (*reader("html", html_records, lambda d: (d, "f.html", "f", F.PAGE_DEFAULTS)),
         F.pages().map(lambda h: h.encode("utf-8", "replace"))),
        (*reader("html-broken", html_records, lambda d: (d, "f.html", "f", F.PAGE_DEFAULTS)),
         st.lists(st.one_of(F.RAW, F.elements(), F.TEXTY, F.META), max_size=10).map(lambda s: "".join(s).encode("utf-8", "surrogatepass"))),
        ("extractor", extract_body, F.ARTICLES),
        ("extractor-any-date", extract_body, any_date),
    ]
    out = []
    for name, body, strat in targets:
        t = Target(name)
        run = _campaign_test(t, body, strat, cfg, seed, slow, given, hseed)
        t0 = time.perf_counter()
        run()
        t.seconds = time.perf_counter() - t0
        out.append(t)
        print(f"  {name:<20} {t.cases:>7} cases  {t.seconds:6.1f} s  findings: {len(t.findings)}", flush=True)
    return out


def _campaign_test(t: Target, body, strat, cfg, seed, slow, given, hseed):
    """A hypothesis test that records failures instead of raising (so it never stops or shrinks)."""
    @hseed(seed)
    @cfg
    @given(strat)
    def run(x):
        t.cases += 1
        t0 = time.perf_counter()
        try:
            body(t, x)
        except Exception as e:  # noqa: BLE001 - a campaign records, it does not stop
            record(t, signature(e), x, f"{type(e).__name__}: {e}")
        dt = time.perf_counter() - t0
        if dt > t.slowest[0]:
            t.slowest = (dt, repr(x)[:120])
        if dt > slow:
            record(t, f"slow case (> {slow} s)", x, f"{dt:.1f} s")

    return run


# ------------------------------------------------------------------------------------------- mutation target
INSERTS = [b"\xef\xbb\xbf", b"\xff\xfe", b"\x00", b"\xc3", b"\xff", b"\r", b"\n", b"\n\n", b'"', b"\\", b",", b"{", b"}",
           b"<script>alert(1)</script>", b"<style>p{}</style>", b"<p>", b"</article>", b"<!--", b"&#0;",
           b" 1e309 rockets ", b" 999999999999999999999 people ", b" -5 people were killed ", b" \xe2\x88\x925 people ",
           b" at least 1e8 ", b"2999-01-01", b"0001-01-01", b'"published": "yesterday"', b'"id": 1.5', b'"text": null',
           b"\\ud800", "Київ".encode(), b"\xe2\x80\x8b"]


def mutate(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        i = rng.randint(0, len(data))
        if op == 0 and data:
            j = rng.randrange(len(data))
            data = data[:j] + bytes([data[j] ^ (1 << rng.randrange(8))]) + data[j + 1:]
        elif op == 1:
            data = data[:i] + rng.choice(INSERTS) + data[i:]
        elif op == 2:
            data = data[:i]
        elif op == 3:
            j = rng.randint(i, min(len(data), i + 200))
            data = data[:i] + data[j:]
        elif op == 4:
            other = rng.choice(seeds)
            k = rng.randint(0, len(other))
            data = data[:i] + other[k:k + rng.randint(1, 400)] + data[i:]
        elif op == 5:
            j = rng.randint(i, min(len(data), i + 300))
            data = data[:i] + data[i:j] * rng.randint(2, 5) + data[j:]
        else:
            data = data + rng.choice(INSERTS)
    return data


def seed_files() -> list[tuple[str, bytes]]:
    ex = ROOT / "data" / "examples"
    seeds = [(p.suffix.lower(), p.read_bytes()) for p in sorted(ex.iterdir()) if p.is_file()]
    lines = (ex / "articles.jsonl").read_bytes().splitlines()
    rows = [json.loads(ln) for ln in lines[:4]]
    import csv

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["id", "outlet", "published", "title", "text"], extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    seeds.append((".csv", buf.getvalue().encode()))
    seeds += [(".jsonl", ln + b"\n") for ln in lines]
    return seeds


def mutation_target(n: int, seed: int, slow: float) -> Target:
    from discrep.io.ingest import csv_records, html_records, jsonl_records, txt_records
    from discrep.io.output import json_line
    from discrep.stages.extract import ClaimExtractor
    from discrep.stages.guard import extract_guarded
    from tests.unit.io import test_fuzz as F

    rng = random.Random(seed)
    seeds = seed_files()
    raw = [b for _, b in seeds]
    extractor = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                               places_path=str(ROOT / "data" / "places.yaml"))
    defaults = F.IngestDefaults(today=date.today())
    readers = {".jsonl": lambda d: jsonl_records(io.BytesIO(d), "m.jsonl", defaults),
               ".csv": lambda d: csv_records(d, "m.csv", defaults),
               ".txt": lambda d: txt_records(d, "m.txt", "m", defaults),
               ".html": lambda d: html_records(d, "m.html", "m", defaults)}
    t = Target("mutate")
    t0 = time.perf_counter()
    for _ in range(n):
        suffix, base = rng.choice(seeds)
        data = mutate(rng, base, raw)
        t.cases += 1
        c0 = time.perf_counter()
        try:
            items = list(readers[suffix](data))
            tally(t, items)
            for art, notes in items:
                for r in notes:
                    json.loads(json_line(r.to_dict()), parse_constant=F._strict)
                    if r.code == "internal_error":
                        raise AssertionError(r.reason)
            arts = [a for a, _ in items if a is not None]
            _, claims, notes = extract_guarded(extractor, arts)
            for r in notes:
                t.codes[r.code] += 1
                if r.code == "extraction_failed":
                    raise AssertionError(r.reason)
            for c in claims:
                json.loads(json_line(c.to_dict()), parse_constant=F._strict)
        except Exception as e:  # noqa: BLE001
            record(t, f"{suffix} {signature(e)}", data, f"{type(e).__name__}: {e}")
        dt = time.perf_counter() - c0
        if dt > t.slowest[0]:
            t.slowest = (dt, f"{suffix} {len(data)} bytes")
        if dt > slow:
            record(t, f"slow case (> {slow} s)", data, f"{dt:.1f} s")
    t.seconds = time.perf_counter() - t0
    print(f"  {t.name:<20} {t.cases:>7} cases  {t.seconds:6.1f} s  findings: {len(t.findings)}", flush=True)
    return t


# ------------------------------------------------------------------------------------------- quadratic inputs
PIECES = {  # what a repeated unit is made of, per target (issue 17: the inputs that were quadratic)
    "html": ["<a", "</", "<!--", "-->", "<!-->", "<![CDATA[", "]]>", "<?", "<!x", "<a b='", "<a b=\"", "'", '"', ">",
             "=", "/", " ", "\n", "<p>", "</p>", "<nav>", "</footer>", "<script>", "</script", "&", "&#", "x", "<![if",
             "<!doctype", "\x00"],
    "extract": ["three", "people", "killed", "in Kyiv", "on 2 January 2024", "Mr.", "said", "the governor", ",", "and",
                "at least", "10", "3 000", "10^9", "rockets", "were shot down", "Dec.", "(", ")", "“", "”", ";"],
    "csv": ['"', ",", "\n", "\r\n", '""', "x", "1,Wire,2024-01-02,T,", "\ufeff", " "],
}


def quadratic_target(kind: str, n: int, seed: int, size: int) -> Target:
    """Random repeated units at ``size`` and 8 x ``size`` characters: a finding when 8 times the input
    takes more than 24 times as long (and over 0.2 s), i.e. the reader or extractor is super-linear."""
    from datetime import date as _date

    from discrep.io.ingest import IngestDefaults, csv_records, html_records
    from discrep.records.core import Article
    from discrep.stages.extract import ClaimExtractor
    from discrep.stages.guard import extract_guarded

    rng = random.Random(seed + hash(kind) % 1000)
    defaults = IngestDefaults(today=_date.today(), outlet="Wire", published=_date(2024, 1, 2),
                              max_text_chars=20 * size, max_record_bytes=40 * size)
    extractor = ClaimExtractor()
    run = {"html": lambda s: list(html_records(s.encode("utf-8", "replace"), "q.html", "q", defaults)),
           "csv": lambda s: list(csv_records(("id,outlet,published,title,text\n" + s).encode("utf-8", "replace"),
                                             "q.csv", defaults)),
           "extract": lambda s: extract_guarded(extractor, [Article("q", "Wire", _date(2024, 1, 2), "T", s)],
                                                seconds=None)}[kind]
    t = Target(f"quadratic-{kind}")
    t0 = time.perf_counter()
    for _ in range(n):
        unit = "".join(rng.choice(PIECES[kind]) + (" " if kind == "extract" else "") for _ in range(rng.randint(1, 4)))
        times = []
        for m in (1, 8):
            text = unit * max(1, m * size // len(unit))
            c0 = time.perf_counter()
            try:
                run(text)
            except Exception as e:  # noqa: BLE001
                record(t, signature(e), unit, f"{type(e).__name__}: {e}")
                break
            times.append(time.perf_counter() - c0)
        t.cases += 1
        if len(times) == 2:
            if times[1] > t.slowest[0]:
                t.slowest = (times[1], f"{unit!r} x {8 * size // len(unit)}")
            if times[1] > 0.2 and times[1] > 24 * max(times[0], 1e-3):
                record(t, f"super-linear: {unit!r}"[:80], unit, f"{size} chars {times[0]:.3f} s, {8 * size} chars "
                                                               f"{times[1]:.3f} s")
    t.seconds = time.perf_counter() - t0
    print(f"  {t.name:<20} {t.cases:>7} units  {t.seconds:6.1f} s  findings: {len(t.findings)}", flush=True)
    return t


# ------------------------------------------------------------------------------------------- whole runs
def score_target(n: int, seed: int) -> Target:
    from discrep.engines.files import score_files
    from discrep.io.ingest import IngestDefaults
    from discrep.io.output import validate_dir
    from tests.system.test_bad_input import quick_pipeline

    rng = random.Random(seed + 1)
    seeds = seed_files()
    raw = [b for _, b in seeds]
    pipe = quick_pipeline()
    t = Target("score")
    t0 = time.perf_counter()
    for b in range(n):
        with tempfile.TemporaryDirectory() as tmp:
            ins = Path(tmp) / "in"
            ins.mkdir()
            for k in range(rng.randint(1, 6)):
                suffix, base = rng.choice(seeds)
                (ins / f"f{k}{suffix}").write_bytes(mutate(rng, base, raw) if rng.random() < 0.8 else base)
            t.cases += 1
            try:
                s = score_files([ins], Path(tmp) / "out", pipeline=pipe, defaults=IngestDefaults(), quiet=True)
                t.articles += s["scored"]
                t.rejects += s["rejected"]
                t.warnings += s["warnings"]
                t.codes.update(s["rejected_by_code"])
                t.codes.update(s["warnings_by_code"])
                errs = validate_dir(Path(tmp) / "out")
                if errs or s["read"] != s["scored"] + s["rejected"]:
                    raise AssertionError(f"accounting/outputs: {errs[:3]} read={s['read']} scored={s['scored']} "
                                         f"rejected={s['rejected']}")
                if s["rejected_by_code"].get("internal_error") or s["rejected_by_code"].get("extraction_failed"):
                    raise AssertionError(f"guard hit: {s['rejected_by_code']}")
            except Exception as e:  # noqa: BLE001
                record(t, signature(e), f"batch {b}", f"{type(e).__name__}: {e}")
    t.seconds = time.perf_counter() - t0
    print(f"  {t.name:<20} {t.cases:>7} batches {t.seconds:6.1f} s  findings: {len(t.findings)}", flush=True)
    return t


# ------------------------------------------------------------------------------------------- races
RACER = r"""
import sys, traceback
sys.path.insert(0, sys.argv[1])
from discrep.engines.files import score_files
from discrep.errors import LockError
from tests.system.test_bad_input import quick_pipeline

pipe = quick_pipeline()
print("READY", flush=True)
sys.stdin.readline()  # the start signal: every racer has paid its imports
try:
    score_files([sys.argv[2]], sys.argv[3], pipeline=pipe, quiet=True, incidents=sys.argv[4] or None,
                engine=sys.argv[5])
except LockError as e:
    print("REFUSED", e, flush=True)
    sys.exit(3)
except BaseException:
    traceback.print_exc()
    sys.exit(1)
"""


def race_target(n: int, seed: int) -> Target:
    """Concurrent runs on one --out / one store (issue 17, findings 1 and 9)."""
    import sqlite3
    import subprocess

    from discrep.io.output import validate_dir
    from discrep.training.synth import write_corpus

    rng = random.Random(seed + 2)
    t = Target("races")
    t0 = time.perf_counter()
    for b in range(n):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = write_corpus(Path(tmp) / "corpus.jsonl", rng.choice((6, 14, 28)))
            out, store = Path(tmp) / "out", (str(Path(tmp) / "s.sqlite") if b % 2 else "")
            k = rng.randint(2, 3)
            procs = [subprocess.Popen([sys.executable, "-c", RACER, str(ROOT), str(corpus), str(out), store,
                                       rng.choice(("stream", "memory"))], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(k)]
            t.cases += 1
            try:
                for p in procs:
                    assert p.stdout.readline().strip() == "READY", p.stderr.read()[-500:]
                for p in procs:
                    time.sleep(rng.uniform(0, 0.4))
                    p.stdin.write("go\n")
                    p.stdin.flush()
                codes = [p.wait(timeout=600) for p in procs]
                t.codes.update(f"exit_{c}" for c in codes)
                if any(c not in (0, 3) for c in codes) or 0 not in codes:
                    bad = next((p for p, c in zip(procs, codes) if c not in (0, 3)), procs[0])
                    raise AssertionError(f"exits {codes}: {bad.stderr.read()[-300:]}")
                errs = validate_dir(out)
                run = json.loads((out / "run.json").read_text())
                lines = sum(1 for _ in open(out / "claims.jsonl", encoding="utf-8"))
                if errs or run["counts"]["claims"] != lines:
                    raise AssertionError(f"outputs: {errs[:3]} claims {run['counts']['claims']} vs {lines} lines")
                if store:
                    with sqlite3.connect(store) as db:
                        orphans = db.execute("SELECT COUNT(*) FROM members WHERE incident_id NOT IN "
                                             "(SELECT incident_id FROM incidents)").fetchone()[0]
                    if orphans:
                        raise AssertionError(f"store: {orphans} claims of incidents it does not hold")
            except Exception as e:  # noqa: BLE001
                record(t, signature(e), f"round {b}", f"{type(e).__name__}: {e}")
            finally:
                for p in procs:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
    t.seconds = time.perf_counter() - t0
    print(f"  {t.name:<20} {t.cases:>7} rounds  {t.seconds:6.1f} s  findings: {len(t.findings)}", flush=True)
    return t


# ------------------------------------------------------------------------------------------- report
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=5000, help="hypothesis examples per target (default 5000)")
    ap.add_argument("--mutations", type=int, default=20000, help="byte-mutated inputs (default 20000)")
    ap.add_argument("--batches", type=int, default=40, help="whole scoring runs of mutated files (default 40)")
    ap.add_argument("--races", type=int, default=10, help="rounds of concurrent runs on one --out/store (default 10)")
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--slow", type=float, default=2.0, help="seconds above which one case is a finding")
    ap.add_argument("--quadratic", type=int, default=60, help="repeated units per quadratic target (default 60)")
    ap.add_argument("--quadratic-size", type=int, default=20_000, help="characters of the smaller repetition")
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    print(f"fuzz campaign: seed {a.seed}, {a.examples} examples per hypothesis target, {a.mutations} mutations, "
          f"{a.batches} scoring batches", flush=True)
    t0 = time.perf_counter()
    targets = hypothesis_targets(a.examples, a.seed, a.slow)
    targets.append(mutation_target(a.mutations, a.seed, a.slow))
    for kind in ("html", "extract", "csv") if a.quadratic else ():
        targets.append(quadratic_target(kind, a.quadratic, a.seed, a.quadratic_size))
    if a.batches:
        targets.append(score_target(a.batches, a.seed))
    if a.races:
        targets.append(race_target(a.races, a.seed))
    total = time.perf_counter() - t0
    print(f"\n{'target':<20} {'cases':>8} {'seconds':>8} {'articles':>9} {'rejects':>8} {'warnings':>9} "
          f"{'slowest s':>10} {'findings':>9}")
    for t in targets:
        print(f"{t.name:<20} {t.cases:>8} {t.seconds:>8.1f} {t.articles:>9} {t.rejects:>8} {t.warnings:>9} "
              f"{t.slowest[0]:>10.3f} {len(t.findings):>9}")
    n_cases = sum(t.cases for t in targets)
    n_find = sum(len(t.findings) for t in targets)
    print(f"{'total':<20} {n_cases:>8} {total:>8.1f}{'':>39} {n_find:>9}")
    codes = Counter()
    for t in targets:
        codes.update(t.codes)
    print("\nreject/warning codes seen: " + ", ".join(f"{k}={v}" for k, v in codes.most_common()))
    if n_find:
        print("\nfindings (smallest input per signature):")
        for t in targets:
            for sig, (size, payload, msg) in sorted(t.findings.items()):
                print(f"- [{t.name}] {sig}: {msg}\n    input ({size}): {repr(payload)[:400]}")
    else:
        print("\nno findings")
    if a.json:
        Path(a.json).write_text(json.dumps({
            "seed": a.seed, "seconds": round(total, 1), "cases": n_cases,
            "targets": [{"name": t.name, "cases": t.cases, "seconds": round(t.seconds, 1), "articles": t.articles,
                         "rejects": t.rejects, "warnings": t.warnings, "slowest_s": round(t.slowest[0], 3),
                         "codes": dict(t.codes), "findings": {k: {"size": v[0], "input": repr(v[1])[:2000],
                                                                  "message": v[2]} for k, v in t.findings.items()}}
                        for t in targets]}, indent=2))
    return 1 if n_find else 0


if __name__ == "__main__":
    sys.exit(main())
