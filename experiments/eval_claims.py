"""Field-level precision / recall / F1 of claim extraction against the hand-labelled gold.

    python experiments/eval_claims.py                     # every gold file, one table each + all
    python experiments/eval_claims.py --errors date       # also list the date mistakes
    python experiments/eval_claims.py --files claims_heldout.jsonl claims_heldout2.jsonl

Gold: ``data/gold/claims.jsonl`` (the bundled articles of ``data/examples``, read with the ingest
readers) and every self-contained ``data/gold/claims_*.jsonl`` (lines carry their article's outlet
and publication date; the article is the lines in order, one paragraph each). The extractor runs
with its default configuration on whole articles, so pronouns, roles and inherited dates are
resolved from context exactly as in ``discrep score``.

How each field is scored (a gold sentence the extractor dropped counts as missed on every field):

- ``source``: the surface mention of the speaker (``source_text``; none when the sentence is the
  outlet's own). A predicted mention is right when one contains the other after lower-casing and
  dropping punctuation ("Valentyn Reznichenko" vs "regional governor Valentyn Reznichenko").
- ``canonical``: the canonical source id. Positives are claims attributed to anyone but the
  publishing outlet; a prediction of the outlet is "no attribution".
- ``interval`` / ``unit`` / ``event``: per quantity. Gold and predicted figures are paired by their
  text within the sentence; a pair is right for the field when the interval (low, high), the unit
  or the event agree. Unpaired predictions are false positives, unpaired gold figures misses.
- ``date``: the event date of the claim (null = none); ``place``: each normalised place;
  ``silence``: an explicit silence with the right silent source; ``polarity``: negated or hedged.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from discrep.io.ingest import read_articles  # noqa: E402
from discrep.records.core import Article, Claim  # noqa: E402
from discrep.stages.extract import ClaimExtractor  # noqa: E402

FIELDS = ("source", "canonical", "interval", "unit", "event", "date", "place", "silence", "polarity")
TARGETS = {"source": 0.9, "interval": 0.9, "event": 0.9, "date": 0.85}


def norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.replace("’", "'").lower()).strip()


class Counts:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, tp=0, fp=0, fn=0):
        self.tp += tp
        self.fp += fp
        self.fn += fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def mention_match(gold: str, pred: str) -> bool:
    g, p = f" {norm(gold)} ", f" {norm(pred)} "
    return g.strip() != "" and p.strip() != "" and (g in p or p in g)


def load_gold(gold_dir: Path, files: list[str] | None) -> dict[str, tuple[list[Article], list[dict]]]:
    """{file name: (articles, gold lines)} for the bundled gold and every claims_*.jsonl."""
    out = {}
    names = ["claims.jsonl"] + sorted(p.name for p in gold_dir.glob("claims_*.jsonl"))
    for name in names:
        if files and name not in files:
            continue
        rows = [json.loads(l) for l in (gold_dir / name).read_text(encoding="utf-8").splitlines() if l.strip()]
        if name == "claims.jsonl":
            arts, _ = read_articles([str(gold_dir.parent / "examples")])
        else:
            by: dict[str, dict] = {}
            for r in rows:
                a = by.setdefault(r["article_id"], {"outlet": r["outlet"], "published": r["published"], "paras": []})
                a["paras"].append(r["sentence"])
            arts = [Article(aid, a["outlet"], date.fromisoformat(a["published"]), "", "\n\n".join(a["paras"]))
                    for aid, a in by.items()]
        out[name] = (arts, rows)
    return out


def _hi(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isinf(x)) else float(x)


def pair_quantities(gold_qs: list[dict], pred_qs: list) -> list[tuple[dict | None, object | None]]:
    """Gold and predicted figures of one sentence, paired by overlapping text."""
    left = list(pred_qs)
    pairs = []
    for g in gold_qs:
        gt = norm(g["text"])
        cands = [p for p in left if gt and norm(p.text) and (f" {gt} " in f" {norm(p.text)} " or
                                                              f" {norm(p.text)} " in f" {gt} ")]
        if cands:
            # prefer the candidate that also agrees on event and unit (two "two"s in one sentence)
            cands.sort(key=lambda p: -((p.event or "other") == g["event"]) - (p.unit == g["unit"]))
            pairs.append((g, cands[0]))
            left.remove(cands[0])
        else:
            pairs.append((g, None))
    pairs.extend((None, p) for p in left)
    return pairs


def evaluate(extractor: ClaimExtractor, arts: list[Article], rows: list[dict], errors: set[str]):
    counts = {f: Counts() for f in FIELDS}
    stats = defaultdict(int)
    mistakes: list[str] = []
    outlet_of = {a.id: extractor.registry.lookup(a.outlet) or a.outlet for a in arts}
    predicted: dict[str, list[Claim]] = {a.id: extractor.extract(a) for a in arts}
    by_text: dict[tuple[str, str], Claim] = {}
    for aid, cs in predicted.items():
        seen = set()
        for c in cs:
            k = (aid, norm(c.text))
            if k in seen:
                stats["duplicate claims"] += 1
            seen.add(k)
            by_text.setdefault(k, c)
    captions = {(r["article_id"], norm(r["sentence"])) for r in rows if r.get("caption")}
    stats["caption claims"] = sum(1 for aid, cs in predicted.items() for c in cs
                                  if any(k[0] == aid and norm(c.text) and norm(c.text) in k[1] for k in captions))

    def log(field, r, gold, pred):
        if field in errors:
            mistakes.append(f"[{field}] {r['article_id']}: {r['sentence'][:110]}\n      gold={gold!r}  pred={pred!r}")

    for r in rows:
        if r.get("caption"):
            continue
        stats["gold claims"] += 1
        c = by_text.get((r["article_id"], norm(r["sentence"])))
        if c is None:
            stats["dropped"] += 1
        outlet = outlet_of[r["article_id"]]
        # source (mention)
        g, p = r.get("source_text"), (c.source_text if c else None)
        ok = g is not None and p is not None and mention_match(g, p)
        counts["source"].add(tp=ok, fp=p is not None and not ok, fn=g is not None and not ok)
        if (g is None) != (p is None) or (g is not None and not ok):
            log("source", r, g, p)
        # canonical source
        g, p = r["source"], (c.source if c else outlet)
        attributed_g, attributed_p = g != outlet, p != outlet
        ok = attributed_g and p == g
        counts["canonical"].add(tp=ok, fp=attributed_p and not ok, fn=attributed_g and not ok)
        if p != g:
            log("canonical", r, g, p)
        # quantities
        for gq, pq in pair_quantities(r.get("quantities") or [], c.quantities if c else []):
            for field, gv, pv in (("interval", gq and (gq["low"], gq["high"]), pq and (pq.low, _hi(pq.high))),
                                  ("unit", gq and gq["unit"], pq and pq.unit),
                                  ("event", gq and gq["event"], pq and (pq.event if pq.event in
                                   ("killed", "injured", "shot_down", "launched", "damaged") else "other"))):
                if gq is not None and pq is not None and field == "interval":
                    gv = (float(gv[0]), None if gv[1] is None else float(gv[1]))
                    pv = (float(pv[0]), pv[1])
                ok = gq is not None and pq is not None and gv == pv
                counts[field].add(tp=ok, fp=pq is not None and not ok, fn=gq is not None and not ok)
                if not ok:
                    log(field, r, gq and (gq["text"], gv), pq and (pq.text, pv))
        # date
        g = r.get("date")
        p = c.date.isoformat() if c and c.date else None
        ok = g is not None and g == p
        counts["date"].add(tp=ok, fp=p is not None and not ok, fn=g is not None and not ok)
        if g != p:
            log("date", r, g, p)
        # places
        gs, ps = set(r.get("places") or []), set(c.places if c else [])
        counts["place"].add(tp=len(gs & ps), fp=len(ps - gs), fn=len(gs - ps))
        if gs != ps:
            log("place", r, sorted(gs), sorted(ps))
        # silence
        g = r.get("silent_source") if r.get("silence") else None
        p = c.silent_source if c and c.kind == "silence" else None
        if c and c.kind == "silence" and p is None:
            p = "?"
        ok = g is not None and g == p
        counts["silence"].add(tp=ok, fp=p is not None and not ok, fn=g is not None and not ok)
        if g != p:
            log("silence", r, g, p)
        # polarity (negated / hedged are the positives)
        g = r.get("polarity", "affirmed")
        p = c.polarity if c else "affirmed"
        ok = g != "affirmed" and g == p
        counts["polarity"].add(tp=ok, fp=p != "affirmed" and not ok, fn=g != "affirmed" and not ok)
        if g != p:
            log("polarity", r, g, p)
    return counts, stats, mistakes


def table(title: str, counts: dict[str, Counts], stats: dict) -> str:
    lines = [f"## {title}", f"gold claim lines: {stats['gold claims']}  dropped by the extractor: {stats['dropped']}  "
             f"claims from captions: {stats['caption claims']}  duplicate claims: {stats['duplicate claims']}",
             f"{'field':<10} {'P':>6} {'R':>6} {'F1':>6} {'gold':>5} {'pred':>5}  target"]
    for f in FIELDS:
        c = counts[f]
        p, r, f1 = c.prf()
        t = TARGETS.get(f)
        mark = "" if t is None else (f"≥{t:.2f} {'met' if f1 >= t else 'NOT MET'}")
        lines.append(f"{f:<10} {p:6.3f} {r:6.3f} {f1:6.3f} {c.tp + c.fn:5d} {c.tp + c.fp:5d}  {mark}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", default=str(ROOT / "data" / "gold"))
    ap.add_argument("--files", nargs="*", help="gold files to score (default: all)")
    ap.add_argument("--errors", nargs="*", default=[], help="list the mistakes of these fields")
    args = ap.parse_args(argv)
    data = Path(args.gold).parent
    extractor = ClaimExtractor(sources_path=str(data / "sources.yaml"), places_path=str(data / "places.yaml"))
    total = {f: Counts() for f in FIELDS}
    total_stats: dict = defaultdict(int)
    for name, (arts, rows) in load_gold(Path(args.gold), args.files).items():
        counts, stats, mistakes = evaluate(extractor, arts, rows, set(args.errors))
        print(table(name, counts, stats) + "\n")
        for m in mistakes:
            print(m)
        if mistakes:
            print()
        for f in FIELDS:
            total[f].add(counts[f].tp, counts[f].fp, counts[f].fn)
        for k, v in stats.items():
            total_stats[k] += v
    print(table("all gold files", total, total_stats))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
