"""discrep: find where news sources disagree.

Library API::

    from discrep import DiscrepPipeline, compare, read_articles
    arts, rejects = read_articles(["data/examples"])
    pipe = DiscrepPipeline.from_model()          # the registered champion model
    result = pipe.score(arts, rejects)
    compare("The governor said one person was killed.", article_text)
"""
from .compare import Comparison, compare
from .errors import (ChecksumError, DiscrepError, InputError, ModelLoadError, NoModelError, TrackingError,
                     UntrustedModelError)
from .ingest import read_articles
from .pipeline import DiscrepPipeline, ScoreResult
from .types import Article, Claim, ClaimPair, Discrepancy, Incident, Quantity, SourcePairScore

__version__ = "0.1.0"
__all__ = ["Article", "ChecksumError", "Claim", "ClaimPair", "Comparison", "DiscrepError", "DiscrepPipeline",
           "Discrepancy",
           "Incident", "InputError", "ModelLoadError", "NoModelError", "Quantity", "ScoreResult", "SourcePairScore",
           "TrackingError", "UntrustedModelError", "compare", "read_articles"]
