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

import hashlib
import os
import re
import shutil
from collections import OrderedDict, defaultdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from discrep.records.core import Article, Claim
from discrep.records.findings import Provenance, Syndication
from discrep.text.sources import SourceRegistry, slugify

_WORD = re.compile(r"\w+", re.UNICODE)


def _norm_text(t: str) -> str:
    return re.sub(r"\W+", " ", t.replace("’", "'").lower()).strip()


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str, k: int) -> set[tuple[str, ...]]:
    """Word k-grams of a text (lower-cased); a text shorter than k words gives one shingle."""
    toks = _tokens(text)
    if len(toks) < k:
        return {tuple(toks)} if toks else set()
    return {tuple(toks[i:i + k]) for i in range(len(toks) - k + 1)}


def containment(a: set, b: set) -> float:
    """Share of the smaller set found in the larger: 1.0 when one text is contained in the other,
    so a reprint with a sentence added or cut still scores high (Jaccard would not)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# ---------------------------------------------------------------- stable shingle hashes
_M64 = (1 << 64) - 1


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser (uint64 arrays wrap silently): spreads a linear combination over all bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _position_weights(k: int) -> np.ndarray:
    return np.array([(int.from_bytes(hashlib.blake2b(f"pos{j}".encode(), digest_size=8).digest(), "little") | 1)
                     for j in range(max(k, 1))], dtype=np.uint64)


_TOKEN_HASH: dict[str, int] = {}


def _token_hashes(toks: list[str]) -> np.ndarray:
    cache = _TOKEN_HASH
    if len(cache) > 500_000:  # a bounded vocabulary cache
        cache.clear()
    for t in set(toks).difference(cache):
        cache[t] = int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little")
    return np.array([cache[t] for t in toks], dtype=np.uint64)


def shingle_hashes(text: str, k: int) -> np.ndarray:
    """The shingles of :func:`shingles` as sorted, distinct 64-bit hashes, stable across processes (BLAKE2 per
    word, an odd weight per position, a mixing step): the set :class:`SpooledIndependence` spools to disk.
    Two distinct shingles share a hash with probability ~2⁻⁶⁴ (for 10⁸ shingles, ~3·10⁻⁴ that any pair does)."""
    toks = _tokens(text)
    if not toks:
        return np.zeros(0, dtype=np.uint64)
    th = _token_hashes(toks)
    w = _position_weights(k)
    n = len(toks)
    if n < k:  # one shingle of n < k words (the length is mixed in: never equal to a k-word shingle's hash)
        h = np.array([int((th * w[:n]).sum(dtype=np.uint64)) ^ n], dtype=np.uint64)
        return _mix64(h)
    h = th[: n - k + 1] * w[0]
    for j in range(1, k):
        h = h + th[j: n - k + 1 + j] * w[j]
    return np.unique(_mix64(h ^ np.uint64(k)))


def _hash_containment(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`containment` of two sets given as sorted distinct hash arrays."""
    if not len(a) or not len(b):
        return 0.0
    return int(np.intersect1d(a, b, assume_unique=True).size) / min(len(a), len(b))


