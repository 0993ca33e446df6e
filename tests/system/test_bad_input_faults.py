"""Faults: a killed run leaves nothing that looks complete, every output goes through a temp file
and a rename, and a training run with an unreachable tracking server fails fast (or, by config,
saves its model locally for `discrep log-model`)."""
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from discrep.errors import TrackingError
from discrep.io.output import json_line, prepare_out_dir, validate_dir, write_jsonl
from discrep.io.tracking import check_reachable
from tests.conftest import ROOT, run_cli

CHILD = r"""
import sys, time
from pathlib import Path
from discrep.pipeline import ScoreResult
from discrep.scoring import write_outputs
from discrep.types import Reject

class Slow(list):
    def __iter__(self):
        for i, x in enumerate(list.__iter__(self)):
            if i == 50:
                print("HALF", flush=True)
                time.sleep(60)
            yield x

rejects = Slow(Reject(f"in.jsonl:{i}", "malformed JSON", None, "error", "bad_json") for i in range(100))
write_outputs(ScoreResult(rejects=rejects), Path(sys.argv[1]), "none")
"""


def test_a_killed_run_leaves_no_complete_looking_output(tmp_path):
    from discrep.io.writer import write_outputs
    from discrep.records.core import Reject
    from discrep.records.result import ScoreResult

    out = tmp_path / "out"
    write_outputs(ScoreResult(rejects=[Reject("old:1", "old reason")]), out, "none")  # an earlier, finished run
    assert validate_dir(out) == []
    old_rejects = (out / "rejects.jsonl").read_text()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(out)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout.readline().strip() == "HALF"
        child.send_signal(signal.SIGKILL)  # no cleanup handlers run: like a power cut for the process
    finally:
        child.wait(timeout=30)
    tmps = sorted(p.name for p in out.iterdir() if ".tmp-" in p.name)
    assert len(tmps) == 1 and tmps[0].startswith("rejects.jsonl.tmp-")
    assert not (out / "run.json").exists()  # removed first: old files no longer pass for a finished run
    assert (out / "rejects.jsonl").read_text() == old_rejects  # the old file is whole, never half-overwritten
    assert "run.json: missing (the run did not finish)" in validate_dir(out)
    prepare_out_dir(out)  # the next run clears the leftovers
    assert not [p for p in out.iterdir() if ".tmp-" in p.name]


def test_an_error_mid_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    p = tmp_path / "claims.jsonl"
    write_jsonl(p, [{"a": 1}])

    def boom():
        yield {"a": 2}
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_jsonl(p, boom())
    assert p.read_text() == '{"a": 1}\n' and [x.name for x in tmp_path.iterdir()] == ["claims.jsonl"]


def test_every_output_file_is_written_by_rename(tmp_path, monkeypatch):
    """Spy on os.replace: every file in the output folder must have arrived through it."""
    import discrep.fs as fs
    import discrep.io.output as output
    from discrep.io.writer import write_outputs
    from discrep.records.core import Reject
    from discrep.records.result import ScoreResult

    renamed = []
    real = os.replace
    monkeypatch.setattr(fs.os, "replace", lambda a, b: (renamed.append(Path(b).name), real(a, b))[1])
    out = tmp_path / "o"
    write_outputs(ScoreResult(rejects=[Reject("x:1", "bad")]), out, "none")
    assert sorted(p.name for p in out.iterdir()) == sorted(renamed) == sorted(output.OUTPUT_FILES)
    assert renamed[-1] == "run.json"  # last: its presence marks a finished run


def test_outputs_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        write_jsonl(tmp_path / "x.jsonl", [{"a": 1}])
    finally:
        os.umask(old)
    assert (tmp_path / "x.jsonl").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_output_lines_are_always_valid_json():
    line = json_line({"low": float("inf"), "x": [float("nan")], "input": "caf\udce9.jsonl:1", "t": "Київ"})
    d = json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in output"))
    assert d["low"] is None and d["x"] == [None] and d["input"] == "caf\udce9.jsonl:1"
    line.encode("utf-8")


# ------------------------------------------------------------------------------------------- tracking
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_tracking_server_fails_before_training(tmp_path):
    uri = f"http://127.0.0.1:{_free_port()}"
    r = run_cli(["train", f"tracking.uri={uri}", "data.sick.enabled=false"], tmp_path / "home", timeout=300)
    assert r.returncode == 2
    assert f"error: MLflow tracking server {uri} is unreachable" in r.stderr
    assert "tracking.offline_fallback=true" in r.stderr and "discrep log-model" in r.stderr
    assert "training on" not in r.stdout + r.stderr  # failed fast: nothing was trained
    assert "Traceback" not in r.stderr


def test_server_that_accepts_but_never_answers_is_unreachable():
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)  # the kernel completes the handshake; nobody ever replies
        uri = f"http://127.0.0.1:{srv.getsockname()[1]}"
        with pytest.raises(TrackingError, match="accepts connections but does not answer"):
            check_reachable(uri, timeout=0.5)


