"""The salience of an unreported fact: how much it matters that source B says nothing about what source A states.

Most unreported rows are ordinary: an outlet writes a short piece and leaves out a figure that one other source
gave in passing, or a speaker quoted on one point says nothing about another. Three things make a silence worth a
reader's attention, and the salience (0-1) adds them up::

    salience = 0.40 * silent + 0.35 * central + 0.25 * corroborated

* ``silent`` — who is silent: 1 when B explicitly declines to comment or "made no mention" (the silence claim the
  row keeps as ``claim_b``) on this fact or on the incident as a whole (not on a detail: "declined to give his
  name"); 0.6 when B is a party to the conflict (``party`` in data/sources.yaml, in an incident with sources of
  two parties) silent on what the other side or a neutral source states; 0 otherwise;
* ``central`` — is the fact central to the incident: the share of the incident's independent witnesses (the
  origins that state any fact in it) that state this fact (the same event and unit, any figure; an event
  stated without a figure is a fact of its own);
* ``corroborated`` — how many independent sources state it: ``1 - 1/n`` for ``n`` origins (stages.independence:
  a figure relayed by five outlets, or a reprinted sentence, is one origin).

What B is weighs too, when its silence is neither explicit nor a party's: an outlet whose articles about the
incident do not carry the fact at all has left it out for its readers (the sum as it is); a speaker quoted on
something else was most likely not asked (half of it); an outlet whose articles carry the fact through someone it
quotes has not left it out — the rows compare speakers, so the outlet's own voice is "silent" (a quarter).

So a party's explicit "declined to comment" ranks above an unrelated outlet leaving out the same fact, and an
outlet leaving out the headline toll that four independent sources give ranks above one leaving out one
outlet's aside. Computed in the graph's finish stage, per incident, from the incident's own claims: every
engine gives every row the same salience. agree/contradict rows have none (None).
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from discrep.model.features import EVENTS, fact_label, quantities
from discrep.records.core import Claim, Discrepancy
from discrep.stages.align import is_fact
from discrep.stages.base import Independence

W_SILENT, W_CENTRAL, W_CORROBORATED = 0.40, 0.35, 0.25
SILENT_WEIGHT = {"explicit": 1.0, "party": 0.6, "none": 0.0}
"""``silent`` by kind of silence (see :func:`silence_kind`)."""
SPEAKER_FACTOR = 0.5
"""What is left of the salience of a speaker's plain silence (not explicit, not a party's)."""
CARRIED_FACTOR = 0.25
"""What is left of the salience when B is an outlet whose articles state the fact through a speaker."""

REPORT_MIN_SALIENCE = 0.4
"""The report lists unreported facts of at least this salience (and counts the others) unless the run sets
``--min-salience``: any explicit silence on the fact, a party's silence on a fact that a few independent
sources state, and an outlet's omission of a fact that is both central and stated by three or more of them."""

NO_PARTY = (None, "", "none")
CASUALTY_EVENTS = {"killed", "injured"}
INCIDENT_WORDS = re.compile(
    r"\b(?:attacks?|strikes?|shelling|bombing|explosions?|blasts?|incident|matter|situation|events?|reports?|claims?|"
    r"allegations?|it|this|casualt(?:y|ies)|victims?|deaths?|dead|toll|killed|injur(?:y|ies|ed)|wounded|"
    r"shootings?|raids?|assault|offensive|operation|damage)\b", re.I)
SHORT_SILENCE_WORDS = 12
"""A silence sentence without a topic counts as a refusal about the whole incident only when short ("O'Brien
declined to comment."); a long one is about a detail ("…, said the spokesman, who declined to give his name")."""


def fact_keys(c: Claim) -> set[str]:
    """The facts a claim states: ``event/unit`` per counted figure (as :func:`discrep.model.features.fact_label`),
    and ``event/-`` per event it states without a figure ("the strike damaged homes"): a figure and a bare
    predicate are different facts."""
    keys = {fact_label(q) for q in quantities(c) if q.event}
    counted = {k.split("/", 1)[0] for k in keys}
    return keys | {f"{e}/-" for e in set(c.events) & set(EVENTS) if e not in counted}


def row_keys(d: Discrepancy) -> set[str]:
    """The fact an unreported row is about: its compared figure, else the events its claim states bare."""
    if d.fact:
        return {d.fact}
    return {k for k in fact_keys(d.claim_a) if k.endswith("/-")}


