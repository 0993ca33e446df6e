"""Reconciled figures and agreement grades: what an analyst codes by hand from conflicting reports.

For every incident and every (event, unit, place) — killed people, missiles launched, rockets shot
down in one city — all claims become one ``low / best / high`` estimate under a written policy
(``conf/reconcile/*.yaml``, see docs/reconcile.md), with the claims behind each bound. Claims are
first collapsed to independent sources (:mod:`discrep.independence`): a figure relayed by five
outlets is one source. Each figure and each incident then gets a grade — ``contested``,
``confirmed``, ``unreported-by-party``, ``single-source`` (incidents also ``uncorroborated``) —
from the intervals, the calibrated pair scores and the number of independent sources.

Everything here is a pure function of claims, incidents, discrepancies and a policy: no embedder.
"""
from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from discrep.errors import DiscrepError
from discrep.records.core import Article, Claim, Discrepancy, Incident
from discrep.records.findings import Estimate, Figure, IncidentGrade, Syndication, _fmt
from discrep.resources import CONF_DIR
from discrep.stages.base import Independence
from discrep.stages.independence import SourceIndependence
from discrep.text.numbers import VAGUE
from discrep.text.places import Gazetteer

FIGURE_EVENTS = ("killed", "injured", "shot_down", "launched", "damaged")
GRADES = ("contested", "confirmed", "unreported-by-party", "single-source", "uncorroborated")
BEST_RULES = ("conservative", "median", "latest", "highest")
CASUALTY_RE = re.compile(r"\b(?:casualt\w*|death\w*|dead|died|killed|kill\w*|wounded|injur\w*|hurt|victims?|toll|"
                         r"fatalit\w*)\b", re.I)
INF = math.inf


class PolicyError(DiscrepError):
    """A reconciliation policy file is missing or malformed."""


# ---------------------------------------------------------------- policy
@dataclass
class GradeConfig:
    """Thresholds of the agreement grades (docs/reconcile.md)."""

    contest_threshold: float = 0.6  # a classifier contradiction counts from this calibrated probability
    agree_threshold: float = 0.6  # a classifier agreement counts (incidents without figures) from this
    contest_evidence: tuple[str, ...] = ("intervals", "classifier")
    min_confirming_sources: int = 2
    credible_types: tuple[str, ...] = ("government", "military", "official", "organisation", "media", "person")
    conflict_parties: tuple[str, ...] = ("russia", "ukraine")
    require_explicit_silence: bool = True
    figure_precedence: tuple[str, ...] = ("contested", "confirmed", "unreported-by-party", "single-source")
    incident_precedence: tuple[str, ...] = ("contested", "unreported-by-party", "confirmed", "single-source",
                                            "uncorroborated")


