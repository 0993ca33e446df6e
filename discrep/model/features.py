"""Pair features: what tells agreement from contradiction from silence.

Embeddings say whether two claims talk about the same thing; they are blind to "three" vs "at
least five". The numeric group compares qualified figures as intervals — but only figures that
count the same event, in the same unit, at the same place and scope: "1 killed in Lviv" and
"3 killed in Kyiv" are two facts of one incident, "30 killed nationwide" and "5 killed in the
capital alone" too, and "five children" is a subset of "25 people", not a rival count.

A :class:`ClaimPair` may carry a ``focus`` figure of its first claim: then the numeric features
judge that figure only (one verdict per compared fact, as the gold labels and the report do).
"""
from __future__ import annotations

import contextlib
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone

from discrep.records.core import Claim, ClaimPair, Quantity
from discrep.stages.extract import NEG_RE, UNIT_FAMILY
from discrep.text.numbers import gap, overlap
from discrep.text.places import Gazetteer

GROUPS = ("embedding", "numeric", "events", "polarity", "lexical", "meta")
EVENTS = ("killed", "injured", "shot_down", "launched", "damaged")
ANTONYMS = [
    ({"hit", "struck", "destroyed", "damaged", "reached", "landed"},
     {"intercepted", "downed", "repelled", "thwarted", "shot", "neutralised", "neutralized"}),
    ({"civilian", "civilians", "residential", "homes", "hospital", "school", "apartment", "children"},
     {"military", "soldiers", "troops", "base", "militants", "fighters", "servicemen"}),
    ({"confirmed", "admitted", "acknowledged", "true", "real"},
     {"denied", "rejected", "dismissed", "refuted", "false", "fake", "hoax", "debunked"}),
    ({"increased", "rose", "more", "higher"}, {"decreased", "fell", "fewer", "lower"}),
    ({"alive", "survived", "rescued"}, {"dead", "killed", "died"}),
    ({"ukrainian", "ukraine", "kyiv"}, {"russian", "russia", "moscow"}),
    ({"man", "boy", "men", "male"}, {"woman", "girl", "women", "female"}),
    ({"open", "opened"}, {"closed", "shut"}),
]
REFUTE = re.compile(r"\b(?:fake|fraud|hoax|false|deny|denies|denied|not true|untrue|debunk\w*|refut\w*|fabricat\w*|"
                    r"no evidence|baseless|misleading|satir\w*|prank|rumou?rs?|doubt\w*|not\s+(?:been\s+)?confirmed|"
                    r"incorrect|wrong|myth|made up|never happened)\b", re.I)
HEDGE = re.compile(r"\b(?:reportedly|allegedly|purportedly|apparently|claim(?:s|ed)?|unconfirmed|unverified|"
                   r"may|might|could|possibly|according to|rumou?r\w*|suggest\w*|appears?|believed)\b", re.I)
# Scope of a figure: the whole country vs one city. Figures of different scopes are different facts.
SCOPE_NATIONAL = re.compile(
    r"\b(?:nationwide|nation-wide|countrywide|country-wide|across (?:the|all of the|all the) (?:country|nation|regions?)"
    r"|across (?:ukraine|russia)|throughout (?:the country|ukraine|russia)|in total|in all|overall|all (?:over|across) "
    r"the country|(?:across|in) (?:several|many|multiple|\w+) (?:regions|cities|oblasts)|national (?:death )?toll)\b",
    re.I)
SCOPE_LOCAL = re.compile(
    r"\b(?:in the capital|the capital alone|across the (?:city|capital|town)|in the city|in the town|in the village"
    r"|\w+ alone|in (?:the )?(?:district|neighbo(?:u)?rhood|village)s? of)\b", re.I)
_TOK = re.compile(r"[a-z0-9]+")
_STOP = set("the a an of to in on at by for and or but with from as is are was were be been has have had that this "
            "it its their his her he she they said says".split())
# Units that count the same thing; everything else must match exactly ("children" is a subset of
# "people", "drones" are not "missiles").
UNIT_CLASS = {"people": "people", "civilians": "people", "persons": "people", None: None}


def _family(unit: str | None) -> str | None:
    return UNIT_FAMILY.get(unit or "", unit)


def unit_class(unit: str | None) -> str | None:
    return UNIT_CLASS.get(unit, unit)


_MEMO = threading.local()


