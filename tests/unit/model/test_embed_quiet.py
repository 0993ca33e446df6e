"""Issue 17: ``--quiet`` still printed transformers' "Loading weights" bar while the embedder loaded."""
import os
import subprocess
import sys

from tests.conftest import ROOT

CODE = ("from discrep.model.embedder import Embedder\n"
        "e = Embedder(show_progress={})\n"
        "e.encode(['three people were killed'])\n")


def _stderr(show: bool) -> str:
    r = subprocess.run([sys.executable, "-c", CODE.format(show)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stderr


def test_loading_the_embedder_prints_no_bar_unless_asked():
    assert "Loading weights" not in _stderr(False)
    assert "Loading weights" in _stderr(True)