@dataclass
class ReconcilePolicy:
    """How claims become one figure. The defaults are ``conf/reconcile/conservative.yaml``.

    best: ``conservative`` (lowest figure that no source contradicts; the lowest reported when they
      conflict), ``median`` (median of independent sources), ``latest`` (newest statement),
      ``highest``; every rule but the conflict case stays inside the sources' common interval.
    per_source: ``latest`` keeps only the newest statements of each independent source (a toll that
      rose is not a second source); ``all`` keeps every statement.
    open_high: ``stated`` — an open figure ("at least 39") contributes its number to ``high``;
      ``unbounded`` — it makes ``high`` null.
    vague: phrase -> (low, best, high); overrides :data:`discrep.numbers.VAGUE` for reconciliation.
    """

    name: str = "conservative"
    best: str = "conservative"
    per_source: str = "latest"
    open_high: str = "stated"
    include_hedged: bool = False
    scope_by_place: bool = True
    scope_types: tuple[str, ...] = ("city", "town")
    vague: dict[str, tuple[float, float, float]] = field(default_factory=lambda: dict(CONSERVATIVE_VAGUE))
    grades: GradeConfig = field(default_factory=GradeConfig)
    independence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.best not in BEST_RULES:
            raise PolicyError(f"reconcile policy {self.name!r}: best must be one of {BEST_RULES}, got {self.best!r}")
        if self.per_source not in ("latest", "all"):
            raise PolicyError(f"reconcile policy {self.name!r}: per_source must be 'latest' or 'all'")
        if self.open_high not in ("stated", "unbounded"):
            raise PolicyError(f"reconcile policy {self.name!r}: open_high must be 'stated' or 'unbounded'")
        for g in (*self.grades.figure_precedence, *self.grades.incident_precedence):
            if g not in GRADES:
                raise PolicyError(f"reconcile policy {self.name!r}: unknown grade {g!r} (known: {GRADES})")

    @classmethod
    def from_dict(cls, d: dict, name: str | None = None) -> "ReconcilePolicy":
        d = dict(d or {})
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise PolicyError(f"reconcile policy {name or d.get('name')!r}: unknown keys {sorted(unknown)}")
        vague = {}
        for k, v in (d.pop("vague", None) or {}).items():
            try:
                if isinstance(v, dict):
                    lo, best, hi = v["low"], v["best"], v["high"]
                else:
                    lo, best, hi = v
                lo, best, hi = float(lo), float(best), (INF if hi is None else float(hi))
            except (KeyError, TypeError, ValueError) as e:
                raise PolicyError(f"reconcile policy {name!r}: vague {k!r} needs low, best, high ({e})") from None
            if not lo <= best <= hi:
                raise PolicyError(f"reconcile policy {name!r}: vague {k!r}: need low <= best <= high")
            vague[k.lower()] = (lo, best, hi)
        g = dict(d.pop("grades", None) or {})
        bad = set(g) - set(GradeConfig.__dataclass_fields__)
        if bad:
            raise PolicyError(f"reconcile policy {name!r}: unknown grades keys {sorted(bad)}")
        for k in ("contest_evidence", "credible_types", "conflict_parties", "figure_precedence", "incident_precedence"):
            if k in g:
                g[k] = tuple(g[k])
        import inspect

        indep_params = set(inspect.signature(SourceIndependence.__init__).parameters) - {"self", "registry"}
        bad = set(d.get("independence") or {}) - indep_params
        if bad:
            raise PolicyError(f"reconcile policy {name!r}: unknown independence keys {sorted(bad)}")
        if "scope_types" in d:
            d["scope_types"] = tuple(d["scope_types"])
        kw = {**d, "grades": GradeConfig(**g)}
        if vague:
            kw["vague"] = vague
        if name and "name" not in kw:
            kw["name"] = name
        return cls(**kw)

    @classmethod
    def load(cls, spec: str | Path | None = None, conf_dir: str | Path | None = None) -> "ReconcilePolicy":
        """A policy by name (``conf/reconcile/<name>.yaml``) or by path; None gives the defaults.

        The files of ``conf/reconcile/`` inherit ``default.yaml`` through a Hydra defaults list; this reads
        that list the way Hydra composes it (``discrep score`` composes the same files with Hydra itself,
        and a test keeps both equal), so a policy loads without Hydra. A standalone file needs no list."""
        if spec is None:
            return cls()
        p = Path(spec)
        group = (Path(conf_dir) if conf_dir else CONF_DIR) / "reconcile"
        if not p.suffix:
            p = group / f"{spec}.yaml"
        if not p.exists() and str(spec) == "conservative":
            return cls()  # the built-in defaults are conservative.yaml (a test keeps them equal)
        if not p.exists():
            avail = sorted(x.stem for x in p.parent.glob("*.yaml")) if p.parent.exists() else []
            raise PolicyError(f"reconcile policy not found: {p}" + (f" (available: {', '.join(avail)})" if avail else ""))
        raw = _read_policy(p, group)
        return cls.from_dict(raw, name=raw.get("name") or p.stem)


