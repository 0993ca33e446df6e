from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A small fitted classifier (no embeddings: seconds), saved to a folder, and an input example."""
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    from discrep.model.classifier import PairClassifier
    from discrep.model.features import PairFeaturizer
    from discrep.stages.extract import ClaimExtractor
    from discrep.training.data import read_jsonl, synthetic_pairs

    ex = ClaimExtractor(sources_path=str(ROOT / "data" / "sources.yaml"),
                        places_path=str(ROOT / "data" / "places.yaml"))
    ps = synthetic_pairs(read_jsonl(ROOT / "data" / "train" / "claims.jsonl")[:40], ex, per_claim=2, seed=1)
    clf = PairClassifier(PairFeaturizer(groups=("numeric", "polarity", "lexical")),
                         LogisticRegression(max_iter=500), calibration=None).fit(ps.pairs, ps.labels)
    folder = clf.save(tmp_path_factory.mktemp("tiny") / "classifier")
    example = pd.DataFrame([{"text_a": "Two people were killed, the governor said.", "text_b": "Three died.",
                             "source_a": "governor", "source_b": "channel", "published_a": "2024-01-02",
                             "published_b": "2024-01-02"}])
    return folder, example
