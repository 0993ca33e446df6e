"""Build step (metadata lives in pyproject.toml): copy the run-time files that pyproject's ``[tool.discrep]
bundle`` names from the top-level ``conf/`` and ``data/`` into the wheel as ``discrep/_bundle/``, and into the
sdist, so an installed discrep trains and scores without a checkout. The top-level folders stay the only
source: nothing is copied into the source tree, and an editable install reads them where they are."""
import shutil
import tomllib
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
BUNDLE = "_bundle"


def bundle_files() -> list[Path]:
    """The files that pyproject's ``[tool.discrep] bundle`` patterns name, relative to the project root."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["discrep"]["bundle"]
    files = sorted({p.relative_to(ROOT) for pat in patterns for p in ROOT.glob(pat) if p.is_file()})
    if not files:
        raise SystemExit(f"setup.py: no bundled files under {ROOT} ({patterns}): an incomplete source tree")
    return files


class BuildPyWithBundle(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # editable: discrep.resources reads the checkout's conf/ and data/
        root = Path(self.build_lib, "discrep", BUNDLE)
        shutil.rmtree(root, ignore_errors=True)  # a file removed from conf/ must not linger from an earlier build
        for rel in bundle_files():
            dst = root / rel
            self.mkpath(str(dst.parent))
            self.copy_file(str(ROOT / rel), str(dst))


class SdistWithBundle(sdist):
    def make_distribution(self):
        self.filelist.extend(str(rel) for rel in bundle_files())
        self.filelist.sort()
        self.filelist.remove_duplicates()
        super().make_distribution()


setup(cmdclass={"build_py": BuildPyWithBundle, "sdist": SdistWithBundle})