@contextlib.contextmanager
def claim_memo():
    """Inside the block, what a claim's features derive from it (figures, scope, negation, tokens) is
    computed once per claim object: in an incident every claim meets many partners, and re-deriving it
    for each pair was a third of pair scoring. Claims must not change inside the block."""
    outer = getattr(_MEMO, "d", None)
    if outer is None:
        _MEMO.d = {}
    try:
        yield
    finally:
        if outer is None:
            _MEMO.d = None


def _memo(name: str, c, fn):
    d = getattr(_MEMO, "d", None)
    if d is None:
        return fn(c)
    hit = d.get((name, id(c)))
    if hit is None or hit[0] is not c:  # the claim itself is kept, so its id cannot be reused meanwhile
        hit = d[(name, id(c))] = (c, fn(c))
    return hit[1]


def local_places(c: Claim) -> set[str]:
    """Places below country level: where the figure was counted."""
    return _memo("places", c, _local_places)


def _local_places(c: Claim) -> set[str]:
    countries = Gazetteer.load().countries
    return {p for p in c.places if p not in countries}


def scope(c: Claim) -> str | None:
    """``national`` (nationwide / across the country / only a country named), ``local`` (a city, "the capital
    alone") or None (not said)."""
    return _memo("scope", c, _scope)


def _scope(c: Claim) -> str | None:
    if SCOPE_NATIONAL.search(c.text):
        return "national"
    if local_places(c) or SCOPE_LOCAL.search(c.text):
        return "local"
    if c.places:  # only countries named
        return "national"
    return None


def quantities(c: Claim) -> list[Quantity]:
    """The claim's figures that count an event, with two gaps of rule-based extraction patched (on copies;
    the claim is untouched): in "the toll has risen to 25, including five children" no figure gets an event
    (the verb is far away) and the total takes the subgroup's unit. When no figure has an event and the
    sentence names exactly one countable event, the first figure gets it, and figures introduced by
    "including" inherit it; the total before "including" takes the generic unit. Figures of people missing,
    trapped or evacuated count no casualty event."""
    return _memo("quantities", c, _quantities)


def _quantities(c: Claim) -> list[Quantity]:
    qs = [replace(q) for q in c.quantities]
    evs = sorted(set(e for e in c.events if e in EVENTS))
    if qs and len(evs) == 1 and not any(q.event for q in qs):
        qs[0].event = evs[0]
        for prev, q in zip(qs, qs[1:]):
            pos = c.text.find(prev.text) if prev.text else -1
            if pos >= 0 and _INCLUDING.match(c.text[pos + len(prev.text):]):
                q.event = prev.event
    for i, q in enumerate(qs[:-1]):
        nxt = qs[i + 1]
        if q.text and nxt.unit == q.unit and _family(q.unit) == "people" and q.unit != "people":
            pos = c.text.find(q.text)
            if pos >= 0 and _INCLUDING.match(c.text[pos + len(q.text):]):
                q.unit = "people"
    for q in qs:
        if q.event in ("killed", "injured") and q.unit is None:
            q.unit = "people"
        pos = c.text.find(q.text) if q.text else -1
        if pos >= 0 and _OTHER_STATUS.match(c.text[pos + len(q.text):]):
            q.event = None  # "dozens of residents still unaccounted for" is not a death count
    return [q for q in qs if q.event]


_OTHER_STATUS = re.compile(r"(?:\s+[\w-]+){0,4}?\s+(?:still\s+|remain(?:ed)?\s+|were\s+|are\s+)?"
                           r"(?:unaccounted for|missing|trapped|displaced|evacuated|rescued|buried|under the rubble)\b", re.I)
_INCLUDING = re.compile(r"\s*,?\s*(?:including|among them|of whom|of them)\b", re.I)


def same_fact(x: Quantity, y: Quantity) -> bool:
    """Same event and the same unit (people ≈ civilians; a missing unit matches any)."""
    if x.event != y.event:
        return False
    ux, uy = unit_class(x.unit), unit_class(y.unit)
    return ux is None or uy is None or ux == uy


def comparable_context(a: Claim, b: Claim) -> tuple[bool, bool]:
    """(places clash, scopes clash): figures from different places or scopes are different facts."""
    pa, pb = local_places(a), local_places(b)
    place_clash = bool(pa) and bool(pb) and not (pa & pb)
    sa, sb = scope(a), scope(b)
    scope_clash = {sa, sb} == {"national", "local"}
    return place_clash, scope_clash


