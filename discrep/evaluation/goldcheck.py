"""Compare a scoring run with the hand-labelled gold pairs (used by tests and experiments)."""
from __future__ import annotations

import json
import re
from pathlib import Path


def _n(s: str) -> str:
    return re.sub(r"\W+", " ", s.replace("’", "'").lower()).strip()


def _match(gold_sentence: str, text: str) -> bool:
    g, t = _n(gold_sentence), _n(text)
    return g == t or g in t or (t in g and len(t) > 20)


def check_run(out_dir: str | Path, gold_dir: str | Path) -> dict:
    """Which gold contradictions the run found, and which gold agreements it wrongly called contradictions.

    A gold pair is matched to an output row by the two sentences (either order), so a syndicated
    reprint of the same sentence counts as the same evidence."""
    rows = [json.loads(l) for l in Path(out_dir, "discrepancies.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [json.loads(l) for l in Path(gold_dir, "pairs.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]

    def same_fact(r, g) -> bool:
        """A row about one figure ("killed/children") answers only the gold label about that figure."""
        fact = r.get("fact")
        if not fact or not g.get("event"):
            return True
        ev, unit = fact.split("/", 1)
        gunit = "people" if g.get("unit") in ("people", "civilians", None) else g.get("unit")
        return ev == g["event"] and unit in (gunit, "any")

    def rows_for(g):
        out = []
        for r in rows:
            if r["claim_b"] is None or g.get("b") is None or not same_fact(r, g):
                continue
            a, b = r["claim_a"]["text"], r["claim_b"]["text"]
            if (_match(g["a"]["sentence"], a) and _match(g["b"]["sentence"], b)) or \
               (_match(g["a"]["sentence"], b) and _match(g["b"]["sentence"], a)):
                out.append(r)
        return out

    res = {"conflicts": [], "agreements": []}
    for g in gold:
        rs = rows_for(g)
        labels = sorted({r["label"] for r in rs})
        if g["label"] == "contradict":
            res["conflicts"].append({"gold": g, "found": "contradict" in labels, "labels": labels})
        elif g["label"] == "agree":
            res["agreements"].append({"gold": g, "called_contradict": "contradict" in labels, "labels": labels,
                                      "found": "agree" in labels})
    res["conflicts_found"] = sum(c["found"] for c in res["conflicts"])
    res["conflicts_total"] = len(res["conflicts"])
    res["agreements_called_contradict"] = sum(a["called_contradict"] for a in res["agreements"])
    res["agreements_found"] = sum(a["found"] for a in res["agreements"])
    res["agreements_total"] = len(res["agreements"])
    return res
