"""RunLock: what a run holds exclusively (--out, the incident store); the two-process cases are in
tests/system/test_concurrent_runs.py."""
import json
import os
import subprocess
import sys

import pytest

from discrep.errors import LockError
from discrep.io.lock import RunLock
from tests.conftest import ROOT


def test_lock_creates_its_folder_is_reentrant_and_leaves_nothing(tmp_path):
    path = tmp_path / "new" / "store.sqlite.lock"
    with RunLock(path) as a:
        assert json.loads(path.read_text())["pid"] == os.getpid() and a.stale_ is None
        with RunLock(path):  # the job locks the store, then IncidentStore locks it again: same process, fine
            pass
        assert path.exists()  # still held by the outer one
    assert not path.exists()


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    path = tmp_path / ".discrep-lock"
    path.write_text(json.dumps({"pid": int(dead), "host": os.uname().nodename, "started": "2026-01-01T00:00:00"}))
    with RunLock(path) as lock:
        assert lock.stale_["pid"] == int(dead)
        assert json.loads(path.read_text())["pid"] == os.getpid()


def test_a_live_holder_in_another_process_is_named(tmp_path):
    path = tmp_path / ".discrep-lock"
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; from discrep.io.lock import RunLock\n"
                              f"with RunLock({str(path)!r}):\n    print('HELD', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "HELD"
        with pytest.raises(LockError, match=rf"the folder x is in use by another discrep run \(pid {child.pid}, since "
                                            r".*\); wait for it to finish, or use another --out"):
            with RunLock(path, "the folder x", "--out"):
                pass
    finally:
        child.kill()
        child.wait()


def test_a_planted_symlink_is_refused_not_followed(tmp_path):
    from discrep.errors import OutputError

    victim = tmp_path / "precious.txt"
    victim.write_text("keep me")
    (tmp_path / ".discrep-lock").symlink_to(victim)
    with pytest.raises(OutputError, match="symbolic link"):
        with RunLock(tmp_path / ".discrep-lock"):
            pass
    assert victim.read_text() == "keep me"


def test_two_spellings_of_one_store_share_one_lock(tmp_path):
    from discrep.io.store import store_lock_path

    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert store_lock_path(tmp_path / "alias" / "s.sqlite") == store_lock_path(tmp_path / "real" / "s.sqlite")
