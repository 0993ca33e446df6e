"""Where discrep finds its config folder and data files: one place for every module, so that no module
computes paths from its own ``__file__`` (they moved once already, with the package layout).

An installed discrep reads the copy of ``conf/`` and the run-time ``data/`` files that the build puts inside
the package (``discrep/_bundle/``, see setup.py and pyproject's ``[tool.discrep] bundle``); a checkout (or an
editable install) has no such copy and reads the top-level ``conf/`` and ``data/`` themselves."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from discrep.errors import DiscrepError

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
BUNDLE_NAME = "_bundle"


def resource_root() -> Path:
    """The folder holding ``conf/`` and ``data/``: the packaged copy where there is one, else the checkout."""
    bundle = resources.files(__package__) / BUNDLE_NAME
    if isinstance(bundle, Path) and (bundle / "conf").is_dir():
        return bundle.resolve()
    return REPO_ROOT


RESOURCE_ROOT = resource_root()
DATA_DIR = RESOURCE_ROOT / "data"
CONF_DIR = RESOURCE_ROOT / "conf"


def find_conf_dir(explicit: str | None = None, primary: str = "config.yaml") -> Path:
    """--config-dir, $DISCREP_CONF, ./conf, then the package's own conf/ (:data:`CONF_DIR`): the first that holds
    ``primary`` (config.yaml: training; score.yaml: scoring)."""
    for cand in (explicit, os.environ.get("DISCREP_CONF"), Path.cwd() / "conf", CONF_DIR):
        if cand and (Path(cand) / primary).exists():
            return Path(cand).resolve()
    raise DiscrepError(f"cannot find the config folder (conf/{primary}): pass --config-dir or set DISCREP_CONF")


def conf_dir_or_none(primary: str = "config.yaml") -> Path | None:
    """:func:`find_conf_dir`, or None where there is none (callers then use their built-in defaults)."""
    try:
        return find_conf_dir(primary=primary)
    except DiscrepError:
        return None