def _components(nodes: list, pairs) -> list[list]:
    """Connected components of the graph ``pairs`` over ``nodes`` (union-find): members in ``nodes``' order,
    components in the order of their first member."""
    parent = {x: x for x in nodes}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups: dict[Any, list] = defaultdict(list)
    for x in nodes:
        groups[find(x)].append(x)
    return list(groups.values())



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
        by_id = {a.id: a for a in articles}
        groups = [[by_id[i] for i in ids] for ids in _components(list(by_id), pairs)]
        order = {a.id: i for i, a in enumerate(articles)}
        out: list[Syndication] = []

        def sim(m: Article, root: Article) -> float:
            c = pairs.get(tuple(sorted((m.id, root.id))))
            return c if c is not None else containment(shingles(m.text, self.shingle_size),
                                                       shingles(root.text, self.shingle_size))

        for members in groups:
            if len(members) >= 2:
                out.extend(self._syndicate(members, [order[a.id] for a in members], sim))
        return out

    def _syndicate(self, members: list[Article], order: list[int], sim: Callable[[Article, Article], float]
                   ) -> list[Syndication]:
        """One group of near-duplicates (``order``: their input positions) as copies of its original."""
        pos = {id(a): i for a, i in zip(members, order)}

        # the original: credited by the others, then earliest, then shortest (copies add lines), then input order
        def rank(a: Article):
            credited_by = sum(self._credits(o, a) for o in members if o is not a)
            return (-credited_by, a.published.toordinal() if a.published else 10**9, len(a.text), pos[id(a)])

        root = min(members, key=rank)
        return [Syndication(m.id, root.id, m.outlet, root.outlet, sim(m, root), self._credits(m, root))
                for m in sorted(members, key=lambda a: pos[id(a)]) if m is not root]

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
            self.provenance_[c.claim_id] = self._copy_provenance(
                c, by_article.get(self.original_of_[c.article_id], []), sent_sh,
                lambda o: self.provenance_[o.claim_id])[0]

    def _copy_provenance(self, c: Claim, originals: list[Claim], sent_sh: dict[str, set],
                         provenance_of: Callable[[Claim], Provenance]) -> tuple[Provenance, Claim | None]:
        """A claim of a reprint: the original article's sentence it repeats (``originals``, the original's claims
        in input order; ``sent_sh``: 3-word shingles per claim id) lends it its provenance. Returns the
        provenance and that original claim (None for a sentence the copy added: its own evidence)."""
        best, best_s = None, 0.0
        nc = _norm_text(c.text)
        for o in originals:
            if _norm_text(o.text) == nc:
                best, best_s = o, 1.0
                break
            a, b = sent_sh[c.claim_id], sent_sh[o.claim_id]
            s = len(a & b) / len(a | b) if a and b else 0.0
            if s > best_s:
                best, best_s = o, s
        if best is not None and best_s >= self.sentence_similarity:
            op = provenance_of(best)
            chain = [c.outlet, f"{op.outlet} (reprinted)"] + op.chain[1:]
            return Provenance(c.claim_id, c.article_id, c.outlet, c.source, op.origin, op.origin_name, op.origin_type,
                              op.origin_party, chain, best.claim_id, op.relayed), best
        return self._own(c), None

    def root_source(self, sid: str) -> str:
        """A speaker who is part of an organisation (``part_of`` in data/sources.yaml: a minister and his
        ministry, an administration's head and the administration) counts as the organisation."""
        seen = {sid}
        while True:
            s = self.registry_.get(sid)
            parent = s.part_of if s is not None else None
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
        orig = self._original_claim(c, p) if p.copy_of else None
        return (p.origin, c.kind, c.polarity, _norm_text((orig or c).text))

    def _original_claim(self, c: Claim, p: Provenance) -> Claim | None:
        """The claim ``p.copy_of`` names (the original's sentence that copy claim ``c`` repeats)."""
        return getattr(self, "claims_", {}).get(p.copy_of)

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


# ---------------------------------------------------------------- bounded memory (the stream engine)
ARTICLE_DTYPE = np.dtype([("spool", "<i8"), ("hashes", "<i8"), ("n_hashes", "<i4"), ("n_claims", "<i4"),
                          ("claim_row", "<i8")])  # one record per article, in input order
POSTING_DTYPE = np.dtype([("h", "<u8"), ("a", "<u4")])  # (shingle hash, article index)


def _exclusive_cumsum(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.int64)
    return np.concatenate([[0], np.cumsum(x)[:-1]]).astype(np.int64) if len(x) else x