def _read_policy(p: Path, group: Path, seen: tuple[Path, ...] = ()) -> dict:
    """A policy file's mapping with its Hydra defaults list applied: each entry names a policy beside it (or in
    ``group``, conf/reconcile/), merged in order, ``_self_`` where listed (else last); mappings merge key by key,
    other values (lists included) replace, as Hydra's composition does."""
    if p.resolve() in seen:
        raise PolicyError(f"reconcile policy {p}: its defaults list loops ({' -> '.join(x.name for x in seen)})")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise PolicyError(f"reconcile policy {p} is not valid YAML: {e}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"reconcile policy {p} must be a mapping")
    entries = raw.pop("defaults", None)
    if entries is None:
        return raw
    if not isinstance(entries, list) or not all(isinstance(e, str) and e and "/" not in e and ":" not in e
                                                for e in entries):
        raise PolicyError(f"reconcile policy {p}: defaults must list names of other policies (e.g. [default, "
                          f"_self_]); other Hydra entries are not read here")
    if "_self_" not in entries:
        entries = [*entries, "_self_"]
    out: dict = {}
    for e in entries:
        if e == "_self_":
            part = raw
        else:
            near = p.parent / f"{e}.yaml"
            parent = near if near.exists() else group / f"{e}.yaml"
            if not parent.exists():
                raise PolicyError(f"reconcile policy {p}: defaults entry {e!r} not found beside it or in {group}")
            part = _read_policy(parent, group, (*seen, p.resolve()))
        out = _merge(out, part)
    return out


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


# Vague counts read at their lowest plain meaning: "dozens" is at least two dozen. Overridable per policy.
CONSERVATIVE_VAGUE: dict[str, tuple[float, float, float]] = {
    "a couple of": (2, 2, 3), "a couple": (2, 2, 3), "a few": (2, 2, 5), "several": (3, 3, 9),
    "a handful of": (2, 3, 6), "a dozen": (12, 12, 12), "dozens of": (24, 24, 99), "dozens": (24, 24, 99),
    "a few dozen": (24, 24, 60), "several dozen": (36, 36, 108), "scores of": (40, 40, 199),
    "a few hundred": (200, 200, 500), "several hundred": (300, 300, 900), "hundreds of": (200, 200, 999),
    "hundreds": (200, 200, 999), "a few thousand": (2000, 2000, 5000), "several thousand": (3000, 3000, 9000),
    "thousands of": (2000, 2000, 9999), "thousands": (2000, 2000, 9999),
    "tens of thousands": (20000, 20000, 99999), "many": (5, 5, INF), "numerous": (5, 5, INF),
}
assert set(VAGUE) <= set(CONSERVATIVE_VAGUE), "keep the policy mapping in step with discrep.numbers.VAGUE"



@dataclass
class Reconciliation:
    """What the reconciliation stage adds to a scoring run."""

    figures: list[Figure]
    grades: list[IncidentGrade]
    syndication: list[Syndication]
    independence: SourceIndependence



# ---------------------------------------------------------------- figures from quantities
_QUAL_BEFORE = [("more_than", r"more than|over|upwards of|in excess of"), ("at_least", r"at least|no fewer than"),
                ("at_most", r"up to|as many as|at most|no more than"), ("nearly", r"nearly|almost|close to")]


def vague_interval(text: str, mapping: dict[str, tuple[float, float, float]]) -> tuple[float, float, float] | None:
    """(low, high, best) of a vague quantity under a policy mapping; None when ``text`` has no vague phrase.

    "more than a dozen" with a dozen = 12 is [13, inf); "up to a dozen" is [1, 12]; "nearly a dozen" [11, 12]."""
    t = " ".join(text.lower().split())
    for phrase in sorted(mapping, key=len, reverse=True):
        m = re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", t)
        if not m:
            continue
        lo, best, hi = mapping[phrase]
        before = t[:m.start()].strip()
        for kind, pat in _QUAL_BEFORE:
            if re.search(rf"(?:^|\s)(?:{pat})$", before):
                if kind == "more_than":
                    return hi + 1, INF, hi + 1
                if kind == "at_least":
                    return lo, INF, lo
                if kind == "at_most":
                    return min(1.0, hi), hi, hi
                if kind == "nearly":
                    return float(round(best * 0.9)), best, best
        return lo, hi, best
    return None


def quantity_interval(q, policy: ReconcilePolicy) -> tuple[float, float, float]:
    """(low, high, point) of a quantity for reconciliation; vague counts follow the policy's mapping."""
    if q.qualifier == "vague":
        v = vague_interval(q.text or "", policy.vague)
        if v is not None:
            return v
    lo, hi = float(q.low), float(q.high)
    val = q.value
    if val is not None and lo <= val <= hi:
        point = float(val)
    elif math.isinf(hi):
        point = lo
    else:
        point = (lo + hi) / 2
    return lo, hi, point


def claim_scope(claim: Claim, incident: Incident | None, place_types: dict[str, str],
                scope_types=("city", "town")) -> str | None:
    """The place a claim's figure counts: None for the whole incident, a city when the incident spans
    several ("three killed in Kyiv" is not the nationwide toll)."""
    local = sorted({p for p in claim.places if place_types.get(p) in scope_types})
    inc_local = {p for p in (incident.places if incident else []) if place_types.get(p) in scope_types}
    if len(local) != 1:
        return None
    s = local[0]
    if inc_local == {s}:
        return None
    return s


@dataclass
class _Raw:
    claim: Claim
    low: float
    high: float
    point: float
    text: str


def _consistent(ests) -> tuple[bool, float, float]:
    lo = max(e.low for e in ests)
    hi = min(e.high for e in ests)
    return lo <= hi, lo, hi


def reconcile_figure(key: tuple, raws: list[_Raw], indep: SourceIndependence, policy: ReconcilePolicy) -> Figure:
    """One figure from the raw estimates of one (incident, event, unit, place)."""
    incident_id, event, unit, place = key
    by_origin: dict[str, list[_Raw]] = defaultdict(list)
    for r in raws:
        by_origin[indep.origin(r.claim)].append(r)
    superseded: list[str] = []
    ests: list[Estimate] = []
    for origin, rs in by_origin.items():
        if policy.per_source == "latest":
            newest = max((r.claim.published or date.min) for r in rs)
            superseded += [r.claim.claim_id for r in rs if (r.claim.published or date.min) < newest]
            rs = [r for r in rs if (r.claim.published or date.min) == newest]
        merged: dict[tuple[float, float], Estimate] = {}
        for r in rs:
            p = indep.provenance(r.claim)
            e = merged.get((r.low, r.high))
            if e is None:
                e = merged[(r.low, r.high)] = Estimate(origin, p.origin_name, p.origin_party, p.origin_type, r.low,
                                                       r.high, r.point, r.text, r.claim.published)
            if r.claim.claim_id not in e.claim_ids:
                e.claim_ids.append(r.claim.claim_id)
            if p.chain_text not in e.chains:
                e.chains.append(p.chain_text)
            if r.claim.published and (e.published is None or r.claim.published > e.published):
                e.published = r.claim.published
        ests.extend(merged.values())
    ests.sort(key=lambda e: (e.low, e.high, e.origin))
    ok, ilo, ihi = _consistent(ests)

    low = min(e.low for e in ests)
    def eff_high(e):
        return e.high if not math.isinf(e.high) else (e.point if policy.open_high == "stated" else INF)
    high = max(eff_high(e) for e in ests)
    best = _best(ests, ok, ilo, ihi, policy)
    best = min(max(best, low), high)
    low_ids = [c for e in ests if e.low == low for c in e.claim_ids]
    high_ids = [c for e in ests if eff_high(e) == high for c in e.claim_ids]
    best_ids = [c for e in ests if e.point == best for c in e.claim_ids] or \
               [c for e in ests if e.low <= best <= e.high for c in e.claim_ids]
    return Figure(incident_id=incident_id, event=event, unit=unit, place=place, low=low, best=best, high=high,
                  policy=policy.name, n_sources=len({e.origin for e in ests}), sources=sorted({e.origin for e in ests}),
                  supporting_claim_ids=[c for e in ests for c in e.claim_ids], low_claim_ids=low_ids,
                  best_claim_ids=best_ids, high_claim_ids=high_ids, disputed=not ok,
                  superseded_claim_ids=superseded, estimates=ests)


def _best(ests: list[Estimate], consistent: bool, ilo: float, ihi: float, policy: ReconcilePolicy) -> float:
    points = [e.point for e in ests]
    rule = policy.best
    if rule == "conservative":
        if consistent:
            inside = [p for p in points if ilo <= p <= ihi]
            return min(inside) if inside else ilo
        return min(points)
    if rule == "median":
        per_origin: dict[str, list[float]] = defaultdict(list)
        for e in ests:
            per_origin[e.origin].append(e.point)
        v = statistics.median_low([statistics.median_low(v) for v in per_origin.values()])
    elif rule == "latest":
        newest = max((e.published or date.min) for e in ests)
        v = min(e.point for e in ests if (e.published or date.min) == newest)
    else:  # highest
        v = max(points)
    return min(max(v, ilo), ihi) if consistent else v


# ---------------------------------------------------------------- grades
def _silent_parties(claims: list[Claim], registry, events: set[str] | None) -> dict[str, list[str]]:
    """Parties explicitly silent in an incident -> silence claim ids; ``events`` restricts to silences whose
    topic could cover those events (a silence on "civilian casualties" covers killed/injured only)."""
    out: dict[str, list[str]] = defaultdict(list)
    for c in claims:
        if c.kind != "silence":
            continue
        party = c.party
        if party is None and registry is not None:
            s = registry.get(c.silent_source or c.source)
            party = s.party if s else None
        if not party:
            continue
        about = c.topic or c.text
        if events is not None and CASUALTY_RE.search(about) and not events & {"killed", "injured"}:
            continue
        out[party].append(c.claim_id)
    return out


def _fig_keys(c: Claim, policy: ReconcilePolicy, incident, place_types) -> dict[tuple, tuple[float, float]]:
    out = {}
    for q in c.quantities:
        if q.event in FIGURE_EVENTS and q.unit:
            lo, hi, _ = quantity_interval(q, policy)
            out[(q.event, q.unit, claim_scope(c, incident, place_types, policy.scope_types)
                 if policy.scope_by_place else None)] = (lo, hi)
    return out


def grade_figure(fig: Figure, contradictions: list[dict], silent: dict[str, list[str]], policy: ReconcilePolicy):
    g = policy.grades
    credible = {e.origin for e in fig.estimates if e.source_type in g.credible_types}
    parties = {e.party for e in fig.estimates}
    flags = []
    if ("intervals" in g.contest_evidence and fig.disputed) or contradictions:
        flags.append("contested")
    if len(credible) >= g.min_confirming_sources and "contested" not in flags:
        flags.append("confirmed")
    fig.silent_parties = sorted(p for p in silent if p in g.conflict_parties and p not in parties)
    if fig.silent_parties:
        flags.append("unreported-by-party")
    if len(credible) < 2:
        flags.append("single-source")
    fig.flags = flags
    fig.contradictions = contradictions
    fig.grade = next((x for x in g.figure_precedence if x in flags), flags[0] if flags else "single-source")


def reconcile(claims: list[Claim], incidents: list[Incident], discrepancies: list[Discrepancy],
              independence: Independence, policy: ReconcilePolicy | None = None,
              place_types: dict[str, str] | None = None) -> tuple[list[Figure], list[IncidentGrade]]:
    """Figures per (incident, event, unit, place) and a grade per incident."""
    policy = policy or ReconcilePolicy()
    place_types = Gazetteer.load().types if place_types is None else place_types
    g = policy.grades
    inc_by_id = {i.incident_id: i for i in incidents}
    by_inc: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_inc[c.incident_id or ""].append(c)
    ds_by_inc: dict[str, list[Discrepancy]] = defaultdict(list)
    for d in discrepancies:
        ds_by_inc[d.incident_id].append(d)
    registry = independence.registry_

    figures: list[Figure] = []
    grades: list[IncidentGrade] = []
    for inc in incidents:
        cs = by_inc.get(inc.incident_id, [])
        groups: dict[tuple, list[_Raw]] = defaultdict(list)
        for c in cs:
            if c.kind != "statement" or c.polarity == "negated" or (c.polarity == "hedged" and not policy.include_hedged):
                continue
            for q in c.quantities:
                if q.event not in FIGURE_EVENTS or not q.unit:
                    continue
                lo, hi, pt = quantity_interval(q, policy)
                scope = claim_scope(c, inc, place_types, policy.scope_types) if policy.scope_by_place else None
                groups[(inc.incident_id, q.event, q.unit, scope)].append(_Raw(c, lo, hi, pt, q.text))
        inc_figs = [reconcile_figure(k, rs, independence, policy) for k, rs in sorted(groups.items(), key=_key_order)]

        # classifier evidence: contradictions between independent sources, attributed to the figure they concern
        claim_by_id = {c.claim_id: c for c in cs}
        fig_contra: dict[int, list[dict]] = defaultdict(list)
        other_contra, agreements = [], []
        for d in ds_by_inc.get(inc.incident_id, []):
            if d.claim_b is None or d.label not in ("agree", "contradict"):
                continue
            a, b = claim_by_id.get(d.claim_a.claim_id, d.claim_a), claim_by_id.get(d.claim_b.claim_id, d.claim_b)
            if independence.origin(a) == independence.origin(b):
                continue  # a reprint or relay agreeing with itself is not corroboration
            ka, kb = _fig_keys(a, policy, inc, place_types), _fig_keys(b, policy, inc, place_types)
            shared = set(ka) & set(kb)
            ev = {"claim_a": a.claim_id, "claim_b": b.claim_id, "label": d.label, "score": round(float(d.score), 4),
                  "reason": d.reason}
            if d.label == "agree":
                if d.score >= g.agree_threshold:
                    agreements.append(ev)
                continue
            if d.score < g.contest_threshold or "classifier" not in g.contest_evidence:
                continue
            same_ev = {(k[0], k[1]) for k in ka} & {(k[0], k[1]) for k in kb}
            if not shared:
                if not same_ev:  # a contradiction that is not about counts (a denial, a claim of targets)
                    other_contra.append(ev)
                continue
            disjoint = {k for k in shared if max(ka[k][0], kb[k][0]) > min(ka[k][1], kb[k][1])}
            for i, f in enumerate(inc_figs):
                fk = (f.event, f.unit, f.place)
                # both claims must be evidence of this figure (not hedged away, not superseded)
                if fk in shared and (not disjoint or fk in disjoint) and \
                        {a.claim_id, b.claim_id} <= set(f.supporting_claim_ids):
                    fig_contra[i].append(ev)

        for i, f in enumerate(inc_figs):
            grade_figure(f, fig_contra.get(i, []), _silent_parties(cs, registry, {f.event}), policy)
        figures.extend(inc_figs)
        grades.append(grade_incident(inc, cs, inc_figs, other_contra, agreements, independence, registry, policy))
    return figures, grades


def _key_order(item):
    (iid, ev, unit, place), _ = item
    return (iid, FIGURE_EVENTS.index(ev), unit, place or "")


def grade_incident(inc: Incident, claims: list[Claim], figs: list[Figure], other_contra: list[dict],
                   agreements: list[dict], independence: Independence, registry,
                   policy: ReconcilePolicy) -> IncidentGrade:
    g = policy.grades
    statements = [c for c in claims if c.kind == "statement" and c.polarity != "negated"]
    origins = sorted({independence.origin(c) for c in statements})
    credible = {p.origin for p in map(independence.provenance, statements) if p.origin_type in g.credible_types}
    fig_parties = {e.party for f in figs for e in f.estimates}
    silent = _silent_parties(claims, registry, None)
    if g.require_explicit_silence:
        silent_parties = sorted(p for p in silent if p in g.conflict_parties and p not in fig_parties)
    else:
        silent_parties = sorted(p for p in g.conflict_parties if p not in fig_parties)
    n_contested = sum(f.grade == "contested" for f in figs)
    n_confirmed = sum("confirmed" in f.flags for f in figs)
    flags, reasons = [], []
    if n_contested or other_contra:
        flags.append("contested")
        reasons += [f"{f.event} {f.unit}{' in ' + f.place if f.place else ''}: "
                    + ", ".join(f"{_fmt(e.point) if e.low == e.high else e.text} ({e.origin})" for e in f.estimates)
                    for f in figs if f.grade == "contested"]
        reasons += [f"contradiction {c['claim_a']} vs {c['claim_b']} ({c['score']:.2f})" for c in other_contra]
    if silent_parties:
        flags.append("unreported-by-party")
        reasons.append("silent: " + ", ".join(silent_parties))
    if n_confirmed or agreements:
        flags.append("confirmed")
    if len(credible) < 2:
        flags.append("single-source")
    elif "confirmed" not in flags and "contested" not in flags:
        flags.append("uncorroborated")
    grade = next((x for x in g.incident_precedence if x in flags), flags[0] if flags else "uncorroborated")
    return IncidentGrade(inc.incident_id, inc.title, grade, flags, len(origins), origins, silent_parties, len(figs),
                         n_contested, n_confirmed, reasons)


# ---------------------------------------------------------------- one call for the pipeline
def reconcile_run(articles: list[Article], claims: list[Claim], incidents: list[Incident],
                  discrepancies: list[Discrepancy], policy: ReconcilePolicy | None = None, registry=None,
                  places_path: str | Path | None = None) -> Reconciliation:
    """Independence, figures and grades of one scoring run."""
    policy = policy or ReconcilePolicy()
    indep = SourceIndependence(registry=registry, **policy.independence).fit(articles, claims)
    figures, grades = reconcile(claims, incidents, discrepancies, indep, policy, Gazetteer.load(places_path).types)
    return Reconciliation(figures, grades, indep.syndications_, indep)
