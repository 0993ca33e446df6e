"""Files written whole or not at all: a temp name, fsync, rename, fsync of the folder.

The lowest layer: model saving, output files and checkpoints all write through it."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TMP_INFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w"):
    """Write to ``<path>.tmp-XXXX`` and rename over ``path`` only when the block succeeds.

    The data is fsynced before the rename and the folder after it, so after a crash ``path`` is
    either the old file or the complete new one; a killed process leaves at most a ``.tmp-`` file,
    which :func:`prepare_out_dir` removes on the next run.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + TMP_INFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(d: Path):
    with contextlib.suppress(OSError):
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
