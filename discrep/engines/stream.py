"""Streaming, resumable scoring: the local engine behind ``discrep score``.

Memory stays bounded whatever the input size, and a killed run (Ctrl-C, ``kill -9``) continues with
``--resume`` without losing or repeating a record. Two phases, each checkpointed:

1. **extract + embed**, in chunks of ``chunk_size`` articles in input order. Each chunk's claims (every
   field, plus the effective event date and places used for clustering) are appended to a spool,
   their vectors to a raw float32 file, rejects to ``rejects.jsonl``'s part file. After each chunk
   the files are fsync'ed and ``state.json`` records how many input items are done and how long
   every file is. On resume the files are cut back to those lengths and the inputs re-read (cheap)
   up to that item, so a half-written chunk is redone, never duplicated.
2. **cluster + align + classify**, per *time block*. The clusterer never joins claims more than
   ``max_days`` apart, so claims sorted by effective date split exactly wherever consecutive dates
   are further apart than that: clustering each block alone gives the same incidents as clustering
   everything at once. A block over ``max_block_claims`` (continuous coverage of a busy period) is
   cut at day boundaries (approximate: an incident spanning the cut is split; counted in
   ``run.json`` as ``approximate_splits``). Small blocks are grouped into units of ``unit_claims``
   claims; each unit's claims, incidents, discrepancies and source pairs are appended and
   checkpointed.

The final files appear at the end by rename (a folder never holds a half-written output that
looks complete); the report shows the ``report_incidents`` most disputed incidents (all of them
for small runs) while ``run.json`` and the JSONL files hold everything. Design notes: docs/scale.md.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from discrep import graph
from discrep.errors import InputError
from discrep.fs import atomic_write
from discrep.graph import Parts, as_parts
from discrep.io.ingest import IngestDefaults, count_csv_records, expand_items, iter_articles
from discrep.io.writer import Accounting, RunWriter, embedder_stats
from discrep.records.codec import claim_from_dict, claim_to_dict
from discrep.records.core import Article, Claim, Incident, Reject
from discrep.records.result import ScoreResult, ordered_counts
from discrep.stages.base import VectorMemory
from discrep.stages.blocks import MAX_BLOCK_CLAIMS, plan_units
from discrep.stages.cluster import ClaimContext
from discrep.stages.independence import ShingleSpool, SpooledIndependence, _exclusive_cumsum, shingle_hashes

WORK_DIR = ".discrep-run"
STATE_FILE = "state.json"
STATE_VERSION = 2  # 2: the shingle spools of source independence
OUTPUT_PARTS = ("claims.jsonl", "incidents.jsonl", "discrepancies.jsonl", "source_pairs.jsonl", "rejects.jsonl",
                "figures.jsonl", "grades.jsonl", "syndication.jsonl", "provenance.jsonl")
RESULT_PARTS = ("claims", "incidents", "discrepancies", "source_pairs", "figures", "grades",
                "provenance")  # written per unit of time blocks; syndication.jsonl once, from the whole run
MAX_CHUNK_ITEMS = 10_000  # input items (mostly rejects) of one chunk at most: memory does not grow with rejects
SPOOLS = ("claims.spool", "vectors.f32", "index.i64", "articles.spool", *ShingleSpool.FILES)


@dataclass
class StreamConfig:
    """How a streaming run cuts its work. None of these change results (except ``max_block_claims``
    when a time block overflows), so ``chunk_size`` may differ on ``--resume``; so may ``unit_claims``,
    but once phase 2 has begun the interrupted run's unit size is kept (its checkpoint counts units)."""

    chunk_size: int = 200  # articles per extract+embed chunk (one checkpoint each)
    max_block_claims: int = MAX_BLOCK_CLAIMS  # largest clustering block (distance matrices are n x n)
    unit_claims: int = 2000  # claims per cluster+classify checkpoint (small time blocks are grouped)
    report_incidents: int = 300  # incidents shown in report.html (the JSONL files hold all)
    progress: bool | None = None  # None: a progress bar when stderr is a terminal