def figure_matches(a: Claim, b: Claim, focus: Quantity | None = None):
    """Pairs (x of a, y of b) that count the same fact; x restricted to ``focus`` when given."""
    qa = quantities(a)
    if focus is not None:
        qa = [x for x in qa if x.event == focus.event and unit_class(x.unit) == unit_class(focus.unit)
              and x.low == focus.low and x.high == focus.high] or [focus]
    qb = quantities(b)
    return [(x, y) for x in qa for y in qb if same_fact(x, y)]


NUMERIC_NAMES = ["num_has_match", "num_comparable", "num_conflict", "num_compatible", "num_max_overlap",
                 "num_min_gap", "num_exact_equal", "num_exact_differ", "num_place_blocked", "num_scope_blocked",
                 "num_log_ratio", "num_open_bound", "num_shared_event", "num_b_other_figures", "num_a_has_focus"]


def numeric_features(a: Claim, b: Claim | None, focus: Quantity | None = None) -> list[float]:
    """Interval compatibility of figures that count the same fact (event, unit, place, scope)."""
    n = len(NUMERIC_NAMES)
    a_has = float(focus is not None or bool(quantities(a)))
    if b is None:
        return [0.0] * (n - 1) + [a_has]
    matches = figure_matches(a, b, focus)
    ev_a = {focus.event} if focus is not None else {q.event for q in quantities(a)}
    ev_b = {q.event for q in quantities(b)}
    shared = float(bool(ev_a & (ev_b | set(b.events))))
    other = float(bool(ev_b) and not matches)
    if not matches:
        return [0.0] * 12 + [shared, other, a_has]
    place_clash, scope_clash = comparable_context(a, b)
    ovs = [overlap(x.low, x.high, y.low, y.high) for x, y in matches]
    gaps = [gap(x.low, x.high, y.low, y.high) for x, y in matches]
    comparable = not (place_clash or scope_clash)
    # per figure of a: it agrees if any same-fact figure of b overlaps it, conflicts if all are disjoint
    per_x: dict[int, float] = {}
    for (x, _), o in zip(matches, ovs):
        per_x[id(x)] = max(per_x.get(id(x), 0.0), o)
    conflict = comparable and any(v == 0.0 for v in per_x.values())
    compatible = comparable and all(v > 0.0 for v in per_x.values())
    exact_equal = any(x.low == y.low and x.high == y.high for x, y in matches)
    exact_differ = any(x.qualifier == y.qualifier == "exact" and x.low != y.low for x, y in matches)
    ratios = [abs(math.log((x.value or x.low or 0) + 1) - math.log((y.value or y.low or 0) + 1)) for x, y in matches]
    open_bound = any(math.isinf(x.high) or math.isinf(y.high) for x, y in matches)
    c = float(comparable)
    return [1.0, c, float(conflict), float(compatible), c * max(ovs), c * min(gaps), c * float(exact_equal),
            c * float(exact_differ), float(place_clash), float(scope_clash), min(ratios), float(open_bound),
            shared, other, a_has]


def event_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0, 0.0, float(bool(set(a.events) & set(EVENTS))), 1.0]
    ea, eb = set(a.events) & set(EVENTS), set(b.events) & set(EVENTS)
    jac = len(ea & eb) / len(ea | eb) if ea | eb else 0.0
    a_only = len(ea - eb) / max(len(ea), 1)
    return [jac, float(bool(ea & eb)), a_only, float(not eb)]


def _negated(c: Claim) -> bool:
    return _memo("negated", c, _negated_)


def _negated_(c: Claim) -> bool:
    return c.polarity == "negated" or bool(NEG_RE.search(c.text)) or bool(
        re.search(r"\b(?:no|nobody|none|nothing|noone|no one|without)\b", c.text, re.I))


def _neg_count(c: Claim) -> int:
    return _memo("neg_count", c, _neg_count_)


def _neg_count_(c: Claim) -> int:
    return len(NEG_RE.findall(c.text)) + len(re.findall(r"\b(?:no|nobody|none|nothing|without)\b", c.text, re.I))


def polarity_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0] * 9
    na, nb = _negated(a), _negated(b)
    ra, rb = (_memo("refute", c, lambda c: len(REFUTE.findall(c.text))) for c in (a, b))
    ha, hb = (_memo("hedge", c, lambda c: len(HEDGE.findall(c.text))) for c in (a, b))
    return [float(na != nb), float(a.polarity == "hedged" or b.polarity == "hedged"),
            float(b.kind == "silence"), float(a.kind == "silence"), float(na and nb),
            float(min(rb, 3) - min(ra, 3)), float(bool(ra) != bool(rb)), float(bool(ha) != bool(hb)),
            float(min(abs(_neg_count(a) - _neg_count(b)), 3))]


