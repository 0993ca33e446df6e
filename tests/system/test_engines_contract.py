"""The engine contract: every engine runs the one stage graph and writes the very files that the main branch
wrote before the stage-graph restructuring (tests/fixtures/engine_snapshot, taken from that code with this
suite's own training settings). Byte for byte: any change of order, rounding or content fails here."""
import shutil
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

SNAP = ROOT / "tests" / "fixtures" / "engine_snapshot"
sys.path.insert(0, str(SNAP.parent))
from make_engine_snapshot import JSONL, normalise_report  # noqa: E402


def _score(trained_home: Path, out: Path, engine: str) -> None:
    extra = ["--spark-master", "local[2]"] if engine == "spark" else []
    r = run_cli(["score", str(ROOT / "data" / "examples"), "--engine", engine, *extra, "--out", str(out), "--quiet"],
                trained_home, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def _same_files(out: Path, trained_home: Path, engine: str) -> None:
    for name in JSONL:
        got, want = (out / f"{name}.jsonl").read_bytes(), (SNAP / "jsonl" / f"{name}.jsonl").read_bytes()
        assert got == want, f"{engine}: {name}.jsonl differs from the snapshot"
    html = normalise_report((out / "report.html").read_text(encoding="utf-8"), trained_home)
    assert html == (SNAP / f"report-{engine}.html").read_text(encoding="utf-8"), f"{engine}: report.html differs"


@pytest.mark.parametrize("engine", ["memory", "stream"])
def test_engine_writes_the_snapshot(trained_home, tmp_path, engine):
    out = tmp_path / engine
    _score(trained_home, out, engine)
    _same_files(out, trained_home, engine)


@pytest.mark.slow
def test_spark_engine_writes_the_snapshot(trained_home, tmp_path):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install 'discrep[spark]')")
    if shutil.which("java") is None:
        pytest.skip("pyspark needs a Java runtime (Java 17) on PATH")
    out = tmp_path / "spark"
    _score(trained_home, out, "spark")
    _same_files(out, trained_home, "spark")