def silence_about(silence: Claim, fact: Claim, keys: set[str]) -> bool:
    """Whether an explicit silence is about the fact: it names the fact's event (deaths and injuries count as one
    kind, casualties), or it is a refusal about the incident as a whole — a topic such as "the attack" or
    "the matter", or no topic in a short sentence. "declined to give his name" is about something else."""
    fact_events = {k.split("/", 1)[0] for k in keys} | (set(fact.events) & set(EVENTS))
    said = set(silence.events)
    if said & fact_events or (said & CASUALTY_EVENTS and fact_events & CASUALTY_EVENTS):
        return True
    if silence.topic:
        return bool(INCIDENT_WORDS.search(silence.topic))
    return len(silence.text.split()) <= SHORT_SILENCE_WORDS


@dataclass
class IncidentFacts:
    """What an incident's claims state, for the salience of its unreported rows."""

    stated: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # fact key -> origins
    witnesses: set[str] = field(default_factory=set)  # origins that state any fact
    parties: dict[str, str | None] = field(default_factory=dict)  # source -> its party
    carried: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # outlet source -> fact keys
    outlets: set[str] = field(default_factory=set)  # source ids of the outlets that published the claims

    @classmethod
    def of(cls, claims: Iterable[Claim], independence: Independence) -> "IncidentFacts":
        t = cls()
        for c in claims:
            t.outlets.add(independence.outlet_source(c.outlet))
            for s in (c.source, c.silent_source) if c.kind == "silence" else (c.source,):
                if s and t.parties.get(s) in NO_PARTY:
                    t.parties[s] = c.party
            if not is_fact(c):
                continue
            o = independence.origin(c)
            keys = fact_keys(c)
            t.witnesses.add(o)
            for k in keys:
                t.stated[k].add(o)
            t.carried[independence.outlet_source(c.outlet)] |= keys
        return t

    @property
    def sides(self) -> set[str]:
        return {p for p in self.parties.values() if p not in NO_PARTY}


def silence_kind(d: Discrepancy, facts: IncidentFacts, party_a: str | None = None) -> str:
    """``explicit`` | ``party`` | ``none``: what B's silence is. ``explicit``: B's silence claim is about the fact
    (:func:`silence_about`). ``party``: B is a party of a conflict — the incident has sources of two parties or
    more (a lone "party" is more likely a registry match out of context, e.g. "police" in a city crime story) —
    silent on what the other side or a neutral source states (``party_a``: the party of the fact's origin): one
    camp's sources leaving out each other's statements is ordinary."""
    if d.claim_b is not None and d.claim_b.kind == "silence" and silence_about(d.claim_b, d.claim_a, row_keys(d)):
        return "explicit"
    party = facts.parties.get(d.source_b)
    if party not in NO_PARTY and party != party_a and len(facts.sides) > 1:
        return "party"
    return "none"


def salience_of(d: Discrepancy, facts: IncidentFacts, origin: str, party_a: str | None = None) -> float:
    """One unreported row's salience (the module docstring); ``origin`` and ``party_a``: the independent origin of
    the fact's claim and its party."""
    keys = row_keys(d)
    origins = {origin}
    for k in keys:
        origins |= facts.stated.get(k, set())
    n = len(origins)
    central = n / max(len(facts.witnesses | origins), 1)
    corroborated = 1.0 - 1.0 / n
    kind = silence_kind(d, facts, party_a)
    s = W_SILENT * SILENT_WEIGHT[kind] + W_CENTRAL * central + W_CORROBORATED * corroborated
    if keys & facts.carried.get(d.source_b, set()):
        s *= CARRIED_FACTOR
    elif kind == "none" and d.source_b not in facts.outlets:
        s *= SPEAKER_FACTOR
    return round(min(max(s, 0.0), 1.0), 4)


def score_unreported(ds: Sequence[Discrepancy], claims: Iterable[Claim], independence: Independence) -> None:
    """Set ``salience`` on every unreported row of ``ds`` (in place; other rows keep None). ``claims``: the claims of
    the rows' incidents (all of them: witnesses and corroboration are counted over each incident's claims)."""
    by_inc: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_inc[c.incident_id or ""].append(c)
    tables: dict[str, IncidentFacts] = {}
    for d in ds:
        if d.label != "unreported":
            continue
        iid = d.incident_id or ""
        if iid not in tables:
            tables[iid] = IncidentFacts.of(by_inc.get(iid, []), independence)
        p = independence.provenance(d.claim_a)
        d.salience = salience_of(d, tables[iid], p.origin, p.origin_party)


def keep(d: Discrepancy, min_salience: float | None) -> bool:
    """Whether a row stays in the outputs under ``--min-salience`` (None: every row; agree/contradict always)."""
    return min_salience is None or d.label != "unreported" or (d.salience or 0.0) >= min_salience