def _tokens(t: str) -> set[str]:
    return {w for w in _TOK.findall(t.lower()) if w not in _STOP}


def lexical_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0] * 6
    ta, tb = (_memo("tokens", c, lambda c: _tokens(c.text)) for c in (a, b))
    jac = len(ta & tb) / len(ta | tb) if ta | tb else 0.0
    cov = len(ta & tb) / max(len(ta), 1)
    cov_b = len(ta & tb) / max(len(tb), 1)
    # an antonym pair counts when each side holds its own word (the other side lacks it)
    ant = sum(1.0 for x, y in ANTONYMS if ((ta & x) - tb and (tb & y) - ta) or ((ta & y) - tb and (tb & x) - ta))
    nums_a = {w for w in ta if w.isdigit()}
    nums_b = {w for w in tb if w.isdigit()}
    num_j = len(nums_a & nums_b) / len(nums_a | nums_b) if nums_a | nums_b else 0.0
    num_diff = float(bool(nums_a) and bool(nums_b) and not (nums_a & nums_b))
    return [jac, cov, ant, num_j, num_diff, cov_b]


def meta_features(a: Claim, b: Claim | None) -> list[float]:
    if b is None:
        return [0.0] * 9 + [1.0]
    same_source = float(a.source == b.source)
    relayed = float(a.source == b.source and a.outlet != b.outlet)  # one speaker, two outlets
    if a.date and b.date:
        dd = abs((a.date - b.date).days)
        date_agree, date_conf = float(dd == 0), float(dd > 1)
    else:
        date_agree, date_conf = 0.0, 0.0
    pa, pb = local_places(a), local_places(b)
    place_j = len(pa & pb) / len(pa | pb) if pa and pb else 0.0
    place_clash, scope_clash = comparable_context(a, b)
    party_diff = float(bool(a.party) and bool(b.party) and a.party != b.party)
    return [same_source, relayed, date_agree, date_conf, place_j, float(place_clash), float(scope_clash),
            party_diff, float(a.outlet == b.outlet), 0.0]


STRUCT_NAMES = {
    "numeric": NUMERIC_NAMES,
    "events": ["ev_jaccard", "ev_shared", "ev_a_only", "ev_b_none"],
    "polarity": ["neg_mismatch", "hedged", "b_silence", "a_silence", "both_negated", "refute_diff", "refute_mismatch",
                 "hedge_mismatch", "neg_count_diff"],
    "lexical": ["tok_jaccard", "tok_cover", "antonyms", "num_tok_jaccard", "num_tok_differ", "tok_cover_b"],
    "meta": ["same_source", "relayed", "date_agree", "date_conflict", "place_jaccard", "place_clash", "scope_clash",
             "party_differ", "same_outlet", "b_missing"],
}


