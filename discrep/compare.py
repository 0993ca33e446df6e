"""``discrep.compare(claim, text)``: check one statement against one document.

The claim is aligned to the most relevant sentences of the text (embedding top-k plus shared
event/figure), each pair is classified, and the decisive one gives the verdict and the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .extract import split_sentences
from .pairs import alignment_score
from .types import LABELS, ClaimPair

_DEFAULT_PIPE = {}


@dataclass
class Comparison:
    label: str
    proba: dict[str, float]
    reason: str
    evidence: list[str] = field(default_factory=list)

    def to_dict(self):
        return {"label": self.label, "proba": {k: round(v, 4) for k, v in self.proba.items()},
                "reason": self.reason, "evidence": self.evidence}


def _pipeline(model: str | None, pipeline):
    if pipeline is not None:
        return pipeline
    key = model or "<default>"
    if key not in _DEFAULT_PIPE:
        from .pipeline import DiscrepPipeline

        _DEFAULT_PIPE[key] = DiscrepPipeline.from_model(model)
    return _DEFAULT_PIPE[key]


def compare(claim: str, text: str, model: str | None = None, pipeline=None, top_k: int = 3,
            published: date | None = None, source_a: str = "claim", source_b: str = "document",
            min_cosine: float = 0.2) -> Comparison:
    """Probabilities for agree / contradict / neutral / unreported, and a short reason."""
    pipe = _pipeline(model, pipeline)
    ex = pipe.extractor
    a = ex.extract_sentence(claim, "claim", published, source=source_a, article_id="claim")
    sents = [s for s in split_sentences(text or "") if len(s.split()) >= 3][:400]
    if not sents:
        return Comparison("unreported", {**{k: 0.0 for k in LABELS}, "unreported": 1.0},
                          f"{source_b} has no sentence to compare with", [])
    bs = [ex.extract_sentence(s, "document", published, source=source_b, article_id="doc", index=i)
          for i, s in enumerate(sents)]
    V = pipe.embedder.encode([a.text] + [b.text for b in bs])
    cos = V[1:] @ V[0]
    align = np.array([alignment_score(a, b, float(c)) for b, c in zip(bs, cos)])
    top = list(np.argsort(-align)[:top_k])
    pairs = [ClaimPair(a, bs[i], source_a, source_b) for i in top]
    probas = pipe.classifier.proba_frame(pairs)
    if float(cos.max()) < min_cosine:
        best = 0
        pr = {k: 0.0 for k in LABELS}
        pr["unreported"] = 1.0
        return Comparison("unreported", pr, f"{source_b} says nothing close to the claim (max cosine "
                                            f"{float(cos.max()):.2f})", [])
    # the decisive sentence: the one the classifier is most sure takes a side on
    decisive = [pr["agree"] + pr["contradict"] for pr in probas]
    best = int(np.argmax(decisive))
    pr = probas[best]
    label = max(pr, key=pr.get)
    return Comparison(label, pr, pipe.classifier.explain(pairs[best], label), [bs[i].text for i in top])