def test_sqlite_store_in_an_impossible_folder_is_a_clear_error():
    with pytest.raises(TrackingError, match="cannot create /proc/discrep-nope"):
        check_reachable("sqlite:////proc/discrep-nope/mlflow.db")
    with pytest.raises(TrackingError, match="malformed|names no host"):
        check_reachable("http://:99999")


@pytest.mark.slow
def test_offline_fallback_saves_the_model_and_log_model_logs_it(tmp_path):
    home = tmp_path / "home"
    uri = f"http://127.0.0.1:{_free_port()}"
    r = run_cli(["train", f"tracking.uri={uri}", "tracking.offline_fallback=true", "data.sick.enabled=false",
                 "features=structured", "data.synthetic.per_claim=2", "run_name=offline-test"], home)
    assert r.returncode == 0, r.stderr[-3000:]
    log = r.stdout + r.stderr
    assert "training anyway (tracking.offline_fallback=true)" in log
    folder = Path(log.split("log it later with `discrep log-model ")[1].split("`")[0])
    assert (folder / "classifier.skops").exists() and json.loads((folder / "metrics.json").read_text())["n_train"] > 0
    r = run_cli(["log-model", str(folder)], home)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "registered discrep-pair v1, champion" in r.stdout
    r = run_cli(["log-model", str(folder)], home)
    assert r.returncode == 2 and "already logged" in r.stderr and "--force" in r.stderr
    from discrep.io.tracking import load_classifier

    db = f"sqlite:///{home / 'mlflow.db'}"
    clf, uri = load_classifier("models:/discrep-pair@champion", tracking_uri=db)
    assert uri == "models:/discrep-pair@champion" and list(clf.featurizer_.groups) == [
        "numeric", "events", "polarity", "lexical", "meta"]
    import mlflow

    run = mlflow.search_runs(experiment_names=["discrep-pair"], output_format="list")[0]
    assert run.info.run_name == "offline-test" and run.data.tags["offline_fallback"] == "true"
    assert run.data.metrics["n_train"] > 0 and run.data.params["features.groups"]


def test_log_model_refuses_a_folder_that_is_not_a_model(tmp_path):
    (tmp_path / "m").mkdir()
    r = run_cli(["log-model", str(tmp_path / "m")], tmp_path / "home", timeout=300)
    assert r.returncode == 2 and "is not a discrep classifier folder" in r.stderr and "Traceback" not in r.stderr


# ------------------------------------------------------------------------------------------- one-line errors
# Issue 17, finding 11: each of these printed a traceback (most after the 6-12 s model load). Now: one line,
# exit 2, and where the check needs no model it comes first: --model names a folder that does not exist, so
# an error about anything else proves the check ran before the model was looked at.
NO_MODEL = "/nonexistent-discrep-model"
ONE_ARTICLE = ROOT / "data" / "examples" / "kharkiv-local.txt"


def _one_line_error(r, *needles):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
    assert "Traceback" not in r.stderr and len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-3000:]
    assert NO_MODEL not in r.stderr, r.stderr  # decided before the model was looked at
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    """A small file system of our own (root only, where mounting is allowed): a real full disk / read-only folder."""
    path.mkdir(parents=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode()[:200]}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_out_that_is_a_file_is_one_line_before_the_model(tmp_path):
    (tmp_path / "o").write_text("not a folder")
    r = run_cli(["score", str(ONE_ARTICLE), "--out", str(tmp_path / "o"), "--model", NO_MODEL, "--quiet"],
                tmp_path / "home")
    _one_line_error(r, "is a file")


def test_read_only_out_is_one_line_before_the_model(tmp_path):
    if os.geteuid() == 0:  # root writes through permission bits: a read-only mount instead
        ctx = _tmpfs(tmp_path / "ro", "1m")
    else:
        ctx = contextlib.nullcontext(tmp_path / "ro")
        (tmp_path / "ro").mkdir()
    with ctx as ro:
        (ro / "o").mkdir()
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        else:
            (ro / "o").chmod(0o555)
        r = run_cli(["score", str(ONE_ARTICLE), "--out", str(ro / "o"), "--model", NO_MODEL, "--quiet"],
                    tmp_path / "home")
        if os.geteuid() != 0:
            (ro / "o").chmod(0o755)
    _one_line_error(r, "not writable")