class ShingleSpool:
    """What :class:`SpooledIndependence` needs of each article, appended while the articles stream by: a fixed-size
    record (where its text and claims are, how many shingles it has), its shingle hashes in input order
    (``shingles.u64``: for exact containment of candidate pairs) and the (hash, article) postings split into
    ``PARTS`` files by the top bits of the hash (the inverted index, one part at a time). Append-only files,
    so a streaming engine can checkpoint them by length like its other spools."""

    PARTS = 16  # a power of two: part = top bits of the hash
    ARTICLES = "shingles.art"
    HASHES = "shingles.u64"
    FILES = (ARTICLES, HASHES, *(f"postings.{p:02d}" for p in range(PARTS)))

    @classmethod
    def records(cls, hashes: list[np.ndarray], first_article: int, spool_offsets, first_hash: int,
                claim_counts, first_claim_row: int) -> dict[str, bytes]:
        """Bytes to append to each file for articles ``first_article``, ``first_article + 1``, … whose lines start at
        ``spool_offsets`` of the article spool and whose claims are ``claim_counts`` consecutive claim rows from
        ``first_claim_row``; ``first_hash``: hashes already in ``shingles.u64``."""
        lens = np.array([len(h) for h in hashes], dtype=np.int64)
        rec = np.zeros(len(hashes), dtype=ARTICLE_DTYPE)
        rec["spool"] = spool_offsets
        rec["hashes"] = first_hash + _exclusive_cumsum(lens)
        rec["n_hashes"] = lens
        rec["n_claims"] = claim_counts
        rec["claim_row"] = first_claim_row + _exclusive_cumsum(claim_counts)
        allh = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        post = np.zeros(len(allh), dtype=POSTING_DTYPE)
        post["h"] = allh
        post["a"] = np.repeat(np.arange(first_article, first_article + len(hashes), dtype=np.uint32), lens)
        part = (allh >> np.uint64(64 - _PART_BITS)).astype(np.intp)
        post = post[np.argsort(part, kind="stable")]
        ends = np.cumsum(np.bincount(part, minlength=cls.PARTS))
        out = {cls.ARTICLES: rec.tobytes(), cls.HASHES: allh.astype("<u8").tobytes()}
        for p in range(cls.PARTS):
            out[cls.FILES[2 + p]] = post[(ends[p - 1] if p else 0):ends[p]].tobytes()
        return out


_PART_BITS = (ShingleSpool.PARTS - 1).bit_length()


