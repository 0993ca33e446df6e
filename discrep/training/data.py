"""Training and evaluation data, loaded through ``datasets`` from disk.

- synthetic pairs generated from team-written claims (FactCC-style, labelled by construction);
- SICK and FNC-1 from ``../shared/data`` (paths are config; absent paths are skipped with a reason);
- the hand-labelled gold pairs of ``data/gold`` (evaluation only).
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from discrep.io.ingest import parse_date
from discrep.model.features import SCOPE_NATIONAL, local_places, quantities, unit_class
from discrep.records.core import Claim, ClaimPair
from discrep.stages.extract import UNIT_FAMILY, ClaimExtractor

log = logging.getLogger(__name__)

SICK_MAP = {"ENTAILMENT": "agree", "CONTRADICTION": "contradict", "NEUTRAL": "neutral"}
FNC_MAP = {"agree": "agree", "disagree": "contradict", "discuss": "neutral", "unrelated": "unreported"}
NUM_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"]


@dataclass
class PairSet:
    """Pairs with labels and group ids (incident/story) for grouped splits."""

    name: str
    pairs: list[ClaimPair] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # how each pair was made (for synthetic data)
    missing: list[dict] = field(default_factory=list)  # gold records whose sentences were not extracted

    def extend(self, other: "PairSet"):
        self.pairs += other.pairs
        self.labels += other.labels
        self.groups += other.groups
        self.kinds += other.kinds or [other.name] * len(other.pairs)

    def subset(self, idx) -> "PairSet":
        return PairSet(self.name, [self.pairs[i] for i in idx], [self.labels[i] for i in idx],
                       [self.groups[i] for i in idx], [self.kinds[i] for i in idx] if self.kinds else [])

    def __len__(self):
        return len(self.pairs)


def set_hf_cache(cache_dir: str | Path):
    """datasets reads these at import: call before the first ``import datasets``."""
    os.environ.setdefault("HF_HOME", str(Path(cache_dir) / "hf"))
    os.environ.setdefault("HF_DATASETS_CACHE", str(Path(cache_dir) / "hf" / "datasets"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def load_table(path: str | Path, delimiter: str = ","):
    """A CSV/TSV file as a ``datasets.Dataset`` (local file; hub names stay possible for online users)."""
    import datasets

    datasets.disable_progress_bars()
    return datasets.load_dataset("csv", data_files=str(path), delimiter=delimiter, split="train")


# ---------------------------------------------------------------- synthetic pairs
def _render(value: float, rng: random.Random, allow_words: bool = True) -> str:
    v = int(value)
    if allow_words and v <= 20 and rng.random() < 0.4:
        return NUM_WORDS[v]
    return f"{v:,}" if v >= 10000 else str(v)


def _replace(text: str, old: str, new: str) -> str | None:
    i = text.find(old)
    if i < 0:
        return None
    return text[:i] + new + text[i + len(old):]


def _compatible(q, rng) -> str | None:
    lo, hi = q.low, q.high
    if q.qualifier == "exact":
        n = int(lo)
        choices = []
        if n >= 2:
            choices.append(f"at least {rng.randint(max(1, n // 2), n)}")
            choices.append(f"more than {rng.randint(max(1, n // 2), n - 1)}")
        if n >= 10:
            choices.append(f"about {n + rng.choice([-1, 1]) * max(1, round(n * 0.05))}")
            choices.append(f"nearly {n + rng.randint(0, max(1, round(n * 0.08)))}")
        if 24 <= n <= 99:
            choices.append("dozens of")
        if n >= 1:
            choices.append(f"{rng.choice(['up to', 'as many as'])} {n + rng.randint(0, max(1, n // 2))}")
        if 3 <= n <= 9:
            choices.append("several")
        if 2 <= n <= 5:
            choices.append("a few")
        choices.append(_render(n, rng))
        return rng.choice(choices)
    if math.isinf(hi):
        return _render(lo + rng.randint(0, max(1, int(lo * 0.5) + 1)), rng)
    if hi >= lo:
        return _render(rng.randint(int(lo), int(hi)), rng)
    return None


def _conflicting(q, rng) -> str | None:
    lo, hi = q.low, q.high
    if q.qualifier == "exact" and lo >= 4 and rng.random() < 0.25:
        # vague or capped figures that cannot reach the stated count
        opts = [f"up to {rng.randint(1, int(lo) // 2)}"]
        if lo >= 15:
            opts.append("several")
        if lo >= 8:
            opts.append("a few")
        return rng.choice(opts)
    if q.qualifier in ("at_least", "more_than") or math.isinf(hi):
        if lo < 2:
            return None
        return _render(rng.randint(0 if lo > 3 else 0, int(lo) - 1), rng) if lo > 1 else None
    top = hi if not math.isinf(hi) else lo
    if rng.random() < 0.5 or lo < 2:
        m = int(top) + max(1, rng.randint(max(1, int(top * 0.3)), max(2, int(top * 1.5) + 2)))
        return rng.choice([_render(m, rng), f"at least {m}", f"more than {m}"])
    m = rng.randint(0, max(0, int(lo) - 1))
    if m == 0:
        m = 1 if lo > 1 else 0
    return _render(m, rng) if m < lo else None


_NEG = [(re.compile(r"\b(were|was|had|has|have|is|are)\s+(been\s+)?(killed|injured|wounded|shot down|intercepted|"
                    r"destroyed|damaged|hit|launched|fired)\b", re.I), r"\1 not \2\3"),
        (re.compile(r"\bsaid that\b"), "denied that"), (re.compile(r"\bconfirmed that\b"), "denied that")]


def _negate(text: str) -> str | None:
    for rx, rep in _NEG:
        if rx.search(text):
            return rx.sub(rep, text, count=1)
    return None


SILENCE_TEMPLATES = ["{name} has not commented on the reported {event} figures.",
                     "{name} declined to comment on the attack.",
                     "{name} made no mention of {event} in its statement.",
                     "There was no immediate comment from {name}.",
                     "{name} have yet to comment on the reports."]


KIND_LABELS = {
    "agree_cross": "agree", "contradict_cross": "contradict", "agree_within": "agree", "agree_same": "agree",
    "contradict_number": "contradict", "contradict_negation": "contradict", "neutral_place": "neutral",
    "neutral_scope": "neutral", "neutral_other_event": "neutral", "unreported_other_incident": "unreported",
    "unreported_silence": "unreported", "unreported_none": "unreported",
}
"""Each transformation and the label it makes. ``neutral_place``/``neutral_scope``: the same kind of figure
at another place or scope ("1 killed in Lviv" vs "3 killed in Kyiv", "30 nationwide" vs "5 in the capital"):
a different fact of the incident, never a contradiction."""
DEFAULT_KINDS = {"agree_cross": 1.5, "contradict_cross": 1.5, "agree_within": 1.5, "agree_same": 1.0,
                 "contradict_number": 2.0, "contradict_negation": 0.6, "neutral_place": 0.6, "neutral_scope": 0.5,
                 "neutral_other_event": 1.0, "unreported_other_incident": 0.8, "unreported_silence": 0.8,
                 "unreported_none": 0.4}


def synthetic_pairs(seed_claims: list[dict], extractor: ClaimExtractor, kinds: dict[str, float] | None = None,
                    per_claim: int = 4, seed: int = 0) -> PairSet:
    """FactCC-style pairs from team-written claims, each labelled by the transformation that made it.

    ``seed_claims``: dicts with text, published, outlet, incident, source.
    ``kinds``: relative weights of the transformations in :data:`KIND_LABELS`. Every pair carries the
    figure it is about (``focus``), as the pairs of a scoring run do.
    """
    rng = random.Random(seed)
    kinds = dict(kinds or DEFAULT_KINDS)
    unknown = sorted(set(kinds) - set(KIND_LABELS))
    if unknown:
        raise ValueError(f"unknown synthetic pair kinds {unknown}; known: {sorted(KIND_LABELS)}")
    kinds = {k: float(w) for k, w in kinds.items() if float(w) > 0}
    gaz = extractor.gazetteer
    place_names = sorted({v for v in gaz.alias.values() if v not in gaz.countries})
    claims: list[tuple[dict, Claim]] = []
    for i, rec in enumerate(seed_claims):
        pub = parse_date(rec["published"]) if rec.get("published") else None
        c = extractor.extract_sentence(rec["text"], rec.get("outlet", "seed"), pub, source=rec.get("source"),
                                       article_id=f"seed{i}", index=0)
        c.claim_id = f"seed:{i}"
        c.incident_id = rec.get("incident")
        claims.append((rec, c))
    by_incident: dict[str, list[Claim]] = {}
    for rec, c in claims:
        by_incident.setdefault(rec.get("incident") or "none", []).append(c)
    sources = sorted({c.source for _, c in claims}) or ["other"]
    out = PairSet("synthetic")
    names, weights = zip(*kinds.items())

    def make_b(a: Claim, text: str, src: str | None = None) -> Claim:
        b = extractor.extract_sentence(text, "Synthetic Wire", a.published, source=src or rng.choice(sources),
                                       article_id=a.article_id + "b")
        b.claim_id = a.claim_id + "~" + str(rng.randint(0, 10**9))
        b.incident_id = a.incident_id
        return b

    def cross_partner(a: Claim, inc: str):
        """Another sentence of the same incident counting the same fact (event and unit)."""
        opts = []
        for c in by_incident.get(inc, []):
            if c is a or c.kind != "statement":
                continue
            for qa in quantities(a):
                for qb in quantities(c):
                    if qa.event == qb.event and unit_class(qa.unit) == unit_class(qb.unit) \
                            and qb.text and qb.text in c.text:
                        opts.append((qa, c, qb))
        return rng.choice(opts) if opts else None

    for rec, a in claims:
        inc = rec.get("incident") or "none"
        all_q = quantities(a)
        qs = [q for q in all_q if q.text and q.text in a.text]
        for _ in range(per_claim):
            kind = rng.choices(names, weights)[0]
            b: Claim | None = None
            focus = rng.choice(all_q) if all_q else None
            made = True
            if kind in ("agree_cross", "contradict_cross"):
                # different wording, controlled figure: rewrite the partner's figure relative to a's interval
                part = cross_partner(a, inc)
                made = part is not None
                if made:
                    qa, c, qb = part
                    new = _compatible(qa, rng) if kind == "agree_cross" else _conflicting(qa, rng)
                    t = _replace(c.text, qb.text, new) if new else None
                    made = t is not None
                    if made:
                        b = make_b(a, t, c.source if c.source != a.source else None)
                        focus = qa
            elif kind in ("agree_within", "contradict_number"):
                if not qs:
                    made = False
                else:
                    q = rng.choice(qs)
                    new = _compatible(q, rng) if kind == "agree_within" else _conflicting(q, rng)
                    t = _replace(a.text, q.text, new) if new else None
                    made = t is not None and t != a.text
                    if made:
                        b = make_b(a, t)
                        focus = q
            elif kind == "agree_same":
                b = make_b(a, a.text)
            elif kind == "contradict_negation":
                t = _negate(a.text)
                made = t is not None
                if made:
                    b = make_b(a, t)
            elif kind in ("neutral_place", "neutral_scope"):
                t = _other_place_or_scope(a, kind, qs, place_names, rng)
                made = t is not None
                if made:
                    b = make_b(a, t[0])
                    focus = t[1]
                    made = _place_or_scope_differs(a, b)
            elif kind == "neutral_other_event":
                ev_a = {q.event for q in all_q} | set(a.events)
                cands = [c for c in by_incident.get(inc, []) if c is not a and
                         not ({q.event for q in quantities(c)} & ev_a) and c.kind == "statement"]
                made = bool(cands)
                if made:
                    b = rng.choice(cands)
            elif kind == "unreported_other_incident":
                others = [k for k in by_incident if k != inc]
                made = bool(others)
                if made:
                    b = rng.choice(by_incident[rng.choice(others)])
            elif kind == "unreported_silence":
                ev = (all_q[0].event if all_q else None) or "casualty"
                src = rng.choice(sources)
                name = extractor.registry.get(src).name if extractor.registry.get(src) else src
                t = rng.choice(SILENCE_TEMPLATES).format(name=name[:1].upper() + name[1:], event=ev.replace("_", " "))
                b = make_b(a, t, src)
            elif kind == "unreported_none":
                b = None
            if not made:
                continue
            lab = KIND_LABELS[kind]
            out.pairs.append(ClaimPair(a=a, b=b, source_a=a.source, source_b=b.source if b else "none",
                                       incident_id=inc, label=lab, focus=focus))
            out.labels.append(lab)
            out.groups.append(inc)
            out.kinds.append(kind)
    return out


def _other_place_or_scope(a: Claim, kind: str, qs, place_names: list[str], rng: random.Random):
    """(text, focus): a's sentence moved to another city (neutral_place) or to the other scope (neutral_scope),
    its figure changed to one that would conflict at the same place — so only place/scope keeps it apart."""
    if not qs:
        return None
    q = rng.choice(qs)
    text = a.text
    if kind == "neutral_place":
        locs = sorted(local_places(a))
        if not locs:
            return None
        p = rng.choice(locs)
        other = rng.choice([x for x in place_names if x != p] or [p])
        rx = re.compile(rf"\b{re.escape(p)}\b")
        if not rx.search(text):
            return None
        text = rx.sub(other, text, count=1)
    else:
        m = SCOPE_NATIONAL.search(text)
        if m:  # national -> one city
            text = text[:m.start()] + f"in {rng.choice(place_names)} alone" + text[m.end():]
        else:
            locs = sorted(local_places(a))
            m = re.search(rf"\b(?:in|across|over|on)\s+(?:the\s+(?:city|region)\s+of\s+)?(?:{'|'.join(map(re.escape, locs))})"
                          rf"(?:\s+region)?\b", text) if locs else None
            if not m:
                return None
            text = text[:m.start()] + rng.choice(["across the country", "nationwide", "across Ukraine"]) + text[m.end():]
    new = _conflicting(q, rng)
    if new and q.text in text:
        text = _replace(text, q.text, new) or text
    return (text, q) if text != a.text else None


def _place_or_scope_differs(a: Claim, b: Claim) -> bool:
    from discrep.model.features import comparable_context

    return any(comparable_context(a, b))


def _family(unit):
    return UNIT_FAMILY.get(unit or "", unit)


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ---------------------------------------------------------------- public benchmark data
def sick_pairs(path: str | Path, extractor: ClaimExtractor, splits=("TRAIN", "TRIAL"), limit: int | None = None) -> PairSet:
    ds = load_table(path, delimiter="\t")
    ds = ds.filter(lambda r: r["SemEval_set"] in splits)
    if limit:
        ds = ds.select(range(min(limit, len(ds))))
    out = PairSet("sick")
    for r in ds:
        lab = SICK_MAP.get(r["entailment_label"])
        if lab is None:
            continue
        a = extractor.extract_sentence(r["sentence_A"], "SICK", None, source="sick-a", article_id=f"sick{r['pair_ID']}a")
        b = extractor.extract_sentence(r["sentence_B"], "SICK", None, source="sick-b", article_id=f"sick{r['pair_ID']}b")
        out.pairs.append(ClaimPair(a, b, "sick-a", "sick-b", label=lab))
        out.labels.append(lab)
        out.groups.append(f"sick{r['pair_ID']}")
        out.kinds.append("sick")
    return out


# ---------------------------------------------------------------- gold
def gold_pairs(gold_dir: str | Path, claims: list[Claim]) -> PairSet:
    """Gold pairs mapped onto extracted claims by sentence text (pairs whose sentences were not
    extracted are reported in ``kinds`` as 'missing' and kept out of the pairs)."""
    path = Path(gold_dir) / "pairs.jsonl"
    out = PairSet("gold")
    if not path.exists():
        return out
    index: dict[str, list[Claim]] = {}
    for c in claims:
        index.setdefault(c.article_id, []).append(c)

    def find(ref) -> Claim | None:
        if not ref:
            return None
        sent = _norm(ref["sentence"])
        for c in index.get(ref["article_id"], []):
            t = _norm(c.text)
            if sent == t or sent in t or (t in sent and len(t) > 20):
                return c
        return None

    for rec in read_jsonl(path):
        a = find(rec["a"])
        b = find(rec.get("b"))
        if a is None or (rec.get("b") and b is None):
            out.missing.append(rec)
            continue
        label = rec["label"]
        out.pairs.append(ClaimPair(a, b, rec["source_a"], rec["source_b"], incident_id=rec.get("incident"), label=label,
                                   focus=gold_focus(a, rec.get("event"), rec.get("unit"))))
        out.labels.append(label)
        out.groups.append(rec.get("incident") or "")
        out.kinds.append("qualifier_compatible" if rec.get("qualifier_compatible") else label)
    return out


def gold_focus(a: Claim, event: str | None, unit: str | None):
    """The figure of ``a`` that a gold label is about (same event and unit), else the same event, else None."""
    qs = [q for q in quantities(a) if q.event == event]
    exact = [q for q in qs if unit_class(q.unit) == unit_class(unit)]
    return (exact or qs or [None])[0]


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("’", "'").replace("“", '"').replace("”", '"')).strip().lower()


def today() -> date:
    return date.today()


# ---------------------------------------------------------------- FNC-1 (headline vs article body)
@dataclass
class StanceSet:
    """FNC-1 style (claim, document) pairs with labels and story ids (split by story, never by row)."""

    claims: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)

    def subset(self, idx) -> "StanceSet":
        return StanceSet([self.claims[i] for i in idx], [self.texts[i] for i in idx], [self.labels[i] for i in idx],
                         [self.stories[i] for i in idx])

    def __len__(self):
        return len(self.claims)


def fnc_pairs(folder: str | Path, limit: int | None = None) -> StanceSet:
    """``stances.csv`` + ``bodies.csv`` of an FNC-1 folder, labels mapped to discrep's (disagree -> contradict).
    A pair's story is its body's story; unrelated pairs whose headline belongs to another story are kept only
    when both stories end up on the same side of a split (see :func:`story_split`)."""
    folder = Path(folder)
    bodies = {int(r["body_id"]): (r["body"], r["story"]) for r in load_table(folder / "bodies.csv")}
    out = StanceSet()
    for r in load_table(folder / "stances.csv"):
        body, story = bodies[int(r["body_id"])]
        out.claims.append(r["headline"])
        out.texts.append(body)
        out.labels.append(FNC_MAP[r["stance"]])
        out.stories.append(f"{r['headline_story']}|{r['body_story']}")
        if limit and len(out) >= limit:
            break
    return out


def story_folds(stories: list[str], n_folds: int = 5, salt: str = "discrep") -> np.ndarray:
    """Fold id of each pair by story (a hash of the story id), -1 when the headline's and the body's
    stories fall in different folds: such a pair is left out, so no story is ever on both sides."""
    import hashlib

    def fold(s: str) -> int:
        return int(hashlib.sha256(f"{salt}:{s}".encode()).hexdigest()[:8], 16) % n_folds

    out = np.full(len(stories), -1, dtype=int)
    for i, pair in enumerate(stories):
        fs = {fold(s) for s in pair.split("|")}
        if len(fs) == 1:
            out[i] = fs.pop()
    return out