class PairFeaturizer(TransformerMixin, BaseEstimator):
    """ClaimPairs -> feature matrix. ``embedder`` is any object with ``encode(texts) -> (n, d)``;
    it is excluded from the saved model and passed in again at load (weights live in their own package).

    ``embedding_mode``: ``diff_prod`` (|u−v|, u·v, cosine), ``full`` (u, v too) or ``cosine`` only.
    """

    def __init__(self, groups: Sequence[str] = GROUPS, embedder=None, embedding_mode: str = "diff_prod"):
        self.groups = groups
        self.embedder = embedder
        self.embedding_mode = embedding_mode

    def __sklearn_clone__(self):
        """A clone shares the embedder, every other parameter is cloned as usual. The embedder is a
        collaborator, not a setting: a loaded sentence-transformers model (hundreds of MB, loaded once) and
        its vector cache are shared and only read, and a deep copy would drop the loaded model and the
        cache (``Embedder.__getstate__``), so the clone would load it again and embed every text twice."""
        params = self.get_params(deep=False)
        embedder = params.pop("embedder")
        return type(self)(embedder=embedder, **clone(params, safe=False))

    def fit(self, X, y=None):
        unknown = set(self.groups) - set(GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; known: {GROUPS}")
        if self.embedding_mode not in ("diff_prod", "full", "cosine"):
            raise ValueError(f"unknown embedding_mode {self.embedding_mode!r}; known: diff_prod, full, cosine")
        self.n_features_out_ = self.transform(X[:1]).shape[1] if len(X) else None
        return self

    def transform(self, X: Sequence[ClaimPair]) -> np.ndarray:
        with claim_memo():
            return self._transform(list(X))

    def _transform(self, pairs: list[ClaimPair]) -> np.ndarray:
        blocks = []
        if "embedding" in self.groups:
            if self.embedder is None:
                raise ValueError("the 'embedding' feature group needs an embedder: PairFeaturizer(embedder=...)")
            ta = [p.a.text for p in pairs]
            tb = [p.b.text if p.b is not None else "" for p in pairs]
            E = self.embedder.encode(ta + tb) if pairs else np.zeros((0, 1), np.float32)
            u, v = E[: len(pairs)], E[len(pairs):]
            present = np.array([[p.b is not None] for p in pairs], dtype=np.float32).reshape(-1, 1)
            v = v * present
            cos = np.sum(u * v, axis=1, keepdims=True)
            parts = [np.abs(u - v), u * v, cos]
            if self.embedding_mode == "full":
                parts = [u, v] + parts
            elif self.embedding_mode == "cosine":
                parts = [cos]
            blocks.append(np.hstack(parts))
        fns = [("numeric", lambda p: numeric_features(p.a, p.b, p.focus)),
               ("events", lambda p: event_features(p.a, p.b)), ("polarity", lambda p: polarity_features(p.a, p.b)),
               ("lexical", lambda p: lexical_features(p.a, p.b)), ("meta", lambda p: meta_features(p.a, p.b))]
        for name, fn in fns:
            if name in self.groups:
                blocks.append(np.array([fn(p) for p in pairs], dtype=np.float32).reshape(len(pairs), -1))
        if not blocks:
            raise ValueError("no feature groups selected")
        out = np.hstack(blocks).astype(np.float32)
        return np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=0.0)

    def feature_names(self, dim: int | None = None) -> list[str]:
        names: list[str] = []
        if "embedding" in self.groups:
            d = dim or 384
            if self.embedding_mode == "full":
                names += [f"u{i}" for i in range(d)] + [f"v{i}" for i in range(d)]
            if self.embedding_mode != "cosine":
                names += [f"absdiff{i}" for i in range(d)] + [f"prod{i}" for i in range(d)]
            names.append("cosine")
        for g in ("numeric", "events", "polarity", "lexical", "meta"):
            if g in self.groups:
                names += STRUCT_NAMES[g]
        return names


def fact_label(q: Quantity | None) -> str | None:
    """``killed/people``: the compared fact of a focused pair."""
    return f"{q.event}/{unit_class(q.unit) or 'any'}" if q is not None and q.event else None


def reason(a: Claim, b: Claim | None, label: str, focus: Quantity | None = None) -> str:
    """Human-readable reason, e.g. ``killed: 1 (gladkov) vs ≥2 (local-telegram) — conflict``."""
    qa = [focus] if focus is not None else quantities(a)
    if b is None:
        facts = ", ".join(f"{q.event}: {q.display()}" for q in qa) or a.text[:80]
        return f"{a.source} states {facts}; the other source says nothing about it"
    if b.kind == "silence":
        facts = ", ".join(f"{q.event}: {q.display()}" for q in qa) or "this"
        return f"{a.source} states {facts}; {b.source} has not commented"
    pairs = figure_matches(a, b, focus)
    place_clash, scope_clash = comparable_context(a, b)
    if pairs:
        def score(xy):
            x, y = xy
            return overlap(x.low, x.high, y.low, y.high) if label != "contradict" else -gap(x.low, x.high, y.low, y.high)
        x, y = max(pairs, key=score)
        unit = f" {x.unit or y.unit}" if (x.unit or y.unit) not in (None, "people") else ""
        if place_clash or scope_clash:
            where = (f"{', '.join(sorted(local_places(a)))} vs {', '.join(sorted(local_places(b)))}" if place_clash
                     else f"{scope(a)} vs {scope(b)} figure")
            rel = f"different {'places' if place_clash else 'scope'} ({where})"
        else:
            rel = {"agree": "compatible", "contradict": "conflict"}.get(label, "")
        return f"{x.event}{unit}: {x.display()} ({a.source}) vs {y.display()} ({b.source})" + (f" — {rel}" if rel else "")
    if _negated(a) != _negated(b):
        na = _negated(a)
        return f"{a.source} {'denies' if na else 'affirms'} what {b.source} {'affirms' if na else 'denies'}"
    if place_clash:
        return f"place: {', '.join(sorted(local_places(a)))} ({a.source}) vs {', '.join(sorted(local_places(b)))} ({b.source})"
    return f"{label}: {a.source} vs {b.source} (text similarity)"


def safe_inf(x: float) -> float:
    return 1e9 if math.isinf(x) else x