class _Appender:
    """Append-only binary file whose durable length is recorded in the checkpoint."""

    def __init__(self, path: Path, size: int | None):
        self.path = path
        if size is None:
            path.write_bytes(b"")
        else:
            with open(path, "ab") as fh:
                if fh.tell() < size:
                    raise InputError(f"cannot resume: {path} is shorter than its checkpoint "
                                     f"({fh.tell()} < {size} bytes); start again without --resume")
                fh.truncate(size)  # drop what a killed run wrote after its last checkpoint
        self.fh = open(path, "ab")

    def write(self, b: bytes):
        self.fh.write(b)

    def size(self) -> int:
        return self.fh.tell()

    def sync(self):
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self):
        self.fh.close()


def _jsonl(records) -> bytes:
    return b"".join((json.dumps(r.to_dict() if hasattr(r, "to_dict") else r, ensure_ascii=False) + "\n")
                    .encode("utf-8") for r in records)


def input_fingerprint(inputs) -> list[dict]:
    """What must not change between a run and its resume: every input file, its size and mtime."""
    out = []
    for p in expand_items(inputs):
        if isinstance(p, Reject):  # a missing input or an empty folder is a reject of the run, not an error
            out.append({"path": p.input, "reject": p.code})
            continue
        st = p.stat()
        out.append({"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns})
    return out


def count_items(files: list[Path]) -> int | None:
    """Input items (articles + rejects) for the progress bar's total; cheap (no parsing of records)."""
    n = 0
    for p in files:
        suf = p.suffix.lower()
        try:
            if suf in (".jsonl", ".ndjson", ".json"):
                with open(p, "rb") as fh:
                    n += sum(1 for line in fh if line.strip())
            elif suf == ".csv":
                n += count_csv_records(p)  # bounded memory, as the reader (csv.reader kept a 200 MB field)
            else:
                n += 1
        except OSError:
            n += 1
    return n




_PENDING_SIGNAL: list[int] = []  # a stop request, kept until a checkpoint has honoured it


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """``kill`` (SIGTERM) and Ctrl-C stop a run at a clean point, with the checkpoint intact.

    The request is also remembered: Python drops an exception raised while a ``__del__`` runs, so a
    signal landing there would be lost; the next checkpoint (``_save_state``) raises it again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        _PENDING_SIGNAL.append(signum)
        raise KeyboardInterrupt(f"signal {signum}")

    _PENDING_SIGNAL.clear()
    old_term = signal.signal(signal.SIGTERM, handler)
    old_int = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
        _PENDING_SIGNAL.clear()


@dataclass
class _Prepared:
    items: list
    arts: list
    rejects: list
    claims: list
    lines: list
    ordinals: list
    hashes: list  # per article, its shingle hashes (source independence)


class StreamScorer:
    """Score ``inputs`` into ``out`` with bounded memory; ``resume=True`` continues an interrupted run.
    ``pipeline``: the run's :class:`discrep.graph.Parts`, or a :class:`discrep.api.DiscrepPipeline` (its parts).

    Example::

        pipe = DiscrepPipeline.from_model()
        summary = StreamScorer(pipe, ["big.jsonl"], "results/").run()
    """

    def __init__(self, pipeline: Parts, inputs, out, defaults: IngestDefaults | None = None,
                 config: StreamConfig | None = None, model_uri: str = "in-memory", resume: bool = False,
                 quiet: bool = False, extra: dict | None = None, store=None, items=None,
                 fmt: str = "jsonl"):
        self.parts = as_parts(pipeline)
        self.fmt = fmt  # the tables' format: JSONL parts, converted at the end (discrep.io.tables)
        self.inputs = [str(i) for i in inputs]
        self.out = Path(out)
        self.defaults = defaults or IngestDefaults()
        self.config = config or StreamConfig()
        self.model_uri = model_uri
        self.resume = resume
        self.quiet = quiet
        self.extra = extra or {}
        self.store = store
        self.items = items  # iter_articles(inputs) already started (PeekedArticles): used by a fresh run
        self.work = self.out / WORK_DIR
        self.state: dict = {}

    @staticmethod
    def resumable(out) -> bool:
        """``out`` holds an interrupted run's checkpoint (which ``resume=True`` continues or refuses)."""
        return (Path(out) / WORK_DIR / STATE_FILE).exists()

    @staticmethod
    def discard(out) -> None:
        """Remove an interrupted run's work folder (a new run into ``out`` replaces it)."""
        shutil.rmtree(Path(out) / WORK_DIR, ignore_errors=True)

    # ------------------------------------------------------------ checkpoint
    def _settings(self) -> dict:
        """Everything that changes results; a resume with different settings is refused."""
        emb = self.parts.embedder
        clu = self.parts.clusterer
        d = asdict(self.defaults)
        d.pop("today", None)
        return {"model_uri": self.model_uri, "embedder": emb.model,
                "embedder_backend": emb.backend,
                "clusterer": {k: v for k, v in clu.get_params().items()} if hasattr(clu, "get_params") else None,
                "min_align": self.parts.min_align, "max_block_claims": self.config.max_block_claims,
                "min_salience": self.parts.min_salience,
                "reconcile_policy": repr(self.parts.policy),
                "incident_store": str(self.store.path.resolve()) if self.store is not None else None,
                "defaults": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in d.items()}}

    def _fingerprint(self, files: list[dict]) -> str:
        blob = json.dumps({"inputs": files, "settings": self._settings()}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def _save_state(self, **changes):
        self.state.update(changes)
        self.state["seconds"] = round(self._seconds0 + time.perf_counter() - self._t0, 3)
        with atomic_write(self.work / STATE_FILE) as fh:
            json.dump(self.state, fh, indent=1)
        if _PENDING_SIGNAL:  # an interrupt swallowed somewhere (e.g. in a __del__): stop here, checkpoint saved
            raise KeyboardInterrupt(f"signal {_PENDING_SIGNAL[-1]}")

    def _load_or_init_state(self, files: list[dict]):
        fp = self._fingerprint(files)
        sp = self.work / STATE_FILE
        if self.resume and sp.exists():
            try:
                st = json.loads(sp.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise InputError(f"cannot resume: {sp} is unreadable ({e}); start again without --resume") from None
            if st.get("version") != STATE_VERSION:
                raise InputError(f"cannot resume: {sp} was written by another discrep version")
            if st.get("fingerprint") != fp:
                why = "the input files changed" if st.get("inputs") != files else "the model or settings changed"
                raise InputError(f"cannot resume the run in {self.out}: {why} since it was interrupted. "
                                 "Run again without --resume to start over (or use another --out)")
            st["resumed"] = st.get("resumed", 0) + 1
            self.state = st
            self._log(f"resuming: {st['items']} input records done, phase {st['phase']}")
            return
        if self.resume:
            self._log(f"nothing to resume in {self.out}: starting a new run")
        elif sp.exists():
            self._log(f"discarding the interrupted run in {self.out} (pass --resume to continue it instead)")
        if self.work.exists():
            shutil.rmtree(self.work)
        self.work.mkdir(parents=True)
        for name in (*OUTPUT_PARTS, "run.json", "report.html"):  # no stale output beside a new run
            with contextlib.suppress(FileNotFoundError):
                (self.out / name).unlink()
        self.state = {"version": STATE_VERSION, "fingerprint": fp, "inputs": files, "phase": "extract",
                      "items": 0, "articles": 0, "rejects": 0, "claims": 0, "dim": None, "sizes": {},
                      "units_done": 0, "claims_done": 0, "counts": {}, "approximate_splits": 0, "resumed": 0,
                      "settings": self._settings()}

    def _log(self, msg: str):
        if not self.quiet:
            print(msg, file=sys.stderr)

    def _bar(self, total, unit, desc, initial=0):
        show = self.config.progress
        if show is None:
            show = sys.stderr.isatty()
        from tqdm.auto import tqdm

        try:
            sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
        except (OSError, ValueError, AttributeError):
            sized = False
        return tqdm(total=total, initial=initial, unit=unit, desc=desc, disable=self.quiet or not show,
                    file=sys.stderr, dynamic_ncols=sized, ncols=None if sized else 100,
                    nrows=None if sized else 20, smoothing=0.1)  # an unsized pty (0x0) hides bars

    # ------------------------------------------------------------ run
    def run(self) -> dict:
        self._t0 = time.perf_counter()
        self.out.mkdir(parents=True, exist_ok=True)
        files = input_fingerprint(self.inputs)
        if self.resume and not (self.work / STATE_FILE).exists() and (self.out / "run.json").exists():
            try:
                summary = json.loads((self.out / "run.json").read_text())
            except (OSError, json.JSONDecodeError):
                summary = {}
            if summary.get("fingerprint") == self._fingerprint(files):
                self._log(f"the run in {self.out} is already complete: nothing to resume")
                return summary
            raise InputError(f"cannot resume: {self.out} holds a finished run of other inputs, model or settings "
                             "(or of another engine); run again without --resume to replace it, or use another --out")
        self._load_or_init_state(files)
        self._seconds0 = float(self.state.get("seconds", 0.0))
        with _sigterm_as_interrupt():
            if self.state["phase"] == "extract":
                self._extract_phase()
            if self.state["phase"] == "classify":
                self._classify_phase()
            return self._finalize()

    # ------------------------------------------------------------ phase 1
    def _extract_phase(self):
        st, sizes = self.state, self.state["sizes"]
        fresh = st["items"] == 0 and not sizes
        app = {n: _Appender(self.work / n, None if fresh else sizes.get(n, 0))
               for n in (*SPOOLS, "rejects.part")}
        items = list(expand_items(self.inputs))
        files = [p for p in items if not isinstance(p, Reject)]
        bar = self._bar(count_items(files) + len(items) - len(files), "rec", "extract+embed", initial=st["items"])
        fresh_items = self.items is not None and st["items"] == 0
        it = iter(self.items) if fresh_items else iter_articles(self.inputs, self.defaults)
        for _ in range(st["items"]):  # re-read what is done (keeps duplicate-id checks) without scoring it
            next(it)
        try:
            for prep in self._prepared_chunks(it):
                self._chunk(prep, app)
                bar.update(len(prep.items))
        finally:
            bar.close()
            for a in app.values():
                a.close()
        self._save_state(phase="classify")

    def _prepared_chunks(self, it):
        """Chunks of input records with their claims extracted and spool lines serialised (everything but
        the vectors). Running this in a helper thread beside the embedder gained nothing on 2 cores (the
        embedder already uses both), so it runs inline."""
        k = self._independence_model().shingle_size
        buf: list[Article | Reject] = []
        n_art = 0
        for item in it:
            buf.append(item)
            n_art += isinstance(item, Article)
            if n_art >= self.config.chunk_size or len(buf) >= MAX_CHUNK_ITEMS:  # rejects alone fill one too
                yield self._prepare(buf, k)
                buf, n_art = [], 0
        if buf:
            yield self._prepare(buf, k)

    def _prepare(self, items, k: int) -> "_Prepared":
        prep = graph.prepare(self.parts, [a for a in items if isinstance(a, Article)])
        arts, claims, notes, ctx = prep.articles, prep.claims, prep.notes, prep.context
        lines = [(json.dumps({"c": claim_to_dict(c), "d": d.isoformat() if d else None, "p": sorted(p),
                              "s": sorted(sc)}, ensure_ascii=False) + "\n").encode("utf-8")
                 for c, d, p, sc in zip(claims, ctx.dates, ctx.places, ctx.scopes)]
        return _Prepared(items, arts, [r for r in items if isinstance(r, Reject)] + notes, claims, lines,
                         [d.toordinal() if d else -1 for d in ctx.dates], [shingle_hashes(a.text, k) for a in arts])

    def _chunk(self, prep: "_Prepared", app):
        claims = prep.claims
        if claims:
            V = np.ascontiguousarray(graph.embed(self.parts, claims), dtype=np.float32)
            if self.state["dim"] is None:
                self.state["dim"] = int(V.shape[1])
            lens = np.array([len(x) for x in prep.lines], dtype=np.int64)
            index = np.zeros((len(claims), 2), dtype=np.int64)
            index[:, 0] = app["claims.spool"].size() + np.concatenate([[0], np.cumsum(lens)[:-1]])
            index[:, 1] = prep.ordinals
            app["claims.spool"].write(b"".join(prep.lines))
            app["vectors.f32"].write(V.tobytes())
            app["index.i64"].write(index.tobytes())
        st = self.state
        art_lines = [_jsonl([a.to_dict()]) for a in prep.arts]  # source independence reads some back
        pos = {a.id: i for i, a in enumerate(prep.arts)}
        where = np.array([pos[c.article_id] for c in claims], dtype=np.int64)
        if np.any(np.diff(where) < 0):
            raise RuntimeError("claims are not in article order: the shingle spool needs them so")
        for name, b in ShingleSpool.records(
                prep.hashes, st["articles"],
                app["articles.spool"].size() + _exclusive_cumsum([len(x) for x in art_lines]),
                app[ShingleSpool.HASHES].size() // 8, np.bincount(where, minlength=len(prep.arts)),
                st["claims"]).items():
            app[name].write(b)
        app["articles.spool"].write(b"".join(art_lines))
        app["rejects.part"].write(_jsonl(prep.rejects))
        for a in app.values():
            a.sync()
        acc = Accounting.from_state(st)  # the accounting of every engine: warnings are not rejects
        acc.scored += len(prep.arts)
        for r in prep.rejects:
            acc.note(r)
        self._save_state(items=st["items"] + len(prep.items), rejects=acc.rejected, warnings=acc.warnings,
                         claims=st["claims"] + len(claims), sizes={n: a.size() for n, a in app.items()},
                         **acc.to_state())

    # ------------------------------------------------------------ phase 2
    def _classify_phase(self):
        st = self.state
        n = st["claims"]
        index = np.fromfile(self.work / "index.i64", dtype=np.int64).reshape(-1, 2)[:n]
        blocks, approx = graph.plan_blocks(self.parts, index[:, 1], self.config.max_block_claims)
        # the unit plan must be the one units_done counts in: a resume keeps the interrupted run's unit size
        units = plan_units(blocks, st.setdefault("unit_claims", self.config.unit_claims))
        parts = tuple(f"{n}.part" for n in RESULT_PARTS)
        self._indep = self._independence(index)
        fresh = st["units_done"] == 0 and "claims.part" not in st["sizes"]
        app = {p: _Appender(self.work / p, None if fresh else st["sizes"].get(p, 0)) for p in parts}
        vectors = (np.memmap(self.work / "vectors.f32", dtype=np.float32, mode="r", shape=(n, st["dim"]))
                   if n else np.zeros((0, 1), np.float32))
        bar = self._bar(n, "claim", "cluster+classify", initial=st["claims_done"])
        try:
            with open(self.work / "claims.spool", "rb") as spool:
                for k in range(st["units_done"], len(units)):
                    unit = units[k]
                    res = self._unit(unit, index, vectors, spool)
                    for name in RESULT_PARTS:
                        app[f"{name}.part"].write(_jsonl(getattr(res, name)))
                    for a in app.values():
                        a.sync()
                    counts = dict(st["counts"])
                    for key, v in res.counts().items():
                        if key not in ("articles", "rejects", "claims"):
                            counts[key] = counts.get(key, 0) + v
                    done = sum(len(b) for b in unit)
                    self._save_state(units_done=k + 1, claims_done=st["claims_done"] + done, counts=counts,
                                     sizes={**st["sizes"], **{p: a.size() for p, a in app.items()}})
                    bar.update(done)
        finally:
            bar.close()
            for a in app.values():
                a.close()
        with atomic_write(self.work / "syndication.part") as fh:
            fh.write(_jsonl(self._indep.syndications_).decode("utf-8"))
        counts = {**st["counts"], "syndicated": len(self._indep.syndications_)}
        self._save_state(phase="finalize", approximate_splits=approx, blocks=len(blocks), units=len(units),
                         counts=counts)

    def _independence_model(self) -> SpooledIndependence:
        return self.parts.independence(SpooledIndependence)

    def _independence(self, index):
        """Reprints and claim origins over the whole run (discrep.independence), fitted once: a reprint and its
        original may fall in different time blocks. Bounded: from the shingle spools of phase 1, reading back
        only the texts of reprint groups and, per unit, the claims of the originals its reprints copy
        (docs/scale.md). Recomputed on resume (it is deterministic and writes no output)."""

        def read_article(offset: int) -> Article:
            with open(self.work / "articles.spool", "rb") as fh:
                fh.seek(offset)
                d = json.loads(fh.readline())
            return Article.from_dict(d)

        def read_claims(row: int, n: int) -> list[Claim]:
            out = []
            with open(self.work / "claims.spool", "rb") as spool:
                for off in index[row:row + n, 0]:
                    spool.seek(int(off))
                    out.append(claim_from_dict(json.loads(spool.readline())["c"]))
            return out

        return self._independence_model().fit_spool(self.work, self.state["articles"], read_article, read_claims)

    def _unit(self, unit: list[np.ndarray], index, vectors, spool) -> ScoreResult:
        """cluster_block -> incidents -> align -> judge -> finish (discrep.graph) over one unit of time blocks,
        read back from the spools."""
        parts, store = self.parts, self.store
        claims_all: list[Claim] = []
        incidents: list[Incident] = []
        vec: dict[str, np.ndarray] = {}
        keys_all: list = []  # with a store: the unit's stored incident ids, one record per incident at the end
        ctx_all = ClaimContext([], [], [])
        for rows in unit:
            claims, ctx = self._read_block(rows, index, spool)
            X = np.asarray(vectors[rows], dtype=np.float32)
            keys = graph.cluster_block(parts, claims, X, ctx, store)
            if store is None:
                incidents.extend(graph.incidents(claims, keys, ctx))
            else:  # a block cut for size may put one incident in two blocks of the unit
                keys_all.extend(keys)
                for mine, theirs in zip((ctx_all.dates, ctx_all.places, ctx_all.scopes), (ctx.dates, ctx.places,
                                                                                          ctx.scopes)):
                    mine.extend(theirs)
            claims_all.extend(claims)
            vec.update({c.claim_id: x for c, x in zip(claims, X)})
        if keys_all:
            incidents.extend(graph.incidents(claims_all, keys_all, ctx_all, store))
        if isinstance(parts.embedder, VectorMemory):  # the classifier re-embeds pair texts: serve them from memory
            parts.embedder.remember([c.text for c in claims_all], np.stack([vec[c.claim_id] for c in claims_all]))
        judged = graph.judge(parts, graph.align(parts, claims_all, incidents, vec))
        return graph.finish(parts, claims_all, incidents, judged, self._indep)

    @staticmethod
    def _read_block(rows, index, spool) -> tuple[list[Claim], ClaimContext]:
        """A block's claims and clustering context from the claim spool (written by phase 1)."""
        recs = []
        for r in rows:
            spool.seek(int(index[r, 0]))
            recs.append(json.loads(spool.readline()))
        return ([claim_from_dict(x["c"]) for x in recs],
                ClaimContext([date.fromisoformat(x["d"]) if x["d"] else None for x in recs],
                             [set(x["p"]) for x in recs], [set(x.get("s", ())) for x in recs]))

    # ------------------------------------------------------------ finish
    def _part(self, name: str) -> Path:
        """A part file, or its final name when a killed finalize had moved it already."""
        p = self.work / (name.replace(".jsonl", ".part"))
        return p if p.exists() else self.out / name

    def _finalize(self) -> dict:
        st = self.state
        for name in OUTPUT_PARTS:  # cut parts to their checkpointed length (a kill may have left a tail)
            p = self.work / name.replace(".jsonl", ".part")
            if p.exists() and name.replace(".jsonl", ".part") in st["sizes"]:
                with open(p, "ab") as fh:
                    fh.truncate(st["sizes"][name.replace(".jsonl", ".part")])
        counts = {"articles": st["articles"], "claims": st["claims"], "rejects": st["rejects"], **st["counts"],
                  "warnings": st.get("warnings", 0)}
        writer = RunWriter(self.out, prepare=False, fmt=self.fmt,  # the folder was prepared when the run began
                           min_salience=self.parts.min_salience)
        files = {n: self._part(f"{n}.jsonl") for n in ("discrepancies", "incidents", "claims", "rejects", "figures")}
        writer.report_from_files({**files, "articles": self.work / "articles.spool"}, self.model_uri,
                                 self.config.report_incidents, ordered_counts(counts))
        extra = {"inputs": self.inputs, "seconds": round(self._seconds0 + time.perf_counter() - self._t0, 2),
                 "engine": "stream", "fingerprint": st["fingerprint"], "resumed": st.get("resumed", 0),
                 "chunk_size": self.config.chunk_size, "blocks": st.get("blocks", 0),
                 "approximate_splits": st.get("approximate_splits", 0), "embedder": embedder_stats(self.parts.embedder),
                 **self.extra}
        if self.store is not None:
            extra.update(incident_store=str(self.store.path.resolve()), incidents_in_store=len(self.store))
        for name in OUTPUT_PARTS:
            p = self.work / name.replace(".jsonl", ".part")
            if p.exists():
                os.replace(p, self.out / name)
            elif not (self.out / name).exists():
                (self.out / name).write_text("")
        summary = writer.finish(self.model_uri, counts, Accounting.from_state(st), extra)
        shutil.rmtree(self.work, ignore_errors=True)
        return summary
