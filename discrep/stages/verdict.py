"""The judge stage: a pair's label, score and reason from the classifier's probabilities and the interval
rule, and one row per compared fact. The one verdict code: every engine (discrep.graph.judge) and the MLflow
model (discrep.io.pyfunc, which the Spark engine calls as a UDF) use :func:`verdicts`."""
from __future__ import annotations

import re

from discrep.model.features import NUMERIC_NAMES, claim_memo, fact_label, numeric_features, polarity_features
from discrep.records.core import Claim, ClaimPair, Discrepancy
from discrep.stages.base import PairJudge

INTERVAL_GUARD = True
"""Apply the interval rule by default (qualified figures of one fact whose intervals overlap are not a
contradiction); the one default of the engines, the API and the MLflow model."""


def three_way(proba: dict[str, float]) -> tuple[str, float, dict[str, float]]:
    """Report label from four-way probabilities: neutral folds into unreported (no confirmation either way)."""
    p = {"agree": proba.get("agree", 0.0), "contradict": proba.get("contradict", 0.0),
         "unreported": proba.get("unreported", 0.0) + proba.get("neutral", 0.0)}
    label = max(p, key=p.get)
    return label, p[label], p


def kept_counterpart(label: str, b: Claim | None) -> Claim | None:
    """The other side's claim a discrepancy keeps: an unreported fact keeps only an explicit silence (the
    aligned claim is then not about the fact)."""
    return b if (label != "unreported" or (b is not None and b.kind == "silence")) else None


def judge(classifier: PairJudge, p: ClaimPair, pr: dict, interval_guard: bool = INTERVAL_GUARD) -> tuple[str, float, str]:
    """(label, score, reason) of one pair from its probabilities; shared by compare_pairs and the MLflow
    model (so the Spark engine applies the interval rule too)."""
    label, score, p3 = three_way(pr)
    if label != "contradict" or not interval_guard:
        return label, score, classifier.explain(p, label)
    if interval_compatible(p):
        # qualified figures of the same fact whose intervals overlap cannot contradict each other
        label, score = "agree", p3["agree"] + p3["contradict"]
        return label, score, (classifier.explain(p, label) +
                              f" (interval rule; classifier P(contradict)={p3['contradict']:.2f})")
    return label, score, classifier.explain(p, label)


def interval_compatible(p: ClaimPair) -> bool:
    """The compared figure of ``a`` and every same-fact figure of ``b`` overlap as intervals, in the same
    place and scope, and neither side negates the other (features.numeric/polarity say so)."""
    if p.b is None or p.b.kind == "silence" or not p.a.quantities:
        return False
    num = dict(zip(NUMERIC_NAMES, numeric_features(p.a, p.b, p.focus)))
    pol = polarity_features(p.a, p.b)
    neg_mismatch = pol[0] > 0 or pol[6] > 0  # one side negates, or only one side uses refuting words
    return num["num_has_match"] == 1.0 and num["num_compatible"] == 1.0 and num["num_conflict"] == 0.0 \
        and not neg_mismatch


def dedupe(ds: list[Discrepancy]) -> list[Discrepancy]:
    """One row per compared fact: agree/contradict pairs found from both sides are kept once (the surer one)."""
    best: dict[tuple, Discrepancy] = {}
    order: list[tuple] = []
    for d in ds:
        # keyed by text, not claim id: a syndicated reprint of the same sentence is the same fact
        ta = _key_text(d.claim_a.text)
        if d.label in ("agree", "contradict") and d.claim_b is not None:
            sides = sorted([(d.source_a, ta), (d.source_b, _key_text(d.claim_b.text))])
            key = (d.incident_id, d.label, d.fact, *sides)
        else:
            key = (d.incident_id, d.label, d.fact, d.source_a, ta, d.source_b)
        if key not in best:
            order.append(key)
            best[key] = d
        elif d.score > best[key].score:
            best[key] = d
    return [best[k] for k in order]


def _key_text(t: str) -> str:
    return re.sub(r"\W+", " ", t.lower()).strip()


def verdicts(classifier, pairs, interval_guard: bool = INTERVAL_GUARD) -> list[tuple[str, float, str, dict[str, float]]]:
    """(label, score, reason, probabilities) of each pair: the classifier's four-way probabilities, folded to the
    report's three labels, with the interval rule. The one verdict code: the engines (discrep.graph.judge) and
    the MLflow model (discrep.io.pyfunc, and through it the Spark engine) call it."""
    if not pairs:
        return []
    with claim_memo():  # features and reasons derive the same per-claim values: once per claim
        probas = classifier.proba_frame(pairs)
        return [(*judge(classifier, p, pr, interval_guard), pr) for p, pr in zip(pairs, probas)]


def discrepancy(p: ClaimPair, label: str, score: float, reason: str, proba: dict[str, float]) -> Discrepancy:
    """The output row of one judged pair."""
    return Discrepancy(incident_id=p.incident_id or "", source_a=p.source_a, source_b=p.source_b, label=label,
                       score=score, reason=reason, claim_a=p.a, claim_b=kept_counterpart(label, p.b), proba=proba,
                       fact=fact_label(p.focus))
