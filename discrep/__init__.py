"""discrep: find where news sources disagree.

Library API::

    from discrep import DiscrepPipeline, compare, read_articles
    arts, rejects = read_articles(["data/examples"])
    pipe = DiscrepPipeline.from_model()          # the registered champion model
    result = pipe.score(arts, rejects)
    compare("The governor said one person was killed.", article_text)
"""
from discrep import _legacy
from discrep.api import Comparison, DiscrepPipeline, compare
from discrep.errors import (
                            ChecksumError,
                            DiscrepError,
                            InputError,
                            ModelLoadError,
                            NoModelError,
                            TrackingError,
                            UntrustedModelError,
)
from discrep.io import writer as _writer  # noqa: F401  registers ScoreResult.write (records sit below io)
from discrep.io.ingest import read_articles
from discrep.records.core import Article, Claim, ClaimPair, Discrepancy, Incident, Quantity, SourcePairScore
from discrep.records.result import ScoreResult

_legacy.install()  # the flat module names of discrep 0.1 (models logged before the layout by role import them)

__version__ = "0.1.0"
__all__ = ["Article", "ChecksumError", "Claim", "ClaimPair", "Comparison", "DiscrepError", "DiscrepPipeline",
           "Discrepancy",
           "Incident", "InputError", "ModelLoadError", "NoModelError", "Quantity", "ScoreResult", "SourcePairScore",
           "TrackingError", "UntrustedModelError", "compare", "read_articles"]
