"""Kill a real `discrep score` (SIGKILL, then Ctrl-C) and resume it: nothing lost, nothing duplicated."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from discrep.io.output import validate_dir
from discrep.training.synth import write_corpus

NAMES = ("claims.jsonl", "incidents.jsonl", "discrepancies.jsonl", "source_pairs.jsonl", "rejects.jsonl")


def _start(args, home):
    env = {**os.environ, "DISCREP_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("MLFLOW_TRACKING_URI", None)
    # a shell that runs the tests in the background (`cmd &`) starts them with SIGINT ignored, and Python
    # then never raises KeyboardInterrupt: give the child the default disposition, as a terminal would
    return subprocess.Popen([sys.executable, "-m", "discrep.cli", "score", *args], cwd=home, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(state_path, pred, proc, timeout=300):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            pytest.fail(f"run ended before it could be interrupted: {proc.stderr.read()[-2000:]}")
        try:
            st = json.loads(state_path.read_text())
        except (OSError, json.JSONDecodeError):
            st = None
        if st and pred(st):
            return st
        time.sleep(0.05)
    pytest.fail("no checkpoint reached in time")


def _sorted_lines(path):
    return sorted(path.read_text(encoding="utf-8").splitlines())


@pytest.mark.slow
def test_kill_9_then_ctrl_c_then_resume(trained_home, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl", 28)
    with open(corpus, "a") as fh:  # a bad line and a duplicate id after the kill points
        fh.write("not json\n")
        fh.write(json.dumps({"id": "nl-001-e0", "outlet": "X", "published": "2024-01-01", "title": "t",
                             "text": "Officials said two people were killed."}) + "\n")
    common = [str(corpus), "--engine", "stream", "--chunk-size", "2", "--model", "models:/discrep-pair/1"]
    ref = tmp_path / "ref"
    p = _start([*common, "--out", str(ref), "--quiet"], trained_home)
    assert p.wait(timeout=600) == 0, p.stderr.read()[-3000:]

    out = tmp_path / "out"
    state = out / ".discrep-run" / "state.json"
    p = _start([*common, "--out", str(out)], trained_home)
    st = _wait_for(state, lambda s: s["items"] >= 4, p)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    assert st["phase"] == "extract" and not (out / "run.json").exists()

    p = _start([*common, "--out", str(out), "--resume"], trained_home)
    before = json.loads(state.read_text())["items"]
    _wait_for(state, lambda s: s["items"] >= before + 4, p)
    p.send_signal(signal.SIGINT)  # Ctrl-C
    rc = p.wait(timeout=120)
    err = p.stderr.read()
    assert rc == 130 and "--resume" in err, (rc, err[-2000:])
    assert "resuming" in err

    p = _start([*common, "--out", str(out), "--resume", "--quiet"], trained_home)
    assert p.wait(timeout=600) == 0, p.stderr.read()[-3000:]
    assert validate_dir(out) == []
    for name in NAMES:
        assert _sorted_lines(out / name) == _sorted_lines(ref / name), name
    run, run_ref = json.loads((out / "run.json").read_text()), json.loads((ref / "run.json").read_text())
    assert run["counts"] == run_ref["counts"] and run["resumed"] == 2
    assert run["read"] == run["scored"] + run["rejected"] == 30 and run["rejected"] == 2
    claims = [json.loads(l) for l in (out / "claims.jsonl").read_text().splitlines()]
    assert len({c["claim_id"] for c in claims}) == len(claims) == run["counts"]["claims"]
    assert not (out / ".discrep-run").exists()
    # resuming a finished run does nothing
    p = _start([*common, "--out", str(out), "--resume"], trained_home)
    assert p.wait(timeout=300) == 0 and "already complete" in p.stderr.read()
