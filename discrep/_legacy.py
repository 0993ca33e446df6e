"""The flat module names of discrep 0.1 (``discrep.classify``, ``discrep.pipeline``…), kept importable.

Models logged before the package was laid out by role run their own copy of the MLflow model code, which
imports ``discrep.classify``, ``discrep.embed.Embedder``, ``discrep.extract.ClaimExtractor``,
``discrep.ingest.parse_date``, ``discrep.pipeline.judge``, ``discrep.types.ClaimPair``,
``discrep.spool.claim_from_json``; notebooks may import the others. Each old name is an alias of the module
that holds its code now (the same module object, so ``monkeypatch`` and ``isinstance`` behave); the three
modules that were split (``pipeline``, ``compare``, ``scoring``) are small modules of re-exports. Importing an
old name warns once (DeprecationWarning) with the new name; nothing in discrep itself imports them.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

MOVED = {
    "types": "discrep.records.core", "spool": "discrep.records.codec",
    "numbers": "discrep.text.numbers", "dates": "discrep.text.dates", "textmatch": "discrep.text.textmatch",
    "sources": "discrep.text.sources", "places": "discrep.text.places",
    "extract": "discrep.stages.extract", "guard": "discrep.stages.guard", "cluster": "discrep.stages.cluster",
    "pairs": "discrep.stages.align", "independence": "discrep.stages.independence",
    "reconcile": "discrep.stages.reconcile",
    "features": "discrep.model.features", "classify": "discrep.model.classifier", "embed": "discrep.model.embedder",
    "ingest": "discrep.io.ingest", "output": "discrep.io.output", "report": "discrep.io.report",
    "store": "discrep.io.store", "tracking": "discrep.io.tracking", "mlflow_model": "discrep.io.pyfunc",
    "stream": "discrep.engines.stream", "spark": "discrep.engines.spark",
    "train": "discrep.training.train", "data": "discrep.training.data", "synth": "discrep.training.synth",
    "evaluate": "discrep.evaluation.metrics", "goldcheck": "discrep.evaluation.goldcheck",
    "reconcile_gold": "discrep.evaluation.reconcile_gold",
}
"""Old flat name -> the module that is it now."""

SPLIT = {
    "pipeline": {"discrep.api": ["DiscrepPipeline"], "discrep.records.result": ["ScoreResult"],
                 "discrep.stages.verdict": ["three_way", "judge", "interval_compatible", "kept_counterpart",
                                            "dedupe"],
                 "discrep.stages.summarise": ["summarise"]},
    "compare": {"discrep.api": ["compare", "Comparison"],
                "discrep.model.stance": ["StanceAggregator", "document_features", "prepare_document",
                                         "DOC_FEATURES"]},
    "scoring": {"discrep.engines.files": ["score_files", "nothing_scored_reason", "engine_name", "ENGINES"],
                "discrep.io.writer": ["write_outputs", "package_versions", "embedder_stats", "reject_summary"]},
}
"""Old modules whose names now live in several modules: old name -> {new module: names}."""


class _LegacyFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        head, _, leaf = fullname.partition(".")
        if head != "discrep" or "." in leaf or (leaf not in MOVED and leaf not in SPLIT):
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        leaf = spec.name.split(".", 1)[1]
        new = MOVED.get(leaf) or ", ".join(SPLIT[leaf])
        warnings.warn(f"{spec.name} is deprecated: import from {new}", DeprecationWarning, stacklevel=3)
        if leaf in MOVED:
            return importlib.import_module(MOVED[leaf])
        mod = types.ModuleType(spec.name, f"Deprecated re-exports of {new}.")
        for target, names in SPLIT[leaf].items():
            m = importlib.import_module(target)
            for n in names:
                setattr(mod, n, getattr(m, n))
        return mod

    def exec_module(self, module):
        sys.modules[module.__spec__.name] = module  # an alias: the new module itself


def install() -> None:
    if not any(isinstance(f, _LegacyFinder) for f in sys.meta_path):
        sys.meta_path.append(_LegacyFinder())
