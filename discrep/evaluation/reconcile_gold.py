"""Score reconciled figures, grades and duplicate detection against the hand-made gold in data/gold/.

Two ways in: from the gold claims directly (tests the reconciliation rules alone, no model) and from
a scoring run (end to end: extraction, clustering and the classifier included). Predicted figures
are matched to gold figures by the gold incident of their supporting sentences, so the evaluation
does not depend on incident ids or claim ids, and keeps working when the extractor improves.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from discrep.records.core import Article, Claim, Incident, Quantity
from discrep.records.findings import Figure, IncidentGrade
from discrep.stages.independence import SourceIndependence
from discrep.text.numbers import find_numbers
from discrep.text.places import Gazetteer
from discrep.text.sources import SourceRegistry


def read_jsonl(path: str | Path) -> list[dict]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def _n(s: str) -> str:
    return re.sub(r"\W+", " ", s.replace("’", "'").lower()).strip()


# ---------------------------------------------------------------- gold claims as Claim objects
def gold_quantity(q: dict) -> Quantity:
    m = find_numbers(q.get("text") or "")
    qual, value = (m[0].qualifier, m[0].value) if m else ("exact", None)
    low = float(q["low"])
    high = math.inf if q.get("high") is None else float(q["high"])
    if value is None or not low <= value <= high:
        value = low if math.isinf(high) else (low + high) / 2
    return Quantity(value=value, low=low, high=high, unit=q.get("unit"), event=q.get("event"), text=q.get("text") or "",
                    qualifier=qual)


def gold_claims(gold_dir: str | Path, articles: list[Article], registry: SourceRegistry | None = None) -> list[Claim]:
    """The gold annotations as claims (captions skipped), ids ``<article>:g<n>``."""
    registry = registry or SourceRegistry.from_yaml()
    arts = {a.id: a for a in articles}
    out: list[Claim] = []
    count: Counter = Counter()
    for rec in read_jsonl(Path(gold_dir) / "claims.jsonl"):
        if rec.get("caption"):
            continue
        art = arts.get(rec["article_id"])
        if art is None:
            continue
        n = count[art.id]
        count[art.id] += 1
        sid = rec["source"]
        src = registry.get(sid)
        silence = bool(rec.get("silence"))
        out.append(Claim(
            claim_id=f"{art.id}:g{n}", article_id=art.id, outlet=art.outlet, published=art.published, sentence=n,
            text=rec["sentence"], source=sid, source_name=src.name if src else sid,
            source_type=src.type if src else "media", party=src.party if src else None,
            quantities=[gold_quantity(q) for q in rec.get("quantities") or []],
            date=date.fromisoformat(rec["date"]) if rec.get("date") else None, places=list(rec.get("places") or []),
            polarity=rec.get("polarity") or "affirmed", kind="silence" if silence else "statement",
            silent_source=rec.get("silent_source") if silence else None, topic=rec.get("topic"),
            incident_id=rec.get("incident")))
    return out


def gold_incidents(gold_dir: str | Path, claims: list[Claim]) -> list[Incident]:
    by_inc = defaultdict(list)
    for c in claims:
        if c.incident_id:
            by_inc[c.incident_id].append(c)
    out = []
    for rec in read_jsonl(Path(gold_dir) / "incidents.jsonl"):
        cs = by_inc.get(rec["incident"], [])
        d = date.fromisoformat(rec["date"]) if rec.get("date") else None
        out.append(Incident(rec["incident"], rec.get("title", rec["incident"]), d, d, list(rec.get("places") or []),
                            sorted({c.source for c in cs}), [c.claim_id for c in cs]))
    return out


# ---------------------------------------------------------------- matching predicted claims to gold
class GoldIndex:
    """Finds the gold sentence (and so the gold incident) of a predicted claim by article and text."""

    def __init__(self, gold_dir: str | Path):
        self.rows = [r for r in read_jsonl(Path(gold_dir) / "claims.jsonl") if not r.get("caption")]
        self.by_article = defaultdict(list)
        for i, r in enumerate(self.rows):
            self.by_article[r["article_id"]].append(i)

    def find(self, c: Claim) -> int | None:
        t = _n(c.text)
        for i in self.by_article.get(c.article_id, []):
            g = _n(self.rows[i]["sentence"])
            if g == t or g in t or (t in g and len(t) > 20):
                return i
        return None

    def incident_of(self, c: Claim) -> str | None:
        i = self.find(c)
        return self.rows[i].get("incident") if i is not None else None


def gold_city_places(gold_dir: str | Path, place_types: dict[str, str] | None = None,
                     scope_types=("city", "town")) -> dict[str, set[str]]:
    place_types = Gazetteer.load().types if place_types is None else place_types
    return {r["incident"]: {p for p in r.get("places") or [] if place_types.get(p) in scope_types}
            for r in read_jsonl(Path(gold_dir) / "incidents.jsonl")}


def _gold_key(g: dict) -> tuple:
    return (g["incident"], g["event"], g["unit"], g.get("place"))


def match_figures(figures: list[Figure], claims: list[Claim], index: GoldIndex | None,
                  gold_places: dict[str, set[str]] | None = None) -> dict[tuple, Figure]:
    """Predicted figures keyed like gold ones: (gold incident, event, unit, place). With ``index`` None the
    incident ids are already gold labels (figures computed from gold claims). ``gold_places``: the city-level
    places of each gold incident; a predicted city figure for the gold incident's only city is its total
    (a predicted incident that merged two gold incidents names the city)."""
    by_id = {c.claim_id: c for c in claims}
    gold_places = gold_places or {}
    out: dict[tuple, Figure] = {}
    support: dict[tuple, int] = {}
    for f in figures:
        if index is None:
            inc, n = f.incident_id, len(f.supporting_claim_ids)
        else:
            votes = Counter(index.incident_of(by_id[cid]) for cid in f.supporting_claim_ids if cid in by_id)
            votes.pop(None, None)
            if not votes:
                continue
            inc, n = votes.most_common(1)[0]
        place = None if f.place and gold_places.get(inc) == {f.place} else f.place
        key = (inc, f.event, f.unit, place)
        if key not in out or n > support[key]:
            out[key], support[key] = f, n
    return out


def match_incidents(grades: list[IncidentGrade], incidents: list[Incident], claims: list[Claim],
                    index: GoldIndex | None) -> dict[str, IncidentGrade]:
    """Gold incident label -> the predicted incident holding most of its sentences."""
    if index is None:
        return {g.incident_id: g for g in grades}
    by_id = {c.claim_id: c for c in claims}
    g_by_inc = {g.incident_id: g for g in grades}
    best: dict[str, tuple[int, str]] = {}
    for inc in incidents:
        votes = Counter(index.incident_of(by_id[cid]) for cid in inc.claim_ids if cid in by_id)
        votes.pop(None, None)
        for label, n in votes.items():
            if label not in best or n > best[label][0]:
                best[label] = (n, inc.incident_id)
    return {label: g_by_inc[iid] for label, (n, iid) in best.items() if iid in g_by_inc}


# ---------------------------------------------------------------- metrics
@dataclass
class PR:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def group_pairs(groups: list[set[str]]) -> set[tuple[str, str]]:
    out = set()
    for g in groups:
        m = sorted(g)
        out |= {(m[i], m[j]) for i in range(len(m)) for j in range(i + 1, len(m))}
    return out


def syndication_scores(indep: SourceIndependence, gold_dir: str | Path) -> dict:
    gold = read_jsonl(Path(gold_dir) / "syndication.jsonl")
    gold_groups: dict[str, set[str]] = defaultdict(set)
    for r in gold:
        gold_groups[r["original_id"]] |= {r["article_id"], r["original_id"]}
    pred_groups: dict[str, set[str]] = defaultdict(set)
    for s in indep.syndications_:
        pred_groups[s.original_id] |= {s.article_id, s.original_id}
    gp, pp = group_pairs(list(gold_groups.values())), group_pairs(list(pred_groups.values()))
    pr = PR(len(gp & pp), len(pp - gp), len(gp - pp))
    gold_dir_map = {r["article_id"]: r["original_id"] for r in gold}
    pred_dir_map = {s.article_id: s.original_id for s in indep.syndications_}
    direction = sum(pred_dir_map.get(k) == v for k, v in gold_dir_map.items())
    return {"precision": pr.precision, "recall": pr.recall, "tp": pr.tp, "fp": pr.fp, "fn": pr.fn,
            "direction_correct": direction, "n_gold": len(gold_dir_map)}


def gold_duplicate_pairs(gold_dir: str | Path) -> set[tuple[int, int]]:
    """Pairs of gold sentences (row indices) in different articles carrying the same statement:
    same incident, same speaker, same figures."""
    rows = [r for r in read_jsonl(Path(gold_dir) / "claims.jsonl") if not r.get("caption")]
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        qs = tuple(sorted((q["event"], q["unit"], q["low"], q["high"] if q["high"] is not None else -1)
                          for q in r.get("quantities") or []))
        if qs and r.get("incident"):
            groups[(r["incident"], r["source"], qs)].append(i)
    out = set()
    for ids in groups.values():
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                if rows[ids[a]]["article_id"] != rows[ids[b]]["article_id"]:
                    out.add((ids[a], ids[b]))
    return out


def duplicate_scores(indep: SourceIndependence, claims: list[Claim], gold_dir: str | Path,
                     index: GoldIndex) -> dict:
    """Precision/recall of relayed-or-reprinted claim pairs against the gold sentences."""
    gold = gold_duplicate_pairs(gold_dir)
    by_id = {c.claim_id: c for c in claims}
    pred = set()
    unmatched = 0
    for a, b in indep.duplicate_claim_pairs(claims):
        ia, ib = index.find(by_id[a]), index.find(by_id[b])
        if ia is None or ib is None or ia == ib:
            unmatched += 1
            continue
        pred.add(tuple(sorted((ia, ib))))
    pr = PR(len(pred & gold), len(pred - gold) + unmatched, len(gold - pred))
    return {"precision": pr.precision, "recall": pr.recall, "tp": pr.tp, "fp": pr.fp, "fn": pr.fn}


def figure_scores(pred: dict[tuple, Figure], gold_dir: str | Path) -> dict:
    gold = read_jsonl(Path(gold_dir) / "figures.jsonl")
    rows = []
    for g in gold:
        f = pred.get(_gold_key(g))
        row = {"key": _gold_key(g), "gold": g, "found": f is not None}
        if f is not None:
            hi = math.inf if f.high is None else f.high
            row.update(best=f.best, low=f.low, high=f.high, grade=f.grade, n_sources=f.n_sources,
                       exact=abs(f.best - g["best"]) < 1e-9, covered=f.low <= g["best"] <= hi,
                       grade_ok=f.grade == g["grade"], sources_ok=f.n_sources == g["n_sources"])
        rows.append(row)
    n = len(rows)
    extra = sorted(set(pred) - {_gold_key(g) for g in gold}, key=str)
    return {"n_gold": n, "found": sum(r["found"] for r in rows),
            "exact_best": sum(r.get("exact", False) for r in rows) / n if n else 0.0,
            "coverage": sum(r.get("covered", False) for r in rows) / n if n else 0.0,
            "grade_accuracy": sum(r.get("grade_ok", False) for r in rows) / n if n else 0.0,
            "n_sources_accuracy": sum(r.get("sources_ok", False) for r in rows) / n if n else 0.0,
            "extra": extra, "rows": rows}


def grade_scores(pred: dict[str, IncidentGrade], gold_dir: str | Path) -> dict:
    gold = read_jsonl(Path(gold_dir) / "grades.jsonl")
    rows = [{"incident": g["incident"], "gold": g["grade"],
             "pred": pred[g["incident"]].grade if g["incident"] in pred else None} for g in gold]
    n = len(rows)
    return {"n_gold": n, "accuracy": sum(r["gold"] == r["pred"] for r in rows) / n if n else 0.0, "rows": rows}