class SpooledIndependence(SourceIndependence):
    """:class:`SourceIndependence` fitted from a :class:`ShingleSpool` instead of texts and claims in memory: the same
    syndications and provenance, with memory that grows by one 32-byte record per article (plus the output: the
    reprints found). The inverted index is built one postings part at a time (a part over ``max_rows`` rows in
    several passes, by hash range), candidate pairs go to disk by bucket, and their exact containment is computed
    from the spooled hash sets. Article texts are read back only for reprint groups (credit lines, original);
    a reprint's claims get their provenance when queried, from its original's claims read back (a small LRU).

    Extra parameters: ``max_rows`` (rows of postings or candidate pairs held at once), ``cache_claims``
    (provenance records kept), ``cache_articles`` (originals' claims kept)."""

    def __init__(self, shingle_size: int = 4, min_containment: float = 0.4, min_shingles: int = 15,
                 sentence_similarity: float = 0.6, max_postings: int = 200, registry: SourceRegistry | None = None,
                 max_rows: int = 2_000_000, cache_claims: int = 20_000, cache_articles: int = 256):
        super().__init__(shingle_size, min_containment, min_shingles, sentence_similarity, max_postings, registry)
        self.max_rows = max_rows
        self.cache_claims = cache_claims
        self.cache_articles = cache_articles

    def fit_spool(self, folder: str | Path, n_articles: int, read_article: Callable[[int], Article],
                  read_claims: Callable[[int, int], list[Claim]]) -> "SpooledIndependence":
        """``folder`` holds the :class:`ShingleSpool` files of ``n_articles`` articles (longer files are read up to
        them); ``read_article(offset)`` gives the article whose spool line starts at ``offset``,
        ``read_claims(row, n)`` the ``n`` claims from claim row ``row`` (every claim of the run belongs to a
        spooled article, in article order)."""
        self.registry_ = self.registry if self.registry is not None else SourceRegistry.from_yaml()
        self.folder_ = Path(folder)
        self._read_article, self._read_claims = read_article, read_claims
        self.index_ = np.fromfile(self.folder_ / ShingleSpool.ARTICLES, dtype=ARTICLE_DTYPE, count=n_articles)
        self.syndications_ = self._spooled_groups(self._edges())
        self.original_of_ = {s.article_id: s.original_id for s in self.syndications_}
        roots = set(self.original_of_.values())
        self._root_row = {a: i for a, i in self._members.items() if a in roots}
        del self._members
        self._roots: OrderedDict[str, tuple[list[Claim], dict[str, set]]] = OrderedDict()
        self._provs: OrderedDict[str, tuple[Provenance, Claim | None]] = OrderedDict()
        return self

    # ---- reprints
    def _hashes(self, i: int, fd: int) -> np.ndarray:
        r = self.index_[i]
        n = int(r["n_hashes"])
        return np.frombuffer(os.pread(fd, n * 8, int(r["hashes"]) * 8), dtype="<u8")

    def _ranged(self, path: Path, dtype: np.dtype, key: Callable[[np.ndarray], np.ndarray], n: int | None = None):
        """The rows of ``path`` (the first ``n``) in pieces of about ``max_rows``: one piece per range of ``key(rows)``,
        a uint64 whose low 60 bits are uniform (so each range holds its share of the rows)."""
        total = path.stat().st_size // dtype.itemsize if n is None else n
        passes = max(1, -(-total // max(self.max_rows, 1)))
        if passes == 1:
            yield np.fromfile(path, dtype=dtype, count=total)
            return
        bits = (passes - 1).bit_length()
        for s in range(1 << bits):
            keep, left = [], total
            with open(path, "rb") as fh:
                while left > 0:
                    block = np.fromfile(fh, dtype=dtype, count=min(self.max_rows, left))
                    left -= len(block)
                    sub = (key(block) << np.uint64(_PART_BITS)) >> np.uint64(64 - bits)
                    keep.append(block[sub == s])
            yield np.concatenate(keep)

    def _candidates(self, rows: np.ndarray, sizes: np.ndarray):
        """Pairs (key ``i * N + j``, ``i < j``) of articles sharing a shingle that at most ``max_postings`` articles
        share, both with at least ``min_shingles`` shingles (as ``SourceIndependence._similar_pairs``), in pieces
        of at most a million (a pair sharing several shingles comes once per piece that has it)."""
        N = len(sizes)
        o = np.argsort(rows["h"], kind="stable")
        h, a = rows["h"][o], rows["a"][o].astype(np.int64)
        if not len(h):
            return
        starts = np.flatnonzero(np.concatenate([[True], h[1:] != h[:-1]]))
        lens = np.diff(np.concatenate([starts, [len(h)]]))
        for L in np.unique(lens[(lens >= 2) & (lens <= self.max_postings)]):
            st = starts[lens == L]
            ii, jj = np.triu_indices(int(L), 1)
            step = max(1, 1_000_000 // len(ii))
            for g in range(0, len(st), step):
                M = a[st[g:g + step, None] + np.arange(L)]
                x, y = M[:, ii].ravel(), M[:, jj].ravel()
                lo, hi = np.minimum(x, y), np.maximum(x, y)
                ok = np.minimum(sizes[lo], sizes[hi]) >= self.min_shingles
                yield np.unique(lo[ok] * N + hi[ok])

    def _edges(self) -> dict[tuple[int, int], float]:
        """Article pairs (input positions) at or above ``min_containment``, with their containment."""
        sizes = self.index_["n_hashes"].astype(np.int64)
        N = len(sizes)
        tmp = self.folder_ / "independence.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        P = ShingleSpool.PARTS
        top = np.uint64(64 - _PART_BITS)
        try:
            buckets = [open(tmp / f"pairs.{b:02d}", "wb") for b in range(P)]
            try:
                for p in range(P):
                    for rows in self._ranged(self.folder_ / ShingleSpool.FILES[2 + p], POSTING_DTYPE,
                                             lambda r: r["h"]):
                        rows = rows[rows["a"] < N]  # postings of articles past the checkpoint
                        for keys in self._candidates(rows, sizes):
                            b = (_mix64(keys.astype(np.uint64)) >> top).astype(np.intp)
                            for k in range(P):
                                buckets[k].write(keys[b == k].astype("<i8").tobytes())
            finally:
                for fh in buckets:
                    fh.close()
            edges: dict[tuple[int, int], float] = {}
            fd = os.open(self.folder_ / ShingleSpool.HASHES, os.O_RDONLY)
            try:
                for k in range(P):
                    for keys in self._ranged(tmp / f"pairs.{k:02d}", np.dtype("<i8"),
                                             lambda r: _mix64(r.astype(np.uint64))):
                        cur, ha = -1, None
                        for key in np.unique(keys).tolist():
                            i, j = divmod(key, N)
                            if i != cur:
                                cur, ha = i, self._hashes(i, fd)
                            c = _hash_containment(ha, self._hashes(j, fd))
                            if c >= self.min_containment:
                                edges[(i, j)] = c
            finally:
                os.close(fd)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return edges

    def _article(self, i: int) -> Article:
        return self._read_article(int(self.index_[i]["spool"]))

    def _spooled_groups(self, edges: dict[tuple[int, int], float]):
        self._members: dict[str, int] = {}
        out: list[Syndication] = []
        fd = os.open(self.folder_ / ShingleSpool.HASHES, os.O_RDONLY)
        try:
            for members in _components(sorted({x for e in edges for x in e}), edges):
                arts = [self._article(i) for i in members]
                pos = {id(a): i for a, i in zip(arts, members)}
                self._members.update({a.id: i for a, i in zip(arts, members)})

                def sim(m: Article, root: Article) -> float:
                    i, j = sorted((pos[id(m)], pos[id(root)]))
                    c = edges.get((i, j))
                    return c if c is not None else _hash_containment(self._hashes(i, fd), self._hashes(j, fd))

                out.extend(self._syndicate(arts, members, sim))
        finally:
            os.close(fd)
        return out

    # ---- claims
    def _remember(self, cache: OrderedDict, key, value, limit: int):
        cache[key] = value
        if len(cache) > limit:
            cache.popitem(last=False)
        return value

    def _originals(self, root_id: str) -> tuple[list[Claim], dict[str, set]]:
        hit = self._roots.get(root_id)
        if hit is not None:
            self._roots.move_to_end(root_id)
            return hit
        r = self.index_[self._root_row[root_id]]
        cs = self._read_claims(int(r["claim_row"]), int(r["n_claims"]))
        return self._remember(self._roots, root_id, (cs, {o.claim_id: shingles(o.text, 3) for o in cs}),
                              self.cache_articles)

    def _lookup(self, c: Claim) -> tuple[Provenance, Claim | None]:
        provs = self.__dict__.setdefault("_provs", OrderedDict())  # unfitted: every claim is its own evidence
        hit = provs.get(c.claim_id)
        if hit is not None:
            provs.move_to_end(c.claim_id)
            return hit
        root = getattr(self, "original_of_", {}).get(c.article_id)
        if root is None:
            if not hasattr(self, "registry_"):
                self.registry_ = self.registry if self.registry is not None else SourceRegistry.from_yaml()
            res = (self._own(c), None)
        else:
            originals, sh = self._originals(root)
            res = self._copy_provenance(c, originals, {**sh, c.claim_id: shingles(c.text, 3)}, self._own)
        return self._remember(provs, c.claim_id, res, self.cache_claims)

    def provenance(self, c: Claim) -> Provenance:
        return self._lookup(c)[0]

    def _original_claim(self, c: Claim, p: Provenance) -> Claim | None:
        return self._lookup(c)[1]


def statement_key(c: Claim) -> tuple:
    """Evidence identity without syndication information: the speaker and the figures (or the text)."""
    facts = tuple(sorted((q.event or "", q.unit or "", float(q.low), float(q.high)) for q in c.quantities if q.event))
    return (c.source, c.kind, c.polarity, facts if facts else _norm_text(c.text))
