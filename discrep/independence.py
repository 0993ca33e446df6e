"""Source independence: which claims are the same evidence seen twice.

Agreement only counts as corroboration when the sources are independent. Two things make
claims dependent here:

* **syndication** — an outlet reprints another outlet's article (near-duplicate text, usually
  with a sentence added or a credit line); every sentence of the copy is the original's evidence;
* **relay** — several outlets quote the same speaker ("Gladkov said one person was killed"):
  the evidence is the speaker's statement, once, however many outlets carry it.

:class:`SourceIndependence` finds both from the articles and claims of a run and gives every
claim an **origin** (the speaker, or the outlet that first published an unattributed sentence)
and a **chain** (outlet → original outlet → speaker) that the outputs show. Pure Python, no
embedder: word shingles with an inverted index, so only articles sharing text are compared.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from .sources import SourceRegistry, slugify
from .types import Article, Claim

_WORD = re.compile(r"\w+", re.UNICODE)


def _norm_text(t: str) -> str:
    return re.sub(r"\W+", " ", t.replace("’", "'").lower()).strip()


def shingles(text: str, k: int) -> set[tuple[str, ...]]:
    """Word k-grams of a text (lower-cased); a text shorter than k words gives one shingle."""
    toks = _WORD.findall(text.lower())
    if len(toks) < k:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def containment(a: set, b: set) -> float:
    """Share of the smaller set found in the larger: 1.0 when one text is contained in the other,
    so a reprint with a sentence added or cut still scores high (Jaccard would not)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass
class Syndication:
    """``article_id`` is a copy of ``original_id`` (the earliest / credited / shortest of its group)."""

    article_id: str
    original_id: str
    outlet: str
    original_outlet: str
    similarity: float  # shingle containment with the original
    credited: bool = False  # the copy names the original's outlet (e.g. "Reporting by Kyiv Wire Service")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["similarity"] = round(float(self.similarity), 4)
        return d


@dataclass
class Provenance:
    """Where one claim's evidence comes from: ``origin`` is the independent source it counts as."""

    claim_id: str
    article_id: str
    outlet: str
    source: str
    origin: str
    origin_name: str
    origin_type: str = "media"  # the origin's source type (government, military, media…)
    origin_party: str | None = None
    chain: list[str] = field(default_factory=list)  # display names: outlet → original outlet → speaker
    copy_of: str | None = None  # claim id of the same sentence in the original article
    relayed: bool = False  # the outlet reports someone else's statement

    @property
    def chain_text(self) -> str:
        return " → ".join(self.chain)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["chain_text"] = self.chain_text
        return d


