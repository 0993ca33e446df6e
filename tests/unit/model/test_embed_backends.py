"""ONNX backends of the embedder: exported offline from the packaged model, same vectors as torch."""
import numpy as np
import pytest

SENTENCES = ["The governor said three people were killed in the strike on Tuesday.",
             "Officials said at least five people died.", "Schools will reopen next week."]


def test_onnx_backend_matches_torch(embedder, tmp_path):
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed (pip install 'discrep[onnx]')")
    from discrep.model.embedder import Embedder

    ref = embedder.encode(SENTENCES)
    onnx = Embedder(backend="onnx", cache_dir=str(tmp_path), batch_size=2)
    V = onnx.encode(SENTENCES)
    assert V.shape == ref.shape
    assert np.allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-5)
    assert (V * ref).sum(axis=1).min() > 0.9999
    assert list((tmp_path / "onnx").glob("*/model.onnx"))  # exported once, reused by the next load
    q = Embedder(backend="onnx-int8", cache_dir=str(tmp_path)).encode(SENTENCES)
    cos = (q * ref).sum(axis=1)
    assert 0.85 < cos.min() < 0.9999  # quantised: close, not identical
