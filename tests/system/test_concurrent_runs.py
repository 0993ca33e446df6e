"""Two runs on one --out folder or one incident store (issue 17, findings 1 and 9): the second refuses at once,
naming the first one's pid, and the first one finishes with complete files. Real processes, bounded in time."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from discrep.io.output import LOCK_FILE, validate_dir
from discrep.training.synth import write_corpus
from tests.conftest import ROOT, run_cli

NO_MODEL = "/nonexistent-discrep-model"
ONE_ARTICLE = ROOT / "data" / "examples" / "kharkiv-local.txt"

HOLDER = r"""
import sys, time
from discrep.io.output import locked_run

with locked_run(sys.argv[1], sys.argv[2]):
    print("HELD", flush=True)
    time.sleep(120)
"""


def _env(home):
    env = {**os.environ, "DISCREP_HOME": str(home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _holder(out, store, home):
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), str(store)], stdout=subprocess.PIPE, text=True,
                         env=_env(home), cwd=ROOT)
    assert p.stdout.readline().strip() == "HELD"
    return p


def _refused(r, pid, *needles, seconds=None):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, (r.returncode, r.stderr[-3000:])
    assert f"pid {pid}" in lines[0] and "in use by another discrep run" in lines[0], lines[0]
    assert NO_MODEL not in lines[0]  # refused before the model was looked at
    for n in needles:
        assert n in lines[0], lines[0]


def test_a_held_out_folder_or_store_is_refused_at_once_and_a_dead_holder_is_taken_over(tmp_path):
    home, out, store = tmp_path / "home", tmp_path / "out", tmp_path / "incidents.sqlite"
    holder = _holder(out, store, home)
    try:
        t0 = time.time()
        r = run_cli(["score", str(ONE_ARTICLE), "--out", str(out), "--model", NO_MODEL, "--quiet"], home, timeout=120)
        _refused(r, holder.pid, "--out", str(out))
        r = run_cli(["score", str(ONE_ARTICLE), "--out", str(tmp_path / "other"), "--incidents", str(store),
                     "--model", NO_MODEL, "--quiet"], home, timeout=120)
        _refused(r, holder.pid, "incident store", "--incidents")
        assert time.time() - t0 < 60  # "at once": no waiting, no model load
        assert not (tmp_path / "other" / "run.json").exists()
    finally:
        holder.send_signal(signal.SIGKILL)  # dies holding both: its lock files stay behind, unlocked
        holder.wait(timeout=30)
    assert json.loads((out / LOCK_FILE).read_text())["pid"] == holder.pid
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a"}\n')  # nothing scorable: the run goes as far as writing its outputs, no model needed
    r = run_cli(["score", str(bad), "--out", str(out), "--incidents", str(store)], home, timeout=120)
    assert r.returncode == 2 and "nothing could be scored" in r.stderr and "in use" not in r.stderr, r.stderr[-3000:]
    assert f"locked by pid {holder.pid}, which is no longer running; lock taken over" in r.stderr
    assert validate_dir(out) == [] and not (out / LOCK_FILE).exists()  # released at the end
    assert not (tmp_path / "incidents.sqlite.lock").exists()


def _start(args, home):
    return subprocess.Popen([sys.executable, "-m", "discrep.cli", "score", *args], cwd=home, env=_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_real_runs_on_one_out_and_one_store(trained_home, tmp_path):
    """The finding: run B started while run A wrote the same --out; A exited 0 over empty files (or B crashed A).
    Now B refuses while A runs (also on A's store with another --out), and A's files are complete."""
    corpus = write_corpus(tmp_path / "corpus.jsonl", 28)
    out, store = tmp_path / "out", tmp_path / "incidents.sqlite"
    common = [str(corpus), "--chunk-size", "2", "--model", "models:/discrep-pair/1", "--quiet"]
    a = _start([*common, "--out", str(out), "--incidents", str(store)], trained_home)
    try:
        t0 = time.time()
        while not (out / ".discrep-run" / "state.json").exists():  # A is scoring: checkpoints appear
            assert a.poll() is None, a.stderr.read()[-3000:]
            assert time.time() - t0 < 300, "run A never started scoring"
            time.sleep(0.05)
        b = run_cli(["score", *common, "--out", str(out)], trained_home, timeout=120)
        c = run_cli(["score", *common, "--out", str(tmp_path / "out2"), "--incidents", str(store)], trained_home,
                    timeout=120)
        assert a.poll() is None, f"run A ended (exit {a.returncode}) before B and C were done: {a.stderr.read()[-2000:]}"
        _refused(b, a.pid, "--out")
        _refused(c, a.pid, "incident store")
        assert a.wait(timeout=600) == 0, a.stderr.read()[-3000:]
    finally:
        if a.poll() is None:
            a.kill()
            a.wait()
    assert validate_dir(out) == []
    run = json.loads((out / "run.json").read_text())
    claims = (out / "claims.jsonl").read_text().splitlines()
    assert run["counts"]["claims"] == len(claims) > 0 and run["counts"]["incidents"] > 0
    assert not (tmp_path / "out2" / "run.json").exists()


@pytest.mark.parametrize("engine", ["stream", "memory"])
def test_run_json_is_never_written_over_files_another_process_emptied(tmp_path, monkeypatch, engine):
    """A run reports success only when every output file it lists holds what it wrote: here another process
    (simulated) empties the claims after they were written, as run B did to run A's work folder."""
    from discrep.engines.files import score_files
    from discrep.errors import OutputError
    from tests.unit.engines.test_stream import _fast_pipeline

    corpus = write_corpus(tmp_path / "corpus.jsonl", 6)
    out = tmp_path / "out"
    if engine == "stream":
        real = os.replace

        def then_intruder(src, dst):
            real(src, dst)
            if str(dst).endswith("claims.jsonl") and str(src).endswith(".part"):
                open(dst, "w").close()  # someone empties the file just moved into place

        monkeypatch.setattr(os, "replace", then_intruder)
    else:
        from discrep.io.writer import RunWriter

        real = RunWriter.table
        monkeypatch.setattr(RunWriter, "table", lambda w, name, recs: real(w, name, [] if name == "claims" else recs))
    with pytest.raises(OutputError, match="claims.jsonl"):
        score_files([corpus], out, pipeline=_fast_pipeline(), engine=engine, quiet=True)
    assert not (out / "run.json").exists()
