"""The stage protocols: discrep's own stages satisfy them, and stages written against only the protocol run."""
import numpy as np
import pytest

from discrep.api import DiscrepPipeline
from discrep.io.ingest import read_articles
from discrep.io.writer import embedder_stats
from discrep.model.classifier import PairClassifier
from discrep.model.embedder import Embedder, HashingEmbedder
from discrep.records.core import LABELS, ClaimPair
from discrep.stages import base
from discrep.stages.cluster import IncidentClusterer
from discrep.stages.extract import ClaimExtractor
from discrep.stages.guard import extract_guarded
from discrep.stages.independence import SourceIndependence, SpooledIndependence
from discrep.stages.verdict import judge
from tests.conftest import ROOT


@pytest.mark.parametrize("protocol,make", [
    (base.Extractor, ClaimExtractor),
    (base.Embedder, Embedder),  # the model loads on first encode: checking it costs nothing
    (base.Embedder, HashingEmbedder),
    (base.VectorMemory, Embedder),
    (base.Clusterer, IncidentClusterer),
    (base.PairJudge, PairClassifier),
    (base.Independence, lambda: SourceIndependence().fit([], [])),
    (base.Independence, lambda: SpooledIndependence.from_parts([], [])),
])
def test_default_stages_satisfy_their_protocol(protocol, make):
    assert isinstance(make(), protocol)


def test_a_missing_member_fails_the_protocol():
    assert not isinstance(HashingEmbedder(), base.VectorMemory)  # optional: only the caching embedder has it
    assert not isinstance(SourceIndependence(), base.Independence)  # unfitted: no registry_ / syndications_

    class NoDates:
        def fit_predict(self, X, y=None, dates=None, places=None, scopes=None):
            return np.zeros(len(X), dtype=int)

    assert not isinstance(NoDates(), base.Clusterer)


class ByArticle:
    """A user's clusterer that knows only the protocol: one incident per article."""

    max_days = None
    w_date = 0.0

    def __init__(self, ids):
        self.ids = ids

    def fit_predict(self, X, y=None, dates=None, places=None, scopes=None):
        self.seen = (len(X), len(dates), len(places), len(scopes))
        order = {a: i for i, a in enumerate(dict.fromkeys(self.ids))}
        return np.array([order[a] for a in self.ids])


class Constant:
    """A user's embedder that knows only the protocol."""

    model = "constant"
    backend = None

    def encode(self, texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2.0


class Agreeable:
    """A user's pair judge that knows only the protocol."""

    def proba_frame(self, pairs):
        return [{lab: float(lab == "agree") for lab in LABELS} for _ in pairs]

    def explain(self, pair, label):
        return f"{label}: always"


@pytest.fixture(scope="module")
def claims(extractor):
    arts, _ = read_articles([ROOT / "data" / "examples"])
    return [c for a in arts for c in extractor.extract(a)]


def test_protocol_only_stages_run_through_the_pipeline(extractor, claims):
    for stage, protocol in ((ByArticle([]), base.Clusterer), (Constant(), base.Embedder), (Agreeable(), base.PairJudge)):
        assert isinstance(stage, protocol)
    clu = ByArticle([c.article_id for c in claims])
    pipe = DiscrepPipeline(extractor=extractor, embedder=Constant(), clusterer=clu, classifier=Agreeable())
    vectors = pipe.embed_claims(claims)
    incidents = pipe.cluster(claims, vectors)
    assert clu.seen == (len(claims),) * 4
    assert sorted(sorted(i.claim_ids) for i in incidents) == sorted(
        sorted(c.claim_id for c in claims if c.article_id == a) for a in {c.article_id for c in claims})
    pair = ClaimPair(claims[0], claims[1], claims[0].source, claims[1].source)
    assert judge(Agreeable(), pair, Agreeable().proba_frame([pair])[0], interval_guard=False)[0] == "agree"
    assert embedder_stats(Constant()) == {"model": "constant", "backend": None, "encoded": None, "cached": None,
                                          "encode_seconds": 0.0}


def test_a_protocol_only_extractor_runs_through_the_guard(extractor):
    class OneSentence:
        registry, places_path, gazetteer = extractor.registry, extractor.places_path, extractor.gazetteer

        def extract(self, article):
            return [self.extract_sentence(article.text.split(".")[0] + ".", article.outlet, article.published,
                                          article_id=article.id)]

        def extract_sentence(self, text, outlet="unknown", published=None, source=None, article_id="adhoc", index=0):
            return extractor.extract_sentence(text, outlet, published, source, article_id, index)

    ex = OneSentence()
    assert isinstance(ex, base.Extractor)
    arts, _ = read_articles([ROOT / "data" / "examples"])
    kept, cs, _ = extract_guarded(ex, arts[:3])
    assert [a.id for a in kept] == [a.id for a in arts[:3]] and [c.article_id for c in cs] == [a.id for a in kept]