class SourceIndependence:
    """Detect syndicated copies and relayed statements; give each claim its independent origin.

    Parameters (stored untouched, scikit-learn style):
      shingle_size: words per shingle for article comparison.
      min_containment: shingle containment at or above which two articles are one story reprinted.
      min_shingles: articles with fewer shingles are never called copies (too little text to tell).
      sentence_similarity: shingle Jaccard (3-word) at or above which a sentence of a copy is the
        original's sentence reworded.
      max_postings: shingles shared by more articles than this (boilerplate) do not propose candidates.
      registry: the speaker registry, to tell an outlet's own sentences from relayed ones.
    """

    def __init__(self, shingle_size: int = 4, min_containment: float = 0.4, min_shingles: int = 15,
                 sentence_similarity: float = 0.6, max_postings: int = 200, registry: SourceRegistry | None = None):
        self.shingle_size = shingle_size
        self.min_containment = min_containment
        self.min_shingles = min_shingles
        self.sentence_similarity = sentence_similarity
        self.max_postings = max_postings
        self.registry = registry

    # ------------------------------------------------------------ fitting
    def fit(self, articles: list[Article] | None, claims: list[Claim] | None = None) -> "SourceIndependence":
        """``articles`` may be None or partial (a streaming engine that keeps only claims): an article not
        given is stood in for by its claims' sentences, so reprints are still found from what was extracted."""
        self.registry_ = self.registry if self.registry is not None else SourceRegistry.from_yaml()
        articles = list(articles or [])
        known = {a.id for a in articles}
        by_article: dict[str, list[Claim]] = defaultdict(list)
        for c in claims or []:
            if c.article_id not in known:
                by_article[c.article_id].append(c)
        for aid, cs in by_article.items():
            cs = sorted(cs, key=lambda c: c.sentence)
            articles.append(Article(aid, cs[0].outlet, cs[0].published, "", " ".join(c.text for c in cs)))
        self.articles_ = {a.id: a for a in articles}
        self.pairs_ = self._similar_pairs(articles)
        self.syndications_ = self._groups(articles, self.pairs_)
        self.original_of_ = {s.article_id: s.original_id for s in self.syndications_}
        self.provenance_: dict[str, Provenance] = {}
        self.claims_: dict[str, Claim] = {c.claim_id: c for c in claims or []}
        if claims:
            self._provenance(claims)
        return self

    @classmethod
    def from_parts(cls, claims=(), syndications=(), provenance=None, registry: SourceRegistry | None = None,
                   **params) -> "SourceIndependence":
        """A fitted instance from reprints found elsewhere (discrep.spark finds them over the whole corpus,
        then works per group of claims). ``provenance`` None: computed here for ``claims`` (a copy's claims
        need its original's claims among them); given: used as is, ``claims`` then only serve
        :meth:`statement_key` (the original sentence of a copy)."""
        self = cls(registry=registry, **params)
        self.registry_ = registry if registry is not None else SourceRegistry.from_yaml()
        self.articles_, self.pairs_ = {}, {}
        self.syndications_ = list(syndications)
        self.original_of_ = {s.article_id: s.original_id for s in self.syndications_}
        self.claims_ = {c.claim_id: c for c in claims}
        self.provenance_ = {}
        if provenance is None:
            self._provenance(list(claims))
        else:
            self.provenance_ = {p.claim_id: p for p in provenance}
        return self

    def _similar_pairs(self, articles: list[Article]) -> dict[tuple[str, str], float]:
        sh = {a.id: shingles(a.text, self.shingle_size) for a in articles}
        postings: dict[tuple, list[str]] = defaultdict(list)
        for aid, s in sh.items():
            for g in s:
                postings[g].append(aid)
        shared: dict[tuple[str, str], int] = defaultdict(int)
        for ids in postings.values():
            if len(ids) < 2 or len(ids) > self.max_postings:
                continue
            for i in range(len(ids)):
                for j in range(i + 1, len(ids)):
                    a, b = sorted((ids[i], ids[j]))
                    shared[(a, b)] += 1
        out = {}
        for (a, b), n in shared.items():
            small = min(len(sh[a]), len(sh[b]))
            if small < self.min_shingles:
                continue
            c = containment(sh[a], sh[b])
            if c >= self.min_containment:
                out[(a, b)] = c
        return out

    def _credits(self, copy: Article, original: Article) -> bool:
        """The copy names the original's outlet and not the other way round."""
        if not original.outlet or copy.outlet == original.outlet:
            return False
        name = re.compile(r"(?<!\w)" + re.escape(original.outlet.lower().removeprefix("the ")) + r"(?!\w)")
        back = re.compile(r"(?<!\w)" + re.escape(copy.outlet.lower().removeprefix("the ")) + r"(?!\w)")
        return bool(name.search(copy.text.lower())) and not back.search(original.text.lower())

    def _groups(self, articles: list[Article], pairs: dict[tuple[str, str], float]) -> list[Syndication]:
        parent = {a.id: a.id for a in articles}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for a, b in pairs:
            parent[find(a)] = find(b)
        groups: dict[str, list[Article]] = defaultdict(list)
        for a in articles:
            groups[find(a.id)].append(a)
        order = {a.id: i for i, a in enumerate(articles)}
        out: list[Syndication] = []
        for members in groups.values():
            if len(members) < 2:
                continue
            # the original: credited by the others, then earliest, then shortest (copies add lines), then input order
            def rank(a: Article):
                credited_by = sum(self._credits(o, a) for o in members if o is not a)
                return (-credited_by, a.published.toordinal() if a.published else 10**9, len(a.text), order[a.id])

            root = min(members, key=rank)
            for m in sorted(members, key=lambda a: order[a.id]):
                if m is root:
                    continue
                key = tuple(sorted((m.id, root.id)))
                sim = pairs.get(key)
                if sim is None:
                    sim = containment(shingles(m.text, self.shingle_size), shingles(root.text, self.shingle_size))
                out.append(Syndication(m.id, root.id, m.outlet, root.outlet, sim, self._credits(m, root)))
        return out

    # ------------------------------------------------------------ claims
    def outlet_source(self, outlet: str) -> str:
        return self.registry_.lookup(outlet) or slugify(outlet)

    def is_relayed(self, c: Claim) -> bool:
        """The claim reports a speaker other than the publishing outlet."""
        return c.source != self.outlet_source(c.outlet)

    def _name(self, sid: str, fallback: str | None = None) -> str:
        s = self.registry_.get(sid)
        return s.name if s else (fallback or sid)

    def _provenance(self, claims: list[Claim]):
        by_article: dict[str, list[Claim]] = defaultdict(list)
        for c in claims:
            by_article[c.article_id].append(c)
        sent_sh = {c.claim_id: shingles(c.text, 3) for c in claims}
        # originals first, so a copy can inherit its original sentence's origin
        copies = [c for c in claims if c.article_id in self.original_of_]
        for c in claims:
            if c.article_id not in self.original_of_:
                self.provenance_[c.claim_id] = self._own(c)
        for c in copies:
            root_id = self.original_of_[c.article_id]
            best, best_s = None, 0.0
            nc = _norm_text(c.text)
            for o in by_article.get(root_id, []):
                if _norm_text(o.text) == nc:
                    best, best_s = o, 1.0
                    break
                a, b = sent_sh[c.claim_id], sent_sh[o.claim_id]
                s = len(a & b) / len(a | b) if a and b else 0.0
                if s > best_s:
                    best, best_s = o, s
            if best is not None and best_s >= self.sentence_similarity:
                op = self.provenance_[best.claim_id]
                chain = [c.outlet, f"{op.outlet} (reprinted)"] + op.chain[1:]
                self.provenance_[c.claim_id] = Provenance(c.claim_id, c.article_id, c.outlet, c.source, op.origin,
                                                          op.origin_name, op.origin_type, op.origin_party, chain,
                                                          best.claim_id, op.relayed)
            else:  # a sentence the copy added: its own evidence
                self.provenance_[c.claim_id] = self._own(c)

    def root_source(self, sid: str) -> str:
        """A speaker who is part of an organisation (``part_of`` in data/sources.yaml: a minister and his
        ministry, an administration's head and the administration) counts as the organisation."""
        seen = {sid}
        while True:
            s = self.registry_.get(sid)
            parent = getattr(s, "part_of", None) if s is not None else None
            if not parent or parent in seen:
                return sid
            seen.add(parent)
            sid = parent

    def _own(self, c: Claim) -> Provenance:
        relayed = self.is_relayed(c)
        origin = self.root_source(c.source)
        name = c.source_name if origin == c.source and c.source_name else self._name(origin)
        chain = [c.outlet, name] if relayed else [c.outlet]
        root = self.registry_.get(origin) if origin != c.source else None
        return Provenance(c.claim_id, c.article_id, c.outlet, c.source, origin, name,
                          root.type if root else c.source_type, root.party if root else c.party, chain, None, relayed)

    # ------------------------------------------------------------ queries
    def provenance(self, c: Claim) -> Provenance:
        p = getattr(self, "provenance_", {}).get(c.claim_id)
        if p is None:  # a claim not seen by fit (e.g. built later): its own evidence
            if not hasattr(self, "registry_"):
                self.registry_ = self.registry if self.registry is not None else SourceRegistry.from_yaml()
            p = self._own(c)
        return p

    def origin(self, c: Claim) -> str:
        return self.provenance(c).origin

    def statement_key(self, c: Claim) -> tuple:
        """Identity of the evidence a claim carries: its origin and its figures (or its original wording).

        The same speaker's figure relayed by five outlets, or one sentence reprinted, has one key."""
        p = self.provenance(c)
        facts = tuple(sorted((q.event or "", q.unit or "", float(q.low), float(q.high))
                             for q in c.quantities if q.event))
        if facts:
            return (p.origin, c.kind, c.polarity, facts)
        orig = self.claims_.get(p.copy_of) if p.copy_of else None
        return (p.origin, c.kind, c.polarity, _norm_text((orig or c).text))

    def duplicate_claim_pairs(self, claims: list[Claim]) -> set[tuple[str, str]]:
        """Pairs of claims (from different articles) that carry the same evidence."""
        groups: dict[tuple, list[Claim]] = defaultdict(list)
        for c in claims:
            if c.quantities:
                groups[(c.incident_id, self.statement_key(c))].append(c)
        out = set()
        for cs in groups.values():
            for i in range(len(cs)):
                for j in range(i + 1, len(cs)):
                    if cs[i].article_id != cs[j].article_id:
                        out.add(tuple(sorted((cs[i].claim_id, cs[j].claim_id))))
        return out


def statement_key(c: Claim) -> tuple:
    """Evidence identity without syndication information: the speaker and the figures (or the text)."""
    facts = tuple(sorted((q.event or "", q.unit or "", float(q.low), float(q.high)) for q in c.quantities if q.event))
    return (c.source, c.kind, c.polarity, facts if facts else _norm_text(c.text))