@pytest.mark.parametrize("fault", ["full_disk", "file_size_limit"])
def test_a_full_disk_is_one_line(tmp_path, fault):
    """ENOSPC on a real (tiny) file system, and EFBIG from a file-size limit where mounting is not allowed."""
    import resource

    bad = tmp_path / "bad.jsonl"  # nothing scorable: no model needed, and ~400 KB of rejects to write
    bad.write_text("".join(f'{{"id": "r{i}", "outlet": "X", "text": "unterminated\n' for i in range(3000)))
    env = {**os.environ, "DISCREP_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}

    def limit():
        if fault == "file_size_limit":
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then write() fails with EFBIG instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    ctx = _tmpfs(tmp_path / "small", "128k") if fault == "full_disk" else contextlib.nullcontext(tmp_path / "big")
    with ctx as fs:
        r = subprocess.run([sys.executable, "-m", "discrep.cli", "score", str(bad), "--out", str(fs / "o"), "--quiet"],
                           capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, preexec_fn=limit)
        leftovers = [p.name for p in (fs / "o").iterdir()] if (fs / "o").exists() else []
    _one_line_error(r, "No space left on device" if fault == "full_disk" else "File too large")
    assert "run.json" not in leftovers  # nothing passes for a finished run


def test_corrupt_tracking_store_is_one_line(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "mlflow.db").write_bytes(bytes(range(256)) * 400)  # the default store, damaged
    r = run_cli(["score", str(ONE_ARTICLE), "--out", str(tmp_path / "o"), "--quiet"], home)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "not a usable SQLite database" in lines[0] and "mlflow.db" in lines[0]


def _small_store(path: Path) -> Path:
    """An incident store holding two incidents (synthetic claims and vectors)."""
    from datetime import date

    import numpy as np

    from discrep.io.store import IncidentStore
    from discrep.records.core import Claim
    from discrep.stages.cluster import ClaimContext, IncidentClusterer

    claims = [Claim(f"a{i}:0", f"a{i}", "X", date(2024, 1, 2), 0, f"Officials said {i} people were killed.", "x")
              for i in range(40)]
    X = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    ctx = ClaimContext([date(2024, 1, 2)] * 40, [{"Kyiv"} if i % 2 else {"Lviv"} for i in range(40)], [set()] * 40)
    with IncidentStore(path, embedder="m") as st:
        st.assign(claims, X, ctx, IncidentClusterer())
        assert len(st) >= 2
    return path


@pytest.mark.parametrize("damage", ["header", "page", "short_vector", "places"])
def test_damaged_incident_store_is_one_line_before_the_model(tmp_path, damage):
    import sqlite3

    store = _small_store(tmp_path / "incidents.sqlite")
    if damage in ("header", "page"):
        b = bytearray(store.read_bytes())
        at = 16 if damage == "header" else 4096 + 8  # the page size field / the b-tree header of page 2
        for i in range(at, at + 64):
            b[i] ^= 0xFF  # bit flips
        store.write_bytes(bytes(b))
    else:
        with sqlite3.connect(store) as db:
            if damage == "short_vector":
                db.execute("UPDATE incidents SET vsum = x'0102030405' WHERE seq = 0")
            else:
                db.execute("UPDATE incidents SET places = '{\"not\": \"a list\"' WHERE seq = 0")
    r = run_cli(["score", str(ONE_ARTICLE), "--out", str(tmp_path / "o"), "--incidents", str(store),
                 "--model", NO_MODEL, "--quiet"], tmp_path / "home")
    _one_line_error(r, "incident store", str(store))


def test_store_damage_found_after_opening_is_a_store_error(tmp_path):
    """A centroid that is not finite: the pre-check reads the centroids too (it used to see only their sizes),
    and an assignment that meets one (a store damaged after the check) still gives StoreError."""
    import sqlite3
    from datetime import date

    import numpy as np

    from discrep.io.store import IncidentStore, StoreError
    from discrep.records.core import Claim
    from discrep.stages.cluster import ClaimContext, IncidentClusterer

    store = _small_store(tmp_path / "s.sqlite")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE incidents SET vsum = ? WHERE seq = 0", (np.full(8, np.nan).tobytes(),))
    with pytest.raises(StoreError, match="not finite"):
        IncidentStore.check(store)
    c = Claim("b:0", "b", "X", date(2024, 1, 2), 0, "Officials said 3 people were killed.", "x")
    with IncidentStore(store, embedder="m") as st:
        with pytest.raises(StoreError, match="not finite"):
            st.assign([c], np.ones((1, 8), np.float32) / np.sqrt(8), ClaimContext([date(2024, 1, 2)], [set()], [set()]),
                      IncidentClusterer())


@pytest.mark.parametrize("flag,value", [("--batch-size", "0"), ("--threads", "-1"), ("--threads", "0")])
def test_impossible_numbers_are_one_line_before_the_model(tmp_path, flag, value):
    r = run_cli(["score", str(ONE_ARTICLE), "--out", str(tmp_path / "o"), flag, value, "--model", NO_MODEL, "--quiet"],
                tmp_path / "home")
    _one_line_error(r, flag)


def test_a_bit_flipped_centroid_is_a_store_error(tmp_path):
    import sqlite3
    from datetime import date

    import numpy as np

    from discrep.io.store import IncidentStore, StoreError
    from discrep.records.core import Claim
    from discrep.stages.cluster import ClaimContext, IncidentClusterer

    store = _small_store(tmp_path / "s.sqlite")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE incidents SET vsum = ? WHERE seq = 0", (np.full(8, 3e307).tobytes(),))
    c = Claim("b:0", "b", "X", date(2024, 1, 2), 0, "Officials said 3 people were killed.", "x")
    with pytest.raises(StoreError):
        IncidentStore.check(store)
        with IncidentStore(store, embedder="m") as st:
            st.assign([c], np.ones((1, 8), np.float32) / np.sqrt(8), ClaimContext([date(2024, 1, 2)], [set()], [set()]),
                      IncidentClusterer())
