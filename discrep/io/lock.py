"""Exclusive locks on what a run writes (its ``--out`` folder, its incident store), so that a second run
refuses at once instead of interleaving its files with the first one's.

A lock is an ``fcntl.flock`` on a small file that records the holder (pid, host, start time) for the
error message. The kernel drops a flock when its holder dies, however it dies, so a lock file left by a
killed run is stale by construction: the next run takes it over. Where the file system has no flock
(some network mounts), the recorded pid is checked instead. Locks are re-entrant within a process: the
job locks the store before the model loads, and :class:`discrep.io.store.IncidentStore` locks it again.
"""
from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
from pathlib import Path

from discrep.errors import LockError, OutputError

_HELD: dict[str, list] = {}  # absolute lock path -> [fd, depth, pid] of the locks this process holds
_GUARD = threading.Lock()
_NO_FLOCK = (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL)


class RunLock:
    """``with RunLock(path, what="output folder out/", flag="--out"):`` holds ``path`` exclusively.

    ``stale_`` is the record of a dead holder whose lock was taken over (None when there was none)."""

    def __init__(self, path: str | Path, what: str | None = None, flag: str | None = None):
        self.path = Path(path)
        self.what = what
        self.flag = flag

    def __enter__(self) -> RunLock:
        key = os.path.abspath(self.path)
        with _GUARD:
            held = _HELD.get(key)
            if held is not None and held[2] == os.getpid():
                held[1] += 1
                self.stale_ = None
                return self
            fd, self.stale_ = self._take()
            _HELD[key] = [fd, 1, os.getpid()]
        return self

    def __exit__(self, *exc) -> None:
        key = os.path.abspath(self.path)
        with _GUARD:
            held = _HELD.get(key)
            if held is None or held[2] != os.getpid():
                return
            held[1] -= 1
            if held[1] > 0:
                return
            del _HELD[key]
            fd = held[0]
            try:
                if os.stat(self.path).st_ino == os.fstat(fd).st_ino:
                    os.unlink(self.path)  # before the unlock: a waiter then finds no file, or its own
            except OSError:
                pass
            os.close(fd)

    # ------------------------------------------------------------------
    def _take(self) -> tuple[int, dict | None]:
        for _ in range(20):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # O_NOFOLLOW: a symlink planted under the lock's name must not make us truncate its target
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
            except OSError as e:
                why = "it is a symbolic link" if e.errno == errno.ELOOP else e.strerror or e
                raise OutputError(f"cannot create the lock file {self.path}: {why}") from None
            try:
                previous = self._lock(fd)
                if not _same_file(fd, self.path):  # its holder released (and removed it) meanwhile
                    os.close(fd)
                    continue
                _record(fd, self.path)
            except BaseException:
                os.close(fd)
                raise
            return fd, previous
        raise LockError(f"cannot lock {self.path}: it keeps being replaced by another process")

    def _lock(self, fd: int) -> dict | None:
        """Lock ``fd``; the previous holder's record when it was a dead run's (stale, taken over)."""
        import fcntl

        previous = _read(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise self._busy(_read(fd) or previous) from None
        except OSError as e:
            if e.errno not in _NO_FLOCK:
                raise OutputError(f"cannot lock {self.path}: {e.strerror or e}") from None
            if previous and _alive(previous):  # no flock here: trust a live pid on this host
                raise self._busy(previous) from None
        return previous if previous and previous.get("pid") != os.getpid() else None

    def _busy(self, holder: dict | None) -> LockError:
        what = self.what or str(self.path)
        who = "another discrep run"
        if holder and holder.get("pid"):
            who += f" (pid {holder['pid']}"
            if holder.get("host") and holder["host"] != socket.gethostname():
                who += f" on {holder['host']}"
            who += f", since {holder['started']})" if holder.get("started") else ")"
        hint = f", or use another {self.flag}" if self.flag else ""
        return LockError(f"{what} is in use by {who}; wait for it to finish{hint}")


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _read(fd: int) -> dict | None:
    try:
        d = json.loads(os.pread(fd, 4096, 0) or b"null")
    except (OSError, ValueError):
        return None
    return d if isinstance(d, dict) else None


def _record(fd: int, path: Path) -> None:
    rec = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(rec) + "\n").encode(), 0)
        os.fsync(fd)
    except OSError as e:
        raise OutputError(f"cannot write the lock file {path}: {e.strerror or e}") from None


def _alive(holder: dict) -> bool:
    """The holder's pid runs on this machine (another host's pid cannot be checked: assume it runs)."""
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if holder.get("host") not in (None, socket.gethostname()):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
